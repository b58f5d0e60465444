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

from .age_gender import AgeGender
from .attributes import FaceAttributes, Flag, logistic, logit, probability
from .emotions import ExpressionReading
from .face_mesh import MeshFace
from .glasses import GlassesReading

# The eyes: the two eyeBlink blendshapes' mean. The tuning half has two faces with closed
# eyes, too few to fit a slope (the fitted one would make every answer 99.9 % sure), so the
# slope is set by hand and only the turning point is fitted.
EYES_CLOSED_AT, EYES_CLOSED_SLOPE = 0.54, 15.0
# The mouth: the gap between the inner lips over the mouth's width, as the mesh places them
# (points 13, 14, 78 and 308) and as the 68 landmarks do (:func:`.geometry.mouth_opening`).
MOUTH_OPEN = {"lip_gap": 13.36, "mouth_gap_68": 16.47}, -4.345
# A smile: the two mouthSmile blendshapes' mean.
SMILE_AT, SMILE_SLOPE = 0.58, 13.4
# Glasses: the glasses classifier's log-odds and the read-out of its pooled features
# (``classifier_readout``, :mod:`.glasses`), the read-outs of the descriptor
# (``descriptor_readout``) and of the age and gender network's features (``readout``), with
# horizontal edges across the top of the nose and beside the eyes where the mesh places them
# (their logarithms: the edges of skin, wrinkles and frames multiply) and across the nose where
# the 68 landmarks do (``frame_bridge``, :class:`.attributes.FaceAttributes`).
EYEGLASSES = (
    {"glasses": 0.0403, "log_bridge_across": 0.094, "log_temples_across": 0.1458,
     "frame_bridge": 0.1259, "descriptor_readout": 0.3276, "readout": 0.4783,
     "classifier_readout": 0.2188},
    1.0962,
)
# Sunglasses: the measured darkness of the lenses (as log-odds), the glasses classifier's
# log-odds and the age and gender network's read-out of sunglasses (:mod:`.age_gender`; it sees
# mirrored, coloured and tinted lenses, which are not dark, on small faces too).
SUNGLASSES = {"dark_lenses_logit": 0.0953, "glasses": 0.0061, "readout": 1.0132}, 1.0571
# Facial hair: the read-out of the age and gender network's features (:mod:`.age_gender`, as
# log-odds), its log-odds of a man, the chin's colour saturation and edges and the philtrum's
# brightness where the mesh places them (each over the cheeks'), and the strip above the
# upper lip where the 68 landmarks place it (``lip_strip``); Mustache also reads the
# expression network's read-out of a moustache (``expression_readout``, :mod:`.emotions`).
BEARD = (
    {"readout": 0.7833, "male_logit": 0.0316, "chin_saturation": -0.4933, "chin_edges": 2.1565,
     "philtrum_brightness": -0.9932, "lip_strip": -0.746},
    2.5281,
)
MUSTACHE = (
    {"readout": 0.45, "male_logit": -0.0428, "chin_saturation": -0.0071, "chin_edges": 1.6791,
     "philtrum_brightness": -1.8058, "lip_strip": -1.1742, "expression_readout": 0.2824},
    3.445,
)

# Occlusion: the measured evidence of a covered mouth or a face cut by the image's edge (as
# log-odds; :class:`.attributes.FaceAttributes`), the nose's redness less the forehead's (under
# a mask the nose takes the mask's colour, while the forehead stays skin), the masked-face
# detector's log-odds of a mask (:mod:`.masks`), the Sunglasses model's log-odds (AWS counts
# dark sunglasses) and the age and gender network's read-out of a covered face (:mod:`.age_gender`).
# FACE_OCCLUDED, fitted on the tuning photos, gives the answer. FACE_OCCLUDED_CONFIDENCE, the
# same inputs with a read-out fitted on the composed cases too, is fitted on the tuning photos
# and on faces composed from them (``scripts/compose_occlusion_cases.py``: hands, objects, hair
# and scarves over the face, faces cut by the frame, clear faces blurred, darkened or made
# small; each counting 0.02 of a photo's face), which show where the evidence misleads: it
# gives how sure the answer is.
FACE_OCCLUDED = (
    {"covered_logit": 2.587, "nose_redness_over_forehead": 1.0056, "mask_logit": 0.3993,
     "sunglasses_logit": 0.6689, "readout": 0.7476},
    9.1614,
)
FACE_OCCLUDED_CONFIDENCE = (
    {"covered_logit": 0.7951, "nose_redness_over_forehead": -1.6435, "mask_logit": 0.4166,
     "sunglasses_logit": 0.599, "readout": 0.7117},
    2.8875,
)

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


def eyeglasses_features(mesh: MeshFace, measured: FaceAttributes, glasses: float, readout: float,
                        network_readout: float, classifier_readout: float) -> dict[str, float]:
    return {"readout": network_readout, "glasses": glasses, "log_bridge_across": math.log(max(1e-6, mesh.regions["bridge_across"])),
            "log_temples_across": math.log(max(1e-6, mesh.regions["temples_across"])), "frame_bridge": measured.frame_bridge,
            "descriptor_readout": readout, "classifier_readout": classifier_readout}


def eyeglasses(mesh: MeshFace, measured: FaceAttributes, glasses: GlassesReading, readout: float, age_gender: AgeGender) -> Flag:
    """:data:`EYEGLASSES`, given the glasses classifier's reading (its log-odds and the
    read-out of its features) and the descriptor's read-out of glasses
    (:func:`.glasses.descriptor_log_odds`)."""
    features = eyeglasses_features(mesh, measured, glasses.log_odds, readout, age_gender.glasses_logit, glasses.readout)
    return flag(logistic(_linear(EYEGLASSES, features)))


def sunglasses_features(measured: FaceAttributes, glasses: float, readout: float) -> dict[str, float]:
    return {"dark_lenses_logit": logit(probability(measured.sunglasses)), "glasses": glasses, "readout": readout}


def sunglasses(measured: FaceAttributes, glasses: float, age_gender: AgeGender) -> Flag:
    """:data:`SUNGLASSES`, given the glasses classifier's log-odds and the age and gender
    network's read-outs."""
    return flag(logistic(_linear(SUNGLASSES, sunglasses_features(measured, glasses, age_gender.sunglasses_logit))))


def hair_features(mesh: MeshFace, measured: FaceAttributes, age_gender: AgeGender, readout: float,
                  expression_readout: float = 0.0) -> dict[str, float]:
    return {**mesh.regions, "lip_strip": measured.lip_strip, "male_logit": logit(age_gender.male), "readout": readout,
            "expression_readout": expression_readout}


def beard(mesh: MeshFace, measured: FaceAttributes, age_gender: AgeGender) -> Flag:
    """:data:`BEARD`."""
    return flag(logistic(_linear(BEARD, hair_features(mesh, measured, age_gender, age_gender.beard_logit))))


def mustache(mesh: MeshFace, measured: FaceAttributes, age_gender: AgeGender, expression: ExpressionReading) -> Flag:
    """:data:`MUSTACHE`, given the expression network's reading (its read-out of a moustache)."""
    features = hair_features(mesh, measured, age_gender, age_gender.mustache_logit, expression.mustache)
    return flag(logistic(_linear(MUSTACHE, features)))


def face_occluded_features(mesh: MeshFace, measured: FaceAttributes, mask: float, glasses: float,
                           readout: float, sunglasses_readout: float) -> dict[str, float]:
    sunglasses_logit = _linear(SUNGLASSES, sunglasses_features(measured, glasses, sunglasses_readout))
    return {"covered_logit": logit(probability(measured.covered)),
            "nose_redness_over_forehead": mesh.regions["nose_redness"] - mesh.regions["forehead_redness"],
            "mask_logit": logit(mask), "sunglasses_logit": sunglasses_logit, "readout": readout}


def face_occluded(mesh: MeshFace, measured: FaceAttributes, mask: float, glasses: float, age_gender: AgeGender) -> Flag:
    """The answer of :data:`FACE_OCCLUDED` with the confidence :data:`FACE_OCCLUDED_CONFIDENCE`
    gives it (50 where that model answers the other way), given the masked-face detector's
    probability of a mask, the glasses classifier's log-odds and the age and gender network's
    read-outs."""
    features = face_occluded_features(mesh, measured, mask, glasses, age_gender.occluded_logit, age_gender.sunglasses_logit)
    value = _linear(FACE_OCCLUDED, features) >= 0
    sure = logistic(_linear(FACE_OCCLUDED_CONFIDENCE, {**features, "readout": age_gender.occluded_cases_logit}))
    return Flag(value, 100.0 * max(0.5, sure if value else 1.0 - sure))


def eye_direction_confidence(mesh: MeshFace) -> float:
    """How sure the eyes' direction is (0-100): the probability that the eyes are open
    (:func:`eyes_open`; closed eyes look nowhere) times the mesh's probability that its crop
    holds a face."""
    open_ = eyes_open(mesh)
    return 100.0 * probability(open_) * mesh.presence
