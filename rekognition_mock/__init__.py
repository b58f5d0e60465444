"""rekognition-mock: Amazon Rekognition for tests, answered by a real dlib face engine.

``import rekognition_mock`` plugs the backend into moto (so plain ``mock_aws`` reaches
it too) without importing moto, numpy or dlib and without loading any model; those
load on the first request that needs them.
"""

from __future__ import annotations

from typing import Any

from ._hook import install, mock_rekognition
from .settings import configure, settings

__version__ = "0.1.0"

install()

__all__ = ["configure", "install", "mock_rekognition", "settings", "similarity_from_distance"]


def __getattr__(name: str) -> Any:
    if name == "similarity_from_distance":
        from .vision.similarity import similarity_from_distance

        return similarity_from_distance
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
