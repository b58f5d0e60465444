"""Similarity (0–100) from the Euclidean distance between two 128-d face descriptors."""

from __future__ import annotations

import numpy as np

SAME_PERSON_DISTANCE = 0.6  # dlib's recommended same-person threshold
SIMILARITY_AT_THRESHOLD = 80.0  # Rekognition's default SimilarityThreshold
STEEPNESS = 6


def similarity_from_distance(distance: float | np.ndarray) -> float | np.ndarray:
    """Map descriptor distance ``d`` to a Rekognition-style similarity, 0–100.

    ``similarity = 100 / (1 + 0.25 · (d / 0.6) ** 6)``: a monotonically decreasing
    curve with d = 0 → 100, d = 0.3 → 99.6, d = 0.45 → 95.7, d = 0.6 → 80 (dlib's
    same-person threshold lands on Rekognition's default threshold), d = 0.7 → 61.3,
    d = 0.8 → 41.6, d = 1.0 → 15.7. Accepts a scalar or an array.
    """
    d = np.clip(np.asarray(distance, dtype=np.float64), 0.0, None)
    odds = 100.0 / SIMILARITY_AT_THRESHOLD - 1.0  # 0.25
    sim = 100.0 / (1.0 + odds * (d / SAME_PERSON_DISTANCE) ** STEEPNESS)
    if np.ndim(sim) == 0:
        return float(sim)
    return sim


def distance_for_similarity(similarity: float) -> float:
    """The inverse: the largest distance whose similarity is at least ``similarity``."""
    if similarity <= 0:
        return float("inf")
    if similarity >= 100:
        return 0.0
    odds = 100.0 / SIMILARITY_AT_THRESHOLD - 1.0
    return SAME_PERSON_DISTANCE * ((100.0 / similarity - 1.0) / odds) ** (1.0 / STEEPNESS)
