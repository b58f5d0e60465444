"""128-d face descriptors: dlib's face-recognition ResNet on onnxruntime.

The face is cut out as dlib's ``compute_face_descriptor`` does it: a 150×150 chip
aligned on the 68 landmarks (rounded to whole pixels) with 25% padding, as
``dlib.get_face_chip`` cut it (:mod:`.chips` does it in numpy), normalised as
``(pixel - mean) / 256``; the network maps it to 128 numbers. Descriptors are not
normalised (their lengths are 1.3-1.6); the Euclidean distance between two of them is
small for the same person (dlib's threshold is 0.6).
"""

from __future__ import annotations

import numpy as np

from . import chips

CHIP_SIZE = 150
CHIP_PADDING = 0.25


def face_chip(rgb: np.ndarray, landmarks: np.ndarray,
              size: int = CHIP_SIZE, padding: float = CHIP_PADDING) -> np.ndarray:
    """The aligned ``size×size×3`` uint8 chip of one face (``landmarks``: 68×2, pixels)."""
    return chips.face_chip(np.ascontiguousarray(rgb), np.round(np.asarray(landmarks, dtype=np.float64)), size, padding)


class ResNetEncoder:
    """Chips to descriptors, batched. Thread-safe (onnxruntime sessions are)."""

    def __init__(self, mean, session) -> None:
        self.mean = np.asarray(mean, dtype=np.float32)  # per channel, subtracted from the chip's pixels
        self.session = session

    def encode(self, chips: list[np.ndarray]) -> np.ndarray:
        """Descriptors (``N×128`` float32) of ``N`` aligned chips."""
        if not chips:
            return np.zeros((0, 128), dtype=np.float32)
        batch = (np.stack(chips).astype(np.float32) - self.mean) * np.float32(1 / 256)
        return self.session.run(None, {"image": batch.transpose(0, 3, 1, 2)})[0].astype(np.float32)
