"""Facial attributes estimated from landmark geometry and pixels.

These are measurements, not a trained classifier: eye and mouth opening from the
landmarks. Age and gender (:mod:`.age_gender`), the expression and the smile
(:mod:`.emotions`) come from trained networks instead, run only when asked for.
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

    eyeglasses: Flag
    sunglasses: Flag
    beard: Flag
    mustache: Flag
    eyes_open: Flag
    mouth_open: Flag
    face_occluded: Flag
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
    eyes_open = _flag((ear - 0.18) * 40.0)
    mouth_open = _flag((opening - 0.12) * 30.0)
    lower = _lower_face_darkness(points, rgb)
    beard = _flag((lower - 0.18) * 12.0)
    mustache = _flag((lower - 0.22) * 10.0)
    eye_region = _eye_region_darkness(points, rgb)
    sunglasses = _flag((eye_region - 0.80) * 12.0)
    eyeglasses = _flag((eye_region - 0.75) * 6.0)
    face_occluded = _flag(-2.0 - abs(pose[1]) / 30.0)
    eye_yaw, eye_pitch = _gaze(points)
    return FaceAttributes(
        eyeglasses=eyeglasses,
        sunglasses=sunglasses,
        beard=beard,
        mustache=mustache,
        eyes_open=eyes_open,
        mouth_open=mouth_open,
        face_occluded=face_occluded,
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
