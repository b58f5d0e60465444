"""Durable state for server mode: collections, faces and tags in SQLite.

One database file in the state directory, WAL mode, one transaction per mutating call,
committed before the call returns (and so before the HTTP response is sent). A server
killed at any point restarts with every acknowledged change. Without a state directory
nothing here is used and state lives in memory, as in moto.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    account TEXT NOT NULL, region TEXT NOT NULL, collection_id TEXT NOT NULL,
    arn TEXT NOT NULL, created REAL NOT NULL, tags TEXT NOT NULL,
    PRIMARY KEY (account, region, collection_id)
);
CREATE TABLE IF NOT EXISTS faces (
    account TEXT NOT NULL, region TEXT NOT NULL, collection_id TEXT NOT NULL,
    face_id TEXT NOT NULL, image_id TEXT NOT NULL, external_image_id TEXT, user_id TEXT,
    box BLOB NOT NULL, confidence REAL NOT NULL, seq INTEGER NOT NULL, descriptor BLOB NOT NULL,
    PRIMARY KEY (account, region, collection_id, face_id)
);
"""

FaceRow = tuple[str, str, str | None, str | None, bytes, float, int, bytes]


class StateStore:
    """A SQLite database holding every account's and region's collections."""

    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / "rekognition-mock.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _write(self, statements: list[tuple[str, Any]]) -> None:
        """Run statements in one transaction, committed before returning."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, args in statements:
                    if isinstance(args, list):
                        self._db.executemany(sql, args)
                    else:
                        self._db.execute(sql, args)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- writes -------------------------------------------------------------------

    def put_collection(self, account: str, region: str, collection_id: str, arn: str, created: float, tags: dict[str, str]) -> None:
        self._write(
            [
                (
                    "INSERT OR REPLACE INTO collections VALUES (?, ?, ?, ?, ?, ?)",
                    (account, region, collection_id, arn, created, json.dumps(tags)),
                )
            ]
        )

    def delete_collection(self, account: str, region: str, collection_id: str) -> None:
        key = (account, region, collection_id)
        self._write(
            [
                ("DELETE FROM faces WHERE account=? AND region=? AND collection_id=?", key),
                ("DELETE FROM collections WHERE account=? AND region=? AND collection_id=?", key),
            ]
        )

    def delete_region(self, account: str, region: str) -> None:
        key = (account, region)
        self._write(
            [
                ("DELETE FROM faces WHERE account=? AND region=?", key),
                ("DELETE FROM collections WHERE account=? AND region=?", key),
            ]
        )

    def add_faces(self, account: str, region: str, collection_id: str, rows: list[FaceRow]) -> None:
        if rows:
            self._write(
                [
                    (
                        "INSERT OR IGNORE INTO faces VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [(account, region, collection_id, *row) for row in rows],
                    )
                ]
            )

    def delete_faces(self, account: str, region: str, collection_id: str, face_ids: list[str]) -> None:
        if face_ids:
            self._write(
                [
                    (
                        "DELETE FROM faces WHERE account=? AND region=? AND collection_id=? AND face_id=?",
                        [(account, region, collection_id, fid) for fid in face_ids],
                    )
                ]
            )

    # -- reads --------------------------------------------------------------------

    def collections(self) -> Iterator[tuple[str, str, str, str, float, dict[str, str]]]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM collections ORDER BY account, region, collection_id").fetchall()
        for account, region, collection_id, arn, created, tags in rows:
            yield account, region, collection_id, arn, created, json.loads(tags)

    def faces(self, account: str, region: str, collection_id: str) -> list[FaceRow]:
        with self._lock:
            return self._db.execute(
                "SELECT face_id, image_id, external_image_id, user_id, box, confidence, seq, descriptor "
                "FROM faces WHERE account=? AND region=? AND collection_id=? ORDER BY seq",
                (account, region, collection_id),
            ).fetchall()


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


_STORE: StateStore | None = None


def active() -> StateStore | None:
    """The state store in use, or None when state lives in memory only."""
    return _STORE


def activate(store: StateStore | None) -> None:
    """Use ``store`` for every backend (None returns to memory-only state)."""
    global _STORE
    _STORE = store
