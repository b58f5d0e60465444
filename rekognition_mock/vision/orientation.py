"""Faces turned by quarter turns: boxes and points between an image and its turned copies,
and the vote that decides which quarter turn makes a face upright."""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from PIL import Image

from . import hog, weights


class _Box(Protocol):
    """Anything with a box: a detection, a face."""

    left: float
    top: float
    right: float
    bottom: float


def unrotate_box(box: tuple[float, float, float, float], turn: int, width: int, height: int) -> tuple[float, float, float, float]:
    """A box found in ``numpy.rot90(image, turn)``, in the coordinates of ``image``
    (``width×height``)."""
    left, top, right, bottom = box
    if turn == 1:
        return width - bottom, left, width - top, right
    if turn == 2:
        return width - right, height - bottom, width - left, height - top
    if turn == 3:
        return top, height - right, bottom, height - left
    return box


def rotate_box(box: tuple[float, float, float, float], turn: int, width: int, height: int) -> tuple[float, float, float, float]:
    """The inverse of :func:`unrotate_box`: a box of the image in its turned copy."""
    left, top, right, bottom = box
    if turn == 1:
        return top, width - right, bottom, width - left
    if turn == 2:
        return width - right, height - bottom, width - left, height - top
    if turn == 3:
        return height - bottom, left, height - top, right
    return box


def unrotate_points(points: np.ndarray, turn: int, width: int, height: int) -> np.ndarray:
    """Pixel positions in ``numpy.rot90(image, turn)`` mapped back to ``image``."""
    x, y = points[:, 0], points[:, 1]
    if turn == 1:
        return np.stack([width - 1 - y, x], axis=1)
    if turn == 2:
        return np.stack([width - 1 - x, height - 1 - y], axis=1)
    if turn == 3:
        return np.stack([y, height - 1 - x], axis=1)
    return points


TURN_FACE = 90  # the face's side (pixels) in the copies the quarter-turn vote scores
TURN_CROP = 2.0  # the copies show this many face sides around the face's centre
TURN_FLOOR = -3.0  # the lowest score either detector is read at in the vote
TURN_HOG_MARGIN = 0.75  # HOG alone decides when its best turn leads the next by this much
TURN_CENTRE = 0.4  # a window counts for the face when its centre is within this many face sides of the copy's (0.3 missed upside-down faces whose box the network had placed off centre)


def quarter_turn(rgb: np.ndarray, d: _Box, boxed: set[int] | frozenset[int] = frozenset()) -> tuple[int, tuple[float, float, float, float] | None]:
    """Which quarter turn (``numpy.rot90``) makes the face in ``d`` upright, and the face's
    box found in that turn (``rgb``'s coordinates) when the vote computed one: it is not
    looked for when HOG alone decides a turn in ``boxed`` (the caller has a box there).

    The face's surroundings (the square of :data:`TURN_CROP` face sides about its centre,
    scaled so that the face is :data:`TURN_FACE` pixels; outside the image, the colour the
    network sees as nothing) are scored in each of the four quarter turns, each copy by its
    strongest window centred within :data:`TURN_CENTRE` face sides of the face. dlib's HOG
    detector answers to upright faces (its five filters are frontal and half-turned faces
    within about 30° of upright), the MMOD network to faces upright or on their side alike
    (a face on its side scores up to 1.15, upright 1.05): each alone picks the wrong turn
    for 3-12 % of the development faces, their sum for none of the 345 development faces
    turned three ways (``bench/run.py --only turned``). HOG runs first (a few
    milliseconds); when its best turn leads by :data:`TURN_HOG_MARGIN` it decides alone,
    otherwise the network scores the four copies too and the best sum wins.
    """
    side = max(d.right - d.left, d.bottom - d.top)
    cx, cy = (d.left + d.right) / 2, (d.top + d.bottom) / 2
    scale = TURN_FACE / side
    size = int(round(TURN_CROP * TURN_FACE))
    x0, y0 = cx - size / 2 / scale, cy - size / 2 / scale  # the copy's corner in rgb
    detector = weights.mmod_detector().model
    crop = _square_crop(rgb, x0, y0, size / scale, size, detector.mean_rgb)
    turned = [np.ascontiguousarray(np.rot90(crop, turn)) for turn in range(4)]
    centre = size / 2

    def is_central(box: tuple[float, float, float, float]) -> bool:
        return (
            abs((box[0] + box[2]) / 2 - centre) <= TURN_CENTRE * TURN_FACE
            and abs((box[1] + box[3]) / 2 - centre) <= TURN_CENTRE * TURN_FACE
            and 0.6 < (box[2] - box[0]) / TURN_FACE < 1.6
        )

    def network(images: list[np.ndarray]) -> list[tuple[float, tuple[float, float, float, float] | None]]:
        """The strongest central face the network reports in each copy (its score, its box)."""
        windows = detector.strongest_kept(images, TURN_FLOOR, lambda w: is_central((w.left, w.top, w.right, w.bottom)))
        return [(TURN_FLOOR, None) if w is None else (w.score, (w.left, w.top, w.right, w.bottom)) for w in windows]

    greys = [np.asarray(Image.fromarray(image).convert("L")) for image in turned]
    hog_scores = []
    for rects, scores, _ in hog.hog_runs(greys, 0, TURN_FLOOR):
        near = [float(s) for r, s in zip(rects, scores) if is_central((r.left(), r.top(), r.right() + 1, r.bottom() + 1))]
        hog_scores.append(max(near, default=TURN_FLOOR))
    order = sorted(range(4), key=hog_scores.__getitem__, reverse=True)
    cnn: list[tuple[float, tuple[float, float, float, float] | None]]
    if hog_scores[order[0]] - hog_scores[order[1]] >= TURN_HOG_MARGIN:
        turn = order[0]
        if turn in boxed:
            return turn, None
        cnn = [(TURN_FLOOR, None)] * 4
        cnn[turn] = network([turned[turn]])[0]
    else:
        cnn = network(turned)
        turn = max(range(4), key=lambda t: hog_scores[t] + cnn[t][0])
    found = cnn[turn][1]
    if found is None:
        return turn, None
    left, top, right, bottom = unrotate_box(found, turn, size, size)
    return turn, (x0 + left / scale, y0 + top / scale, x0 + right / scale, y0 + bottom / scale)


def _square_crop(rgb: np.ndarray, x0: float, y0: float, span: float, size: int, fill: np.ndarray) -> np.ndarray:
    """The square of ``rgb`` with corner ``(x0, y0)`` and side ``span`` resized to
    ``size``×``size``; parts outside the image take the colour ``fill``."""
    height, width = rgb.shape[:2]
    a0, b0 = max(0, int(math.floor(x0))), max(0, int(math.floor(y0)))
    a1, b1 = min(width, int(math.ceil(x0 + span))), min(height, int(math.ceil(y0 + span)))
    out = np.empty((size, size, 3), np.uint8)
    out[:] = fill
    if a1 <= a0 or b1 <= b0:
        return out
    k = size / span
    part = Image.fromarray(np.ascontiguousarray(rgb[b0:b1, a0:a1]))
    pw, ph = max(1, round((a1 - a0) * k)), max(1, round((b1 - b0) * k))
    part = part.resize((pw, ph), Image.Resampling.BOX if k < 1 else Image.Resampling.BILINEAR)
    px, py = max(0, int(round((a0 - x0) * k))), max(0, int(round((b0 - y0) * k)))
    sub = np.asarray(part)[: size - py, : size - px]
    out[py : py + sub.shape[0], px : px + sub.shape[1]] = sub
    return out


def turned_around(rgb: np.ndarray, box: tuple[float, float, float, float], turn: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The part of ``rgb`` around the face in ``box`` (a face's side of margin), turned by
    ``turn`` quarter turns so the face is upright, and where its corner is in the whole
    turned image (even, so rounding is unchanged)."""
    height, width = rgb.shape[:2]
    left, top, right, bottom = rotate_box(box, turn, width, height)
    side = max(right - left, bottom - top)
    turned_w, turned_h = (height, width) if turn % 2 else (width, height)
    x0 = max(0, int(math.floor(left - side)) // 2 * 2)
    y0 = max(0, int(math.floor(top - side)) // 2 * 2)
    x1 = min(turned_w, int(math.ceil(right + side)))
    y1 = min(turned_h, int(math.ceil(bottom + side)))
    a0, b0, a1, b1 = (int(round(v)) for v in unrotate_box((x0, y0, x1, y1), turn, width, height))
    return np.ascontiguousarray(np.rot90(rgb[b0:b1, a0:a1], turn)), (x0, y0)
