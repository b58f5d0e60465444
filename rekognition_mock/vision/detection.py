"""Face detection: dlib's MMOD CNN on onnxruntime (default) or dlib's HOG.

Which faces are looked for follows Amazon Rekognition's documentation: faces down to
40×40 pixels in a 1920×1080 image, and proportionally larger ones in larger images. The
detectors see faces of about 80 pixels, so the image is scaled by ``80 / smallest face``
first: a 1920×1080 photo is analysed at twice its size, a 4000×3000 one at 0.72.

The CNN also looks at the image turned by 90, 180 and 270 degrees, so faces at any roll
are found (:data:`EngineConfig.rotations` says how small a turned face may be).
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import weights
from .config import EngineConfig

WINDOW = 80  # both detectors look for faces about 80 pixels wide
DECODED_FACE = 60  # large images are decoded smaller while their smallest face keeps this many pixels
HOG_PAD = WINDOW // 2  # edge-replicated border so faces cut by the edge still score
AWS_REFERENCE_SIZE = (1920, 1080)  # the image size AWS's 40-pixel minimum is stated for
COARSE_ROTATED_FACE = 1 / 3  # "coarse": turned faces at least this share of the shorter side
ORIENTATION_FACE = 100  # faces are scaled to this size for HOG's orientation vote
ORIENTATION_HOG_FLOOR = -0.5  # a HOG score that confirms a face is upright


class BoxSize:
    """Width, height and area of anything with ``left``/``top``/``right``/``bottom``."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)


@dataclass(frozen=True)
class Detection(BoxSize):
    """A face box in original-image pixels (may extend past the edges) and its score.

    ``turn``: how many quarter turns counter-clockwise (``numpy.rot90``) make the face
    upright; 0 for faces found in the image as it is.
    """

    left: float
    top: float
    right: float
    bottom: float
    score: float
    turn: int = 0


def smallest_face(width: int, height: int, config: EngineConfig) -> float:
    """The smallest face side, in pixels, that is searched for in a ``width×height`` image.

    ``config.min_face_px`` (40) up to 1920×1080, growing with the image beyond that (by
    its longer side against 1920 or its shorter side against 1080, whichever is more);
    ``config.min_face_ratio`` of the longer side when that is larger.
    """
    longer, shorter = max(width, height), min(width, height)
    growth = max(1.0, longer / AWS_REFERENCE_SIZE[0], shorter / AWS_REFERENCE_SIZE[1])
    return max(config.min_face_px * growth, config.min_face_ratio * longer)


def analysis_scale(width: int, height: int, config: EngineConfig) -> float:
    """The factor applied to the image so that the smallest face fills the window."""
    return WINDOW / smallest_face(width, height, config)


def reduction(width: int, height: int, config: EngineConfig) -> int:
    """How many times smaller an image may be decoded and still show every face searched
    for at :data:`DECODED_FACE` pixels or more (the detector scales it up to its window):
    1 up to three times AWS's reference size (5760×3240), 2 up to six times, and so on.

    Never so small that the decoded image's own :func:`smallest_face` would be larger than
    the image's smallest face reduced (``config.min_face_px`` holds below 1920×1080).
    """
    return max(1, int(smallest_face(width, height, config) // max(DECODED_FACE, config.min_face_px)))


def confidence_from_score(score: float, detector: str = "cnn") -> float:
    """Map a dlib detector score to Rekognition's 0–100 confidence.

    A logistic curve ``100 / (1 + exp(-8 (score - centre)))``. For HOG the centre is 0.1:
    score 0.1 → 50, 0.3 → 83, 0.7 → 99.2, 1.0 and above → ≥ 99.9. The MMOD CNN's scores
    run lower for the same evidence (clear faces score about 1), so its centre is 0:
    0 → 50, 0.3 → 91.7, 0.6 → 99.2.
    """
    centre = 0.1 if detector == "hog" else 0.0
    value = 100.0 / (1.0 + math.exp(-8.0 * (score - centre)))
    return min(100.0, max(0.0, value))


def detect(rgb: np.ndarray, config: EngineConfig) -> list[Detection]:
    """All faces in an RGB image, strongest first, boxes in original pixel coordinates."""
    found = _detect_hog(rgb, config) if config.detector == "hog" else _detect_cnn(rgb, config)
    found.sort(key=lambda d: d.score, reverse=True)
    return found


# -- CNN ------------------------------------------------------------------------------------


def _detect_cnn(rgb: np.ndarray, config: EngineConfig) -> list[Detection]:
    """The MMOD network on the image scaled for the smallest face, plus turned copies."""
    height, width = rgb.shape[:2]
    scale = analysis_scale(width, height, config)
    floor = config.score_floor
    found = [Detection(*_box(w), w.score) for w in _run_mmod([rgb], scale, floor)[0]]
    if config.rotations != "off":
        turned_scale = scale
        if config.rotations == "coarse":
            turned_scale = min(scale, WINDOW / (COARSE_ROTATED_FACE * min(width, height)))
        # reduced once, then turned (a quarter turn of the small copy, not of the image)
        base = _resize(rgb, turned_scale) if turned_scale < 1.0 else rgb
        sx, sy = width / base.shape[1], height / base.shape[0]
        for turns in ((1, 3), (2,)):  # the quarter turns have one shape: one batch
            turned = [np.ascontiguousarray(np.rot90(base, turn)) for turn in turns]
            for turn, windows in zip(turns, _run_mmod(turned, max(1.0, turned_scale), floor)):
                for w in windows:
                    left, top, right, bottom = unrotate_box(_box(w), turn, base.shape[1], base.shape[0])
                    found.append(Detection(left * sx, top * sy, right * sx, bottom * sy, w.score, turn))
    return _suppress(found, rgb)


def _run_mmod(images: list[np.ndarray], scale: float, floor: float) -> list[list]:
    """MMOD windows at ``scale`` of each image (all of one size, run as one batch when small);
    a reduction is done by Pillow (area-averaging) first."""
    detector = weights.mmod_detector().model
    rows, cols = images[0].shape[:2]
    if round(rows * scale) == rows and round(cols * scale) == cols:
        scale = 1.0  # a resize to the same size changes no pixel: not worth a float copy of the image
    if scale >= 1.0:
        return detector.detect_all(images, scale, floor)
    small = [_resize(rgb, scale) for rgb in images]
    sx, sy = cols / small[0].shape[1], rows / small[0].shape[0]
    return [[type(w)(w.left * sx, w.top * sy, w.right * sx, w.bottom * sy, w.score) for w in windows] for windows in detector.detect_all(small, 1.0, floor)]


def _box(w) -> tuple[float, float, float, float]:
    return (w.left, w.top, w.right, w.bottom)


def _suppress(found: list[Detection], rgb: np.ndarray) -> list[Detection]:
    """Merge the detections of all passes with dlib's overlap rule, strongest first.

    The network also answers to faces lying on their side (a face at 90° scores 0.6-1.0
    in the image and 1.1 in the turned copy), so when the image and a turned copy see
    the same face, :func:`_orientation` chooses.
    """
    from .mmod import overlaps, rounded

    nms = weights.mmod_detector().model.nms  # the overlap rule stored with the network
    groups: list[tuple[tuple[int, int, int, int], list[Detection]]] = []
    for d in sorted(found, key=lambda d: d.score, reverse=True):
        box = rounded(d)
        for kept_box, members in groups:
            if overlaps(kept_box, box, nms["iou"], nms["covered"]):
                members.append(d)
                break
        else:
            groups.append((box, [d]))
    return [_orientation(rgb, members) for _, members in groups]


def _orientation(rgb: np.ndarray, members: list[Detection]) -> Detection:
    """The detection, among the passes that saw one face, whose orientation is right.

    The strongest network score decides, except that an upright face is kept upright:
    dlib's HOG detector answers only to upright faces (up to about 30° of roll), so
    when it finds the face on a small crop of the image as it is, the image's own
    detection wins (an upright face can score 1.14 in a turned copy against 1.06 in the
    image; a face on its side scores at most about 1.0 in the image).
    """
    strongest = members[0]
    upright = next((d for d in members if d.turn == 0), None)
    if upright is None or strongest is upright:
        return strongest
    side = max(upright.width, upright.height)
    height, width = rgb.shape[:2]
    x0, y0 = max(0, int(upright.left - side / 2)), max(0, int(upright.top - side / 2))
    x1, y1 = min(width, int(upright.right + side / 2)), min(height, int(upright.bottom + side / 2))
    crop = _resize(np.ascontiguousarray(rgb[y0:y1, x0:x1]), ORIENTATION_FACE / side, grey=True)
    _, scores, _ = _hog_run(weights.hog_detector(), crop, 0, ORIENTATION_HOG_FLOOR)
    return upright if len(scores) else strongest


# -- turned copies ----------------------------------------------------------------------------


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


# -- HOG ------------------------------------------------------------------------------------


_HOG_THREAD: ThreadPoolExecutor | None = None
_HOG_THREAD_LOCK = threading.Lock()


def hog_runs(images: list[np.ndarray], upsample: int, floor: float) -> list[tuple[list, list, list]]:
    """dlib's HOG detector's ``run`` (rectangles, scores, filter indices) on each image,
    two at a time: every other image goes to a second copy of the detector in a worker
    thread (dlib lets the other thread run while it computes)."""
    global _HOG_THREAD
    if len(images) < 2:
        return [_hog_run(weights.hog_detector(), image, upsample, floor) for image in images]
    with _HOG_THREAD_LOCK:
        if _HOG_THREAD is None:
            _HOG_THREAD = ThreadPoolExecutor(1, thread_name_prefix="rekognition-mock-hog")
    copy = weights.hog_detector_copy()
    theirs = _HOG_THREAD.submit(lambda: [_hog_run(copy, image, upsample, floor) for image in images[1::2]])
    ours = [_hog_run(weights.hog_detector(), image, upsample, floor) for image in images[::2]]
    found = theirs.result()
    return [found[i // 2] if i % 2 else ours[i // 2] for i in range(len(images))]


def _hog_run(model: weights.LoadedModel, image: np.ndarray, upsample: int, floor: float) -> tuple[list, list, list]:
    with model.lock:
        return model.model.run(image, upsample, floor)


def _detect_hog(rgb: np.ndarray, config: EngineConfig) -> list[Detection]:
    """dlib's HOG on a luminance copy scaled by :func:`analysis_scale`.

    Luminance: dlib's colour HOG takes the strongest channel gradient per pixel, which
    costs about 1.6x more for near-identical detections. An edge-replicated border
    gives faces cut by the image's edge the context the detector's window needs.
    """
    height, width = rgb.shape[:2]
    scale = analysis_scale(width, height, config)
    grey = np.pad(_resize(rgb, scale, grey=True), HOG_PAD, mode="edge")
    sy, sx = height / (grey.shape[0] - 2 * HOG_PAD), width / (grey.shape[1] - 2 * HOG_PAD)
    floor = config.score_floor
    rects, scores, _ = _hog_run(weights.hog_detector(), grey, 0, floor)
    return [
        Detection(
            (r.left() - HOG_PAD) * sx,
            (r.top() - HOG_PAD) * sy,
            (r.right() + 1 - HOG_PAD) * sx,
            (r.bottom() + 1 - HOG_PAD) * sy,
            float(s),
        )
        for r, s in zip(rects, scores)
        if s >= floor
    ]


def _resize(rgb: np.ndarray, scale: float, grey: bool = False) -> np.ndarray:
    image = Image.fromarray(rgb)
    if grey:
        image = image.convert("L")
    if abs(scale - 1.0) >= 1e-3:
        height, width = rgb.shape[:2]
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        resample = Image.Resampling.BILINEAR if scale > 1 else Image.Resampling.BOX
        image = image.resize(size, resample)
    return np.asarray(image)
