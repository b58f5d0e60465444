"""werkzeug's threaded server with bounds on what a connection may hold.

- **A read timeout.** A request's line and headers must arrive within ``read_timeout``
  seconds of its first byte (a client sending them a byte at a time gains nothing), and its
  body must never pause for longer than that. A connection that stalls is closed (logged on
  one line); a body that stalls is answered ``408`` (see :mod:`.body`).
- **A cap on connections.** At most ``max_connections`` are served at once, each on its own
  thread; one more is answered ``503 ServiceUnavailableException`` at once and closed, so
  stalled clients cannot pile up threads.
- **AWS's error shape.** What http.server refuses itself (a request line or header it cannot
  parse, a header line over 64 KB, too many headers, a URL over 64 KB) is answered with its
  status and a JSON body ``{"__type": ..., "message": ...}``, never an HTML page.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http import HTTPStatus
from typing import Any

from werkzeug.serving import ThreadedWSGIServer

from . import DEFAULT_MAX_CONNECTIONS
LOGGED_CHARS = 200  # of a client's text (a request line, an operation name) in a log line


def error_type(status: int) -> str:
    """The ``__type`` of an HTTP-level error: the status's phrase as AWS names errors
    (400 ``BadRequestException``, 431 ``RequestHeaderFieldsTooLargeException``)."""
    phrase = HTTPStatus(status).phrase.replace("-", " ")
    return "".join(word[:1].upper() + word[1:] for word in phrase.split()) + "Exception"


def json_error_body(error: str, message: str) -> bytes:
    return json.dumps({"__type": error, "message": message}).encode()


def printable(text: str, most: int | None = LOGGED_CHARS) -> str:
    """``text`` with control characters escaped (a request cannot forge log lines), cut
    to ``most`` characters."""
    if most is not None and len(text) > most:
        text = text[:most] + f"... ({len(text)} characters)"
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class _HeadReader:
    """A connection's input: while a request's line and headers are read, every read waits
    at most until the head's deadline; after them (the body), at most the read timeout
    between two reads."""

    def __init__(self, raw: Any, connection: socket.socket, timeout: float) -> None:
        self._raw = raw
        self._connection = connection
        self._timeout = timeout
        self._deadline: float | None = None

    def head(self) -> None:
        self._deadline = time.monotonic() + self._timeout

    def body(self) -> None:
        self._deadline = None
        self._connection.settimeout(self._timeout)

    def readline(self, limit: int = -1) -> bytes:
        if self._deadline is None:
            return self._raw.readline(limit)
        parts: list[bytes] = []
        size = 0
        while limit < 0 or size < limit:
            left = self._deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the request's line and headers did not arrive within the read timeout")
            self._connection.settimeout(left)
            buffered = self._raw.peek(1)  # what is buffered, or one read of the socket
            if not buffered:
                break
            if limit >= 0:
                buffered = buffered[: limit - size]
            end = buffered.find(b"\n")
            taken = self._raw.read(len(buffered) if end < 0 else end + 1)  # from the buffer
            parts.append(taken)
            size += len(taken)
            if end >= 0:
                break
        return b"".join(parts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def handler_class(base: type, verbose: bool, read_timeout: float) -> type:
    """``base`` (moto's or werkzeug's request handler) with the read timeout, JSON errors
    and one log line per request (when ``verbose``)."""

    class Handler(base):  # type: ignore[misc, valid-type]
        timeout = read_timeout  # StreamRequestHandler.setup gives the connection this timeout

        def setup(self) -> None:
            super().setup()
            self.rfile = _HeadReader(self.rfile, self.connection, read_timeout)

        def handle_one_request(self) -> None:
            self.rfile.head()
            super().handle_one_request()

        def parse_request(self) -> bool:
            parsed = super().parse_request()
            self.rfile.body()
            return bool(parsed)

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """http.server's refusals as AWS's JSON error shape (its own is an HTML page)."""
            status = HTTPStatus(code)
            message = message or status.phrase
            self.log_error("code %d, message %s", code, printable(message))
            if self.request_version in ("", "HTTP/0.9"):
                self.request_version = "HTTP/1.1"  # a line that cannot be parsed still gets a status line
            body = json_error_body(error_type(code), printable(message, 1000))
            self.send_response(code, status.phrase)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            # a request line that cannot be parsed is logged too, before path and headers exist
            path = getattr(self, "path", None) or ""
            if verbose and not path.startswith("/_rekognition_mock/inspector/"):  # the page polls
                headers = getattr(self, "headers", None)
                target = headers.get("X-Amz-Target", "") if headers is not None else ""
                action = target.split(".")[-1] if target else path or "-"
                command = getattr(self, "command", None) or "-"
                print(printable(f'{self.address_string()} "{command} {printable(action, 120)}" {code}', None), flush=True)

    return Handler


class CappedServer(ThreadedWSGIServer):
    """werkzeug's threaded server serving at most ``max_connections`` connections at once."""

    def __init__(self, *args: Any, max_connections: int = DEFAULT_MAX_CONNECTIONS, **kwargs: Any) -> None:
        self.max_connections = max_connections
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse(self, request: socket.socket) -> None:
        """One connection too many: a 503 (SDKs retry it), sent without waiting, then closed."""
        body = json_error_body("ServiceUnavailableException",
                               f"The server is serving {self.max_connections} connections, its maximum "
                               "(--max-connections); try again.")
        head = (f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/x-amz-json-1.1\r\n"
                f"Content-Length: {len(body)}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n").encode()
        try:
            request.setblocking(False)
            request.send(head + body)
        except OSError:
            pass
        self.shutdown_request(request)
