"""Test-author controls no real service has: scripted answers and injected faults.

Process-wide state, thread-safe, cleared by :func:`reset`; moto's reset clears it too
(setting a control makes sure a Rekognition backend exists for that reset to reach).
Images are named by their bytes (matched by SHA-256, however they are sent) or by an S3
``(bucket, key)`` pair. Every Rekognition call passes through :func:`before` first, in
``responses.call_action``, so an injected fault or latency applies to any operation.

The standalone server exposes the same controls as JSON: :data:`HTTP_CONTROLS` maps each
``POST /_rekognition_mock/<name>`` to a function of the decoded body, and
:func:`handle_http` answers a request. A new control is a function here and one
``@http_control("name")`` line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import recorder

ANY_OPERATION = "*"
MAX_HTTP_BODY = 16 * 2**20  # a control's JSON body (an image of 5 MB in base64 and its labels)


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
_extensions: dict[str, tuple[Callable[[], None], Callable[[], list[Any]]]] = {}  # name -> (reset, listing)


def extend(name: str, reset_fn: Callable[[], None], listing_fn: Callable[[], list[Any]]) -> None:
    """Add a family of controls kept elsewhere (``video_controls``): :func:`reset` calls
    ``reset_fn`` and :func:`listing` lists ``listing_fn()`` under ``name``."""
    _extensions[name] = (reset_fn, listing_fn)


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
    normalised = normalise_labels(labels, moderation)
    _reachable_by_reset()
    with _lock:
        (_moderation if moderation else _labels)[key] = normalised


def scripted(keys: list[tuple], moderation: bool = False) -> list[dict[str, Any]] | None:
    """The labels scripted for the first of ``keys`` that has some, else None."""
    table = _moderation if moderation else _labels
    with _lock:
        found = next(([dict(label) for label in table[key]] for key in keys if key in table), None)
    if found is not None:
        kind = recorder.SCRIPTED_MODERATION_LABELS if moderation else recorder.SCRIPTED_LABELS
        recorder.note(kind, [label["Name"] for label in found])
    return found


def set_face_attributes(image: Any, face_index: int, attributes: dict[str, Any]) -> None:
    """Replace FaceDetail members of one face (``face_index`` in the response's order,
    largest face first) of ``image``, in every DetectFaces and IndexFaces that reports them."""
    from .validation import service_model

    if not isinstance(face_index, int) or isinstance(face_index, bool) or face_index < 0:
        raise ValueError("face_index must be a non-negative integer")
    if not isinstance(attributes, dict) or not attributes:
        raise ValueError("attributes must be a non-empty dict of FaceDetail members")
    from botocore.validate import ParamValidator

    shape = service_model().shape_for("FaceDetail")
    unknown = sorted(set(attributes) - set(shape.members))
    if unknown:
        raise ValueError(f"not FaceDetail members: {', '.join(unknown)} (members: {', '.join(shape.members)})")
    report = ParamValidator().validate(attributes, shape)  # the types botocore will parse them as
    if report.has_errors():
        raise ValueError(f"not FaceDetail values: {report.generate_report()}")
    key = image_key(image)
    if key[0] == "sha256":
        _check_face_index(bytes(image), face_index)
    _reachable_by_reset()
    with _lock:
        _face_attributes.setdefault(key, {}).setdefault(face_index, {}).update(attributes)


def _check_face_index(data: bytes, face_index: int) -> None:
    """ValueError if the image (given by its bytes) has no face ``face_index``: an override
    for a face the mock does not find would never apply. The analysis is the one DetectFaces
    will use (cached), so the check costs nothing later. An image the engine cannot read is
    not checked here: the API call will refuse it."""
    from ..settings import engine

    try:
        faces = len(engine().analyze(data).faces)
    except Exception:  # not an image the engine reads: the API call reports it
        return
    if not faces:
        raise ValueError(f"the mock finds no face in the image, so face_index {face_index} would never apply")
    if face_index >= faces:
        raise ValueError(f"the image has {faces} face{'s' if faces != 1 else ''} (face_index 0 to {faces - 1}); "
                         f"face_index {face_index} is not one of them")


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
                    recorder.note(recorder.SCRIPTED_FACE_ATTRIBUTES, [name, value])


def inject_error(operation: str, error_code: str, times: int = 1, message: str | None = None) -> None:
    """The next ``times`` calls of ``operation`` (or ``"*"``) fail with AWS's ``error_code``
    (its HTTP status and, unless ``message`` is given, its usual message)."""
    from .exceptions import error_class, error_codes

    if not isinstance(error_code, str) or error_class(error_code) is None:
        raise ValueError(f"{error_code!r} is not an error Rekognition answers; one of: {', '.join(error_codes())}")
    if not isinstance(times, int) or isinstance(times, bool) or times < 1:
        raise ValueError("times must be a positive integer")
    if message is not None and not isinstance(message, str):
        raise ValueError("message must be a string")
    name = operation_name(operation)
    _reachable_by_reset()
    with _lock:
        _faults.setdefault(name, []).append(_Fault(error_code, times, message))


def inject_latency(operation: str, seconds: float) -> None:
    """Every call of ``operation`` (or ``"*"``) waits ``seconds`` first (0 removes it)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 300:
        raise ValueError("seconds must be a number between 0 and 300")
    name = operation_name(operation)
    _reachable_by_reset()
    with _lock:
        if seconds:
            _latency[name] = float(seconds)
        else:
            _latency.pop(name, None)


def before(operation: str) -> None:
    """Apply the latency and the next injected fault of ``operation`` (raises that fault)."""
    with _lock:
        delay = _latency.get(operation, _latency.get(ANY_OPERATION, 0.0))
        fault = _take_fault(operation) or _take_fault(ANY_OPERATION)
    if delay:
        recorder.note(recorder.INJECTED_LATENCY, delay)
        time.sleep(delay)
    if fault is not None:
        from .exceptions import error_class

        recorder.note(recorder.INJECTED_ERROR, {"code": fault.error_code, "message": fault.message})
        raise error_class(fault.error_code)(fault.message)  # type: ignore[misc]


def _take_fault(name: str) -> _Fault | None:
    queue = _faults.get(name)
    if not queue:
        return None
    fault = queue[0]
    fault.remaining -= 1
    if fault.remaining == 0:
        queue.pop(0)
    return _Fault(fault.error_code, 1, fault.message)


def _reachable_by_reset() -> None:
    """moto's reset reaches the controls through the Rekognition backends it resets; make
    sure one exists, so that a reset (a mock starting or stopping, ``/moto-api/reset``)
    clears a control set before any Rekognition call."""
    from moto.core import DEFAULT_ACCOUNT_ID

    from .models import rekognition_backends

    rekognition_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]


def reset() -> None:
    """Forget every scripted answer, fault and latency."""
    with _lock:
        _labels.clear()
        _moderation.clear()
        _faults.clear()
        _latency.clear()
        _face_attributes.clear()
    for reset_fn, _ in list(_extensions.values()):
        reset_fn()


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
        } | {name: listing_fn() for name, (_, listing_fn) in list(_extensions.items())}


# -- over HTTP (the standalone server) ----------------------------------------------------

HTTP_CONTROLS: dict[str, Callable[[dict[str, Any]], None]] = {}


def http_control(name: str) -> Callable[[Callable[[dict[str, Any]], None]], Callable[[dict[str, Any]], None]]:
    """Register the function answering ``POST /_rekognition_mock/<name>`` (a JSON object)."""

    def register(function: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
        HTTP_CONTROLS[name] = function
        return function

    return register


def handle_http(method: str, name: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    """The status and JSON answer of a control request: ``GET controls`` lists what is in
    force; a POST applies one control and answers the same listing, or 400 with
    ``{"error": ...}`` for a bad body, 404 for a control that does not exist."""
    if method == "GET" and name == "controls":
        return 200, listing()
    if method != "POST":
        return 405, {"error": "controls take POST (GET only for /_rekognition_mock/controls)"}
    control = HTTP_CONTROLS.get(name)
    if control is None:
        return 404, {"error": f"no control {name!r}; controls: {', '.join(sorted(HTTP_CONTROLS))}"}
    try:
        body = json.loads(raw or b"{}", parse_constant=_not_json)
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        control(body)
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return 400, {"error": str(exc)}
    return 200, listing()


def _not_json(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def _image(body: dict[str, Any]) -> Any:
    """The image a JSON control names: ``{"bytes": base64}`` or ``{"bucket": ..., "key": ...}``."""
    image = body.get("image")
    if isinstance(image, dict) and isinstance(image.get("bytes"), str):
        try:
            return base64.b64decode(image["bytes"], validate=True)
        except binascii.Error:
            raise ValueError("image.bytes is not base64") from None
    if isinstance(image, dict) and "bucket" in image and "key" in image:
        return (image["bucket"], image["key"])
    raise ValueError('image must be {"bytes": "<base64>"} or {"bucket": "...", "key": "..."}')


def _integer(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


@http_control("labels")
def _labels_over_http(body: dict[str, Any]) -> None:
    set_labels(_image(body), body.get("labels"))


@http_control("moderation-labels")
def _moderation_labels_over_http(body: dict[str, Any]) -> None:
    set_labels(_image(body), body.get("labels"), moderation=True)


@http_control("face-attributes")
def _face_attributes_over_http(body: dict[str, Any]) -> None:
    set_face_attributes(_image(body), _integer(body, "face_index", 0), body.get("attributes"))


@http_control("errors")
def _errors_over_http(body: dict[str, Any]) -> None:
    inject_error(body.get("operation", ANY_OPERATION), body.get("error_code"), _integer(body, "times", 1),
                 body.get("message"))


@http_control("latency")
def _latency_over_http(body: dict[str, Any]) -> None:
    inject_latency(body.get("operation", ANY_OPERATION), body.get("seconds", 0))


@http_control("reset")
def _reset_over_http(body: dict[str, Any]) -> None:
    reset()
