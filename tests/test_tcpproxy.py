"""The soak test's load balancer (tests/tcpproxy.py) when a backend dies part-way through an answer.

A replica SIGKILLed while its answer is on the way leaves the client a ``200`` head and part
of the body (or part of the head), then the end of the connection. botocore does not compare
a JSON answer's body with its ``Content-Length``, so a connection closed cleanly there made the
soak test's ListFaces an answer without ``Faces`` (``KeyError: 'Faces'`` in a client thread).
The balancer must hand the cut on as a cut (a reset), which botocore retries; a whole answer
followed by the end of the connection stays a clean close.

The dying backend here is a relay to the real server that sends on only the first bytes of
its answer and then closes, as a replica killed at that moment does.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError

from tcpproxy import Framing, Proxy

REGION = "us-east-1"


def _read_request(conn: socket.socket) -> bytes:
    """One request (head and ``Content-Length`` body) from ``conn``."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += conn.recv(65536)
    return data


class DyingBackend:
    """Answers each connection with the first ``keep(answer)`` bytes of ``answer_for(request)``,
    then closes it (a FIN: the request was read whole, as a killed replica's kernel does)."""

    def __init__(self, answer_for: Callable[[bytes], bytes], keep: Callable[[bytes], int]) -> None:
        self.answer_for = answer_for
        self.keep = keep
        self.served = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.address = self._listener.getsockname()[:2]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with conn:
                answer = self.answer_for(_read_request(conn))
                conn.sendall(answer[: self.keep(answer)])
                self.served += 1

    def close(self) -> None:
        self._listener.close()


def relay_to(address: tuple[str, int]) -> Callable[[bytes], bytes]:
    """The whole answer of the server at ``address`` to a request."""

    def answer(request: bytes) -> bytes:
        with socket.create_connection(address) as upstream:
            upstream.sendall(request)
            parts = []
            while chunk := upstream.recv(65536):
                parts.append(chunk)
        return b"".join(parts)

    return answer


def canned(status: str, body: bytes, chunked: bool = False) -> Callable[[bytes], bytes]:
    """The same answer to every request, framed by ``Content-Length`` or in two chunks."""
    if chunked:
        half = len(body) // 2
        framed = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:half], body[half:])) + b"0\r\n\r\n"
        head = b"Transfer-Encoding: chunked"
    else:
        framed, head = body, b"Content-Length: %d" % len(body)
    return lambda _: (f"HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\n".encode() + head
                      + b"\r\nConnection: close\r\n\r\n" + framed)


def head_end(answer: bytes) -> int:
    return answer.index(b"\r\n\r\n") + 4


@pytest.fixture
def server() -> Iterator[Any]:
    from rekognition_mock.server import RekognitionMockServer

    with RekognitionMockServer(port=0, inspector=False) as running:
        try:
            yield running
        finally:
            running.reset()  # the backends are process-wide: leave them empty


def rekognition(url: str, attempts: int) -> Any:
    config = Config(retries={"mode": "standard", "total_max_attempts": attempts})
    return boto3.client("rekognition", endpoint_url=url, region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=config)


def exchange(url: str, request: bytes) -> tuple[bytes, str]:
    """What a raw client receives for ``request``, and how its connection ended: ``closed``
    (an orderly end) or ``reset``."""
    host, port = url.rsplit("//", 1)[1].rsplit(":", 1)
    received = b""
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            return received, "reset"
    return received, "closed"


LIST_FACES = (b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: RekognitionService.ListFaces\r\n"
              b"Content-Type: application/x-amz-json-1.1\r\nContent-Length: 24\r\n\r\n"
              b'{"CollectionId": "soak"}')


def test_a_listfaces_answer_cut_by_a_dying_replica_is_retried_and_arrives_whole(server: Any) -> None:
    """The soak test's failure, deterministically: the first replica dies with half of its
    ListFaces answer sent; botocore must see a cut connection, retry on the other replica
    and return a whole answer (``Faces`` present, empty here)."""
    rekognition(server.url, 1).create_collection(CollectionId="soak")
    whole = relay_to(("127.0.0.1", server.port))
    dying = DyingBackend(whole, keep=lambda answer: head_end(answer) + (len(answer) - head_end(answer)) // 2)
    proxy = Proxy([dying.address, ("127.0.0.1", server.port)])
    try:
        answer = rekognition(proxy.url, 2).list_faces(CollectionId="soak")
    finally:
        proxy.close()
        dying.close()
    assert dying.served == 1  # the first attempt went to the dying replica
    assert answer["Faces"] == [] and answer["ResponseMetadata"]["RetryAttempts"] == 1
    assert proxy.cut == proxy.cut_answers == 1


@pytest.mark.parametrize("where", ["in the head", "after the head", "in the body"])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_answer_cut_short_reaches_the_client_as_a_reset(where: str, chunked: bool) -> None:
    body = json.dumps({"Faces": [{"FaceId": f"{n:036d}"} for n in range(50)], "FaceModelVersion": "7.0"}).encode()
    keep = {"in the head": lambda answer: head_end(answer) - 10, "after the head": head_end,
            "in the body": lambda answer: head_end(answer) + len(body) // 2 + 3}[where]
    dying = DyingBackend(canned("200 OK", body, chunked), keep)
    proxy = Proxy([dying.address])
    try:
        received, ending = exchange(proxy.url, LIST_FACES)
        with pytest.raises(ConnectionClosedError):  # and so botocore's retries resend it
            rekognition(proxy.url, 1).list_faces(CollectionId="soak")
    finally:
        proxy.close()
        dying.close()
    assert ending == "reset", received
    assert proxy.cut == proxy.cut_answers == 2


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_whole_answer_then_a_close_stays_a_clean_close(chunked: bool) -> None:
    body = json.dumps({"Faces": [], "FaceModelVersion": "7.0"}).encode()
    answer = canned("200 OK", body, chunked)
    dying = DyingBackend(answer, keep=len)
    proxy = Proxy([dying.address])
    try:
        received, ending = exchange(proxy.url, LIST_FACES)
        assert rekognition(proxy.url, 1).list_faces(CollectionId="soak")["Faces"] == []
    finally:
        proxy.close()
        dying.close()
    assert (received, ending) == (answer(b""), "closed")
    assert proxy.cut == 0


def test_the_framing_follows_answers_to_their_ends() -> None:
    framing = Framing()
    stream = (b"HTTP/1.1 100 Continue\r\n\r\n"  # an interim answer, then the answer
              b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
              b"HTTP/1.1 204 No Content\r\n\r\n"
              b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nTrailer: 1\r\n\r\n")
    wholes = []
    for byte in range(len(stream)):  # a byte at a time: every split of a line or a chunk
        framing.feed(stream[byte:byte + 1])
        wholes.append(framing.whole)
    assert framing.answers == 3 and framing.whole
    ends = [n + 1 for n, whole in enumerate(wholes) if whole]
    assert ends == [stream.index(b"hello") + 5, stream.index(b"HTTP/1.1 200 OK\r\nTransfer"), len(stream)]
