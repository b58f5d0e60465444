"""Facial attributes estimated from landmark geometry and pixels.

These are measurements, not a trained classifier: eye and mouth opening from the
landmarks, a smile from the mouth's shape, emotions from those. Age and gender come from
trained networks instead (:mod:`.age_gender`), run only when asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import geometry


@dataclass(frozen=True)
class Flag:
    """A yes/no attribute and how sure the estimate is (50–100)."""

    value: bool
    confidence: float


@dataclass(frozen=True)
class FaceAttributes:
    """Every attribute Rekognition's FaceDetail can carry, estimated for one face."""

    smile: Flag
    eyeglasses: Flag
    sunglasses: Flag
    beard: Flag
    mustache: Flag
    eyes_open: Flag
    mouth_open: Flag
    face_occluded: Flag
    emotions: tuple[tuple[str, float], ...]
    eye_yaw: float
    eye_pitch: float
    eye_confidence: float


def _flag(evidence: float) -> Flag:
    """Evidence in (-∞, ∞), positive meaning yes, to a Flag with logistic confidence."""
    p = 1.0 / (1.0 + math.exp(-evidence))
    return Flag(p >= 0.5, 100.0 * max(p, 1.0 - p))


def estimate(points: np.ndarray, rgb: np.ndarray, pose: tuple[float, float, float]) -> FaceAttributes:
    """Estimate attributes from 68 landmarks (image pixels), the image and the pose."""
    ear = geometry.eye_aspect_ratio(points)
    opening = geometry.mouth_opening(points)
    lift = geometry.mouth_corner_lift(points)
    width = geometry.mouth_width_ratio(points)
    eyes_open = _flag((ear - 0.18) * 40.0)
    mouth_open = _flag((opening - 0.12) * 30.0)
    smile = _flag((lift - 0.02) * 40.0 + (width - 0.55) * 10.0)
    lower = _lower_face_darkness(points, rgb)
    beard = _flag((lower - 0.18) * 12.0)
    mustache = _flag((lower - 0.22) * 10.0)
    eye_region = _eye_region_darkness(points, rgb)
    sunglasses = _flag((eye_region - 0.80) * 12.0)
    eyeglasses = _flag((eye_region - 0.75) * 6.0)
    face_occluded = _flag(-2.0 - abs(pose[1]) / 30.0)
    emotions = _emotions(points, smile, mouth_open, ear, lift)
    eye_yaw, eye_pitch = _gaze(points)
    return FaceAttributes(
        smile=smile,
        eyeglasses=eyeglasses,
        sunglasses=sunglasses,
        beard=beard,
        mustache=mustache,
        eyes_open=eyes_open,
        mouth_open=mouth_open,
        face_occluded=face_occluded,
        emotions=emotions,
        eye_yaw=eye_yaw,
        eye_pitch=eye_pitch,
        eye_confidence=min(99.0, 50.0 + 200.0 * ear),
    )


def _region_mean(rgb: np.ndarray, pts: np.ndarray) -> float:
    height, width = rgb.shape[:2]
    x0, y0 = np.clip(pts.min(axis=0).astype(int), 0, [width - 1, height - 1])
    x1, y1 = np.clip(pts.max(axis=0).astype(int) + 1, 1, [width, height])
    if x1 <= x0 or y1 <= y0:
        return 0.5
    return float(rgb[y0:y1, x0:x1].mean() / 255.0)


def _darker_than_cheeks(points: np.ndarray, rgb: np.ndarray, regions: list[np.ndarray]) -> float:
    """How much darker the mean of ``regions`` is than the cheeks (0 = same, 1 = black)."""
    cheeks = (_region_mean(rgb, points[[1, 2, 31, 41]]) + _region_mean(rgb, points[[14, 15, 35, 46]])) / 2
    region = sum(_region_mean(rgb, r) for r in regions) / len(regions)
    return max(0.0, (cheeks - region) / max(cheeks, 1e-6))


def _lower_face_darkness(points: np.ndarray, rgb: np.ndarray) -> float:
    """How much darker the chin and lower lip are than the cheeks (0 = same)."""
    return _darker_than_cheeks(points, rgb, [points[[6, 7, 8, 9, 10, 57]]])


def _eye_region_darkness(points: np.ndarray, rgb: np.ndarray) -> float:
    """How much darker the eye regions are than the cheeks (0 = same, 1 = black)."""
    return _darker_than_cheeks(points, rgb, [points[36:42], points[42:48]])


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _emotions(points: np.ndarray, smile: Flag, mouth_open: Flag, ear: float, lift: float) -> tuple[tuple[str, float], ...]:
    """Eight emotions from facial geometry, as percentages summing to 100.

    Cues: the smile (HAPPY); an open mouth with wide eyes (SURPRISED, and FEAR when the
    mouth is open less); mouth corners below the lip centre (SAD); brows pulled down
    towards the eyes (ANGRY, and CONFUSED when one brow is lower than the other); a
    raised upper lip, close to the nose (DISGUSTED). CALM takes what no cue claims.
    """
    eye_width = max(1e-6, float(np.linalg.norm(points[36] - points[39]) + np.linalg.norm(points[42] - points[45])) / 2)
    brow_left = float(points[37:39, 1].mean() - points[18:21, 1].mean()) / eye_width
    brow_right = float(points[43:45, 1].mean() - points[23:26, 1].mean()) / eye_width
    brow_gap = (brow_left + brow_right) / 2  # 0.5–0.85 relaxed, lower when frowning
    lip_gap = float(points[51, 1] - points[33, 1]) / eye_width  # 0.5–0.8 relaxed
    opened = mouth_open.confidence if mouth_open.value else 100.0 - mouth_open.confidence
    cues = {
        "HAPPY": smile.confidence if smile.value else 100.0 - smile.confidence,
        "SURPRISED": opened * _logistic((ear - 0.30) * 30.0),
        "FEAR": opened * _logistic((ear - 0.33) * 30.0) * 0.5,
        "SAD": 100.0 * _logistic((-lift - 0.08) * 50.0),
        "ANGRY": 100.0 * _logistic((0.40 - brow_gap) * 15.0),
        "CONFUSED": 100.0 * _logistic((abs(brow_left - brow_right) - 0.30) * 20.0),
        "DISGUSTED": 100.0 * _logistic((0.25 - lip_gap) * 20.0),
    }
    claimed = min(100.0, max(cues.values()))
    cues["CALM"] = max(1.0, 100.0 - claimed)
    total = sum(cues.values()) or 1.0
    ordered = sorted(cues.items(), key=lambda kv: kv[1], reverse=True)
    return tuple((name, 100.0 * value / total) for name, value in ordered)


def _gaze(points: np.ndarray) -> tuple[float, float]:
    """Eye direction (yaw, pitch in degrees) from where each eye's centroid sits
    relative to the line through its corners; positive yaw looks to the image's right,
    positive pitch looks up."""
    yaw = pitch = 0.0
    for eye in (points[36:42], points[42:48]):
        centre = eye.mean(axis=0)
        mid = (eye[0] + eye[3]) / 2
        width = max(1e-6, float(np.linalg.norm(eye[0] - eye[3])))
        yaw += float(centre[0] - mid[0]) / width
        pitch += float(mid[1] - centre[1]) / width
    return yaw * 45.0, pitch * 45.0
