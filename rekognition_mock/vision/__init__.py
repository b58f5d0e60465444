"""The face engine: pixels in, faces out. No AWS knowledge lives here.

Names are imported lazily so that ``import rekognition_mock`` stays cheap (no numpy,
Pillow or dlib until something is analysed).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Analysis": "engine",
    "EngineConfig": "config",
    "Face": "engine",
    "FaceEngine": "engine",
    "ImageDecodeError": "decode",
    "decode_rgb": "decode",
    "distance_for_similarity": "similarity",
    "get_engine": "engine",
    "read_size": "decode",
    "similarity_from_distance": "similarity",
    "sniff_format": "decode",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
