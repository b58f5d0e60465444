"""Test-author controls for Rekognition Video: how a video's jobs run, and labels a video
shows over a time range. Part of ``controls`` (its reset clears these, its listing shows
them, its HTTP routes take them); videos are named as images are, by bytes or ``(bucket, key)``."""

from __future__ import annotations

import threading
from typing import Any

from . import controls

MAX_JOB_SECONDS = 3600.0

_lock = threading.Lock()
_jobs: dict[tuple, dict[str, Any]] = {}
_labels: dict[tuple, list[dict[str, Any]]] = {}  # video -> [{"start_ms", "end_ms", "moderation", "labels"}]


def set_video_job(video: Any, status_message: str | None = None, seconds: float = 0.0) -> None:
    """Video jobs on ``video`` take ``seconds`` more and, given a ``status_message``, end
    FAILED with it instead of analysing the video."""
    if status_message is not None and (not isinstance(status_message, str) or not status_message):
        raise ValueError("status_message must be a non-empty string or None")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= MAX_JOB_SECONDS:
        raise ValueError(f"seconds must be a number from 0 to {MAX_JOB_SECONDS:g}")
    key = controls.image_key(video)
    controls._reachable_by_reset()
    with _lock:
        _jobs[key] = {"status_message": status_message, "seconds": float(seconds)}


def video_job(keys: list[tuple]) -> dict[str, Any] | None:
    """What was set for the first of ``keys`` (a video's S3 key, then its bytes), if anything."""
    with _lock:
        return next((dict(_jobs[key]) for key in keys if key in _jobs), None)


def set_video_labels(video: Any, labels: list[Any], start_ms: int = 0, end_ms: int | None = None,
                     moderation: bool = False) -> None:
    """Every sampled frame of ``video`` from ``start_ms`` up to ``end_ms`` (the end when None)
    shows ``labels`` (names or Label dicts) to StartLabelDetection, or, with ``moderation``,
    to StartContentModeration (names or ModerationLabel dicts, placed in AWS's taxonomy).
    Each call adds a time range."""
    from .labels import normalise_labels

    for name, value in (("start_ms", start_ms), ("end_ms", end_ms)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(f"{name} must be a non-negative integer of milliseconds")
    if end_ms is not None and end_ms <= start_ms:
        raise ValueError("end_ms must be after start_ms")
    key = controls.image_key(video)
    normalised = normalise_labels(labels, moderation)
    controls._reachable_by_reset()
    with _lock:
        _labels.setdefault(key, []).append(
            {"start_ms": start_ms, "end_ms": end_ms, "moderation": moderation, "labels": normalised})


def video_labels(keys: list[tuple], timestamp: int, moderation: bool = False) -> list[dict[str, Any]] | None:
    """The labels scripted for the frame at ``timestamp`` of the first of ``keys`` with a
    range of that kind (None when that video has none)."""
    with _lock:
        for key in keys:
            ranges = [r for r in _labels.get(key, []) if r["moderation"] == moderation]
            if ranges:
                found: dict[str, dict[str, Any]] = {}
                for r in ranges:
                    if r["start_ms"] <= timestamp and (r["end_ms"] is None or timestamp < r["end_ms"]):
                        found.update({label["Name"]: dict(label) for label in r["labels"]})
                return list(found.values())
    return None


def _reset() -> None:
    with _lock:
        _jobs.clear()
        _labels.clear()


def _listing_jobs() -> list[Any]:
    with _lock:
        return [{"video": list(key), **job} for key, job in _jobs.items()]


def _listing_labels() -> list[Any]:
    with _lock:
        return [{"video": list(key), **r} for key, ranges in _labels.items() for r in ranges]


controls.extend("video_jobs", _reset, _listing_jobs)
controls.extend("video_labels", lambda: None, _listing_labels)


@controls.http_control("video-job")
def _video_job_over_http(body: dict[str, Any]) -> None:
    set_video_job(controls._image(body, "video"), body.get("status_message"), body.get("seconds", 0))


@controls.http_control("video-labels")
def _video_labels_over_http(body: dict[str, Any]) -> None:
    moderation = body.get("moderation", False)
    if not isinstance(moderation, bool):
        raise ValueError("moderation must be true or false")
    set_video_labels(controls._image(body, "video"), body.get("labels"), controls._integer(body, "start_ms", 0),
                     body.get("end_ms"), moderation)
