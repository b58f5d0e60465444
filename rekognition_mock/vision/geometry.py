"""Geometry from the 68 iBUG landmarks: head pose and named points."""

from __future__ import annotations

import math

import numpy as np

# A generic 3-D face (millimetres, x to the subject's left as seen in the image's
# right, y up, z towards the camera), at the iBUG indices below. Widely published
# anthropometric averages; only their proportions matter for the fit.
_MODEL_INDICES = np.array([30, 8, 36, 45, 48, 54, 27, 33, 39, 42])
_MODEL_POINTS = np.array(
    [
        [0.0, 0.0, 0.0],  # nose tip
        [0.0, -63.6, -12.5],  # chin
        [-43.3, 32.7, -26.0],  # outer corner, image-left eye
        [43.3, 32.7, -26.0],  # outer corner, image-right eye
        [-28.9, -28.9, -24.1],  # mouth corner, image-left
        [28.9, -28.9, -24.1],  # mouth corner, image-right
        [0.0, 34.0, -20.0],  # nose bridge, between the eyes
        [0.0, -8.0, -10.0],  # base of the nose
        [-14.0, 32.0, -24.0],  # inner corner, image-left eye
        [14.0, 32.0, -24.0],  # inner corner, image-right eye
    ]
)


def head_pose(points: np.ndarray) -> tuple[float, float, float]:
    """Roll, yaw and pitch in degrees from 68 landmarks (``68×2``, image pixels).

    Fits a scaled orthographic projection of the generic 3-D face by least squares,
    orthonormalises the rotation and reads Euler angles from it. Roll is positive when
    the face leans clockwise in the image, yaw positive when the face turns towards the
    image's right, pitch positive when the face looks up.
    """
    image = points[_MODEL_INDICES].astype(np.float64)
    image = image * np.array([1.0, -1.0])  # y up, like the model
    model = _MODEL_POINTS - _MODEL_POINTS.mean(axis=0)
    image = image - image.mean(axis=0)
    # image ≈ model @ M, M is 3×2 = scale * first two rows of R, transposed
    m, *_ = np.linalg.lstsq(model, image, rcond=None)
    r1, r2 = m[:, 0], m[:, 1]
    s1, s2 = np.linalg.norm(r1), np.linalg.norm(r2)
    if s1 < 1e-9 or s2 < 1e-9:
        return 0.0, 0.0, 0.0
    r1, r2 = r1 / s1, r2 / s2
    r2 = r2 - r1 * np.dot(r1, r2)
    r2 /= np.linalg.norm(r2)
    r3 = np.cross(r1, r2)
    rot = np.vstack([r1, r2, r3])
    pitch = math.degrees(math.atan2(rot[1, 2], rot[2, 2]))  # positive: looking up
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, rot[0, 2]))))
    return eye_line_roll(points), yaw, pitch  # the eye line gives a steadier roll than the fit


def face_box(detected: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Left, top, right, bottom of the whole face, Rekognition-style, from the detector's box.

    dlib's box is a tight square from the brows to the lower lip. Rekognition's box is
    as wide but taller: it reaches the chin and the forehead. The square is extended by
    12% of its side downwards and 10% upwards (a box about 1.22 times as tall as wide,
    the proportion of Rekognition's face boxes). The detector's box stays reliable for
    faces cut by the image's edge, where the landmarks are squeezed inside the image.
    """
    left, top, right, bottom = detected
    side = bottom - top
    return left, top - 0.10 * side, right, bottom + 0.12 * side


def eye_line_roll(points: np.ndarray) -> float:
    """Angle of the line through the two eye centres, degrees, clockwise positive."""
    left = points[36:42].mean(axis=0)
    right = points[42:48].mean(axis=0)
    return math.degrees(math.atan2(right[1] - left[1], right[0] - left[0]))


def eye_aspect_ratio(points: np.ndarray) -> float:
    """Mean eye opening (height / width) of both eyes; about 0.3 open, below 0.15 shut."""

    def one(eye: np.ndarray) -> float:
        width = np.linalg.norm(eye[0] - eye[3])
        height = (np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])) / 2
        return float(height / width) if width > 0 else 0.0

    return (one(points[36:42]) + one(points[42:48])) / 2


def mouth_opening(points: np.ndarray) -> float:
    """Gap between the inner lips relative to mouth width."""
    width = np.linalg.norm(points[60] - points[64])
    gap = np.linalg.norm(points[62] - points[66])
    return float(gap / width) if width > 0 else 0.0


def centred(source: np.ndarray) -> tuple[np.ndarray, float]:
    """``source`` (N×2, float64) less its mean, and its mean squared distance from the mean:
    what :func:`similarity_transform` needs of a source, computed once for one used often."""
    ds = source - source.mean(axis=0)
    return ds, float((ds * ds).sum(axis=1).mean())


def similarity_transform(source: np.ndarray, target: np.ndarray,
                         source_centred: tuple[np.ndarray, float] | None = None) -> np.ndarray:
    """The 2×2 part (scale times rotation) of the least-squares similarity transform from the
    points ``source`` to ``target`` (N×2, float64), Umeyama's solution as dlib's
    ``find_similarity_transform`` computes it (an SVD of the covariance). ``source_centred``
    is :func:`centred` of ``source`` when the caller keeps it."""
    ds, sigma_s = centred(source) if source_centred is None else source_centred
    dt = target - target.mean(axis=0)
    cov = dt.T @ ds / len(source)
    u, d, vt = np.linalg.svd(cov)
    det = np.linalg.det(cov)
    if det < 0 or (det == 0 and np.linalg.det(u) * np.linalg.det(vt) < 0):
        s = np.ones(2)
        s[1 if d[1] < d[0] else 0] = -1.0
        rotation, spread = u @ np.diag(s) @ vt, float((d * s).sum())
    else:  # the common case, without the identity's products
        rotation, spread = u @ vt, float(d.sum())
    scale = 1.0 if sigma_s == 0 else spread / sigma_s
    return scale * rotation
