"""store/statedir.py: a state directory is held by inode and by path, its databases are
created whole, and a running server can tell when its files are no longer at their path."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from rekognition_mock.store.statedir import DirectoryLock, Identity, StateError, create_whole, refuse_empty


def test_a_directory_is_held_by_its_path_even_once_deleted(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = DirectoryLock(state)
    try:
        assert first.by_path.exists() and first.by_path.read_text().strip() == str(os.getpid())
        shutil.rmtree(state)
        with pytest.raises(StateError, match="in use by another rekognition-mock server") as info:
            DirectoryLock(state)
        assert "kept by path" in str(info.value) and "--state-dir" in str(info.value)
    finally:
        first.release()
    assert not first.by_path.exists()  # released: its path lock file goes too
    DirectoryLock(state).release()


def test_a_directory_is_held_by_its_inode_under_another_path(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "state")
    first = DirectoryLock(tmp_path / "state")
    try:
        os.rename(tmp_path / "state", tmp_path / "moved")  # another path to the same directory
        with pytest.raises(StateError, match="in use by another rekognition-mock server"):
            DirectoryLock(tmp_path / "moved")
    finally:
        first.release()
    DirectoryLock(tmp_path / "moved").release()


def test_a_database_is_created_whole(tmp_path: Path) -> None:
    path = tmp_path / "made.sqlite3"

    def set_up(db: sqlite3.Connection) -> None:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")

    create_whole(path, set_up)
    assert [p.name for p in tmp_path.iterdir()] == ["made.sqlite3"]  # no temporary name, no WAL left
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == [("t",)]


def test_an_empty_database_file_is_damage(tmp_path: Path) -> None:
    path = tmp_path / "gone.sqlite3"
    refuse_empty(path, "restore it")  # absent: nothing to say
    path.write_bytes(b"")
    with pytest.raises(StateError, match=r"gone\.sqlite3 is empty \(0 bytes\).*restore it"):
        refuse_empty(path, "restore it")


def test_identity_tells_a_deleted_or_replaced_file(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    path = state / "db"
    path.write_bytes(b"x")
    with open(path, "rb"):  # held open, as SQLite holds the database (its inode is not reused)
        identity = Identity(path)
        assert identity.lost() is None and identity.unwritable() is None
        path.unlink()
        path.write_bytes(b"x")  # the same name, another file
        assert identity.lost() == "it was replaced while the server ran"
        shutil.rmtree(state)
        assert identity.lost() == "it was deleted while the server ran"
