"""Glasses from a trained classifier: Igor Slinko's glasses_detector (Apache-2.0), a
MobileNetV3-Small taught on the faces of Kaggle's "glasses or no glasses" set, converted
once to ONNX by ``scripts/convert_glasses_model.py`` and shipped in ``vision/data/`` with
its licence.

It sees the band of the face from the eyebrows to the tip of the nose (68-landmark points
17-26 and 31-35), widened by a third of its width on each side, as its publication cuts it;
here the band is also turned so that the eyes lie level. The crop is resized to 128×64 RGB
with values 0-255, and the network answers one number, negative for glasses: its negation
is the log-odds of glasses that :mod:`.mesh_attributes` weighs with the frame's edges.

The network was taught on large, sharp faces; its last layer's 1024 pooled features say
more than its one answer on the small and blurred faces of group photos.
:attr:`GlassesReading.readout` is a linear read-out of them (:data:`FEATURE_READOUTS`).

The face's 128-d descriptor (dlib's ResNet, :mod:`.descriptors`) also sees glasses: a
network taught to tell people apart learns what frames do to a face, on small and blurred
faces too, where the band above holds few pixels. :func:`descriptor_log_odds` is a linear
read-out of it (:data:`READOUTS`). Both read-outs are fitted on the attribute set's tuning
half by ``scripts/fit_attribute_models.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import crops, readouts

WIDTH, HEIGHT = 128, 64
BAND = list(range(17, 27)) + list(range(31, 36))  # eyebrows and the tip of the nose
WIDEN = 1 / 3  # of the band's width, on each side
READOUTS = "descriptor_readouts.npz"  # in vision/data: mean, scale, and the eyeglasses read-out's weights
FEATURE_READOUTS = "glasses_readouts.npz"  # in vision/data: the same, of the classifier's pooled features


@dataclass(frozen=True)
class GlassesReading:
    """What the glasses classifier says of one face."""

    log_odds: float  # its own answer: the log-odds of glasses
    readout: float  # the log-odds of glasses read from its pooled features (:data:`FEATURE_READOUTS`)


def descriptor_log_odds(descriptor: np.ndarray) -> float:
    """The log-odds of glasses read from a face's 128-d descriptor."""
    return float(readouts.log_odds(descriptor, READOUTS, "eyeglasses"))


def band(rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The level band the classifier reads, ``HEIGHT×WIDTH×3``."""
    angle = crops.eye_angle(points)
    centre = tuple(points[BAND].mean(axis=0))
    level = crops.level_points(points[BAND], centre, angle)
    (x0, y0), (x1, y1) = level.min(axis=0), level.max(axis=0)
    mid = ((x0 + x1) / 2, (y0 + y1) / 2)
    c, s = np.cos(angle), np.sin(angle)
    middle = (centre[0] + mid[0] * c - mid[1] * s, centre[1] + mid[0] * s + mid[1] * c)
    half_width = (x1 - x0) * (0.5 + WIDEN)
    return crops.level_patch(rgb, middle, angle, half_width, (y1 - y0) / 2, WIDTH, HEIGHT)


class GlassesNet:
    """The converted classifier and its session. Thread-safe."""

    def __init__(self) -> None:
        from . import onnx_nets

        model = onnx_nets.shipped("glasses_classifier.onnx")
        self.session = onnx_nets.session_from_bytes(model)

    def outputs(self, rgb: np.ndarray, faces: list[tuple[tuple[float, float, float, float], np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        """The network's logits (negative for glasses) and pooled features (``len(faces)×1024``)
        for faces given as (box, 68 landmarks) in ``rgb``'s pixels."""
        batch = np.stack([band(rgb, points) for _, points in faces]).astype(np.float32)
        logits, features = self.session.run(["logit", "features"], {"image": batch})
        return logits[:, 0], features

    def readings(self, rgb: np.ndarray, faces: list[tuple[tuple[float, float, float, float], np.ndarray]]) -> list[GlassesReading]:
        """What the classifier says of each face, given as (box, 68 landmarks) in ``rgb``'s pixels."""
        if not faces:
            return []
        logits, features = self.outputs(rgb, faces)
        read = readouts.log_odds(features, FEATURE_READOUTS, "eyeglasses")
        return [GlassesReading(-float(v), float(r)) for v, r in zip(logits, read)]
