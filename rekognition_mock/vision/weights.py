"""Lazy, thread-safe loading of the models.

Nothing here runs at import time: each model loads on first use, once per process.
dlib's CNN detector and ResNet run on onnxruntime from ONNX files shipped in
``vision/data/`` (converted once from the ``.dat`` files of ``face-recognition-models`` by
``scripts/convert_dlib_networks.py``), as do the attribute networks; the HOG detector, the
68-point landmark model and the reference networks the parity tests compare with are
dlib's own objects, read from ``face-recognition-models``. dlib's objects come with a lock
because they are not safe to call from several threads at once; onnxruntime sessions are.
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


def hog_detector_copy() -> LoadedModel:
    """A second :func:`hog_detector` with its own lock: dlib's HOG lets another thread run
    while it computes, so two images are scored at once (:func:`.hog.hog_runs`)."""
    import pickle

    original = hog_detector().model  # loaded first: _load holds its (non-reentrant) lock while it builds
    return _load("hog_copy", lambda: pickle.loads(pickle.dumps(original)))


def numpy_hog_detector() -> LoadedModel:
    """The same detector run by numpy (:mod:`.fhog`, dlib's weights from
    ``vision/data/hog_frontal.npz``): the same boxes and filters as dlib's, scores within
    3e-6, about 2–2.5x dlib's time on one thread (``scripts/bench_fhog.py``). Not the
    engine's yet: it is the HOG half of running without ``dlib-bin``
    (docs/performance.md#installed-size)."""
    from .fhog import FrontalFaceDetector

    return _load("numpy-hog", FrontalFaceDetector)


def _dlib_settings() -> dict:
    """``vision/data/dlib_networks.json``: what the dlib networks' runtime takes from their
    files besides the weights (written by ``scripts/convert_dlib_networks.py``)."""
    import json

    from .onnx_nets import shipped

    return json.loads(shipped("dlib_networks.json"))


def mmod_detector() -> LoadedModel:
    """dlib's MMOD CNN face detector, run by onnxruntime (:class:`.mmod.MMODDetector`)
    from the ONNX files converted once from ``mmod_human_face_detector.dat``."""

    def build() -> Any:
        from . import mmod
        from .onnx_nets import session_from_bytes, shipped

        return mmod.MMODDetector(
            _dlib_settings()["mmod"],
            session_from_bytes(shipped("dlib_mmod_front.onnx"), arena="shared"),
            session_from_bytes(shipped("dlib_mmod_back.onnx"), arena="shared"),
            session_from_bytes(shipped("resize_half_pixel.onnx"), arena=False),
            session_from_bytes(shipped("resize_align_corners.onnx"), arena=False),
            session_from_bytes(shipped("to_float16.onnx"), arena=False),
        )

    return _load("mmod", build)


def age_gender_net() -> LoadedModel:
    """The age and gender network shipped with the package (:class:`.age_gender.AgeGenderNet`)."""

    def build() -> Any:
        from .age_gender import AgeGenderNet

        return AgeGenderNet()

    return _load("age-gender", build)


def glasses_net() -> LoadedModel:
    """The glasses classifier shipped with the package (:class:`.glasses.GlassesNet`)."""

    def build() -> Any:
        from .glasses import GlassesNet

        return GlassesNet()

    return _load("glasses", build)


def mask_net() -> LoadedModel:
    """The masked-face detector shipped with the package (:class:`.masks.MaskNet`)."""

    def build() -> Any:
        from .masks import MaskNet

        return MaskNet()

    return _load("masks", build)


def emotion_net() -> LoadedModel:
    """The FER2013 expression network shipped with the package (:class:`.emotions.EmotionNet`)."""

    def build() -> Any:
        from .emotions import EmotionNet

        return EmotionNet()

    return _load("emotions", build)


def face_mesh_net() -> LoadedModel:
    """MediaPipe's face mesh and blendshapes, shipped with the package (:class:`.face_mesh.FaceMeshNet`)."""

    def build() -> Any:
        from .face_mesh import FaceMeshNet

        return FaceMeshNet()

    return _load("face-mesh", build)


def resnet_encoder() -> LoadedModel:
    """dlib's face-recognition ResNet (150×150 chip to 128-d descriptor) on onnxruntime,
    from the ONNX file converted once from ``dlib_face_recognition_resnet_model_v1.dat``.

    ``model`` is a :class:`.descriptors.ResNetEncoder`.
    """

    def build() -> Any:
        from .descriptors import ResNetEncoder
        from .onnx_nets import session_from_bytes, shipped

        return ResNetEncoder(_dlib_settings()["resnet"]["mean"], session_from_bytes(shipped("dlib_resnet.onnx")))

    return _load("resnet", build)


def dlib_cnn_detector() -> LoadedModel:
    """dlib's own MMOD CNN face detector (the reference the parity tests compare with)."""
    import dlib

    return _load("dlib-cnn", lambda: dlib.cnn_face_detection_model_v1(_paths().cnn_face_detector_model_location()))


def shape_predictor_68() -> LoadedModel:
    """The iBUG 68-point landmark predictor."""
    import dlib

    return _load("sp68", lambda: dlib.shape_predictor(_paths().pose_predictor_model_location()))


def dlib_face_encoder() -> LoadedModel:
    """dlib's own face-recognition ResNet (the reference the parity tests compare with)."""
    import dlib

    return _load("dlib-resnet", lambda: dlib.face_recognition_model_v1(_paths().face_recognition_model_location()))


def loaded_models() -> list[str]:
    """Names of the models loaded so far in this process (for tests and diagnostics)."""
    return sorted(_LOADED)
