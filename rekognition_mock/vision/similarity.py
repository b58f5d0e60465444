"""Similarity (0–100) from the Euclidean distance between two 128-d face descriptors.

Calibrated so that scores read like Amazon Rekognition's: AWS recommends a threshold
of 99 for identity verification, and different photos of one person usually score
above it, while strangers score low. Measured with dlib's descriptors on the
development photos (``bench/similarity.py``): different photos of one person lie at
distances 0.08–0.57, strangers at 0.69 and more (except pairs of East Asian faces,
where dlib's descriptor is known to be weaker: 0.54–0.57 between a man and a woman).
"""

from __future__ import annotations

import math

import numpy as np

MIDPOINT_DISTANCE = 0.66  # similarity 50
STEEPNESS = 60.0  # per unit of distance


def similarity_from_distance(distance: float | np.ndarray) -> float | np.ndarray:
    """Map descriptor distance ``d`` to a Rekognition-style similarity, 0–100.

    ``similarity = 100 / (1 + exp(60 · (d − 0.66)))``: a decreasing logistic curve with
    d = 0 → 100.0, d = 0.5 → 99.99, d = 0.57 → 99.5, d = 0.583 → 99 (AWS's
    identity-verification threshold), d = 0.6 → 97.3 (dlib's same-person threshold),
    d = 0.637 → 80 (Rekognition's default threshold), d = 0.66 → 50, d = 0.69 → 14,
    d = 0.8 → 0.02. Accepts a scalar or an array.
    """
    d = np.clip(np.asarray(distance, dtype=np.float64), 0.0, None)
    sim = 100.0 / (1.0 + np.exp(np.minimum(STEEPNESS * (d - MIDPOINT_DISTANCE), 700.0)))
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
    return max(0.0, MIDPOINT_DISTANCE + math.log(100.0 / similarity - 1.0) / STEEPNESS)
