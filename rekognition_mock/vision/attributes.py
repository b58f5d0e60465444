"""Facial attributes measured from the 68 landmarks and the pixels around them.

Everything here is measured on an aligned copy of the face (:func:`aligned_face`): dlib's
face chip, cut on the landmarks so that the eyes are level and the face has one size
whatever the photo, with the landmarks carried into it. Regions are then named by
landmarks (the skin under the eyes, the nose, the strip between the nose and the upper
lip, the chin), and each attribute compares one region with the face's own skin, so that
lighting and skin tone cancel out.

Age and gender (:mod:`.age_gender`), the expression (:mod:`.emotions`) and the face mesh
(:mod:`.face_mesh`) are trained networks; :mod:`.mesh_attributes` turns the mesh's outputs and
two of the measures here (:attr:`FaceAttributes.lip_strip`, :attr:`FaceAttributes.frame_bridge`)
into most yes/no answers. Nothing here runs unless an attribute that needs it is asked for
(:meth:`.engine.FaceEngine.add_attributes`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import chips

CHIP_SIZE = 320  # the aligned face measured here, in pixels (an eye is about 30 px wide)
CHIP_PADDING = 0.4  # room around dlib's landmark template: forehead, chin and jaw stay inside


@dataclass(frozen=True)
class Flag:
    """A yes/no attribute and how sure the estimate is (50–100)."""

    value: bool
    confidence: float


@dataclass(frozen=True)
class FaceAttributes:
    """The measured attributes of one face (the trained ones live elsewhere)."""

    sunglasses: Flag
    covered: Flag  # a covered mouth or a face cut by the image's edge
    lip_strip: float  # the strip above the upper lip (:meth:`_Face.upper_lip_strip`)
    frame_bridge: float  # edges across the nose between the eyes (:meth:`_Face.frame_bridge`)
    eye_yaw: float
    eye_pitch: float


def probability(f: Flag) -> float:
    """The probability of yes behind a Flag."""
    return f.confidence / 100.0 if f.value else 1.0 - f.confidence / 100.0


def logistic(z: float) -> float:
    """``1 / (1 + exp(-z))``, for log-odds from -∞ to ∞."""
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def logit(p: float, floor: float = 1e-4) -> float:
    """The log-odds of ``p``, which is first kept ``floor`` away from 0 and 1."""
    p = min(max(p, floor), 1.0 - floor)
    return math.log(p / (1.0 - p))


def flag(evidence: float) -> Flag:
    """Evidence in (-∞, ∞), positive meaning yes, to a Flag with logistic confidence."""
    p = logistic(evidence)
    return Flag(p >= 0.5, 100.0 * max(p, 1.0 - p))


def aligned_face(rgb: np.ndarray, points: np.ndarray,
                 size: int = CHIP_SIZE, padding: float = CHIP_PADDING) -> tuple[np.ndarray, np.ndarray]:
    """The aligned face chip (``size×size×3``) and the 68 landmarks carried into it.

    dlib's ``get_face_chip_details`` (:mod:`.chips`) fits its landmark template to points 17–67 and describes the
    chip as a rectangle of the image turned counter-clockwise by ``angle`` about its centre
    and stretched to ``size×size``; the landmarks go through the same turn and stretch.
    """
    details = chips.face_chip_details(np.round(np.asarray(points, dtype=np.float64)), size=size, padding=padding)
    chip = chips.extract_chip(np.ascontiguousarray(rgb), details)
    left, top, right, bottom = details.rect
    centre = np.array([(left + right) / 2, (top + bottom) / 2])
    cos, sin = math.cos(details.angle), math.sin(details.angle)
    turned = (points - centre) @ np.array([[cos, -sin], [sin, cos]])  # the image turned by angle
    scale = np.array([(details.cols - 1) / max(right - left, 1e-6), (details.rows - 1) / max(bottom - top, 1e-6)])
    return chip, turned * scale + (np.array([details.cols, details.rows]) - 1) / 2


def measure(rgb: np.ndarray, box: tuple[float, float, float, float], points: np.ndarray) -> FaceAttributes:
    """The measured attributes of the face in ``box`` with 68 ``points`` (pixels of ``rgb``)."""
    chip, q = aligned_face(rgb, points)
    face = _Face(chip, q)
    eye_yaw, eye_pitch = _gaze(points)
    sunglasses = (SUNGLASSES_SURROUND - face.eye_surround()) * 20.0
    covered_mouth = (COVERED_MOUTH_EDGES - face.mouth_edges()) * 40.0
    cut = (_outside_share(box, rgb.shape[1], rgb.shape[0]) - CUT_SHARE) * 40.0
    return FaceAttributes(
        sunglasses=flag(sunglasses),
        covered=flag(max(covered_mouth, cut)),
        lip_strip=face.upper_lip_strip(),
        frame_bridge=face.frame_bridge(),
        eye_yaw=eye_yaw,
        eye_pitch=eye_pitch,
    )


# Where each measurement turns from no to yes, set on the development photos (docs/how-it-works.md).
# The eye and the skin around it, over the cheeks' brightness: set on the tuning half of the
# attribute set, half way between its one face in sunglasses (0.12) and its darkest eyes
# without (0.29); the development photos' 0.38 read three faces there as wearing sunglasses.
SUNGLASSES_SURROUND = 0.21
COVERED_MOUTH_EDGES = 0.22  # edges in the mouth region over edges around the eyes
CUT_SHARE = 0.075  # share of the face box outside the image


def eye_darkness(rgb: np.ndarray, points: np.ndarray) -> float:
    """How dark the landmarks' eyes are: the darkest fifth inside each eye's outline over
    the skin's brightness. Pupils, irises and lashes make a well placed eye the darkest part
    of a face; landmarks that missed the eyes outline skin or brow instead."""
    chip, q = aligned_face(rgb, points)
    return _Face(chip, q).eye_percentile(20)


def _outside_share(box: tuple[float, float, float, float], width: int, height: int) -> float:
    """How much of the face box lies outside the image (0: none, 1: all)."""
    left, top, right, bottom = box
    area = max(1e-6, (right - left) * (bottom - top))
    inside = max(0.0, min(right, width) - max(left, 0.0)) * max(0.0, min(bottom, height) - max(top, 0.0))
    return 1.0 - inside / area


class _Face:
    """An aligned face chip, its landmarks ``q`` and the regions they name.

    Brightness is compared with the skin's: the brighter of the cheeks under the eyes and
    the cheeks beside the nose (whichever glasses, a beard or a shadow leave bare).
    Edge strength is the mean absolute gradient of the brightness.
    """

    def __init__(self, chip: np.ndarray, q: np.ndarray) -> None:
        self.size = chip.shape[0]
        self.grey = chip.astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        gy, gx = np.gradient(self.grey)
        self.gx, self.gy = np.abs(gx), np.abs(gy)
        self.q = q
        u = self.unit = self.size / 160  # offsets below are in pixels of a 160 px chip
        width = q[45, 0] - q[36, 0]
        under_eyes = [self.box(q[36, 0] + 2 * u, q[41, 1] + 4 * u, q[39, 0], q[30, 1]),
                      self.box(q[42, 0], q[46, 1] + 4 * u, q[45, 0] - 2 * u, q[30, 1])]
        beside_nose = [self.box(q[31, 0] - 0.3 * width, q[30, 1], q[31, 0] - 0.05 * width, q[33, 1]),
                       self.box(q[35, 0] + 0.05 * width, q[30, 1], q[35, 0] + 0.3 * width, q[33, 1])]
        self.skin = max(20.0, max(float(np.median(np.concatenate([self.grey[b].ravel() for b in pair])))
                                  for pair in (under_eyes, beside_nose)))

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[slice, slice]:
        """The rows and columns of a rectangle of the chip (at least one pixel)."""
        a, b = sorted((int(round(x0)), int(round(x1))))
        c, d = sorted((int(round(y0)), int(round(y1))))
        a, c = max(0, min(self.size - 1, a)), max(0, min(self.size - 1, c))
        return slice(c, max(c + 1, min(self.size, d))), slice(a, max(a + 1, min(self.size, b)))

    def brightness(self, region: tuple[slice, slice]) -> float:
        return float(self.grey[region].mean()) / self.skin

    def edges(self, region: tuple[slice, slice]) -> float:
        return float((self.gx[region] + self.gy[region]).mean())

    def eye_percentile(self, percent: float) -> float:
        """The ``percent`` percentile of the brightness inside each eye's outline over the
        skin's, both eyes' mean (1 when the outlines hold no pixel)."""
        from PIL import Image, ImageDraw

        values = []
        for eye in (self.q[36:42], self.q[42:48]):
            mask = Image.new("L", (self.size, self.size), 0)
            ImageDraw.Draw(mask).polygon([(float(x), float(y)) for x, y in eye], fill=1)
            inside = self.grey[np.asarray(mask, dtype=bool)]
            if inside.size:
                values.append(float(np.percentile(inside, percent)) / self.skin)
        return float(np.mean(values)) if values else 1.0

    def upper_lip_strip(self) -> float:
        """Brightness of the strip between the nose and the upper lip (a mustache darkens it).

        The brighter of the whole strip and its top third: a mustache darkens the strip
        right under the nose as much as above the lip, while a shadow or the lip itself
        reaching into the strip (a face looking down, its landmarks placed a little low)
        darkens only the lower part.
        """
        q = self.q
        lip = q[51, 1] - q[33, 1]
        rows, cols = self.box(q[49, 0], q[33, 1] + 0.3 * lip, q[53, 0], q[51, 1] - 0.15 * lip)
        top = slice(rows.start, rows.start + max(1, (rows.stop - rows.start) // 3))
        return max(self.brightness((rows, cols)), self.brightness((top, cols)))

    def frame_bridge(self) -> float:
        """Horizontal edges across the top of the nose between the eyes, where a frame's
        bridge runs (skin there is smooth), in % of the skin's brightness."""
        q, u = self.q, self.unit
        top = (q[21, 1] + q[22, 1]) / 4 + q[27, 1] / 2  # half way up to the brows
        return 100.0 * float(self.gy[self.box(q[39, 0] + 1 * u, top, q[42, 0] - 1 * u, q[28, 1] + 3 * u)].mean()) / self.skin

    def eye_surround(self) -> float:
        """Brightness of each eye with the skin around it, from the brow down (dark lenses)."""
        q, u = self.q, self.unit
        regions = [self.box(q[36, 0] - 3 * u, (q[19, 1] + q[37, 1]) / 2, q[39, 0] + 3 * u, q[41, 1] + 1.2 * (q[41, 1] - q[37, 1])),
                   self.box(q[42, 0] - 3 * u, (q[24, 1] + q[44, 1]) / 2, q[45, 0] + 3 * u, q[46, 1] + 1.2 * (q[46, 1] - q[44, 1]))]
        return float(np.mean([self.brightness(r) for r in regions]))

    def mouth_edges(self) -> float:
        """Edges in the mouth region over edges around the eyes: lips, their line and the
        teeth give a mouth edges; a mask or a hand over it is smooth."""
        q, u = self.q, self.unit
        eyes = [self.box(q[36, 0] - 3 * u, 0.3 * q[19, 1] + 0.7 * q[37, 1], q[39, 0] + 3 * u, max(q[40, 1], q[41, 1]) + 3 * u),
                self.box(q[42, 0] - 3 * u, 0.3 * q[24, 1] + 0.7 * q[44, 1], q[45, 0] + 3 * u, max(q[46, 1], q[47, 1]) + 3 * u)]
        mouth = self.box(q[48, 0], min(q[50, 1], q[52, 1]) - 2 * u, q[54, 0], q[57, 1] + 2 * u)
        return self.edges(mouth) / max(1e-6, float(np.mean([self.edges(r) for r in eyes])))


def _gaze(points: np.ndarray) -> tuple[float, float]:
    """Eye direction (yaw, pitch in degrees) from where each eye's centroid sits
    relative to the line through its corners; positive yaw looks to the image's right,
    positive pitch looks up."""
    yaw = pitch = 0.0
    for eye in (points[36:42], points[42:48]):
        centre = eye.mean(axis=0)
        mid = (eye[0] + eye[3]) / 2
        width = max(1e-6, float(np.linalg.norm(eye[0] - eye[3])))
        yaw += float(centre[0] - mid[0]) / width
        pitch += float(mid[1] - centre[1]) / width
    return yaw * 45.0, pitch * 45.0
