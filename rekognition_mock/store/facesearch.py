"""Nearest-face search over a :class:`~.facestore.FaceStore`'s columns.

Below :data:`INT8_SEARCH_MIN_ROWS` live faces a search is one exact float32 pass over the
descriptor matrix. From there on, when numba is installed (the ``fast-search`` extra), an
int8 copy of the descriptors (one scale per row, built on the first search and extended as
rows are appended) is scanned first to shortlist candidates, which are then ranked exactly.
The face store owns the columns; this base class reads them under the store's lock.
"""

from __future__ import annotations

from typing import Any

import numpy as np

DIM = 128
INT8_SEARCH_MIN_ROWS = 100_000  # below this, the exact float32 scan is fast enough
RERANK_FACTOR = 4  # int8 candidates kept per requested result, re-ranked exactly
MIN_CANDIDATES = 256


class FaceSearch:
    """The search half of :class:`~.facestore.FaceStore` (its columns, ``_row`` and ``_face``)."""

    _lock: Any
    _n: int
    _live_count: int
    descriptors: np.ndarray
    sq_norms: np.ndarray
    live: np.ndarray

    def _row(self, face_id: str) -> int | None:
        raise NotImplementedError

    def _face(self, row: int) -> Any:
        raise NotImplementedError

    def _drop_codes(self) -> None:
        """Forget the int8 copy (rows moved); the next large search rebuilds it."""
        self._codes: np.ndarray | None = None
        self._code_scale: np.ndarray | None = None
        self._coded_rows = 0

    def _int8_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """The int8 copy of rows ``0..n`` (one scale per row), encoding the rows added since
        the last call. Rows are only appended between compactions, so earlier codes hold."""
        n = self._n
        if self._codes is None or len(self._codes) < n:
            codes = np.zeros((len(self.live), DIM), dtype=np.int8)
            scale = np.zeros(len(self.live), dtype=np.float32)
            if self._codes is not None:
                codes[: self._coded_rows] = self._codes[: self._coded_rows]
                scale[: self._coded_rows] = self._code_scale[: self._coded_rows]
            self._codes, self._code_scale = codes, scale
        start = self._coded_rows
        if start < n:
            vectors = self.descriptors[start:n]
            peak = np.abs(vectors).max(axis=1)
            step = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
            self._codes[start:n] = np.rint(vectors / step[:, None]).astype(np.int8)
            self._code_scale[start:n] = step
            self._coded_rows = n
        return self._codes[:n], self._code_scale[:n]

    def search(self, query: np.ndarray, max_distance: float, limit: int, exclude: str | None = None) -> list[tuple[Any, float]]:
        """Faces within ``max_distance`` of ``query``, nearest first, at most ``limit``."""
        query = np.asarray(query, dtype=np.float32)
        with self._lock:
            n = self._n
            if self._live_count == 0:
                return []
            q_sq = float(query @ query)
            pool = self._int8_candidates(query, q_sq, limit) if self._live_count >= INT8_SEARCH_MIN_ROWS else None
            if pool is None:
                pool = np.flatnonzero(self.live[:n])
            if exclude is not None:
                row = self._row(exclude)
                if row is not None:
                    pool = pool[pool != row]
            sq = self.sq_norms[pool] + q_sq - 2.0 * (self.descriptors[pool] @ query)  # exact, float32
            np.maximum(sq, 0.0, out=sq)
            k = min(limit, len(pool))
            if k == 0:
                return []
            best = np.argpartition(sq, k - 1)[:k] if k < len(pool) else np.arange(len(pool))
            best = best[np.argsort(sq[best], kind="stable")]
            limit_sq = max_distance * max_distance
            return [(self._face(int(pool[i])), float(np.sqrt(sq[i]))) for i in best if sq[i] <= limit_sq]

    def _int8_candidates(self, query: np.ndarray, q_sq: float, limit: int) -> np.ndarray | None:
        """Rows likely nearest to ``query`` by a scan of the int8 codes (None without numba)."""
        from . import kernels

        if not kernels.available():
            return None
        n = self._n
        codes, code_scale = self._int8_codes()
        peak = float(np.abs(query).max()) or 1.0
        q_codes = np.rint(query * (127.0 / peak)).astype(np.int8)
        dots = kernels.int8_scores(codes, q_codes) * code_scale * (peak / 127.0)
        approx = self.sq_norms[:n] + q_sq - 2.0 * dots
        approx[~self.live[:n]] = np.inf
        k = min(n, max(MIN_CANDIDATES, RERANK_FACTOR * limit))
        pool = np.argpartition(approx, k - 1)[:k] if k < n else np.arange(n)
        return pool[np.isfinite(approx[pool])]
