"""rekognition-mock: Amazon Rekognition for tests, answered by a real dlib face engine.

``import rekognition_mock`` plugs the backend into moto (so plain ``mock_aws`` reaches
it too) without loading any model; models load on the first request that needs them.
"""

from .core import install, mock_rekognition
from .settings import configure, settings
from .vision.similarity import similarity_from_distance

__version__ = "0.1.0"

install()

__all__ = ["configure", "install", "mock_rekognition", "settings", "similarity_from_distance"]
