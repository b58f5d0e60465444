"""The face engine's memory: caches bounded in bytes, one process-wide budget of network
input that every pass over an image reserves from, and glibc's heap handed back to the system.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

TRIM_PIXELS = 4_000_000  # after a larger analysis, freed memory goes back to the system
ANALYSIS_BUDGET_PIXELS = 3840 * 2160  # network input analysed at once: one 1080p image (AWS's reference size)
# What a pass over an image holds whatever the image's size (the detector's turned copies and
# first layers, landmarks, an attribute network's batch: 50-90 MB measured for a 0.5 MP photo,
# as much as 1-2 million network pixels), counted as half the budget: passes run one at a time.
# Every network run uses all the cores already: sixteen small images sent at once to a server
# on 2 cores were answered as fast that way as two or three side by side, with 100 MB less at
# the peak (bench/run.py --only server_memory).
PASS_PIXELS = ANALYSIS_BUDGET_PIXELS // 2
T = TypeVar("T")


class BytesLRU(Generic[T]):
    """A thread-safe least-recently-used cache bounded by the bytes of what it holds."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[str, tuple[T, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> T | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: str, value: T, size: int) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.budget:
                return  # larger than the whole cache: not kept
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.budget:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    @property
    def nbytes(self) -> int:
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class Budget:
    """Analyses reserve the network input they need from a shared budget, first come first
    served: large images one at a time, small ones side by side."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._free = capacity
        self._queue: deque[object] = deque()
        self._cond = threading.Condition()

    @contextmanager
    def reserve(self, amount: int) -> Iterator[None]:
        amount = min(max(1, amount), self.capacity)
        ticket = object()
        with self._cond:
            self._queue.append(ticket)
            self._cond.wait_for(lambda: self._queue[0] is ticket and self._free >= amount)
            self._queue.popleft()
            self._free -= amount
            self._cond.notify_all()  # the next in line may fit too
        try:
            yield
        finally:
            with self._cond:
                self._free += amount
                self._cond.notify_all()


@functools.cache
def _malloc_trim() -> Any:
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


def give_back_memory() -> None:
    """Return the heap freed by a large decode to the system (glibc keeps it otherwise)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def tune_for_server() -> None:
    """Set this process up as a server's: one heap for every thread, and no onnxruntime
    memory arenas, so that what concurrent requests hold follows the analysis budget.

    glibc gives each thread that allocates its own heap (up to eight per core), and each
    heap keeps the most its thread ever held; onnxruntime's arenas likewise keep the most
    their sessions were ever asked for at once: sixteen small images sent at once took a
    server to 1.1 GB. With one heap, what a request frees is what the next one takes; blocks
    of :data:`MMAP_THRESHOLD` or more are mapped, and unmapped as soon as they are freed
    (glibc would otherwise raise that threshold after each large block, up to 32 MB, and keep
    those blocks in the heap), and the heap goes back to the system whenever no request runs
    (:func:`give_back_memory`). Runs take a little longer (pages mapped afresh instead of
    an arena's). Called by ``rekognition-mock serve`` for its own process only, before any
    model loads; never in a user's process.
    """
    import ctypes
    import ctypes.util

    from . import onnx_nets

    onnx_nets.without_arenas()
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc: nothing to do
        return
    m_mmap_threshold, m_arena_max = -3, -8
    mallopt(m_arena_max, 1)
    mallopt(m_mmap_threshold, MMAP_THRESHOLD)


MMAP_THRESHOLD = 4 * 2**20  # in server processes, blocks this large are mapped, and unmapped when freed
