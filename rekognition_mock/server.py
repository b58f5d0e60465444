"""A standalone moto server with Rekognition answered by the face engine.

Every moto service is on the same endpoint (S3 for ``S3Object`` images). Use it from the
command line (``rekognition-mock serve``) or in-process, like moto's ThreadedMotoServer::

    with RekognitionMockServer(port=0) as server:
        client = boto3.client("rekognition", endpoint_url=server.url, region_name="us-east-1")
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from .core import install

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
    ) -> None:
        self.host = host
        self.requested_port = port
        self.state_dir = Path(state_dir) if state_dir else None
        self.verbose = verbose
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._store: Any = None

    # -- life cycle -------------------------------------------------------------------

    def _build(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        from . import persistence
        from .models import load_state

        install()
        if self.state_dir is not None:
            self._store = persistence.StateStore(self.state_dir)
            persistence.activate(self._store)
            restored = load_state(self._store)
            log.info("restored %d collection(s) from %s", restored, self._store.path)
        verbose = self.verbose

        class Handler(MotoRequestHandler):
            def log_request(self, code: Any = "-", size: Any = "-") -> None:
                if verbose:
                    target = self.headers.get("X-Amz-Target", "")
                    action = target.split(".")[-1] if target else self.path
                    print(f'{self.address_string()} "{self.command} {action}" {code}', flush=True)

        app = DomainDispatcherApplication(create_backend_app)
        self._server = make_server(self.host, self.requested_port, app, threaded=True, request_handler=Handler)

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
        """Stop serving and close the state database."""
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._close()

    def _close(self) -> None:
        from . import persistence

        if self._server is not None:
            self._server.server_close()
        if self._store is not None:
            if persistence.active() is self._store:
                persistence.activate(None)
            self._store.close()
            self._store = None

    def __enter__(self) -> "RekognitionMockServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
