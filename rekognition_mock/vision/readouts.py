"""Linear read-outs of a network's features, each shipped as ``vision/data/<file>``: the
features' ``mean`` and ``scale`` over the tuning half's faces and, per read-out, its weights
then its intercept (written by ``scripts/fit_attribute_models.py``). A read-out's answer is
the log-odds ``((x − mean) / scale) · w + b``."""

from __future__ import annotations

import functools
from importlib import resources

import numpy as np


@functools.lru_cache(maxsize=8)
def _arrays(file: str) -> dict[str, np.ndarray]:
    """The arrays of ``vision/data/<file>``, read when first needed."""
    with (resources.files("rekognition_mock.vision") / "data" / file).open("rb") as f, np.load(f) as stored:
        return {key: stored[key].astype(np.float64) for key in stored.files}


def log_odds(features: np.ndarray, file: str, name: str) -> np.ndarray:
    """The read-out ``name`` of ``file`` of each row of ``features`` (or of one vector)."""
    r = _arrays(file)
    z = (np.asarray(features, np.float64) - r["mean"]) / r["scale"]
    return z @ r[name][:-1] + r[name][-1]
