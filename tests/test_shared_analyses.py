"""The engine's analyses shared in PostgreSQL (``serve --state-url``, store/analyses.py): an
image analysed by one replica is not analysed again by another, even when both receive it at
the same moment, as counted by each server's engine (the inspector's status, ``engine``)."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable
from typing import Any

import imagefactory
from serverprocess import ServerProcess, client, start_server  # noqa: F401 - a fixture

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")


def engine_counts(server: ServerProcess) -> dict[str, int]:
    with urllib.request.urlopen(f"{server.url}/_rekognition_mock/inspector/api/status", timeout=30) as answer:
        return dict(json.loads(answer.read())["engine"])


def total(servers: list[ServerProcess], what: str) -> int:
    return sum(engine_counts(server)[what] for server in servers)


def test_an_image_is_analysed_once_by_two_replicas(start_server: Callable[..., ServerProcess],
                                                   postgres_url: str) -> None:
    import psycopg

    servers = [start_server("--port", "0", "--quiet", "--state-url", postgres_url) for _ in range(2)]
    one, two = (client("rekognition", server.url) for server in servers)
    assert total(servers, "analysed") == 0

    # one after the other: the second replica reads the first one's analysis
    first = one.detect_faces(Image={"Bytes": HOPPER})["FaceDetails"]
    second = two.detect_faces(Image={"Bytes": HOPPER})["FaceDetails"]
    assert first == second and len(first) == 1
    assert [engine_counts(s)["analysed"] for s in servers] == [1, 0]
    assert engine_counts(servers[1])["read"] == 1

    # at the same moment, with descriptors (IndexFaces): one replica analyses, the other waits and reads
    one.create_collection(CollectionId="a")
    two.create_collection(CollectionId="b")
    start = threading.Barrier(2)
    answers: dict[str, Any] = {}

    def index(rek: Any, collection_id: str) -> None:
        start.wait()
        answers[collection_id] = rek.index_faces(CollectionId=collection_id, Image={"Bytes": ASTRONAUT})

    threads = [threading.Thread(target=index, args=(rek, cid)) for rek, cid in ((one, "a"), (two, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert total(servers, "analysed") == 2  # Hopper once, the astronaut once
    assert total(servers, "described") == 1  # the astronaut's descriptors: made with its analysis, once
    boxes = [[r["Face"]["BoundingBox"] for r in answers[cid]["FaceRecords"]] for cid in ("a", "b")]
    assert boxes[0] == boxes[1] and len(boxes[0]) == 1

    # Hopper's analysis had no descriptors: the first replica to need them makes them, once
    one.index_faces(CollectionId="a", Image={"Bytes": HOPPER})
    two.index_faces(CollectionId="b", Image={"Bytes": HOPPER})
    assert total(servers, "analysed") == 2 and total(servers, "described") == 2

    with psycopg.connect(postgres_url) as db:
        assert db.execute("SELECT count(*) FROM analyses").fetchone()[0] == 2
    for server in servers:
        assert "Traceback" not in server.output()


def test_the_lock_of_a_key_is_held_across_connections(postgres_url: str) -> None:
    """While one cache holds a key's lock, another cache's lock on that key waits (seen in
    pg_locks as an ungranted advisory lock), and goes through once the first is released;
    a value put by one is read by the other."""
    import psycopg

    from rekognition_mock.store.analyses import PostgresAnalyses, lock_id
    from rekognition_mock.store.postgres import PostgresStore

    PostgresStore(postgres_url).close()  # the schema
    first, second = PostgresAnalyses(postgres_url, "db"), PostgresAnalyses(postgres_url, "db")
    key = "ab" * 32
    order: list[str] = []
    got: list[Any] = []

    def waiter() -> None:
        with second.lock(key):
            order.append("second")
            got.append(second.get(key))

    with psycopg.connect(postgres_url, autocommit=True) as db:
        with first.lock(key):
            thread = threading.Thread(target=waiter)
            thread.start()
            waiting = 0
            for _ in range(600):  # until the second lock is seen waiting
                waiting = db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                                     ).fetchone()[0]
                if waiting:
                    break
                threading.Event().wait(0.05)
            assert waiting == 1 and order == []
            first.put(key, {"faces": [1, 2, 3]})
            order.append("first")
        thread.join()
    assert order == ["first", "second"] and got == [{"faces": [1, 2, 3]}]
    assert second.get("cd" * 32) is None
    assert lock_id(key) == int.from_bytes(bytes.fromhex(key[:16]), "big", signed=True)
    first.close()
    second.close()
