"""The 68 iBUG landmarks of a face from dlib's shape predictor (run by numpy, :mod:`.shape_cascade`).

They are checked by dlib's HOG detector where the predictor goes wrong: heads tilted past
about 30° (found again turned upright) and faces seen from the side (found again in HOG's
side filter's box); and the mirror image's landmarks, which steady head pose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import geometry, hog, weights


def landmarks_68(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The 68 iBUG landmarks of the face in ``box`` (left, top, right, bottom), ``68×2``."""
    left, top, right, bottom = box
    inside = (round(left), round(top), round(right) - 1, round(bottom) - 1)  # dlib's rectangle: right and bottom inside
    return weights.shape_predictor_68().model.predict(rgb, inside).astype(np.float64)


TILT_CHECK_ROLL = 15.0  # landmarks leaning more than this (degrees) are checked against HOG's vote
TILT_ANGLES = tuple(range(-75, 76, 15))  # the turns of the face's surroundings HOG votes on
TILT_MARGIN = 1.0  # how much better than the landmarks' own angle the vote must score
TILT_FACE = 100  # the face's side (pixels) in the copies HOG votes on


def _surroundings(rgb: np.ndarray, box: tuple[float, float, float, float]):
    """The face in ``box`` with its surroundings, for HOG to look at: the square of twice the
    face's side about its centre (cut by the image's edges) as a Pillow RGB image, its corner
    ``x0, y0`` in ``rgb``, the ``scale`` that makes the face :data:`TILT_FACE` px, and the
    square's grey copy at that scale."""
    from PIL import Image

    left, top, right, bottom = box
    cx, cy = (left + right) / 2, (top + bottom) / 2
    side = max(right - left, bottom - top)
    height, width = rgb.shape[:2]
    x0, y0 = max(0, int(cx - side)), max(0, int(cy - side))
    x1, y1 = min(width, int(math.ceil(cx + side))), min(height, int(math.ceil(cy + side)))
    around = Image.fromarray(np.ascontiguousarray(rgb[y0:y1, x0:x1]))
    scale = TILT_FACE / side
    small = around.convert("L").resize((max(1, round(around.width * scale)), max(1, round(around.height * scale))))
    return around, x0, y0, scale, small


def untilted_landmarks_68(rgb: np.ndarray, box: tuple[float, float, float, float], points: np.ndarray) -> np.ndarray:
    """``points`` (the 68 landmarks found in ``box``), or, for a head tilted so far that the
    shape predictor misplaced them, the landmarks found with the head turned upright.

    The shape predictor expects a face within about 30° of upright; on a head tilted further
    it returns a face-shaped guess that leans the wrong way. When the landmarks lean by more
    than :data:`TILT_CHECK_ROLL`, dlib's HOG detector (which answers only to near-upright
    faces, the face scaled to :data:`TILT_FACE` px) scores the face's surroundings turned by
    each of :data:`TILT_ANGLES`; if a turn of 30° or more scores :data:`TILT_MARGIN` better
    than the turn that would level the landmarks, the landmarks are found again on the face
    turned by it and turned back. Faces leaning less are left exactly as they were.
    """
    from PIL import Image

    roll = geometry.eye_line_roll(points)
    if abs(roll) < TILT_CHECK_ROLL:
        return points
    left, top, right, bottom = box
    cx, cy = (left + right) / 2, (top + bottom) / 2
    around, x0, y0, scale, small = _surroundings(rgb, box)
    centre = (cx - x0, cy - y0)
    small_centre = (centre[0] * scale, centre[1] * scale)
    turned = [np.ascontiguousarray(np.asarray(small.rotate(angle, resample=Image.BILINEAR, center=small_centre))) for angle in TILT_ANGLES]

    def vote(rects, scores, _) -> float:
        near = [sc for r, sc in zip(rects, scores)
                if abs((r.left() + r.right()) / 2 - small_centre[0]) < TILT_FACE * 0.4
                and abs((r.top() + r.bottom()) / 2 - small_centre[1]) < TILT_FACE * 0.4]
        return max(near, default=-math.inf)

    own = min(TILT_ANGLES, key=lambda a: abs(a - roll))  # the turn (counter-clockwise) that levels the landmarks
    votes = {angle: vote(*found) for angle, found in zip(TILT_ANGLES, hog.hog_runs(turned, 0, -1.0))}
    best = max(votes, key=votes.__getitem__)
    if abs(best) < 30 or votes[best] - votes[own] < TILT_MARGIN:
        return points
    turned = np.ascontiguousarray(np.asarray(around.rotate(best, resample=Image.BILINEAR, center=centre)))
    found = landmarks_68(turned, (left - x0, top - y0, right - x0, bottom - y0)) - centre
    # PIL turned the pixels counter-clockwise by ``best``: turn the points back clockwise
    a = math.radians(best)
    cos, sin = math.cos(a), math.sin(a)
    back = np.stack([found[:, 0] * cos - found[:, 1] * sin, found[:, 0] * sin + found[:, 1] * cos], axis=1)
    return back + (cx, cy)


REFIT_EYES = 0.5  # a side view's landmarks replace the CNN box's when their eyes are this much darker
SIDE_CHECK_YAW = 20.0  # faces the landmarks turn further than this (degrees) are checked by HOG
SIDE_MARGIN = 1.5  # how much HOG's filter for one side must outscore the other's to overrule


@dataclass(frozen=True)
class SideView:
    """A face HOG's side filter found, read in HOG's box: pose, the box and the 68 landmarks."""

    yaw: float
    pitch: float
    box: tuple[float, float, float, float]
    landmarks: np.ndarray


def side_view_yaw(rgb: np.ndarray, box: tuple[float, float, float, float], yaw: float) -> float:
    """:func:`side_view`'s Yaw."""
    found = side_view(rgb, box, yaw)
    return found.yaw if isinstance(found, SideView) else found


def side_view(rgb: np.ndarray, box: tuple[float, float, float, float], yaw: float) -> float | SideView:
    """``yaw`` (from the landmarks), read again for a face dlib's HOG detector clearly sees
    from the side.

    The shape predictor places a strongly turned face's landmarks badly in the CNN's box
    (too little turn, sometimes the wrong way); it was trained on HOG's boxes. dlib's HOG
    face detector is five filters, two of them trained on faces turned to one side and to
    the other. For a face the landmarks turn by more than :data:`SIDE_CHECK_YAW`, the face
    (scaled to :data:`TILT_FACE` px) and its mirror image are scored: the filter for the
    image's left on the face and for the image's right on the mirror say "turned left", the
    other two "turned right". When one side outscores the other by :data:`SIDE_MARGIN`, the
    landmarks are found again in the winning filter's box and returned as a
    :class:`SideView`, with the pose read from them and their mirror image's; if even those
    turn the face against HOG's side, ``yaw`` is returned with HOG's sign. Otherwise ``yaw``
    is returned as it is.
    """
    from PIL import Image

    if abs(yaw) < SIDE_CHECK_YAW:
        return yaw
    left, top, right, bottom = box
    cx, cy = (left + right) / 2, (top + bottom) / 2
    _, x0, y0, scale, small = _surroundings(rgb, box)
    centre = ((cx - x0) * scale, (cy - y0) * scale)
    floor = -2.0
    best: dict[str, tuple[float, tuple[float, float, float, float] | None]] = {"left": (floor, None), "right": (floor, None)}
    views = [np.ascontiguousarray(np.asarray(image)) for image in (small, small.transpose(Image.Transpose.FLIP_LEFT_RIGHT))]
    for mirrored, (rects, scores, filters) in zip((False, True), hog.hog_runs(views, 1, floor)):
        at = (small.width - centre[0], centre[1]) if mirrored else centre
        for r, score, index in zip(rects, scores, filters):
            if abs((r.left() + r.right()) / 2 - at[0]) > TILT_FACE * 0.45 or abs((r.top() + r.bottom()) / 2 - at[1]) > TILT_FACE * 0.45:
                continue
            if int(index) not in (1, 2):  # dlib's filter 1 looks to the image's left, 2 to its right
                continue
            side = "left" if (int(index) == 1) != mirrored else "right"
            x0s, x1s = (small.width - r.right() - 1, small.width - r.left()) if mirrored else (r.left(), r.right() + 1)
            found = (x0 + x0s / scale, y0 + r.top() / scale, x0 + x1s / scale, y0 + (r.bottom() + 1) / scale)
            if score > best[side][0]:
                best[side] = (score, found)
    evidence = best["right"][0] - best["left"][0]
    if abs(evidence) < SIDE_MARGIN:
        return yaw
    # the winning side scored above the floor, so its filter found a box: the shape
    # predictor was trained on HOG's boxes, read the face again in this one
    side_box = best["right" if evidence > 0 else "left"][1]
    assert side_box is not None
    points = landmarks_68(rgb, side_box)
    _, side_yaw, side_pitch = geometry.head_pose((points + mirrored_landmarks_68(rgb, side_box)) / 2)
    if (side_yaw > 0) == (evidence > 0):
        return SideView(side_yaw, side_pitch, side_box, points)
    return -yaw if (evidence > 0) != (yaw > 0) else yaw


# iBUG-68 index of each point's mirror image (the left eye's outer corner is the right eye's).
MIRROR_68 = (
    tuple(range(16, -1, -1)) + tuple(range(26, 16, -1)) + (27, 28, 29, 30) + (35, 34, 33, 32, 31)
    + (45, 44, 43, 42, 47, 46) + (39, 38, 37, 36, 41, 40)
    + (54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55) + (64, 63, 62, 61, 60, 67, 66, 65)
)


def mirrored_landmarks_68(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The 68 landmarks found on the mirror image of the face in ``box``, mirrored back and
    renumbered, in ``rgb``'s coordinates.

    Head pose is read from the mean of these and :func:`landmarks_68`'s: the shape predictor
    is not exactly symmetric, and averaging the two makes a mirrored photo give the opposite
    Yaw, as it should, and steadies the strongly turned faces it places less well.
    """
    left, top, right, bottom = box
    height, width = rgb.shape[:2]
    margin = (right - left) / 2
    x0, x1 = max(0, int(math.floor(left - margin))), min(width, int(math.ceil(right + margin)))
    y0, y1 = max(0, int(math.floor(top - margin))), min(height, int(math.ceil(bottom + margin)))
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1][:, ::-1])
    span = x1 - x0
    points = landmarks_68(crop, (span - (right - x0), top - y0, span - (left - x0), bottom - y0))
    points[:, 0] = span - points[:, 0] - 1 + x0
    points[:, 1] += y0
    return points[list(MIRROR_68)]
