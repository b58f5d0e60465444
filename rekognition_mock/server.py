"""A standalone moto server with Rekognition answered by the face engine.

Every moto service is on the same endpoint (S3 for ``S3Object`` images). Use it from the
command line (``rekognition-mock serve``) or in-process, like moto's ThreadedMotoServer::

    with RekognitionMockServer(port=0) as server:
        client = boto3.client("rekognition", endpoint_url=server.url, region_name="us-east-1")
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterable
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._hook import create_engine_backend_app, install

if TYPE_CHECKING:
    from .service.exceptions import ImageTooLargeException, RekognitionError

log = logging.getLogger("rekognition_mock.server")


class RekognitionMockServer:
    """moto's WSGI app on a threaded werkzeug server, with optional durable state.

    ``port=0`` picks a free port. ``state_dir`` keeps collections, faces and tags in a
    SQLite database there, restored when a server starts on the same directory.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 5000,
        state_dir: str | Path | None = None,
        verbose: bool = False,
        cors_origins: Iterable[str] = (),
        moto_api: bool = False,
        inspector: bool = True,
        face_crops: bool = True,
        inspector_requests: int | None = None,
    ) -> None:
        self.host = host
        self.cors_origins = tuple(cors_origins)
        self.moto_api = moto_api
        self.requested_port = port
        self.state_dir = Path(state_dir) if state_dir else None
        self.verbose = verbose
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._store: Any = None
        self._gate: _RequestGate | None = None
        self.inspector = inspector  # the page at /_rekognition_mock/ (rekognition_mock.inspector)
        self.face_crops = face_crops
        self.inspector_requests = inspector_requests
        self._inspector: Any = None

    # -- life cycle -------------------------------------------------------------------

    def _build(self) -> None:
        """Open the state (if any), bind the socket and make the WSGI server.

        Raises :class:`StateDirError` when the state directory cannot be used and
        ``OSError`` when the address cannot be bound (werkzeug would exit instead).
        """
        require_server_extra()
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication
        from werkzeug.serving import make_server

        try:  # moto up to 5.1 has its own handler; 5.2 serves with werkzeug's
            from moto.moto_server.werkzeug_app import MotoRequestHandler
        except ImportError:
            from werkzeug.serving import WSGIRequestHandler as MotoRequestHandler

        install()
        self._open_state()
        sock = _bind(self.host, self.requested_port)
        verbose = self.verbose

        class Handler(MotoRequestHandler):
            def log_request(self, code: Any = "-", size: Any = "-") -> None:
                # a request line that cannot be parsed is logged too, before path and headers exist
                path = getattr(self, "path", None) or ""
                if verbose and not path.startswith("/_rekognition_mock/inspector/"):  # the page polls
                    headers = getattr(self, "headers", None)
                    target = headers.get("X-Amz-Target", "") if headers is not None else ""
                    action = target.split(".")[-1] if target else path or "-"
                    command = getattr(self, "command", None) or "-"
                    print(_printable(f'{self.address_string()} "{command} {action}" {code}'), flush=True)

        app = _Guard(DomainDispatcherApplication(create_engine_backend_app), self.cors_origins, self.moto_api)
        if self.inspector:  # in front of the guard: it keeps its own same-origin rules
            from .inspector import Inspector

            bounds = {"max_requests": self.inspector_requests} if self.inspector_requests else {}
            app = self._inspector = Inspector(app, self.host, self.state_dir, self.face_crops, **bounds)
        self._gate = _RequestGate(app)
        try:
            self._server = make_server(
                self.host, self.port_of(sock), self._gate, threaded=True, request_handler=Handler, fd=sock.fileno()
            )
        finally:
            sock.close()  # werkzeug holds its own duplicate of the descriptor

    def _open_state(self) -> None:
        if self.state_dir is None:
            return
        from .store import persistence
        from .service.models import load_state

        try:
            self._store = persistence.StateStore(self.state_dir)
        except persistence.StateError as exc:
            raise StateDirError(str(exc)) from None
        except (OSError, sqlite3.Error) as exc:
            raise StateDirError(f"cannot use state directory {self.state_dir}: {exc}") from None
        try:
            restored = load_state(self._store)
        except Exception as exc:  # a value the checks let through but the backend cannot take
            path = self._store.path
            self._store.close()
            self._store = None
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line
            raise StateDirError(f"{path}: cannot restore its state ({reason}); move {path} away to start with "
                                "empty state (or restore a backup of it)") from None
        persistence.activate(self._store)
        log.info("restored %d collection(s) from %s", restored, self._store.path)

    def reset(self) -> None:
        """Empty every backend (collections and faces, the saved state too), as moto's reset does."""
        from moto.moto_api._internal.models import moto_api_backend

        moto_api_backend.reset()

    @staticmethod
    def port_of(sock: socket.socket) -> int:
        return int(sock.getsockname()[1])

    @property
    def port(self) -> int:
        """The port actually bound (useful with ``port=0``)."""
        assert self._server is not None, "start() first"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """``http://host:port`` for ``endpoint_url``."""
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self.port}"

    def start(self) -> "RekognitionMockServer":
        """Serve in a background thread; returns once the socket is listening."""
        self._build()
        self._thread = threading.Thread(target=self._server.serve_forever, name="rekognition-mock", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` or KeyboardInterrupt."""
        if self._server is None:
            self._build()
        try:
            self._server.serve_forever()
        finally:
            self._close()

    def stop(self) -> None:
        """Stop serving, let requests in flight finish, then close the state database."""
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._close()

    def _close(self) -> None:
        from .store import persistence

        if self._gate is not None:
            self._gate.close()  # refuse new requests, wait for those running to answer
        if self._server is not None:
            self._server.server_close()
        if self._inspector is not None:
            self._inspector.close()
            self._inspector = None
        if self._store is not None:
            if persistence.active() is self._store:
                persistence.activate(None)
            self._store.close()
            self._store = None

    def __enter__(self) -> "RekognitionMockServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


class StateDirError(Exception):
    """The ``--state-dir`` cannot be created or opened."""


SERVER_PACKAGES = ("flask", "flask_cors")  # what moto's server imports beyond moto's core


class ServerExtraMissing(ImportError):
    """The server's packages are not installed (the in-process install leaves them out)."""


def require_server_extra() -> None:
    """Raise :class:`ServerExtraMissing`, naming the extra to install, when moto's server
    cannot be imported: ``pip install rekognition-mock`` is the in-process mock only."""
    missing = [name for name in SERVER_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise ServerExtraMissing(
            f"the server needs {' and '.join(missing)}, which the in-process install leaves out: "
            "pip install 'rekognition-mock[server]'"
        )


def _bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (``OSError`` if the address is taken)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except BaseException:
        sock.close()
        raise
    return sock


CONTROLS_PREFIX = "/_rekognition_mock/"


def _control(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """The test-author controls over HTTP (docs/scripting.md), answered by service/controls.py."""
    from .service import controls

    name = environ["PATH_INFO"][len(CONTROLS_PREFIX):].strip("/")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if not 0 <= length <= controls.MAX_HTTP_BODY:
        status, value = 400, {"error": f"a control's body is JSON of at most {controls.MAX_HTTP_BODY} bytes"}
    else:
        raw = environ["wsgi.input"].read(length) if length else b""
        status, value = controls.handle_http(environ.get("REQUEST_METHOD", "GET"), name, raw)
    body = json.dumps(value).encode()
    start_response(f"{status} {HTTPStatus(status).phrase}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _printable(text: str) -> str:
    """``text`` with control characters escaped, so a request cannot forge log lines."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _aws_error(start_response: Callable[..., Any], error: RekognitionError) -> list[bytes]:
    """``error`` answered as the service answers it (its status, and its JSON body)."""
    body = error.description.encode()
    start_response(f"{error.code} {HTTPStatus(error.code).phrase}",
                   [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))])
    return [body]


def _json_error(start_response: Callable[..., Any], status: str, error_type: str, message: str) -> list[bytes]:
    body = json.dumps({"__type": error_type, "message": message}).encode()
    start_response(status, [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))])
    return [body]


class _Guard:
    """Safe defaults in front of moto's app.

    - Requests a browser sends from a web page (they carry ``Origin``) are refused unless
      that origin was allowed: moto's app would answer any origin, so any page open in
      the developer's browser could read or wipe the mock's state.
    - moto's own ``/moto-api/`` routes (reset, dashboard, recorder, which writes files)
      answer only when asked for.
    - A Rekognition operation the service does not have, or this mock does not implement,
      gets AWS's JSON error (400, not retried) instead of an HTML 500 that SDKs retry.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]], cors_origins: Iterable[str], moto_api: bool) -> None:
        self.app = app
        self.origins = {o.rstrip("/") for o in cors_origins}
        self.moto_api = moto_api

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin.rstrip("/") not in self.origins:
            return _json_error(start_response, "403 Forbidden", "AccessDeniedException",
                               f"requests from the web origin {origin} are refused; start the server with "
                               f"--cors-origin {origin} to allow them")
        path = environ.get("PATH_INFO", "")
        if path.startswith(CONTROLS_PREFIX) and environ.get("REQUEST_METHOD") == "POST" or path == CONTROLS_PREFIX + "controls":
            return _control(environ, start_response)
        if path.startswith("/moto-api") and not self.moto_api:
            return _json_error(start_response, "404 Not Found", "ResourceNotFoundException",
                               "moto's /moto-api/ routes are off; start the server with --moto-api to use them")
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target == "RekognitionService" or target.startswith("RekognitionService."):
            problem = _unanswerable(target.partition(".")[2])
            if problem:
                return _json_error(start_response, "400 Bad Request", "UnknownOperationException", problem)
            too_large = _bounded_body(environ)
            if too_large is not None:
                return _aws_error(start_response, too_large)
        if origin is None:  # not from a web page: no CORS headers at all (moto's app adds "*")
            return self.app(environ, _without_cors(start_response, []))
        if environ.get("REQUEST_METHOD") == "OPTIONS" and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
            return _preflight(environ, start_response, origin)
        return self.app(environ, _without_cors(start_response, [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]))


def _without_cors(start_response: Callable[..., Any], cors: list[tuple[str, str]]) -> Callable[..., Any]:
    """``start_response`` with moto's CORS headers replaced by ``cors``."""

    def replaced(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
        added = {k.lower() for k, _ in cors}
        kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-") and k.lower() not in added]
        return start_response(status, kept + cors, *rest)

    return replaced


def _preflight(environ: dict[str, Any], start_response: Callable[..., Any], origin: str) -> list[bytes]:
    """A browser's CORS preflight from an allowed origin: 200 with what it asks for
    (the SDKs' JSON requests are never "simple", so every call from a page starts here)."""
    method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "POST")
    requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
    headers = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Methods", method),
        ("Access-Control-Max-Age", "600"),
        ("Vary", "Origin"),
        ("Content-Length", "0"),
    ]
    if requested:
        headers.append(("Access-Control-Allow-Headers", requested))
    start_response("200 OK", headers)
    return [b""]


def _bounded_body(environ: dict[str, Any]) -> ImageTooLargeException | None:
    """The error refusing a Rekognition request body before it is read whole, or None.

    A Content-Length above the limit is refused without reading anything. A body sent
    without one (``Transfer-Encoding: chunked``) is read up to one byte past the limit:
    refused if it has more, otherwise handed on as if its length had been given.
    """
    from .service.exceptions import ImageTooLargeException
    from .service.limits import MAX_REQUEST_BYTES

    declared = environ.get("CONTENT_LENGTH")
    if declared:
        try:
            length = int(declared)
        except ValueError:
            return None
        if length > MAX_REQUEST_BYTES:
            return ImageTooLargeException.detail(f"The request body is {length} bytes; the maximum is {MAX_REQUEST_BYTES}.")
        return None
    if not environ.get("wsgi.input_terminated"):
        return None  # no length and no chunked framing: there is no body
    stream = environ["wsgi.input"]
    parts, size = [], 0
    while size <= MAX_REQUEST_BYTES:
        part = stream.read(min(1 << 20, MAX_REQUEST_BYTES + 1 - size))
        if not part:
            break
        parts.append(part)
        size += len(part)
    if size > MAX_REQUEST_BYTES:
        return ImageTooLargeException.detail(
            f"The request body is more than {MAX_REQUEST_BYTES} bytes; the maximum is {MAX_REQUEST_BYTES}."
        )
    body = b"".join(parts)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return None


def _unanswerable(operation: str) -> str | None:
    """Why ``operation`` cannot be answered (unknown to the service or not implemented), or None."""
    from botocore import xform_name

    from .service.responses import RekognitionResponse
    from .service.validation import service_model

    if operation not in service_model().operation_names:
        return f"Unknown operation {operation}"
    if not callable(getattr(RekognitionResponse, xform_name(operation), None)):
        return f"rekognition-mock does not implement {operation} (see docs/operations.md)"
    return None


class _RequestGate:
    """WSGI middleware that counts requests in flight and refuses new ones once closed.

    Closing waits until every running request has answered, so nothing acknowledged
    can miss the state database, and nothing runs after it is closed. Each time the last
    running request has answered, the memory it freed goes back to the system (each
    request thread allocates from its own heap, which the C library keeps otherwise).
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self._cond = threading.Condition()
        self._running = 0
        self._closed = False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self._cond:
            if self._closed:
                body = json.dumps({"__type": "ServiceUnavailableException", "message": "The server is shutting down."})
                start_response("503 Service Unavailable", [("Content-Type", "application/json")])
                return [body.encode()]
            self._running += 1
        try:
            return list(self.app(environ, start_response))
        finally:
            with self._cond:
                self._running -= 1
                idle = self._running == 0
                self._cond.notify_all()
            if idle:
                from .vision.engine import give_back_memory

                give_back_memory()

    def close(self, timeout: float = 60.0) -> None:
        with self._cond:
            self._closed = True
            self._cond.wait_for(lambda: self._running == 0, timeout=timeout)
