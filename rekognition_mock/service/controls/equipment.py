"""Scripted protective equipment: what DetectProtectiveEquipment finds on one person (a face,
largest first) of an image, and the hands it sees."""

from __future__ import annotations

from typing import Any

from .. import recorder
from .faces import check_face_index
from .registry import Family, http_control, image_key, image_target, json_image, json_integer, row

# The body parts each type of equipment covers (AWS: face cover on the face, head cover on
# the head, hand covers on the hands).
COVERS = {"FACE_COVER": ("FACE",), "HEAD_COVER": ("HEAD",), "HAND_COVER": ("LEFT_HAND", "RIGHT_HAND")}
BODY_PARTS = ("FACE", "HEAD", "LEFT_HAND", "RIGHT_HAND")
HANDS = ("LEFT_HAND", "RIGHT_HAND")
SCRIPTED_CONFIDENCE = 99.0
_MEMBERS = {"Type", "BodyPart", "Confidence", "BoundingBox", "CoversBodyPart", "BodyPartConfidence"}

EQUIPMENT = Family(
    "protective_equipment",
    lambda key, persons: [{"image": list(key), "person_index": index, "equipment": items}
                          for index, items in sorted(persons.items())],
    lambda key, persons: [row("protective equipment", image_target(key),
                              f"person {index}: " + ", ".join(f"{i.get('Type') or 'bare'} on {i['BodyPart']}" for i in items))
                          for index, items in sorted(persons.items())],
)


def set_protective_equipment(image: Any, person_index: int, equipment: list[Any]) -> None:
    """What DetectProtectiveEquipment finds on the person of face ``person_index`` (largest
    face first) of ``image``: a list of equipment types (``"FACE_COVER"``, ``"HEAD_COVER"``,
    ``"HAND_COVER"``, the last on both hands) or dicts with ``Type``, ``BodyPart``,
    ``Confidence``, ``BoundingBox`` (ratios of the image), ``CoversBodyPart``; a dict with a
    hand as ``BodyPart`` and no ``Type`` is a bare hand. Replaces what was set for that person;
    an empty list takes it away."""
    if not isinstance(person_index, int) or isinstance(person_index, bool) or person_index < 0:
        raise ValueError("person_index must be a non-negative integer")
    if not isinstance(equipment, (list, tuple)):
        raise ValueError('equipment must be a list of types ("FACE_COVER", ...) or of dicts')
    items = [normalised for item in equipment for normalised in _items(item)]
    key = image_key(image)
    if key[0] == "sha256":
        check_face_index(bytes(image), person_index)

    def put(persons: dict[int, list[dict[str, Any]]] | None) -> dict[int, list[dict[str, Any]]]:
        persons = dict(persons or {})
        if items:
            persons[person_index] = items
        else:
            persons.pop(person_index, None)
        return persons

    EQUIPMENT.edit(key, put)


def _items(item: Any) -> list[dict[str, Any]]:
    """One scripted item as the detections it stands for (a hand cover without a hand: two)."""
    if isinstance(item, str):
        item = {"Type": item}
    if not isinstance(item, dict):
        raise ValueError(f"an equipment item is a type or a dict: {item!r}")
    unknown = sorted(set(item) - _MEMBERS)
    if unknown:
        raise ValueError(f"unknown members {', '.join(unknown)} (members: {', '.join(sorted(_MEMBERS))})")
    kind = item.get("Type")
    if kind is not None and kind not in COVERS:
        raise ValueError(f"Type must be one of {', '.join(COVERS)}: {item!r}")
    part = item.get("BodyPart")
    if part is not None and part not in BODY_PARTS:
        raise ValueError(f"BodyPart must be one of {', '.join(BODY_PARTS)}: {item!r}")
    if kind is None and part not in HANDS:
        raise ValueError(f"an item without a Type is a bare hand: BodyPart LEFT_HAND or RIGHT_HAND: {item!r}")
    if kind is not None and part is not None and part not in COVERS[kind]:
        raise ValueError(f"{kind} covers {' or '.join(COVERS[kind])}, not {part}")
    covers = item.get("CoversBodyPart", {"Value": True, "Confidence": SCRIPTED_CONFIDENCE})
    if not isinstance(covers, dict) or not isinstance(covers.get("Value"), bool):
        raise ValueError(f'CoversBodyPart is {{"Value": true|false, "Confidence": 0-100}}: {item!r}')
    box = item.get("BoundingBox")
    if box is not None:
        if not isinstance(box, dict) or set(box) != {"Width", "Height", "Left", "Top"}:
            raise ValueError(f"BoundingBox has Width, Height, Left and Top (ratios of the image): {item!r}")
        box = {name: _number(box[name], f"BoundingBox.{name}", 0.0, 1.0) for name in ("Width", "Height", "Left", "Top")}
    base = {
        "Type": kind,
        "Confidence": _number(item.get("Confidence", SCRIPTED_CONFIDENCE), "Confidence"),
        "BoundingBox": box,
        "CoversBodyPart": {"Value": covers["Value"],
                           "Confidence": _number(covers.get("Confidence", SCRIPTED_CONFIDENCE), "CoversBodyPart.Confidence")},
        "BodyPartConfidence": _number(item.get("BodyPartConfidence", SCRIPTED_CONFIDENCE), "BodyPartConfidence"),
    }
    parts = (part,) if part is not None else COVERS[kind]  # type: ignore[index]
    return [{**base, "BodyPart": p} for p in parts]


def _number(value: Any, name: str, low: float = 0.0, high: float = 100.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}")
    return float(value)


def scripted_equipment(keys: list[tuple]) -> dict[int, list[dict[str, Any]]]:
    """The equipment scripted per person for the first of ``keys`` that has some."""
    found = EQUIPMENT.first(keys) or {}
    if found:
        recorder.note(recorder.SCRIPTED_EQUIPMENT,
                      [[index, item["Type"] or item["BodyPart"]] for index, items in sorted(found.items()) for item in items])
    return found


@http_control("protective-equipment")
def _equipment_over_http(body: dict[str, Any]) -> None:
    set_protective_equipment(json_image(body.get("image")), json_integer(body, "person_index", 0), body.get("equipment"))
