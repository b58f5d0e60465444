"""The pixels and features of dlib's HOG detector, in numpy (see :mod:`.fhog`): dlib's bilinear
resampling (``resize_image``, used for its image pyramid and 2x upsampling) reproduced to the
float rounding, and Felzenszwalb's 31-plane HOG as dlib's ``extract_fhog_features`` computes
it (cells of 8 pixels, gradients snapped to 18 signed directions, histograms spread
bilinearly over the 4 nearest cells, 4 block normalisations, 18 signed + 9 unsigned + 4
energy planes).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# dlib's 9 unsigned directions (as dlib rounds them); orientation o or o + 9 by sign
_DIRECTIONS = np.array(
    [
        [1.0, 0.0],
        [0.9397, 0.3420],
        [0.7660, 0.6428],
        [0.500, 0.8660],
        [0.1736, 0.9848],
        [-0.1736, 0.9848],
        [-0.5000, 0.8660],
        [-0.7660, 0.6428],
        [-0.9397, 0.3420],
    ],
    dtype=np.float32,
)


@lru_cache(maxsize=1)
def _orientation_table() -> np.ndarray:
    """For every integer gradient (gx, gy) in [-255, 255]^2 (flat index (gx + 255) * 511 +
    gy + 255): dlib's orientation bin, the first of the 18 signed directions with the largest
    dot product (float32, as dlib), 0 for no gradient."""
    g = np.arange(-255, 256, dtype=np.float32)
    gx, gy = np.meshgrid(g, g, indexing="ij")
    dots = gx[..., None] * _DIRECTIONS[:, 0] + gy[..., None] * _DIRECTIONS[:, 1]
    best = np.argmax(np.abs(dots), axis=-1)
    sign = np.take_along_axis(dots, best[..., None], axis=-1)[..., 0] < 0
    return (best + 9 * sign).astype(np.uint8).ravel()


@lru_cache(maxsize=1)
def _length_table() -> np.ndarray:
    """For every integer gradient, indexed as :func:`_orientation_table`: its length,
    ``sqrt(gx * gx + gy * gy)`` in float32 as dlib computes it (the squares are exact)."""
    g = np.arange(-255, 256, dtype=np.float32)
    gx, gy = np.meshgrid(g, g, indexing="ij")
    return np.sqrt(gx * gx + gy * gy).ravel()


def resize_bilinear(image: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """dlib's ``resize_image`` of an 8-bit grey image (its bilinear path for equal pixel
    types): float32 weights, columns 4 at a time at float32 positions accumulated as dlib
    does, rounded; the last group(s), whose right neighbour would leave the image, computed
    in double and truncated."""
    in_r, in_c = image.shape
    x_scale = (in_c - 1) / max(cols - 1, 1)
    y_scale = (in_r - 1) / max(rows - 1, 1)
    y = np.add.accumulate(
        np.concatenate(([0.0], np.full(rows - 1, y_scale)))
    )  # double, in order
    top = np.floor(y).astype(np.int64)
    bottom = np.minimum(top + 1, in_r - 1)
    tb = y - top
    tb32, inv_tb32 = (
        tb.astype(np.float32)[:, None],
        (1 - tb).astype(np.float32)[:, None],
    )
    groups = (cols + 3) // 4
    steps = np.empty((groups, 4), dtype=np.float32)
    steps[:] = np.float32(4 * x_scale)
    steps[0] += np.array(
        [-4 * x_scale + j * x_scale for j in range(4)], dtype=np.float32
    )
    xs = np.add.accumulate(steps, axis=0, dtype=np.float32)
    left = xs.astype(np.int32)  # truncation, as dlib's float-to-int lanes
    fails = np.nonzero(left[:, 3] + 1 >= in_c)[0]
    simd_cols = min(int(fails[0]) * 4 if len(fails) else groups * 4, cols)
    out = np.empty((rows, cols), dtype=np.uint8)
    t_rows = image[top].astype(np.float32)
    b_rows = image[bottom].astype(np.float32)
    if simd_cols:
        lc = left.ravel()[:simd_cols].astype(np.intp)
        lr = xs.ravel()[:simd_cols] - lc.astype(np.float32)
        inv_lr = np.float32(1) - lr
        rc = lc + 1
        val = (inv_tb32 * inv_lr) * np.take(t_rows, lc, axis=1)
        val += (inv_tb32 * lr) * np.take(t_rows, rc, axis=1)
        val += (tb32 * inv_lr) * np.take(b_rows, lc, axis=1)
        val += (tb32 * lr) * np.take(b_rows, rc, axis=1)
        val += np.float32(0.5)
        out[:, :simd_cols] = val.astype(np.uint8)
    if simd_cols < cols:
        xv, acc = [], -x_scale + simd_cols * x_scale
        for _ in range(cols - simd_cols):
            acc += x_scale
            xv.append(acc)
        xv = np.array(xv)
        lc = np.floor(xv).astype(np.intp)
        rc = np.minimum(lc + 1, in_c - 1)
        lr = (xv - lc).astype(np.float32)
        inv_lr = np.float32(1) - lr
        upper = (inv_lr * t_rows[:, lc] + lr * t_rows[:, rc]).astype(np.float64)
        lower = (inv_lr * b_rows[:, lc] + lr * b_rows[:, rc]).astype(np.float64)
        val = ((1 - tb)[:, None] * upper + tb[:, None] * lower).astype(np.float32)
        out[:, simd_cols:] = np.clip(val, 0, 255).astype(np.uint8)
    return out


def fhog_planes(image: np.ndarray, cell: int = 8, pad: int = 10) -> np.ndarray | None:
    """dlib's ``extract_fhog_features`` of an 8-bit grey image: (rows, cols, 31) float32 with
    the zero border dlib leaves for a ``pad``-cell filter ((pad-1)//2 before, pad//2 after),
    or None when the image holds no complete block of cells."""
    nr, nc = image.shape
    cells_r, cells_c = (nr + cell // 2) // cell, (nc + cell // 2) // cell
    hog_r, hog_c = cells_r - 2, cells_c - 2
    if hog_r <= 0 or hog_c <= 0:
        return None
    vis_r, vis_c = min(cells_r * cell, nr) - 1, min(cells_c * cell, nc) - 1
    img = image.astype(np.int16)
    gx = img[1:vis_r, 2 : vis_c + 1] - img[1:vis_r, 0 : vis_c - 1]
    gy = img[2 : vis_r + 1, 1:vis_c] - img[0 : vis_r - 1, 1:vis_c]
    key = gx.astype(np.int32)
    key *= 511
    key += gy
    key += 255 * 511 + 255
    bins = np.take(
        _orientation_table(), key
    )  # (vis_r - 1, vis_c - 1): pixels from (1, 1)
    mag = np.take(_length_table(), key)
    hist = _histograms(
        bins, mag, cells_r, cells_c, cell
    )  # (cells_r + 2, cells_c + 2, 18)
    return _normalise(hist, cells_r, cells_c, hog_r, hog_c, pad)


@lru_cache(maxsize=32)
def _spread(
    n_pixels: int, cell: int, stride: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For pixels 1..n_pixels: the first of the two histogram slots (cells + 2 of them, a
    border each side) each pixel feeds, times ``stride``, and its two bilinear weights
    (float32, as dlib)."""
    p = np.arange(1, n_pixels + 1, dtype=np.float64)
    pos = (p + 0.5) / cell - 0.5
    first = np.floor(pos)
    w1 = (pos - first).astype(np.float32)
    out = (first.astype(np.intp) + 1) * stride, np.float32(1) - w1, w1
    for array in out:  # shared by the calls that hit the cache
        array.setflags(write=False)
    return out


_ENTRIES = 1 << 16  # row-histogram entries binned at once (see _histograms)
_PRODUCT = 1 << 18  # OpenBLAS multiplies in one thread up to this many multiply-adds


def _histograms(
    bins: np.ndarray, mag: np.ndarray, cells_r: int, cells_c: int, cell: int
) -> np.ndarray:
    """Each pixel's gradient length into its orientation bin of the 4 nearest cells'
    histograms (bilinear weights): (cells_r + 2, cells_c + 2, 18) with a border slot each
    side. A few pixel rows at a time (:data:`_ENTRIES` float64, which stay in the cache): each
    row's histogram over (column slot, bin), its pixels spread over their two column slots
    by two ``bincount`` (float64 sums of the float32 products, as dlib's weights), then each
    row added to its two row slots with its two weights (small matrix products, which
    OpenBLAS keeps in the calling thread)."""
    rows, cols = bins.shape
    hc = cells_c + 2
    width = hc * 18
    rfirst, rw0, rw1 = _spread(rows, cell, 1)
    cfirst, cw0, cw1 = _spread(cols, cell, 18)
    left, right = mag * cw0, mag * cw1
    slots = cells_r + 2
    hist = np.zeros((slots + 1, width))
    step = max(16, min(128, _ENTRIES // width))
    piece = max(1, _PRODUCT // ((step // cell + 3) * step))  # columns per product
    base = np.add.outer(np.arange(min(rows, step)) * width, cfirst)
    keys = np.empty_like(base)
    along = np.arange(step)
    for y0 in range(0, rows, step):
        y1 = min(rows, y0 + step)
        n = (y1 - y0) * width
        key = np.add(base[: y1 - y0], bins[y0:y1], out=keys[: y1 - y0]).ravel()
        row_hist = np.bincount(key, left[y0:y1].ravel(), minlength=n)
        row_hist[18:] += np.bincount(key, right[y0:y1].ravel(), minlength=n)[:-18]
        row_hist = row_hist.reshape(y1 - y0, width)
        s0, s1 = rfirst[y0], rfirst[y1 - 1] + 2
        spread = np.zeros((s1 - s0, y1 - y0))  # row slot x pixel row: the two weights
        spread[rfirst[y0:y1] - s0, along[: y1 - y0]] = rw0[y0:y1]
        spread[rfirst[y0:y1] + 1 - s0, along[: y1 - y0]] = rw1[y0:y1]
        for c0 in range(0, width, piece):
            hist[s0:s1, c0 : c0 + piece] += spread @ row_hist[:, c0 : c0 + piece]
    return hist[:slots].reshape(slots, hc, 18).astype(np.float32)


def _normalise(
    hist: np.ndarray, cells_r: int, cells_c: int, hog_r: int, hog_c: int, pad: int
) -> np.ndarray:
    inner = hist[1:-1, 1:-1]
    folded = (inner[..., :9] + inner[..., 9:]).reshape(-1, 9)
    norm = np.einsum("ij,ij->i", folded, folded).reshape(cells_r, cells_c)
    block = ((norm[:-1, :-1] + norm[:-1, 1:]) + norm[1:, :-1]) + norm[
        1:, 1:
    ]  # block at (i, j)
    h = hist[2 : 2 + hog_r, 2 : 2 + hog_c]  # cell (y + 1, x + 1): (hog_r, hog_c, 18)
    both = np.empty((hog_r, hog_c, 27), dtype=np.float32)  # 18 signed, 9 unsigned bins
    both[..., :18] = h
    np.add(h[..., :9], h[..., 9:], out=both[..., 18:])
    out = np.zeros((hog_r + pad - 1, hog_c + pad - 1, 31), dtype=np.float32)
    o = (pad - 1) // 2
    view = out[o : o + hog_r, o : o + hog_c]
    # the 4 blocks around the cell, in dlib's lane order (its features 27..30)
    around = np.stack(
        [
            block[dy : dy + hog_r, dx : dx + hog_c]
            for dy, dx in ((1, 1), (0, 1), (1, 0), (0, 0))
        ]
    )
    nn = np.sqrt(around + np.float32(0.0001))
    nn *= np.float32(0.2)
    n = (np.float32(0.1) / nn)[..., None]
    part = np.minimum(both, nn[..., None])  # (lane, hog_r, hog_c, 27)
    part *= n
    view[..., :27] = ((part[0] + part[1]) + part[2]) + part[3]  # dlib's order
    energy = np.einsum("lijk->lij", part[..., :18])
    energy *= np.float32(2 * 0.2357)
    view[..., 27:] = energy.transpose(1, 2, 0)
    return out
