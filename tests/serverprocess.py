"""A ``rekognition-mock serve`` subprocess for tests, and ways to talk to it.

``ServerProcess`` runs ``python -m rekognition_mock.cli serve ...`` from the checkout (its
environment from ``helpers.child_env``, so ``PYTHONPATH`` carries over) and collects its
output line by line; ``start_server`` is a fixture that kills every server a test started.
``raw_post`` and ``raw_exchange`` send what an SDK never would.
"""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from helpers import child_env

REPO = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
START_TIMEOUT = 120  # seconds; generous for a loaded CI machine, not a timing assertion
CALL_TIMEOUT = 300

# No retries: a failed call must surface once (and be logged once), not be replayed.
NO_RETRIES = Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=CALL_TIMEOUT)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def client(service: str, url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=NO_RETRIES,
    )


class ServerProcess:
    """``python -m rekognition_mock.cli serve ...`` with its output collected line by line."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.args = ["serve", *args]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "rekognition_mock.cli", *self.args],
            cwd=REPO,
            env=child_env(**(env or {})),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._drain, args=(self.proc.stdout, self.stdout), daemon=True),
            threading.Thread(target=self._drain, args=(self.proc.stderr, self.stderr), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        try:
            banner = self.wait_for_line(lambda line: "listening on" in line, START_TIMEOUT)
        except BaseException:
            self.close()
            raise
        match = re.search(r"listening on (http://[^\s;]+)", banner)
        assert match, banner
        self.url = match.group(1).rstrip("/")
        self.banner = banner

    def _drain(self, stream: Any, sink: list[str]) -> None:
        for line in stream:
            with self._changed:
                sink.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def lines(self) -> list[str]:
        with self._changed:
            return self.stdout + self.stderr

    def output(self) -> str:
        with self._changed:
            return "\n".join(["--- stdout", *self.stdout, "--- stderr", *self.stderr])

    def wait_until(self, condition: Callable[[], bool], timeout: float = 60) -> bool:
        """Wait for ``condition`` (checked whenever a line arrives); False on timeout or exit."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition():
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.proc.poll() is not None and not any(r.is_alive() for r in self._readers)):
                    return condition()
                self._changed.wait(min(remaining, 0.5))
            return True

    def wait_for_line(self, predicate: Callable[[str], bool], timeout: float = 60) -> str:
        found: list[str] = []

        def seen() -> bool:
            found[:] = [line for line in self.stdout + self.stderr if predicate(line)]
            return bool(found)

        if not self.wait_until(seen, timeout):
            raise AssertionError(f"server {self.args} never printed the expected line\n{self.output()}")
        return found[0]

    def count(self, needle: str) -> int:
        return sum(needle in line for line in self.lines)

    def terminate(self, signum: int = signal.SIGTERM) -> int:
        """SIGTERM (or ``signum``), then wait for the exit status and the rest of the output."""
        self.proc.send_signal(signum)
        return self._wait()

    def kill(self) -> int:
        self.proc.kill()  # SIGKILL
        return self._wait()

    def _wait(self) -> int:
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(timeout=60)
        for reader in self._readers:
            reader.join(timeout=30)
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self._wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture
def start_server() -> Iterator[Callable[..., ServerProcess]]:
    """Start servers for one test; every one is killed (if still running) afterwards."""
    started: list[ServerProcess] = []

    def start(*args: str, env: dict[str, str] | None = None) -> ServerProcess:
        server = ServerProcess(*args, env=env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def raw_post(url: str, target: str, body: bytes = b"{}", **headers: str) -> tuple[int, dict[str, str], bytes]:
    """A POST as a browser or a hand-written client would send it (no SDK, no signature)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=CALL_TIMEOUT)
    try:
        conn.putrequest("POST", "/", skip_accept_encoding=True)
        conn.putheader("Content-Type", "application/x-amz-json-1.1")
        conn.putheader("X-Amz-Target", target)
        conn.putheader("Authorization", "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/rekognition/aws4_request")
        for name, value in headers.items():
            conn.putheader(name.replace("_", "-"), value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def raw_exchange(url: str, data: bytes, timeout: float = CALL_TIMEOUT, then: Callable[[socket.socket], None] | None = None) -> bytes:
    """Send ``data`` as is on a new connection (``then`` may send more), and return all the
    server answers until it closes the connection (or ``timeout`` passes)."""
    host, port = url.rsplit("//", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            if then is not None:
                then(sock)
        except OSError:
            pass  # the server may answer and close before everything is sent
        answer = b""
        try:
            while True:
                part = sock.recv(65536)
                if not part:
                    break
                answer += part
        except ConnectionResetError:
            pass
        return answer


def status_and_json(answer: bytes) -> tuple[int, dict[str, Any]]:
    """The status code and JSON body of a raw HTTP answer."""
    import json

    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)
