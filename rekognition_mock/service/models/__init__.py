"""The Rekognition backend: per account and region, moto-style.

It subclasses moto's own (canned) Rekognition backend so that operations this project
does not model yet keep moto's behaviour, and replaces the face operations with ones
answered by the face engine.

The backend is composed of one module per family of operations (moto splits its large
services the same way): ``analysis`` (image operations), ``celebrities``, ``collections``,
``faces`` (faces in collections), ``scripted`` (DetectProtectiveEquipment, DetectText),
``users``, ``video`` (video jobs: faces and face search), ``video_labels`` (video jobs:
person tracking and labels), ``video_cues`` (segment detection), ``video_scripted``
(celebrities and text, scripted), and the Custom Labels families ``projects``, ``datasets``
and ``project_versions``, ``stream_processors``, ``liveness`` and ``media_analysis`` (timed by
service/clock.py, sharing ``lifecycle``), over the shared state of ``base``.
"""

from __future__ import annotations

from moto.core.base_backend import BackendDict

from ...store import state
from .base import BackendBase
from .celebrities import CelebritiesMixin
from .collections import CollectionsMixin
from .faces import FacesMixin
from .media_analysis import MediaAnalysisMixin
from .project_versions import ProjectVersionsMixin
from .scripted import ScriptedImagesMixin
from .stream_processors import StreamProcessorsMixin
from .users import UsersMixin
from .video_scripted import VideoScriptedMixin


class RekognitionBackend(VideoScriptedMixin, CelebritiesMixin, ScriptedImagesMixin, ProjectVersionsMixin,
                         StreamProcessorsMixin, MediaAnalysisMixin, FacesMixin, UsersMixin,
                         CollectionsMixin, BackendBase):
    """State and logic for one account and region."""


rekognition_backends = BackendDict(RekognitionBackend, "rekognition")


def load_state(store: "state.Store") -> int:
    """Fill the backends from ``store``; returns how many collections were restored."""
    count = 0
    for account, region, collection_id, arn, created, tags in store.collections():
        backend = rekognition_backends[account][region]
        backend.restore_collection(collection_id, arn, created, tags, store.faces(account, region, collection_id),
                                   store.users(account, region, collection_id))
        count += 1
    return count
