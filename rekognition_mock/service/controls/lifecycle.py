"""Controls of the stateful families: the clock (service/clock.py), the labels
DetectCustomLabels finds per model and image, and what a Face Liveness session saw.

Three families of the controls registry (``clock``, ``custom_labels``, ``liveness``) whose
state lives here and in the clock, with their HTTP routes (``POST /_rekognition_mock/clock``,
``custom-labels``, ``liveness``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import threading
from typing import Any

from .. import clock, recorder
from .registry import Family, _reachable_by_reset, http_control, row

_lock = threading.Lock()
_custom_labels: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (version arn, sha256) -> labels
_liveness: dict[str, dict[str, Any]] = {}  # session id -> {"image": bytes, "confidence", "status"}

LIVENESS_RESULTS = ("SUCCEEDED", "FAILED", "IN_PROGRESS")


def _sha256(image: Any) -> str:
    if not isinstance(image, (bytes, bytearray, memoryview)) or not bytes(image):
        raise TypeError("image must be the image's bytes")
    return hashlib.sha256(bytes(image)).hexdigest()


# -- the clock ------------------------------------------------------------------------------

def advance_clock(seconds: float) -> float:
    """Move the mock's clock ``seconds`` forward; returns its time (epoch seconds)."""
    _reachable_by_reset()
    return clock.advance(seconds)


def manual_clock(manual: bool = True) -> None:
    """In manual mode in-progress states end only when the clock passes their duration."""
    _reachable_by_reset()
    clock.set_manual(manual)


# -- DetectCustomLabels ---------------------------------------------------------------------

def set_custom_labels(project_version_arn: str, image: Any, labels: list[Any]) -> None:
    """DetectCustomLabels with model ``project_version_arn`` finds ``labels`` (names, or dicts
    in AWS's ``CustomLabel`` shape) in ``image`` (its bytes)."""
    from botocore.validate import ParamValidator

    from ..validation import service_model

    if not isinstance(project_version_arn, str) or ":project/" not in project_version_arn or "/version/" not in project_version_arn:
        raise ValueError("project_version_arn must be a project version's ARN (arn:aws:rekognition:...:project/.../version/...)")
    if not isinstance(labels, list):
        raise ValueError("labels must be a list of names or CustomLabel dicts")
    shape = service_model().shape_for("CustomLabel")
    normalised = []
    for label in labels:
        if isinstance(label, str) and label:
            label = {"Name": label, "Confidence": 99.0}
        if not isinstance(label, dict) or not isinstance(label.get("Name"), str):
            raise ValueError(f"a label is a name or a CustomLabel dict with a Name: {label!r}")
        label = {"Confidence": 99.0, **label}
        report = ParamValidator().validate(label, shape)
        if report.has_errors():
            raise ValueError(f"not a CustomLabel: {report.generate_report()}")
        if not 0 <= label["Confidence"] <= 100:
            raise ValueError("Confidence must be from 0 to 100")
        normalised.append(label)
    key = (project_version_arn, _sha256(image))
    _reachable_by_reset()
    with _lock:
        _custom_labels[key] = normalised


def custom_labels(project_version_arn: str, data: bytes) -> list[dict[str, Any]]:
    """The labels scripted for this model and image (empty when none), noted for the
    inspector and the pytest report as scripted."""
    with _lock:
        found = [dict(label) for label in _custom_labels.get((project_version_arn, hashlib.sha256(data).hexdigest()), [])]
    if found:
        recorder.note(recorder.SCRIPTED_LABELS, [label["Name"] for label in found])
    return found


# -- Face Liveness --------------------------------------------------------------------------

def set_liveness_result(session_id: str, image: Any, confidence: float = 99.0, status: str = "SUCCEEDED") -> None:
    """Session ``session_id`` saw the face of ``image`` (its bytes) with a liveness
    ``confidence`` (0-100: high is a live person, low a spoof); ``status`` is SUCCEEDED, FAILED
    or IN_PROGRESS (the check still running)."""
    if not isinstance(session_id, str) or not session_id:
        raise ValueError("session_id must be the SessionId CreateFaceLivenessSession answered")
    _sha256(image)
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 100:
        raise ValueError("confidence must be a number from 0 to 100")
    if status not in LIVENESS_RESULTS:
        raise ValueError(f"status must be one of {', '.join(LIVENESS_RESULTS)}")
    _reachable_by_reset()
    with _lock:
        _liveness[session_id] = {"image": bytes(image), "confidence": float(confidence), "status": status,
                                 "at": clock.now()}


def liveness_result(session_id: str) -> dict[str, Any] | None:
    with _lock:
        found = _liveness.get(session_id)
        return dict(found) if found else None


# -- registration -----------------------------------------------------------------------------

class Elsewhere(Family):
    """A family whose state is kept by this module (or the clock) rather than a table."""

    def __init__(self, name: str, clear: Any, listing: Any, rows: Any) -> None:
        super().__init__(name, lambda key, value: [], lambda key, value: [])
        self._clear, self._listing, self._rows = clear, listing, rows

    def clear(self) -> None:
        self._clear()

    def listing(self) -> Any:
        return self._listing()

    def rows(self) -> list[dict[str, Any]]:
        return self._rows()


def _clear_custom_labels() -> None:
    with _lock:
        _custom_labels.clear()


def _clear_liveness() -> None:
    with _lock:
        _liveness.clear()


def _listing_clock() -> dict[str, Any]:
    return {"offset_seconds": clock.offset(), "manual": clock.is_manual()}


def _rows_clock() -> list[dict[str, Any]]:
    offset, manual = clock.offset(), clock.is_manual()
    return [row("clock", "", f"+{offset:g} s" + (", manual" if manual else ""))] if offset or manual else []


def _listing_custom_labels() -> list[dict[str, Any]]:
    with _lock:
        return [{"project_version_arn": arn, "image": ["sha256", digest], "labels": labels}
                for (arn, digest), labels in _custom_labels.items()]


def _rows_custom_labels() -> list[dict[str, Any]]:
    return [row("custom labels", f"{item['project_version_arn'].split(':project/', 1)[-1]}, image sha256 "
                f"{item['image'][1][:12]}...", ", ".join(f"{label['Name']} ({label['Confidence']:g})"
                                                       for label in item["labels"]))
            for item in _listing_custom_labels()]


def _listing_liveness() -> list[dict[str, Any]]:
    with _lock:
        return [{"session_id": sid, "image": ["sha256", hashlib.sha256(r["image"]).hexdigest()],
                 "confidence": r["confidence"], "status": r["status"]} for sid, r in _liveness.items()]


def _rows_liveness() -> list[dict[str, Any]]:
    return [row("liveness", item["session_id"], f"{item['status']}, confidence {item['confidence']:g}, image sha256 "
                f"{item['image'][1][:12]}...") for item in _listing_liveness()]


CLOCK = Elsewhere("clock", clock.reset, _listing_clock, _rows_clock)
CUSTOM_LABELS = Elsewhere("custom_labels", _clear_custom_labels, _listing_custom_labels, _rows_custom_labels)
LIVENESS = Elsewhere("liveness", _clear_liveness, _listing_liveness, _rows_liveness)


def _bytes(body: dict[str, Any]) -> bytes:
    image = body.get("image")
    if isinstance(image, dict) and isinstance(image.get("bytes"), str):
        try:
            return base64.b64decode(image["bytes"], validate=True)
        except binascii.Error:
            raise ValueError("image.bytes is not base64") from None
    raise ValueError('image must be {"bytes": "<base64>"}')


@http_control("clock")
def _clock_over_http(body: dict[str, Any]) -> None:
    if "manual" in body:
        manual_clock(body["manual"])
    if "advance" in body:
        advance_clock(body["advance"])
    if not {"manual", "advance"} & set(body):
        raise ValueError('the clock control takes {"advance": seconds} and/or {"manual": true|false}')


@http_control("custom-labels")
def _custom_labels_over_http(body: dict[str, Any]) -> None:
    set_custom_labels(body.get("project_version_arn"), _bytes(body), body.get("labels"))


@http_control("liveness")
def _liveness_over_http(body: dict[str, Any]) -> None:
    set_liveness_result(body.get("session_id"), _bytes(body), body.get("confidence", 99.0), body.get("status", "SUCCEEDED"))
