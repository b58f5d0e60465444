"""URL table for the Rekognition endpoint (moto reads it beside ``models``)."""

from .responses import RekognitionResponse

url_bases = [r"https?://rekognition\.(.+)\.amazonaws\.com"]

url_paths = {"{0}/$": RekognitionResponse.dispatch}
