"""MediaPipe's face mesh and blendshapes (Apache-2.0), as one ONNX network.

``scripts/convert_face_landmarker.py`` converts the two TensorFlow Lite networks of
MediaPipe's Face Landmarker task once and the result ships in ``vision/data/`` beside
MediaPipe's licence. The mesh network sees a 256×256 crop of the face, turned so that the
eyes are level, and answers 478 landmarks and a face presence logit; the blendshape network
turns 146 of those landmarks into 52 scores in [0, 1] that an animator would set to
reproduce the face (``eyeBlinkLeft``, ``jawOpen``, ``mouthSmileLeft``...), each learnt from
faces labelled for it.

MediaPipe places the crop around a face from the previous frame's mesh: the box of its
landmarks, turned to the line through the outer eye corners, its longer side taken and
grown 1.5 times. Here the face and its 68 landmarks are already known, so the crop is cut
from them (:func:`crop_of`): the box of the 68 points in the face's own upright frame,
raised by :data:`FOREHEAD` of its height for the forehead the mesh covers and the 68 do
not, then its longer side grown :data:`GROWTH` times and its centre moved down by
:data:`DROP` of that side. The two constants make the crop the one MediaPipe would cut
from the mesh itself (over 43 faces of the development photos the mesh's own box differs
from this one by 3 % in size and 2 % in position, standard deviations).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import chips, geometry

FOREHEAD = 0.3
GROWTH = 1.5 * 0.94
DROP = 0.019


@dataclass(frozen=True)
class MeshFace:
    """What the face mesh says of one face."""

    presence: float  # the mesh network's probability that the crop holds a face
    blendshapes: dict[str, float]  # the 52 scores, 0-1
    lip_gap: float  # the gap between the inner lips over the mouth's width
    mouth_gap_68: float  # the gap between the inner lips over their width, from the 68 landmarks
    regions: dict[str, float]  # measures of regions the mesh places (:func:`region_measures`)


def crop_of(points: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Centre (x, y), side and angle (radians, the eye line's) of the mesh's crop of a face
    with 68 landmarks ``points`` (pixels)."""
    left, right = points[36:42].mean(axis=0), points[42:48].mean(axis=0)
    angle = math.atan2(right[1] - left[1], right[0] - left[0])
    cos, sin = math.cos(angle), math.sin(angle)
    turn = np.array([[cos, -sin], [sin, cos]])  # upright frame -> image
    origin = points.mean(axis=0)
    upright = (points - origin) @ turn  # image -> upright frame
    (x0, y0), (x1, y1) = upright.min(axis=0), upright.max(axis=0)
    y0 -= FOREHEAD * (y1 - y0)
    side = GROWTH * max(x1 - x0, y1 - y0)
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2 + DROP * side])
    return turn @ centre + origin, side, angle


class FaceMeshNet:
    """The converted network and its session. Thread-safe."""

    def __init__(self) -> None:
        from . import onnx_nets

        model = onnx_nets.shipped("face_landmarker.onnx")
        self.session = onnx_nets.session_from_bytes(model)
        meta = self.session.get_modelmeta().custom_metadata_map
        self.names = tuple(meta["blendshape_names"].split(","))
        self.size = int(meta["mesh_size"])

    def chip(self, rgb: np.ndarray, points: np.ndarray) -> np.ndarray:
        """The ``size×size×3`` crop the mesh network sees of the face with 68 ``points``."""
        (cx, cy), side, angle = crop_of(points)
        return chips.extract_chip(np.ascontiguousarray(rgb), chips.centred_chip((cx, cy), side, self.size, angle))

    def analyse(self, rgb: np.ndarray, faces: list[tuple[tuple[float, float, float, float], np.ndarray]]) -> list[MeshFace]:
        """The mesh's reading of each face, given as (box, 68 landmarks) in ``rgb``'s pixels (one batch)."""
        if not faces:
            return []
        chips = [self.chip(rgb, points) for _, points in faces]
        landmarks, presence, shapes = self.session.run(None, {"image": np.stack(chips).astype(np.float32) / 255.0})
        out = []
        for (_, points), chip, mesh, logit, scores in zip(faces, chips, landmarks, presence[:, 0], shapes):
            out.append(MeshFace(
                presence=float(1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, float(logit)))))),
                blendshapes={name: float(v) for name, v in zip(self.names, scores)},
                lip_gap=_gap(mesh, 13, 14, 78, 308),
                mouth_gap_68=geometry.mouth_opening(points),
                regions=region_measures(chip, mesh),
            ))
        return out


def _gap(mesh: np.ndarray, top: int, bottom: int, left: int, right: int) -> float:
    """Distance between two mesh points over the distance between two others (in the crop)."""
    return float(np.linalg.norm(mesh[top, :2] - mesh[bottom, :2]) / max(1e-6, np.linalg.norm(mesh[left, :2] - mesh[right, :2])))



# Regions of the crop named by mesh landmarks (the box around the listed points): the cheeks
# are the face's own skin, the others are where glasses' frames and facial hair show.
REGIONS = {
    "cheeks": ((50, 101, 118, 205), (280, 330, 347, 425)),
    "bridge": ((168, 6, 193, 417),),  # the top of the nose between the eyes: a frame's bridge
    "temples": ((127, 162, 21, 34), (356, 389, 251, 264)),  # beside the eyes: a frame's arms
    "philtrum": ((2, 98, 327, 0, 37, 267),),  # between the nose and the upper lip: a mustache
    "chin": ((17, 84, 314, 152, 148, 377),),  # under the lower lip: a beard
    "nose": ((4, 5, 195, 48, 278),),  # under a mask, its colour is the mask's
    "forehead": ((151, 108, 337, 9),),  # skin that a mask leaves bare
}


def region_measures(chip: np.ndarray, mesh: np.ndarray) -> dict[str, float]:
    """Brightness, colour and edges of :data:`REGIONS` of the crop ``chip``, each over the
    cheeks' (so that lighting and skin tone cancel out): ``<region>_brightness`` (mean grey),
    ``<region>_saturation`` (mean of each pixel's largest channel less its smallest),
    ``<region>_edges`` (mean absolute gradient, both directions) and ``<region>_across``
    (mean absolute vertical gradient: horizontal edges; the crop is upright, eyes level);
    and ``<region>_redness``, the mean of each pixel's (R − G) / (R + G + B + 1), as it is."""
    image = chip.astype(np.float32)
    grey = image @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    gy, gx = np.gradient(grey)
    saturation = image.max(axis=2) - image.min(axis=2)
    redness = (image[..., 0] - image[..., 1]) / (image.sum(axis=2) + 1.0)
    size = chip.shape[0]
    stats = {}
    for name, parts in REGIONS.items():
        values = []
        for points in parts:
            xy = mesh[list(points), :2]
            x0, y0 = np.clip(np.floor(xy.min(axis=0)).astype(int), 0, size - 1)
            x1, y1 = np.clip(np.ceil(xy.max(axis=0)).astype(int), 0, size - 1)
            box = (slice(y0, y1 + 1), slice(x0, x1 + 1))
            values.append((float(grey[box].mean()), float(saturation[box].mean()),
                           float((np.abs(gx[box]) + np.abs(gy[box])).mean()), float(np.abs(gy[box]).mean()),
                           float(redness[box].mean())))
        stats[name] = np.mean(values, axis=0)
    skin, skin_saturation = max(1.0, stats["cheeks"][0]), max(1.0, stats["cheeks"][1])
    out = {}
    for name, (brightness, sat, edges, across, red) in stats.items():
        out.update({f"{name}_brightness": brightness / skin, f"{name}_saturation": sat / skin_saturation,
                    f"{name}_edges": edges / skin, f"{name}_across": across / skin, f"{name}_redness": red})
    return out
