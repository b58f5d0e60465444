"""Test-author controls for Rekognition Video: how a video's jobs run, and what a video
shows over a time range (labels, moderation labels, celebrities, text). Two families of the
one registry (``video_jobs``, ``video_answers``); videos are named as images are, by their
bytes or ``(bucket, key)``."""

from __future__ import annotations

from typing import Any

from .registry import LOCK, Family, http_control, image_key, json_image, json_integer, row

MAX_JOB_SECONDS = 3600.0



def _target(key: tuple) -> str:
    return f"s3://{key[1]}/{key[2]}" if key[0] == "s3" else f"video sha256 {key[1][:12]}..."


def _job_row(key: tuple, job: dict[str, Any]) -> list[dict[str, Any]]:
    detail = f"fails: {job['status_message']}" if job["status_message"] else "runs"
    detail += f", {job['seconds']:g} s longer" if job["seconds"] else ""
    return [row("video job", _target(key), detail)]


def _answer_rows(key: tuple, ranges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for r in ranges:
        span = f"{r['start_ms']}–{r['end_ms'] if r['end_ms'] is not None else 'end'} ms"
        names = ", ".join(item.get("Name") or item.get("DetectedText") or item.get("Cue") or item.get("Type", "")
                          for item in r["items"])
        rows.append(row(f"video {r['kind'].replace('_', ' ')}", _target(key), f"{span}: {names}"))
    return rows


JOBS = Family("video_jobs", lambda key, job: [{"video": list(key), **job}], _job_row)
# video -> [{"kind", "start_ms", "end_ms", "items"}]
ANSWERS = Family("video_answers", lambda key, ranges: [{"video": list(key), **r} for r in ranges], _answer_rows)


def set_video_job(video: Any, status_message: str | None = None, seconds: float = 0.0) -> None:
    """Video jobs on ``video`` take ``seconds`` more and, given a ``status_message``, end
    FAILED with it instead of analysing the video."""
    if status_message is not None and (not isinstance(status_message, str) or not status_message):
        raise ValueError("status_message must be a non-empty string or None")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 <= seconds <= MAX_JOB_SECONDS:
        raise ValueError(f"seconds must be a number from 0 to {MAX_JOB_SECONDS:g}")
    JOBS.put(image_key(video), {"status_message": status_message, "seconds": float(seconds)})


def video_job(keys: list[tuple]) -> dict[str, Any] | None:
    """What was set for the first of ``keys`` (a video's S3 key, then its bytes), if anything."""
    return JOBS.first(keys)


KINDS = ("labels", "moderation_labels", "celebrities", "text", "segments")


def set_video_labels(video: Any, labels: list[Any], start_ms: int = 0, end_ms: int | None = None,
                     moderation: bool = False) -> None:
    """Every sampled frame of ``video`` from ``start_ms`` up to ``end_ms`` (the end when None)
    shows ``labels`` (names or Label dicts) to StartLabelDetection, or, with ``moderation``,
    to StartContentModeration (names or ModerationLabel dicts, placed in AWS's taxonomy).
    Each call adds a time range."""
    from ..labels import normalise_labels

    _add(video, "moderation_labels" if moderation else "labels", normalise_labels(labels, moderation), start_ms, end_ms)


def set_video_celebrities(video: Any, celebrities: list[Any], start_ms: int = 0, end_ms: int | None = None) -> None:
    """In every sampled frame of ``video`` from ``start_ms`` up to ``end_ms``, the face at each
    celebrity's ``face_index`` (largest first; 0 by default) is that celebrity for
    StartCelebrityRecognition. A celebrity is a name or a dict with ``Name`` and optionally
    ``Id``, ``Urls``, ``KnownGender`` (a Type), ``Confidence`` and ``face_index``."""
    import hashlib

    if not isinstance(celebrities, (list, tuple)) or not celebrities:
        raise ValueError("celebrities must be a non-empty list of names or dicts")
    items = []
    for celebrity in celebrities:
        item = {"Name": celebrity} if isinstance(celebrity, str) else dict(celebrity) if isinstance(celebrity, dict) else {}
        if not isinstance(item.get("Name"), str) or not item["Name"]:
            raise ValueError(f"a celebrity is a name or a dict with a Name: {celebrity!r}")
        item.setdefault("Id", hashlib.sha256(item["Name"].encode()).hexdigest()[:8])
        item.setdefault("Urls", [])
        item["Confidence"] = _confidence(item.get("Confidence", 99.0), celebrity)
        index = item.setdefault("face_index", 0)
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise ValueError(f"face_index must be a non-negative integer: {celebrity!r}")
        gender = item.get("KnownGender")
        if gender is not None and (not isinstance(gender, dict) or gender.get("Type") not in
                                   ("Male", "Female", "Nonbinary", "Unlisted")):
            raise ValueError(f"KnownGender must be {{'Type': 'Male' | 'Female' | 'Nonbinary' | 'Unlisted'}}: {celebrity!r}")
        items.append(item)
    _add(video, "celebrities", items, start_ms, end_ms)


def set_video_text(video: Any, texts: list[Any], start_ms: int = 0, end_ms: int | None = None) -> None:
    """Every sampled frame of ``video`` from ``start_ms`` up to ``end_ms`` shows each text line
    to StartTextDetection: a string, or a dict with ``DetectedText`` and optionally
    ``Confidence`` and ``BoundingBox`` (ratios of the frame; a caption band at the bottom by default)."""
    if not isinstance(texts, (list, tuple)) or not texts:
        raise ValueError("texts must be a non-empty list of strings or dicts")
    items = []
    for text in texts:
        item = {"DetectedText": text} if isinstance(text, str) else dict(text) if isinstance(text, dict) else {}
        if not isinstance(item.get("DetectedText"), str) or not item["DetectedText"].strip():
            raise ValueError(f"a text is a non-empty string or a dict with DetectedText: {text!r}")
        item["Confidence"] = _confidence(item.get("Confidence", 99.0), text)
        box = item.setdefault("BoundingBox", {"Width": 0.8, "Height": 0.08, "Left": 0.1, "Top": 0.85})
        if not isinstance(box, dict) or set(box) != {"Width", "Height", "Left", "Top"} or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in box.values()):
            raise ValueError(f"BoundingBox must have numbers Width, Height, Left and Top: {text!r}")
        items.append(item)
    _add(video, "text", items, start_ms, end_ms)


CUES = ("ColorBars", "EndCredits", "BlackFrames", "OpeningCredits", "StudioLogo", "Slate", "Content")


def set_video_segments(video: Any, segments: list[Any]) -> None:
    """StartSegmentDetection finds ``segments`` in ``video`` besides what it measures: dicts
    in the ``SegmentDetection`` shape with ``Type`` (``TECHNICAL_CUE`` or ``SHOT``),
    ``StartTimestampMillis``, optionally ``EndTimestampMillis`` (the end of the video when
    left out) and ``TechnicalCueSegment`` (``Type``: one of :data:`CUES`; ``Confidence``) or
    ``ShotSegment`` (``Confidence``); confidence 99 when left out. A scripted cue takes the
    place of the measured cues over its time; scripted shots take the place of every
    measured shot. Each call adds to what was scripted for the video."""
    if not isinstance(segments, (list, tuple)) or not segments:
        raise ValueError("segments must be a non-empty list of SegmentDetection dicts")
    for segment in segments:
        if not isinstance(segment, dict) or segment.get("Type") not in ("TECHNICAL_CUE", "SHOT"):
            raise ValueError(f"a segment is a dict with Type TECHNICAL_CUE or SHOT: {segment!r}")
        allowed = {"Type", "StartTimestampMillis", "EndTimestampMillis",
                   "TechnicalCueSegment" if segment["Type"] == "TECHNICAL_CUE" else "ShotSegment"}
        unknown = sorted(set(segment) - allowed)
        if unknown:
            raise ValueError(f"unknown segment members {', '.join(unknown)} ({', '.join(sorted(allowed))})")
        if "StartTimestampMillis" not in segment:
            raise ValueError(f"a segment needs StartTimestampMillis: {segment!r}")
        detail = segment.get("TechnicalCueSegment" if segment["Type"] == "TECHNICAL_CUE" else "ShotSegment") or {}
        if not isinstance(detail, dict):
            raise ValueError(f"TechnicalCueSegment and ShotSegment are dicts: {segment!r}")
        item = {"Type": segment["Type"], "Confidence": _confidence(detail.get("Confidence", 99.0), segment)}
        if segment["Type"] == "TECHNICAL_CUE":
            if detail.get("Type") not in CUES:
                raise ValueError(f"TechnicalCueSegment.Type is one of {', '.join(CUES)}: {segment!r}")
            item["Cue"] = detail["Type"]
        _add(video, "segments", [item], segment["StartTimestampMillis"], segment.get("EndTimestampMillis"))


def scripted_segments(keys: list[tuple]) -> list[dict[str, Any]]:
    """The segments scripted for the first of ``keys`` that has any: ``{"Type", "Cue",
    "Confidence", "start_ms", "end_ms"}`` (``end_ms`` None: the end of the video)."""
    with LOCK:
        for key in keys:
            ranges = [r for r in ANSWERS.table.get(key, []) if r["kind"] == "segments"]
            if ranges:
                return [{**item, "start_ms": r["start_ms"], "end_ms": r["end_ms"]} for r in ranges for item in r["items"]]
    return []


def _confidence(value: Any, item: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise ValueError(f"Confidence is a number from 0 to 100: {item!r}")
    return float(value)


def _add(video: Any, kind: str, items: list[dict[str, Any]], start_ms: int, end_ms: int | None) -> None:
    for name, value in (("start_ms", start_ms), ("end_ms", end_ms)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(f"{name} must be a non-negative integer of milliseconds")
    if end_ms is not None and end_ms <= start_ms:
        raise ValueError("end_ms must be after start_ms")
    added = {"kind": kind, "start_ms": start_ms, "end_ms": end_ms, "items": items}
    ANSWERS.edit(image_key(video), lambda ranges: [*(ranges or []), added])


def scripted(keys: list[tuple], timestamp: int, kind: str) -> list[dict[str, Any]] | None:
    """What was scripted of ``kind`` for the frame at ``timestamp`` of the first of ``keys``
    with a range of that kind (None when that video has none); a later item of the same
    name replaces an earlier one."""
    name = "Name" if kind != "text" else "DetectedText"
    with LOCK:
        for key in keys:
            ranges = [r for r in ANSWERS.table.get(key, []) if r["kind"] == kind]
            if ranges:
                found: dict[str, dict[str, Any]] = {}
                for r in ranges:
                    if r["start_ms"] <= timestamp and (r["end_ms"] is None or timestamp < r["end_ms"]):
                        found.update({item[name]: dict(item) for item in r["items"]})
                return list(found.values())
    return None


def video_labels(keys: list[tuple], timestamp: int, moderation: bool = False) -> list[dict[str, Any]] | None:
    """The labels (or moderation labels) scripted for the frame at ``timestamp``."""
    return scripted(keys, timestamp, "moderation_labels" if moderation else "labels")


@http_control("video-job")
def _video_job_over_http(body: dict[str, Any]) -> None:
    set_video_job(json_image(body.get("video"), "video"), body.get("status_message"), body.get("seconds", 0))


@http_control("video-labels")
def _video_labels_over_http(body: dict[str, Any]) -> None:
    moderation = body.get("moderation", False)
    if not isinstance(moderation, bool):
        raise ValueError("moderation must be true or false")
    set_video_labels(json_image(body.get("video"), "video"), body.get("labels"), json_integer(body, "start_ms", 0),
                     body.get("end_ms"), moderation)


@http_control("video-celebrities")
def _video_celebrities_over_http(body: dict[str, Any]) -> None:
    set_video_celebrities(json_image(body.get("video"), "video"), body.get("celebrities"),
                          json_integer(body, "start_ms", 0), body.get("end_ms"))


@http_control("video-text")
def _video_text_over_http(body: dict[str, Any]) -> None:
    set_video_text(json_image(body.get("video"), "video"), body.get("texts"), json_integer(body, "start_ms", 0),
                   body.get("end_ms"))


@http_control("video-segments")
def _video_segments_over_http(body: dict[str, Any]) -> None:
    set_video_segments(json_image(body.get("video"), "video"), body.get("segments"))
