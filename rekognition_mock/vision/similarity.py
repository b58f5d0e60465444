"""Similarity (0–100) from the Euclidean distance between two 128-d face descriptors.

Calibrated so that scores read like Amazon Rekognition's. On AWS the identical image
scores 100, different photos of one person mostly score 97–99.9 (real captures: about
98.7–99.3), so that AWS's recommended identity-verification threshold of 99 is sometimes
missed, and strangers score low. Measured with dlib's descriptors on the development
photos (``bench/similarity.py``): the same photo resized or cut lies at distances
0.03–0.27, different photos of one person at 0.36–0.57 (median 0.38 over every pair,
0.47 over one pair per two photos), strangers at 0.68 and more.

The curve is a logistic of a score ``z`` that falls piecewise linearly with the distance
(:data:`KNOTS`): gently while photos of one person still agree (from 99.8 at 0.3 to 94.8
at 0.57), then steeply across the gap between one person and strangers.
"""

from __future__ import annotations

import math

import numpy as np

# (distance, z) knots: similarity = 100 / (1 + exp(-z)).
KNOTS = ((0.0, 20.0), (0.30, 6.3), (0.50, 4.0), (0.57, 2.9), (0.66, -0.5))
TAIL_SLOPE = -60.0  # dz per unit of distance beyond the last knot

_D = np.array([d for d, _ in KNOTS])
_Z = np.array([z for _, z in KNOTS])


def _score(d: np.ndarray) -> np.ndarray:
    return np.where(d <= _D[-1], np.interp(d, _D, _Z), _Z[-1] + TAIL_SLOPE * (d - _D[-1]))


def similarity_from_distance(distance: float | np.ndarray) -> float | np.ndarray:
    """Map descriptor distance ``d`` to a Rekognition-style similarity, 0–100.

    ``similarity = 100 / (1 + exp(−z(d)))`` with ``z`` through the :data:`KNOTS`:
    d = 0 → 100.0, d = 0.3 → 99.82, d = 0.448 → 99 (AWS's identity-verification
    threshold), d = 0.5 → 98.2, d = 0.57 → 94.8, d = 0.61 → 80 (Rekognition's default
    threshold), d = 0.66 → 37.8, d = 0.69 → 9.1, d = 0.8 → 0.01.
    Accepts a scalar or an array.
    """
    d = np.clip(np.asarray(distance, dtype=np.float64), 0.0, None)
    sim = 100.0 / (1.0 + np.exp(np.minimum(-_score(d), 700.0)))
    if np.ndim(sim) == 0:
        return float(sim)
    return sim


def distance_for_similarity(similarity: float) -> float:
    """The largest distance whose similarity is at least ``similarity`` (inverse of
    :func:`similarity_from_distance`); ``inf`` for 0 and below, 0 for 100 and above."""
    if similarity <= 0:
        return float("inf")
    if similarity >= 100:
        return 0.0
    z = math.log(similarity / (100.0 - similarity))
    if z >= _Z[0]:
        return 0.0
    if z < _Z[-1]:
        return float(_D[-1] + (z - _Z[-1]) / TAIL_SLOPE)
    return float(np.interp(z, _Z[::-1], _D[::-1]))
