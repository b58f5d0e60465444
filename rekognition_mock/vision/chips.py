"""Aligned image chips in numpy, with dlib's semantics (``get_face_chip_details``,
``chip_details`` and ``extract_image_chip`` of dlib 20), so that the ResNet, the
attribute measures and the face mesh see the same pixels they saw under dlib.

A chip is described by a rectangle of the image (floating-point corners, dlib's
``drectangle``: width is ``right - left + 1``), an angle (the rectangle is turned by it
about its centre) and the chip's ``rows×cols``. Extraction maps the chip's corners
(0,0), (cols-1,0) and (0,rows-1) onto the turned rectangle's corners and samples the image
bilinearly, truncating to uint8; samples whose 2×2 neighbourhood leaves the source are
black. When the rectangle is much larger than the chip (its area after one halving by
dlib's 2:1 pyramid still exceeds ``rows*cols``), the source is first shrunk by that
pyramid (5-tap [1 4 6 4 1] filter in both directions, integer sums divided by 256 with
truncation, every other row and column) as many times as needed, and the chip is sampled
from the shrunk copy, so that the interpolation never skips pixels. A chip with no
angle and the rectangle's own size is a plain copy (zero outside the image).

The alignment template (mean positions of landmarks 17-67 on a unit square) is dlib's
published ``mean_face_shape``; the fit is a least-squares similarity (Umeyama), solved
by :func:`.geometry.similarity_transform`, as dlib solves it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .geometry import similarity_transform

# dlib's mean face (landmarks 17..67, unit square); the eyebrows (17-26) and the lower
# lip (55-59, 65-67) are left out of the fit.
_MEAN_X = (
    0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124,
    0.904991, 0.98004, 0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036,
    0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
    0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
    0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721,
    0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
    0.553364, 0.490127, 0.42689,
)
_MEAN_Y = (
    0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891,
    0.0187482, 0.038915, 0.106454, 0.203352, 0.307009, 0.409805, 0.515625, 0.587326,
    0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
    0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099,
    0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805,
    0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
    0.784792, 0.824182, 0.831803, 0.824182,
)
_FIT_68 = tuple(i for i in range(27, 68) if not (55 <= i <= 59 or 65 <= i <= 67))
# dlib's 5-point template (eye corners and the base of the nose).
_MEAN_5 = ((0.8595674595992, 0.2134981538014), (0.6460604764104, 0.2289674387677),
           (0.1205750620789, 0.2137274526848), (0.3340850613712, 0.2290642403242),
           (0.4901123135679, 0.6277975316475))


class ChipDetails(NamedTuple):
    """Where a chip lies in an image: ``rect`` (left, top, right, bottom), its turn, its size."""

    rect: tuple[float, float, float, float]
    angle: float
    rows: int
    cols: int


def _width(rect) -> float:
    left, top, right, bottom = rect
    return 0.0 if (top > bottom or left > right) else right - left + 1


def _height(rect) -> float:
    left, top, right, bottom = rect
    return 0.0 if (top > bottom or left > right) else bottom - top + 1


def _area(rect) -> float:
    return _width(rect) * _height(rect)


def _down(rect):
    """dlib's ``pyramid_down<2>::rect_down``: each corner halved, less (1.25, 0.75)."""
    left, top, right, bottom = rect
    return (left / 2.0 - 1.25, top / 2.0 - 0.75, right / 2.0 - 1.25, bottom / 2.0 - 0.75)


def _turned_corners(rect, angle: float) -> np.ndarray:
    """tl, tr, bl, br of ``rect`` turned by ``angle`` about its centre (4×2)."""
    left, top, right, bottom = rect
    cx, cy = (left + right) / 2.0, (top + bottom) / 2.0
    s, c = math.sin(angle), math.cos(angle)
    out = []
    for x, y in ((left, top), (right, top), (left, bottom), (right, bottom)):
        dx, dy = x - cx, y - cy
        out.append((c * dx - s * dy + cx, s * dx + c * dy + cy))
    return np.array(out)


def similarity_chip(chip_points: np.ndarray, image_points: np.ndarray, rows: int, cols: int) -> ChipDetails:
    """The chip whose ``chip_points`` land on ``image_points`` under the best similarity."""
    src = np.asarray(chip_points, dtype=np.float64)
    dst = np.asarray(image_points, dtype=np.float64)
    m = similarity_transform(src, dst)
    a, b = float(m[0, 0]), float(m[1, 0])
    t = dst.mean(axis=0) - m @ src.mean(axis=0)
    angle = math.atan2(b, a)
    scale = math.sqrt(a * a + b * b)
    cx, cy = m @ np.array([cols / 2.0, rows / 2.0]) + t
    w, h = cols * scale - 1, rows * scale - 1
    return ChipDetails((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), angle, rows, cols)


def face_chip_details(points: np.ndarray, size: int = 200, padding: float = 0.2) -> ChipDetails:
    """dlib's ``get_face_chip_details`` for 68 (or 5) landmarks given in image pixels."""
    points = np.asarray(points, dtype=np.float64)
    if len(points) == 68:
        template = np.array([(_MEAN_X[i - 17], _MEAN_Y[i - 17]) for i in _FIT_68])
        targets = points[list(_FIT_68)]
    elif len(points) == 5:
        template, targets = np.array(_MEAN_5), points
    else:
        raise ValueError(f"68 or 5 landmarks, not {len(points)}")
    return similarity_chip((padding + template) / (2 * padding + 1) * size, targets, size, size)


def centred_chip(centre: tuple[float, float], side: float, size: int, angle: float = 0.0) -> ChipDetails:
    """A ``size×size`` chip of the square of ``side`` pixels about ``centre``, turned by ``angle``."""
    cx, cy = centre
    return ChipDetails((cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2), angle, size, size)


def pyramid_down(img: np.ndarray) -> np.ndarray:
    """One level of dlib's ``pyramid_down<2>`` on an ``H×W×C`` uint8 image: the 5-tap
    [1 4 6 4 1] filter along rows then columns, every other sample kept, ÷256 truncated."""
    rows, cols = img.shape[:2]
    if rows <= 8 or cols <= 8:
        return np.zeros((0, 0) + img.shape[2:], dtype=img.dtype)
    src = img.astype(np.uint16)  # sums reach 16 * 16 * 255 = 65280, as in dlib's uint16 sums
    k = (cols - 3) // 2
    even, odd = src[:, 0::2].copy(), src[:, 1::2].copy()  # contiguous halves: cheaper to add
    across = even[:, 0:k] + even[:, 2:k + 2]
    across += 4 * (odd[:, 0:k] + odd[:, 1:k + 1])
    across += 6 * even[:, 1:k + 1]
    k = (rows - 3) // 2
    even, odd = across[0::2], across[1::2]
    down = even[0:k] + even[2:k + 2]
    down += 4 * (odd[0:k] + odd[1:k + 1])
    down += 6 * even[1:k + 1]
    return (down >> 8).astype(img.dtype)


def _bilinear(src: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Samples of ``src`` at (xs, ys) as dlib's ``interpolate_bilinear``: 0 where it cannot
    (a sample needs its whole 2×2 neighbourhood), the blend (in float64, in dlib's order)
    truncated to the pixel type. Each channel is a flat plane: 1-d gathers and arithmetic
    are much faster in numpy than rows of three values."""
    rows, cols = src.shape[:2]
    channels = src.shape[2:]
    if rows < 2 or cols < 2:
        return np.zeros(xs.shape + channels, dtype=src.dtype)
    left = np.floor(xs).ravel()
    top = np.floor(ys).ravel()
    inside = (left >= 0) & (top >= 0) & (left < cols - 1) & (top < rows - 1)
    tl = np.where(inside, top * cols + left, 0).astype(np.intp)
    tr, bl, br = tl + 1, tl + cols, tl + cols + 1
    lr = xs.ravel() - left
    tb = ys.ravel() - top
    ilr, itb = 1 - lr, 1 - tb
    planes = src.reshape(rows * cols, -1).T  # channel, pixel
    out = np.empty((planes.shape[0], lr.size), dtype=src.dtype)
    for channel, plane in enumerate(planes):
        plane = plane.astype(np.float64)  # uint8 operands would go through casting buffers
        upper = ilr * plane[tl] + lr * plane[tr]
        lower = ilr * plane[bl] + lr * plane[br]
        value = itb * upper + tb * lower
        value[~inside] = 0
        out[channel] = value
    return out.T.reshape(xs.shape + channels)


def _copy(img: np.ndarray, rect) -> np.ndarray:
    """dlib's plain chip copy of the (rounded) ``rect``, zero outside the image."""
    left, top, right, bottom = (_lround(v) for v in rect)
    out = np.zeros((max(bottom - top + 1, 0), max(right - left + 1, 0)) + img.shape[2:], dtype=img.dtype)
    y0, y1 = max(top, 0), min(bottom, img.shape[0] - 1)
    x0, x1 = max(left, 0), min(right, img.shape[1] - 1)
    if y0 <= y1 and x0 <= x1:
        out[y0 - top:y1 - top + 1, x0 - left:x1 - left + 1] = img[y0:y1 + 1, x0:x1 + 1]
    return out


def _lround(v: float) -> int:
    """C's ``lround``: halves away from zero."""
    return math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)


def extract_chip(img: np.ndarray, details: ChipDetails) -> np.ndarray:
    """dlib's ``extract_image_chip`` (bilinear) of an ``H×W×C`` (or ``H×W``) uint8 image."""
    img = np.asarray(img)
    rect, angle, rows, cols = details
    if angle == 0 and rows == _height(rect) and cols == _width(rect):
        return _copy(img, rect)
    size = rows * cols
    # pyramid depth and the part of the image the chip can read (grown for the filters)
    depth, grow, r = 0, 2.0, _down(rect)
    while _area(r) > size:
        r = _down(r)
        depth += 1
        grow = grow * 2 + 2
    corners = _turned_corners(rect, angle)
    h, w = img.shape[:2]
    box = (max(corners[:, 0].min() - grow, 0.0), max(corners[:, 1].min() - grow, 0.0),
           min(corners[:, 0].max() + grow, float(w - 1)), min(corners[:, 1].max() + grow, float(h - 1)))
    left, top, right, bottom = (_lround(v) for v in box)
    if left > right or top > bottom:
        return np.zeros((rows, cols) + img.shape[2:], dtype=img.dtype)
    src = img[top:bottom + 1, left:right + 1]
    # which level the chip is read from
    r = (rect[0] - left, rect[1] - top, rect[2] - left, rect[3] - top)
    level = -1
    while _area(_down(r)) > size:
        level += 1
        r = _down(r)
    for _ in range(level + 1):
        src = pyramid_down(src)
    # chip corners (0,0), (cols-1,0), (0,rows-1) onto the turned rect's tl, tr, bl
    tl, tr, bl, _ = _turned_corners(r, angle)
    mx = (tr - tl) / (cols - 1) if cols > 1 else np.zeros(2)
    my = (bl - tl) / (rows - 1) if rows > 1 else np.zeros(2)
    cc, rr = np.meshgrid(np.arange(cols, dtype=np.float64), np.arange(rows, dtype=np.float64))
    xs = mx[0] * cc + my[0] * rr + tl[0]
    ys = mx[1] * cc + my[1] * rr + tl[1]
    return _bilinear(src, xs, ys)


def face_chip(img: np.ndarray, points: np.ndarray, size: int = 150, padding: float = 0.25) -> np.ndarray:
    """dlib's ``get_face_chip``: the aligned ``size×size`` chip of a face's 68 (or 5) landmarks."""
    return extract_chip(img, face_chip_details(points, size, padding))

