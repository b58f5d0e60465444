"""The state directory itself: who holds it, how its databases come into being, and whether
the files a running server writes are still the ones at its path.

- **Held by inode and by path.** A server holds an exclusive lock on a file in the directory
  (so two paths to one directory, such as a symbolic link, cannot be served twice) and one
  on a file named after the directory's path in the system's temporary directory (so once
  the directory is deleted or replaced while the server runs, a second server on the same
  path still refuses to start beside the first).
- **Created whole.** A database is made under a temporary name and renamed into place once
  its tables exist: a file at the database's path was always a complete database, and an
  empty one is damage, never a state directory being set up.
- **Still there.** :class:`Identity` notes which file the server opened; a write whose file
  is no longer at its path (the directory deleted, moved or replaced) cannot be saved.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

LOCK_FILE = ".rekognition-mock.lock"


class StateError(Exception):
    """The state directory cannot be used; the message is one line naming the file and the fix."""


class StateWriteError(StateError):
    """A change that cannot be saved in the state directory. ``short`` says so to the client
    (the message, for the log, names the file and the fix)."""

    def __init__(self, message: str, short: str) -> None:
        super().__init__(message)
        self.short = short


class DirectoryLock:
    """The exclusive hold of one server on a state directory, by inode and by path
    (:class:`StateError` naming the holder when another server has either)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(f"cannot use state directory {directory}: {exc.strerror or exc}") from None
        self.by_path = _path_lock_file(directory)
        self._path_handle = _take(self.by_path, directory, f"lock {self.by_path}, kept by path")
        try:
            self._inode_handle = _take(directory / LOCK_FILE, directory, f"lock {directory / LOCK_FILE}")
        except BaseException:
            _release(self._path_handle, self.by_path)
            raise

    def release(self) -> None:
        _release(self._inode_handle, None)
        _release(self._path_handle, self.by_path)


def _path_lock_file(directory: Path) -> Path:
    """The file, outside the directory, whose lock stands for the directory's path."""
    resolved = str(directory.resolve())
    folder = Path(tempfile.gettempdir()) / f"rekognition-mock-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / (hashlib.sha256(resolved.encode()).hexdigest()[:32] + ".lock")


def _take(path: Path, directory: Path, what: str) -> Any:
    """An open file at ``path`` with its exclusive lock taken (and our pid written in it)."""
    import fcntl

    for _ in range(10):  # the file may be removed by the server releasing it: take the new one
        try:
            handle = open(path, "a+")  # noqa: SIM115 - held until release()
        except OSError as exc:
            raise StateError(f"cannot use state directory {directory}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            by = f"pid {holder}, " if holder.isdigit() else ""
            raise StateError(
                f"state directory {directory} is in use by another rekognition-mock server ({by}{what}); "
                "stop that server or choose another --state-dir"
            ) from None
        try:
            same = os.fstat(handle.fileno()).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{os.getpid()}\n")
            handle.flush()
            return handle
        handle.close()
    raise StateError(f"cannot take the lock {path} of state directory {directory}")


def _release(handle: Any, remove: Path | None) -> None:
    import fcntl

    try:
        if remove is not None:  # a lock file only this server could hold, named for the path
            try:
                if os.stat(remove).st_ino == os.fstat(handle.fileno()).st_ino:
                    remove.unlink()
            except OSError:
                pass
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


def refuse_empty(path: Path, fix: str) -> None:
    """A database file of 0 bytes is damage: the database that was there lost its contents."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StateError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size == 0:
        raise StateError(f"{path} is empty (0 bytes): the database that was there has lost its contents; {fix}")


def create_whole(path: Path, setup: Callable[[sqlite3.Connection], None]) -> None:
    """Make the database at ``path`` (absent) under a temporary name, run ``setup`` on it,
    and rename it into place: the path never holds a partial database."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm"), Path(f"{temporary}-journal")):
        leftover.unlink(missing_ok=True)
    db = sqlite3.connect(temporary, isolation_level=None)
    try:
        setup(db)
    finally:
        db.close()  # the last connection: a WAL file is checkpointed into the database and removed
    os.replace(temporary, path)
    _sync_directory(path.parent)


def open_checked(path: Path, *, fix: str, kind: str, read_only_fix: str,
                 set_up: Callable[[sqlite3.Connection], None],
                 prepare: Callable[[sqlite3.Connection], None],
                 after: Callable[[sqlite3.Connection], None] | None = None) -> sqlite3.Connection:
    """The SQLite database at ``path``, created whole by ``set_up`` when absent, otherwise
    checked: ``prepare`` (its pragmas and schema check), SQLite's quick check, a write
    that is rolled back, then ``after`` (row checks). Every problem is one
    :class:`StateError` line naming the file and ``fix``; ``kind`` names what the file
    should be ("a rekognition-mock database")."""
    refuse_empty(path, fix)
    try:
        if not path.exists():
            create_whole(path, set_up)
        db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    except (OSError, sqlite3.Error) as exc:
        raise StateError(f"cannot open {path}: {exc}") from None
    try:
        prepare(db)
        problem = db.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise StateError(f"{path} is damaged ({' '.join(str(problem).split())}); {fix}")
        db.execute("BEGIN IMMEDIATE")  # can it be written? (a read-only file or directory fails here)
        db.execute("CREATE TABLE IF NOT EXISTS _writable (x)")
        db.execute("ROLLBACK")
        if after is not None:
            after(db)
    except StateError:
        db.close()
        raise
    except sqlite3.OperationalError as exc:
        db.close()
        if "readonly" in str(exc) or "read-only" in str(exc):
            raise StateError(f"{path} is read-only; make it and its directory writable, or {read_only_fix}") from None
        raise StateError(f"{path} cannot be used ({exc}); {fix}") from None
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StateError(f"{path} is not {kind} or is damaged ({exc}); {fix}") from None
    return db


def _sync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Identity:
    """Which database file a server opened, to tell whether its path still leads there."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = _key(os.stat(path))
        self._directory = _key(os.stat(path.parent))

    def lost(self) -> str | None:
        """Why writes to the file opened would not land at its path, or None."""
        try:
            directory, file = os.stat(self.path.parent), os.stat(self.path)
        except FileNotFoundError:
            return "it was deleted while the server ran"
        except OSError as exc:
            return f"it cannot be reached ({exc.strerror or exc})"
        if _key(directory) != self._directory or _key(file) != self._file:
            return "it was replaced while the server ran"
        return None

    def unwritable(self) -> str | None:
        """Why a write should not be tried (the file or its directory made read-only), or None."""
        if not os.access(self.path, os.W_OK) or not os.access(self.path.parent, os.W_OK | os.X_OK):
            return "it or its directory was made read-only"
        return None


def _key(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_dev, stat.st_ino
