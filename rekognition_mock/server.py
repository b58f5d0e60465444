"""A standalone moto server with Rekognition answered by the face engine.

Every moto service is on the same endpoint (S3 for ``S3Object`` images). Use it from the
command line (``rekognition-mock serve``) or in-process, like moto's ThreadedMotoServer::

    with RekognitionMockServer(port=0) as server:
        client = boto3.client("rekognition", endpoint_url=server.url, region_name="us-east-1")
"""

from __future__ import annotations

import importlib.util
import logging
import socket
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ._hook import install
from ._server import DEFAULT_MAX_CONNECTIONS, DEFAULT_READ_TIMEOUT

log = logging.getLogger("rekognition_mock.server")


class RekognitionMockServer:
    """moto's WSGI app on a threaded werkzeug server, with optional durable state.

    ``port=0`` picks a free port. ``state_dir`` keeps collections, faces and tags in a
    SQLite database there, restored when a server starts on the same directory.
    ``read_timeout`` (seconds) and ``max_connections`` bound what clients can hold
    (:mod:`rekognition_mock._server.connections`); ``allowed_hosts`` are ``Host`` names
    the server's own routes answer to besides IP addresses, ``localhost`` and ``host``;
    ``reset_face_crops`` starts the inspector's crop database (in ``state_dir``) afresh.
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
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        allowed_hosts: Iterable[str] = (),
        reset_face_crops: bool = False,
        state_url: str | None = None,
    ) -> None:
        if state_dir and state_url:
            raise ValueError("state_dir and state_url are mutually exclusive: state is kept in one place")
        self.host = host
        self.cors_origins = tuple(cors_origins)
        self.moto_api = moto_api
        self.requested_port = port
        self.state_dir = Path(state_dir) if state_dir else None
        self.state_url = state_url or None  # postgresql://...: state in PostgreSQL (store/postgres.py)
        self.verbose = verbose
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        self.allowed_hosts = tuple(allowed_hosts)
        self.reset_face_crops = reset_face_crops
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._store: Any = None
        self._analyses: Any = None  # the engine's analyses shared in the --state-url database
        self._gate: Any = None
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

        from ._server.callers import Hosts
        from ._server.connections import CappedServer, handler_class
        from ._server.gate import RequestGate
        from ._server.guard import Guard
        from ._server.moto_apps import create_backend_app
        from .service import controls  # noqa: F401 - every control answers before any Rekognition call
        from .store.persistence import StateError

        try:  # moto up to 5.1 has its own handler; 5.2 serves with werkzeug's
            from moto.moto_server.werkzeug_app import MotoRequestHandler
        except ImportError:
            from werkzeug.serving import WSGIRequestHandler as MotoRequestHandler

        install()
        self._open_state()
        try:
            sock = _bind(self.host, self.requested_port)
            hosts = Hosts(self.host, self.allowed_hosts)
            app: Any = Guard(DomainDispatcherApplication(create_backend_app), self.cors_origins, self.moto_api, hosts)
            if self.inspector:  # in front of the guard: it keeps its own same-origin rules
                from .inspector import Inspector

                bounds = {"max_requests": self.inspector_requests} if self.inspector_requests else {}
                app = self._inspector = Inspector(app, self.host, self.state_dir, self.face_crops, hosts=hosts,
                                                  reset_crops=self.reset_face_crops, **bounds)
        except StateError as exc:  # the inspector's crop database
            self._close()
            raise StateDirError(str(exc)) from None
        except BaseException:
            self._close()
            raise
        self._gate = RequestGate(app)
        handler = handler_class(MotoRequestHandler, self.verbose, self.read_timeout)
        try:
            self._server = CappedServer(self.host, self.port_of(sock), self._gate, handler, fd=sock.fileno(),
                                        max_connections=self.max_connections)
        finally:
            sock.close()  # werkzeug holds its own duplicate of the descriptor

    def _open_state(self) -> None:
        if self.state_dir is None and self.state_url is None:
            return
        from .store import persistence
        from .service.models import load_state

        try:
            if self.state_url is not None:
                from .store.postgres import PostgresStore

                self._store = PostgresStore(self.state_url)
            else:
                self._store = persistence.StateStore(self.state_dir)
        except persistence.StateError as exc:
            raise StateDirError(str(exc)) from None
        except (OSError, sqlite3.Error) as exc:
            raise StateDirError(f"cannot use state directory {self.state_dir}: {exc}") from None
        try:
            restored = load_state(self._store)
        except Exception as exc:  # a value the checks let through but the backend cannot take
            path = self._store.location
            self._store.close()
            self._store = None
            reason = " ".join(f"{type(exc).__name__}: {exc}".split())  # one line
            fix = ("empty or restore that database" if self.state_url else
                   f"move {path} away to start with empty state (or restore a backup of it)")
            raise StateDirError(f"{path}: cannot restore its state ({reason}); {fix}") from None
        persistence.activate(self._store)
        if self.state_url is not None:  # analyses shared too: an image is analysed once by all replicas
            from .settings import settings
            from .store.analyses import PostgresAnalyses

            self._analyses = PostgresAnalyses(self.state_url, self._store.location)
            settings.share_analyses(self._analyses)
        log.info("restored %d collection(s) from %s", restored, self._store.location)

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
        if self._analyses is not None:
            from .settings import settings

            if settings._shared_analyses is self._analyses:
                settings.share_analyses(None)
            self._analyses.close()
            self._analyses = None
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
    """The ``--state-dir`` cannot be created or opened, or the ``--state-url`` database used."""


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
