"""A request's ``Video`` as bytes from moto's S3, with AWS's limits and errors; and what the
container holds, checked against what Rekognition Video accepts."""

from __future__ import annotations

from typing import Any

from .exceptions import InvalidParameterException, InvalidS3ObjectException, VideoTooLargeException
from .limits import MAX_VIDEO_BYTES, VIDEO_CODECS, VIDEO_CONTAINERS

NO_PYAV = "rekognition-mock: video analysis needs PyAV: pip install 'rekognition-mock[video]'"


def require_pyav() -> None:
    """Without the ``video`` extra, Start* answers InvalidParameterException naming it
    (a 400 that SDKs do not retry; docs/video.md)."""
    from ..vision import video

    if not video.available():
        raise InvalidParameterException(NO_PYAV)


def video_bytes(video: Any, account_id: str, region: str, partition: str = "aws") -> bytes:
    """The bytes of ``Video.S3Object``: InvalidS3ObjectException when the object, its version
    or its bucket is missing or the bucket is in another region; VideoTooLargeException over 10 GB."""
    from moto.s3.models import s3_backends

    unreachable = InvalidS3ObjectException()  # AWS's message for an object it cannot read
    s3_object = video.get("S3Object") if isinstance(video, dict) else None
    if not isinstance(s3_object, dict) or not s3_object.get("Bucket") or not s3_object.get("Name"):
        raise InvalidParameterException("Video.S3Object with a Bucket and a Name is required.")
    backend = s3_backends[account_id][partition]
    bucket = backend.buckets.get(s3_object["Bucket"])
    if bucket is None or getattr(bucket, "region_name", region) != region:
        raise unreachable
    try:
        key = backend.get_object(s3_object["Bucket"], s3_object["Name"], version_id=s3_object.get("Version"))
    except Exception:  # moto raises MissingBucket, MissingKey, InvalidVersion...
        raise unreachable from None
    if key is None or getattr(key, "is_delete_marker", False) or not hasattr(key, "value"):
        raise unreachable
    if key.size > MAX_VIDEO_BYTES:
        raise VideoTooLargeException(
            f"{VideoTooLargeException.default_message} The S3 object is {key.size} bytes; the maximum is {MAX_VIDEO_BYTES} bytes."
        )
    return bytes(key.value)


def supported(info: Any) -> bool:
    """True for H.264 in an MPEG-4/MOV (or AVI) container, what Rekognition Video analyses."""
    return info.container in VIDEO_CONTAINERS and info.codec in VIDEO_CODECS
