"""Rekognition Video's response structures, from the jobs' domain entries."""

from __future__ import annotations

from typing import Any

from . import shapes
from .limits import FACE_MODEL_VERSION, SEGMENT_MODEL_VERSIONS
from .video_segments import timecode


def video_metadata(info: Any) -> dict[str, Any]:
    """``VideoMetadata`` from a ``vision.video.VideoInfo``."""
    return {
        "Codec": info.codec,
        "DurationMillis": info.duration_ms,
        "Format": info.format,
        "FrameRate": shapes.number(info.frame_rate),
        "FrameHeight": info.height,
        "FrameWidth": info.width,
        "ColorRange": "FULL" if info.full_range else "LIMITED",
    }


def job_body(page: Any) -> dict[str, Any]:
    """What every Get* answers about its job, in AWS's order; NextToken when there is more."""
    job = page.job
    body: dict[str, Any] = {"JobStatus": job.status}
    if job.status_message is not None:
        body["StatusMessage"] = job.status_message
    if job.metadata is not None and job.status != "IN_PROGRESS":
        body["VideoMetadata"] = video_metadata(job.metadata)
    if page.next_token is not None:
        body["NextToken"] = page.next_token
    return body


def job_tail(page: Any) -> dict[str, Any]:
    job = page.job
    tail: dict[str, Any] = {"JobId": job.job_id, "Video": job.video}
    if job.job_tag is not None:
        tail["JobTag"] = job.job_tag
    return tail


def face_detection(entry: Any, attributes: list[str]) -> dict[str, Any]:
    """A ``FaceDetection``: the frame's time and the face's ``FaceDetail``."""
    return {"Timestamp": entry.timestamp, "Face": shapes.face_detail(entry.face, entry.width, entry.height, attributes)}


def person_match(entry: Any) -> dict[str, Any]:
    """A ``PersonMatch``: the tracked person at that time and the collection's faces it matches."""
    return {
        "Timestamp": entry.timestamp,
        "Person": {
            "Index": entry.index,
            "BoundingBox": shapes.bounding_box(entry.face, entry.width, entry.height),
            "Face": shapes.face_detail(entry.face, entry.width, entry.height),
        },
        "FaceMatches": shapes.face_matches(entry.matches, FACE_MODEL_VERSION),
    }


def person_detection(entry: Any) -> dict[str, Any]:
    """A ``PersonDetection``: the tracked person's index and box, and the face that placed it."""
    left, top, right, bottom = entry.box
    w, h = entry.width, entry.height
    return {
        "Timestamp": entry.timestamp,
        "Person": {
            "Index": entry.index,
            "BoundingBox": {"Width": shapes.number((right - left) / w), "Height": shapes.number((bottom - top) / h),
                            "Left": shapes.number(left / w), "Top": shapes.number(top / h)},
            "Face": shapes.face_detail(entry.face, w, h),
        },
    }


def content_moderation(entry: Any) -> dict[str, Any]:
    """A ``ContentModerationDetection`` (with its segment's times when aggregated)."""
    out = label_detection(entry)
    out["ModerationLabel"] = out.pop("Label")
    out["ContentTypes"] = []
    return out


def label_detection(entry: Any) -> dict[str, Any]:
    """A ``LabelDetection``: at a sampled frame, or over a segment (with its start, end and duration)."""
    out: dict[str, Any] = {"Timestamp": entry.timestamp, "Label": entry.label}
    if entry.end is not None:
        out["StartTimestampMillis"] = entry.timestamp
        out["EndTimestampMillis"] = entry.end
        out["DurationMillis"] = entry.end - entry.timestamp
    return out


def segment_detection(entry: Any, fps: float) -> dict[str, Any]:
    """A ``SegmentDetection``: times, SMPTE timecodes and frame numbers of a cue or a shot."""
    frames = entry.last - entry.first + 1
    out: dict[str, Any] = {
        "Type": entry.type,
        "StartTimestampMillis": entry.start_ms,
        "EndTimestampMillis": entry.end_ms,
        "DurationMillis": entry.end_ms - entry.start_ms,
        "StartTimecodeSMPTE": timecode(entry.first, fps),
        "EndTimecodeSMPTE": timecode(entry.last + 1, fps),
        "DurationSMPTE": timecode(frames, fps),
    }
    if entry.type == "TECHNICAL_CUE":
        out["TechnicalCueSegment"] = {"Type": entry.cue, "Confidence": shapes.number(entry.confidence)}
    else:
        out["ShotSegment"] = {"Index": entry.shot, "Confidence": shapes.number(entry.confidence)}
    out.update({"StartFrameNumber": entry.first, "EndFrameNumber": entry.last, "DurationFrames": frames})
    return out


def segment_types(types: list[str]) -> list[dict[str, str]]:
    """``SelectedSegmentTypes``: each type asked for, with its model version."""
    return [{"Type": t, "ModelVersion": SEGMENT_MODEL_VERSIONS[t]} for t in types]


def audio_metadata(info: Any) -> list[dict[str, Any]]:
    """``AudioMetadata``: each audio stream of the container."""
    return [{"Codec": codec, "DurationMillis": duration, "SampleRate": rate, "NumberOfChannels": channels}
            for codec, duration, rate, channels in (info.audio if info is not None else ())]


def celebrity_recognition(entry: Any) -> dict[str, Any]:
    """A ``CelebrityRecognition``: the scripted celebrity on the face the engine found."""
    celebrity = entry.celebrity
    detail: dict[str, Any] = {
        "Urls": list(celebrity["Urls"]),
        "Name": celebrity["Name"],
        "Id": celebrity["Id"],
        "Confidence": shapes.number(celebrity["Confidence"]),
        "BoundingBox": shapes.bounding_box(entry.face, entry.width, entry.height),
        "Face": shapes.face_detail(entry.face, entry.width, entry.height),
    }
    if celebrity.get("KnownGender") is not None:
        detail["KnownGender"] = dict(celebrity["KnownGender"])
    return {"Timestamp": entry.timestamp, "Celebrity": detail}


def text_detection(entry: Any) -> dict[str, Any]:
    """A ``TextDetectionResult``."""
    return {"Timestamp": entry.timestamp, "TextDetection": entry.detection}
