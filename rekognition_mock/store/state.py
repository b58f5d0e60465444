"""The interface every durable state backend gives the rest of the mock.

``service/`` and the server use a backend only through :class:`Store` (and the module-level
:func:`active` / :func:`activate`), so they do not know whether state lives in SQLite
(:mod:`.persistence`, the embedded default) or PostgreSQL (:mod:`.postgres`).

Every write is one transaction, committed before the method returns; a write that cannot be
saved raises :class:`~.statedir.StateWriteError` (nothing is acknowledged to the client). A
backend that cannot be opened raises :class:`~.statedir.StateError` with a one-line message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = ["REMEMBERED_REPLIES", "Change", "FaceRow", "Remember", "Store", "TokenTaken", "UserRow", "activate", "active",
           "face_row", "merge_changes"]

# face_id, image_id, external_image_id, user_id, box (4 float32), confidence, seq, descriptor (128 float32)
FaceRow = tuple[str, str, str | None, str | None, bytes, float, int, bytes]
UserRow = tuple[str, float, str | None]  # user_id, created, create token
CollectionRow = tuple[str, str, str, str, float, dict[str, str]]  # account, region, id, arn, created, tags
ChangeKey = tuple[str, str, str | None]  # account, region, collection id (None: the whole region)
# a change other servers made: account, region, collection id (None: the whole region), then
# the face ids and the user ids it touched (None: possibly all of the collection's; empty:
# none, only the collection's own row)
Change = tuple[str, str, str | None, frozenset[str] | None, frozenset[str] | None]
# a reply remembered for a ClientRequestToken: operation, token, request fingerprint, reply (JSON texts)
Remember = tuple[str, str, str, str]
REMEMBERED_REPLIES = 1000  # replies kept per collection, oldest forgotten first (AWS names no window)
DESCRIPTOR_BYTES = 128 * 4


class TokenTaken(Exception):
    """Another server stored a reply for this ClientRequestToken first: nothing was written;
    read that reply (:meth:`Store.token`) and answer with it."""
BOX_BYTES = 4 * 4


@runtime_checkable
class Store(Protocol):
    """Collections, faces, users and tags of every account and region, durably."""

    location: str  # where the state is kept, for messages (a path, or a URL without its password)

    def close(self) -> None: ...

    # writes: one transaction each, StateWriteError when not saved
    def put_collection(self, account: str, region: str, collection_id: str, arn: str, created: float,
                       tags: dict[str, str]) -> None: ...
    def delete_collection(self, account: str, region: str, collection_id: str) -> None: ...
    def delete_region(self, account: str, region: str) -> None: ...
    # ``remember``: the reply of a call with a ClientRequestToken, stored in the same transaction
    # (TokenTaken, and nothing written, when that token's reply is stored already)
    def put_user(self, account: str, region: str, collection_id: str, user_id: str, created: float,
                 token: str | None, remember: Remember | None = None) -> None: ...
    def delete_user(self, account: str, region: str, collection_id: str, user_id: str,
                    remember: Remember | None = None) -> None: ...
    def set_face_users(self, account: str, region: str, collection_id: str, face_ids: list[str],
                       user_id: str | None, remember: Remember | None = None) -> None: ...
    def add_faces(self, account: str, region: str, collection_id: str, rows: list[FaceRow]) -> None: ...
    def delete_faces(self, account: str, region: str, collection_id: str, face_ids: list[str]) -> None: ...

    # reads
    def collections(self) -> Iterable[CollectionRow]: ...
    def collection(self, account: str, region: str, collection_id: str) -> CollectionRow | None: ...
    def faces(self, account: str, region: str, collection_id: str,
              face_ids: Iterable[str] | None = None) -> list[FaceRow]:
        """The collection's faces in ListFaces' order (those of ``face_ids`` only, if given)."""
        ...
    def users(self, account: str, region: str, collection_id: str,
              user_ids: Iterable[str] | None = None) -> list[UserRow]:
        """The collection's users in creation order (those of ``user_ids`` only, if given)."""
        ...

    def token(self, account: str, region: str, collection_id: str, operation: str,
              token: str) -> tuple[str, str] | None:
        """(fingerprint, reply) stored for ``operation`` called with ``token``, or None."""
        ...

    rows_read: int  # face and user rows :meth:`faces` and :meth:`users` returned so far

    def changes(self) -> list[Change]:
        """What other servers on the same state changed since the last call (or since this
        store was opened), one :data:`Change` per collection (see :func:`merge_changes`).
        A backend only one server can hold has none. StateWriteError when it cannot be read."""
        ...


def face_row(face: Any, descriptor: np.ndarray) -> FaceRow:
    """A database row for a stored face and its descriptor."""
    return (
        face.face_id,
        face.image_id,
        face.external_image_id,
        face.user_id,
        np.asarray(face.box, dtype=np.float32).tobytes(),
        float(face.confidence),
        int(face.seq),
        np.asarray(descriptor, dtype=np.float32).tobytes(),
    )


def merge_changes(entries: Iterable[Change]) -> list[Change]:
    """``entries`` merged, one per collection in the order first named: the union of the ids
    they touched (None, all, absorbing any set); a whole region's entry stands alone."""
    merged: dict[tuple[str, str, str | None], list[Any]] = {}
    for account, region, collection_id, face_ids, user_ids in entries:
        key = (account, region, collection_id)
        seen = merged.get(key)
        if seen is None:
            merged[key] = [face_ids, user_ids]
            continue
        seen[0] = None if seen[0] is None or face_ids is None else seen[0] | face_ids
        seen[1] = None if seen[1] is None or user_ids is None else seen[1] | user_ids
    return [(*key, faces, users) for key, (faces, users) in merged.items()]


_STORE: Store | None = None


def active() -> Store | None:
    """The state store in use, or None when state lives in memory only."""
    return _STORE


def activate(store: Store | None) -> None:
    """Use ``store`` for every backend (None returns to memory-only state)."""
    global _STORE
    _STORE = store
