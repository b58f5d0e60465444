"""What the mock found in each image of a recorded call, read back from its response.

Each image parameter of a call (``Image``, ``SourceImage``, ``TargetImage``) gets a list
of :class:`Mark` (a box with its confidence, landmarks and what it is: a detected face, an
indexed or unindexed one, a match with its similarity...). Searches also name the
collection faces they matched. Used by the inspector page and the pytest report, so both
tell the same story. No moto, no numpy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# What a mark is; the inspector and the annotated images colour them by this.
FACE = "face"  # DetectFaces
INDEXED = "indexed"  # IndexFaces: stored in the collection
UNINDEXED = "unindexed"  # IndexFaces: found but not stored (Reasons say why)
SEARCHED = "searched"  # SearchFacesByImage, SearchUsersByImage: the face that was searched for
UNSEARCHED = "unsearched"  # SearchUsersByImage: the other faces (Reasons say why)
SOURCE = "source"  # CompareFaces: the source image's face
MATCH = "match"  # CompareFaces: a target face at or above the threshold
UNMATCHED = "unmatched"  # CompareFaces: a target face below it
INSTANCE = "instance"  # DetectLabels: a label's instance box
KINDS = (FACE, INDEXED, UNINDEXED, SEARCHED, UNSEARCHED, SOURCE, MATCH, UNMATCHED, INSTANCE)


@dataclass
class Mark:
    """One box drawn on an image (coordinates are AWS's ratios of the image's size)."""

    kind: str
    box: dict[str, float]  # Left, Top, Width, Height
    confidence: float | None = None
    landmarks: list[dict[str, Any]] = field(default_factory=list)
    face_id: str | None = None
    external_image_id: str | None = None
    similarity: float | None = None
    label: str | None = None
    reasons: list[str] = field(default_factory=list)

    def caption(self) -> str:
        """A short text for the box: what it is and its score."""
        parts = []
        if self.label:
            parts.append(self.label)
        if self.similarity is not None:
            parts.append(f"similarity {self.similarity:.1f}%")
        elif self.confidence is not None:
            parts.append(f"{self.confidence:.1f}%")
        if self.external_image_id:
            parts.append(self.external_image_id)
        if self.reasons:
            parts.append(", ".join(self.reasons))
        return " ".join(parts)

    def describe(self) -> str:
        """One line for a text report."""
        b = self.box
        text = (
            f"{self.kind} box(left={b.get('Left', 0):.3f}, top={b.get('Top', 0):.3f}, "
            f"width={b.get('Width', 0):.3f}, height={b.get('Height', 0):.3f})"
        )
        if self.confidence is not None:
            text += f" confidence {self.confidence:.1f}%"
        if self.similarity is not None:
            text += f" similarity {self.similarity:.1f}%"
        if self.label:
            text += f" label {self.label}"
        if self.face_id:
            text += f" FaceId {self.face_id}"
        if self.external_image_id:
            text += f" ExternalImageId {self.external_image_id}"
        if self.reasons:
            text += f" reasons {', '.join(self.reasons)}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "caption": self.caption()}


@dataclass
class Match:
    """A collection face (SearchFaces...) or user (SearchUsers...) that a search matched."""

    similarity: float
    face_id: str | None = None
    external_image_id: str | None = None
    image_id: str | None = None
    user_id: str | None = None

    def describe(self) -> str:
        text = f"UserId {self.user_id}" if self.user_id else f"FaceId {self.face_id}"
        text += f" similarity {self.similarity:.1f}%"
        if self.external_image_id:
            text += f" ExternalImageId {self.external_image_id}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


SEARCHES = ("SearchFaces", "SearchFacesByImage", "SearchUsers", "SearchUsersByImage")


def marks(operation: str, response: dict[str, Any]) -> dict[str, list[Mark]]:
    """The marks of each image parameter, by parameter name (empty for a failed call)."""
    reader = _READERS.get(operation)
    if reader is None or not response:
        return {}
    try:
        return reader(response)
    except (AttributeError, KeyError, TypeError, ValueError):  # a response of an unexpected shape
        return {}


def matches(operation: str, response: dict[str, Any]) -> list[Match]:
    """The collection faces or users a search matched, best first (as answered)."""
    if operation not in SEARCHES:
        return []
    found = []
    for match in response.get("FaceMatches") or []:
        face = match.get("Face") or {}
        if face.get("FaceId"):
            found.append(Match(float(match.get("Similarity", 0)), face["FaceId"], face.get("ExternalImageId"), face.get("ImageId")))
    for match in response.get("UserMatches") or []:
        user = match.get("User") or {}
        if user.get("UserId"):
            found.append(Match(float(match.get("Similarity", 0)), user_id=user["UserId"]))
    return found


def _face_mark(kind: str, detail: dict[str, Any], **extra: Any) -> Mark:
    return Mark(
        kind,
        dict(detail.get("BoundingBox") or {}),
        _number(detail.get("Confidence")),
        list(detail.get("Landmarks") or []),
        **extra,
    )


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _detect_faces(response: dict[str, Any]) -> dict[str, list[Mark]]:
    return {"Image": [_face_mark(FACE, d) for d in response.get("FaceDetails") or []]}


def _index_faces(response: dict[str, Any]) -> dict[str, list[Mark]]:
    found = []
    for record in response.get("FaceRecords") or []:
        face = record.get("Face") or {}
        found.append(
            _face_mark(INDEXED, record.get("FaceDetail") or face, face_id=face.get("FaceId"), external_image_id=face.get("ExternalImageId"))
        )
    for unindexed in response.get("UnindexedFaces") or []:
        found.append(_face_mark(UNINDEXED, unindexed.get("FaceDetail") or {}, reasons=list(unindexed.get("Reasons") or [])))
    return {"Image": found}


def _search_faces_by_image(response: dict[str, Any]) -> dict[str, list[Mark]]:
    box = response.get("SearchedFaceBoundingBox")
    if not box:
        return {"Image": []}
    return {"Image": [Mark(SEARCHED, dict(box), _number(response.get("SearchedFaceConfidence")))]}


def _search_users_by_image(response: dict[str, Any]) -> dict[str, list[Mark]]:
    searched = (response.get("SearchedFace") or {}).get("FaceDetail")
    found = [_face_mark(SEARCHED, searched)] if searched else []
    for face in response.get("UnsearchedFaces") or []:
        found.append(_face_mark(UNSEARCHED, face.get("FaceDetails") or {}, reasons=list(face.get("Reasons") or [])))
    return {"Image": found}


def _compare_faces(response: dict[str, Any]) -> dict[str, list[Mark]]:
    source = response.get("SourceImageFace")
    target = [
        _face_mark(MATCH, m.get("Face") or {}, similarity=_number(m.get("Similarity"))) for m in response.get("FaceMatches") or []
    ]
    target += [_face_mark(UNMATCHED, face) for face in response.get("UnmatchedFaces") or []]
    return {"SourceImage": [_face_mark(SOURCE, source)] if source else [], "TargetImage": target}


def _detect_labels(response: dict[str, Any]) -> dict[str, list[Mark]]:
    found = []
    for label in response.get("Labels") or []:
        for instance in label.get("Instances") or []:
            if instance.get("BoundingBox"):
                found.append(Mark(INSTANCE, dict(instance["BoundingBox"]), _number(instance.get("Confidence")), label=label.get("Name")))
    return {"Image": found}


_READERS = {
    "DetectFaces": _detect_faces,
    "IndexFaces": _index_faces,
    "SearchFacesByImage": _search_faces_by_image,
    "SearchUsersByImage": _search_users_by_image,
    "CompareFaces": _compare_faces,
    "DetectLabels": _detect_labels,
}
