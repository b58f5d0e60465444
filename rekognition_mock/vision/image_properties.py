"""Whole-image measurements: brightness, sharpness, contrast and dominant colours, 0–100.

Pixels in, numbers out; naming colours (CSS names, simplified names) is the service's job.
Measurements run on a copy at most :data:`SIDE` pixels on its longer side, so their cost
does not grow with the image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import quality

SIDE = 256  # measurements look at the image scaled to this longer side
COLOUR_BINS = 16  # palette size the dominant colours are chosen from


@dataclass(frozen=True)
class Colour:
    """A dominant colour and the share of the region's pixels it covers (0–100)."""

    rgb: tuple[int, int, int]
    percent: float


@dataclass(frozen=True)
class RegionProperties:
    """Brightness, sharpness and contrast (0–100) and dominant colours, largest share first."""

    brightness: float
    sharpness: float
    contrast: float
    colours: tuple[Colour, ...]


def small_copy(rgb: np.ndarray) -> np.ndarray:
    """The image scaled (box filter) so that its longer side is at most :data:`SIDE`."""
    height, width = rgb.shape[:2]
    scale = min(1.0, SIDE / max(height, width))
    if scale == 1.0:
        return rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))


def measure(rgb: np.ndarray, mask: np.ndarray | None = None, max_colours: int = 10) -> RegionProperties:
    """Properties of the pixels of ``rgb`` (``H×W×3`` uint8) where ``mask`` is true (all if None).

    Brightness is the mean luminance; contrast the standard deviation of luminance
    against its largest possible value (half the range); sharpness the face-quality
    measure (:func:`.quality.sharpness`) on the region's bounding rectangle.
    """
    grey = np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.float64)
    if mask is None:
        mask = np.ones(grey.shape, dtype=bool)
    values = grey[mask]
    if values.size == 0:
        return RegionProperties(0.0, 0.0, 0.0, ())
    rows, cols = np.nonzero(mask)
    patch = grey[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    sharpness = quality.sharpness(patch) if min(patch.shape) >= 3 else 0.0
    return RegionProperties(
        brightness=float(values.mean() / 255.0 * 100.0),
        sharpness=float(sharpness),
        contrast=float(min(100.0, values.std() / 127.5 * 100.0)),
        colours=dominant_colours(rgb[mask], max_colours),
    )


def dominant_colours(pixels: np.ndarray, max_colours: int) -> tuple[Colour, ...]:
    """The most common colours of ``pixels`` (``N×3`` uint8): a median-cut palette of
    :data:`COLOUR_BINS` colours, largest share first, at most ``max_colours``."""
    if len(pixels) == 0 or max_colours <= 0:
        return ()
    strip = Image.fromarray(np.ascontiguousarray(pixels.reshape(1, -1, 3)))
    quantised = strip.quantize(colors=COLOUR_BINS, method=Image.Quantize.MEDIANCUT)
    palette = quantised.getpalette() or []
    counts = np.bincount(np.asarray(quantised).ravel(), minlength=COLOUR_BINS)
    total = counts.sum()
    order = [int(i) for i in np.argsort(-counts, kind="stable") if counts[i] > 0][:max_colours]
    return tuple(
        Colour(tuple(int(v) for v in palette[3 * i : 3 * i + 3]), float(counts[i] / total * 100.0)) for i in order
    )


def foreground_mask(shape: tuple[int, int], boxes: list[tuple[float, float, float, float]]) -> np.ndarray:
    """Which pixels are foreground: inside the given boxes (left, top, right, bottom, in
    the pixels of an image of ``shape``), else the centre ellipse filling the middle half."""
    height, width = shape
    mask = np.zeros((height, width), dtype=bool)
    if boxes:
        for left, top, right, bottom in boxes:
            mask[max(0, int(top)) : max(0, int(np.ceil(bottom))), max(0, int(left)) : max(0, int(np.ceil(right)))] = True
        return mask
    yy, xx = np.mgrid[0:height, 0:width]
    return ((xx - (width - 1) / 2) / (width / 2)) ** 2 + ((yy - (height - 1) / 2) / (height / 2)) ** 2 <= 0.5
