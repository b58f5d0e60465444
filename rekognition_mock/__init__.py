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
    "set_custom_labels",
    "set_face_attributes",
    "set_labels",
    "set_liveness_result",
    "set_moderation_labels",
    "settings",
    "similarity_from_distance",
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
    """Forget scripted labels, injected errors and latencies (moto's reset does it too)."""
    from .service import controls

    controls.reset()


def advance_clock(seconds: float) -> float:
    """Move the mock's clock ``seconds`` forward: model training and hosting, stream processors,
    liveness sessions (which expire after 3 minutes) and media analysis jobs age by it.
    Returns the clock's time (epoch seconds). moto's reset puts it back."""
    from .service import lifecycle_controls

    return lifecycle_controls.advance_clock(seconds)


def manual_clock(manual: bool = True) -> None:
    """Hold in-progress states (TRAINING_IN_PROGRESS, STARTING, ...) until ``advance_clock``
    passes their duration; by default each is reported by one Describe and over at the next."""
    from .service import lifecycle_controls

    lifecycle_controls.manual_clock(manual)


def set_custom_labels(project_version_arn: str, image: Any, labels: list[Any]) -> None:
    """DetectCustomLabels with the model ``project_version_arn`` (while it is RUNNING) finds
    ``labels`` in ``image`` (its bytes): names (Confidence 99) or dicts in AWS's ``CustomLabel``
    shape (``Name``, ``Confidence``, ``Geometry``). MinConfidence and MaxResults apply."""
    from .service import lifecycle_controls

    lifecycle_controls.set_custom_labels(project_version_arn, image, labels)


def set_liveness_result(session_id: str, image: Any, confidence: float = 99.0, status: str = "SUCCEEDED") -> None:
    """Face Liveness session ``session_id`` saw the face in ``image`` (its bytes) with liveness
    ``confidence`` (high: a live person; low: a spoof); ``status`` SUCCEEDED, FAILED or IN_PROGRESS."""
    from .service import lifecycle_controls

    lifecycle_controls.set_liveness_result(session_id, image, confidence, status)


def __getattr__(name: str) -> Any:
    if name == "similarity_from_distance":
        from .vision.similarity import similarity_from_distance

        return similarity_from_distance
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
