"""The state every family of the backend shares: moto's backend under it, the collections
of one account and region, their lock, and the FaceIds handed out."""

from __future__ import annotations

import threading
from typing import Any

from moto.rekognition.models import RekognitionBackend as MotoRekognitionBackend

from ...store.collections import Collection, FaceIds
from ..exceptions import ResourceNotFoundException


class BackendBase(MotoRekognitionBackend):
    """State for one account and region; the families in this package add the operations."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.collections: dict[str, Collection] = {}
        self._lock = threading.RLock()
        self._face_ids: tuple[str | None, FaceIds] | None = None  # (the seed it was made with, the source)
        self.video_jobs: dict[str, Any] = {}  # JobId -> jobs.Job, in the order started
        self._job_tokens: dict[tuple[str, str], tuple[str, str]] = {}  # (API, ClientRequestToken) -> (request, JobId)

    def _new_face_id(self) -> str:
        """A new FaceId: random, or from ``settings.face_id_seed``'s sequence for this account
        and region (which starts over when the backend is reset, so each test gets the same ids)."""
        from ...settings import settings

        seed = settings.face_id_seed
        if self._face_ids is None or self._face_ids[0] != seed:
            source = FaceIds(None if seed is None else f"{seed}|{self.account_id}|{self.region_name}")
            self._face_ids = (seed, source)
        return self._face_ids[1].new()

    def _unused_face_id(self, collection: Collection) -> str:
        """A new FaceId the collection does not hold (a seeded sequence starts over when a
        server restarts on its state directory, and must not hand out a stored face's id)."""
        while True:
            face_id = self._new_face_id()
            if collection.faces.get(face_id) is None:
                return face_id

    def _collection(self, collection_id: str) -> Collection:
        collection = self.collections.get(collection_id)
        if collection is None:
            raise ResourceNotFoundException(f"The collection id: {collection_id} does not exist")
        return collection
