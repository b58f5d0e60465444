"""Keeping one server's collections current with a state shared by several servers.

A server on a shared database (:mod:`.postgres`) learns from :meth:`.state.Store.changes`
which collections other servers changed, then brings each in memory up to date with the
rows stored for it, in place: the :class:`~.collections.Collection` object stays the same
(a request of this server working on it carries on), faces gone from the database are
deleted, new ones loaded with their descriptors, users and associations set as stored. The
exact in-memory search then answers as a single server's would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .collections import Collection
from .state import FaceRow, UserRow
from .users import User


def sync_collection(collection: Collection, tags: dict[str, str], rows: Sequence[FaceRow],
                    users: Sequence[UserRow]) -> None:
    """Make ``collection`` hold exactly the stored ``rows`` and ``users`` (and ``tags``)."""
    faces = collection.faces
    with faces.lock:
        current, _ = faces.page(-(2**62), max(1, len(faces)))
        stored = {row[0]: row for row in rows}
        gone = [face.face_id for face in current if face.face_id not in stored]
        if gone:
            faces.delete(gone)
        have = {face.face_id for face in current}
        new = [row for row in rows if row[0] not in have]
        if new:
            faces.load(list(new))
        stored_users = {user_id: (created, token) for user_id, created, token in users}
        for user_id, (created, token) in stored_users.items():
            if collection.users.get(user_id) is None:
                collection.users.add(User(user_id, created, token))
        moved: dict[str | None, list[str]] = {}
        for face in current:
            row = stored.get(face.face_id)
            if row is not None and row[3] != face.user_id:
                moved.setdefault(row[3], []).append(face.face_id)
        for user_id, face_ids in moved.items():
            faces.assign(face_ids, user_id)
        shifted = [(face.face_id, stored[face.face_id][6]) for face in current
                   if face.face_id in stored and stored[face.face_id][6] != face.seq]
        if shifted:  # numbered after another server's faces by the database
            faces.renumber([fid for fid, _ in shifted], [seq for _, seq in shifted])
        for user in collection.users.in_order():
            if user.user_id not in stored_users:
                collection.users.remove(user.user_id)
        collection.tags = dict(tags)


def sync_rows(collection: Collection, tags: dict[str, str], face_ids: Iterable[str], rows: Sequence[FaceRow],
              user_ids: Iterable[str], users: Sequence[UserRow]) -> None:
    """Bring the faces ``face_ids`` and the users ``user_ids`` of ``collection`` to what is
    stored for them (``rows`` and ``users``: the stored ones among them; the others are gone),
    and its tags to ``tags``; every other face and user stays as it is. What a change of
    another server costs: the rows it touched, not the collection."""
    faces = collection.faces
    with faces.lock:
        stored_users = {user_id: (created, token) for user_id, created, token in users}
        for user_id, (created, token) in stored_users.items():
            if collection.users.get(user_id) is None:
                collection.users.add(User(user_id, created, token))
        stored = {row[0]: row for row in rows}
        wanted = list(dict.fromkeys(face_ids))
        have = set(faces.existing(wanted))
        gone = [fid for fid in wanted if fid in have and fid not in stored]
        if gone:
            faces.delete(gone)
        new = [row for fid, row in stored.items() if fid not in have]
        if new:
            faces.load(new)
        moved: dict[str | None, list[str]] = {}
        shifted: list[tuple[str, int]] = []
        for fid in have:
            row = stored.get(fid)
            face = faces.get(fid)
            if row is None or face is None:
                continue
            if row[3] != face.user_id:
                moved.setdefault(row[3], []).append(fid)
            if row[6] != face.seq:
                shifted.append((fid, row[6]))
        for user_id, ids in moved.items():
            faces.assign(ids, user_id)
        if shifted:
            faces.renumber([fid for fid, _ in shifted], [seq for _, seq in shifted])
        for user_id in dict.fromkeys(user_ids):
            if user_id not in stored_users and collection.users.get(user_id) is not None:
                collection.users.remove(user_id)
        collection.tags = dict(tags)
