"""Brightness and sharpness of a face, 0–100, measured on the face's own pixels."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

_SIDE = 128  # faces are compared at one size so sharpness does not depend on resolution
SHARPNESS_MIDPOINT = 60.0  # Laplacian variance that scores 50


def face_crop_grey(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The face box (clipped to the image) as a ``128×128`` float greyscale array."""
    height, width = rgb.shape[:2]
    left, top, right, bottom = box
    x0, y0 = max(0, int(left)), max(0, int(top))
    x1, y1 = min(width, int(math.ceil(right))), min(height, int(math.ceil(bottom)))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return np.zeros((_SIDE, _SIDE), dtype=np.float64)
    crop = Image.fromarray(rgb[y0:y1, x0:x1]).convert("L").resize((_SIDE, _SIDE), Image.Resampling.BOX)
    return np.asarray(crop, dtype=np.float64)


def brightness(grey: np.ndarray) -> float:
    """Mean luminance of the face, 0 (black) to 100 (white)."""
    return float(grey.mean() / 255.0 * 100.0)


def sharpness(grey: np.ndarray) -> float:
    """Edge energy of the face: ``100 · v / (v + 60)`` with ``v = var(Laplacian)``.

    The variance of a 4-neighbour Laplacian on the 128×128 face is a standard focus
    measure. The curve is a logistic in log(v): v = 4 → 6, 15 → 20, 60 → 50,
    300 → 83, 1500 → 96; a Gaussian blur of radius 2 on a portrait lands near 50.
    """
    lap = (
        -4.0 * grey[1:-1, 1:-1]
        + grey[:-2, 1:-1]
        + grey[2:, 1:-1]
        + grey[1:-1, :-2]
        + grey[1:-1, 2:]
    )
    v = float(lap.var())
    return 100.0 * v / (v + SHARPNESS_MIDPOINT)
