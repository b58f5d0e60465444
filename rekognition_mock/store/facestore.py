"""Faces of one collection, column-wise in numpy arrays.

Descriptors live in one contiguous float32 matrix; every other field is a fixed-width
column (ids as 16-byte UUIDs, external ids and user ids interned). A stored face costs
about 590 bytes. Collections of 100,000 faces and more, when numba is installed (the
``fast-search`` extra), also keep an int8 copy of the descriptors (one scale per row,
built on their first search) that is scanned first (the search: :mod:`.facesearch`).
Deleted rows are marked dead and the columns are compacted once dead rows outnumber live
ones, so deletion never leaves the matrix growing without bound.
All methods are thread-safe.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from .facesearch import DIM, INT8_SEARCH_MIN_ROWS, MIN_CANDIDATES, RERANK_FACTOR, FaceSearch

__all__ = ["DIM", "INT8_SEARCH_MIN_ROWS", "MIN_CANDIDATES", "RERANK_FACTOR", "FaceStore", "StoredFace"]
_INITIAL = 64


@dataclass(frozen=True)
class StoredFace:
    """One face's metadata, materialised for a response."""

    face_id: str
    image_id: str
    external_image_id: str | None
    user_id: str | None
    box: tuple[float, float, float, float]  # width, height, left, top (ratios)
    confidence: float
    seq: int


class FaceStore(FaceSearch):
    """Append, look up, delete and search faces of one collection (the search: :class:`.facesearch.FaceSearch`)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.lock = self._lock  # held by callers that must pair a change with its persistence
        self._n = 0  # rows used (live + dead)
        self._live_count = 0
        self._next_seq = 1
        self._alloc(_INITIAL)
        self._strings: list[str | None] = [None]  # interned external/user ids, 0 = none
        self._string_index: dict[str | None, int] = {None: 0}
        self.user_version = 0  # changes whenever a face's user may have changed (users.UserStore's cache key)
        self._drop_codes()

    # -- storage ------------------------------------------------------------------

    def _alloc(self, capacity: int) -> None:
        self.descriptors = np.zeros((capacity, DIM), dtype=np.float32)
        self.sq_norms = np.zeros(capacity, dtype=np.float32)
        self.ids = np.zeros((capacity, 2), dtype=np.uint64)  # face id as two 64-bit halves
        self.image_ids = np.zeros((capacity, 2), dtype=np.uint64)
        self.external = np.zeros(capacity, dtype=np.int32)
        self.users = np.zeros(capacity, dtype=np.int32)
        self.boxes = np.zeros((capacity, 4), dtype=np.float32)
        self.confidence = np.zeros(capacity, dtype=np.float32)
        self.seq = np.zeros(capacity, dtype=np.int64)
        self.live = np.zeros(capacity, dtype=bool)

    _COLUMNS = ("descriptors", "sq_norms", "ids", "image_ids", "external", "users", "boxes", "confidence", "seq", "live")

    def _grow(self, needed: int) -> None:
        capacity = len(self.live)
        if needed <= capacity:
            return
        new_capacity = max(needed, capacity + capacity // 2)
        for name in self._COLUMNS:
            old = getattr(self, name)
            new = np.zeros((new_capacity,) + old.shape[1:], dtype=old.dtype)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)

    def _compact(self) -> None:
        keep = np.flatnonzero(self.live[: self._n])
        capacity = max(_INITIAL, len(keep) + len(keep) // 2)
        for name in self._COLUMNS:
            old = getattr(self, name)
            new = np.zeros((capacity,) + old.shape[1:], dtype=old.dtype)
            new[: len(keep)] = old[keep]
            setattr(self, name, new)
        self._n = len(keep)
        self._drop_codes()

    def _put_vectors(self, start: int, vectors: np.ndarray) -> None:
        """Write descriptors at rows ``start...``, with their squared norms."""
        rows = slice(start, start + len(vectors))
        self.descriptors[rows] = vectors
        self.sq_norms[rows] = np.einsum("ij,ij->i", vectors, vectors)

    def _intern(self, value: str | None) -> int:
        index = self._string_index.get(value)
        if index is None:
            index = self._string_index[value] = len(self._strings)
            self._strings.append(value)
        return index

    # -- writes -------------------------------------------------------------------

    def add(
        self,
        face_ids: list[str],
        image_id: str,
        external_image_id: str | None,
        descriptors: np.ndarray,
        boxes: np.ndarray,
        confidences: np.ndarray,
    ) -> list[bool]:
        """Store faces; a face id already present is left as it is. Returns which were new."""
        with self._lock:
            new_rows = [i for i, row in enumerate(self._rows(list(face_ids))) if row is None]
            self._grow(self._n + len(new_rows))
            image_halves = _halves(image_id)
            ext = self._intern(external_image_id)
            for i in new_rows:
                row = self._n
                vec = np.asarray(descriptors[i], dtype=np.float32)
                self._put_vectors(row, vec[None, :])
                self.ids[row] = _halves(face_ids[i])
                self.image_ids[row] = image_halves
                self.external[row] = ext
                self.users[row] = 0
                self.boxes[row] = boxes[i]
                self.confidence[row] = confidences[i]
                self.seq[row] = self._next_seq
                self.live[row] = True
                self._next_seq += 1
                self._n += 1
                self._live_count += 1
            fresh = set(new_rows)
            return [i in fresh for i in range(len(face_ids))]

    def add_bulk(self, descriptors: np.ndarray, image_id: str = "00000000-0000-0000-0000-000000000000") -> None:
        """Append many synthetic faces at once, with random ids (benchmarks; the internal bulk path)."""
        descriptors = np.asarray(descriptors, dtype=np.float32)
        count = len(descriptors)
        with self._lock:
            self._grow(self._n + count)
            rows = slice(self._n, self._n + count)
            self._put_vectors(self._n, descriptors)
            raw = np.frombuffer(np.random.default_rng(self._next_seq).bytes(16 * count), dtype=np.uint64)
            self.ids[rows] = raw.reshape(count, 2)
            self.image_ids[rows] = _halves(image_id)
            self.confidence[rows] = 99.9
            self.boxes[rows] = (0.25, 0.25, 0.375, 0.375)
            self.seq[rows] = np.arange(self._next_seq, self._next_seq + count)
            self.live[rows] = True
            self._next_seq += count
            self._n += count
            self._live_count += count

    def load(self, rows: list[tuple]) -> None:
        """Restore faces saved by :mod:`rekognition_mock.store.persistence` (ids and order kept)."""
        with self._lock:
            self._grow(self._n + len(rows))
            for face_id, image_id, external, user, box, confidence, seq, descriptor in rows:
                row = self._n
                self._put_vectors(row, np.frombuffer(descriptor, dtype=np.float32)[None, :])
                self.ids[row] = _halves(face_id)
                self.image_ids[row] = _halves(image_id)
                self.external[row] = self._intern(external)
                self.users[row] = self._intern(user)
                self.boxes[row] = np.frombuffer(box, dtype=np.float32)
                self.confidence[row] = confidence
                self.seq[row] = seq
                self.live[row] = True
                self._n += 1
                self._live_count += 1
                self._next_seq = max(self._next_seq, int(seq) + 1)
            self.user_version += 1

    def renumber(self, face_ids: list[str], seqs: list[int]) -> None:
        """Give faces the positions a state shared with other servers keeps for them."""
        with self._lock:
            for row, seq in zip(self._rows(list(face_ids)), seqs):
                if row is not None:
                    self.seq[row] = seq
            self._next_seq = max([self._next_seq, *(int(seq) + 1 for seq in seqs)])

    def export(self, face_ids: Iterable[str]) -> list[tuple[StoredFace, np.ndarray]]:
        """Stored faces with their descriptors (for persistence)."""
        out = []
        with self._lock:
            for row in self._rows(list(face_ids)):
                if row is not None:
                    out.append((self._face(row), self.descriptors[row].copy()))
        return out

    def delete(self, face_ids: Iterable[str]) -> list[str]:
        """Remove faces; returns the ids that existed and are now gone."""
        deleted = []
        with self._lock:
            ids = list(face_ids)
            for fid, row in zip(ids, self._rows(ids)):
                if row is not None and self.live[row]:
                    self.live[row] = False
                    self._live_count -= 1
                    deleted.append(fid)
            if deleted:
                self.user_version += 1
            if self._n > _INITIAL and self._n - self._live_count > self._live_count:
                self._compact()
        return deleted

    # -- reads --------------------------------------------------------------------

    def __len__(self) -> int:
        return self._live_count

    def _row(self, face_id: str) -> int | None:
        """The live row holding ``face_id`` (one vectorised pass over the id column)."""
        try:
            hi, lo = _halves(face_id)
        except ValueError:
            return None
        n = self._n
        hits = np.flatnonzero((self.ids[:n, 0] == hi) & (self.ids[:n, 1] == lo) & self.live[:n])
        return int(hits[0]) if len(hits) else None

    def _rows(self, face_ids: list[str]) -> list[int | None]:
        """Rows of many ids: a pass per id for a few, one sort of the id column for many."""
        if len(face_ids) <= 16:
            return [self._row(fid) for fid in face_ids]
        n = self._n
        live = np.flatnonzero(self.live[:n])
        order = live[np.lexsort((self.ids[live, 1], self.ids[live, 0]))]
        keys = self.ids[order]
        wanted = np.zeros((len(face_ids), 2), dtype=np.uint64)
        valid = np.ones(len(face_ids), dtype=bool)
        for i, fid in enumerate(face_ids):
            try:
                wanted[i] = _halves(fid)
            except ValueError:
                valid[i] = False
        at = np.searchsorted(keys[:, 0], wanted[:, 0])
        out: list[int | None] = []
        for i in range(len(face_ids)):
            j = int(at[i])
            # equal high halves sit together; walk them (almost always one row)
            while valid[i] and j < len(keys) and keys[j, 0] == wanted[i, 0]:
                if keys[j, 1] == wanted[i, 1]:
                    out.append(int(order[j]))
                    break
                j += 1
            else:
                out.append(None)
        return out

    def existing(self, face_ids: list[str]) -> list[str]:
        """The ids among ``face_ids`` that are stored."""
        with self._lock:
            return [fid for fid, row in zip(face_ids, self._rows(face_ids)) if row is not None]

    def same_face(self, image_id: str, external_image_id: str, box: np.ndarray) -> str | None:
        """The FaceId of a live face already stored from the same image with the same external
        id and the same box (the same face indexed again), if there is one."""
        with self._lock:
            ext = self._string_index.get(external_image_id)
            if ext is None:
                return None
            n = self._n
            halves = _halves(image_id)
            match = (self.live[:n] & (self.external[:n] == ext) & (self.image_ids[:n, 0] == halves[0])
                     & (self.image_ids[:n, 1] == halves[1]) & np.all(self.boxes[:n] == np.asarray(box, np.float32), axis=1))
            rows = np.flatnonzero(match)
            return _uuid(self.ids[int(rows[0])]) if len(rows) else None

    def get(self, face_id: str) -> StoredFace | None:
        with self._lock:
            row = self._row(face_id)
            return None if row is None else self._face(row)

    def descriptor(self, face_id: str) -> np.ndarray | None:
        with self._lock:
            row = self._row(face_id)
            return None if row is None else self.descriptors[row].copy()

    def _face(self, row: int) -> StoredFace:
        w, h, left, top = (float(v) for v in self.boxes[row])
        return StoredFace(
            face_id=_uuid(self.ids[row]),
            image_id=_uuid(self.image_ids[row]),
            external_image_id=self._strings[int(self.external[row])],
            user_id=self._strings[int(self.users[row])],
            box=(w, h, left, top),
            confidence=float(self.confidence[row]),
            seq=int(self.seq[row]),
        )

    def page(self, after_seq: int, limit: int, face_ids: list[str] | None = None, user_id: str | None = None) -> tuple[list[StoredFace], int | None]:
        """Faces in insertion order after sequence number ``after_seq``; and the last seq if more remain."""
        with self._lock:
            n = self._n
            mask = self.live[:n] & (self.seq[:n] > after_seq)
            if face_ids is not None:
                wanted = np.zeros(n, dtype=bool)
                for row in self._rows(list(face_ids)):
                    if row is not None:
                        wanted[row] = True
                mask &= wanted
            if user_id is not None:
                mask &= self.users[:n] == self._string_index.get(user_id, -1)
            rows = np.flatnonzero(mask)
            if len(rows) > 1 and (np.diff(self.seq[rows]) < 0).any():  # renumbered by a shared state
                rows = rows[np.argsort(self.seq[rows], kind="stable")]
            chosen = rows[:limit]
            more = len(rows) > limit
            faces = [self._face(int(r)) for r in chosen]
            return faces, (faces[-1].seq if more and faces else None)

    # -- users --------------------------------------------------------------------

    def users_of(self, face_ids: list[str]) -> list[str | None | bool]:
        """For each id: the UserId its face is associated with, None if none, False if no such face."""
        with self._lock:
            out: list[str | None | bool] = []
            for row in self._rows(list(face_ids)):
                out.append(False if row is None else self._strings[int(self.users[row])])
            return out

    def assign(self, face_ids: list[str], user_id: str | None) -> None:
        """Associate the faces with ``user_id`` (None: with no user)."""
        with self._lock:
            index = self._intern(user_id)
            for row in self._rows(list(face_ids)):
                if row is not None:
                    self.users[row] = index
            self.user_version += 1

    def user_face_ids(self, user_id: str) -> list[str]:
        """The faces associated with ``user_id``, in insertion order."""
        with self._lock:
            index = self._string_index.get(user_id)
            if index is None or index == 0:
                return []
            n = self._n
            rows = np.flatnonzero(self.live[:n] & (self.users[:n] == index))
            return [_uuid(self.ids[row]) for row in rows]

    def user_means(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Every user that holds faces: its id, its number of faces and the mean of their
        descriptors (one pass over the rows, users grouped by a sort)."""
        with self._lock:
            n = self._n
            rows = np.flatnonzero(self.live[:n] & (self.users[:n] != 0))
            if len(rows) == 0:
                return [], np.zeros(0, dtype=np.int64), np.zeros((0, DIM), dtype=np.float32)
            rows = rows[np.argsort(self.users[rows], kind="stable")]
            codes, starts, counts = np.unique(self.users[rows], return_index=True, return_counts=True)
            sums = np.add.reduceat(self.descriptors[rows].astype(np.float64), starts, axis=0)
            means = (sums / counts[:, None]).astype(np.float32)
            return [str(self._strings[int(c)]) for c in codes], counts.astype(np.int64), means

    def nbytes(self) -> int:
        """Bytes held by the columns (capacity included) and the int8 copy if built."""
        codes = 0 if self._codes is None else self._codes.nbytes + self._code_scale.nbytes
        return sum(getattr(self, name).nbytes for name in self._COLUMNS) + codes


def _halves(value: str) -> tuple[int, int]:
    n = uuid.UUID(value).int
    return n >> 64, n & 0xFFFFFFFFFFFFFFFF


def _uuid(halves: np.ndarray) -> str:
    return str(uuid.UUID(int=(int(halves[0]) << 64) | int(halves[1])))
