"""What the mock found in each image of a recorded call, read back from its response.

Each image parameter of a call (``Image``, ``SourceImage``, ``TargetImage``) gets a list
of :class:`Mark` (a box with its confidence, landmarks and what it is: a detected face, an
indexed or unindexed one, a match with its similarity...), and a face mark the attributes
the request asked for (``EyesOpen false 98.6``...). Searches also name the collection faces
they matched, and DetectLabels and DetectModerationLabels their labels (:func:`labels`),
boxed or not. What a test author scripted is marked so, from the call's recorded notes.
Used by the inspector page and the pytest report, so both tell the same story. No moto,
no numpy.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from .recorder import (
    SCRIPTED_EQUIPMENT,
    SCRIPTED_FACE_ATTRIBUTES,
    SCRIPTED_LABELS,
    SCRIPTED_MODERATION_LABELS,
    SCRIPTED_TEXT,
)

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
SCRIPTED = "(scripted)"  # after a value a test author scripted
# FaceDetail members every face has (DEFAULT): not listed as attributes unless scripted.
DEFAULT_MEMBERS = ("BoundingBox", "Confidence", "Landmarks", "Pose", "Quality")
LABELLING = ("DetectLabels", "DetectModerationLabels", "DetectCustomLabels")
BOXING = ("DetectProtectiveEquipment", "DetectText")  # boxes that are not faces: persons, equipment, words


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
    attributes: list[str] = field(default_factory=list)  # "EyesOpen false 98.6" for each attribute asked for

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


@dataclass
class Label:
    """A label DetectLabels or DetectModerationLabels answered, boxed or not."""

    name: str
    confidence: float | None
    scripted: bool = False
    parent: str | None = None  # a moderation label's ParentName
    boxes: list[Mark] = field(default_factory=list)  # DetectLabels: its instances

    def describe(self) -> str:
        text = self.name
        if self.confidence is not None:
            text += f" {self.confidence:.1f}%"
        if self.parent:
            text += f" under {self.parent}"
        if self.scripted:
            text += f" {SCRIPTED}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "text": self.describe()}


SEARCHES = ("SearchFaces", "SearchFacesByImage", "SearchUsers", "SearchUsersByImage")


def marks(operation: str, response: dict[str, Any], notes: dict[str, list[Any]] | None = None) -> dict[str, list[Mark]]:
    """The marks of each image parameter, by parameter name (empty for a failed call); the
    call's ``notes`` (``recorder.Entry.notes``) mark scripted face attributes as such."""
    reader = _READERS.get(operation)
    if reader is None or not response:
        return {}
    scripted = frozenset(_key(name, value) for name, value in (notes or {}).get(SCRIPTED_FACE_ATTRIBUTES, []))
    try:
        found = reader(response, scripted)
    except (AttributeError, KeyError, TypeError, ValueError):  # a response of an unexpected shape
        return {}
    scripted_labels = {name for names in (notes or {}).get(SCRIPTED_LABELS, []) for name in names}
    for mark in found.get("Image", []) if scripted_labels else []:
        if mark.kind == INSTANCE and mark.label in scripted_labels:
            mark.label = f"{mark.label} {SCRIPTED}"
    # Words are all scripted (no OCR), and so is the equipment (the persons are measured).
    if (operation == "DetectText" and (notes or {}).get(SCRIPTED_TEXT)) or (
            operation == "DetectProtectiveEquipment" and (notes or {}).get(SCRIPTED_EQUIPMENT)):
        for mark in found.get("Image", []):
            if mark.label is not None and not mark.label.startswith("person "):
                mark.label = f"{mark.label} {SCRIPTED}"
    return found


def finds_faces(operation: str) -> bool:
    """Whether ``operation`` answers with faces found in its images (the report counts them)."""
    return operation in _READERS and operation not in LABELLING and operation not in BOXING


def labels(operation: str, response: dict[str, Any], notes: dict[str, list[Any]] | None = None) -> list[Label]:
    """The labels of a DetectLabels or DetectModerationLabels response, as answered (empty for
    any other call); those the call's ``notes`` say were scripted are marked so."""
    if operation not in LABELLING or not response:
        return []
    moderation = operation == "DetectModerationLabels"
    kind = SCRIPTED_MODERATION_LABELS if moderation else SCRIPTED_LABELS
    scripted = {name for names in (notes or {}).get(kind, []) for name in names}
    member = {"DetectModerationLabels": "ModerationLabels", "DetectCustomLabels": "CustomLabels"}.get(operation, "Labels")
    found = []
    try:
        for label in response.get(member) or []:
            name = str(label.get("Name", ""))
            boxes = [] if moderation else _instances(label)
            found.append(Label(name, _number(label.get("Confidence")), name in scripted, label.get("ParentName") or None, boxes))
    except (AttributeError, TypeError):  # a response of an unexpected shape
        return []
    return found


def face_attributes(detail: dict[str, Any], scripted: frozenset[str] = frozenset()) -> list[str]:
    """A text for each attribute of a FaceDetail the request asked for (the members beyond
    :data:`DEFAULT_MEMBERS`), e.g. ``EyesOpen false 98.6``, ``AgeRange 25-35``, ``Emotions HAPPY 97.1``
    (the strongest); a value in ``scripted`` (``_key``s) is marked so, a default member too."""
    out = []
    for name, value in detail.items():
        key = _key(name, value)
        if key in scripted:
            out.append(f"{_attribute_text(name, value)} {SCRIPTED}")
        elif name not in DEFAULT_MEMBERS:
            out.append(_attribute_text(name, value))
    return out


def _key(name: str, value: Any) -> str:
    return name + " " + json.dumps(value, sort_keys=True)


def _attribute_text(name: str, value: Any) -> str:
    if isinstance(value, dict) and "Value" in value:
        shown = json.dumps(value["Value"]) if isinstance(value["Value"], bool) else str(value["Value"])
        confidence = _number(value.get("Confidence"))
        return f"{name} {shown}" + (f" {confidence:.1f}" if confidence is not None else "")
    if name == "AgeRange" and isinstance(value, dict):
        return f"AgeRange {value.get('Low')}-{value.get('High')}"
    if name == "Emotions" and isinstance(value, list):
        ranked = sorted((e for e in value if isinstance(e, dict)), key=lambda e: -(_number(e.get("Confidence")) or 0))
        return f"Emotions {ranked[0].get('Type')} {_number(ranked[0].get('Confidence')) or 0:.1f}" if ranked else "Emotions none"
    if isinstance(value, dict) and all(isinstance(v, (int, float)) for v in value.values()):
        return f"{name} " + " ".join(f"{k[0].lower()}{k[1:]} {v:.1f}" for k, v in value.items())
    return f"{name} {json.dumps(value)}"


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


def _face_mark(kind: str, detail: dict[str, Any], scripted: frozenset[str], **extra: Any) -> Mark:
    return Mark(
        kind,
        dict(detail.get("BoundingBox") or {}),
        _number(detail.get("Confidence")),
        list(detail.get("Landmarks") or []),
        attributes=face_attributes(detail, scripted),
        **extra,
    )


def _box_of(face: dict[str, Any]) -> dict[str, Any]:
    return {key: face[key] for key in ("BoundingBox", "Confidence") if key in face}


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _detect_faces(response: dict[str, Any], scripted: frozenset[str]) -> dict[str, list[Mark]]:
    return {"Image": [_face_mark(FACE, d, scripted) for d in response.get("FaceDetails") or []]}


def _index_faces(response: dict[str, Any], scripted: frozenset[str]) -> dict[str, list[Mark]]:
    found = []
    for record in response.get("FaceRecords") or []:
        face = record.get("Face") or {}
        found.append(
            _face_mark(INDEXED, record.get("FaceDetail") or _box_of(face), scripted, face_id=face.get("FaceId"),
                       external_image_id=face.get("ExternalImageId"))
        )
    for unindexed in response.get("UnindexedFaces") or []:
        found.append(_face_mark(UNINDEXED, unindexed.get("FaceDetail") or {}, scripted, reasons=list(unindexed.get("Reasons") or [])))
    return {"Image": found}


def _search_faces_by_image(response: dict[str, Any], scripted: frozenset[str]) -> dict[str, list[Mark]]:
    box = response.get("SearchedFaceBoundingBox")
    if not box:
        return {"Image": []}
    return {"Image": [Mark(SEARCHED, dict(box), _number(response.get("SearchedFaceConfidence")))]}


def _search_users_by_image(response: dict[str, Any], scripted: frozenset[str]) -> dict[str, list[Mark]]:
    searched = (response.get("SearchedFace") or {}).get("FaceDetail")
    found = [_face_mark(SEARCHED, searched, scripted)] if searched else []
    for face in response.get("UnsearchedFaces") or []:
        found.append(_face_mark(UNSEARCHED, face.get("FaceDetails") or {}, scripted, reasons=list(face.get("Reasons") or [])))
    return {"Image": found}


def _compare_faces(response: dict[str, Any], scripted: frozenset[str]) -> dict[str, list[Mark]]:
    source = response.get("SourceImageFace")
    target = [
        _face_mark(MATCH, m.get("Face") or {}, scripted, similarity=_number(m.get("Similarity")))
        for m in response.get("FaceMatches") or []
    ]
    target += [_face_mark(UNMATCHED, face, scripted) for face in response.get("UnmatchedFaces") or []]
    return {"SourceImage": [_face_mark(SOURCE, source, scripted)] if source else [], "TargetImage": target}


def _instances(label: dict[str, Any]) -> list[Mark]:
    """A DetectLabels label's instance boxes, or a custom label's ``Geometry`` box."""
    instances = label.get("Instances") or ([{**label["Geometry"], "Confidence": label.get("Confidence")}]
                                           if isinstance(label.get("Geometry"), dict) else [])
    return [
        Mark(INSTANCE, dict(instance["BoundingBox"]), _number(instance.get("Confidence")), label=label.get("Name"))
        for instance in instances
        if instance.get("BoundingBox")
    ]


def _detect_labels(response: dict[str, Any], scripted: frozenset[str]) -> dict[str, list[Mark]]:
    return {"Image": [mark for label in response.get("Labels") or [] for mark in _instances(label)]}


def _detect_custom_labels(response: dict[str, Any], scripted: frozenset[str]) -> dict[str, list[Mark]]:
    return {"Image": [mark for label in response.get("CustomLabels") or [] for mark in _instances(label)]}


def _detect_moderation_labels(response: dict[str, Any], scripted: frozenset[str]) -> dict[str, list[Mark]]:
    return {"Image": []}  # no boxes: its labels are the image's (labels())


def _recognize_celebrities(response: dict[str, Any], scripted: frozenset[str]) -> dict[str, list[Mark]]:
    found = [
        _face_mark(MATCH, c.get("Face") or {}, scripted, similarity=_number(c.get("MatchConfidence")), label=c.get("Name"))
        for c in response.get("CelebrityFaces") or []
    ]
    return {"Image": found + [_face_mark(UNMATCHED, face, scripted) for face in response.get("UnrecognizedFaces") or []]}


def _detect_protective_equipment(response: dict[str, Any], scripted: frozenset[str]) -> dict[str, list[Mark]]:
    found = []
    for person in response.get("Persons") or []:
        found.append(Mark(INSTANCE, dict(person.get("BoundingBox") or {}), _number(person.get("Confidence")),
                          label=f"person {person.get('Id')}"))
        for part in person.get("BodyParts") or []:
            for item in part.get("EquipmentDetections") or []:
                covers = "" if (item.get("CoversBodyPart") or {}).get("Value", True) else " (not covering)"
                found.append(Mark(INSTANCE, dict(item.get("BoundingBox") or {}), _number(item.get("Confidence")),
                                  label=f"{item.get('Type')} on {part.get('Name')}{covers}"))
    return {"Image": found}


def _detect_text(response: dict[str, Any], scripted: frozenset[str]) -> dict[str, list[Mark]]:
    return {"Image": [
        Mark(INSTANCE, dict((d.get("Geometry") or {}).get("BoundingBox") or {}), _number(d.get("Confidence")),
             label=str(d.get("DetectedText")))
        for d in response.get("TextDetections") or [] if d.get("Type") == "WORD"
    ]}


_READERS = {
    "DetectFaces": _detect_faces,
    "IndexFaces": _index_faces,
    "SearchFacesByImage": _search_faces_by_image,
    "SearchUsersByImage": _search_users_by_image,
    "CompareFaces": _compare_faces,
    "DetectLabels": _detect_labels,
    "DetectModerationLabels": _detect_moderation_labels,
    "RecognizeCelebrities": _recognize_celebrities,
    "DetectProtectiveEquipment": _detect_protective_equipment,
    "DetectText": _detect_text,
    "DetectCustomLabels": _detect_custom_labels,
}
