"""Whole-image measurements: brightness, sharpness and contrast (0–100), colour shares.

Pixels in, numbers out. Colours are counted against a palette the caller gives (RGB
triples); naming them is the service's job. Measurements run on a copy at most
:data:`SIDE` pixels on its longer side, so their cost does not grow with the image.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import quality

SIDE = 256  # measurements look at the image scaled to this longer side
_CHUNK = 16384  # distinct colours compared with the palette at once (bounds the distance matrix)


@dataclass(frozen=True)
class Quality:
    """Brightness, sharpness and contrast of a region, each 0–100."""

    brightness: float
    sharpness: float
    contrast: float


def small_copy(rgb: np.ndarray) -> np.ndarray:
    """The image scaled (box filter) so that its longer side is at most :data:`SIDE`."""
    height, width = rgb.shape[:2]
    scale = min(1.0, SIDE / max(height, width))
    if scale == 1.0:
        return rgb
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))


def luminance(rgb: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma (Pillow's ``L``) of ``H×W×3`` uint8 pixels, as float64 0–255."""
    return np.asarray(Image.fromarray(rgb).convert("L"), dtype=np.float64)


def measure(grey: np.ndarray, mask: np.ndarray | None = None) -> Quality:
    """Quality of the pixels of ``grey`` (luminance, 0–255) where ``mask`` is true (all if None).

    Brightness is the mean luminance; contrast the standard deviation of luminance against
    its largest possible value (half the range); sharpness the face-quality measure
    (:func:`.quality.sharpness`) on the region's bounding rectangle.
    """
    if mask is None:
        mask = np.ones(grey.shape, dtype=bool)
    values = grey[mask]
    if values.size == 0:
        return Quality(0.0, 0.0, 0.0)
    rows, cols = np.nonzero(mask)
    patch = grey[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    return Quality(
        brightness=float(values.mean() / 255.0 * 100.0),
        sharpness=float(quality.sharpness(patch)) if min(patch.shape) >= 3 else 0.0,
        contrast=float(min(100.0, values.std() / 127.5 * 100.0)),
    )


def nearest_entries(rgb: np.ndarray, palette: Sequence[tuple[int, int, int]]) -> np.ndarray:
    """For each pixel of ``rgb`` (``H×W×3`` uint8), the index of the palette entry nearest
    to it (Euclidean distance in RGB; ties: the first entry). Each distinct colour is
    compared once."""
    pixels = rgb.reshape(-1, 3)
    packed = (pixels[:, 0].astype(np.int32) << 16) | (pixels[:, 1].astype(np.int32) << 8) | pixels[:, 2]
    distinct, inverse = np.unique(packed, return_inverse=True)
    # |c - p|² less |c|² (the same for every entry) is [c, 1] · [-2p, |p|²]: one matrix product
    colours = np.stack(
        [(distinct >> 16) & 255, (distinct >> 8) & 255, distinct & 255, np.ones_like(distinct)], axis=1
    ).astype(np.float32)
    entries = np.asarray(palette, dtype=np.float32)
    weights = np.vstack([-2.0 * entries.T, (entries**2).sum(axis=1)[None, :]]).astype(np.float32)
    nearest = np.empty(len(colours), dtype=np.intp)
    for start in range(0, len(colours), _CHUNK):
        nearest[start : start + _CHUNK] = np.argmin(colours[start : start + _CHUNK] @ weights, axis=1)
    return nearest[inverse.reshape(-1)].reshape(rgb.shape[:2])


def shares(entries: np.ndarray, size: int, mask: np.ndarray | None = None, most: int = 10) -> list[tuple[int, float]]:
    """The palette entries of ``entries`` (from :func:`nearest_entries`) where ``mask`` is
    true, as ``(index, percent of those pixels)``, largest share first (ties: palette
    order), at most ``most``; ``size`` is the palette's length."""
    chosen = entries if mask is None else entries[mask]
    if chosen.size == 0 or most <= 0:
        return []
    counts = np.bincount(chosen.reshape(-1), minlength=size)
    order = [int(i) for i in np.argsort(-counts, kind="stable") if counts[i] > 0][:most]
    return [(i, float(counts[i] / chosen.size * 100.0)) for i in order]


def colour_shares(
    rgb: np.ndarray, palette: Sequence[tuple[int, int, int]], mask: np.ndarray | None = None, most: int = 10
) -> list[tuple[int, float]]:
    """:func:`shares` of the pixels of ``rgb`` where ``mask`` is true, counted against ``palette``."""
    return shares(nearest_entries(rgb, palette), len(palette), mask, most)


def box_mask(shape: tuple[int, int], boxes: Sequence[tuple[float, float, float, float]]) -> np.ndarray:
    """Which pixels of an image of ``shape`` lie in the boxes (left, top, right, bottom, in its pixels)."""
    height, width = shape
    mask = np.zeros((height, width), dtype=bool)
    for left, top, right, bottom in boxes:
        mask[max(0, int(top)) : max(0, int(np.ceil(bottom))), max(0, int(left)) : max(0, int(np.ceil(right)))] = True
    return mask


def centre_mask(shape: tuple[int, int]) -> np.ndarray:
    """The ellipse filling the middle half of an image of ``shape`` (a subject's usual place)."""
    height, width = shape
    yy, xx = np.mgrid[0:height, 0:width]
    return ((xx - (width - 1) / 2) / (width / 2)) ** 2 + ((yy - (height - 1) / 2) / (height / 2)) ** 2 <= 0.5
