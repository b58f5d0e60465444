"""Rekognition's ``QualityFilter`` levels mapped onto the engine's measurements.

A face passes a level when every measurement clears that level's bar in :data:`BARS`
(docs/how-it-works.md shows them as a table, checked against :data:`BARS` by the tests).
``NONE`` keeps every face; ``AUTO`` is ``LOW``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..vision import Face


@dataclass(frozen=True)
class Bar:
    confidence: float
    sharpness: float
    brightness_low: float
    brightness_high: float
    side_px: float
    max_angle: float


BARS = {
    "LOW": Bar(80, 10, 8, 98, 30, 70),
    "MEDIUM": Bar(90, 25, 15, 95, 50, 55),
    "HIGH": Bar(98, 45, 25, 90, 80, 40),
}
ALIASES = {"AUTO": "LOW"}


def rejection_reasons(face: Face, level: str | None) -> list[str]:
    """Why ``face`` fails ``level`` (Rekognition's ``Reasons`` values); empty if it passes."""
    level = ALIASES.get(level or "NONE", level or "NONE")
    bar = BARS.get(level)
    if bar is None:
        return []
    reasons = []
    if max(abs(face.yaw), abs(face.pitch)) > bar.max_angle:
        reasons.append("EXTREME_POSE")
    if min(face.width, face.height) < bar.side_px:
        reasons.append("SMALL_BOUNDING_BOX")
    if face.confidence < bar.confidence:
        reasons.append("LOW_CONFIDENCE")
    if face.sharpness < bar.sharpness:
        reasons.append("LOW_SHARPNESS")
    if not bar.brightness_low <= face.brightness <= bar.brightness_high:
        reasons.append("LOW_BRIGHTNESS")
    if {"LOW_SHARPNESS", "LOW_BRIGHTNESS"} & set(reasons):
        reasons.append("LOW_FACE_QUALITY")
    return reasons


def passes(face: Face, level: str | None) -> bool:
    """True when ``face`` clears ``level``."""
    return not rejection_reasons(face, level)
