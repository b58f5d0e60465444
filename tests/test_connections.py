"""_server/connections.py: what one connection may hold, and AWS's error shape for what
http.server refuses itself (issue 25).

Over HTTP against ``rekognition-mock serve`` subprocesses; no figure here is a timing
assertion (a connection closed while its client still sends is behaviour, not speed).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from rekognition_mock._server.connections import error_type, printable
from serverprocess import CALL_TIMEOUT, ServerProcess, raw_exchange, status_and_json

HEAD = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
DESCRIBE = HEAD + b"X-Amz-Target: RekognitionService.DescribeCollection\r\n"


@pytest.fixture(scope="module")
def quick() -> Iterator[ServerProcess]:
    """A server with a 1 s read timeout and room for two connections."""
    server = ServerProcess("--port", "0", "--read-timeout", "1", "--max-connections", "2")
    yield server
    server.close()


def test_error_types_follow_the_status() -> None:
    assert error_type(400) == "BadRequestException"
    assert error_type(408) == "RequestTimeoutException"
    assert error_type(414) == "RequestURITooLongException"
    assert error_type(431) == "RequestHeaderFieldsTooLargeException"
    assert printable("a\x1bb" * 100, 3) == "a\\x1bb... (300 characters)"


def test_a_100_kb_header_is_a_json_431(quick: ServerProcess) -> None:
    answer = raw_exchange(quick.url, HEAD + b"X-Amz-Target: RekognitionService." + b"A" * 100_000 + b"\r\n\r\n")
    status, error = status_and_json(answer)
    assert status == 431 and error["__type"] == "RequestHeaderFieldsTooLargeException"
    assert b"Content-Type: application/x-amz-json-1.1" in answer and b"<html" not in answer.lower()


@pytest.mark.parametrize(
    ("request_line", "status"),
    [(b"GET / HTTP/x.y\r\n\r\n", 400), (b"\x1b[2J forged\r\n\r\n", 400), (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414)],
    ids=["version", "garbage", "long-url"],
)
def test_requests_http_server_refuses_are_json(quick: ServerProcess, request_line: bytes, status: int) -> None:
    answer = raw_exchange(quick.url, request_line)
    found, error = status_and_json(answer)
    assert found == status and error["__type"] == error_type(status) and len(error["message"]) <= 1100
    assert "Traceback" not in quick.output()


def test_a_body_shorter_than_its_content_length_is_a_408(quick: ServerProcess) -> None:
    """The client announces 1000 bytes and sends 10: answered once the read timeout passes,
    for Rekognition and for moto's other services alike, instead of waiting forever."""
    for head in (DESCRIBE, b"PUT /bucket/key HTTP/1.1\r\nHost: 127.0.0.1\r\n"):
        answer = raw_exchange(quick.url, head + b"Content-Length: 1000\r\n\r\n" + b'{"Collect', timeout=60)
        status, error = status_and_json(answer)
        assert status == 408 and error["__type"] == "RequestTimeoutException", answer
        assert "after 9 bytes" in error["message"]
    assert "Traceback" not in quick.output()


def test_a_stalled_head_is_closed(quick: ServerProcess) -> None:
    """Half a header, then nothing: the server closes the connection (one log line)."""
    before = quick.count("timed out")
    assert raw_exchange(quick.url, DESCRIBE[:40], timeout=60) == b""
    quick.wait_until(lambda: quick.count("timed out") > before)
    assert "Traceback" not in quick.output()


def test_a_head_sent_a_byte_at_a_time_is_closed_while_it_trickles(quick: ServerProcess) -> None:
    """The line and headers must arrive within the read timeout, however they are spread:
    a client sending one byte every 0.25 s (20 s for the whole head) is cut off early."""
    sent = []

    def trickle(sock: socket.socket) -> None:
        for byte in DESCRIBE[1:80]:
            time.sleep(0.25)
            sock.send(bytes([byte]))
            sent.append(byte)

    assert raw_exchange(quick.url, DESCRIBE[:1], timeout=60, then=trickle) == b""
    assert len(sent) < 79, "the server waited for the whole trickled head"


def test_connections_beyond_the_cap_are_answered_503(quick: ServerProcess) -> None:
    """Two stalled connections fill a server started with --max-connections 2: the next one
    is answered ServiceUnavailableException at once (no thread for it), and once the stalled
    ones are gone the server answers again."""
    stalled = [socket.create_connection(quick.url.rsplit("//", 1)[1].split(":"), timeout=60) for _ in range(2)]
    try:
        for sock in stalled:
            sock.sendall(DESCRIBE[:20])
        deadline = time.monotonic() + 60
        while True:  # until the server has taken both stalled connections
            status, error = status_and_json(raw_exchange(quick.url, b"GET /_rekognition_mock/controls HTTP/1.1\r\n"
                                                                    b"Host: 127.0.0.1\r\n\r\n", timeout=60))
            if status == 503 or time.monotonic() > deadline:
                break
        assert status == 503 and error["__type"] == "ServiceUnavailableException"
        assert "--max-connections" in error["message"]
    finally:
        for sock in stalled:
            sock.close()
    deadline = time.monotonic() + 60
    while True:
        answer = requests.get(quick.url + "/_rekognition_mock/controls", timeout=CALL_TIMEOUT)
        if answer.status_code == 200 or time.monotonic() > deadline:
            break
    assert answer.status_code == 200


def test_the_flags_are_checked() -> None:
    import subprocess
    import sys

    from helpers import child_env
    from serverprocess import REPO

    for flag, value in (("--read-timeout", "0"), ("--read-timeout", "soon"), ("--max-connections", "0")):
        result = subprocess.run([sys.executable, "-m", "rekognition_mock.cli", "serve", flag, value], cwd=REPO,
                                env=child_env(), capture_output=True, text=True, timeout=CALL_TIMEOUT)
        assert result.returncode == 2 and flag in result.stderr and "Traceback" not in result.stderr
