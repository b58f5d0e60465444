"""Face collections: ids, ARNs, tags, timestamps, and the faces and users they hold."""

from __future__ import annotations

import random
import threading
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


class FaceIds:
    """New FaceIds: random version-4 UUIDs, as AWS's are. With a ``seed`` the sequence is
    the same on every run (a test suite that wants stable ids asks for it); without one it
    comes from the operating system's randomness."""

    def __init__(self, seed: str | None = None) -> None:
        self._random = random.Random(seed) if seed is not None else None
        self._lock = threading.Lock()

    def new(self) -> str:
        if self._random is None:
            return str(uuid.uuid4())
        with self._lock:
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))
