"""Level crops: a rectangle of the image around a face, turned so that the eyes lie level."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image


def eye_angle(points: np.ndarray) -> float:
    """The angle (radians) of the line from the centre of 68-landmark points 36-41 to that of 42-47."""
    a, b = points[36:42].mean(axis=0), points[42:48].mean(axis=0)
    return math.atan2(b[1] - a[1], b[0] - a[0])


def level_patch(rgb: np.ndarray, centre: tuple[float, float], angle: float, half_width: float, half_height: float,
                width: int, height: int) -> np.ndarray:
    """The ``2·half_width × 2·half_height`` rectangle centred at ``centre`` and turned by
    ``angle`` (radians, as :func:`eye_angle`), resampled to ``height×width×3`` (black beyond the image)."""
    c, s = math.cos(angle), math.sin(angle)
    sx, sy = 2 * half_width / width, 2 * half_height / height
    # The output pixel (u, v) reads the image at centre + R(angle) · ((u, v) - the output's centre) · scale.
    a, b, d, e = c * sx, -s * sy, s * sx, c * sy
    x0 = centre[0] - a * width / 2 - b * height / 2
    y0 = centre[1] - d * width / 2 - e * height / 2
    patch = Image.fromarray(rgb).transform((width, height), Image.Transform.AFFINE, (a, b, x0, d, e, y0),
                                           resample=Image.Resampling.BILINEAR)
    return np.asarray(patch)


def level_points(points: np.ndarray, centre: tuple[float, float], angle: float) -> np.ndarray:
    """``points`` in the frame of a patch turned by ``angle`` about ``centre`` (relative to the centre)."""
    c, s = math.cos(angle), math.sin(angle)
    rel = points - np.asarray(centre)
    return np.stack([rel[:, 0] * c + rel[:, 1] * s, -rel[:, 0] * s + rel[:, 1] * c], axis=1)


def level_crop(rgb: np.ndarray, box: tuple[float, float, float, float], points: np.ndarray, size: int,
               margin: float) -> np.ndarray:
    """The face box widened by ``margin`` on each side, turned about its centre so that the
    eyes lie level, as a ``size×size×3`` RGB array (black beyond the image). The box is
    upright in the image: for a face lying on its side its width is the face's height."""
    left, top, right, bottom = box
    centre = ((left + right) / 2, (top + bottom) / 2)
    angle = eye_angle(points)
    across, down = right - left, bottom - top
    if abs(math.sin(angle)) > abs(math.cos(angle)):
        across, down = down, across
    return level_patch(rgb, centre, angle, across * (0.5 + margin), down * (0.5 + margin), size, size)
