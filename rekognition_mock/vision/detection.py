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
CNN_WINDOW = 40  # the coarse CNN pass looks for faces twice the smallest wanted (MMOD sees ≥ 80 px)
HOG_PROPOSAL_FLOOR = -0.5  # in CNN mode, HOG candidates this weak are still checked by the CNN
CROP_FACE_SIDE = 120  # a proposal is scaled to this size before the CNN verifies it


class BoxSize:
    """Width, height and area of anything with ``left``/``top``/``right``/``bottom``."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)


@dataclass(frozen=True)
class Detection(BoxSize):
    """A face box in original-image pixels (may extend past the edges) and its score."""

    left: float
    top: float
    right: float
    bottom: float
    score: float


def analysis_scale(width: int, height: int, config: EngineConfig, window: int = HOG_WINDOW) -> float:
    """The factor applied to the image before detection.

    The smallest face wanted (``min_face_ratio`` of the longer side, at least
    ``min_face_px``) is brought to the detector's ``window``; the scale never exceeds 2.
    """
    smallest = max(config.min_face_px, config.min_face_ratio * max(width, height))
    return min(2.0, window / smallest)


def confidence_from_score(score: float, detector: str = "hog") -> float:
    """Map a dlib detector score to Rekognition's 0–100 confidence.

    A logistic curve ``100 / (1 + exp(-8 (score - centre)))``. For HOG the centre is 0.1:
    score 0.1 → 50, 0.3 → 83, 0.7 → 99.2, 1.0 and above → ≥ 99.9. The MMOD CNN's scores
    run lower for the same evidence (clear faces score about 1), so its centre is 0:
    0 → 50, 0.3 → 91.7, 0.6 → 99.2.
    """
    centre = 0.1 if detector == "hog" else 0.0
    value = 100.0 / (1.0 + math.exp(-8.0 * (score - centre)))
    return min(100.0, max(0.0, value))


def detect(rgb: np.ndarray, config: EngineConfig) -> list[Detection]:
    """All faces in an RGB image, strongest first, boxes in original pixel coordinates."""
    if config.detector == "hog":
        found = _detect_hog(rgb, config, config.score_floor)
    else:
        found = _detect_cnn(rgb, config)
    found.sort(key=lambda d: d.score, reverse=True)
    return found


def _detect_hog(rgb: np.ndarray, config: EngineConfig, floor: float) -> list[Detection]:
    """HOG on a luminance copy scaled by :func:`analysis_scale`.

    Luminance: dlib's colour HOG takes the strongest channel gradient per pixel, which
    costs about 1.6x more for near-identical detections. An edge-replicated border
    gives faces cut by the image's edge the context the detector's window needs.
    """
    height, width = rgb.shape[:2]
    scale = analysis_scale(width, height, config, HOG_WINDOW)
    grey = np.pad(_resize(rgb, scale, grey=True), HOG_PAD, mode="edge")
    model = weights.hog_detector()
    with model.lock:
        rects, scores, _ = model.model.run(grey, 0, floor)
    return [_to_detection(r, s, scale, HOG_PAD) for r, s in zip(rects, scores) if s >= floor]


def _detect_cnn(rgb: np.ndarray, config: EngineConfig) -> list[Detection]:
    """MMOD CNN on a downscaled copy, plus HOG proposals checked by the CNN on crops.

    Running the CNN over the whole image at the scale HOG uses costs 10–100 s per photo.
    Instead it runs where faces are at least twice the smallest wanted (cheap, finds
    large faces in any pose), and every weaker candidate HOG proposes (score ≥ −0.5)
    that the CNN has not already found is cropped, scaled so the face is 120 px, and
    verified by the CNN there.
    """
    height, width = rgb.shape[:2]
    scale = analysis_scale(width, height, config, CNN_WINDOW)
    found = [_to_detection(r, s, scale) for r, s in _run_cnn(_resize(rgb, scale))]
    for proposal in _detect_hog(rgb, config, HOG_PROPOSAL_FLOOR):
        if not any(_contains(f, proposal) for f in found):
            found.extend(_verify_on_crop(rgb, proposal))
    return [d for d in found if d.score >= config.score_floor]


def _verify_on_crop(rgb: np.ndarray, proposal: Detection) -> list[Detection]:
    height, width = rgb.shape[:2]
    side = max(proposal.width, proposal.height)
    x0, y0 = max(0, int(proposal.left - side / 2)), max(0, int(proposal.top - side / 2))
    x1, y1 = min(width, int(proposal.right + side / 2)), min(height, int(proposal.bottom + side / 2))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return []
    scale = min(2.0, CROP_FACE_SIDE / side)
    hits = _run_cnn(_resize(np.ascontiguousarray(rgb[y0:y1, x0:x1]), scale))
    out = []
    for rect, score in hits:
        d = _to_detection(rect, score, scale)
        d = Detection(d.left + x0, d.top + y0, d.right + x0, d.bottom + y0, d.score)
        if _contains(d, proposal) or _contains(proposal, d):
            out.append(d)
    return out[:1]


def _contains(outer: Detection, inner: Detection) -> bool:
    """True when the centre of ``inner`` lies inside ``outer``."""
    cx, cy = (inner.left + inner.right) / 2, (inner.top + inner.bottom) / 2
    return outer.left <= cx <= outer.right and outer.top <= cy <= outer.bottom


def _to_detection(rect, score: float, scale: float, pad: int = 0) -> Detection:
    return Detection(
        (rect.left() - pad) / scale,
        (rect.top() - pad) / scale,
        (rect.right() + 1 - pad) / scale,
        (rect.bottom() + 1 - pad) / scale,
        float(score),
    )


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


def _run_cnn(rgb: np.ndarray) -> list[tuple]:
    model = weights.cnn_detector()
    with model.lock:
        found = model.model(rgb, 0)
    return [(d.rect, d.confidence) for d in found]
