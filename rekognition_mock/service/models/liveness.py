"""Face Liveness: CreateFaceLivenessSession and GetFaceLivenessSessionResults.

No video arrives here: a test says what a session saw with
``rekognition_mock.set_liveness_result(session_id, image, confidence)`` (the face image and
the liveness confidence it chooses: high for a live person, low for a spoof). Until then the
session is CREATED. A session is EXPIRED 3 minutes after it was created, on the mock's clock
(``advance_clock(181)``), whatever it saw: AWS then makes all its data unavailable.

The reference image and the audit images (``AuditImagesLimit`` of them, copies of the one
frame) are the supplied image as a JPEG of at most 200 KB (AuditImage.Bytes' limit), each with
the BoundingBox of the largest face the engine finds in it. With ``OutputConfig`` they are
written to that S3 bucket, ``<S3KeyPrefix><SessionId>/reference.jpg`` and
``<S3KeyPrefix><SessionId>/audit_images/<n>.jpg``, and answered as S3Objects; without it they are
answered as Bytes. An image without a face makes the session FAILED.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, replace
from typing import Any

from .. import clock, shapes
from ..controls import lifecycle as lifecycle_controls
from ..exceptions import InvalidParameterException, SessionNotFoundException
from .analysis import ImagesMixin
from .lifecycle import bucket_exists, write_s3

MAX_AUDIT_IMAGE_BYTES = 204800  # AuditImage.Bytes (the model's maximum)
CHALLENGE = {"Type": "FaceMovementAndLightChallenge", "Version": "2.0.0"}  # AWS's default challenge


@dataclass(frozen=True)
class LivenessImage:
    """A reference or audit image: its JPEG bytes, or where it was written in S3, and the face box."""

    box: dict[str, float]
    data: bytes | None = None
    s3_object: dict[str, str] | None = None


@dataclass(frozen=True)
class LivenessResult:
    """What GetFaceLivenessSessionResults reports for a session."""

    session_id: str
    status: str
    challenge: dict[str, str]
    confidence: float | None = None
    reference: LivenessImage | None = None
    audit: tuple[LivenessImage, ...] = ()


@dataclass
class LivenessSession:
    session_id: str
    created: float
    settings: dict[str, Any]
    token: str | None
    kms_key_id: str | None
    images: list[LivenessImage] | None = None  # reference then audit images, once made (empty: no face)

    @property
    def challenge(self) -> dict[str, str]:
        preferences = self.settings.get("ChallengePreferences") or []
        return {**CHALLENGE, "Type": preferences[0]["Type"]} if preferences else dict(CHALLENGE)


def _jpeg(data: bytes) -> bytes:
    """The image as a JPEG of at most MAX_AUDIT_IMAGE_BYTES (a frame of the selfie video)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    quality = 90
    while True:
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=quality)
        if out.tell() <= MAX_AUDIT_IMAGE_BYTES:
            return out.getvalue()
        if quality > 50:
            quality -= 20
        else:
            image = image.resize((max(1, image.width * 3 // 4), max(1, image.height * 3 // 4)))


class LivenessMixin(ImagesMixin):
    """Face Liveness sessions of one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.liveness_sessions: dict[str, LivenessSession] = {}

    def create_face_liveness_session(self, settings: dict[str, Any] | None, token: str | None,
                                     kms_key_id: str | None) -> str:
        settings = dict(settings or {})
        output = settings.get("OutputConfig")
        if output and not bucket_exists(self.account_id, self.region_name, self.partition, output["S3Bucket"]):
            raise InvalidParameterException(f"The S3 bucket {output['S3Bucket']} does not exist in this account and region")
        with self._lock:
            if token:
                for session in self.liveness_sessions.values():
                    if session.token == token and clock.now() < session.created + clock.LIVENESS_SESSION_LIFETIME:
                        return session.session_id  # AWS: the same token returns the same session
            session = LivenessSession(str(uuid.uuid4()), clock.now(), settings, token, kms_key_id)
            self.liveness_sessions[session.session_id] = session
            return session.session_id

    def get_face_liveness_session_results(self, session_id: str) -> LivenessResult:
        session = self.liveness_sessions.get(session_id)
        if session is None:
            raise SessionNotFoundException(f"Session {session_id} was not found")
        result = LivenessResult(session_id, "CREATED", session.challenge)
        if clock.now() >= session.created + clock.LIVENESS_SESSION_LIFETIME:
            return replace(result, status="EXPIRED")
        seen = lifecycle_controls.liveness_result(session_id)
        if seen is None:
            return result
        if seen["status"] != "SUCCEEDED":
            return replace(result, status=seen["status"])
        with self._lock:
            if session.images is None:
                session.images = self._liveness_images(session, seen["image"])
        if not session.images:  # no face in the image
            return replace(result, status="FAILED")
        return replace(result, status="SUCCEEDED", confidence=seen["confidence"], reference=session.images[0],
                       audit=tuple(session.images[1:]))

    def _liveness_images(self, session: LivenessSession, data: bytes) -> list[LivenessImage]:
        analysis = self._analyze_bytes(data)
        if not analysis.faces:
            return []
        frame = _jpeg(data)
        box = shapes.bounding_box(analysis.faces[0], analysis.width, analysis.height)
        names = ["reference.jpg"] + [f"audit_images/{n}.jpg" for n in range(1, session.settings.get("AuditImagesLimit", 0) + 1)]
        output = session.settings.get("OutputConfig")
        images = []
        for name in names:
            if output:
                key = f"{output.get('S3KeyPrefix', '')}{session.session_id}/{name}"
                write_s3(self.account_id, self.partition, output["S3Bucket"], key, frame)
                images.append(LivenessImage(box, s3_object={"Bucket": output["S3Bucket"], "Name": key}))
            else:
                images.append(LivenessImage(box, data=frame))
        return images
