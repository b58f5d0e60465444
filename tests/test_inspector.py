"""The inspector page of ``rekognition-mock serve`` (``/_rekognition_mock/``).

Its JSON API and its same-origin rules over HTTP, against an in-process
``RekognitionMockServer`` (the backends are process-wide, so each server is reset when its
test ends); then the page itself in headless Chromium driven by Playwright: a request
appears without a reload, opens, and shows as many face boxes as the response had, and a
page from another origin cannot read the API. The browser tests skip, saying why, where
Playwright or a Chromium cannot run (and fail there instead with REKOGNITION_MOCK_REQUIRE_BROWSER=1,
as CI sets it: .ci/run installs Debian's chromium).
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn

import boto3
import pytest
import requests
from botocore.config import Config
from PIL import Image

import imagefactory
from helpers import child_env
from rekognition_mock.inspector.app import InspectorRing
from rekognition_mock.inspector.crops import CropStore
from rekognition_mock.store.statedir import StateError
from rekognition_mock.server import RekognitionMockServer
from rekognition_mock.service import recorder

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")
PAGE = "/_rekognition_mock/"
API = "/_rekognition_mock/inspector/api/"
TIMEOUT = 120


def client(service: str, url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}, read_timeout=TIMEOUT),
    )


class Running:
    """An in-process server with its clients; reset and stopped when done."""

    def __init__(self, **options: Any) -> None:
        self.server = RekognitionMockServer(**{"port": 0, **options}).start()
        self.url = self.server.url
        self.rekognition = client("rekognition", self.url)
        self.s3 = client("s3", self.url)

    def get(self, path: str, **headers: str) -> requests.Response:
        return requests.get(self.url + path, headers=headers, timeout=TIMEOUT)

    def post(self, path: str, **headers: str) -> requests.Response:
        return requests.post(self.url + path, headers=headers, timeout=TIMEOUT)

    def api(self, path: str) -> Any:
        response = self.get(API + path)
        assert response.status_code == 200, response.text
        return response.json()

    def crops_made(self) -> None:
        self.server._inspector.crops.wait()

    def close(self) -> None:
        try:
            self.server.reset()
        finally:
            self.server.stop()


@pytest.fixture
def running() -> Iterator[Running]:
    server = Running()
    yield server
    server.close()


# -- the page and its API over HTTP -------------------------------------------------------


def test_the_page_and_its_assets_are_served_by_the_server(running: Running) -> None:
    page = running.get(PAGE)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert not any(h.lower().startswith("access-control-") for h in page.headers)
    for asset in ("inspector/static/inspector.js", "inspector/static/inspector.css", "inspector/static/icon.svg"):
        assert f'"{asset}"' in page.text
        response = running.get(PAGE + asset)
        assert response.status_code == 200 and response.content, asset
    for reference in ("http://", "https://", "//cdn"):  # nothing from elsewhere
        assert reference not in page.text
    assert "http" not in running.get(PAGE + "inspector/static/inspector.js").text.replace("http_", "")
    moved = requests.get(running.url + "/_rekognition_mock", allow_redirects=False, timeout=TIMEOUT)
    assert (moved.status_code, moved.headers["Location"]) == (308, PAGE)


def test_a_detect_faces_call_is_listed_with_its_image_and_faces(running: Running) -> None:
    faces = running.rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=["ALL"])["FaceDetails"]
    with pytest.raises(running.rekognition.exceptions.ResourceNotFoundException):
        running.rekognition.describe_collection(CollectionId="nobody")
    listed = running.api("requests")["requests"]
    assert [r["operation"] for r in listed] == ["DescribeCollection", "DetectFaces"]  # newest first
    failed, detect = listed
    assert (failed["status"], failed["error_code"]) == (400, "ResourceNotFoundException")
    assert failed["error_message"] == "The collection id: nobody does not exist"
    assert detect["status"] == 200 and detect["error_code"] is None
    (image,) = detect["images"]
    assert (image["role"], image["source"], image["bytes"]) == ("Image", "bytes", len(HOPPER))
    assert [m["box"] for m in image["marks"]] == [f["BoundingBox"] for f in faces]
    assert [m["landmarks"] for m in image["marks"]] == [f["Landmarks"] for f in faces]
    assert running.api(f"requests?after={detect['seq']}")["requests"] == [failed]

    detail = running.api(f"requests/{detect['seq']}")
    assert detail["request"] == {"Image": {"Bytes": f"({len(HOPPER)} bytes)"}, "Attributes": ["ALL"]}
    assert detail["response"]["FaceDetails"] == faces
    base = f"{API}requests/{detect['seq']}/images/0"
    assert running.get(base).content == HOPPER
    with Image.open(io.BytesIO(running.get(base + "/thumb").content)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 240
    with Image.open(io.BytesIO(running.get(base + "/annotated.png").content)) as drawn:
        assert drawn.format == "PNG" and drawn.size == (512, 600)
    assert running.get(f"{API}requests/999999").status_code == 404


@pytest.mark.parametrize("body", [b"not an image at all", HOPPER[:400]], ids=["text", "truncated_jpeg"])
def test_a_body_that_is_no_image_gets_no_thumbnail_and_no_500(running: Running, body: bytes) -> None:
    """The service refuses the call; the inspector lists it without a thumbnail and answers
    its image links with a 404 and a reason, never a 500 and a traceback."""
    with pytest.raises(running.rekognition.exceptions.ClientError):
        running.rekognition.detect_faces(Image={"Bytes": body})
    [call] = running.api("requests")["requests"]
    [image] = call["images"]
    base = f"{API}requests/{call['seq']}/images/0"
    assert running.get(base).content == body  # the bytes as they came
    for variant in ("thumb", "annotated.png"):
        answer = running.get(f"{base}/{variant}")
        assert answer.status_code == 404 and "error" in answer.json()
    if body.startswith(b"\xff\xd8"):  # begins as a JPEG: listed, but cannot be drawn
        assert image["available"] is True
    else:
        assert image["available"] is False and image["problem"] == "not a JPEG or PNG image"


def test_searches_list_the_faces_they_matched(running: Running) -> None:
    running.rekognition.create_collection(CollectionId="staff")
    indexed = running.rekognition.index_faces(CollectionId="staff", Image={"Bytes": HOPPER}, ExternalImageId="grace")
    running.s3.create_bucket(Bucket="photos")
    running.s3.put_object(Bucket="photos", Key="visitor.jpg", Body=HOPPER)
    running.rekognition.search_faces_by_image(CollectionId="staff", Image={"S3Object": {"Bucket": "photos", "Name": "visitor.jpg"}})
    running.s3.delete_object(Bucket="photos", Key="visitor.jpg")
    search = running.api("requests")["requests"][0]
    assert search["operation"] == "SearchFacesByImage" and search["collection_id"] == "staff"
    assert search["images"][0]["source"] == "s3://photos/visitor.jpg"
    assert running.get(f"{API}requests/{search['seq']}/images/0").content == HOPPER  # kept after the delete
    (match,) = search["matches"]
    assert match["face_id"] == indexed["FaceRecords"][0]["Face"]["FaceId"]
    assert match["external_image_id"] == "grace" and match["similarity"] == 100.0


def test_user_searches_list_the_users_they_matched(running: Running) -> None:
    running.rekognition.create_collection(CollectionId="staff")
    face_id = running.rekognition.index_faces(CollectionId="staff", Image={"Bytes": HOPPER})["FaceRecords"][0]["Face"]["FaceId"]
    running.rekognition.create_user(CollectionId="staff", UserId="grace")
    running.rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=[face_id])
    found = running.rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": imagefactory.two_person_composite()})
    search = running.api("requests")["requests"][0]
    assert search["operation"] == "SearchUsersByImage"
    assert [(m["user_id"], m["similarity"]) for m in search["matches"]] == [
        (m["User"]["UserId"], m["Similarity"]) for m in found["UserMatches"]
    ]
    assert search["matches"][0]["user_id"] == "grace"
    kinds = [m["kind"] for m in search["images"][0]["marks"]]
    assert kinds == ["searched"] + ["unsearched"] * len(found["UnsearchedFaces"]) and len(kinds) == 2
    listed = running.api("collections/123456789012/us-east-1/staff/faces")["faces"]
    assert [f["user_id"] for f in listed] == ["grace"]
    assert running.api("collections")["collections"][0]["user_count"] == 1


def test_detect_labels_instances_are_drawn(running: Running) -> None:
    labels = running.rekognition.detect_labels(Image={"Bytes": imagefactory.two_person_composite()})["Labels"]
    instances = [(label["Name"], i["BoundingBox"]) for label in labels for i in label.get("Instances", []) if i.get("BoundingBox")]
    assert len(instances) == 2  # a Person box per face
    (image,) = running.api("requests")["requests"][0]["images"]
    assert [(m["kind"], m["label"], m["box"]) for m in image["marks"]] == [("instance", n, b) for n, b in instances]


def test_collections_show_their_faces_with_crops(running: Running) -> None:
    running.rekognition.create_collection(CollectionId="staff", Tags={"team": "qa"})
    for image, name in ((HOPPER, "grace"), (ASTRONAUT, "eileen")):
        running.rekognition.index_faces(CollectionId="staff", Image={"Bytes": image}, ExternalImageId=name)
    running.crops_made()
    (staff,) = running.api("collections")["collections"]
    assert (staff["account"], staff["region"], staff["id"]) == ("123456789012", "us-east-1", "staff")
    assert staff["face_count"] == 2 and staff["tags"] == {"team": "qa"}
    listed = running.api("collections/123456789012/us-east-1/staff/faces")
    stored = running.rekognition.list_faces(CollectionId="staff")["Faces"]
    assert [(f["face_id"], f["external_image_id"], f["image_id"]) for f in listed["faces"]] == [
        (f["FaceId"], f["ExternalImageId"], f["ImageId"]) for f in stored
    ]
    assert [f["box"] for f in listed["faces"]] == [f["BoundingBox"] for f in stored]
    for face in listed["faces"]:
        assert face["crop"] is True
        jpeg = running.get(f"{API}crops/123456789012/us-east-1/staff/{face['face_id']}.jpg")
        with Image.open(io.BytesIO(jpeg.content)) as crop:
            assert crop.format == "JPEG" and max(crop.size) <= 96
    assert running.get(f"{API}collections/123456789012/us-east-1/nobody/faces").status_code == 404

    running.rekognition.delete_collection(CollectionId="staff")
    assert running.api("collections")["collections"] == []
    assert running.get(f"{API}crops/123456789012/us-east-1/staff/{listed['faces'][0]['face_id']}.jpg").status_code == 404


def test_face_crops_can_be_turned_off() -> None:
    running = Running(face_crops=False)
    try:
        running.rekognition.create_collection(CollectionId="staff")
        face_id = running.rekognition.index_faces(CollectionId="staff", Image={"Bytes": HOPPER})["FaceRecords"][0]["Face"]["FaceId"]
        assert running.api("status")["face_crops"] is False
        assert running.api("collections/123456789012/us-east-1/staff/faces")["faces"][0]["crop"] is False
        assert running.get(f"{API}crops/123456789012/us-east-1/staff/{face_id}.jpg").status_code == 404
    finally:
        running.close()


def test_collections_and_crops_survive_a_restart_with_a_state_dir(tmp_path: Path) -> None:
    first = Running(state_dir=tmp_path)
    try:
        first.rekognition.create_collection(CollectionId="staff")
        face_id = first.rekognition.index_faces(CollectionId="staff", Image={"Bytes": HOPPER})["FaceRecords"][0]["Face"]["FaceId"]
        first.crops_made()
    finally:
        first.server.stop()
    second = Running(state_dir=tmp_path)
    try:
        assert second.api("status")["state_dir"] == str(tmp_path)
        (face,) = second.api("collections/123456789012/us-east-1/staff/faces")["faces"]
        assert face["face_id"] == face_id and face["crop"] is True
        assert second.get(f"{API}crops/123456789012/us-east-1/staff/{face_id}.jpg").content[:3] == b"\xff\xd8\xff"
    finally:
        second.close()


def filled_crops(state: Path) -> Path:
    """A crop file of 60 faces (a few hundred KB, many pages), closed again."""
    store = CropStore(state)
    jpeg = bytes(range(256)) * 24
    with store._lock:
        store._stored(lambda db: db.executemany("INSERT INTO crops VALUES (?, ?, ?, ?, ?)",
                                                [("123456789012", "us-east-1", "staff", f"face-{i}", jpeg) for i in range(60)]))
    store.close()
    path = state / "inspector-crops.sqlite3"
    assert path.stat().st_size > 100_000
    return path


def damaged_header(path: Path) -> None:
    with open(path, "r+b") as f:
        f.write(b"not SQLite at all")


def truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])


def damaged_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[8192:] = b"\xa5" * (len(data) - 8192)  # the first pages intact, the rest garbage
    path.write_bytes(bytes(data))


def emptied(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize("damage", [damaged_header, truncated, damaged_pages, emptied],
                         ids=["header", "truncated", "pages", "empty"])
def test_a_damaged_crop_file_is_one_line_and_dropped_only_when_asked(tmp_path: Path, damage: Any) -> None:
    path = filled_crops(tmp_path)
    damage(path)
    with pytest.raises(StateError) as info:
        CropStore(tmp_path)
    message = str(info.value)
    assert str(path) in message and "--reset-face-crops" in message and "\n" not in message
    assert path.exists()  # not dropped unasked
    fresh = CropStore(tmp_path, reset=True)
    try:
        assert not fresh.has(("123456789012", "us-east-1", "staff", "face-1"))
    finally:
        fresh.close()
    CropStore(tmp_path).close()  # whole again


def test_serve_with_a_damaged_crop_file(tmp_path: Path) -> None:
    """``serve`` stops with one line naming the crop file and the flag; with the flag it
    starts, its collections intact, and the crop file new."""
    from rekognition_mock.store.persistence import StateStore

    store = StateStore(tmp_path)
    store.put_collection("123456789012", "us-east-1", "staff", "arn:aws:rekognition:us-east-1:123456789012:collection/staff",
                         1.0, {})
    store.close()
    path = filled_crops(tmp_path)
    damaged_pages(path)
    command = [sys.executable, "-m", "rekognition_mock.cli", "serve", "--port", "0", "--state-dir", str(tmp_path)]
    refused = subprocess.run(command, cwd=Path(__file__).resolve().parents[1], env=child_env(), capture_output=True,
                             text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    [line] = [line for line in refused.stderr.splitlines() if "error:" in line]
    assert str(path) in line and "--reset-face-crops" in line
    from serverprocess import ServerProcess

    server = ServerProcess("--port", "0", "--state-dir", str(tmp_path), "--reset-face-crops")
    try:
        assert client("rekognition", server.url).list_collections()["CollectionIds"] == ["staff"]
        server.wait_until(lambda: server.count("dropped") > 0)
    finally:
        server.close()


def test_a_crop_file_failing_while_the_server_runs_leaves_the_inspector_answering(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    running = Running(state_dir=tmp_path)
    try:
        running.rekognition.create_collection(CollectionId="staff")
        face_id = running.rekognition.index_faces(CollectionId="staff", Image={"Bytes": HOPPER})["FaceRecords"][0]["Face"]["FaceId"]
        running.crops_made()
        crops = running.server._inspector.crops
        crops._memory.clear()  # only the file has the crop now
        crops._db.close()  # every use of the file fails from here on, as a damaged page would
        assert running.api("collections")["collections"][0]["id"] == "staff"
        assert running.api("collections/123456789012/us-east-1/staff/faces")["faces"][0]["crop"] is False
        assert running.get(f"{API}crops/123456789012/us-east-1/staff/{face_id}.jpg").status_code == 404
        assert len(running.rekognition.index_faces(CollectionId="staff", Image={"Bytes": ASTRONAUT})["FaceRecords"]) == 1
        running.crops_made()
        assert running.api("collections/123456789012/us-east-1/staff/faces")["faces"][1]["crop"] is True  # in memory
        failed = [r.message for r in caplog.records if r.name == "rekognition_mock.inspector" and r.levelname == "ERROR"]
        assert len(failed) == 1 and "kept in memory only" in failed[0]
    finally:
        running.close()


def test_the_request_ring_is_bounded_and_clearable() -> None:
    running = Running(inspector_requests=2)
    try:
        for name in ("a", "b", "c"):
            running.rekognition.create_collection(CollectionId=name)
        listing = running.api("requests")
        assert [r["collection_id"] for r in listing["requests"]] == ["c", "b"]
        assert (listing["kept"], listing["max_requests"], listing["dropped"]) == (2, 2, 1)
        assert running.post(API + "requests/clear").json() == {"cleared": True}
        assert running.api("requests")["requests"] == []
    finally:
        running.close()


def test_the_controls_in_force_are_listed_and_cleared(running: Running) -> None:
    import rekognition_mock

    rekognition_mock.set_labels(("photos", "dog.jpg"), ["Dog"])
    rekognition_mock.inject_error("DetectFaces", "ThrottlingException", times=2)
    listing = running.api("controls")
    assert listing["available"] is True
    assert [(c["kind"], c["target"], c["remaining"]) for c in listing["controls"]] == [
        ("labels", "s3://photos/dog.jpg", None),
        ("error", "DetectFaces", 2),
    ]
    assert running.post(API + "controls/clear").json()["cleared"] is True
    assert running.api("controls")["controls"] == []


def test_the_lifecycle_controls_are_listed(running: Running) -> None:
    import rekognition_mock

    arn = "arn:aws:rekognition:us-east-1:123456789012:project/cups/version/v1/1"
    rekognition_mock.set_custom_labels(arn, b"photo bytes", ["cup"])
    rekognition_mock.set_liveness_result("00000000-0000-4000-8000-000000000000", b"photo bytes", confidence=12.5)
    rekognition_mock.manual_clock()
    rekognition_mock.advance_clock(90)
    rows = [(c["kind"], c["target"], c["detail"]) for c in running.api("controls")["controls"]]
    digest = "2a6927613ddc"
    assert rows == [
        ("clock", "", "+90 s, manual"),
        ("custom labels", f"cups/version/v1/1, image sha256 {digest}...", "cup (99)"),
        ("liveness", "00000000-0000-4000-8000-000000000000", f"SUCCEEDED, confidence 12.5, image sha256 {digest}..."),
    ]
    assert running.post(API + "controls/clear").json()["cleared"] is True
    assert running.api("controls")["controls"] == []


def test_without_the_inspector_nothing_is_served_or_recorded() -> None:
    running = Running(inspector=False)
    try:
        assert running.server._inspector is None
        assert not any(isinstance(s, InspectorRing) for s in recorder.sinks())
        assert running.get(PAGE).status_code == 404
        assert running.get(API + "requests").status_code == 404
    finally:
        running.close()


# -- other origins cannot read it ------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Host": "rebound.evil.example"},
        {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty"},
        {"Sec-Fetch-Site": "same-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"},
    ],
    ids=["foreign-origin", "null-origin", "rebound-host", "cross-site-fetch", "same-site-image"],
)
def test_other_origins_are_refused(running: Running, headers: dict[str, str]) -> None:
    for path in (API + "requests", API + "collections", PAGE + "inspector/static/inspector.js"):
        response = running.get(path, **headers)
        assert response.status_code == 403, path
        assert not any(h.lower().startswith("access-control-") for h in response.headers)
    assert running.post(API + "requests/clear", **headers).status_code == 403


def test_its_own_origin_and_a_link_to_the_page_are_accepted(running: Running) -> None:
    own = running.url
    assert running.get(API + "requests", Origin=own, **{"Sec-Fetch-Site": "same-origin"}).status_code == 200
    assert running.post(API + "requests/clear", Origin=own).status_code == 200
    port = running.server.port
    assert running.get(API + "requests", Host=f"localhost:{port}").status_code == 200
    link = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    assert running.get(PAGE, **link).status_code == 200  # the page alone holds no data
    assert running.get(API + "requests", **link).status_code == 403


def test_an_allowed_host_name_reaches_the_inspector() -> None:
    """``--allow-host`` (a container's name): the inspector and the controls answer to it."""
    running = Running(allowed_hosts=["rekognition"])
    try:
        port = running.server.port
        assert running.get(API + "requests", Host=f"rekognition:{port}").status_code == 200
        assert running.get("/_rekognition_mock/controls", Host=f"rekognition:{port}").status_code == 200
        assert running.get(API + "requests", Host=f"other:{port}").status_code == 403
        assert running.get("/_rekognition_mock/controls", Host=f"other:{port}").status_code == 403
    finally:
        running.close()


def test_other_paths_go_on_to_the_server(running: Running) -> None:
    response = running.get("/_rekognition_mock/not-the-inspector")
    assert "Content-Security-Policy" not in response.headers  # answered behind the inspector
    assert running.get(API + "nothing").status_code == 404


# -- in a real browser ---------------------------------------------------------------------


CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-dev-shm-usage",  # containers often give /dev/shm 64 MB, too little for a renderer
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _chromium() -> str | None:
    for name in (os.environ.get("REKOGNITION_MOCK_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _no_browser(reason: str) -> NoReturn:
    """Skip, saying why; fail instead where the browser tests must run (.ci/run under CI=true
    sets REKOGNITION_MOCK_REQUIRE_BROWSER=1)."""
    if os.environ.get("REKOGNITION_MOCK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"REKOGNITION_MOCK_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        _no_browser(f"the browser test needs Playwright (pip install playwright): {exc}")
    executable = _chromium()
    manager = sync_playwright().start()
    try:
        try:
            launched = manager.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Error as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            where = executable or ("no chromium on PATH: install one (Debian/Ubuntu: apt-get install chromium) "
                                   "or name it in REKOGNITION_MOCK_CHROMIUM")
            _no_browser(f"headless Chromium cannot run here ({where}): {first_line}")
        yield launched
        launched.close()
    finally:
        manager.stop()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    yield opened
    context.close()
    assert errors == []


def test_the_page_shows_a_new_request_and_its_face_boxes(running: Running, page: Any) -> None:
    page.goto(running.url + PAGE)
    page.wait_for_selector("#status:has-text('updated')")
    assert page.locator(".request").count() == 0

    two_people = imagefactory.two_person_composite()
    faces = running.rekognition.detect_faces(Image={"Bytes": two_people})["FaceDetails"]
    assert len(faces) == 2
    row = page.locator(".request[data-operation=DetectFaces]")
    row.wait_for(timeout=30_000)  # appears by itself: no reload
    assert row.locator(".thumbs .face-box").count() == len(faces)
    row.click()
    boxes = page.locator(".detail .stage .face-box")
    boxes.first.wait_for()
    assert boxes.count() == len(faces)
    page.locator(".detail .stage img").evaluate("img => img.decode()")
    stage = page.locator(".detail .stage img").bounding_box()
    for box, face in zip(sorted((boxes.nth(i).bounding_box() for i in range(boxes.count())), key=lambda b: b["x"]),
                         sorted(faces, key=lambda f: f["BoundingBox"]["Left"])):
        expected = face["BoundingBox"]
        assert abs(box["x"] - (stage["x"] + expected["Left"] * stage["width"])) < 4
        assert abs(box["width"] - expected["Width"] * stage["width"]) < 6
    assert "%" in boxes.first.inner_text()  # its confidence
    assert page.locator(".detail .landmark").first.is_hidden()
    page.check("#landmarks")
    assert page.locator(".detail .landmark").count() == sum(len(f["Landmarks"]) for f in faces)
    assert page.locator(".detail .landmark").first.is_visible()

    with pytest.raises(running.rekognition.exceptions.ResourceNotFoundException):
        running.rekognition.describe_collection(CollectionId="nobody")
    failed = page.locator(".request[data-operation=DescribeCollection]")
    failed.wait_for(timeout=30_000)
    assert "400" in failed.locator(".status").inner_text()
    assert "ResourceNotFoundException: The collection id: nobody does not exist" in failed.inner_text()
    assert page.locator(".request").count() == 2
    page.click("#clear-requests")
    from playwright.sync_api import expect

    expect(page.locator(".request")).to_have_count(0)
    assert running.api("requests")["kept"] == 0


def test_the_page_lists_collections_with_their_faces(running: Running, page: Any) -> None:
    running.rekognition.create_collection(CollectionId="staff")
    running.rekognition.index_faces(CollectionId="staff", Image={"Bytes": HOPPER}, ExternalImageId="grace")
    running.crops_made()
    page.goto(running.url + PAGE)
    page.click(".tab[data-view=collections]")
    page.click(".collection[data-collection=staff] summary")
    crop = page.locator(".collection img.crop")
    crop.wait_for()
    assert crop.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    assert "grace" in page.locator(".collection table").inner_text()
    running.rekognition.index_faces(CollectionId="staff", Image={"Bytes": ASTRONAUT}, ExternalImageId="eileen")
    page.locator(".collection tr:has-text('eileen')").wait_for(timeout=30_000)  # refreshed by itself


def test_the_page_lists_the_controls_in_force_and_clears_them(running: Running, page: Any) -> None:
    import rekognition_mock
    from playwright.sync_api import expect

    rekognition_mock.inject_error("DetectFaces", "ThrottlingException", times=3)
    rekognition_mock.set_labels(("photos", "dog.jpg"), ["Dog"])
    try:
        page.goto(running.url + PAGE)
        page.click(".tab[data-view=controls]")
        rows = page.locator("#control-list tr:not(:first-child)")
        expect(rows).to_have_count(2)
        assert "ThrottlingException" in rows.filter(has_text="DetectFaces").inner_text()
        assert "s3://photos/dog.jpg" in rows.filter(has_text="Dog").inner_text()
        page.click("#clear-controls")
        expect(rows).to_have_count(0)
        assert running.api("controls")["controls"] == []
        assert len(running.rekognition.detect_faces(Image={"Bytes": HOPPER})["FaceDetails"]) == 1  # no fault left
    finally:
        rekognition_mock.reset_controls()


def test_the_page_lists_the_video_jobs(running: Running, page: Any) -> None:
    import rekognition_mock
    import videofactory
    from playwright.sync_api import expect

    running.s3.create_bucket(Bucket="videos")
    running.s3.put_object(Bucket="videos", Key="hopper.mp4", Body=videofactory.person_from_1s_to_3s())
    rekognition_mock.set_video_job(("videos", "broken.mp4"), status_message="Scripted failure.")
    running.s3.put_object(Bucket="videos", Key="broken.mp4", Body=videofactory.person_from_1s_to_3s())
    for name in ("hopper.mp4", "broken.mp4"):
        running.rekognition.start_face_detection(Video={"S3Object": {"Bucket": "videos", "Name": name}}, JobTag="page")
    try:
        assert rekognition_mock.wait_for_jobs(300)
        page.goto(running.url + PAGE)
        page.click(".tab[data-view=jobs]")
        rows = page.locator("#job-list tr:not(:first-child)")
        expect(rows).to_have_count(2)
        assert "SUCCEEDED" in rows.filter(has_text="s3://videos/hopper.mp4").inner_text()
        assert "FAILED: Scripted failure." in rows.filter(has_text="s3://videos/broken.mp4").inner_text()
        expect(page.locator("#jobs-count")).to_have_text("2")
        strip = rows.filter(has_text="s3://videos/hopper.mp4").locator(".strip img")
        expect(strip).to_have_count(10)  # 20 sampled frames: every other one
        assert strip.nth(3).get_attribute("title") == "1200 ms: 1 face"
        page.wait_for_function("() => [...document.querySelectorAll('.strip img')].every((i) => i.complete && i.naturalWidth > 0)")
    finally:
        rekognition_mock.reset_controls()


class _OtherOrigin(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        body = b"<!doctype html><title>another origin</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_a_page_from_another_origin_cannot_read_it(running: Running, page: Any) -> None:
    running.rekognition.detect_faces(Image={"Bytes": HOPPER})
    other = ThreadingHTTPServer(("127.0.0.1", 0), _OtherOrigin)
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    try:
        page.goto(f"http://127.0.0.1:{other.server_address[1]}/")
        outcome = page.evaluate(
            """async (url) => {
                try {
                    const response = await fetch(url);
                    return "read " + response.status + " " + (await response.text()).slice(0, 40);
                } catch (error) {
                    return "refused: " + error.name;
                }
            }""",
            running.url + API + "requests",
        )
        assert outcome == "refused: TypeError"
        no_cors = page.evaluate(
            """async (url) => {
                try { const r = await fetch(url, {mode: "no-cors"}); return r.type; }
                catch (error) { return "refused: " + error.name; }
            }""",
            running.url + API + "requests",
        )
        assert no_cors == "refused: TypeError"  # not even an opaque answer (Cross-Origin-Resource-Policy)
    finally:
        other.shutdown()
        other.server_close()


def serve(port: int) -> tuple[subprocess.Popen[str], str]:
    """``rekognition-mock serve`` in its own process (so its request numbers start at 1)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "rekognition_mock.cli", "serve", "--port", str(port), "--quiet"],
        cwd=Path(__file__).resolve().parents[1], env=child_env(), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "listening on" in line:
            return proc, line.split("listening on ")[1].split()[0]
    proc.wait()
    raise AssertionError(f"the server did not start (status {proc.returncode})")


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=TIMEOUT)


def test_the_page_starts_over_when_the_server_restarts(page: Any) -> None:
    from playwright.sync_api import expect

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    first, url = serve(port)
    try:
        for name in ("a", "b"):
            client("rekognition", url).create_collection(CollectionId=name)
        page.goto(url + PAGE)
        expect(page.locator(".request")).to_have_count(2)
    finally:
        stop(first)
    second, url = serve(port)
    try:
        client("rekognition", url).create_collection(CollectionId="c")
        expect(page.locator(".request")).to_have_count(1, timeout=30_000)
        expect(page.locator(".request .found")).to_have_text("collection c", timeout=30_000)
    finally:
        stop(second)
