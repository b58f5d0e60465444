"""DetectProtectiveEquipment: persons from the faces the engine finds, the equipment a test
scripted on them, and AWS's summary of who wears what is required.

Each face (the 15 largest, as AWS) is one person, numbered from 0 in the engine's order
(largest first). The person's box is DetectLabels' ``Person`` box (the face box widened by
a face width on each side, raised by a quarter of its height, down to the image's bottom
edge); ``FACE`` and ``HEAD`` are always seen, with the face's confidence; hands only when
a test scripts them. A scripted item without a ``BoundingBox`` gets one from the face box
(see :func:`default_box`).
"""

from __future__ import annotations

from typing import Any

from ..vision.engine import Analysis, Face
from .controls.equipment import COVERS
from .labels import person_boxes
from .shapes import number

MAX_PERSONS = 15  # "DetectProtectiveEquipment detects PPE worn by up to 15 persons" (API reference)
FLOOR = 50.0  # AWS answers only detections from 50% up, and a MinConfidence below 50 acts as 50
MODEL_VERSION = "1.0"
PART_ORDER = ("FACE", "HEAD", "LEFT_HAND", "RIGHT_HAND")


def default_box(part: str, face: Face, width: int, height: int) -> dict[str, float]:
    """Where a scripted item sits when the test gives no box, from the face box (``w`` and
    ``h`` its sides): a face cover on the lower 55% of the face; a head cover from 0.45 h
    above the face, 1.2 w wide and 0.6 h high; a hand 0.5 w by 0.6 h, 1.2 h below the
    face, left of the face for the right hand and right of it for the left hand (the
    person faces the camera). Clipped to the image."""
    w, h = face.right - face.left, face.bottom - face.top
    left, top, right, bottom = {
        "FACE": (face.left, face.top + 0.45 * h, face.right, face.bottom),
        "HEAD": (face.left - 0.1 * w, face.top - 0.45 * h, face.right + 0.1 * w, face.top + 0.15 * h),
        "RIGHT_HAND": (face.left - 0.9 * w, face.bottom + 1.2 * h, face.left - 0.4 * w, face.bottom + 1.8 * h),
        "LEFT_HAND": (face.right + 0.4 * w, face.bottom + 1.2 * h, face.right + 0.9 * w, face.bottom + 1.8 * h),
    }[part]
    left, right = max(0.0, min(left, width)), max(0.0, min(right, width))
    top, bottom = max(0.0, min(top, height)), max(0.0, min(bottom, height))
    return {"Width": number((right - left) / width), "Height": number((bottom - top) / height),
            "Left": number(left / width), "Top": number(top / height)}


def persons(analysis: Analysis, scripted: dict[int, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The ``Persons`` of the response."""
    width, height = analysis.width, analysis.height
    found = []
    faces = analysis.faces[:MAX_PERSONS]
    for index, (face, box) in enumerate(zip(faces, person_boxes(analysis))):
        confidence = number(face.confidence)
        parts: dict[str, dict[str, Any]] = {
            "FACE": {"Name": "FACE", "Confidence": confidence, "EquipmentDetections": []},
            "HEAD": {"Name": "HEAD", "Confidence": confidence, "EquipmentDetections": []},
        }
        for item in scripted.get(index, []):
            name = item["BodyPart"]
            if name not in parts:
                if item["BodyPartConfidence"] < FLOOR:
                    continue
                parts[name] = {"Name": name, "Confidence": item["BodyPartConfidence"], "EquipmentDetections": []}
            if item["Type"] is None or item["Confidence"] < FLOOR:
                continue
            parts[name]["EquipmentDetections"].append({
                "BoundingBox": item["BoundingBox"] or default_box(name, face, width, height),
                "Confidence": item["Confidence"],
                "Type": item["Type"],
                "CoversBodyPart": dict(item["CoversBodyPart"]),
            })
        left, top, right, bottom = box
        found.append({
            "BodyParts": [parts[name] for name in PART_ORDER if name in parts],
            "BoundingBox": {"Width": number((right - left) / width), "Height": number((bottom - top) / height),
                            "Left": number(left / width), "Top": number(top / height)},
            "Confidence": confidence,
            "Id": index,
        })
    return found


def summary(found: list[dict[str, Any]], attributes: dict[str, Any]) -> dict[str, list[int]]:
    """AWS's ``Summary`` for ``SummarizationAttributes``. Every confidence counts only from
    ``MinConfidence`` (at least 50) up: the person's, the body part's, the equipment's and
    its ``CoversBodyPart``. A person below it is indeterminate. For each required type, a
    body part it covers (the face, the head, each hand) that is seen wears it if it has
    equipment of that type that covers it. A person is without the required equipment when
    a seen body part lacks it, indeterminate when no seen body part lacks it but one is not
    seen (hands, unless scripted), and with it otherwise."""
    least = max(float(attributes["MinConfidence"]), FLOOR)
    required = list(dict.fromkeys(attributes["RequiredEquipmentTypes"]))
    result: dict[str, list[int]] = {"PersonsWithRequiredEquipment": [], "PersonsWithoutRequiredEquipment": [],
                                    "PersonsIndeterminate": []}
    for person in found:
        seen = {p["Name"]: p for p in person["BodyParts"] if p["Confidence"] >= least}
        lacking = unseen = False
        for kind in required:
            for part_name in COVERS[kind]:
                part = seen.get(part_name)
                if part is None:
                    unseen = True
                elif not any(e["Type"] == kind and e["Confidence"] >= least and e["CoversBodyPart"]["Value"]
                             and e["CoversBodyPart"]["Confidence"] >= least for e in part["EquipmentDetections"]):
                    lacking = True
        if person["Confidence"] < least:
            verdict = "PersonsIndeterminate"
        elif lacking:
            verdict = "PersonsWithoutRequiredEquipment"
        elif unseen:
            verdict = "PersonsIndeterminate"
        else:
            verdict = "PersonsWithRequiredEquipment"
        result[verdict].append(person["Id"])
    return result
