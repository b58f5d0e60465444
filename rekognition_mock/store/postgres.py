"""Durable state in PostgreSQL: the :class:`.state.Store` for ``serve --state-url postgresql://...``.

Several servers may share one database. Each write is one transaction (READ COMMITTED),
committed before the method returns, and the schema's foreign keys do what a lock would
otherwise have to: a face or user of a collection that another server deleted meanwhile is
refused by the database (the write fails and is not acknowledged), so no ghost row outlives
its collection; a face's user must exist.

The schema is created on start and migrated forward under an advisory transaction lock (so
servers starting together migrate once); ``schema_version`` holds the version reached. A
database written by a newer rekognition-mock is refused rather than changed.

A failing database (down, unreachable, refusing the write) makes that write raise
:class:`~.statedir.StateWriteError`, logged on one line: the client is answered
InternalServerError and nothing changes in memory. The connection is opened again on the next
write, so the server recovers once the database is back.

psycopg is imported here only: ``import rekognition_mock`` never loads it.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from .pgschema import MIGRATIONS
from .state import (REMEMBERED_REPLIES, Change, CollectionRow, FaceRow, Remember, TokenTaken,
                    UserRow, merge_changes)
from .statedir import StateError, StateWriteError

__all__ = ["EXTRA", "SCHEMA_VERSION", "PostgresStore", "redact"]
log = logging.getLogger("rekognition_mock.server")

EXTRA = "pip install 'rekognition-mock[postgres]'"
_MIGRATION_LOCK = 0x5245_4B4D  # pg_advisory_xact_lock key: "REKM"
SCHEMA_VERSION = len(MIGRATIONS)
_SHORT = "The change could not be saved in the server's state database (see the server's log)."
_SHORT_READ = "The server's state database could not be read (see the server's log)."
_KEEP_CHANGES = 100_000  # change-log rows kept behind the newest (a server further behind reloads all)


def redact(url: str) -> str:
    """``url`` without its password (for messages and logs)."""
    url = re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)
    return re.sub(r"(password=)[^&\s]*", r"\1***", url)


class PostgresStore:
    """Every account's and region's collections in one PostgreSQL database (``url`` is a
    libpq connection URL or string). StateError, one line naming the URL, when the database
    cannot be reached, its schema is newer than this version knows, or psycopg is missing."""

    def __init__(self, url: str, connect_timeout: float = 5) -> None:
        try:
            import psycopg
        except ImportError:
            raise StateError(f"--state-url {redact(url)} needs psycopg, which is not installed: {EXTRA}") from None
        self._psycopg = psycopg
        self.url = url
        self.location = redact(url)
        self._timeout = max(1, int(connect_timeout))
        self._lock = threading.Lock()
        self._db: Any = None
        self._mine: set[int] = set()  # change-log entries of this store's own writes
        self.rows_read = 0  # face and user rows read so far (how much keeping current costs)
        try:
            self._db = self._connect()
            self._migrate()
            self._seen = int(self._db.execute("SELECT seq FROM change_clock").fetchone()[0])
        except psycopg.Error as exc:
            self._drop()
            raise StateError(f"cannot use the state database {self.location}: {_one_line(exc)}") from None
        except BaseException:  # a schema newer than this version's
            self._drop()
            raise

    def _connect(self) -> Any:
        extra = {} if "connect_timeout" in self.url else {"connect_timeout": self._timeout}
        return self._psycopg.connect(self.url, autocommit=True, application_name="rekognition-mock", **extra)

    def _drop(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except Exception:  # noqa: BLE001 - already broken
                pass
            self._db = None

    def _migrate(self) -> None:
        with self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            self._db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self._db.execute("SELECT max(version) FROM schema_version").fetchone()
            version = row[0] if row and row[0] is not None else 0
            if version > SCHEMA_VERSION:
                raise StateError(f"the state database {self.location} has schema version {version}, newer than "
                                 f"this rekognition-mock's {SCHEMA_VERSION}: upgrade rekognition-mock")
            for script in MIGRATIONS[version:]:
                self._db.execute(script)
            if version < SCHEMA_VERSION:
                self._db.execute("DELETE FROM schema_version")
                self._db.execute("INSERT INTO schema_version VALUES (%s)", (SCHEMA_VERSION,))
                log.info("state database %s: schema version %d -> %d", self.location, version, SCHEMA_VERSION)

    def close(self) -> None:
        with self._lock:
            self._drop()

    # -- the transaction -----------------------------------------------------------

    def _write(self, statements: list[tuple[Any, Any]], changed: list[Change]) -> None:
        """Run statements in one transaction, committed before returning, with the change-log
        entries of ``changed`` (whose id lists a statement may still fill); StateWriteError
        (logged on one line) when the database does not
        take it. A statement may be a function of the cursor (with None for its arguments)
        returning False when it stored something other than what this server holds in memory:
        the change is then this server's to read back too."""
        mine = True
        with self._lock:
            try:
                if self._db is None or self._db.closed or self._db.broken:
                    self._drop()
                    self._db = self._connect()
                with self._db.transaction(), self._db.cursor() as cur:
                    for sql, args in statements:
                        if callable(sql):
                            mine = sql(cur) and mine
                        elif isinstance(args, list):
                            cur.executemany(sql, args)
                        else:
                            cur.execute(sql, args)
                    seq = cur.execute("UPDATE change_clock SET seq = seq + 1 RETURNING seq").fetchone()[0]
                    cur.executemany("INSERT INTO changes VALUES (%s, %s, %s, %s, %s::text[], %s::text[])",
                                    [(seq, *key[:3], _ids(key[3]), _ids(key[4])) for key in changed])
                    if seq % 1000 == 0:
                        cur.execute("DELETE FROM changes WHERE seq < %s", (seq - _KEEP_CHANGES,))
                if mine:
                    self._mine.add(seq)
            except self._psycopg.Error as exc:
                if self._db is not None and (self._db.closed or self._db.broken):
                    self._drop()
                message = (f"{self.location}: the database refused the write ({_one_line(exc)}); the change was "
                           "not saved and the client was answered InternalServerError")
                log.error("%s", message)
                raise StateWriteError(message, _SHORT) from None

    def _read(self, sql: str, args: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            try:
                if self._db is None or self._db.closed or self._db.broken:
                    self._drop()
                    self._db = self._connect()
                return list(self._db.execute(sql, args).fetchall())
            except self._psycopg.Error as exc:
                message = f"cannot read the state database {self.location}: {_one_line(exc)}"
                log.error("%s", message)
                raise StateWriteError(message, _SHORT_READ) from None

    def changes(self) -> list[Change]:
        """What other servers changed since the last call, merged per collection (the faces
        and users named, or None: all of them); every collection of every region when this
        store fell further behind than the change log keeps."""
        rows = self._read("SELECT seq, account, region, collection_id, face_ids, user_ids FROM changes "
                          "WHERE seq > %s ORDER BY seq", (self._seen,))
        if not rows:
            return []
        with self._lock:
            first = rows[0][0]
            behind = first > self._seen + 1  # entries pruned before this store read them
            self._seen = max(self._seen, rows[-1][0])
            entries: list[Change] = []
            for seq, account, region, collection_id, face_ids, user_ids in rows:
                if seq not in self._mine:
                    entries.append((account, region, collection_id, _set(face_ids), _set(user_ids)))
            self._mine = {seq for seq in self._mine if seq > self._seen}
        if behind:
            regions = self._read("SELECT DISTINCT account, region FROM collections")
            entries = [(account, region, None, None, None) for account, region in regions] + entries
        return merge_changes(entries)

    # -- writes --------------------------------------------------------------------

    def put_collection(self, account: str, region: str, collection_id: str, arn: str, created: float,
                       tags: dict[str, str]) -> None:
        self._write([(
            "INSERT INTO collections VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (account, region, collection_id) "
            "DO UPDATE SET arn = EXCLUDED.arn, created = EXCLUDED.created, tags = EXCLUDED.tags",
            (account, region, collection_id, arn, created, json.dumps(tags)),
        )], [(account, region, collection_id, (), ())])  # the collection's row only

    def delete_collection(self, account: str, region: str, collection_id: str) -> None:
        key = (account, region, collection_id)
        self._write([
            ("DELETE FROM faces WHERE account=%s AND region=%s AND collection_id=%s", key),
            ("DELETE FROM users WHERE account=%s AND region=%s AND collection_id=%s", key),
            ("DELETE FROM collections WHERE account=%s AND region=%s AND collection_id=%s", key),
        ], [(account, region, collection_id, None, None)])

    def delete_region(self, account: str, region: str) -> None:
        key = (account, region)
        self._write([
            ("DELETE FROM faces WHERE account=%s AND region=%s", key),
            ("DELETE FROM users WHERE account=%s AND region=%s", key),
            ("DELETE FROM collections WHERE account=%s AND region=%s", key),
        ], [(account, region, None, None, None)])

    def put_user(self, account: str, region: str, collection_id: str, user_id: str, created: float,
                 token: str | None, remember: Remember | None = None) -> None:
        self._write([(
            "INSERT INTO users VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (account, region, collection_id, user_id) "
            "DO UPDATE SET created = EXCLUDED.created, create_token = EXCLUDED.create_token",
            (account, region, collection_id, user_id, created, token),
        ), *_remembered((account, region, collection_id), remember)],
            [(account, region, collection_id, (), (user_id,))])

    def delete_user(self, account: str, region: str, collection_id: str, user_id: str,
                    remember: Remember | None = None) -> None:
        key = (account, region, collection_id, user_id)
        moved: list[str] = []

        def release(cur: Any) -> bool:
            cur.execute("UPDATE faces SET user_id=NULL WHERE account=%s AND region=%s AND collection_id=%s "
                        "AND user_id=%s RETURNING face_id", key)
            moved.extend(row[0] for row in cur.fetchall())
            return True

        self._write([
            (release, None),
            ("DELETE FROM users WHERE account=%s AND region=%s AND collection_id=%s AND user_id=%s", key),
            *_remembered((account, region, collection_id), remember),
        ], [(account, region, collection_id, moved, (user_id,))])

    def set_face_users(self, account: str, region: str, collection_id: str, face_ids: list[str],
                       user_id: str | None, remember: Remember | None = None) -> None:
        if face_ids or remember is not None:
            self._write([(
                "UPDATE faces SET user_id=%s WHERE account=%s AND region=%s AND collection_id=%s AND face_id=%s",
                [(user_id, account, region, collection_id, fid) for fid in face_ids],
            ), *_remembered((account, region, collection_id), remember)],
                [(account, region, collection_id, list(face_ids), ())])

    def add_faces(self, account: str, region: str, collection_id: str, rows: list[FaceRow]) -> None:
        """The faces, numbered after every face of the collection already stored (another
        server's, indexed meanwhile, included): the collection's row is locked until commit, so
        two servers never give two faces the same position in ListFaces' order."""
        if not rows:
            return
        key = (account, region, collection_id)

        def insert(cur: Any) -> bool:
            cur.execute("SELECT 1 FROM collections WHERE account=%s AND region=%s AND collection_id=%s FOR UPDATE", key)
            top = cur.execute("SELECT coalesce(max(seq), -1) FROM faces WHERE account=%s AND region=%s "
                              "AND collection_id=%s", key).fetchone()[0]
            kept = list(rows)
            if min(row[6] for row in rows) <= top:
                kept = [(*row[:6], top + 1 + n, row[7]) for n, row in enumerate(rows)]
            cur.executemany("INSERT INTO faces VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                            "ON CONFLICT (account, region, collection_id, face_id) DO NOTHING",
                            [(*key, *row) for row in kept])
            return kept == list(rows)

        self._write([(insert, None)], [(*key, [row[0] for row in rows], ())])

    def delete_faces(self, account: str, region: str, collection_id: str, face_ids: list[str]) -> None:
        if face_ids:
            self._write([(
                "DELETE FROM faces WHERE account=%s AND region=%s AND collection_id=%s AND face_id = ANY(%s)",
                (account, region, collection_id, list(face_ids)),
            )], [(account, region, collection_id, list(face_ids), ())])

    # -- reads ---------------------------------------------------------------------

    def token(self, account: str, region: str, collection_id: str, operation: str,
              token: str) -> tuple[str, str] | None:
        rows = self._read("SELECT fingerprint, reply FROM tokens WHERE account=%s AND region=%s AND collection_id=%s "
                          "AND operation=%s AND token=%s", (account, region, collection_id, operation, token))
        return None if not rows else (rows[0][0], rows[0][1])

    def collections(self) -> Iterator[CollectionRow]:
        rows = self._read("SELECT account, region, collection_id, arn, created, tags FROM collections "
                          "ORDER BY account, region, collection_id")
        for account, region, collection_id, arn, created, tags in rows:
            yield account, region, collection_id, arn, created, json.loads(tags)

    def collection(self, account: str, region: str, collection_id: str) -> CollectionRow | None:
        rows = self._read("SELECT account, region, collection_id, arn, created, tags FROM collections "
                          "WHERE account=%s AND region=%s AND collection_id=%s", (account, region, collection_id))
        return None if not rows else (*rows[0][:5], json.loads(rows[0][5]))  # type: ignore[return-value]

    def faces(self, account: str, region: str, collection_id: str,
              face_ids: Iterable[str] | None = None) -> list[FaceRow]:
        where, args = _only("face_id", face_ids)
        rows = self._read(
            "SELECT face_id, image_id, external_image_id, user_id, box, confidence, seq, descriptor FROM faces "
            f"WHERE account=%s AND region=%s AND collection_id=%s{where} ORDER BY seq, face_id",
            (account, region, collection_id, *args),
        )
        self.rows_read += len(rows)
        return [(*row[:4], bytes(row[4]), row[5], row[6], bytes(row[7])) for row in rows]

    def users(self, account: str, region: str, collection_id: str,
              user_ids: Iterable[str] | None = None) -> list[UserRow]:
        where, args = _only("user_id", user_ids)
        rows = self._read(
            "SELECT user_id, created, create_token FROM users WHERE account=%s AND region=%s AND collection_id=%s"
            f"{where} ORDER BY created, user_id",
            (account, region, collection_id, *args),
        )
        self.rows_read += len(rows)
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _remembered(key: tuple[str, str, str], remember: Remember | None) -> list[tuple[Any, Any]]:
    """The statement storing a ClientRequestToken's reply in the write's transaction (none
    without one): TokenTaken, rolling the whole write back, when another server stored it
    first; the collection keeps its newest REMEMBERED_REPLIES."""
    if remember is None:
        return []

    def store(cur: Any) -> bool:
        cur.execute("INSERT INTO tokens (account, region, collection_id, operation, token, fingerprint, reply) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING seq", (*key, *remember))
        seq = cur.fetchone()
        if seq is None:
            raise TokenTaken(remember[1])
        if seq[0] % 100 == 0:
            cur.execute("DELETE FROM tokens WHERE account=%s AND region=%s AND collection_id=%s AND seq <= %s "
                        "AND seq < (SELECT min(seq) FROM (SELECT seq FROM tokens WHERE account=%s AND region=%s AND "
                        "collection_id=%s ORDER BY seq DESC LIMIT %s) AS newest)",
                        (*key, seq[0], *key, REMEMBERED_REPLIES))
        return True

    return [(store, None)]


def _only(column: str, ids: Iterable[str] | None) -> tuple[str, tuple[Any, ...]]:
    """The condition keeping rows whose ``column`` is among ``ids`` (None: every row)."""
    return ("", ()) if ids is None else (f" AND {column} = ANY(%s)", (list(ids),))


def _ids(ids: Iterable[str] | None) -> list[str] | None:
    return None if ids is None else list(ids)


def _set(ids: list[str] | None) -> frozenset[str] | None:
    return None if ids is None else frozenset(ids)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
