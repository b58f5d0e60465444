"""Product settings: which face detector the mock uses.

The detector comes from, in order: :func:`configure` / ``settings.detector = ...``,
the ``REKOGNITION_MOCK_DETECTOR`` environment variable (``hog`` or ``cnn``), and the
default ``hog``.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from .vision.config import DETECTORS, EngineConfig

if TYPE_CHECKING:
    from .vision.engine import FaceEngine

ENV_DETECTOR = "REKOGNITION_MOCK_DETECTOR"


class Settings:
    """Mutable, process-wide settings for the mock."""

    def __init__(self) -> None:
        self._detector: str | None = None
        self._lock = threading.Lock()

    @property
    def detector(self) -> str:
        """``"hog"`` (default, fast) or ``"cnn"`` (dlib MMOD; slower, finds profile faces)."""
        if self._detector is not None:
            return self._detector
        value = os.environ.get(ENV_DETECTOR, "hog").strip().lower() or "hog"
        if value not in DETECTORS:
            raise ValueError(f"{ENV_DETECTOR} must be one of {DETECTORS}, not {value!r}")
        return value

    @detector.setter
    def detector(self, value: str | None) -> None:
        if value is not None and value not in DETECTORS:
            raise ValueError(f"detector must be one of {DETECTORS}, not {value!r}")
        with self._lock:
            self._detector = value

    def engine_config(self) -> EngineConfig:
        """The engine configuration these settings describe."""
        return EngineConfig(detector=self.detector)


settings = Settings()


def configure(detector: str | None = None) -> None:
    """Set the face detector for this process (``None`` returns to the env/default)."""
    settings.detector = detector


def engine() -> "FaceEngine":
    """The face engine for the current settings."""
    from .vision.engine import get_engine

    return get_engine(settings.engine_config())
