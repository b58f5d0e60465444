"""Face collections: ids, ARNs, tags, timestamps, and the faces they hold."""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from dataclasses import dataclass, field

from .exceptions import InvalidPaginationTokenException
from .facestore import FaceStore

FACE_MODEL_VERSION = "7.0"
_NAMESPACE = uuid.UUID("6b0d5f3e-5a4c-4e0e-9d8f-2f1c7a9b3e10")


@dataclass
class Collection:
    """One face collection in one account and region."""

    collection_id: str
    arn: str
    created: float = field(default_factory=time.time)
    tags: dict[str, str] = field(default_factory=dict)
    faces: FaceStore = field(default_factory=FaceStore)
    user_count: int = 0


def collection_arn(partition: str, region: str, account_id: str, collection_id: str) -> str:
    return f"arn:{partition}:rekognition:{region}:{account_id}:collection/{collection_id}"


def image_id_for(content_sha256: str) -> str:
    """ImageId: the same image bytes always give the same id."""
    return str(uuid.uuid5(_NAMESPACE, "image:" + content_sha256))


def face_id_for(collection_id: str, image_id: str, external_image_id: str | None, face_index: int) -> str:
    """FaceId: UUID v5 of collection, image, external id and the face's place in the image."""
    name = f"face:{collection_id}|{image_id}|{external_image_id or ''}|{face_index}"
    return str(uuid.uuid5(_NAMESPACE, name))


def encode_token(kind: str, scope: str, position: object) -> str:
    """An opaque NextToken bound to one listing (``kind``) of one ``scope``."""
    raw = json.dumps([kind, scope, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, kind: str, scope: str) -> object:
    """The position stored in ``token``; InvalidPaginationTokenException if it is not ours."""
    try:
        padded = token + "=" * (-len(token) % 4)
        found_kind, found_scope, position = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidPaginationTokenException("Invalid pagination token") from None
    if found_kind != kind or found_scope != scope:
        raise InvalidPaginationTokenException("Invalid pagination token")
    return position
