"""dlib's HOG frontal face detector (``get_frontal_face_detector``) in numpy: the same boxes,
scores and filter indices from its 5 fhog filters (``vision/data/hog_frontal.npz``, written by
``scripts/convert_hog_detector.py``).

The pipeline as dlib runs it on an 8-bit grey image: an optional 2x bilinear upsampling; an
image pyramid, each layer 5/6 of the one before (``pyramid_down<6>``, bilinear resampling
reproduced to the float rounding so the layers' pixels are dlib's); on each layer
Felzenszwalb's 31-plane HOG ("fhog", cells of 8 pixels, orientations snapped to 18
directions, histograms bilinearly spread over the 4 nearest cells, 4 block normalisations);
each filter's 10x10-cell window scored at every position; windows scoring at least the
filter's threshold plus ``adjust_threshold`` kept and mapped back to the image; then, best
first, a window dropped when it overlaps one already kept (dlib's ``test_box_overlap``).

Everything is whole-array work: gradients by slicing, orientations and lengths from lookup
tables over all integer gradients, histograms by ``bincount`` a few pixel rows at a time
(each row's histogram, then the rows spread over their cells by small products), the filter
scan as float32 matrix products over each layer's windows (BLAS, which releases the GIL, so
two threads score two images at once). The features are in :mod:`.fhog_features`.

Where it is not dlib's arithmetic (answers compared in ``tests/test_fhog.py``): dlib scans
each filter plane as a sum of separable row and column passes (its SVD, small singular
values dropped); here the planes rebuilt from those terms (float32) are applied whole, and
the histograms are summed in float64 where dlib sums in float32. Scores move by a few 1e-6
against dlib's, so a window scoring that close to a threshold, or two windows tying that
closely, could come out differently; none has in the tests and benchmarks run.
"""

from __future__ import annotations

from importlib import resources
from typing import NamedTuple

import numpy as np

from .fhog_features import fhog_planes, resize_bilinear

__all__ = ["FrontalFaceDetector", "Rect", "fhog_planes", "resize_bilinear"]


_BLOCK = 16  # window positions per matrix product (see FrontalFaceDetector._scores)
_CHUNK = 1024  # window positions copied out at once (see FrontalFaceDetector._scores)


class Rect(NamedTuple):
    """A detection box (inclusive pixel corners) with dlib's rectangle accessors."""

    l: int
    t: int
    r: int
    b: int

    def left(self) -> int:
        return self.l

    def top(self) -> int:
        return self.t

    def right(self) -> int:
        return self.r

    def bottom(self) -> int:
        return self.b

    def width(self) -> int:
        return self.r - self.l + 1

    def height(self) -> int:
        return self.b - self.t + 1


def _lround(x: np.ndarray) -> np.ndarray:
    """C's ``lround``: halves away from zero."""
    return (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype(np.int64)


class FrontalFaceDetector:
    """dlib's ``get_frontal_face_detector()``; stateless, so one object may serve threads."""

    def __init__(self, params: dict | None = None) -> None:
        if params is None:
            with (
                resources.files(__package__)
                .joinpath("data/hog_frontal.npz")
                .open("rb") as f
            ):
                data = np.load(f)
                params = {k: data[k] for k in data.files}
        filters = params["filters"].astype(np.float32)  # (filters, rows, cols, 31)
        self.n_filters, self.rows, self.cols, _ = filters.shape
        # (cols x 31 planes) -> (rows x filters): one product gives every row offset's sums
        self.matrix = np.ascontiguousarray(
            filters.transpose(2, 3, 1, 0).reshape(
                self.cols * 31, self.rows * self.n_filters
            )
        )
        self.thresholds = params["thresholds"].astype(np.float64)
        self.cell = int(params["cell_size"])
        self.min_h, self.min_w = (int(v) for v in params["min_layer"])
        self.max_levels = int(params["max_levels"])
        self.iou, self.covered = (float(v) for v in params["overlap"])
        self.down = int(params["pyramid_down"])

    # -- pyramid ----------------------------------------------------------------------------

    def _levels(self, shape: tuple[int, int]) -> int:
        ratio = (self.down - 1.0) / self.down
        right, bottom, levels = shape[1] - 1, shape[0] - 1, 0
        left = top = 0
        while True:
            left, top = _lround(np.array([(left - 0.3) * ratio, (top - 0.3) * ratio]))
            right, bottom = _lround(
                np.array([(right - 0.3) * ratio, (bottom - 0.3) * ratio])
            )
            levels += 1
            if not (
                right - left + 1 >= self.min_w
                and bottom - top + 1 >= self.min_h
                and levels < self.max_levels
            ):
                return levels

    def _scores(self, layers: list[np.ndarray]) -> list[np.ndarray]:
        """Every filter's sum at every window position of each layer's planes: (rows, cols,
        filters) float32 each. Each position's window (31 planes x the filter's columns) is
        multiplied by every filter row at once, then the rows' sums are added along the
        window's rows. The windows are copied out a few layer rows at a time (about
        :data:`_CHUNK` positions, a buffer that stays in the cache, rather than every
        window of the pyramid at once) and multiplied in blocks of 16 positions: small
        enough that OpenBLAS keeps each product in the calling thread (waking its threads
        for every image cost more than the product on a busy machine). The layers' rows of
        zeros above and below (the padding of :func:`fhog_planes`) are not multiplied."""
        width = 31 * self.cols
        # room for a chunk, or a whole layer row when wider; the rows past a chunk's
        # positions (multiplied with it, then dropped) stay finite
        most = max([_CHUNK] + [p.shape[1] for p in layers])
        buf = np.zeros((most + _BLOCK, width), dtype=np.float32)
        out = []
        for planes in layers:
            hp, wp, _ = planes.shape
            out_c = wp - self.cols + 1
            s_r, s_c, s_p = planes.strides
            # each window (cols x 31 planes) is 310 consecutive floats of the planes
            view = np.lib.stride_tricks.as_strided(
                planes, (hp, out_c, width), (s_r, s_c, s_p), writeable=False
            )
            sums = np.empty(
                (hp * out_c + _BLOCK, self.rows * self.n_filters), dtype=np.float32
            )
            step = max(1, _CHUNK // out_c)
            # the planes' zero border rows (fhog_planes' padding) sum to zero: not multiplied
            first, last = (self.rows - 1) // 2, hp - self.rows // 2
            for r0 in range(first, last, step):
                r1 = min(last, r0 + step)
                n = (r1 - r0) * out_c
                padded = -(-n // _BLOCK) * _BLOCK
                buf[:n].reshape(r1 - r0, out_c, width)[...] = view[r0:r1]
                np.matmul(
                    buf[:padded].reshape(-1, _BLOCK, width),
                    self.matrix,
                    out=sums[r0 * out_c : r0 * out_c + padded].reshape(
                        -1, _BLOCK, self.rows * self.n_filters
                    ),
                )
            sums[: first * out_c] = 0
            sums[last * out_c :] = 0
            part = sums[: hp * out_c].reshape(hp, out_c, self.rows, self.n_filters)
            out_r = hp - self.rows + 1
            total = part[0:out_r, :, 0].copy()
            for dy in range(1, self.rows):
                total += part[dy : dy + out_r, :, dy]
            out.append(total)
        return out

    # -- detection --------------------------------------------------------------------------

    def run(
        self,
        image: np.ndarray,
        upsample_num_times: int = 0,
        adjust_threshold: float = 0.0,
    ):
        """(rectangles, scores, filter indices) as dlib's ``fhog_object_detector.run``."""
        image = np.ascontiguousarray(image, dtype=np.uint8)
        if image.ndim != 2:
            raise ValueError("an 8-bit grey image (2-D) is required")
        for _ in range(upsample_num_times):
            rows, cols = (
                image.shape
            )  # pyramid_down<2>'s rect_up of the image's rectangle
            image = resize_bilinear(
                image,
                int(_lround(np.array((rows - 1 + 0.75) * 2))) + 1,
                int(_lround(np.array((cols - 1 + 1.25) * 2))) + 1,
            )
        boxes, scores, kinds = [], [], []
        layer, layers, found = image, [], []
        for level in range(self._levels(image.shape)):
            if level:
                layer = resize_bilinear(
                    layer,
                    (self.down - 1) * layer.shape[0] // self.down,
                    (self.down - 1) * layer.shape[1] // self.down,
                )
            planes = fhog_planes(layer, self.cell, self.rows)
            if (
                planes is None
                or planes.shape[0] < self.rows
                or planes.shape[1] < self.cols
            ):
                continue
            layers.append(planes)
            found.append(level)
        for level, sal in zip(found, self._scores(layers) if layers else []):
            # filter by filter, each in row-major order (the order ties are kept in)
            f, r, c = np.nonzero(
                sal.transpose(2, 0, 1)
                >= (self.thresholds + adjust_threshold)[:, None, None]
            )
            if not len(r):
                continue
            scores.append(sal[r, c, f].astype(np.float64) - self.thresholds[f])
            kinds.append(f)
            boxes.append(self._to_image(r, c, level))
        if not boxes:
            return [], [], []
        boxes, scores, kinds = (
            np.concatenate(boxes),
            np.concatenate(scores),
            np.concatenate(kinds),
        )
        order = np.lexsort((kinds, -scores))
        chosen = order[self._suppress(boxes[order])]  # in the (upsampled) image scanned
        boxes = boxes[chosen]
        if upsample_num_times:  # pyramid_down<2>'s rect_down, then rounded
            boxes = boxes.astype(np.float64)
            for _ in range(upsample_num_times):
                boxes = boxes / 2.0 - np.array([1.25, 0.75, 1.25, 0.75])
            boxes = _lround(boxes)
        return (
            [Rect(*map(int, b)) for b in boxes],
            [float(s) for s in scores[chosen]],
            [int(k) for k in kinds[chosen]],
        )

    def _to_image(self, r: np.ndarray, c: np.ndarray, level: int) -> np.ndarray:
        """Window positions (top-left, in the padded fhog planes) as image rectangles
        (left, top, right, bottom) of the original image (dlib's fhog_to_image and rect_up)."""
        half = self.cell // 2
        off_c, off_r = (self.cols - 1) // 2, (self.rows - 1) // 2
        corners = []
        for x, y in ((c, r), (c + self.cols - 1, r + self.rows - 1)):
            px = (x + 1 - off_c) * self.cell + 1
            py = (y + 1 - off_r) * self.cell + 1
            corners += [
                px + np.where(px >= 0, half, -half),
                py + np.where(py >= 0, half, -half),
            ]
        box = np.stack(corners, axis=1).astype(np.float64)
        ratio = self.down / (self.down - 1.0)
        for _ in range(level):
            box = box * ratio + 0.3
        return _lround(box)

    def _suppress(self, boxes: np.ndarray) -> np.ndarray:
        """Best first, drop a box overlapping one kept (dlib's test_box_overlap: intersection
        over the bounding box of both above ``iou``, or over either's area above ``covered``).
        The best 256 candidates left are settled among themselves, best first; every later
        candidate overlapping one they kept is dropped at once; and again."""
        boxes = boxes.astype(np.float64)
        kept: list[int] = []
        left = np.arange(len(boxes))
        while len(left):
            block, left = left[:256], left[256:]
            among = self._clash(boxes[block], boxes[block])
            blocked = np.zeros(len(block), dtype=bool)
            new = []
            for j in range(len(block)):
                if not blocked[j]:
                    new.append(int(block[j]))
                    blocked |= among[j]
            kept += new
            if len(left):
                left = left[~self._clash(boxes[left], boxes[new]).any(axis=1)]
        return np.array(kept, dtype=np.intp)

    def _clash(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether each box of ``a`` overlaps each of ``b`` by dlib's test (len(a) x len(b)),
        with the ratios' comparisons multiplied out (the bounding box of both is as wide as
        the two widths less the intersection's)."""
        w1, h1 = (a[:, 2] - a[:, 0] + 1)[:, None], (a[:, 3] - a[:, 1] + 1)[:, None]
        w2, h2 = (b[:, 2] - b[:, 0] + 1)[None, :], (b[:, 3] - b[:, 1] + 1)[None, :]
        iw = (
            np.minimum(a[:, 2, None], b[None, :, 2])
            - np.maximum(a[:, 0, None], b[None, :, 0])
            + 1
        )
        ih = (
            np.minimum(a[:, 3, None], b[None, :, 3])
            - np.maximum(a[:, 1, None], b[None, :, 1])
            + 1
        )
        inner = np.maximum(iw, 0) * np.maximum(ih, 0)
        outer = (w1 + w2 - iw) * (h1 + h2 - ih)
        clash = inner > self.iou * outer
        clash |= inner > self.covered * (w1 * h1)
        clash |= inner > self.covered * (w2 * h2)
        return clash
