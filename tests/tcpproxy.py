"""A small round-robin TCP load balancer for tests that run several ``serve`` replicas.

Each client connection is given to the next backend in turn and relayed byte for byte both
ways. A backend that refuses a connection is marked down and skipped (the connection goes to
the next one); a down backend is tried again after ``retry_after`` seconds, or at once when
:meth:`Proxy.set_backend` gives it a new address (a restarted replica).

When a backend dies while a connection is open, what the client sees depends on where the
answer was (the proxy follows each answer's framing: ``Content-Length``, chunks, or none):

- between answers (a whole answer relayed, or no request sent), the client's side is closed
  as the backend's was;
- with a request unanswered or an answer part-way, the client's connection is *reset* (an RST,
  not a FIN), so the client sees the connection cut before a whole answer, which botocore's
  standard retry mode retries, on a new connection, to a live backend. A clean close there
  would not do: botocore does not compare a JSON answer's body with its ``Content-Length``
  (only streamed bodies are checked), so a ``200`` cut after its head, or part-way through its
  body, then closed, parses as an answer without its fields (ListFaces without ``Faces``).

The proxy does not retry a request itself: it cannot know whether the dead backend committed
it. It relays answers to requests with a body (botocore's POSTs and GETs), not to ``HEAD``.

:meth:`Proxy.in_flight` lists the ``X-Amz-Target`` of the requests each backend received and has
not begun to answer yet, so a test can kill a replica while it is writing.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

_TARGET = re.compile(rb"X-Amz-Target:\s*[A-Za-z]+\.([A-Za-z]+)", re.IGNORECASE)


@dataclass
class _Backend:
    address: tuple[str, int]
    down_since: float | None = None
    connections: int = 0  # connections handed to it so far


class Framing:
    """Where a stream of HTTP/1.1 answers is: fed the bytes relayed, ``whole`` says whether
    the last answer ended (or none began); ``answers`` counts the answers that ended."""

    def __init__(self) -> None:
        self._state = "idle"  # idle, interim, head, length, size, chunk, trailer, close
        self._line = b""  # an unfinished line of a head, a chunk size or a trailer
        self._head: list[bytes] = []
        self._left = 0  # bytes of the body (length) or of the chunk and its CRLF (chunk)
        self.answers = 0

    @property
    def whole(self) -> bool:
        """True between answers, and during a body that ends when the connection does."""
        return self._state == "close" or (self._state == "idle" and not self._line)

    def feed(self, data: bytes) -> None:
        while data and self._state != "close":
            if self._state in ("length", "chunk"):
                taken = min(self._left, len(data))
                self._left -= taken
                data = data[taken:]
                if self._left == 0:
                    self._state = "size" if self._state == "chunk" else self._ended()
                continue
            end = data.find(b"\n")
            if end < 0:
                self._line += data
                return
            line, self._line = (self._line + data[:end]).rstrip(b"\r"), b""
            data = data[end + 1:]
            self._take(line)

    def _ended(self) -> str:
        self.answers += 1
        return "idle"

    def _take(self, line: bytes) -> None:
        if self._state in ("idle", "interim"):
            if line:  # the status line (a stray empty line between answers is skipped)
                self._head, self._state = [line], "head"
        elif self._state == "head":
            if line:
                self._head.append(line)
            else:
                self._state = self._body()
        elif self._state == "size":
            try:
                size = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                self._state = "close"  # framing not followed any further
                return
            self._state, self._left = ("trailer", 0) if size == 0 else ("chunk", size + 2)
        elif not line:  # the empty line after the trailer fields
            self._state = self._ended()

    def _body(self) -> str:
        """The state after a head: how its body is framed (RFC 9112 section 6.3)."""
        parts = self._head[0].split()
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
        fields = {}
        for header in self._head[1:]:
            name, _, value = header.partition(b":")
            fields[name.strip().lower()] = value.strip().lower()
        if 100 <= status < 200:
            return "interim"  # a 1xx answer: the real one follows
        if status in (204, 304):
            return self._ended()
        if b"chunked" in fields.get(b"transfer-encoding", b""):
            return "size"
        if fields.get(b"content-length", b"").isdigit():
            self._left = int(fields[b"content-length"])
            return "length" if self._left else self._ended()
        return "close"


@dataclass(eq=False)
class _Link:
    backend: int
    pending: str | None = None  # target of a request sent and not yet answered
    sockets: list[socket.socket] = field(default_factory=list)  # [client, upstream]
    framing: Framing = field(default_factory=Framing)  # of the answers relayed to the client
    ended: bool = False


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
        self.cut = 0  # connections reset because their backend closed with a request unanswered
        self.cut_answers = 0  # of which, with an answer part-way (its head, or some of its body, relayed)
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
                        link.framing.feed(data)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                cut_short = not request and (link.pending is not None or not link.framing.whole)
            self._end(link, cut_short)

    def _end(self, link: _Link, cut_short: bool) -> None:
        """One side gone: end both. ``cut_short`` (the backend went with a request unanswered
        or an answer part-way): reset the client's connection instead of closing it."""
        with self._lock:
            if link.ended:
                return
            link.ended = True
            if cut_short:
                self.cut += 1
                self.cut_answers += link.pending is None
        client, upstream = link.sockets
        if cut_short:  # close() (in _serve, once both pumps stopped) sends an RST, not a FIN
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # SHUT_RD sends nothing, only wakes the pump reading the client
        ends = [(client, socket.SHUT_RD if cut_short else socket.SHUT_RDWR), (upstream, socket.SHUT_RDWR)]
        for sock, how in ends:
            try:
                sock.shutdown(how)
            except OSError:
                pass

    def close(self) -> None:
        self._closed = True
        try:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept(); close() alone does not
            except OSError:
                pass
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
