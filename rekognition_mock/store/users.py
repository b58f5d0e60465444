"""Users of one collection: who they are, how many faces they hold, their vectors, and search.

Which face belongs to which user is one column of the collection's :class:`FaceStore`
(``FaceStore.users``), so listing, persistence and deletion see one truth. This module keeps
the rest: each user's record (creation time, the ``ClientRequestToken`` that made it), the
user vectors, and the replies remembered for idempotent retries.

A user's vector is the mean of its faces' descriptors. dlib's descriptors of one person lie
close together with nearly equal norms (about 1.40 on the development photos), so their mean
keeps that norm (1.397 for three photos of one face) and the distance calibration of face
search applies to it unchanged; a face of that person lies nearer the mean than to most of
the single faces, which is why searching users is the more accurate search. The vectors of
all users are rebuilt in one pass over the faces, only after the associations changed.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .facestore import DIM, FaceStore

REMEMBERED_REPLIES = 1000  # idempotent replies kept per collection (oldest forgotten first); not an AWS figure


@dataclass
class User:
    """One user of a collection."""

    user_id: str
    created: float = field(default_factory=time.time)
    create_token: str | None = None  # ClientRequestToken of the CreateUser that made it
    updating_until: float = 0.0  # time.monotonic() until which the user reads UPDATING (not kept on disk)


class UserStore:
    """The users of one collection, over that collection's faces. Thread-safe: every method
    holds the face store's lock, which callers also hold to pair a change with its persistence."""

    def __init__(self, faces: FaceStore) -> None:
        self.faces = faces
        self.lock = faces.lock
        self._users: dict[str, User] = {}  # creation order
        self._latest = float("-inf")  # the latest ``created`` of any user added
        self._version = -1  # FaceStore.user_version the vectors below were built from
        self._where: dict[str, int] = {}  # user id -> row of _counts/_vectors
        self._ids: list[str] = []
        self._counts = np.zeros(0, dtype=np.int64)
        self._vectors = np.zeros((0, DIM), dtype=np.float32)
        self._replies: OrderedDict[tuple[str, str], tuple[Any, Any]] = OrderedDict()

    # -- records ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._users)

    def __contains__(self, user_id: object) -> bool:
        return user_id in self._users

    def get(self, user_id: str) -> User | None:
        return self._users.get(user_id)

    def in_order(self, after: tuple[float, str] | None = None) -> list[User]:
        """The users in creation order (by ``created``, which :meth:`add` keeps strictly
        increasing, then UserId), those after the key ``after`` only if given."""
        with self.lock:
            users = sorted(self._users.values(), key=lambda u: (u.created, u.user_id))
            return users if after is None else [u for u in users if (u.created, u.user_id) > after]

    def by_token(self, token: str) -> User | None:
        """The user a CreateUser with ``token`` made, if it is still there."""
        with self.lock:
            return next((u for u in self._users.values() if u.create_token == token), None)

    def add(self, user: User) -> None:
        """Keep ``user``; a user created in the same clock tick as the last one is placed
        just after it, so that creation order is never a tie."""
        with self.lock:
            if user.user_id not in self._users and user.created <= self._latest:
                user.created = self._latest + 1e-6
            self._latest = max(self._latest, user.created)
            self._users[user.user_id] = user

    def remove(self, user_id: str) -> None:
        """Forget the user; its faces stay in the collection, associated with no one."""
        with self.lock:
            self.faces.assign(self.faces.user_face_ids(user_id), None)
            del self._users[user_id]

    # -- faces and vectors ----------------------------------------------------------

    def associate(self, face_ids: list[str], user_id: str | None) -> None:
        """Associate the faces with ``user_id`` (None: with no one)."""
        self.faces.assign(face_ids, user_id)

    def face_count(self, user_id: str) -> int:
        with self.lock:
            self._refresh()
            row = self._where.get(user_id)
            return 0 if row is None else int(self._counts[row])

    def vector(self, user_id: str) -> np.ndarray | None:
        """The user's vector (None while it holds no face)."""
        with self.lock:
            self._refresh()
            row = self._where.get(user_id)
            return None if row is None else self._vectors[row].copy()

    def distance(self, query: np.ndarray, user_id: str) -> float | None:
        """The distance from ``query`` to ``user_id``'s vector (None while it holds no face),
        taken from :meth:`distances`, the very computation :meth:`search` ranks by: a face's
        score against a user (AssociateFaces' Confidence) is its score in SearchUsers, to
        the last bit, on any machine."""
        with self.lock:
            self._refresh()
            row = self._where.get(user_id)
            return None if row is None else float(self.distances(query)[row])

    def distances(self, query: np.ndarray) -> np.ndarray:
        """The distance from ``query`` to every user's vector (rows as :meth:`search` numbers
        them): the one computation behind every score of a face against users."""
        query = np.asarray(query, dtype=np.float32)
        with self.lock:
            self._refresh()
            return np.linalg.norm(self._vectors - query, axis=1)

    def search(self, query: np.ndarray, max_distance: float, limit: int, exclude: str | None = None) -> list[tuple[str, float]]:
        """Users whose vector lies within ``max_distance`` of ``query``, nearest first, at most ``limit``."""
        with self.lock:
            self._refresh()
            if not self._ids:
                return []
            distances = self.distances(query)
            order = np.argsort(distances, kind="stable")
            hits = []
            for row in order:
                distance = float(distances[row])
                if distance > max_distance or len(hits) == limit:
                    break
                if self._ids[row] != exclude and self._ids[row] in self._users:
                    hits.append((self._ids[row], distance))
            return hits

    def _refresh(self) -> None:
        version = self.faces.user_version
        if version != self._version:
            self._ids, self._counts, self._vectors = self.faces.user_means()
            self._where = {user_id: row for row, user_id in enumerate(self._ids)}
            self._version = version

    # -- idempotent retries -----------------------------------------------------------

    def recall(self, operation: str, token: str) -> tuple[Any, Any] | None:
        """(request fingerprint, reply) remembered for ``operation`` called with ``token``."""
        with self.lock:
            return self._replies.get((operation, token))

    def remember(self, operation: str, token: str, fingerprint: Any, reply: Any) -> None:
        with self.lock:
            self._replies[(operation, token)] = (fingerprint, reply)
            while len(self._replies) > REMEMBERED_REPLIES:
                self._replies.popitem(last=False)
