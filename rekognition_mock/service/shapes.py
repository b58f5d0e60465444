"""Rekognition response shapes built from the face engine's measurements."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..vision import Face, mesh_attributes
from ..vision.emotions import ExpressionReading
from ..vision.glasses import GlassesReading
from .validation import service_model

# The 30 Rekognition landmark types and the iBUG-68 indices each one averages.
# "left"/"right" are as seen in the image (eyeLeft is the eye on the image's left).
LANDMARK_POINTS: dict[str, tuple[int, ...]] = {
    "eyeLeft": (36, 37, 38, 39, 40, 41),
    "eyeRight": (42, 43, 44, 45, 46, 47),
    "nose": (30,),
    "mouthLeft": (48,),
    "mouthRight": (54,),
    "leftEyeBrowLeft": (17,),
    "leftEyeBrowRight": (21,),
    "leftEyeBrowUp": (19,),
    "rightEyeBrowLeft": (22,),
    "rightEyeBrowRight": (26,),
    "rightEyeBrowUp": (24,),
    "leftEyeLeft": (36,),
    "leftEyeRight": (39,),
    "leftEyeUp": (37, 38),
    "leftEyeDown": (40, 41),
    "rightEyeLeft": (42,),
    "rightEyeRight": (45,),
    "rightEyeUp": (43, 44),
    "rightEyeDown": (46, 47),
    "noseLeft": (31,),
    "noseRight": (35,),
    "mouthUp": (51,),
    "mouthDown": (57,),
    "leftPupil": (36, 37, 38, 39, 40, 41),  # AWS answers the eye's centre (as eyeLeft)
    "rightPupil": (42, 43, 44, 45, 46, 47),
    "upperJawlineLeft": (0,),
    "midJawlineLeft": (4,),
    "chinBottom": (8,),
    "midJawlineRight": (12,),
    "upperJawlineRight": (16,),
}
DEFAULT_LANDMARKS = ("eyeLeft", "eyeRight", "mouthLeft", "mouthRight", "nose")

DEFAULT_KEYS = ("BoundingBox", "Landmarks", "Pose", "Quality", "Confidence")


@functools.cache
def attribute_keys() -> dict[str, str]:
    """The FaceDetail key each DetectFaces/IndexFaces attribute name adds to the default set.

    Read from botocore's model: every ``Attribute`` value but DEFAULT and ALL names a
    FaceDetail member (``AGE_RANGE`` → ``AgeRange``, ``EYEGLASSES`` → ``Eyeglasses``).
    """
    model = service_model()
    members = {name.upper(): name for name in model.shape_for("FaceDetail").members}
    names = [n for n in model.shape_for("Attribute").enum if n not in ("DEFAULT", "ALL")]
    return {name: members[name.replace("_", "")] for name in names}


def requested_keys(attributes: list[str] | None) -> tuple[set[str], bool]:
    """The optional FaceDetail keys asked for, and whether all 30 landmarks are wanted.

    ``None``/``[]``/``["DEFAULT"]`` → the default set; ``"ALL"`` anywhere → everything;
    single names add their key to the default set.
    """
    keys = attribute_keys()
    names = set(attributes or ["DEFAULT"])
    if "ALL" in names:
        return set(keys.values()), True
    return {keys[n] for n in names if n in keys}, False


# The engine's attribute groups (vision.engine.ATTRIBUTE_GROUPS) each optional FaceDetail key
# is built from; every key not named here is measured from the landmarks and pixels.
# DESCRIPTOR is no group: it asks for the faces' 128-d descriptors (Eyeglasses reads them).
DESCRIPTOR = "descriptor"
KEY_GROUPS = {
    "AgeRange": ("age_gender",), "Gender": ("age_gender",), "Emotions": ("expression", "mesh"), "Smile": ("mesh",),
    "EyesOpen": ("mesh",), "MouthOpen": ("mesh",), "Eyeglasses": ("mesh", "measured", "glasses", "age_gender", DESCRIPTOR),
    "Sunglasses": ("measured", "glasses", "age_gender"),
    "Beard": ("mesh", "measured", "age_gender"), "Mustache": ("mesh", "measured", "age_gender", "expression"),
    "FaceOccluded": ("mesh", "measured", "mask", "glasses", "age_gender"), "EyeDirection": ("mesh", "measured"),
}
MEASURED = ("measured",)

# The attributes a ComparedFace (CompareFaces' faces) carries besides the defaults.
COMPARED_FACE_ATTRIBUTES = ("EMOTIONS", "SMILE")


def attribute_groups(attributes: list[str] | None) -> set[str]:
    """The engine's attribute groups that ``attributes`` needs (none for DEFAULT)."""
    return {group for key in requested_keys(attributes)[0] for group in KEY_GROUPS.get(key, MEASURED)}


def bounding_box(face: Face, width: int, height: int) -> dict[str, float]:
    """Box as ratios of the image; may fall outside 0–1 for faces cut by the edge."""
    return {
        "Width": number(face.width / width),
        "Height": number(face.height / height),
        "Left": number(face.left / width),
        "Top": number(face.top / height),
    }


def landmarks(face: Face, width: int, height: int, names: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Named landmarks as ratios of the image."""
    out = []
    for name in names or tuple(LANDMARK_POINTS):
        x, y = face.landmarks[list(LANDMARK_POINTS[name])].mean(axis=0)
        out.append({"Type": name, "X": number(x / width), "Y": number(y / height)})
    return out


def pose(face: Face) -> dict[str, float]:
    return {"Roll": number(face.roll), "Yaw": number(face.yaw), "Pitch": number(face.pitch)}


def quality(face: Face) -> dict[str, float]:
    return {"Brightness": number(face.brightness), "Sharpness": number(face.sharpness)}


def face_detail(face: Face, width: int, height: int, attributes: list[str] | None = None) -> dict[str, Any]:
    """A ``FaceDetail`` with the keys that ``attributes`` asks for, in AWS's order."""
    extra, all_landmarks = requested_keys(attributes)
    detail: dict[str, Any] = {"BoundingBox": bounding_box(face, width, height)}
    optional: dict[str, Callable[[], Any]] = {  # built only when asked for
        "AgeRange": lambda: age_range(face),
        "Smile": lambda: smile(face),
        "Eyeglasses": lambda: _flag(mesh_attributes.eyeglasses(mesh(face), measured(face), glasses(face),
                                                               descriptor_readout(face), age_gender(face))),
        "Sunglasses": lambda: _flag(mesh_attributes.sunglasses(measured(face), glasses(face).log_odds, age_gender(face))),
        "Gender": lambda: gender(face),
        "Beard": lambda: _flag(mesh_attributes.beard(mesh(face), measured(face), age_gender(face))),
        "Mustache": lambda: _flag(mesh_attributes.mustache(mesh(face), measured(face), age_gender(face), expression(face))),
        "EyesOpen": lambda: _flag(mesh_attributes.eyes_open(mesh(face))),
        "MouthOpen": lambda: _flag(mesh_attributes.mouth_open(mesh(face))),
        "Emotions": lambda: emotions(face),
    }
    for key, build in optional.items():
        if key in extra:
            detail[key] = build()
    detail["Landmarks"] = landmarks(face, width, height, None if all_landmarks else DEFAULT_LANDMARKS)
    detail["Pose"] = pose(face)
    detail["Quality"] = quality(face)
    detail["Confidence"] = number(face.confidence)
    if "FaceOccluded" in extra:
        detail["FaceOccluded"] = _flag(mesh_attributes.face_occluded(mesh(face), measured(face), mask(face),
                                                                    glasses(face).log_odds, age_gender(face)))
    if "EyeDirection" in extra:
        a = measured(face)
        confidence = mesh_attributes.eye_direction_confidence(mesh(face))
        detail["EyeDirection"] = {"Yaw": number(a.eye_yaw), "Pitch": number(a.eye_pitch), "Confidence": number(confidence)}
    return detail


def measured(face: Face) -> Any:
    """The attributes measured from the landmarks and pixels (the backend has them computed
    whenever one is asked for)."""
    assert face.measured is not None, "the face's attributes were not measured"
    return face.measured


def mesh(face: Face) -> Any:
    """The face mesh's reading of the face (the backend runs it whenever a key of its group is asked for)."""
    assert face.mesh is not None, "the face mesh did not run"
    return face.mesh


def age_range(face: Face) -> dict[str, int]:
    """From the age network (the backend runs it whenever AGE_RANGE is asked for)."""
    assert face.age_gender is not None, "the age and gender network did not run"
    low, high = face.age_gender.age_range()
    return {"Low": low, "High": high}


def age_gender(face: Face) -> Any:
    """The age and gender network's reading of the face (run whenever a key of its group is asked for)."""
    assert face.age_gender is not None, "the age and gender network did not run"
    return face.age_gender


def mask(face: Face) -> float:
    """The masked-face detector's probability of a mask (run whenever a key of its group is asked for)."""
    assert face.mask is not None, "the masked-face detector did not run"
    return face.mask


def expression(face: Face) -> ExpressionReading:
    """The expression network's reading (run whenever a key of its group is asked for)."""
    assert face.expression is not None, "the expression network did not run"
    return face.expression


def glasses(face: Face) -> GlassesReading:
    """The glasses classifier's reading (run whenever a key of its group is asked for)."""
    assert face.glasses is not None, "the glasses classifier did not run"
    return face.glasses


def descriptor_readout(face: Face) -> float:
    """The descriptor's read-out of glasses (the descriptor is computed whenever Eyeglasses is asked for)."""
    from ..vision.glasses import descriptor_log_odds

    assert face.descriptor is not None, "the face's descriptor was not computed"
    return descriptor_log_odds(face.descriptor)


def gender(face: Face) -> dict[str, Any]:
    """From the gender network: the more probable label and its probability."""
    assert face.age_gender is not None, "the age and gender network did not run"
    male = face.age_gender.male
    return {"Value": "Male" if male >= 0.5 else "Female", "Confidence": number(100 * max(male, 1 - male))}


# The expression network's classes as AWS's emotion types. CONFUSED has no class in the
# network (FER2013): it comes from two classes competing (:func:`.emotions.independent`).
# UNKNOWN is not reported, as AWS does not.
EXPRESSION_TYPES = {
    "angry": "ANGRY", "disgust": "DISGUSTED", "fear": "FEAR", "happy": "HAPPY",
    "sad": "SAD", "surprise": "SURPRISED", "neutral": "CALM", "confused": "CONFUSED",
}


@functools.cache
def emotion_types() -> tuple[str, ...]:
    """AWS's emotion types (botocore's EmotionName enum) that FaceDetail reports."""
    return tuple(t for t in service_model().shape_for("EmotionName").enum if t != "UNKNOWN")


def smile(face: Face) -> dict[str, Any]:
    """From the face mesh's smile blendshapes (:func:`.mesh_attributes.smile`)."""
    return _flag(mesh_attributes.smile(mesh(face)))


def emotions(face: Face) -> list[dict[str, Any]]:
    """Every emotion type with its own confidence (in %, :func:`.emotions.independent`), most likely first."""
    from ..vision.emotions import independent, reported

    smiling = mesh_attributes.smile_probability(mesh(face))
    scores = dict.fromkeys(emotion_types(), 0.0)
    for name, probability in independent(reported(expression(face).probabilities, smiling)).items():
        scores[EXPRESSION_TYPES[name]] = 100.0 * probability
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    return [{"Type": name, "Confidence": number(score)} for name, score in ranked]


def compared_face(face: Face, width: int, height: int) -> dict[str, Any]:
    """A ``ComparedFace`` (CompareFaces matches and unmatched faces)."""
    return {
        "BoundingBox": bounding_box(face, width, height),
        "Confidence": number(face.confidence),
        "Landmarks": landmarks(face, width, height, DEFAULT_LANDMARKS),
        "Pose": pose(face),
        "Quality": quality(face),
        "Emotions": emotions(face),
        "Smile": smile(face),
    }


def stored_face(face: Any, model_version: str) -> dict[str, Any]:
    """A collection ``Face`` (ListFaces, SearchFaces matches) from a stored face."""
    width, height, left, top = face.box
    out: dict[str, Any] = {
        "FaceId": face.face_id,
        "BoundingBox": {"Width": number(width), "Height": number(height), "Left": number(left), "Top": number(top)},
        "ImageId": face.image_id,
    }
    if face.external_image_id is not None:
        out["ExternalImageId"] = face.external_image_id
    out["Confidence"] = number(face.confidence)
    out["IndexFacesModelVersion"] = model_version
    if face.user_id is not None:
        out["UserId"] = face.user_id
    return out


def face_matches(hits: list[tuple[Any, float]], model_version: str) -> list[dict[str, Any]]:
    """``FaceMatches`` of a collection search, as (stored face, similarity) pairs."""
    return [{"Similarity": number(sim), "Face": stored_face(face, model_version)} for face, sim in hits]


def matched_user(user_id: str, status: str) -> dict[str, str]:
    """A ``MatchedUser`` (ListUsers entries have the same two members)."""
    return {"UserId": user_id, "UserStatus": status}


def user_matches(hits: list[tuple[str, str, float]]) -> list[dict[str, Any]]:
    """``UserMatches`` of a user search, as (user id, status, similarity) triples."""
    return [{"Similarity": number(sim), "User": matched_user(user_id, status)} for user_id, status, sim in hits]


def unsuccessful_face(face_id: str, user_id: str, reasons: list[str], confidence: float | None = None) -> dict[str, Any]:
    """An ``UnsuccessfulFaceAssociation``/``Disassociation``/``Deletion``: ``Reasons`` left out
    when there is none to give, ``Confidence`` only for a match below the threshold."""
    out: dict[str, Any] = {"FaceId": face_id, "UserId": user_id}
    if confidence is not None:
        out["Confidence"] = number(confidence)
    if reasons:
        out["Reasons"] = list(reasons)
    return out


def _flag(flag: Any) -> dict[str, Any]:
    return {"Value": bool(flag.value), "Confidence": number(flag.confidence)}


def number(value: float | np.floating) -> float:
    """A plain float as AWS's responses carry it: single precision (their values are float32
    printed as doubles), then rounded to six decimals. Going through float32 first makes a
    value kept in single precision (a stored face's box and confidence) answer exactly as the
    value it was kept from, whichever path answers it."""
    return float(round(float(np.float32(value)), 6))
