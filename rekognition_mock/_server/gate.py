"""Requests in flight, counted so that stopping the server never cuts one short."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from .connections import json_error_body


class RequestGate:
    """WSGI middleware that counts requests in flight and refuses new ones once closed.

    Closing waits until every running request has answered, so nothing acknowledged
    can miss the state database, and nothing runs after it is closed. Each time the last
    running request has answered, the memory it freed goes back to the system (the C
    library keeps it otherwise).
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self._cond = threading.Condition()
        self._running = 0
        self._closed = False

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with self._cond:
            if self._closed:
                body = json_error_body("ServiceUnavailableException", "The server is shutting down.")
                start_response("503 Service Unavailable", [("Content-Type", "application/x-amz-json-1.1"),
                                                           ("Content-Length", str(len(body)))])
                return [body]
            self._running += 1
        try:
            return list(self.app(environ, start_response))
        finally:
            with self._cond:
                self._running -= 1
                idle = self._running == 0
                self._cond.notify_all()
            if idle:
                from ..vision.memory import give_back_memory

                give_back_memory()

    def close(self, timeout: float = 60.0) -> None:
        with self._cond:
            self._closed = True
            self._cond.wait_for(lambda: self._running == 0, timeout=timeout)
