"""Face collections: ids, ARNs, tags, timestamps, and the faces and users they hold."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

from .facestore import FaceStore
from .users import UserStore

_NAMESPACE = uuid.UUID("6b0d5f3e-5a4c-4e0e-9d8f-2f1c7a9b3e10")


@dataclass
class Collection:
    """One face collection in one account and region."""

    collection_id: str
    arn: str
    created: float = field(default_factory=time.time)
    tags: dict[str, str] = field(default_factory=dict)
    faces: FaceStore = field(default_factory=FaceStore)
    users: UserStore = field(init=False)  # over ``faces``: a face's user is a column of the face store

    def __post_init__(self) -> None:
        self.users = UserStore(self.faces)


def image_id_for(content_sha256: str) -> str:
    """ImageId: the same image bytes always give the same id."""
    return str(uuid.uuid5(_NAMESPACE, "image:" + content_sha256))


def face_id_for(collection_id: str, image_id: str, external_image_id: str | None, face_index: int) -> str:
    """FaceId: UUID v5 of collection, image, external id and the face's place in the image."""
    name = f"face:{collection_id}|{image_id}|{external_image_id or ''}|{face_index}"
    return str(uuid.uuid5(_NAMESPACE, name))
