"""Face detection with dlib (HOG or MMOD CNN) on a scaled copy of the image."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import weights
from .config import EngineConfig

HOG_WINDOW = 80  # dlib's frontal detector scans an 80×80 window
HOG_PAD = HOG_WINDOW // 2  # edge-replicated border so faces cut by the edge still score
CNN_WINDOW = 40  # the MMOD model finds faces down to about 40×40


@dataclass(frozen=True)
class Detection:
    """A face box in original-image pixels (may extend past the edges) and its score."""

    left: float
    top: float
    right: float
    bottom: float
    score: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


def analysis_scale(width: int, height: int, config: EngineConfig) -> float:
    """The factor applied to the image before detection.

    The smallest face wanted (``min_face_ratio`` of the longer side, at least
    ``min_face_px``) is brought to the detector's window size; the scale never exceeds 2.
    """
    window = HOG_WINDOW if config.detector == "hog" else CNN_WINDOW
    smallest = max(config.min_face_px, config.min_face_ratio * max(width, height))
    return min(2.0, window / smallest)


def confidence_from_score(score: float, detector: str = "hog") -> float:
    """Map a dlib detector score to Rekognition's 0–100 confidence.

    A logistic curve: for HOG, score 0.1 → 50, 0.3 → 83, 0.7 → 99.2, 1.0 and above → ≥ 99.9.
    The CNN's scores sit about 0.2 higher for the same evidence, so its curve is shifted.
    """
    centre = 0.1 if detector == "hog" else 0.3
    value = 100.0 / (1.0 + math.exp(-8.0 * (score - centre)))
    return min(100.0, max(0.0, value))


def detect(rgb: np.ndarray, config: EngineConfig) -> list[Detection]:
    """All faces in an RGB image, strongest first, boxes in original pixel coordinates."""
    height, width = rgb.shape[:2]
    scale = analysis_scale(width, height, config)
    pad = 0
    if config.detector == "hog":
        # HOG on luminance: dlib's colour HOG takes the strongest channel gradient per
        # pixel, which costs about 1.6x more for near-identical detections. The border
        # gives faces cut by the image's edge the context the detector's window needs.
        pad = HOG_PAD
        grey = np.pad(_resize(rgb, scale, grey=True), pad, mode="edge")
        raw = _run_hog(grey, config.score_floor)
    else:
        raw = _run_cnn(_resize(rgb, scale))
    found = [
        Detection(
            (r.left() - pad) / scale,
            (r.top() - pad) / scale,
            (r.right() + 1 - pad) / scale,
            (r.bottom() + 1 - pad) / scale,
            s,
        )
        for r, s in raw
        if s >= config.score_floor
    ]
    found.sort(key=lambda d: d.score, reverse=True)
    return found


def _resize(rgb: np.ndarray, scale: float, grey: bool = False) -> np.ndarray:
    image = Image.fromarray(rgb)
    if grey:
        image = image.convert("L")
    if abs(scale - 1.0) >= 1e-3:
        height, width = rgb.shape[:2]
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        resample = Image.Resampling.BILINEAR if scale > 1 else Image.Resampling.BOX
        image = image.resize(size, resample)
    return np.asarray(image)


def _run_hog(rgb: np.ndarray, floor: float) -> list[tuple]:
    model = weights.hog_detector()
    with model.lock:
        rects, scores, _ = model.model.run(rgb, 0, floor)
    return list(zip(rects, scores))


def _run_cnn(rgb: np.ndarray) -> list[tuple]:
    model = weights.cnn_detector()
    with model.lock:
        found = model.model(rgb, 0)
    return [(d.rect, d.confidence) for d in found]
