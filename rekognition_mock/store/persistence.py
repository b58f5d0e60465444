"""Durable state for server mode: collections, faces, users and tags in SQLite.

One database file in the state directory, WAL mode, one transaction per mutating call,
committed before the call returns (and so before the HTTP response is sent). A server
killed at any point restarts with every acknowledged change. Without a state directory
nothing here is used and state lives in memory, as in moto.

A directory deleted, replaced or made read-only while the server runs makes every later
write fail with :class:`StateWriteError` (nothing is changed in memory either, so the
service answers InternalServerError and acknowledges nothing), logged once. How the
directory is held and its database created: :mod:`.statedir`.

State directories written before the users API (no ``users`` table; ``faces.user_id`` was
always NULL) open as they are: the missing table is created empty. A face naming a user that
is not stored is refused at start like any other damage.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .state import (BOX_BYTES, DESCRIPTOR_BYTES, REMEMBERED_REPLIES, FaceRow, Remember, TokenTaken, activate, active,
                    face_row)
from .statedir import LOCK_FILE, DirectoryLock, Identity, StateError, StateWriteError, open_checked

__all__ = ["DATABASE", "LOCK_FILE", "StateError", "StateStore", "StateWriteError", "activate", "active", "face_row"]
log = logging.getLogger("rekognition_mock.server")

SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    account TEXT NOT NULL, region TEXT NOT NULL, collection_id TEXT NOT NULL,
    arn TEXT NOT NULL, created REAL NOT NULL, tags TEXT NOT NULL,
    PRIMARY KEY (account, region, collection_id)
);
CREATE TABLE IF NOT EXISTS users (
    account TEXT NOT NULL, region TEXT NOT NULL, collection_id TEXT NOT NULL,
    user_id TEXT NOT NULL, created REAL NOT NULL, create_token TEXT,
    PRIMARY KEY (account, region, collection_id, user_id)
);
CREATE TABLE IF NOT EXISTS faces (
    account TEXT NOT NULL, region TEXT NOT NULL, collection_id TEXT NOT NULL,
    face_id TEXT NOT NULL, image_id TEXT NOT NULL, external_image_id TEXT, user_id TEXT,
    box BLOB NOT NULL, confidence REAL NOT NULL, seq INTEGER NOT NULL, descriptor BLOB NOT NULL,
    PRIMARY KEY (account, region, collection_id, face_id)
);
CREATE TABLE IF NOT EXISTS tokens (
    account TEXT NOT NULL, region TEXT NOT NULL, collection_id TEXT NOT NULL,
    operation TEXT NOT NULL, token TEXT NOT NULL, fingerprint TEXT NOT NULL, reply TEXT NOT NULL,
    PRIMARY KEY (account, region, collection_id, operation, token)
);
"""

DATABASE = "rekognition-mock.sqlite3"
_COLUMNS = {
    "collections": ["account", "region", "collection_id", "arn", "created", "tags"],
    "users": ["account", "region", "collection_id", "user_id", "created", "create_token"],
    "faces": ["account", "region", "collection_id", "face_id", "image_id", "external_image_id", "user_id",
              "box", "confidence", "seq", "descriptor"],
}


class StateStore:
    """A SQLite database holding every account's and region's collections
    (the embedded :class:`.state.Store`).

    The directory belongs to one store at a time (:class:`.statedir.DirectoryLock`, held
    until :meth:`close`), must be writable, and its database is checked when opened:
    any problem is a :class:`StateError` with a one-line explanation.
    """

    def __init__(self, directory: str | Path) -> None:
        directory = Path(directory)
        self.path = directory / DATABASE
        self.location = str(self.path)
        self._lock = threading.Lock()
        self._hold = DirectoryLock(directory)
        try:
            self._db = _open(self.path)
            self._identity = Identity(self.path)
        except BaseException:
            self._hold.release()
            raise
        self._closed = False
        self.rows_read = 0  # face and user rows read (see state.Store)
        self._lost: str | None = None  # why no write can be saved any more, once that is so

    def close(self) -> None:
        """Close the database and release the directory (once; closing again does nothing)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._db.close()
            self._hold.release()

    def _write(self, statements: list[tuple[str, Any]],
               remember: tuple[tuple[str, str, str], Remember] | None = None) -> None:
        """Run statements in one transaction, committed before returning; StateWriteError
        when the change cannot be saved where the server will find it again."""
        with self._lock:
            self._check(self._identity.lost() or self._identity.unwritable())
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    if remember is not None:
                        self._remember(*remember)
                    for sql, args in statements:
                        if isinstance(args, list):
                            self._db.executemany(sql, args)
                        else:
                            self._db.execute(sql, args)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise self._failed(f"SQLite refused the write ({' '.join(str(exc).split())})", lasting=False) from None
            self._check(self._identity.lost())  # committed, but to a file no longer at its path?

    def _remember(self, key: tuple[str, str, str], remember: Remember) -> None:
        """Store a ClientRequestToken's reply (in the transaction begun), keeping the newest
        REMEMBERED_REPLIES of the collection; TokenTaken when it is stored already."""
        if self._db.execute("SELECT 1 FROM tokens WHERE account=? AND region=? AND collection_id=? AND operation=? "
                            "AND token=?", (*key, *remember[:2])).fetchone() is not None:
            raise TokenTaken(remember[1])
        self._db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?, ?)", (*key, *remember))
        self._db.execute("DELETE FROM tokens WHERE rowid IN (SELECT rowid FROM tokens WHERE account=? AND region=? "
                         "AND collection_id=? ORDER BY rowid DESC LIMIT -1 OFFSET ?)", (*key, REMEMBERED_REPLIES))

    def token(self, account: str, region: str, collection_id: str, operation: str,
              token: str) -> tuple[str, str] | None:
        with self._lock:
            row = self._db.execute("SELECT fingerprint, reply FROM tokens WHERE account=? AND region=? "
                                   "AND collection_id=? AND operation=? AND token=?",
                                   (account, region, collection_id, operation, token)).fetchone()
        return None if row is None else (row[0], row[1])

    def _check(self, problem: str | None) -> None:
        if self._lost is not None:
            raise StateWriteError(self._lost, _SHORT)
        if problem is not None:
            raise self._failed(problem, lasting=True)

    def _failed(self, problem: str, lasting: bool) -> StateWriteError:
        """The error for a write that could not be saved, logged on one line."""
        message = (f"{self.path}: {problem}; the change was not saved and the client was answered "
                   "InternalServerError")
        if lasting:  # the directory the server holds is gone: every later write fails the same way
            message = (f"{message}, as every later write will be; stop the server, then restore "
                       f"{self.path.parent} or start on an empty --state-dir")
            self._lost = message
        log.error("%s", message)
        return StateWriteError(message, _SHORT)

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
                ("DELETE FROM users WHERE account=? AND region=? AND collection_id=?", key),
                ("DELETE FROM faces WHERE account=? AND region=? AND collection_id=?", key),
                ("DELETE FROM tokens WHERE account=? AND region=? AND collection_id=?", key),
                ("DELETE FROM collections WHERE account=? AND region=? AND collection_id=?", key),
            ]
        )

    def put_user(self, account: str, region: str, collection_id: str, user_id: str, created: float, token: str | None,
                 remember: Remember | None = None) -> None:
        self._write([("INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?, ?)",
                      (account, region, collection_id, user_id, created, token))],
                    None if remember is None else ((account, region, collection_id), remember))

    def delete_user(self, account: str, region: str, collection_id: str, user_id: str,
                    remember: Remember | None = None) -> None:
        key = (account, region, collection_id, user_id)
        self._write(
            [
                ("UPDATE faces SET user_id=NULL WHERE account=? AND region=? AND collection_id=? AND user_id=?", key),
                ("DELETE FROM users WHERE account=? AND region=? AND collection_id=? AND user_id=?", key),
            ],
            None if remember is None else ((account, region, collection_id), remember),
        )

    def set_face_users(self, account: str, region: str, collection_id: str, face_ids: list[str], user_id: str | None,
                       remember: Remember | None = None) -> None:
        if face_ids or remember is not None:
            self._write(
                [
                    (
                        "UPDATE faces SET user_id=? WHERE account=? AND region=? AND collection_id=? AND face_id=?",
                        [(user_id, account, region, collection_id, fid) for fid in face_ids],
                    )
                ],
                None if remember is None else ((account, region, collection_id), remember),
            )

    def users(self, account: str, region: str, collection_id: str,
              user_ids: Iterable[str] | None = None) -> list[tuple[str, float, str | None]]:
        where, args = _only("user_id", user_ids)
        with self._lock:
            rows = self._db.execute(
                "SELECT user_id, created, create_token FROM users WHERE account=? AND region=? AND collection_id=?"
                f"{where} ORDER BY created, user_id",
                (account, region, collection_id, *args),
            ).fetchall()
            self.rows_read += len(rows)
            return rows

    def delete_region(self, account: str, region: str) -> None:
        key = (account, region)
        self._write(
            [
                ("DELETE FROM users WHERE account=? AND region=?", key),
                ("DELETE FROM faces WHERE account=? AND region=?", key),
                ("DELETE FROM tokens WHERE account=? AND region=?", key),
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

    def collection(self, account: str, region: str, collection_id: str) -> Any:
        return next((row for row in self.collections() if row[:3] == (account, region, collection_id)), None)

    def changes(self) -> list[Any]:
        return []  # the directory belongs to this server alone: no one else changes it

    def faces(self, account: str, region: str, collection_id: str,
              face_ids: Iterable[str] | None = None) -> list[FaceRow]:
        where, args = _only("face_id", face_ids)
        with self._lock:
            rows = self._db.execute(
                "SELECT face_id, image_id, external_image_id, user_id, box, confidence, seq, descriptor "
                f"FROM faces WHERE account=? AND region=? AND collection_id=?{where} ORDER BY seq",
                (account, region, collection_id, *args),
            ).fetchall()
            self.rows_read += len(rows)
            return rows


_SHORT = "The change could not be saved in the server's state directory (see the server's log)."


def _only(column: str, ids: Iterable[str] | None) -> tuple[str, tuple[str, ...]]:
    """The condition keeping rows whose ``column`` is among ``ids`` (None: every row)."""
    if ids is None:
        return "", ()
    ids = tuple(ids)
    return f" AND {column} IN (SELECT value FROM json_each(?))", (json.dumps(list(ids)),)


def _open(path: Path) -> sqlite3.Connection:
    """Open, create or check the database at ``path``; StateError names the problem and the fix."""
    fix = f"move {path} away to start with empty state (or restore a backup of it)"

    def prepare(db: sqlite3.Connection) -> None:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
        _check_schema(db, path, fix)

    return open_checked(path, fix=fix, kind="a rekognition-mock database", read_only_fix="choose another --state-dir",
                        set_up=_set_up, prepare=prepare, after=lambda db: _check_rows(db, path, fix))


def _set_up(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)


def _check_schema(db: sqlite3.Connection, path: Path, fix: str) -> None:
    for table, columns in _COLUMNS.items():
        found = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        if found != columns:
            raise StateError(f"{path} has an unexpected {table} table (columns {found}); {fix}")


def _check_rows(db: sqlite3.Connection, path: Path, fix: str) -> None:
    """Every stored value can be restored: tags are a JSON object of strings, blobs have their
    sizes, and every face and user belongs to a stored collection (and user)."""
    for collection_id, tags in db.execute("SELECT collection_id, tags FROM collections"):
        try:
            value = json.loads(tags)
        except (TypeError, ValueError):
            value = None
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise StateError(f"{path}: the tags of collection {collection_id!r} are not a JSON object of strings; {fix}")
    bad = db.execute(
        "SELECT collection_id, face_id FROM faces WHERE typeof(descriptor) != 'blob' OR length(descriptor) != ? "
        "OR typeof(box) != 'blob' OR length(box) != ? LIMIT 1",
        (DESCRIPTOR_BYTES, BOX_BYTES),
    ).fetchone()
    if bad is not None:
        raise StateError(f"{path}: face {bad[1]!r} of collection {bad[0]!r} has a damaged descriptor or box; {fix}")
    for (descriptor,) in db.execute("SELECT descriptor FROM faces"):
        if not np.isfinite(np.frombuffer(descriptor, dtype=np.float32)).all():
            raise StateError(f"{path}: a stored descriptor holds NaN or infinity; {fix}")
    orphan = db.execute(  # a face's user must exist (state dirs made before users hold no user ids)
        "SELECT f.collection_id, f.face_id, f.user_id FROM faces f LEFT JOIN users u ON u.account = f.account "
        "AND u.region = f.region AND u.collection_id = f.collection_id AND u.user_id = f.user_id "
        "WHERE f.user_id IS NOT NULL AND u.user_id IS NULL LIMIT 1"
    ).fetchone()
    if orphan is not None:
        raise StateError(f"{path}: face {orphan[1]!r} of collection {orphan[0]!r} belongs to user {orphan[2]!r}, "
                         f"which is not stored; {fix}")
    for table, what in (("faces", "face_id"), ("users", "user_id")):
        # rows of a collection that is not stored would come back if one of that id were created
        stray = db.execute(
            f"SELECT t.collection_id, t.{what} FROM {table} t LEFT JOIN collections c ON c.account = t.account "
            "AND c.region = t.region AND c.collection_id = t.collection_id WHERE c.collection_id IS NULL LIMIT 1"
        ).fetchone()
        if stray is not None:
            kind = "face" if table == "faces" else "user"
            raise StateError(f"{path}: {kind} {stray[1]!r} belongs to collection {stray[0]!r}, which is not stored; {fix}")
