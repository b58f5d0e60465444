"""dlib's 68-point shape predictor (an ensemble of regression trees, Kazemi and Sullivan) run by
numpy, step for step as ``dlib/image_processing/shape_predictor.h`` runs it, so that the same
arrays give the same points.

Per cascade: the similarity transform from the mean shape to the current shape places each
feature pixel (an anchor landmark plus an offset), in the face box's frame; the pixel's
intensity (``(r + g + b) // 3``, 0 outside the image) is read; every tree compares
differences of two feature pixels with its thresholds down to a leaf, and the leaves are
added to the shape one after the other in float32 (dlib's order, so the rounding is dlib's).

The engine's model (``weights.shape_predictor_68``) is dlib's 68-point predictor stored
compactly in ``vision/data/landmarks_68.npz.xz`` (written once by
``scripts/convert_landmark_model.py``; :func:`read_pack`): per cascade, the leaves as whole
multiples of a step in the eigenbasis of their second-moment matrix (basis in float16), and
each split threshold ``t`` as ``floor(t) + 0.5`` (exact: the predictor compares differences of
whole intensities). ``tests/test_shape_cascade.py`` checks the evaluator against dlib on the
arrays read from dlib's own file; ``scripts/compact_shape_predictor.md`` measures what the
compact leaves change.
"""

from __future__ import annotations

import io
import lzma
from dataclasses import dataclass

import numpy as np

from .geometry import centred, similarity_transform


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
        self.reference_centred = centred(self.reference)  # the mean shape's part of every cascade's transform
        self.depth = int(np.log2(arrays.leaves.shape[2]))
        self.trees = np.arange(arrays.idx1.shape[1])
        cascades, trees, leaves, size = arrays.leaves.shape
        self.leaves = np.ascontiguousarray(arrays.leaves, np.float32).reshape(cascades, trees * leaves, size)
        self.first_leaf = self.trees * leaves  # each tree's first leaf in ``self.leaves[c]``
        splits = arrays.idx1.shape[2]
        self.idx1, self.idx2, self.thresh = (np.ascontiguousarray(x).reshape(cascades, trees * splits)
                                             for x in (arrays.idx1, arrays.idx2, arrays.thresh))
        self.first_split = self.trees * splits  # each tree's root in ``self.idx1[c]``

    def predict(self, image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        a = self.a
        height, width = image.shape[:2]
        m, b = _box_transform(box)
        shape = a.initial_shape.astype(np.float32).copy()
        splits = a.idx1.shape[2]
        for c in range(a.idx1.shape[0]):
            current = shape.reshape(-1, 2)
            tform = similarity_transform(self.reference, current.astype(np.float64), self.reference_centred).astype(np.float32)
            deltas = a.deltas[c]
            anchors = current[a.anchor_idx[c]]
            # tform * delta + anchor, in float32 and in dlib's order of operations
            fx = (tform[0, 0] * deltas[:, 0] + tform[0, 1] * deltas[:, 1]) + anchors[:, 0]
            fy = (tform[1, 0] * deltas[:, 0] + tform[1, 1] * deltas[:, 1]) + anchors[:, 1]
            # to whole pixels in the image (the box's transform is a scale and a shift)
            px = np.floor(m[0, 0] * fx.astype(np.float64) + b[0] + 0.5).astype(np.intp)
            py = np.floor(m[1, 1] * fy.astype(np.float64) + b[1] + 0.5).astype(np.intp)
            inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
            if inside.all():
                values = intensity(image, py, px)
            else:
                values = np.zeros(len(px), np.float32)
                values[inside] = intensity(image, py[inside], px[inside])
            idx1, idx2, thresh = self.idx1[c], self.idx2[c], self.thresh[c]
            at = self.first_split.copy()  # each tree's node, as an index into the cascade's splits
            for _ in range(self.depth):
                go_left = values[idx1[at]] - values[idx2[at]] > thresh[at]
                at += at - self.first_split + 2 - go_left  # node -> 2 node + 1 (left) or 2 node + 2
            chosen = self.leaves[c][self.first_leaf + at - self.first_split - splits]
            # the leaves added one after the other, as dlib adds them: numpy sums the rows of a
            # C-ordered array in order (no pairwise summation across rows), so the float32
            # rounding is dlib's
            shape = np.concatenate([shape[None, :], chosen]).sum(axis=0, dtype=np.float32)
        return _to_pixels(m, b, shape.reshape(-1, 2))

def leaves_from_codes(codes: np.ndarray, step: float, basis: np.ndarray) -> np.ndarray:
    """One cascade's leaves (N×2P float32) from their codes (N×2P whole numbers) in
    ``basis`` (2P×2P, its columns the components) scaled by ``step``: the one computation the
    pack's writer and its reader share."""
    return ((codes.astype(np.float64) * step) @ basis.astype(np.float64).T).astype(np.float32)


def from_byte_planes(planes: np.ndarray) -> np.ndarray:
    """Codes stored as two byte planes (low, high) of their zigzag form, as
    ``scripts/convert_landmark_model.py`` writes them, back to whole numbers."""
    zigzag = planes[0].astype(np.int64) | (planes[1].astype(np.int64) << 8)
    return (zigzag >> 1) ^ -(zigzag & 1)


def read_pack(data: bytes) -> CascadeArrays:
    """The arrays of a pack (``scripts/convert_landmark_model.py``: an xz-compressed ``.npz``
    of ``initial_shape``, ``idx1``, ``idx2``, ``thresh_floor``, ``anchor_idx``, ``deltas``,
        ``basis`` (C×2P×2P), ``steps`` (C) and per cascade ``codes{c}`` (N×2P, leaf-major, as two
    byte planes: :func:`from_byte_planes`)."""
    with np.load(io.BytesIO(lzma.decompress(data))) as pack:
        idx1 = pack["idx1"].astype(np.int64)
        cascades, trees, splits = idx1.shape
        leaves = np.empty((cascades, trees, splits + 1, pack["initial_shape"].shape[0]), np.float32)
        for c in range(cascades):
            codes = from_byte_planes(pack[f"codes{c}"])
            leaves[c] = leaves_from_codes(codes, float(pack["steps"][c]), pack["basis"][c]).reshape(leaves[c].shape)
        return CascadeArrays(
            initial_shape=pack["initial_shape"].astype(np.float32),
            idx1=idx1,
            idx2=pack["idx2"].astype(np.int64),
            thresh=(pack["thresh_floor"].astype(np.float32) + np.float32(0.5)),
            leaves=leaves,
            anchor_idx=pack["anchor_idx"].astype(np.int64),
            deltas=pack["deltas"].astype(np.float32),
        )
