"""Recent Rekognition calls, kept for the inspector page and the pytest report.

``responses.RekognitionResponse.call_action`` hands every answered call to the sinks
subscribed here. With none subscribed (the default: neither the server's inspector nor
the pytest plugin's failure report is listening) it records nothing and costs one
attribute read. A :class:`Ring` keeps the newest calls, bounded by count and by bytes.

An entry keeps what the call was made of, not what it means: the raw request body, the
status and the response body. Images are decoded (and S3 objects read) only when asked
for, or at once by a ring made with ``capture=True`` (the server's, whose entries outlive
the S3 objects they name). What the mock found in each image is read from the recorded
response by ``findings``. What the test-author controls did to a call (a scripted label
or face attribute, an injected fault or latency) is told to it through :func:`note` while
it is answered, and kept as the entry's ``notes``. Importing this module imports neither
moto nor numpy.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

DEFAULT_MAX_ENTRIES = 200
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

_SEQ = itertools.count(1)

# What the controls (service/controls/) did to a call: the kinds of its notes.
INJECTED_ERROR = "injected_error"  # {"code": ..., "message": ...}: the call failed because inject_error said so
INJECTED_LATENCY = "injected_latency"  # seconds waited because inject_latency said so
SCRIPTED_LABELS = "scripted_labels"  # the names of the labels set_labels added
SCRIPTED_MODERATION_LABELS = "scripted_moderation_labels"  # ... that set_moderation_labels added
SCRIPTED_FACE_ATTRIBUTES = "scripted_face_attributes"  # [member, value] that set_face_attributes put in a FaceDetail
SCRIPTED_EQUIPMENT = "scripted_equipment"  # [[person index, type or bare hand], ...] that set_protective_equipment gave
SCRIPTED_TEXT = "scripted_text"  # the lines set_text gave

_CURRENT = threading.local()  # .notes: those of the call this thread is answering, while it is recorded


class Sink(Protocol):
    def add(self, entry: "Entry") -> None: ...


_SINKS: tuple[Sink, ...] = ()
_SINKS_LOCK = threading.Lock()


def sinks() -> tuple[Sink, ...]:
    """The sinks listening now (empty: record nothing)."""
    return _SINKS


def subscribe(sink: Sink) -> None:
    """Give ``sink`` every call answered from now on, until :func:`unsubscribe`."""
    global _SINKS
    with _SINKS_LOCK:
        if sink not in _SINKS:
            _SINKS = (*_SINKS, sink)


def unsubscribe(sink: Sink) -> None:
    global _SINKS
    with _SINKS_LOCK:
        _SINKS = tuple(s for s in _SINKS if s is not sink)


@dataclass
class RecordedImage:
    """One ``Image``-shaped parameter of a call: where it came from and its bytes."""

    role: str  # the parameter's name: Image, SourceImage, TargetImage
    source: str  # "bytes" or "s3://bucket/key"
    data: bytes | None  # None when it could not be had (bad base64, object gone)
    problem: str | None = None

    @property
    def drawable(self) -> bool:
        """Whether the bytes begin as a JPEG or a PNG does (the only images the service reads)."""
        return self.data is not None and (self.data[:3] == b"\xff\xd8\xff" or self.data[:8] == b"\x89PNG\r\n\x1a\n")

    @property
    def media_type(self) -> str:
        if self.data is not None and self.data.startswith(b"\x89PNG"):
            return "image/png"
        return "image/jpeg"


@dataclass(eq=False)  # compared and hashed by identity
class Entry:
    """One Rekognition call as it was answered."""

    operation: str
    account: str
    region: str
    partition: str
    request_body: bytes
    status: int
    response_body: str
    started: float  # wall clock, seconds since the epoch
    latency_ms: float
    notes: dict[str, list[Any]] = field(default_factory=dict)  # what the controls did (see note())
    seq: int = field(default_factory=lambda: next(_SEQ))
    _images: list[RecordedImage] | None = field(default=None, repr=False)
    _params: dict[str, Any] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- what was asked ----------------------------------------------------------------

    def request(self) -> dict[str, Any]:
        """The request parameters, images' ``Bytes`` replaced by their size."""
        if self._params is None:
            params = _json_object(self.request_body)
            for role in image_members(self.operation):
                image = params.get(role)
                if isinstance(image, dict) and "Bytes" in image:
                    value = image["Bytes"]
                    params[role] = {**image, "Bytes": f"({_base64_size(value)} bytes)"}
            self._params = params
        return self._params

    def images(self) -> list[RecordedImage]:
        """The call's images, decoded (and read from moto's S3) on first use."""
        with self._lock:
            if self._images is None:
                self._images = list(self._resolve_images())
            return self._images

    def capture(self) -> None:
        """Decode the images now and keep only what the entry needs from the request."""
        self.request()
        self.images()
        self.request_body = b""

    def _resolve_images(self) -> Iterable[RecordedImage]:
        params = _json_object(self.request_body) if self.request_body else {}
        for role in image_members(self.operation):
            image = params.get(role)
            if not isinstance(image, dict):
                continue
            if "Bytes" in image:
                try:
                    data = base64.b64decode(image["Bytes"], validate=True)
                except (binascii.Error, TypeError, ValueError):
                    yield RecordedImage(role, "bytes", None, "not base64")
                    continue
                yield RecordedImage(role, "bytes", data)
            elif isinstance(image.get("S3Object"), dict):
                s3 = image["S3Object"]
                source = f"s3://{s3.get('Bucket')}/{s3.get('Name')}"
                yield RecordedImage(role, source, *_read_s3(image, self.account, self.region, self.partition))

    # -- what was answered ---------------------------------------------------------------

    def response(self) -> dict[str, Any]:
        return _json_object(self.response_body)

    @property
    def error_code(self) -> str | None:
        if self.status < 400:
            return None
        kind = str(self.response().get("__type", "")) or f"HTTP {self.status}"
        return kind.rsplit("#", 1)[-1]

    @property
    def error_message(self) -> str | None:
        if self.status < 400:
            return None
        body = self.response()
        return body.get("message") or body.get("Message")

    @property
    def nbytes(self) -> int:
        images = self._images or []
        return len(self.request_body) + len(self.response_body) + sum(len(i.data or b"") for i in images)


@contextlib.contextmanager
def collecting_notes() -> Iterator[dict[str, list[Any]]]:
    """Collect what :func:`note` is told in this thread while the call inside is answered."""
    notes: dict[str, list[Any]] = {}
    outer = getattr(_CURRENT, "notes", None)
    _CURRENT.notes = notes
    try:
        yield notes
    finally:
        _CURRENT.notes = outer


def note(kind: str, value: Any) -> None:
    """Tell the call this thread is answering that a control did ``kind`` (nothing happens
    when the call is not recorded)."""
    notes = getattr(_CURRENT, "notes", None)
    if notes is not None:
        notes.setdefault(kind, []).append(value)


def record(
    operation: str, account: str, region: str, partition: str, request_body: Any, result: Any, started: float,
    latency_ms: float, notes: dict[str, list[Any]] | None = None,
) -> None:
    """Hand one answered call to every sink (``result`` is moto's (status, headers, body))."""
    status, _headers, body = result
    if isinstance(request_body, str):
        request_body = request_body.encode("utf-8", "surrogatepass")
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    entry = Entry(operation, account, region, partition, request_body or b"", int(status), body or "", started, latency_ms,
                  dict(notes or {}))
    for sink in _SINKS:
        sink.add(entry)


class Ring:
    """The newest entries, at most ``max_entries`` of them and about ``max_bytes`` in all."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, max_bytes: int = DEFAULT_MAX_BYTES, capture: bool = False) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.capture = capture
        self._entries: deque[tuple[Entry, int]] = deque()  # with the size counted when added
        self._bytes = 0
        self._lock = threading.Lock()
        self.dropped = 0  # entries pushed out by the bounds

    def add(self, entry: Entry) -> None:
        if self.capture:
            entry.capture()
        size = entry.nbytes
        with self._lock:
            self._entries.append((entry, size))
            self._bytes += size
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                _, old_size = self._entries.popleft()
                self._bytes -= old_size
                self.dropped += 1

    def entries(self, after: int = 0) -> list[Entry]:
        """Entries newer than sequence number ``after``, oldest first."""
        with self._lock:
            return [e for e, _ in self._entries if e.seq > after]

    def get(self, seq: int) -> Entry | None:
        with self._lock:
            for entry, _ in self._entries:
                if entry.seq == seq:
                    return entry
        return None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


@functools.cache
def image_members(operation: str) -> tuple[str, ...]:
    """The input members of ``operation`` whose shape is botocore's ``Image``."""
    from .validation import service_model

    try:
        shape = service_model().operation_model(operation).input_shape
    except Exception:  # an unknown operation has no images
        return ()
    if shape is None:
        return ()
    return tuple(name for name, member in shape.members.items() if member.name == "Image")


def _json_object(body: bytes | str) -> dict[str, Any]:
    try:
        value = json.loads(body or "{}")
    except (TypeError, ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _base64_size(value: Any) -> int:
    if not isinstance(value, str):
        return 0
    stripped = value.rstrip("=")
    return len(stripped) * 3 // 4


def _read_s3(image: dict[str, Any], account: str, region: str, partition: str) -> tuple[bytes | None, str | None]:
    from .exceptions import ImageTooLargeException, InvalidS3ObjectException
    from .images import image_bytes

    try:
        return image_bytes(image, account, region, partition), None
    except InvalidS3ObjectException:
        return None, "the S3 object could not be read"
    except ImageTooLargeException:
        return None, "the S3 object is too large"
    except Exception as exc:  # anything else: say so, never fail the caller
        return None, type(exc).__name__


def now() -> tuple[float, float]:
    """(wall clock, monotonic clock) at the start of a call."""
    return time.time(), time.perf_counter()
