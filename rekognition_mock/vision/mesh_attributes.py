"""Yes/no attributes read from the face mesh (:mod:`.face_mesh`), each with its own probability.

Each answer is a logistic model ``p = 1 / (1 + exp(-(w · x + b)))`` of a few of the mesh's
outputs (blendshapes, distances between its landmarks, measures of the regions it places),
fitted on the tuning half of the attribute set (``scripts/attribute_set/labels.json``;
docs/how-it-works.md gives both halves' figures). ``Value`` is
``p ≥ 0.5`` and ``Confidence`` is ``100 · max(p, 1 − p)``, so a face near the boundary gets
a low confidence whichever way it goes.
"""

from __future__ import annotations

import math

from .attributes import FaceAttributes, Flag, either, probability
from .face_mesh import MeshFace

# The eyes: the two eyeBlink blendshapes' mean. The tuning half has two faces with closed
# eyes, too few to fit a slope (the fitted one would make every answer 99.9 % sure), so the
# slope is set by hand and only the turning point is fitted.
EYES_CLOSED_AT, EYES_CLOSED_SLOPE = 0.54, 15.0
# The mouth: the gap between the inner lips over the mouth's width, as the mesh places them
# (points 13, 14, 78 and 308) and as the 68 landmarks do (:func:`.geometry.mouth_opening`).
MOUTH_OPEN = {"lip_gap": 13.36, "mouth_gap_68": 16.47}, -4.345
# A smile: the two mouthSmile blendshapes' mean.
SMILE_AT, SMILE_SLOPE = 0.58, 13.4
# Glasses' frames: horizontal edges across the top of the nose and beside the eyes where the
# mesh places them (their logarithms: the edges of skin, wrinkles and frames multiply), and
# across the nose where the 68 landmarks do (``frame_bridge``, :class:`.attributes.FaceAttributes`);
# the two placements miss different frames.
EYEGLASSES = {"log_bridge_across": 2.0804, "log_temples_across": 1.2508, "frame_bridge": 0.8964}, 8.6283
# Facial hair: the gender network's log-odds of a man, the chin's colour saturation and edges
# and the philtrum's brightness where the mesh places them (each over the cheeks'), and the
# strip above the upper lip where the 68 landmarks place it (``lip_strip``).
BEARD = ({"male_logit": 0.2689, "chin_saturation": -0.1777, "chin_edges": 39.21, "philtrum_brightness": -1.005,
          "lip_strip": -5.931}, 1.4395)
MUSTACHE = ({"male_logit": 0.2816, "chin_saturation": -0.1143, "chin_edges": 36.29, "philtrum_brightness": -2.229,
             "lip_strip": -6.853}, 3.2128)

# Occlusion: the measured evidence (a covered mouth, a face cut by the image's edge, dark
# lenses; as log-odds) and the nose's redness less the forehead's: under a mask the nose takes
# the mask's colour, while the forehead stays skin.
FACE_OCCLUDED = {"measured_logit": 1.0966, "nose_redness_over_forehead": -29.09}, 0.1685


def logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def flag(p: float) -> Flag:
    return Flag(p >= 0.5, 100.0 * max(p, 1.0 - p))


def _linear(model: tuple[dict[str, float], float], x: dict[str, float]) -> float:
    weights, bias = model
    return sum(w * x[name] for name, w in weights.items()) + bias


def eyes_open(mesh: MeshFace) -> Flag:
    """Open unless both eyes blink."""
    blink = (mesh.blendshapes["eyeBlinkLeft"] + mesh.blendshapes["eyeBlinkRight"]) / 2
    return flag(1.0 - logistic(EYES_CLOSED_SLOPE * (blink - EYES_CLOSED_AT)))


def mouth_open(mesh: MeshFace) -> Flag:
    """Open when the inner lips part (:data:`MOUTH_OPEN`)."""
    return flag(logistic(_linear(MOUTH_OPEN, {"lip_gap": mesh.lip_gap, "mouth_gap_68": mesh.mouth_gap_68})))


def smile_probability(mesh: MeshFace) -> float:
    return logistic(SMILE_SLOPE * ((mesh.blendshapes["mouthSmileLeft"] + mesh.blendshapes["mouthSmileRight"]) / 2 - SMILE_AT))


def smile(mesh: MeshFace) -> Flag:
    return flag(smile_probability(mesh))


def eyeglasses(mesh: MeshFace, measured: FaceAttributes) -> Flag:
    """A frame (:data:`EYEGLASSES`), or dark lenses (``measured.sunglasses``: sunglasses are
    glasses too, and a drawn or rimless pair shows no frame)."""
    x = {"log_bridge_across": math.log(max(1e-6, mesh.regions["bridge_across"])),
         "log_temples_across": math.log(max(1e-6, mesh.regions["temples_across"])), "frame_bridge": measured.frame_bridge}
    frame = flag(logistic(_linear(EYEGLASSES, x)))
    return either(frame, measured.sunglasses)


def _hair(model: tuple[dict[str, float], float], mesh: MeshFace, measured: FaceAttributes, male: float) -> Flag:
    male = min(max(male, 1e-4), 1.0 - 1e-4)
    x = {**mesh.regions, "lip_strip": measured.lip_strip, "male_logit": math.log(male / (1.0 - male))}
    return flag(logistic(_linear(model, x)))


def beard(mesh: MeshFace, measured: FaceAttributes, male: float) -> Flag:
    """:data:`BEARD`, given the gender network's probability of a man."""
    return _hair(BEARD, mesh, measured, male)


def mustache(mesh: MeshFace, measured: FaceAttributes, male: float) -> Flag:
    """:data:`MUSTACHE`, given the gender network's probability of a man."""
    return _hair(MUSTACHE, mesh, measured, male)



def face_occluded(mesh: MeshFace, measured: FaceAttributes) -> Flag:
    """:data:`FACE_OCCLUDED`."""
    p = min(max(probability(measured.face_occluded), 1e-4), 1.0 - 1e-4)
    x = {"measured_logit": math.log(p / (1.0 - p)),
         "nose_redness_over_forehead": mesh.regions["nose_redness"] - mesh.regions["forehead_redness"]}
    return flag(logistic(_linear(FACE_OCCLUDED, x)))


def eye_direction_confidence(mesh: MeshFace) -> float:
    """How sure the eyes' direction is (0-100): the probability that the eyes are open
    (:func:`eyes_open`; closed eyes look nowhere) times the mesh's probability that its crop
    holds a face."""
    open_ = eyes_open(mesh)
    return 100.0 * probability(open_) * mesh.presence
