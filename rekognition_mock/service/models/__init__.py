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

import threading

from moto.core.base_backend import BackendDict

from ...store import state
from ...store.replica import sync_collection, sync_rows
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


_REFRESH = threading.Lock()  # one refresh at a time: a request never runs on a half-applied one


def refresh_state(store: "state.Store") -> None:
    """Bring the backends up to date with what other servers sharing ``store`` changed (a
    no-op for a store only this server holds); before every Rekognition request. Only the
    faces and users a change names are read again (a whole collection only when it was
    created again, or when the change could have touched every row)."""
    with _REFRESH:
        for account, region, collection_id, face_ids, user_ids in store.changes():
            backend = rekognition_backends[account][region]
            with backend._lock:
                if collection_id is None:
                    stored = {row[2]: row for row in store.collections() if row[:2] == (account, region)}
                    for gone in set(backend.collections) - set(stored):
                        del backend.collections[gone]
                    for name in stored:
                        _refresh_collection(store, backend, account, region, name, None, None)
                else:
                    _refresh_collection(store, backend, account, region, collection_id, face_ids, user_ids)


def _refresh_collection(store: "state.Store", backend: RekognitionBackend, account: str, region: str,
                        collection_id: str, face_ids: frozenset[str] | None, user_ids: frozenset[str] | None) -> None:
    row = store.collection(account, region, collection_id)
    current = backend.collections.get(collection_id)
    if row is None:
        backend.collections.pop(collection_id, None)
        return
    if current is None or current.arn != row[3] or current.created != row[4]:  # new, or deleted and made again
        backend.restore_collection(collection_id, row[3], row[4], row[5], store.faces(account, region, collection_id),
                                   store.users(account, region, collection_id))
    elif face_ids is None or user_ids is None:
        sync_collection(current, row[5], store.faces(account, region, collection_id),
                        store.users(account, region, collection_id))
    else:
        faces = store.faces(account, region, collection_id, face_ids) if face_ids else []
        users = store.users(account, region, collection_id, user_ids) if user_ids else []
        sync_rows(current, row[5], face_ids, faces, user_ids, users)
