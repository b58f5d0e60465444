"""rekognition-mock: Amazon Rekognition for tests, answered by a real dlib face engine.

``import rekognition_mock`` plugs the backend into moto (so plain ``mock_aws`` reaches
it too) without importing moto, numpy or dlib and without loading any model; those
load on the first request that needs them.
"""

from __future__ import annotations

from typing import Any

from ._hook import install, mock_rekognition
from .settings import configure, settings

__version__ = "0.2.0"

install()

__all__ = [
    "advance_clock",
    "configure",
    "inject_error",
    "inject_latency",
    "install",
    "manual_clock",
    "mock_rekognition",
    "reset_controls",
    "set_celebrities",
    "set_custom_labels",
    "set_face_attributes",
    "set_labels",
    "set_liveness_result",
    "set_moderation_labels",
    "set_protective_equipment",
    "set_text",
    "set_video_celebrities",
    "set_video_job",
    "set_video_labels",
    "set_video_segments",
    "set_video_text",
    "settings",
    "similarity_from_distance",
    "wait_for_jobs",
]


def set_labels(image: Any, labels: list[Any]) -> None:
    """DetectLabels finds ``labels`` in ``image`` (its bytes, or an S3 ``(bucket, key)``),
    besides what it measures. A label is a name or a dict in AWS's ``Label`` shape; a name
    alone gets Confidence 99. MinConfidence, MaxLabels and the filters apply as usual."""
    from .service import controls

    controls.set_labels(image, labels)


def set_face_attributes(image: Any, face_index: int, attributes: dict[str, Any]) -> None:
    """Replace FaceDetail members (``AgeRange``, ``EyesOpen``, ``Emotions``, ...) of the face at
    ``face_index`` (largest first) of ``image`` in DetectFaces and IndexFaces, e.g.
    ``set_face_attributes(photo, 0, {"AgeRange": {"Low": 15, "High": 17}})``."""
    from .service import controls

    controls.set_face_attributes(image, face_index, attributes)


def set_moderation_labels(image: Any, labels: list[Any]) -> None:
    """DetectModerationLabels finds ``labels`` (names or ``ModerationLabel`` dicts) in ``image``
    (its bytes, or an S3 ``(bucket, key)``); a name alone is a top-level label with Confidence 99."""
    from .service import controls

    controls.set_labels(image, labels, moderation=True)


def set_celebrities(celebrities: dict[str, Any]) -> None:
    """RecognizeCelebrities recognises these people, by the engine, in any photo of them:
    ``{"Name": [photo, ...]}`` (each photo the image's bytes or an S3 ``(bucket, key)``; the
    largest face of each stands for the celebrity), or ``{"Name": {"Images": [...], "Urls":
    [...], "KnownGender": "Female", "Id": "..."}}``. Ids default to one made from the name;
    GetCelebrityInfo answers them. A name registered again is replaced."""
    from .service import controls

    controls.set_celebrities(celebrities)


def set_protective_equipment(image: Any, person_index: int, equipment: list[Any]) -> None:
    """DetectProtectiveEquipment finds ``equipment`` on the person of face ``person_index``
    (largest first) of ``image``: types (``"FACE_COVER"``, ``"HEAD_COVER"``, ``"HAND_COVER"``)
    or dicts in the ``EquipmentDetection`` shape with a ``BodyPart``; e.g.
    ``set_protective_equipment(photo, 0, ["FACE_COVER", "HEAD_COVER"])``."""
    from .service import controls

    controls.set_protective_equipment(image, person_index, equipment)


def set_text(image: Any, lines: list[Any]) -> None:
    """DetectText reads ``lines`` in ``image`` (its bytes, or an S3 ``(bucket, key)``): strings,
    or dicts with ``Text`` and optionally ``BoundingBox``, ``Confidence`` and ``Words``; e.g.
    ``set_text(photo, ["EXIT", "Platform 9"])``. Without it, DetectText finds no text."""
    from .service import controls

    controls.set_text(image, lines)
def set_video_job(video: Any, *, status_message: str | None = None, seconds: float = 0.0) -> None:
    """Rekognition Video jobs on ``video`` (its bytes, or an S3 ``(bucket, key)``) take
    ``seconds`` longer and, given a ``status_message``, end FAILED with it (the completion
    message says FAILED too) instead of analysing the video."""
    from .service.controls import video as video_controls

    video_controls.set_video_job(video, status_message, seconds)


def set_video_labels(video: Any, labels: list[Any], *, start_ms: int = 0, end_ms: int | None = None,
                     moderation: bool = False) -> None:
    """Every sampled frame of ``video`` (its bytes, or an S3 ``(bucket, key)``) from
    ``start_ms`` up to ``end_ms`` (the end when None) shows ``labels`` to StartLabelDetection
    (names or Label dicts, besides the measured Person/Head/Face), or with ``moderation=True``
    to StartContentModeration (names or ModerationLabel dicts). Each call adds a time range."""
    from .service.controls import video as video_controls

    video_controls.set_video_labels(video, labels, start_ms, end_ms, moderation)


def set_video_celebrities(video: Any, celebrities: list[Any], *, start_ms: int = 0, end_ms: int | None = None) -> None:
    """In the sampled frames of ``video`` from ``start_ms`` up to ``end_ms`` (the end when
    None), StartCelebrityRecognition finds each celebrity (a name, or a dict with ``Name``,
    ``Id``, ``Urls``, ``KnownGender``, ``Confidence``, ``face_index``) on the face at its
    ``face_index`` (largest first; 0 by default), where the engine finds that face."""
    from .service.controls import video as video_controls

    video_controls.set_video_celebrities(video, celebrities, start_ms, end_ms)


def set_video_segments(video: Any, segments: list[Any]) -> None:
    """StartSegmentDetection finds ``segments`` (dicts in the ``SegmentDetection`` shape:
    ``Type``, ``StartTimestampMillis``, optionally ``EndTimestampMillis`` and
    ``TechnicalCueSegment``/``ShotSegment``) in ``video`` besides what it measures: a scripted
    technical cue (``OpeningCredits``, ``ColorBars``...) replaces the measured cues over its
    time, scripted shots replace the measured ones."""
    from .service.controls import video as video_controls

    video_controls.set_video_segments(video, segments)


def set_video_text(video: Any, texts: list[Any], *, start_ms: int = 0, end_ms: int | None = None) -> None:
    """StartTextDetection finds each line of ``texts`` (strings, or dicts with ``DetectedText``,
    ``Confidence``, ``BoundingBox``) and its words in the sampled frames of ``video`` from
    ``start_ms`` up to ``end_ms`` (the end when None)."""
    from .service.controls import video as video_controls

    video_controls.set_video_text(video, texts, start_ms, end_ms)


def inject_error(operation: str, error_code: str, *, times: int = 1, message: str | None = None) -> None:
    """The next ``times`` calls of ``operation`` (``"DetectFaces"``, ``"detect_faces"`` or
    ``"*"`` for any) fail with AWS's ``error_code`` (``"ThrottlingException"``, any error of
    Rekognition's model, or ``"ServiceUnavailable"``), with the HTTP status and message AWS
    uses for it unless ``message`` is given, so botocore retries it as it would in production."""
    from .service import controls

    controls.inject_error(operation, error_code, times, message)


def inject_latency(operation: str, seconds: float) -> None:
    """Every call of ``operation`` (or ``"*"``) waits ``seconds`` before it is answered (0 ends it)."""
    from .service import controls

    controls.inject_latency(operation, seconds)


def reset_controls() -> None:
    """Forget every control: scripted answers, registered celebrities, injected errors and
    latencies (moto's reset does it too)."""
    from .service import controls

    controls.reset()


def wait_for_jobs(timeout: float | None = None) -> bool:
    """Block until every Rekognition Video job started so far (StartFaceSearch, ...) has
    finished and published its SNS completion message; False if ``timeout`` seconds passed
    first. Jobs run on a worker thread unless ``configure(video_jobs="sync")``."""
    from .service import jobs

    return jobs.wait_for_jobs(timeout)


def advance_clock(seconds: float) -> float:
    """Move the mock's clock ``seconds`` forward: model training and hosting, stream processors,
    liveness sessions (which expire after 3 minutes) and media analysis jobs age by it.
    Returns the clock's time (epoch seconds). moto's reset puts it back."""
    from .service.controls import lifecycle as lifecycle_controls

    return lifecycle_controls.advance_clock(seconds)


def manual_clock(manual: bool = True) -> None:
    """Hold in-progress states (TRAINING_IN_PROGRESS, STARTING, ...) until ``advance_clock``
    passes their duration; by default each is reported by one Describe and over at the next."""
    from .service.controls import lifecycle as lifecycle_controls

    lifecycle_controls.manual_clock(manual)


def set_custom_labels(project_version_arn: str, image: Any, labels: list[Any]) -> None:
    """DetectCustomLabels with the model ``project_version_arn`` (while it is RUNNING) finds
    ``labels`` in ``image`` (its bytes): names (Confidence 99) or dicts in AWS's ``CustomLabel``
    shape (``Name``, ``Confidence``, ``Geometry``). MinConfidence and MaxResults apply."""
    from .service.controls import lifecycle as lifecycle_controls

    lifecycle_controls.set_custom_labels(project_version_arn, image, labels)


def set_liveness_result(session_id: str, image: Any, confidence: float = 99.0, status: str = "SUCCEEDED") -> None:
    """Face Liveness session ``session_id`` saw the face in ``image`` (its bytes) with liveness
    ``confidence`` (high: a live person; low: a spoof); ``status`` SUCCEEDED, FAILED or IN_PROGRESS."""
    from .service.controls import lifecycle as lifecycle_controls

    lifecycle_controls.set_liveness_result(session_id, image, confidence, status)


def __getattr__(name: str) -> Any:
    if name == "similarity_from_distance":
        from .vision.similarity import similarity_from_distance

        return similarity_from_distance
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
