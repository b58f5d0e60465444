"""The state store's contract, the same on every backend: SQLite (a state directory) and
PostgreSQL (a throwaway cluster, tests/pgcluster.py; skipped with the reason where no
PostgreSQL is installed, required under CI=true)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rekognition_mock.store.persistence import StateStore
from rekognition_mock.store.state import Store
from rekognition_mock.store.statedir import StateError, StateWriteError

A, R = "123456789012", "us-east-1"


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A function opening (again) one backend's store on the same state; all closed at the end."""
    opened: list[Any] = []
    if request.param == "sqlite":
        def make() -> Any:
            return StateStore(tmp_path / "state")
    else:
        from rekognition_mock.store.postgres import PostgresStore

        url = request.getfixturevalue("postgres_url")

        def make() -> Any:
            return PostgresStore(url)

    def opener() -> Any:
        store = make()
        opened.append(store)
        return store

    opener.backend = request.param  # type: ignore[attr-defined]
    yield opener
    for store in opened:
        store.close()


def face(n: int, seq: int | None = None, user: str | None = None) -> tuple[Any, ...]:
    vec = np.random.default_rng(n).standard_normal(128).astype(np.float32)
    box = np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32)
    return (f"face-{n:04d}", f"image-{n}", f"ext-{n}", user, box.tobytes(), 99.5, n if seq is None else seq,
            vec.tobytes())


def test_is_a_store(open_store: Callable[[], Any]) -> None:
    store = open_store()
    assert isinstance(store, Store)
    assert store.location


def test_collections_round_trip_and_survive_reopening(open_store: Callable[[], Any]) -> None:
    store = open_store()
    store.put_collection(A, R, "b", "arn:b", 2.0, {})
    store.put_collection(A, R, "a", "arn:a", 1.0, {"k": "v"})
    store.put_collection(A, "eu-west-1", "a", "arn:eu", 3.0, {})
    store.put_collection(A, R, "a", "arn:a", 1.0, {"k": "v2", "x": "y"})  # tags replaced
    expected = [(A, R, "a", "arn:a", 1.0, {"k": "v2", "x": "y"}), (A, R, "b", "arn:b", 2.0, {}),
                (A, "eu-west-1", "a", "arn:eu", 3.0, {})]
    assert sorted(store.collections()) == sorted(expected)
    store.close()
    again = open_store()
    assert sorted(again.collections()) == sorted(expected)
    again.delete_collection(A, R, "b")
    again.delete_region(A, "eu-west-1")
    assert list(again.collections()) == [expected[0]]


def test_faces_index_list_delete(open_store: Callable[[], Any]) -> None:
    store = open_store()
    store.put_collection(A, R, "c", "arn:c", 1.0, {})
    rows = [face(n) for n in range(5)]
    store.add_faces(A, R, "c", rows)
    store.add_faces(A, R, "c", [rows[0]])  # the same face again: kept once
    assert store.faces(A, R, "c") == rows
    store.delete_faces(A, R, "c", ["face-0001", "face-0003", "face-9999"])
    assert store.faces(A, R, "c") == [rows[0], rows[2], rows[4]]
    store.close()
    again = open_store()
    assert again.faces(A, R, "c") == [rows[0], rows[2], rows[4]]
    vec = np.frombuffer(again.faces(A, R, "c")[0][7], dtype=np.float32)
    assert np.array_equal(vec, np.frombuffer(rows[0][7], dtype=np.float32))
    again.delete_collection(A, R, "c")
    assert again.faces(A, R, "c") == []


def test_users_and_their_faces(open_store: Callable[[], Any]) -> None:
    store = open_store()
    store.put_collection(A, R, "c", "arn:c", 1.0, {})
    store.add_faces(A, R, "c", [face(1), face(2), face(3)])
    store.put_user(A, R, "c", "u1", 5.0, "token-1")
    store.put_user(A, R, "c", "u2", 6.0, None)
    store.set_face_users(A, R, "c", ["face-0001", "face-0002"], "u1")
    store.set_face_users(A, R, "c", ["face-0003"], "u2")
    assert [row[3] for row in store.faces(A, R, "c")] == ["u1", "u1", "u2"]
    store.set_face_users(A, R, "c", ["face-0002"], None)
    store.delete_user(A, R, "c", "u2")
    store.close()
    again = open_store()
    assert again.users(A, R, "c") == [("u1", 5.0, "token-1")]
    assert [row[3] for row in again.faces(A, R, "c")] == ["u1", None, None]
    again.delete_collection(A, R, "c")
    assert again.users(A, R, "c") == []


def test_a_new_collection_of_a_deleted_ones_id_is_empty(open_store: Callable[[], Any]) -> None:
    store = open_store()
    store.put_collection(A, R, "c", "arn:c", 1.0, {})
    store.add_faces(A, R, "c", [face(1)])
    store.put_user(A, R, "c", "u", 1.0, None)
    store.delete_collection(A, R, "c")
    store.put_collection(A, R, "c", "arn:c", 2.0, {})
    assert store.faces(A, R, "c") == [] and store.users(A, R, "c") == []


# -- PostgreSQL only: several stores (servers) on one database -----------------------------


@pytest.fixture
def two_stores(postgres_url: str) -> Any:
    from rekognition_mock.store.postgres import PostgresStore

    first, second = PostgresStore(postgres_url), PostgresStore(postgres_url)
    yield first, second
    first.close()
    second.close()


def test_concurrent_writers_lose_nothing(two_stores: Any) -> None:
    first, second = two_stores
    first.put_collection(A, R, "c", "arn:c", 1.0, {})
    errors: list[BaseException] = []

    def writer(store: Any, start: int) -> None:
        try:
            for n in range(start, start + 60, 2):
                store.add_faces(A, R, "c", [face(n)])
                if n % 6 == 0:
                    store.delete_faces(A, R, "c", [f"face-{n:04d}"])
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(first, 0)), threading.Thread(target=writer, args=(second, 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    expected = {f"face-{n:04d}" for n in range(61) if n % 6 != 0}
    assert {row[0] for row in first.faces(A, R, "c")} == expected
    assert {row[0] for row in second.faces(A, R, "c")} == expected


def test_faces_added_to_a_collection_deleted_elsewhere_are_refused(two_stores: Any) -> None:
    first, second = two_stores
    first.put_collection(A, R, "c", "arn:c", 1.0, {})
    second.delete_collection(A, R, "c")
    with pytest.raises(StateWriteError):  # not acknowledged: no ghost face of a deleted collection
        first.add_faces(A, R, "c", [face(1)])
    with pytest.raises(StateWriteError):
        first.put_user(A, R, "c", "u", 1.0, None)
    first.put_collection(A, R, "c", "arn:c", 2.0, {})
    assert first.faces(A, R, "c") == [] and second.users(A, R, "c") == []


def test_a_face_cannot_name_a_missing_user(two_stores: Any) -> None:
    first, _ = two_stores
    first.put_collection(A, R, "c", "arn:c", 1.0, {})
    with pytest.raises(StateWriteError):
        first.add_faces(A, R, "c", [face(1, user="nobody")])


def test_a_failing_database_is_a_write_error_and_recovers(postgres_url: str, pg_cluster: Any) -> None:
    import psycopg

    from rekognition_mock.store.postgres import PostgresStore

    store = PostgresStore(postgres_url)
    try:
        store.put_collection(A, R, "c", "arn:c", 1.0, {})
        with psycopg.connect(pg_cluster.url(), autocommit=True) as admin:  # the server's session is cut
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE application_name = 'rekognition-mock'")
        with pytest.raises(StateWriteError) as caught:
            store.add_faces(A, R, "c", [face(1)])
        assert "\n" not in str(caught.value) and "InternalServerError" in str(caught.value)
        store.add_faces(A, R, "c", [face(2)])  # connected again
        assert [row[0] for row in store.faces(A, R, "c")] == ["face-0002"]
    finally:
        store.close()


def test_an_unreachable_database_is_one_line_naming_the_url(pg_cluster: Any) -> None:
    from rekognition_mock.store.postgres import PostgresStore

    url = f"postgresql://someone:secret@/nowhere?host={pg_cluster.root}&port=1"
    with pytest.raises(StateError) as caught:
        PostgresStore(url, connect_timeout=2)
    message = str(caught.value)
    assert "\n" not in message and "someone:***@" in message and "secret" not in message


def test_the_schema_version_is_recorded_and_a_newer_one_refused(postgres_url: str) -> None:
    import psycopg

    from rekognition_mock.store.postgres import SCHEMA_VERSION, PostgresStore

    PostgresStore(postgres_url).close()
    PostgresStore(postgres_url).close()  # migrating an up-to-date schema changes nothing
    with psycopg.connect(postgres_url, autocommit=True) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        db.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(StateError, match="newer"):
        PostgresStore(postgres_url)


def test_a_store_sees_no_change_of_its_own(open_store: Callable[[], Any]) -> None:
    store = open_store()
    store.put_collection(A, R, "c", "arn:c", 1.0, {})
    store.add_faces(A, R, "c", [face(1)])
    assert store.changes() == []
    assert store.collection(A, R, "c") == (A, R, "c", "arn:c", 1.0, {})
    assert store.collection(A, R, "nope") is None


def test_the_change_log_names_what_other_stores_changed(two_stores: Any) -> None:
    first, second = two_stores
    first.put_collection(A, R, "c", "arn:c", 1.0, {})
    first.put_collection(A, R, "d", "arn:d", 1.0, {})
    first.add_faces(A, R, "c", [face(1)])
    second.put_collection(A, R, "e", "arn:e", 1.0, {})
    assert second.changes() == [(A, R, "c", {"face-0001"}, set()), (A, R, "d", set(), set())]
    assert second.changes() == []
    first.delete_region(A, R)
    assert first.changes() == [(A, R, "e", set(), set())]
    assert second.changes() == [(A, R, None, None, None)]


def test_faces_numbered_by_two_stores_keep_distinct_positions(two_stores: Any) -> None:
    """Two servers numbering new faces of one collection alike: the database numbers the later
    ones after the earlier, and the server whose faces moved reads them back."""
    first, second = two_stores
    first.put_collection(A, R, "c", "arn:c", 1.0, {})
    first.add_faces(A, R, "c", [face(1, seq=0), face(2, seq=1)])
    second.changes()
    second.add_faces(A, R, "c", [face(3, seq=0)])
    assert [(row[0], row[6]) for row in first.faces(A, R, "c")] == [("face-0001", 0), ("face-0002", 1),
                                                                     ("face-0003", 2)]
    assert second.changes() == [(A, R, "c", {"face-0003"}, set())]  # its own, renumbered
    assert first.changes() == [(A, R, "c", {"face-0003"}, set())]


def test_a_collection_is_brought_up_to_date_in_place() -> None:
    from rekognition_mock.store.collections import Collection
    from rekognition_mock.store.replica import sync_collection

    def uface(n: int, seq: int, user: str | None = None) -> tuple[Any, ...]:  # the face store keeps UUIDs
        row = face(n, seq, user)
        return (f"00000000-0000-4000-8000-{n:012d}", f"00000000-0000-4000-9000-{n:012d}", *row[2:])

    collection = Collection("c", "arn:c")
    collection.faces.load([uface(1, 0), uface(2, 1)])
    same = collection.faces
    sync_collection(collection, {"k": "v"}, [uface(2, 5, "u"), uface(3, 2)], [("u", 1.0, None)])
    assert collection.faces is same and collection.tags == {"k": "v"}
    page, _ = collection.faces.page(-1, 10)
    assert [(f.face_id, f.seq, f.user_id) for f in page] == [(uface(3, 2)[0], 2, None), (uface(2, 5)[0], 5, "u")]
    assert [u.user_id for u in collection.users.in_order()] == ["u"]
    first, last = collection.faces.page(-1, 1)
    assert [f.face_id for f in first] == [uface(3, 2)[0]] and last == 2
    assert [f.face_id for f in collection.faces.page(last, 1)[0]] == [uface(2, 5)[0]]
    sync_collection(collection, {}, [], [])
    assert len(collection.faces) == 0 and collection.users.in_order() == []


def test_faces_and_users_are_read_by_id_and_counted(open_store: Callable[[], Any]) -> None:
    store = open_store()
    store.put_collection(A, R, "c", "arn:c", 1.0, {})
    store.put_user(A, R, "c", "u", 1.0, None)
    store.put_user(A, R, "c", "v", 2.0, None)
    store.add_faces(A, R, "c", [face(n) for n in range(1, 6)])
    before = store.rows_read
    assert [row[0] for row in store.faces(A, R, "c", ["face-0002", "face-0004", "face-0099"])] == [
        "face-0002", "face-0004"]
    assert [row[0] for row in store.users(A, R, "c", ["v", "w"])] == ["v"]
    assert store.faces(A, R, "c", []) == [] and store.users(A, R, "c", []) == []
    assert store.rows_read - before == 3
    assert len(store.faces(A, R, "c")) == 5 and store.rows_read - before == 8


def test_the_change_log_names_the_faces_and_users_changed(two_stores: Any) -> None:
    """Each write names the rows it touched, so another server reads only those; deleting a
    user names the faces it held; deleting a collection names all of it."""
    first, second = two_stores
    first.put_collection(A, R, "c", "arn:c", 1.0, {})
    first.add_faces(A, R, "c", [face(n) for n in range(1, 5)])
    first.put_user(A, R, "c", "u", 1.0, None)
    second.changes()
    first.set_face_users(A, R, "c", ["face-0001", "face-0002"], "u")
    first.delete_faces(A, R, "c", ["face-0004"])
    assert second.changes() == [(A, R, "c", {"face-0001", "face-0002", "face-0004"}, set())]
    first.delete_user(A, R, "c", "u")
    assert second.changes() == [(A, R, "c", {"face-0001", "face-0002"}, {"u"})]
    first.put_collection(A, R, "c", "arn:c", 1.0, {"k": "v"})  # tags: the collection's row only
    first.add_faces(A, R, "c", [face(9)])
    assert second.changes() == [(A, R, "c", {"face-0009"}, set())]
    first.add_faces(A, R, "c", [face(10)])
    first.delete_collection(A, R, "c")
    assert second.changes() == [(A, R, "c", None, None)]


def test_a_token_reply_is_stored_with_its_write(open_store: Callable[[], Any]) -> None:
    """A ClientRequestToken's reply is stored in the transaction of its write; a write naming a
    token already stored raises TokenTaken and changes nothing; the replies go with their
    collection."""
    from rekognition_mock.store.state import TokenTaken

    store = open_store()
    store.put_collection(A, R, "c", "arn:c", 1.0, {})
    store.add_faces(A, R, "c", [face(1), face(2)])
    store.put_user(A, R, "c", "u", 1.0, "t-0", ("CreateUser", "t-0", '["u"]', "{}"))
    store.set_face_users(A, R, "c", ["face-0001"], "u", ("AssociateFaces", "t-1", '["u", ["face-0001"], 75.0]',
                                                         '{"AssociatedFaces": [{"FaceId": "face-0001"}]}'))
    store.set_face_users(A, R, "c", [], "u", ("AssociateFaces", "t-2", '["u", [], 75.0]', '{}'))  # the token alone
    assert store.token(A, R, "c", "AssociateFaces", "t-1") == (
        '["u", ["face-0001"], 75.0]', '{"AssociatedFaces": [{"FaceId": "face-0001"}]}')
    assert store.token(A, R, "c", "AssociateFaces", "t-2") == ('["u", [], 75.0]', '{}')
    assert store.token(A, R, "c", "CreateUser", "t-0") == ('["u"]', "{}")
    assert store.token(A, R, "c", "DisassociateFaces", "t-1") is None  # a token is the operation's
    with pytest.raises(TokenTaken):
        store.set_face_users(A, R, "c", ["face-0002"], "u", ("AssociateFaces", "t-1", '["u", ["face-0002"], 75.0]', "{}"))
    with pytest.raises(TokenTaken):
        store.delete_user(A, R, "c", "u", ("CreateUser", "t-0", '["u"]', "{}"))
    assert {row[0]: row[3] for row in store.faces(A, R, "c")} == {"face-0001": "u", "face-0002": None}
    assert [row[0] for row in store.users(A, R, "c")] == ["u"]
    store.delete_user(A, R, "c", "u", ("DeleteUser", "t-3", '["u"]', "{}"))
    store.close()
    store = open_store()
    assert store.token(A, R, "c", "DeleteUser", "t-3") == ('["u"]', "{}")
    store.delete_collection(A, R, "c")
    store.put_collection(A, R, "c", "arn:c", 2.0, {})
    assert store.token(A, R, "c", "DeleteUser", "t-3") is None


def test_replies_kept_per_collection_are_bounded(open_store: Callable[[], Any]) -> None:
    from rekognition_mock.store.state import REMEMBERED_REPLIES

    store = open_store()
    store.put_collection(A, R, "c", "arn:c", 1.0, {})
    for n in range(REMEMBERED_REPLIES + 150):
        store.set_face_users(A, R, "c", [], None, ("DisassociateFaces", f"t-{n}", "[]", "{}"))
    assert store.token(A, R, "c", "DisassociateFaces", f"t-{REMEMBERED_REPLIES + 149}") is not None
    assert store.token(A, R, "c", "DisassociateFaces", f"t-{REMEMBERED_REPLIES}") is not None
    assert store.token(A, R, "c", "DisassociateFaces", "t-0") is None  # the oldest forgotten


def test_a_version_2_database_is_migrated_with_its_state(postgres_url: str) -> None:
    """A database of the version before analyses, tokens and the change log's ids (2) is
    migrated on start: its rows kept, its old change-log entries read as whole collections."""
    import psycopg

    from rekognition_mock.store.pgschema import MIGRATIONS
    from rekognition_mock.store.postgres import SCHEMA_VERSION, PostgresStore

    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for script in MIGRATIONS[:2]:
            db.execute(script)
        db.execute("INSERT INTO schema_version VALUES (2)")
        db.execute("INSERT INTO collections VALUES (%s, %s, 'c', 'arn:c', 1.0, '{}')", (A, R))
    reader = PostgresStore(postgres_url)  # migrates
    with psycopg.connect(postgres_url, autocommit=True) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        db.execute("UPDATE change_clock SET seq = seq + 1")  # an old server's write, as version 2 logged it
        db.execute("INSERT INTO changes (seq, account, region, collection_id) SELECT seq, %s, %s, 'c' FROM change_clock",
                   (A, R))
    assert reader.changes() == [(A, R, "c", None, None)]
    assert reader.collection(A, R, "c") == (A, R, "c", "arn:c", 1.0, {})
    reader.close()
