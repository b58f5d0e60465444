"""The face engine: pixels in, faces out. No AWS knowledge lives here."""

from .config import EngineConfig
from .decode import ImageDecodeError, decode_rgb, read_size, sniff_format
from .engine import Analysis, Face, FaceEngine, get_engine
from .similarity import distance_for_similarity, similarity_from_distance

__all__ = [
    "Analysis",
    "EngineConfig",
    "Face",
    "FaceEngine",
    "ImageDecodeError",
    "decode_rgb",
    "distance_for_similarity",
    "get_engine",
    "read_size",
    "similarity_from_distance",
    "sniff_format",
]
