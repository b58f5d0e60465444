"""_server/guard.py (with body.py and callers.py): what the server refuses before moto's
app sees a request (issue 25).

In-process on the WSGI middleware itself (a stand-in app records what reaches it), then
over HTTP against ``rekognition-mock serve`` with ``--moto-api``, as a web page in a
browser would reach it: ``Sec-Fetch-Site`` without ``Origin`` (``<img src>``), a foreign
``Host`` (a DNS name rebound to the machine), malformed chunked framing.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import DechunkedInput

from rekognition_mock._server.callers import Hosts
from rekognition_mock._server.guard import Guard
from serverprocess import CALL_TIMEOUT, ServerProcess, client, raw_exchange, raw_post, status_and_json

# -- in-process ----------------------------------------------------------------------------


class Recorder:
    """The app behind the guard: records each request that reaches it, with its body."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bytes]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.seen.append((environ["PATH_INFO"], environ["wsgi.input"].read()))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b"{}"]


def call(guard: Guard, method: str = "GET", path: str = "/", body: bytes = b"", **headers: str) -> tuple[int, dict[str, Any]]:
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_HOST": "127.0.0.1:5000",
                               "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)) if body else ""}
    for name, value in headers.items():
        environ[name if name.isupper() or name.startswith("wsgi.") else "HTTP_" + name.upper()] = value
    answer: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]], *_: Any) -> None:
        answer["status"] = int(status.split()[0])

    text = b"".join(guard(environ, start_response))
    return answer["status"], json.loads(text) if text else {}


@pytest.fixture
def app() -> Recorder:
    return Recorder()


@pytest.fixture
def guard(app: Recorder) -> Guard:
    return Guard(app, ["http://localhost:3000"], moto_api=True, hosts=Hosts("127.0.0.1", ["mock"]))


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/moto-api/recorder/start-recording"), ("GET", "/moto-api/recorder/replay-recording"),
     ("POST", "/moto-api/reset"), ("POST", "/"), ("PUT", "/bucket/key"), ("DELETE", "/bucket"),
     ("GET", "/_rekognition_mock/controls"), ("POST", "/_rekognition_mock/reset")],
)
def test_another_site_cannot_change_anything_without_an_origin(guard: Guard, app: Recorder, site: str, method: str,
                                                               path: str) -> None:
    status, error = call(guard, method, path, HTTP_SEC_FETCH_SITE=site, HTTP_SEC_FETCH_MODE="no-cors")
    assert status == 403 and error["__type"] == "AccessDeniedException" and "Sec-Fetch-Site" in error["message"]
    assert app.seen == []


def test_what_another_site_may_still_do(guard: Guard, app: Recorder) -> None:
    """Reads elsewhere than the server's own routes (an S3 object in an ``<img>``), the
    browser's own navigation and same-origin requests (moto's dashboard), and an allowed
    origin's page on another port of the same site."""
    assert call(guard, "GET", "/bucket/photo.jpg", HTTP_SEC_FETCH_SITE="cross-site")[0] == 200
    assert call(guard, "GET", "/moto-api/data.json", HTTP_SEC_FETCH_SITE="same-origin")[0] == 200
    assert call(guard, "POST", "/", b"{}", HTTP_SEC_FETCH_SITE="none")[0] == 200
    assert call(guard, "POST", "/", b"{}", HTTP_SEC_FETCH_SITE="same-site", HTTP_ORIGIN="http://localhost:3000")[0] == 200
    assert len(app.seen) == 4


@pytest.mark.parametrize("path", ["/_rekognition_mock/controls", "/moto-api/data.json"])
def test_the_server_s_own_routes_answer_only_to_its_own_host(guard: Guard, app: Recorder, path: str) -> None:
    for host in ("evil.example", "evil.example:5000", "127.0.0.1.evil.example", "x" * 100_000):
        status, error = call(guard, "GET", path, HTTP_HOST=host)
        assert status == 403 and error["__type"] == "AccessDeniedException"
        assert len(error["message"]) < 600
    for host in ("127.0.0.1:5000", "localhost", "[::1]:5000", "10.1.2.3", "app.localhost:5000", "mock:5000"):
        assert call(guard, "GET", path, HTTP_HOST=host)[0] == 200, host
    assert call(guard, "GET", "/bucket/key", HTTP_HOST="bucket.s3.amazonaws.com")[0] == 200  # moto's own hosts


def test_a_body_is_read_whole_before_the_app_sees_it(guard: Guard, app: Recorder) -> None:
    framed = DechunkedInput(io.BytesIO(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"))
    assert call(guard, "PUT", "/bucket/key", **{"wsgi.input": framed, "wsgi.input_terminated": True})[0] == 200
    assert app.seen == [("/bucket/key", b"hello world")]


@pytest.mark.parametrize(
    "framing",
    [b"zz\r\nhello\r\n0\r\n\r\n", b"5\r\nhello!!0\r\n\r\n", b"-5\r\nhello\r\n0\r\n\r\n"],
    ids=["bad-size", "no-terminator", "negative"],
)
def test_malformed_chunked_framing_is_a_json_400(guard: Guard, app: Recorder, framing: bytes) -> None:
    for headers in ({"HTTP_X_AMZ_TARGET": "RekognitionService.ListCollections"}, {}):
        environ = {"wsgi.input": DechunkedInput(io.BytesIO(framing)), "wsgi.input_terminated": True}
        status, error = call(guard, "POST", "/", **environ, **headers)
        assert status == 400 and error["__type"] == "BadRequestException" and "chunked" in error["message"]
    assert app.seen == []


def test_bodies_are_bounded_before_they_are_read(guard: Guard, app: Recorder) -> None:
    """A declared length over the bound is refused unread: 16 MB for Rekognition, 5 GB (S3's
    largest single upload) for moto's other services, and a control's own bound."""
    status, error = call(guard, "POST", "/", CONTENT_LENGTH=str(17 * 2**20),
                         HTTP_X_AMZ_TARGET="RekognitionService.DetectFaces")
    assert status == 400 and error["__type"] == "ImageTooLargeException"
    status, error = call(guard, "PUT", "/bucket/huge", CONTENT_LENGTH=str(6 * 2**30))
    assert status == 400 and error["__type"] == "EntityTooLarge" and "5368709120" in error["message"]
    status, error = call(guard, "POST", "/_rekognition_mock/labels", CONTENT_LENGTH=str(2**30))
    assert status == 400 and "at most" in error["error"]
    assert app.seen == []


@pytest.mark.parametrize("length", ["-1", "ten", "1e3", "9" * 40])
def test_a_content_length_that_is_not_a_number_is_a_json_400(guard: Guard, app: Recorder, length: str) -> None:
    status, error = call(guard, "POST", "/", CONTENT_LENGTH=length)
    assert status == 400 and error["__type"] == "BadRequestException" and "Content-Length" in error["message"]
    assert app.seen == []


# -- over HTTP -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("recorder") / "moto_recording"


@pytest.fixture(scope="module")
def server(recording: Path) -> Iterator[ServerProcess]:
    """``serve --moto-api --allow-host mock``; moto's recorder writes to ``recording``."""
    proc = ServerProcess("--port", "0", "--moto-api", "--allow-host", "mock",
                         env={"MOTO_RECORDER_FILEPATH": str(recording)})
    yield proc
    proc.close()


IMAGE_REQUEST = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "image"}


def test_an_img_tag_on_another_site_cannot_drive_moto_s_recorder(server: ServerProcess, recording: Path) -> None:
    """``<img src=".../moto-api/recorder/start-recording">`` on any web page: refused, and
    nothing is recorded (a file appeared in the server's directory before)."""
    for action in ("start-recording", "replay-recording", "stop-recording"):
        answer = requests.get(f"{server.url}/moto-api/recorder/{action}", headers=IMAGE_REQUEST, timeout=CALL_TIMEOUT)
        assert answer.status_code == 403 and answer.json()["__type"] == "AccessDeniedException"
    s3 = client("s3", server.url)
    s3.create_bucket(Bucket="recorded-or-not")
    assert not recording.exists()
    same_site = requests.get(f"{server.url}/moto-api/recorder/start-recording",
                             headers={**IMAGE_REQUEST, "Sec-Fetch-Site": "same-site"}, timeout=CALL_TIMEOUT)
    assert same_site.status_code == 403
    s3.put_object(Bucket="recorded-or-not", Key="photo.jpg", Body=b"not a photo")
    shown = s3.generate_presigned_url("get_object", Params={"Bucket": "recorded-or-not", "Key": "photo.jpg"})
    read = requests.get(shown, headers=IMAGE_REQUEST, timeout=CALL_TIMEOUT)  # a read elsewhere still answers
    assert read.status_code == 200 and read.content == b"not a photo"
    assert not recording.exists()


def test_a_form_on_another_site_cannot_delete_a_collection(server: ServerProcess) -> None:
    rekognition = client("rekognition", server.url)
    rekognition.create_collection(CollectionId="kept-from-forms")
    status, _, body = raw_post(server.url, "RekognitionService.DeleteCollection", b'{"CollectionId": "kept-from-forms"}',
                               Sec_Fetch_Site="cross-site", Sec_Fetch_Mode="navigate")
    assert status == 403 and json.loads(body)["__type"] == "AccessDeniedException"
    assert "kept-from-forms" in rekognition.list_collections()["CollectionIds"]


def test_the_controls_answer_only_to_the_server_s_own_host(server: ServerProcess) -> None:
    """A DNS name rebound to 127.0.0.1 could read scripted answers from the controls."""
    port = server.url.rsplit(":", 1)[1]
    for host in (f"evil.example:{port}", "rebound.example"):
        answer = requests.get(server.url + "/_rekognition_mock/controls", headers={"Host": host}, timeout=CALL_TIMEOUT)
        assert answer.status_code == 403 and answer.json()["__type"] == "AccessDeniedException"
        reset = requests.post(server.url + "/_rekognition_mock/reset", json={}, headers={"Host": host}, timeout=CALL_TIMEOUT)
        assert reset.status_code == 403
        assert requests.get(server.url + "/moto-api/data.json", headers={"Host": host}, timeout=CALL_TIMEOUT).status_code == 403
    for host in (f"localhost:{port}", f"mock:{port}"):
        answer = requests.get(server.url + "/_rekognition_mock/controls", headers={"Host": host}, timeout=CALL_TIMEOUT)
        assert answer.status_code == 200 and "labels" in answer.json()


@pytest.mark.parametrize("target", ["RekognitionService.ListCollections", ""])
def test_malformed_chunked_framing_over_http(server: ServerProcess, target: str) -> None:
    head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
    if target:
        head += b"Content-Type: application/x-amz-json-1.1\r\nX-Amz-Target: " + target.encode() + b"\r\n"
    answer = raw_exchange(server.url, head + b"\r\nzz; not a size\r\n{}\r\n0\r\n\r\n")
    status, error = status_and_json(answer)
    assert status == 400 and error["__type"] == "BadRequestException" and "Invalid chunk header" in error["message"]
    assert b"<html" not in answer.lower()
    assert "Traceback" not in server.output()


def test_a_1_mb_value_is_not_echoed_whole(server: ServerProcess) -> None:
    """AWS cuts the values its messages name; a 1 MB CollectionId made a 2 MB answer."""
    status, _, body = raw_post(server.url, "RekognitionService.DescribeCollection",
                               json.dumps({"CollectionId": "c" * 1_000_000}).encode())
    error = json.loads(body)
    assert status == 400 and error["__type"] == "ValidationException" and len(body) < 2000
    assert f"Value '{'c' * 256}...' at 'collectionId'" in error["message"]
    status, _, body = raw_post(server.url, "RekognitionService." + "X" * 60_000)
    assert status == 400 and len(body) < 1000 and json.loads(body)["__type"] == "UnknownOperationException"
    assert "Traceback" not in server.output()
