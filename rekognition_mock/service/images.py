"""Turn a request's ``Image`` parameter into image bytes, and check an image's
dimensions, with AWS's limits and errors."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .exceptions import (
    ImageTooLargeException,
    InvalidParameterException,
    InvalidS3ObjectException,
    SerializationException,
)
from .limits import MAX_IMAGE_SIDE, MIN_IMAGE_SIDE
from .limits import MAX_S3_IMAGE_BYTES as MAX_S3_BYTES


def image_bytes(image: Any, account_id: str, region: str, partition: str = "aws") -> bytes:
    """The raw bytes of an ``Image`` structure (``Bytes`` or ``S3Object``).

    ``Bytes`` over the model's 5 MB never gets here from a request: validation refuses it
    from the base64 text's length (a ValidationException, as AWS answers)."""
    if not isinstance(image, dict) or ("Bytes" in image) == ("S3Object" in image):
        raise InvalidParameterException("Requested image should either contain bytes or s3 object.")
    if "Bytes" in image:
        return _decode_bytes(image["Bytes"])
    return _read_s3(image["S3Object"], account_id, region, partition)


def check_dimensions(width: int, height: int) -> None:
    """AWS's limits on an image's sides, checked from its header before any pixel is
    decoded: below MIN_IMAGE_SIDE is InvalidParameterException, above MAX_IMAGE_SIDE
    ImageTooLargeException naming the dimensions."""
    if min(width, height) < MIN_IMAGE_SIDE:
        raise InvalidParameterException()
    if max(width, height) > MAX_IMAGE_SIDE:
        raise ImageTooLargeException.dimensions(width, height)


def _decode_bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise SerializationException("Unable to unmarshal request: expected base64-encoded string for 'Image.Bytes'") from None


def s3_key(s3_object: dict[str, Any], account_id: str, region: str, partition: str) -> Any:
    """moto's key of an ``S3Object`` with a ``Bucket`` and a ``Name`` (and maybe a
    ``Version``): InvalidS3ObjectException, AWS's message for an object it cannot read, when
    the bucket, key or version is missing, the key is a delete marker, or the bucket is in
    another region than Rekognition's (which reads only its own)."""
    from moto.s3.models import s3_backends

    backend = s3_backends[account_id][partition]
    bucket = backend.buckets.get(s3_object["Bucket"])
    if bucket is None or getattr(bucket, "region_name", region) != region:
        raise InvalidS3ObjectException()
    try:
        key = backend.get_object(s3_object["Bucket"], s3_object["Name"], version_id=s3_object.get("Version"))
    except Exception:  # moto raises MissingBucket, MissingKey, InvalidVersion...
        raise InvalidS3ObjectException() from None
    if key is None or getattr(key, "is_delete_marker", False) or not hasattr(key, "value"):
        raise InvalidS3ObjectException()
    return key


def _read_s3(s3_object: Any, account_id: str, region: str, partition: str) -> bytes:
    """The object's bytes. Rekognition reads only buckets in its own region."""
    if not isinstance(s3_object, dict) or not s3_object.get("Bucket") or not s3_object.get("Name"):
        raise InvalidS3ObjectException()
    key = s3_key(s3_object, account_id, region, partition)
    if key.size > MAX_S3_BYTES:
        raise ImageTooLargeException.detail(f"The S3 object is {key.size} bytes; the maximum is {MAX_S3_BYTES}.")
    return bytes(key.value)
