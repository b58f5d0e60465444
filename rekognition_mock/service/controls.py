"""Test-author controls no real service has: scripted labels and injected faults.

Process-wide state, thread-safe, cleared by :func:`reset` (moto's reset clears it too).
Images are named by their bytes (matched by SHA-256, however they are sent) or by an S3
``(bucket, key)`` pair. Every Rekognition call passes through :func:`before` first, in
``responses.call_action``, so an injected fault or latency applies to any operation.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from typing import Any

ANY_OPERATION = "*"

# HTTP statuses AWS answers Rekognition's errors with (the API reference's error lists);
# codes not listed here answer 400.
ERROR_STATUS = {
    "InternalServerError": 500,
    "ThrottlingException": 500,
    "ServiceUnavailableException": 503,
}


@dataclass
class _Fault:
    error_code: str
    remaining: int
    message: str | None


_lock = threading.Lock()
_labels: dict[tuple, list[dict[str, Any]]] = {}
_moderation: dict[tuple, list[dict[str, Any]]] = {}
_faults: dict[str, list[_Fault]] = {}
_latency: dict[str, float] = {}
_face_attributes: dict[tuple, dict[int, dict[str, Any]]] = {}


def image_key(image: Any) -> tuple:
    """The key of an image named by its bytes or by ``(bucket, key)``."""
    if isinstance(image, (bytes, bytearray, memoryview)):
        return ("sha256", hashlib.sha256(bytes(image)).hexdigest())
    if isinstance(image, tuple) and len(image) == 2 and all(isinstance(p, str) and p for p in image):
        return ("s3", image[0], image[1])
    raise TypeError("image must be the image's bytes or a (bucket, key) pair of strings")


def operation_name(operation: str) -> str:
    """``"DetectFaces"``, ``"detect_faces"`` or ``"*"`` as the API's operation name."""
    if operation == ANY_OPERATION:
        return operation
    from botocore import xform_name

    from .validation import service_model

    names = service_model().operation_names
    if operation in names:
        return operation
    for name in names:
        if xform_name(name) == operation:
            return name
    raise ValueError(f"Rekognition has no operation {operation!r}")


def set_labels(image: Any, labels: list[Any], moderation: bool = False) -> None:
    """Script the labels DetectLabels (or DetectModerationLabels) finds in ``image``."""
    from .labels import normalise_labels

    key = image_key(image)
    with _lock:
        (_moderation if moderation else _labels)[key] = normalise_labels(labels, moderation)


def scripted(keys: list[tuple], moderation: bool = False) -> list[dict[str, Any]] | None:
    """The labels scripted for the first of ``keys`` that has some, else None."""
    table = _moderation if moderation else _labels
    with _lock:
        for key in keys:
            if key in table:
                return [dict(label) for label in table[key]]
    return None


def set_face_attributes(image: Any, face_index: int, attributes: dict[str, Any]) -> None:
    """Replace FaceDetail members of one face (``face_index`` in the response's order,
    largest face first) of ``image``, in every DetectFaces and IndexFaces that reports them."""
    from .validation import service_model

    if not isinstance(face_index, int) or isinstance(face_index, bool) or face_index < 0:
        raise ValueError("face_index must be a non-negative integer")
    if not isinstance(attributes, dict) or not attributes:
        raise ValueError("attributes must be a non-empty dict of FaceDetail members")
    members = service_model().shape_for("FaceDetail").members
    unknown = sorted(set(attributes) - set(members))
    if unknown:
        raise ValueError(f"not FaceDetail members: {', '.join(unknown)} (members: {', '.join(members)})")
    key = image_key(image)
    with _lock:
        _face_attributes.setdefault(key, {}).setdefault(face_index, {}).update(attributes)


def face_attributes(keys: list[tuple]) -> dict[int, dict[str, Any]]:
    """The face attribute overrides of the first of ``keys`` that has some."""
    with _lock:
        for key in keys:
            if key in _face_attributes:
                return {i: dict(a) for i, a in _face_attributes[key].items()}
    return {}


def override(details: list[dict[str, Any]], overrides: dict[int, dict[str, Any]]) -> None:
    """Apply ``overrides`` to the FaceDetails of a response, for the members it reports."""
    for index, attributes in overrides.items():
        if index < len(details):
            for name, value in attributes.items():
                if name in details[index]:
                    details[index][name] = value


def inject_error(operation: str, error_code: str, times: int = 1, message: str | None = None) -> None:
    """The next ``times`` calls of ``operation`` (or ``"*"``) fail with AWS's ``error_code``."""
    if not isinstance(error_code, str) or not error_code:
        raise ValueError("error_code must be an AWS error code such as 'ThrottlingException'")
    if not isinstance(times, int) or times < 1:
        raise ValueError("times must be a positive integer")
    name = operation_name(operation)
    with _lock:
        _faults.setdefault(name, []).append(_Fault(error_code, times, message))


def inject_latency(operation: str, seconds: float) -> None:
    """Every call of ``operation`` (or ``"*"``) waits ``seconds`` first (0 removes it)."""
    seconds = float(seconds)
    if not 0 <= seconds <= 300:
        raise ValueError("seconds must be between 0 and 300")
    name = operation_name(operation)
    with _lock:
        if seconds:
            _latency[name] = seconds
        else:
            _latency.pop(name, None)


def before(operation: str) -> None:
    """Apply the latency and the next injected fault of ``operation`` (raises that fault)."""
    with _lock:
        delay = _latency.get(operation, _latency.get(ANY_OPERATION, 0.0))
        fault = _take_fault(operation) or _take_fault(ANY_OPERATION)
    if delay:
        time.sleep(delay)
    if fault is not None:
        from .exceptions import injected

        raise injected(fault.error_code, ERROR_STATUS.get(fault.error_code, 400), fault.message)


def _take_fault(name: str) -> _Fault | None:
    queue = _faults.get(name)
    if not queue:
        return None
    fault = queue[0]
    fault.remaining -= 1
    if fault.remaining == 0:
        queue.pop(0)
    return _Fault(fault.error_code, 1, fault.message)


def reset() -> None:
    """Forget every scripted answer, fault and latency."""
    with _lock:
        _labels.clear()
        _moderation.clear()
        _faults.clear()
        _latency.clear()
        _face_attributes.clear()


def listing() -> dict[str, Any]:
    """The controls in force, as JSON-ready data (the server's GET, the inspector)."""
    with _lock:
        return {
            "labels": [{"image": list(key), "labels": value} for key, value in _labels.items()],
            "moderation_labels": [{"image": list(key), "labels": value} for key, value in _moderation.items()],
            "errors": [
                {"operation": op, "error_code": f.error_code, "times": f.remaining, "message": f.message}
                for op, queue in _faults.items()
                for f in queue
            ],
            "latency": [{"operation": op, "seconds": s} for op, s in _latency.items()],
            "face_attributes": [
                {"image": list(key), "face_index": index, "attributes": attributes}
                for key, faces in _face_attributes.items()
                for index, attributes in sorted(faces.items())
            ],
        }
