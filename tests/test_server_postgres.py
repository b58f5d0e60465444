"""``rekognition-mock serve --state-url postgresql://...`` through boto3: state kept in a
throwaway PostgreSQL cluster (tests/pgcluster.py; skipped with the reason where no PostgreSQL
is installed, required under CI=true), across restarts, and a failing database answered as
AWS would (InternalServerError, nothing acknowledged)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import imagefactory
from helpers import child_env
from serverprocess import CALL_TIMEOUT, ServerProcess, client, start_server  # noqa: F401 - a fixture

REPO = Path(__file__).resolve().parents[1]
HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")


def serve(*args: str, code: str = "") -> subprocess.CompletedProcess[str]:
    """``serve`` expected to exit at once (its arguments or its state refused)."""
    program = f"import sys{code}\nfrom rekognition_mock.cli import main\nsys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", program, "serve", "--port", "0", *args], cwd=REPO, env=child_env(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=CALL_TIMEOUT)


def test_state_url_survives_restarts(start_server: Callable[..., ServerProcess], postgres_url: str) -> None:
    first = start_server("--port", "0", "--quiet", "--state-url", postgres_url)
    assert "state in postgresql://postgres@/" in first.banner
    rek = client("rekognition", first.url)
    arn = rek.create_collection(CollectionId="shared", Tags={"team": "qa"})["CollectionArn"]
    ids = {}
    for name, photo in (("hopper", HOPPER), ("astronaut", ASTRONAUT)):
        record = rek.index_faces(CollectionId="shared", Image={"Bytes": photo}, ExternalImageId=name)["FaceRecords"][0]
        ids[record["Face"]["FaceId"]] = name
    hopper = next(fid for fid, name in ids.items() if name == "hopper")
    rek.create_user(CollectionId="shared", UserId="grace")
    rek.associate_faces(CollectionId="shared", UserId="grace", FaceIds=[hopper])
    before = rek.search_faces(CollectionId="shared", FaceId=hopper, FaceMatchThreshold=1)["FaceMatches"]
    assert first.terminate() == 0, first.output()

    second = start_server("--port", "0", "--quiet", "--state-url", postgres_url)
    rek = client("rekognition", second.url)
    assert rek.list_collections()["CollectionIds"] == ["shared"]
    assert {f["FaceId"]: f["ExternalImageId"] for f in rek.list_faces(CollectionId="shared")["Faces"]} == ids
    assert rek.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "qa"}
    assert [u["UserId"] for u in rek.list_users(CollectionId="shared")["Users"]] == ["grace"]
    after = rek.search_faces(CollectionId="shared", FaceId=hopper, FaceMatchThreshold=1)["FaceMatches"]
    assert [(m["Face"]["FaceId"], m["Similarity"]) for m in after] == [
        (m["Face"]["FaceId"], m["Similarity"]) for m in before]
    rek.delete_collection(CollectionId="shared")
    assert second.terminate() == 0, second.output()

    third = start_server("--port", "0", "--quiet", "--state-url", postgres_url)
    assert client("rekognition", third.url).list_collections()["CollectionIds"] == []


def test_a_write_the_database_refuses_is_not_acknowledged(start_server: Callable[..., ServerProcess],
                                                           postgres_url: str) -> None:
    import psycopg

    server = start_server("--port", "0", "--quiet", "--state-url", postgres_url)
    rek = client("rekognition", server.url)
    rek.create_collection(CollectionId="c")
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("ALTER TABLE faces RENAME TO faces_away")
        try:
            with pytest.raises(rek.exceptions.InternalServerError):
                rek.index_faces(CollectionId="c", Image={"Bytes": HOPPER})
            assert rek.list_faces(CollectionId="c")["Faces"] == []  # nothing changed in memory either
        finally:
            db.execute("ALTER TABLE faces_away RENAME TO faces")
    assert len(rek.index_faces(CollectionId="c", Image={"Bytes": HOPPER})["FaceRecords"]) == 1  # recovered
    assert "Traceback" not in server.output()
    assert server.count("the database refused the write") == 1


def test_an_unreachable_database_is_one_line_naming_the_url(pg_cluster: Any) -> None:
    result = serve("--state-url", f"postgresql://someone:secret@/nowhere?host={pg_cluster.root}&port=1")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "someone:***@/nowhere" in lines[0] and "secret" not in result.stderr, result.stderr


def test_state_url_without_psycopg_names_the_extra() -> None:
    result = serve("--state-url", "postgresql://postgres@/db", code="\nsys.modules['psycopg'] = None")
    assert result.returncode != 0
    assert "pip install 'rekognition-mock[postgres]'" in result.stderr and "Traceback" not in result.stderr


def test_state_dir_and_state_url_are_exclusive(tmp_path: Path) -> None:
    result = serve("--state-dir", str(tmp_path), "--state-url", "postgresql://postgres@/db")
    assert result.returncode == 2 and "not allowed with argument" in result.stderr


def test_two_servers_on_one_database_answer_as_one(start_server: Callable[..., ServerProcess],
                                                   postgres_url: str) -> None:
    """A face indexed through one server is found through the other at once; a deletion too."""
    one = client("rekognition", start_server("--port", "0", "--quiet", "--state-url", postgres_url).url)
    two = client("rekognition", start_server("--port", "0", "--quiet", "--state-url", postgres_url).url)
    one.create_collection(CollectionId="fleet")
    assert two.list_collections()["CollectionIds"] == ["fleet"]
    hopper = one.index_faces(CollectionId="fleet", Image={"Bytes": HOPPER})["FaceRecords"][0]["Face"]["FaceId"]
    found = two.search_faces_by_image(CollectionId="fleet", Image={"Bytes": HOPPER})["FaceMatches"]
    assert [m["Face"]["FaceId"] for m in found] == [hopper]
    astronaut = two.index_faces(CollectionId="fleet", Image={"Bytes": ASTRONAUT})["FaceRecords"][0]["Face"]["FaceId"]
    assert {f["FaceId"] for f in one.list_faces(CollectionId="fleet")["Faces"]} == {hopper, astronaut}
    one.create_user(CollectionId="fleet", UserId="grace")
    two.associate_faces(CollectionId="fleet", UserId="grace", FaceIds=[hopper])
    assert one.list_users(CollectionId="fleet")["Users"] == [{"UserId": "grace", "UserStatus": "ACTIVE"}]
    matches = one.search_users(CollectionId="fleet", FaceId=astronaut, UserMatchThreshold=0)["UserMatches"]
    assert [m["User"]["UserId"] for m in matches] == ["grace"]
    two.disassociate_faces(CollectionId="fleet", UserId="grace", FaceIds=[hopper])
    one.delete_faces(CollectionId="fleet", FaceIds=[astronaut])
    assert [f["FaceId"] for f in two.list_faces(CollectionId="fleet")["Faces"]] == [hopper]
    assert two.search_faces(CollectionId="fleet", FaceId=hopper, FaceMatchThreshold=0)["FaceMatches"] == []
    two.delete_collection(CollectionId="fleet")
    with pytest.raises(one.exceptions.ResourceNotFoundException):
        one.describe_collection(CollectionId="fleet")
    one.create_collection(CollectionId="fleet")  # the same id again: empty on both
    assert two.list_faces(CollectionId="fleet")["Faces"] == []


def test_concurrent_writes_on_two_servers_leave_no_ghosts(start_server: Callable[..., ServerProcess],
                                                           postgres_url: str) -> None:
    """IndexFaces through one server while the other deletes and creates the collection again:
    afterwards both servers and the database hold the same faces, and every face an answered
    IndexFaces returned after the last CreateCollection is among them."""
    import threading

    import psycopg

    one = client("rekognition", start_server("--port", "0", "--quiet", "--state-url", postgres_url).url)
    two = client("rekognition", start_server("--port", "0", "--quiet", "--state-url", postgres_url).url)
    one.create_collection(CollectionId="race")
    one.index_faces(CollectionId="race", Image={"Bytes": HOPPER})  # analysed once: later calls are quick
    acknowledged: list[tuple[int, str]] = []
    created = [0]
    stop = threading.Event()
    errors: list[BaseException] = []

    def indexer() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                before = created[0]
                records = one.index_faces(CollectionId="race", Image={"Bytes": HOPPER},
                                          ExternalImageId=f"n{n}")["FaceRecords"]
                acknowledged.extend((before, r["Face"]["FaceId"]) for r in records)
            except one.exceptions.ResourceNotFoundException:
                pass
            except Exception as exc:  # noqa: BLE001 - InternalServerError: refused, not acknowledged
                if "InternalServerError" not in str(exc):
                    errors.append(exc)

    thread = threading.Thread(target=indexer)
    thread.start()
    try:
        for _ in range(8):
            two.delete_collection(CollectionId="race")
            created[0] += 1
            two.create_collection(CollectionId="race")
    finally:
        stop.set()
        thread.join()
    assert not errors
    with psycopg.connect(postgres_url) as db:
        stored = {row[0] for row in db.execute("SELECT face_id FROM faces WHERE collection_id = 'race'")}
    for rek in (one, two):
        assert {f["FaceId"] for f in rek.list_faces(CollectionId="race", MaxResults=4096)["Faces"]} == stored
    last = created[0]
    assert acknowledged  # the race was run: IndexFaces answered between the deletions
    assert {fid for generation, fid in acknowledged if generation == last} <= stored


def test_killing_a_server_mid_write_loses_no_acknowledged_face(start_server: Callable[..., ServerProcess],
                                                                postgres_url: str) -> None:
    """SIGKILL one server in the middle of a stream of IndexFaces: the other still lists every
    face the killed one acknowledged, and nothing else."""
    import threading

    victim = start_server("--port", "0", "--quiet", "--state-url", postgres_url)
    survivor = client("rekognition", start_server("--port", "0", "--quiet", "--state-url", postgres_url).url)
    rek = client("rekognition", victim.url)
    rek.create_collection(CollectionId="kill")
    acknowledged: list[str] = []

    def indexer() -> None:
        try:
            for n in range(10_000):
                records = rek.index_faces(CollectionId="kill", Image={"Bytes": HOPPER}, ExternalImageId=f"n{n}")
                acknowledged.extend(r["Face"]["FaceId"] for r in records["FaceRecords"])
        except Exception:  # noqa: BLE001 - the server was killed
            pass

    thread = threading.Thread(target=indexer)
    thread.start()
    assert victim.wait_until(lambda: len(acknowledged) >= 5, timeout=120)
    victim.kill()
    thread.join()
    listed = {f["FaceId"] for f in survivor.list_faces(CollectionId="kill", MaxResults=4096)["Faces"]}
    assert acknowledged and set(acknowledged) <= listed
    assert len(listed) <= len(acknowledged) + 1  # at most the one committed as the server died


def test_faces_indexed_on_two_servers_at_once_page_completely(start_server: Callable[..., ServerProcess],
                                                              postgres_url: str) -> None:
    """IndexFaces into one collection through both servers at once: ListFaces, page by page,
    gives every face once, through either server."""
    from concurrent.futures import ThreadPoolExecutor

    one = client("rekognition", start_server("--port", "0", "--quiet", "--state-url", postgres_url).url)
    two = client("rekognition", start_server("--port", "0", "--quiet", "--state-url", postgres_url).url)
    one.create_collection(CollectionId="both")

    def index(rek: Any, photo: bytes) -> list[str]:
        return [r["Face"]["FaceId"] for _ in range(12)
                for r in rek.index_faces(CollectionId="both", Image={"Bytes": photo})["FaceRecords"]]

    with ThreadPoolExecutor(2) as pool:
        done = [pool.submit(index, one, HOPPER), pool.submit(index, two, ASTRONAUT)]
        indexed = [fid for future in done for fid in future.result()]
    for rek in (one, two):
        pages = rek.get_paginator("list_faces").paginate(CollectionId="both", PaginationConfig={"PageSize": 5})
        listed = [face["FaceId"] for page in pages for face in page["Faces"]]
        assert sorted(listed) == sorted(indexed)
