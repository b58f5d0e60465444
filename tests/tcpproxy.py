"""A small round-robin TCP load balancer for tests that run several ``serve`` replicas.

Each client connection is given to the next backend in turn and relayed byte for byte both
ways. A backend that refuses a connection is marked down and skipped (the connection goes to
the next one); a down backend is tried again after ``retry_after`` seconds, or at once when
:meth:`Proxy.set_backend` gives it a new address (a restarted replica). When a backend dies
while a connection is open, the proxy closes the client's side: the client sees the connection
closed before an answer, which botocore's standard retry mode retries, on a new connection,
to a live backend. The proxy does not retry a request itself: it cannot know whether the dead
backend committed it.

:meth:`Proxy.in_flight` lists the ``X-Amz-Target`` of the requests each backend received and has
not begun to answer yet, so a test can kill a replica while it is writing.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass, field

_TARGET = re.compile(rb"X-Amz-Target:\s*[A-Za-z]+\.([A-Za-z]+)", re.IGNORECASE)


@dataclass
class _Backend:
    address: tuple[str, int]
    down_since: float | None = None
    connections: int = 0  # connections handed to it so far


@dataclass(eq=False)
class _Link:
    backend: int
    pending: str | None = None  # target of a request sent and not yet answered
    sockets: list[socket.socket] = field(default_factory=list)


class Proxy:
    """Listens on 127.0.0.1 (``url``) and spreads connections over ``backends`` (host, port)."""

    def __init__(self, backends: list[tuple[str, int]], retry_after: float = 2.0) -> None:
        self._backends = [_Backend(address) for address in backends]
        self._retry_after = retry_after
        self._lock = threading.Lock()
        self._next = 0
        self._links: set[_Link] = set()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.refused = 0  # connections a backend refused (each handed on to another)
        self.cut = 0  # connections closed because their backend closed with a request unanswered
        self._closed = False
        self._thread = threading.Thread(target=self._accept, name="tcpproxy", daemon=True)
        self._thread.start()

    # -- the balancer ----------------------------------------------------------------

    def set_backend(self, index: int, address: tuple[str, int]) -> None:
        """A (restarted) replica at ``address`` takes backend ``index``'s place, up at once."""
        with self._lock:
            self._backends[index] = _Backend(address)

    def backend_connections(self) -> list[int]:
        with self._lock:
            return [b.connections for b in self._backends]

    def in_flight(self, index: int) -> list[str]:
        """Targets of the requests backend ``index`` holds unanswered."""
        with self._lock:
            return [link.pending for link in self._links if link.backend == index and link.pending]

    def _choose(self, tried: set[int]) -> int | None:
        with self._lock:
            now = time.monotonic()
            for _ in range(len(self._backends)):
                index = self._next % len(self._backends)
                self._next += 1
                backend = self._backends[index]
                if index in tried:
                    continue
                if backend.down_since is not None and now - backend.down_since < self._retry_after:
                    continue
                return index
            return None

    def _connect(self) -> tuple[int, socket.socket] | None:
        tried: set[int] = set()
        while True:
            index = self._choose(tried)
            if index is None:
                return None
            tried.add(index)
            with self._lock:
                address = self._backends[index].address
            try:
                upstream = socket.create_connection(address, timeout=10)
            except OSError:
                with self._lock:
                    self.refused += 1
                    if self._backends[index].address == address:
                        self._backends[index].down_since = time.monotonic()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._backends[index].down_since = None
                self._backends[index].connections += 1
            return index, upstream

    # -- relaying --------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        chosen = self._connect()
        if chosen is None:
            client.close()  # no backend up: the client sees the connection closed and retries
            return
        index, upstream = chosen
        link = _Link(index, sockets=[client, upstream])
        with self._lock:
            self._links.add(link)
        back = threading.Thread(target=self._pump, args=(upstream, client, link, False), daemon=True)
        back.start()
        self._pump(client, upstream, link, True)
        back.join()
        with self._lock:
            self._links.discard(link)
        for sock in link.sockets:
            sock.close()

    def _pump(self, source: socket.socket, sink: socket.socket, link: _Link, request: bool) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if request:
                    found = _TARGET.search(data)
                    if found:
                        with self._lock:
                            link.pending = found.group(1).decode()
                else:
                    with self._lock:
                        link.pending = None
                sink.sendall(data)
        except OSError:
            pass
        finally:
            if not request:
                with self._lock:
                    if link.pending:
                        self.cut += 1
            for sock in link.sockets:  # one side gone: close both, the client reconnects
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._closed = True
        try:
            self._listener.close()
        finally:
            with self._lock:
                links = list(self._links)
            for link in links:
                for sock in link.sockets:
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
        self._thread.join(timeout=10)
