"""The one clock every timed state machine of the mock reads (Custom Labels training and
hosting, stream processors, Face Liveness sessions, media analysis jobs), and the rule by
which their in-progress states end.

``now()`` is the wall clock plus an offset a test moves with ``advance_clock(seconds)``.
Every timestamp these families report comes from it, so moving it ages sessions and jobs.

A transitional state (``TRAINING_IN_PROGRESS``, ``STARTING``, ``IN_PROGRESS``...) is a
:class:`Timer` with a simulated duration (:data:`DURATIONS`, AWS-like). It ends at the first
of:

* the clock passing its start plus its duration (``advance_clock`` gets there at once);
* in the default *auto* mode, the second look: the first Describe/Get that finds the state
  in progress reports it, the next one finds it finished. A test that describes the resource
  right after creating it sees the in-progress state. A botocore waiter's poll (its requests
  carry the ``WAITER`` feature id, ``m/B``, in their User-Agent) counts as that second look,
  so a waiter finishes on its first poll, without sleeping its 30 or 120 s delay.

In *manual* mode (``manual_clock()``) looks move nothing: states end only when the clock
passes their duration, which is how a test holds a state for as long as it likes.
moto's reset puts the clock back (no offset, auto mode).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

# Simulated durations of the transitional states, in seconds of the mock's clock.
DURATIONS = {
    "training": 1800.0,  # CreateProjectVersion: TRAINING_IN_PROGRESS
    "copying": 600.0,  # CopyProjectVersion: COPYING_IN_PROGRESS
    "starting": 300.0,  # StartProjectVersion: STARTING (hosting a model)
    "stopping": 60.0,  # StopProjectVersion: STOPPING
    "stream_starting": 10.0,  # StartStreamProcessor: STARTING
    "stream_stopping": 10.0,  # StopStreamProcessor: STOPPING
    "stream_updating": 10.0,  # UpdateStreamProcessor: UPDATING
    "media_analysis": 60.0,  # StartMediaAnalysisJob: IN_PROGRESS
}
LIVENESS_SESSION_LIFETIME = 180.0  # a Face Liveness session expires 3 minutes after it is created

_lock = threading.Lock()
_offset = 0.0
_manual = False


def now() -> float:
    """The mock's time, in seconds since the epoch."""
    return time.time() + _offset


def advance(seconds: float) -> float:
    """Move the clock ``seconds`` forward (never back); returns the new time."""
    global _offset
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 10 * 365 * 86400:
        raise ValueError("seconds must be a number from 0 to ten years")
    with _lock:
        _offset += float(seconds)
    return now()


def set_manual(manual: bool) -> None:
    """Manual mode: in-progress states end only when the clock passes their duration."""
    global _manual
    if not isinstance(manual, bool):
        raise ValueError("manual must be true or false")
    _manual = manual


def is_manual() -> bool:
    return _manual


def offset() -> float:
    return _offset


def reset() -> None:
    """No offset, auto mode (moto's reset)."""
    global _offset, _manual
    with _lock:
        _offset = 0.0
        _manual = False


@dataclass
class Timer:
    """One transitional state: started at ``started`` (the mock's time), lasting ``duration``."""

    started: float
    duration: float
    seen: bool = False
    ended: float | None = None

    @classmethod
    def start(cls, kind: str) -> Timer:
        return cls(now(), DURATIONS[kind])

    def look(self, counted: bool = True, last: bool = False) -> bool:
        """True when the state has ended; otherwise a ``counted`` look (a Describe or Get
        reporting the state) is remembered (see the module). The mock's own checks (may this
        version start?) do not count. A ``last`` look (a botocore waiter's poll) ends the
        state at once, as a second look does, unless the clock is manual."""
        if self.ended is not None:
            return True
        current = now()
        if current >= self.started + self.duration or ((self.seen or last) and not _manual):
            self.ended = min(current, self.started + self.duration)
            return True
        self.seen = self.seen or counted
        return False
