"""Two ``serve --state-url`` replicas on one PostgreSQL database, behind a round-robin load
balancer (tests/tcpproxy.py), under a mixed workload of 8 boto3 client threads for 2 minutes
(tests/soakload.py); part-way one replica is SIGKILLed while it holds a write request, and
started again on the same database a few seconds later.

Afterwards, through EACH replica (the survivor and the restarted one, asked directly):

- **0 errors**: every client call was answered (a call cut by the kill was retried by
  botocore's standard retry mode, through the balancer, to the live replica);
- **0 lost acknowledged writes**: every face an IndexFaces answer returned and no acknowledged
  DeleteFaces removed is listed; every acknowledged user is listed with its acknowledged face;
  every own collection acknowledged created and not deleted exists;
- **0 ghosts**, where a ghost is any of: a face listed by one replica and not the other (or not
  in the database); a face SearchFacesByImage finds that ListFaces of that replica does not
  list; a face an acknowledged DeleteFaces removed, still listed or found; a collection an
  acknowledged DeleteCollection removed, still described or listed, or a face row in the
  database whose collection is gone; a listed face whose ExternalImageId no IndexFaces call
  used, or (beyond its answer) one of an IndexFaces answered without a retry.

A client thread that dies of an exception its calls do not record (one botocore would not
raise, such as an answer lacking a required field) fails the test with that exception.

A retried IndexFaces whose first attempt committed on the killed replica leaves a face the
client was never given (the same ExternalImageId, another FaceId): these *unacknowledged
faces* are counted and must belong to a retried call, and there are at most as many as the
retried calls' faces (each retry resends the image once).

The images are composed (tests/imagefactory.py) and analysed before the clock starts, by each
replica through a disk cache they share, so the load is the state path, not the face engine.
REKOGNITION_MOCK_SOAK_SECONDS shortens the run for development; CI runs the 2 minutes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

import imagefactory
from serverprocess import REGION, ServerProcess, client, start_server  # noqa: F401 - a fixture
from soakload import SHARED, WRITES, CheckedThread, Worker, check, list_faces, run_workers
from tcpproxy import Proxy

SECONDS = float(os.environ.get("REKOGNITION_MOCK_SOAK_SECONDS", "120"))
THREADS = 8
PAUSE = 0.1  # seconds each client thread waits between calls: keeps the test's CPU use sane
RETRYING = Config(retries={"mode": "standard", "max_attempts": 5}, read_timeout=120, connect_timeout=10)


def images() -> list[bytes]:
    """Faces pasted, mirrored and cut: one or two faces each."""
    return [
        imagefactory.fixture_bytes("grace_hopper.jpg"),
        imagefactory.fixture_bytes("astronaut.jpg"),
        imagefactory.augmented("grace_hopper.jpg", mirror=True),
        imagefactory.augmented("astronaut.jpg"),
        imagefactory.two_person_composite(height=360),
        imagefactory.face_cut_by_left_edge(0.2),
    ]


def retrying_client(url: str) -> Any:
    return boto3.client("rekognition", endpoint_url=url, region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=RETRYING)


def _address(server: ServerProcess) -> tuple[str, int]:
    host, port = server.url.rsplit("//", 1)[1].rsplit(":", 1)
    return host, int(port)


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")  # the balancer's threads too
def test_two_replicas_survive_a_kill_under_mixed_load(start_server: Callable[..., ServerProcess],
                                                      postgres_url: str, tmp_path: Path) -> None:
    import psycopg

    env = {"REKOGNITION_MOCK_CACHE_DIR": str(tmp_path / "cache"), "REKOGNITION_MOCK_THREADS": "1"}

    def replica() -> ServerProcess:
        return start_server("--port", "0", "--quiet", "--state-url", postgres_url, env=env)

    replicas = [replica(), replica()]
    pictures = images()
    warm = client("rekognition", replicas[0].url)
    warm.create_collection(CollectionId="warm")
    for server in replicas:  # analysed once (the second replica reads the shared disk cache)
        for picture in pictures:
            rek = client("rekognition", server.url)
            assert rek.index_faces(CollectionId="warm", Image={"Bytes": picture})["FaceRecords"]
    warm.delete_collection(CollectionId="warm")
    for name in SHARED:
        warm.create_collection(CollectionId=name)

    proxy = Proxy([_address(server) for server in replicas])
    try:
        start = time.monotonic()
        workers = [Worker(n, retrying_client(proxy.url), pictures, start + SECONDS, PAUSE) for n in range(THREADS)]
        killed: list[str] = []

        def killer() -> None:
            time.sleep(SECONDS * 0.35)
            while time.monotonic() < start + SECONDS * 0.6:
                writing = [t for t in proxy.in_flight(1) if t in WRITES]
                if writing:
                    replicas[1].kill()  # SIGKILL, with the write inside it
                    killed.extend(writing)
                    break
                time.sleep(0.002)
            time.sleep(5)  # the balancer finds it down meanwhile
            replicas[1] = replica()
            proxy.set_backend(1, _address(replicas[1]))

        kill_thread = CheckedThread(killer, "soak-killer")
        kill_thread.start()
        try:
            run_workers(workers)  # raises if a client thread died
        finally:
            kill_thread.join()
        check([kill_thread])
    finally:
        proxy.close()

    ledgers = [w.ledger for w in workers]
    calls = sum(sum(ledger.calls.values()) for ledger in ledgers)
    retried = {op: sum(ledger.retried.get(op, 0) for ledger in ledgers)
               for op in sorted(WRITES | {"ListFaces", "SearchFacesByImage"})}
    print(f"\nsoak: {calls} calls in {SECONDS:.0f} s by {THREADS} threads; killed replica 1 holding {killed}; "
          f"proxy cut {proxy.cut} connections ({proxy.cut_answers} part-way through an answer), "
          f"{proxy.refused} refused; retried calls {retried}; "
          f"retried creates/deletes the first attempt did: {sum(len(l.retried_conflicts) for l in ledgers)}")
    assert killed, "the replica was never caught holding a write"
    assert proxy.cut >= 1  # the kill cut at least one request short
    assert [e for ledger in ledgers for e in ledger.errors] == []
    assert [v for ledger in ledgers for v in ledger.violations] == []

    # what must hold, from the answers
    indexed = {ext: entry for ledger in ledgers for ext, entry in ledger.indexed.items()}
    deleted = {fid: col for ledger in ledgers for fid, col in ledger.deleted.items()}
    gone = {col for ledger in ledgers for col in ledger.collections_gone}
    made = {col for ledger in ledgers for col in ledger.collections_made}
    expected = {col: set() for col in (*SHARED, *made)}
    for col, fids, _ in indexed.values():
        if col in expected:
            expected[col].update(fid for fid in fids if fid not in deleted)

    with psycopg.connect(postgres_url) as db:
        stored: dict[str, set[str]] = {}
        for col, fid in db.execute("SELECT collection_id, face_id FROM faces"):
            stored.setdefault(col, set()).add(fid)
        orphans = db.execute("SELECT count(*) FROM faces f WHERE NOT EXISTS (SELECT 1 FROM collections c WHERE "
                             "c.account = f.account AND c.region = f.region AND c.collection_id = f.collection_id)"
                             ).fetchone()[0]
    assert orphans == 0

    unacknowledged = 0
    listed_by: list[dict[str, dict[str, dict[str, Any]]]] = []
    for server in replicas:
        rek = client("rekognition", server.url)
        collections = set(rek.list_collections(MaxResults=4096)["CollectionIds"])
        assert collections == set(expected), server.url  # acknowledged collections there, deleted ones gone
        for col in gone:
            assert col not in collections
            try:
                rek.describe_collection(CollectionId=col)
                raise AssertionError(f"{server.url} describes {col}, deleted")
            except rek.exceptions.ResourceNotFoundException:
                pass
        listed = {col: list_faces(rek, col) for col in expected}
        listed_by.append(listed)
        for col, faces in listed.items():
            assert set(faces) == stored.get(col, set()), (server.url, col)  # as the database holds
            assert expected[col] <= set(faces), (server.url, col, expected[col] - set(faces))  # nothing lost
            assert not set(faces) & set(deleted)  # nothing deleted still listed
            for fid in set(faces) - expected[col]:  # an unacknowledged face: a retried IndexFaces' first attempt
                ext = faces[fid].get("ExternalImageId")
                assert ext in indexed and indexed[ext][0] == col and indexed[ext][2] > 0, (server.url, col, fid, ext)
        unacknowledged = sum(len(set(faces) - expected[col]) for col, faces in listed.items())
        for col in SHARED:
            for picture in pictures:
                found = rek.search_faces_by_image(CollectionId=col, Image={"Bytes": picture}, MaxFaces=4096,
                                                  FaceMatchThreshold=0)["FaceMatches"]
                assert {m["Face"]["FaceId"] for m in found} <= set(listed[col])  # found means listed
        users = {user_id: col for ledger in ledgers for user_id, col in ledger.users.items()}
        for col in SHARED:
            pages = rek.get_paginator("list_users").paginate(CollectionId=col)
            assert {u["UserId"] for page in pages for u in page["Users"]} == {u for u, c in users.items() if c == col}
        for ledger in ledgers:
            for user_id, col in ledger.users.items():
                owned = {fid for fid, owner in ledger.associated.items() if owner == user_id}
                assert set(list_faces(rek, col, UserId=user_id)) == owned, (server.url, user_id)
    assert listed_by[0].keys() == listed_by[1].keys()
    for col in listed_by[0]:
        assert set(listed_by[0][col]) == set(listed_by[1][col]), col  # both replicas list the same faces
    retried_faces = sum(len(fids) for _, fids, retries in indexed.values() if retries)
    print(f"soak: {sum(map(len, expected.values()))} faces kept, {len(deleted)} deleted, {len(gone)} collections "
          f"deleted, {unacknowledged} unacknowledged faces from {retried_faces} faces of retried IndexFaces")
    assert unacknowledged <= retried_faces
