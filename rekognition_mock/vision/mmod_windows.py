"""From the MMOD network's score map to boxes, as dlib's ``loss_mmod`` does it.

A score-map cell above the threshold is a window centred on its tensor point, assigned to
the pyramid level nearest its centre, moved to that level's origin and scaled up by
``(6/5)**level`` (``pyramid_down<6>::point_up``); windows are then suppressed greedily,
strongest first, by dlib's ``test_box_overlap``. ``vision/mmod.py`` runs the network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

PYRAMID_RATE = 5.0 / 6.0  # pyramid_down<6>


@dataclass(frozen=True)
class Window:
    """A detection in image pixels: inclusive-exclusive box and the network's score."""

    left: float
    top: float
    right: float
    bottom: float
    score: float


def _nearest_level(levels: list[tuple[int, int, int, int]], x: float, y: float) -> int:
    best, best_distance = 0, math.inf
    for index, (left, top, w, h) in enumerate(levels):
        dx = max(left - x, 0.0, x - (left + w - 1))
        dy = max(top - y, 0.0, y - (top + h - 1))
        if dx == 0 and dy == 0:
            return index
        distance = math.hypot(dx, dy)
        if distance < best_distance:
            best, best_distance = index, distance
    return best


def _point_up(x: float, y: float, levels: int) -> tuple[float, float]:
    for _ in range(levels):
        x, y = x / PYRAMID_RATE + 0.3, y / PYRAMID_RATE + 0.3
    return x, y


def windows_from_scores(scores: np.ndarray, levels, window: tuple[int, int], threshold: float) -> list[Window]:
    """Every score-map cell above ``threshold`` as a window in level-0 pixels, strongest first."""
    return list(_strongest_first(scores, levels, window, threshold))


def _strongest_first(scores: np.ndarray, levels, window: tuple[int, int], threshold: float) -> Iterator[Window]:
    """The cells above ``threshold`` as windows in level-0 pixels, strongest first (ties in
    the score map's row order: a stable sort)."""
    rows, cols = np.nonzero(scores > threshold)
    values = scores[rows, cols]
    half_w, half_h = (window[0] - 1) / 2, (window[1] - 1) / 2
    for i in np.argsort(-values, kind="stable").tolist():
        x, y = 8 * int(cols[i]) + 14, 8 * int(rows[i]) + 14
        index = _nearest_level(levels, x, y)
        left0, top0 = levels[index][:2]
        x0, y0 = _point_up(x - half_w - left0, y - half_h - top0, index)
        x1, y1 = _point_up(x + half_w - left0, y + half_h - top0, index)
        yield Window(x0, y0, x1 + 1, y1 + 1, float(values[i]))


def rounded(w) -> tuple[int, int, int, int]:
    """dlib's ``rectangle(drectangle)``: corners rounded, right/bottom inclusive."""
    return round(w.left), round(w.top), round(w.right - 1), round(w.bottom - 1)


def _area(r: tuple[int, int, int, int]) -> int:
    return max(0, r[2] - r[0] + 1) * max(0, r[3] - r[1] + 1)


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int], iou: float, covered: float) -> bool:
    """dlib's ``test_box_overlap``: intersection over the enclosing box, or over either area."""
    inner = _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))
    if inner == 0:
        return False
    outer = _area((min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])))
    return inner / outer > iou or inner / _area(a) > covered or inner / _area(b) > covered


def suppress(windows: list[Window], iou: float, covered: float) -> list[Window]:
    """Greedy non-max suppression over windows sorted strongest first."""
    kept: list[tuple[Window, tuple[int, int, int, int]]] = []
    for w in windows:
        box = rounded(w)
        if not any(overlaps(k, box, iou, covered) for _, k in kept):
            kept.append((w, box))
    return [w for w, _ in kept]


def first_kept(scores: np.ndarray, levels, window: tuple[int, int], threshold: float, nms: dict,
               accept: Callable[[Window], bool]) -> Window | None:
    """The first window of ``suppress(windows_from_scores(...))`` that ``accept`` takes."""
    kept: list[tuple[int, int, int, int]] = []
    for w in _strongest_first(scores, levels, window, threshold):
        box = rounded(w)
        if any(overlaps(k, box, nms["iou"], nms["covered"]) for k in kept):
            continue
        kept.append(box)
        if accept(w):
            return w
    return None
