"""store/persistence.py: the state directory is locked, checked for writability and validated at start.

Each problem is one line naming the file and the fix, from the store itself and from
``rekognition-mock serve`` (no traceback, no server that starts and then fails every write).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from helpers import child_env
from rekognition_mock.store import persistence
from rekognition_mock.store.persistence import DATABASE, StateError, StateStore

REPO = Path(__file__).resolve().parents[1]
ACCOUNT, REGION = "123456789012", "us-east-1"


def filled(directory: Path) -> Path:
    """A state directory with one collection and one face, closed again."""
    store = StateStore(directory)
    store.put_collection(ACCOUNT, REGION, "people", "arn:aws:rekognition:us-east-1:123456789012:collection/people",
                         1.0, {"team": "qa"})
    row = ("6b0d5f3e-5a4c-4e0e-9d8f-2f1c7a9b3e10", "0b7e3b0c-3f38-5d7c-9a3e-2b1c0d4e5f60", None, None,
           np.zeros(4, np.float32).tobytes(), 99.5, 1, np.ones(128, np.float32).tobytes())
    store.add_faces(ACCOUNT, REGION, "people", [row])
    store.close()
    return directory / DATABASE


def serve(state: Path) -> subprocess.CompletedProcess[str]:
    """``rekognition-mock serve --state-dir`` on a free port; it must refuse to start."""
    return subprocess.run(
        [sys.executable, "-m", "rekognition_mock.cli", "serve", "--port", "0", "--state-dir", str(state)],
        cwd=REPO, env=child_env(), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    [line] = [line for line in result.stderr.splitlines() if "error:" in line]
    return line


def test_a_second_store_on_the_same_directory_is_refused(tmp_path: Path) -> None:
    first = StateStore(tmp_path)
    try:
        with pytest.raises(StateError, match="in use by another rekognition-mock server"):
            StateStore(tmp_path)
    finally:
        first.close()
    StateStore(tmp_path).close()  # free again once the first is closed


def test_a_second_server_on_the_same_directory_does_not_start(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    try:
        line = one_line(serve(tmp_path))
    finally:
        store.close()
    assert "in use by another rekognition-mock server" in line and "--state-dir" in line


def damage_tags(db: Path) -> None:
    with sqlite3.connect(db) as con:
        con.execute("UPDATE collections SET tags = 'not json'")


def damage_blob(db: Path) -> None:
    with sqlite3.connect(db) as con:
        con.execute("UPDATE faces SET descriptor = x'0102'")


def damage_schema(db: Path) -> None:
    with sqlite3.connect(db) as con:
        con.execute("DROP TABLE faces")
        con.execute("CREATE TABLE faces (face_id TEXT)")


def damage_pages(db: Path) -> None:
    data = bytearray(db.read_bytes())
    data[100:] = b"\xa5" * (len(data) - 100)  # the header survives, every page is garbage
    db.write_bytes(bytes(data))


def stray_faces(db: Path) -> None:
    """Faces left behind by a collection (older versions could write them after it was deleted)."""
    with sqlite3.connect(db) as con:
        con.execute("DELETE FROM collections")


def not_a_database(db: Path) -> None:
    db.write_bytes(b"this is a text file, not SQLite\n" * 200)


def truncated_to_nothing(db: Path) -> None:
    """A database that existed and is now 0 bytes: damage, not a new state directory."""
    db.write_bytes(b"")


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (damage_tags, "tags"),
        (damage_blob, "damaged descriptor"),
        (damage_schema, "unexpected faces table"),
        (damage_pages, "damaged"),
        (stray_faces, "belongs to collection 'people', which is not stored"),
        (not_a_database, "not a rekognition-mock database"),
        (truncated_to_nothing, "is empty (0 bytes)"),
    ],
    ids=["tags-json", "blob", "schema", "pages", "stray-faces", "not-sqlite", "empty"],
)
def test_a_damaged_database_is_one_line_naming_the_file(tmp_path: Path, damage, words: str) -> None:
    db = filled(tmp_path)
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    damage(db)
    with pytest.raises(StateError) as info:
        StateStore(tmp_path)
    message = str(info.value)
    assert "\n" not in message and str(db) in message and words in message
    assert "move" in message or "restore" in message
    line = one_line(serve(tmp_path))
    assert str(db) in line
    StateStore(tmp_path / "fresh").close()  # the lock was released: nothing else is held


def test_a_read_only_database_does_not_start(tmp_path: Path) -> None:
    """Checked at start: without this, the server started and failed every write with a 500."""
    db = filled(tmp_path)
    probe = textwrap.dedent(
        f"""
        import fcntl, os, sqlite3
        from rekognition_mock.store.persistence import StateError, StateStore  # imported while allowed
        if os.geteuid() == 0:  # root writes anywhere: look at it as an unprivileged user
            os.setgid(65534); os.setuid(65534)
        try:
            StateStore({str(tmp_path)!r})
        except StateError as exc:
            print(exc)
        else:
            print("opened")
        """
    )
    os.chmod(tmp_path, 0o755)
    os.chmod(db, 0o644)
    if os.geteuid() != 0:
        os.chmod(db, 0o444)
        os.chmod(tmp_path, 0o555)
    try:
        out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=child_env(), capture_output=True,
                             text=True, timeout=120)
    finally:
        os.chmod(tmp_path, 0o755)
    assert out.returncode == 0, out.stderr
    message = out.stdout.strip()
    assert message != "opened"
    assert "\n" not in message and str(tmp_path) in message


def test_a_healthy_directory_reopens_with_its_rows(tmp_path: Path) -> None:
    filled(tmp_path)
    store = StateStore(tmp_path)
    try:
        [(account, region, collection_id, _, _, tags)] = list(store.collections())
        assert (account, region, collection_id, tags) == (ACCOUNT, REGION, "people", {"team": "qa"})
        assert len(store.faces(ACCOUNT, REGION, "people")) == 1
    finally:
        store.close()
    assert persistence.active() is None


def test_a_directory_from_before_users_opens_with_an_empty_users_table(tmp_path: Path) -> None:
    """The users API added a table: a state directory written before it keeps its rows and gains the table."""
    db = filled(tmp_path)
    with sqlite3.connect(db) as con:
        con.execute("DROP TABLE users")
    store = StateStore(tmp_path)
    try:
        assert len(store.faces(ACCOUNT, REGION, "people")) == 1
        assert store.users(ACCOUNT, REGION, "people") == []
        store.put_user(ACCOUNT, REGION, "people", "grace", 2.0, "t-1")
        assert store.users(ACCOUNT, REGION, "people") == [("grace", 2.0, "t-1")]
    finally:
        store.close()


def test_a_face_of_a_user_that_is_not_stored_is_refused(tmp_path: Path) -> None:
    db = filled(tmp_path)
    with sqlite3.connect(db) as con:
        con.execute("UPDATE faces SET user_id = 'ghost'")
    with pytest.raises(StateError) as info:
        StateStore(tmp_path)
    message = str(info.value)
    assert "\n" not in message and str(db) in message and "'ghost'" in message and "move" in message
    StateStore(tmp_path / "fresh").close()  # the lock was released


def test_a_state_the_backends_cannot_take_is_one_line(tmp_path: Path) -> None:
    """Rows that pass the checks but cannot be restored (a region moto does not have) stop
    ``serve`` with one line naming the database and the fix, not a traceback."""
    db = filled(tmp_path)
    with sqlite3.connect(db) as con:
        for table in ("collections", "faces"):
            con.execute(f"UPDATE {table} SET region = 'nowhere-9'")
    line = one_line(serve(tmp_path))
    assert str(db) in line and "cannot restore" in line and "move" in line


# -- writes that cannot be saved (issue 25) ------------------------------------------------


def test_a_new_directory_gets_a_whole_database(tmp_path: Path) -> None:
    """The database is made under another name and renamed into place: its path never holds
    a partial (or empty) file, so an empty one is always damage."""
    StateStore(tmp_path / "new").close()
    assert (tmp_path / "new" / DATABASE).stat().st_size > 0
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == [".rekognition-mock.lock", DATABASE]


def test_writes_fail_once_the_directory_is_deleted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """SQLite goes on writing to the deleted files: each write would be acknowledged and
    lost. The store refuses them instead, and says so once in the log."""
    import shutil

    state = tmp_path / "state"
    store = StateStore(state)
    try:
        store.put_collection(ACCOUNT, REGION, "kept", "arn:kept", 1.0, {})
        shutil.rmtree(state)
        for _ in range(2):
            with pytest.raises(persistence.StateWriteError) as info:
                store.put_collection(ACCOUNT, REGION, "lost", "arn:lost", 2.0, {})
            assert "deleted" in str(info.value) and str(state / DATABASE) in str(info.value)
            assert "InternalServerError" in str(info.value) and "\n" not in str(info.value)
        assert [r.message for r in caplog.records if r.levelname == "ERROR"] == [str(info.value)]
        with pytest.raises(StateError, match="in use by another rekognition-mock server"):
            StateStore(state)  # held by its path too: no second store beside the first
    finally:
        store.close()
    StateStore(state).close()


def test_writes_fail_when_the_database_cannot_be_written(tmp_path: Path) -> None:
    """SQLite refusing a write (a read-only file system, a full disk) is a StateWriteError,
    and the store takes writes again once SQLite does."""
    store = StateStore(tmp_path)
    try:
        store._db.execute("PRAGMA query_only=ON")  # every write fails as on a read-only file system
        with pytest.raises(persistence.StateWriteError, match="SQLite refused the write"):
            store.put_collection(ACCOUNT, REGION, "people", "arn:people", 1.0, {})
        store._db.execute("PRAGMA query_only=OFF")
        store.put_collection(ACCOUNT, REGION, "people", "arn:people", 1.0, {})
        assert [row[2] for row in store.collections()] == ["people"]
    finally:
        store.close()


def test_a_write_that_cannot_be_saved_changes_nothing_in_memory(tmp_path: Path) -> None:
    """The backends write to the store before they change memory: a refused write leaves the
    collection and its faces as they were, so nothing unsaved is ever listed."""
    from moto.moto_api._internal.models import moto_api_backend

    from rekognition_mock.service.models import rekognition_backends

    store = StateStore(tmp_path)
    persistence.activate(store)
    try:
        backend = rekognition_backends[ACCOUNT][REGION]
        backend.create_collection("people")
        store._db.execute("PRAGMA query_only=ON")
        with pytest.raises(persistence.StateWriteError):
            backend.create_collection("others")
        with pytest.raises(persistence.StateWriteError):
            backend.tag_resource(backend.describe_collection("people").arn, {"team": "qa"})
        assert sorted(backend.collections) == ["people"] and backend.collections["people"].tags == {}
        store._db.execute("PRAGMA query_only=OFF")
    finally:
        persistence.activate(None)
        store.close()
        moto_api_backend.reset()


def test_a_server_whose_state_dir_is_deleted_acknowledges_no_write(tmp_path: Path) -> None:
    """Over HTTP: once the directory is gone, CreateCollection and IndexFaces answer AWS's
    InternalServerError (500), nothing they asked for is listed, the log says why once, and
    a second server cannot start on the same path beside the first."""
    import shutil

    import imagefactory
    from botocore.exceptions import ClientError

    from serverprocess import ServerProcess, client

    state = tmp_path / "state"
    server = ServerProcess("--port", "0", "--state-dir", str(state), "--moto-api")
    try:
        rek = client("rekognition", server.url)
        rek.create_collection(CollectionId="before")
        photo = imagefactory.fixture_bytes("grace_hopper.jpg")
        rek.index_faces(CollectionId="before", Image={"Bytes": photo})
        shutil.rmtree(state)
        for call in (lambda: rek.create_collection(CollectionId="after"),
                     lambda: rek.index_faces(CollectionId="before", Image={"Bytes": imagefactory.augmented()}),
                     lambda: rek.delete_collection(CollectionId="before")):
            with pytest.raises(ClientError) as info:
                call()
            assert info.value.response["Error"]["Code"] == "InternalServerError"
            assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
            assert "could not be saved" in info.value.response["Error"]["Message"]
        import requests

        reset = requests.post(server.url + "/moto-api/reset", timeout=120)  # moto's route, not Rekognition's
        assert reset.status_code == 500 and reset.json()["__type"] == "InternalServerError"
        assert rek.list_collections()["CollectionIds"] == ["before"]
        assert len(rek.list_faces(CollectionId="before")["Faces"]) == 1
        server.wait_until(lambda: server.count("was deleted while the server ran") > 0)
        assert server.count("was deleted while the server ran") == 1
        refused = serve(state)
        assert "in use by another rekognition-mock server" in one_line(refused)
        assert "Traceback" not in server.output()
    finally:
        server.close()
