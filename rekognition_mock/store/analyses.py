"""The engine's analyses shared in PostgreSQL: the analysis cache of ``serve --state-url``.

It implements the engine's :class:`~rekognition_mock.vision.diskcache.AnalysisCache` over
the ``analyses`` table (key: the engine's content key, which covers the image's SHA-256, the
engine settings, the model versions and the cache format; value: the same pickle the disk
cache writes). :meth:`PostgresAnalyses.lock` takes a session advisory lock on a 64-bit hash
of the key, so the replicas sharing a database analyse each image once between them: the
second waits for the first, then reads its analysis.

The database failing is never an error of the request: a read that fails is a miss, a
write that fails is dropped, a lock that cannot be taken is not taken (the image may then
be analysed twice), each logged once per outage.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from ..vision.diskcache import dumps, loads

__all__ = ["PostgresAnalyses", "lock_id"]
log = logging.getLogger("rekognition_mock.server")

_IDLE = 4  # connections kept open for the next lock or read


def lock_id(key: str) -> int:
    """The advisory lock number of ``key`` (a hex digest): its first 64 bits, signed."""
    return int.from_bytes(bytes.fromhex(key[:16].ljust(16, "0")), "big", signed=True)


class PostgresAnalyses:
    """Analyses in the ``analyses`` table of the database at ``url`` (its schema made by
    :class:`~.postgres.PostgresStore`). Thread-safe: each call borrows a connection."""

    def __init__(self, url: str, location: str, connect_timeout: float = 5) -> None:
        import psycopg

        self._psycopg = psycopg
        self.url = url
        self.location = location
        self._timeout = max(1, int(connect_timeout))
        self._lock = threading.Lock()
        self._idle: list[Any] = []
        self._failing = False

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for db in idle:
            with contextlib.suppress(Exception):
                db.close()

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        with self._lock:
            db = self._idle.pop() if self._idle else None
        if db is None or db.closed or db.broken:
            extra = {} if "connect_timeout" in self.url else {"connect_timeout": self._timeout}
            db = self._psycopg.connect(self.url, autocommit=True, application_name="rekognition-mock analyses", **extra)
        try:
            yield db
        finally:
            self._give_back(db)

    def _give_back(self, db: Any) -> None:
        """Keep ``db`` for the next call (up to a few idle ones), or close it."""
        if db.closed or db.broken:
            return
        with self._lock:
            if len(self._idle) < _IDLE:
                self._idle.append(db)
                return
        db.close()

    def _failed(self, what: str, exc: BaseException) -> None:
        if not self._failing:
            self._failing = True
            log.error("shared analyses in %s: %s failed (%s); analysing without them until the database answers",
                      self.location, what, " ".join(str(exc).split()) or type(exc).__name__)

    def get(self, key: str) -> Any | None:
        try:
            with self._connection() as db:
                row = db.execute("SELECT value FROM analyses WHERE key = %s", (key,)).fetchone()
        except self._psycopg.Error as exc:
            self._failed("a read", exc)
            return None
        self._failing = False
        if row is None:
            return None
        try:
            return loads(bytes(row[0]))
        except Exception:  # another format, or damaged: analysed again and replaced
            return None

    def put(self, key: str, value: Any) -> None:
        try:
            data = dumps(value)
            with self._connection() as db:
                db.execute("INSERT INTO analyses VALUES (%s, %s, %s) ON CONFLICT (key) DO UPDATE "
                           "SET value = EXCLUDED.value, stored = EXCLUDED.stored", (key, data, time.time()))
        except self._psycopg.Error as exc:
            self._failed("a write", exc)
        else:
            self._failing = False

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Hold the advisory lock of ``key`` on a connection of its own until the block ends
        (released by PostgreSQL itself should this process die meanwhile)."""
        number = lock_id(key)
        with contextlib.ExitStack() as stack:
            try:
                db = stack.enter_context(self._connection())
                db.execute("SELECT pg_advisory_lock(%s)", (number,))
            except self._psycopg.Error as exc:
                self._failed("taking a lock", exc)
                stack.close()
                db = None
            try:
                yield
            finally:
                if db is not None:
                    with contextlib.suppress(self._psycopg.Error):
                        db.execute("SELECT pg_advisory_unlock(%s)", (number,))
