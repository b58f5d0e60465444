"""Injected faults and latency: applied to every call by :func:`before`, in
``responses.call_action``, so they work for any operation."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from .. import recorder
from .registry import ANY_OPERATION, LOCK, Family, http_control, json_integer, row


@dataclass
class _Fault:
    error_code: str
    remaining: int
    message: str | None


FAULTS = Family(
    "errors",
    lambda op, queue: [{"operation": op, "error_code": f.error_code, "times": f.remaining, "message": f.message}
                       for f in queue],
    lambda op, queue: [row("error", op, f.error_code + (f": {f.message}" if f.message else ""), f.remaining)
                       for f in queue],
)
LATENCY = Family(
    "latency",
    lambda op, seconds: [{"operation": op, "seconds": seconds}],
    lambda op, seconds: [row("latency", op, f"{seconds:g} s")],
)


def operation_name(operation: str) -> str:
    """``"DetectFaces"``, ``"detect_faces"`` or ``"*"`` as the API's operation name."""
    if operation == ANY_OPERATION:
        return operation
    from botocore import xform_name

    from ..validation import service_model

    names = service_model().operation_names
    if operation in names:
        return operation
    for name in names:
        if xform_name(name) == operation:
            return name
    raise ValueError(f"Rekognition has no operation {operation!r}")


def inject_error(operation: str, error_code: str, times: int = 1, message: str | None = None) -> None:
    """The next ``times`` calls of ``operation`` (or ``"*"``) fail with AWS's ``error_code``
    (its HTTP status and, unless ``message`` is given, its usual message)."""
    from ..exceptions import error_class, error_codes

    if not isinstance(error_code, str) or error_class(error_code) is None:
        raise ValueError(f"{error_code!r} is not an error Rekognition answers; one of: {', '.join(error_codes())}")
    if not isinstance(times, int) or isinstance(times, bool) or times < 1:
        raise ValueError("times must be a positive integer")
    if message is not None and not isinstance(message, str):
        raise ValueError("message must be a string")
    fault = _Fault(error_code, times, message)
    FAULTS.edit(operation_name(operation), lambda queue: [*(queue or []), fault])


def inject_latency(operation: str, seconds: float) -> None:
    """Every call of ``operation`` (or ``"*"``) waits ``seconds`` first (0 removes it)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= 300:
        raise ValueError("seconds must be a number between 0 and 300")
    name = operation_name(operation)
    if seconds:
        LATENCY.put(name, float(seconds))
    else:
        LATENCY.discard(name)


def before(operation: str) -> None:
    """Apply the latency and the next injected fault of ``operation`` (raises that fault)."""
    with LOCK:
        delay = LATENCY.table.get(operation, LATENCY.table.get(ANY_OPERATION, 0.0))
        fault = _take_fault(operation) or _take_fault(ANY_OPERATION)
    if delay:
        recorder.note(recorder.INJECTED_LATENCY, delay)
        time.sleep(delay)
    if fault is not None:
        from ..exceptions import error_class

        recorder.note(recorder.INJECTED_ERROR, {"code": fault.error_code, "message": fault.message})
        raise error_class(fault.error_code)(fault.message)  # type: ignore[misc]


def _take_fault(name: str) -> _Fault | None:
    queue = FAULTS.table.get(name)
    if not queue:
        return None
    fault = queue[0]
    fault.remaining -= 1
    if fault.remaining == 0:
        queue.pop(0)
    return _Fault(fault.error_code, 1, fault.message)


@http_control("errors")
def _errors_over_http(body: dict[str, Any]) -> None:
    inject_error(body.get("operation", ANY_OPERATION), body.get("error_code"), json_integer(body, "times", 1),
                 body.get("message"))


@http_control("latency")
def _latency_over_http(body: dict[str, Any]) -> None:
    inject_latency(body.get("operation", ANY_OPERATION), body.get("seconds", 0))
