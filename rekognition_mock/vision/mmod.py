"""dlib's MMOD face detector, computed the way ``loss_mmod`` and its input layer do.

The network is dlib's own (weights read from ``mmod_human_face_detector.dat``), run by
onnxruntime. Around it, this module reproduces dlib's detection procedure:

1. **Tiled pyramid** (``input_rgb_image_pyramid<pyramid_down<6>>``): the normalised
   image, ``(pixel - mean) / 256`` per channel, and its successive 5/6 reductions are laid
   out in one tensor (levels stacked down the left, then the rest right-aligned going
   back up), ``padding`` pixels apart inside an ``outer_padding`` border. Each level is a
   bilinear resize of the previous one with corner-aligned sampling.
2. **One forward pass** over the whole tiled image: a single-channel score map, one cell
   per 8 input pixels; cell ``(c, r)`` looks at an 80×80 window centred on the tensor
   point ``(8c + 14, 8r + 14)``.
3. **Back to the image**: a window is assigned to the pyramid level nearest its centre,
   moved to that level's origin and scaled up by ``(6/5)**level`` (``p·6/5 + 0.3`` per
   level, as ``pyramid_down<6>::point_up``).
4. **Non-max suppression**, strongest first: a window is dropped when its intersection
   with a kept one, divided by the area of the rectangle enclosing both, exceeds the
   threshold stored in the file (0.338).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PYRAMID_RATE = 5.0 / 6.0  # pyramid_down<6>
MIN_LEVEL_HEIGHT = 5


@dataclass(frozen=True)
class Window:
    """A detection in image pixels: inclusive-exclusive box and the network's score."""

    left: float
    top: float
    right: float
    bottom: float
    score: float


# -- the tiled pyramid -------------------------------------------------------------------


def pyramid_layout(rows: int, cols: int, padding: int = 10, outer: int = 11) -> tuple[list[tuple[int, int, int, int]], int, int]:
    """Where each pyramid level sits in the tiled image, as dlib lays it out.

    Returns ``(levels, height, width)`` with each level as ``(left, top, width, height)``.
    """
    sizes = [(cols, rows)]
    r, c = rows, cols
    while True:
        r, c = math.floor(PYRAMID_RATE * r), math.floor(PYRAMID_RATE * c)
        if r * c == 0 or r < MIN_LEVEL_HEIGHT:
            break
        sizes.append((c, r))
    total = sum(h + padding for _, h in sizes) - 2 * padding
    height = prev_width = 0
    for w, h in sizes:
        if w <= cols - prev_width - padding and (height - rows) * 2 >= total - rows:
            break
        height += h + padding
        prev_width = w
    height -= padding
    placed: list[tuple[int, int, int, int]] = []
    y = outer
    i = 0
    while y < height + outer and i < len(sizes):
        w, h = sizes[i]
        placed.append((outer, y, w, h))
        y += h + padding
        i += 1
    y -= padding
    first = placed[0]
    while i < len(sizes):
        w, h = sizes[i]
        left, top = outer + cols - w, y - h
        if left < first[0] + first[2] and top < first[1] + first[3]:
            break  # would overlap the full-size level
        placed.append((left, top, w, h))
        y -= h + padding
        i += 1
    return placed, height + 2 * outer, cols + 2 * outer


def tiled_pyramid(image: np.ndarray, resize, padding: int, outer: int):
    """The network's input tensor (``1×3×H×W``) holding ``image`` (``3×h×w``, normalised)
    and its reductions, and the level layout. ``resize(level, rows, cols)`` is the
    corner-aligned bilinear resize."""
    rows, cols = image.shape[1:]
    levels, height, width = pyramid_layout(rows, cols, padding, outer)
    tensor = np.zeros((1, 3, height, width), dtype=np.float32)
    level = image
    for index, (left, top, w, h) in enumerate(levels):
        if index:
            level = resize(level, h, w)
        tensor[0, :, top : top + h, left : left + w] = level
    return tensor, levels


# -- from scores to boxes ----------------------------------------------------------------


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
    rows, cols = np.nonzero(scores > threshold)
    half_w, half_h = (window[0] - 1) / 2, (window[1] - 1) / 2
    found = []
    for r, c in zip(rows.tolist(), cols.tolist()):
        x, y = 8 * c + 14, 8 * r + 14
        index = _nearest_level(levels, x, y)
        left0, top0 = levels[index][:2]
        x0, y0 = _point_up(x - half_w - left0, y - half_h - top0, index)
        x1, y1 = _point_up(x + half_w - left0, y + half_h - top0, index)
        found.append(Window(x0, y0, x1 + 1, y1 + 1, float(scores[r, c])))
    found.sort(key=lambda w: w.score, reverse=True)
    return found


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


# -- the detector ---------------------------------------------------------------------------


class MMODDetector:
    """dlib's MMOD CNN on onnxruntime. Thread-safe; load once per process.

    ``session`` runs the network; ``pyramid_resize`` and ``upscale`` are sessions of
    :func:`.onnx_nets.resize_model` with corner-aligned and half-pixel sampling.
    """

    def __init__(self, network, session, pyramid_resize, upscale) -> None:
        self.mean = np.asarray(network.input["mean"], dtype=np.float32)[:, None, None]
        self.padding = network.input["padding"]
        self.outer = network.input["outer_padding"]
        self.window = network.loss["windows"][0]
        self.nms = network.loss["nms"]
        self.session = session
        self._pyramid_resize = pyramid_resize
        self._upscale = upscale

    def _resize(self, session, image: np.ndarray, rows: int, cols: int) -> np.ndarray:
        sizes = np.array([1, image.shape[0], rows, cols], dtype=np.int64)
        return session.run(None, {"image": image[None], "sizes": sizes})[0][0]

    def normalise(self, rgb: np.ndarray) -> np.ndarray:
        """``(pixel - mean) / 256`` per channel, as a ``3×H×W`` float32 array."""
        return (rgb.transpose(2, 0, 1).astype(np.float32) - self.mean) * np.float32(1 / 256)

    def detect(self, rgb: np.ndarray, scale: float = 1.0, threshold: float = 0.0) -> list[Window]:
        """Faces in an ``H×W×3`` uint8 RGB image, in its pixels, strongest first.

        ``scale`` > 1 enlarges the image first (bilinear, pixel centres kept) so that
        faces smaller than the network's 80-pixel window are found; windows come back
        in the coordinates of ``rgb``. With ``scale=1`` and ``threshold=0`` this is what
        dlib's ``cnn_face_detection_model_v1(rgb, 0)`` returns.
        """
        image = self.normalise(rgb)
        rows, cols = rgb.shape[:2]
        if scale != 1.0:
            rows, cols = max(1, round(rows * scale)), max(1, round(cols * scale))
            image = self._resize(self._upscale, image, rows, cols)
        if min(rows, cols) < MIN_LEVEL_HEIGHT:
            return []
        tensor, levels = tiled_pyramid(image, lambda im, r, c: self._resize(self._pyramid_resize, im, r, c), self.padding, self.outer)
        scores = self.session.run(None, {"image": tensor})[0][0, 0]
        found = suppress(windows_from_scores(scores, levels, self.window, threshold), self.nms["iou"], self.nms["covered"])
        sx, sy = rgb.shape[1] / cols, rgb.shape[0] / rows
        return [Window(w.left * sx, w.top * sy, w.right * sx, w.bottom * sy, w.score) for w in found]
