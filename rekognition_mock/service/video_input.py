"""A request's ``Video`` as bytes from moto's S3, with AWS's limits and errors; and what the
container holds, checked against what Rekognition Video accepts."""

from __future__ import annotations

from typing import Any

from .exceptions import InvalidParameterException, VideoTooLargeException
from .images import s3_key
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
    s3_object = video.get("S3Object") if isinstance(video, dict) else None
    if not isinstance(s3_object, dict) or not s3_object.get("Bucket") or not s3_object.get("Name"):
        raise InvalidParameterException("Video.S3Object with a Bucket and a Name is required.")
    key = s3_key(s3_object, account_id, region, partition)
    if key.size > MAX_VIDEO_BYTES:
        raise VideoTooLargeException(
            f"{VideoTooLargeException.default_message} The S3 object is {key.size} bytes; the maximum is {MAX_VIDEO_BYTES} bytes."
        )
    return bytes(key.value)


def supported(info: Any) -> bool:
    """True for H.264 in an MPEG-4/MOV (or AVI) container, what Rekognition Video analyses."""
    return info.container in VIDEO_CONTAINERS and info.codec in VIDEO_CODECS
