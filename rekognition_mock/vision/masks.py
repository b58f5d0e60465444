"""Masks from a trained detector: the masked-face model of Ultra-Light-Fast-Generic-Face-
Detector-1MB (MIT; ``masked_face/pretrained/RFB-640-masked_face-v2.onnx``, SHA-256
``27ca3e59…beca8``), taught on WIDER FACE and MAFA's masked faces to find faces and to tell
a face from a masked face. It ships as published in ``vision/data/`` with its licence.

The detector reads a 640×480 image (RGB, ``(pixel − 127) / 128``) and scores each of its
17,640 anchor boxes as background, face or masked face. Each face is shown to it alone: the
face box widened by :data:`MARGIN` on each side, turned so that the eyes lie level, on a
480×480 square in the middle of a black 640×480 image. Of the anchors centred on the face
and at least a fifth of the image wide, the one most sure it holds a face (of either kind)
answers: the face's probability of a mask is that anchor's masked-face score over its two
face scores, drawn towards 0.5 (no opinion) as far as the anchor doubts there is a face at
all (``0.5 + s · (r − 0.5)``, ``s`` the sum of its two face scores, ``r`` the share). :mod:`.mesh_attributes` weighs it into ``FaceOccluded``.
"""

from __future__ import annotations

import numpy as np

from .crops import level_crop

WIDTH, HEIGHT = 640, 480
MARGIN = 0.3  # of the face box's width and height on each side (chosen on the tuning half)
CENTRE = (0.15, 0.2)  # how far (of the image's width, height) an answering anchor's centre may lie from the middle
LEAST_WIDTH = 0.2


class MaskNet:
    """The detector and its session. Thread-safe."""

    def __init__(self) -> None:
        from . import onnx_nets

        model = onnx_nets.shipped("masked_face_rfb640.onnx")
        self.session = onnx_nets.session_from_bytes(model)

    def probabilities(self, rgb: np.ndarray, faces: list[tuple[tuple[float, float, float, float], np.ndarray]]) -> list[float]:
        """Each face's probability of a mask, given as (box, 68 landmarks) in ``rgb``'s pixels."""
        out = []
        for box, points in faces:
            canvas = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
            left = (WIDTH - HEIGHT) // 2
            canvas[:, left:left + HEIGHT] = level_crop(rgb, box, points, HEIGHT, MARGIN)
            x = ((canvas.astype(np.float32) - 127.0) / 128.0).transpose(2, 0, 1)[None]
            scores, boxes = (v[0] for v in self.session.run(None, {"input": np.ascontiguousarray(x)}))
            cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
            near = (np.abs(cx - 0.5) < CENTRE[0]) & (np.abs(cy - 0.5) < CENTRE[1]) & (boxes[:, 2] - boxes[:, 0] > LEAST_WIDTH)
            if not near.any():
                out.append(0.5)  # the detector sees no face here: no opinion
                continue
            face, masked = scores[near, 1].astype(np.float64), scores[near, 2].astype(np.float64)
            best = int(np.argmax(face + masked))
            sure = face[best] + masked[best]  # how sure the anchor is that it holds a face at all
            out.append(float(0.5 + sure * (masked[best] / max(1e-9, sure) - 0.5)))
        return out
