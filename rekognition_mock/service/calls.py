"""Recorded Rekognition calls as the ``rekognition_calls`` fixture shows them (like ``responses.calls``).

A read-only, list-like view over a :class:`~rekognition_mock.service.recorder.Ring`: each
:class:`Call` has the operation's name, its parameters with every image's bytes replaced
by a short description (size and SHA-256), the response or the error (code and message),
the time it took and the digests of its images. Nothing is decoded until it is asked for.
Importing this module imports neither moto nor numpy.
"""

from __future__ import annotations

import copy
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

from .recorder import Entry, Ring

DIGEST_SHOWN = 12  # hex digits of an image's SHA-256 in its description


@dataclass(frozen=True)
class CallImage:
    """One image parameter of a call: ``role`` (``Image``, ``SourceImage``...), where it came
    from (``bytes`` or ``s3://bucket/key``), and its size and SHA-256 (None when the bytes
    could not be had: ``problem`` says why)."""

    role: str
    source: str
    size: int | None
    sha256: str | None
    problem: str | None = None

    def describe(self) -> str:
        if self.sha256 is None:
            return f"({self.problem})"
        return f"<{self.size} bytes, sha256 {self.sha256[:DIGEST_SHOWN]}...>"


@dataclass(frozen=True)
class CallError:
    """What a failed call answered: AWS's error code and message."""

    code: str
    message: str | None


class Call:
    """One recorded call (read-only; what is not asked for is not decoded)."""

    def __init__(self, entry: Entry) -> None:
        self._entry = entry

    @property
    def operation(self) -> str:
        """The API's operation name, e.g. ``"DetectFaces"``."""
        return self._entry.operation

    @property
    def status(self) -> int:
        """The HTTP status it was answered with."""
        return self._entry.status

    @property
    def seconds(self) -> float:
        """How long the mock took to answer it (injected latency included)."""
        return self._entry.latency_ms / 1000

    @property
    def started(self) -> float:
        """When it arrived (seconds since the epoch)."""
        return self._entry.started

    @property
    def region(self) -> str:
        return self._entry.region

    @property
    def account(self) -> str:
        return self._entry.account

    @functools.cached_property
    def images(self) -> tuple[CallImage, ...]:
        """Its image parameters, in the order of the operation's input (S3 objects are read
        from the mock's S3 when first asked for)."""
        found = []
        for image in self._entry.images():
            if image.data is None:
                found.append(CallImage(image.role, image.source, None, None, image.problem))
            else:
                found.append(CallImage(image.role, image.source, len(image.data), hashlib.sha256(image.data).hexdigest()))
        return tuple(found)

    @functools.cached_property
    def params(self) -> dict[str, Any]:
        """The request's parameters, each image's ``Bytes`` replaced by its description
        (``"<61306 bytes, sha256 a8ca6d734765...>"``); S3 images are as sent."""
        params = copy.deepcopy(self._entry.request())
        for image in self.images:
            member = params.get(image.role)
            if isinstance(member, dict) and "Bytes" in member:
                member["Bytes"] = image.describe()
        return params

    @property
    def image_digests(self) -> list[str | None]:
        """The SHA-256 (hex) of each image parameter, in order."""
        return [image.sha256 for image in self.images]

    @functools.cached_property
    def response(self) -> dict[str, Any] | None:
        """The response's members, or None when the call failed (see :attr:`error`)."""
        return None if self._entry.status >= 400 else self._entry.response()

    @functools.cached_property
    def error(self) -> CallError | None:
        """The error's code and message, or None when the call succeeded."""
        if self._entry.status < 400:
            return None
        return CallError(self._entry.error_code or f"HTTP {self._entry.status}", self._entry.error_message)

    @property
    def notes(self) -> dict[str, list[Any]]:
        """What the test-author controls did to it (``recorder.INJECTED_ERROR``,
        ``recorder.SCRIPTED_LABELS``...); empty when nothing."""
        return self._entry.notes

    def __repr__(self) -> str:
        outcome = f"{self.error.code}" if self.error else "ok"
        return f"<Call {self.operation} {self.status} {outcome} {self.seconds:.3f}s>"


class RecordedCalls(Sequence[Call]):
    """The calls a ring holds, oldest first, since the last :meth:`reset`."""

    def __init__(self, ring: Ring) -> None:
        self._ring = ring
        self._after = 0  # calls up to this sequence number are forgotten (reset)
        self._calls: dict[int, Call] = {}

    def _entries(self) -> list[Entry]:
        return self._ring.entries(self._after)

    def _call(self, entry: Entry) -> Call:
        call = self._calls.get(entry.seq)
        if call is None:
            call = self._calls[entry.seq] = Call(entry)
        return call

    @overload
    def __getitem__(self, index: int) -> Call: ...
    @overload
    def __getitem__(self, index: slice) -> list[Call]: ...
    def __getitem__(self, index: int | slice) -> Call | list[Call]:
        entries = self._entries()
        if isinstance(index, slice):
            return [self._call(entry) for entry in entries[index]]
        return self._call(entries[index])

    def __len__(self) -> int:
        return len(self._entries())

    @property
    def operations(self) -> list[str]:
        """The operations' names, in order."""
        return [entry.operation for entry in self._entries()]

    @property
    def dropped(self) -> int:
        """Calls pushed out by the ring's bounds (its newest calls are kept)."""
        return self._ring.dropped

    def reset(self) -> None:
        """Forget the calls made so far (this view only: a failed test's report still shows them)."""
        entries = self._ring.entries(self._after)
        if entries:
            self._after = entries[-1].seq
        self._calls.clear()

    def __repr__(self) -> str:
        return f"<RecordedCalls {self.operations}>"
