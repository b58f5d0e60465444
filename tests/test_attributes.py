"""vision/attributes.py: attributes measured on the aligned face, computed only when asked for."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import imagefactory
from rekognition_mock.vision import EngineConfig, FaceEngine
from rekognition_mock.vision.attributes import aligned_face
from shapecheck import assert_output_shape

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")


def face_detail(rekognition: Any, data: bytes, attributes: list[str] | None = None) -> dict[str, Any]:
    response = rekognition.detect_faces(Image={"Bytes": data}, Attributes=attributes or ["ALL"])
    assert_output_shape("DetectFaces", response)
    assert response["FaceDetails"], "no face found"
    return response["FaceDetails"][0]  # the largest


def value(face: dict[str, Any], name: str) -> bool:
    return face[name]["Value"]


# --- what a person sees ----------------------------------------------------------------------


@pytest.mark.parametrize("mirror", [False, True], ids=["drawn", "mirrored"])
def test_a_surgical_mask_occludes_the_face(rekognition: Any, mirror: bool) -> None:
    masked = face_detail(rekognition, imagefactory.surgical_mask(mirror))
    assert value(masked, "FaceOccluded") and masked["FaceOccluded"]["Confidence"] > 80
    assert not value(face_detail(rekognition, ASTRONAUT), "FaceOccluded")


def test_a_face_cut_by_the_edge_is_occluded(rekognition: Any) -> None:
    """AWS: occluded when the eyes, nose and mouth are only partially captured."""
    assert value(face_detail(rekognition, imagefactory.face_cut_by_left_edge(0.3)), "FaceOccluded")
    assert not value(face_detail(rekognition, HOPPER), "FaceOccluded")


@pytest.mark.parametrize("mirror", [False, True], ids=["drawn", "mirrored"])
def test_dark_sunglasses(rekognition: Any, mirror: bool) -> None:
    face = face_detail(rekognition, imagefactory.sunglasses(mirror))
    assert value(face, "Sunglasses") and value(face, "Eyeglasses")  # sunglasses are glasses too
    assert value(face, "FaceOccluded")  # AWS counts dark sunglasses as an occlusion
    plain = face_detail(rekognition, ASTRONAUT)
    assert not value(plain, "Sunglasses") and not value(plain, "Eyeglasses")


@pytest.mark.parametrize("mirror", [False, True], ids=["drawn", "mirrored"])
def test_clear_glasses_are_eyeglasses_not_sunglasses(rekognition: Any, mirror: bool) -> None:
    face = face_detail(rekognition, imagefactory.eyeglasses(mirror))
    assert value(face, "Eyeglasses") and not value(face, "Sunglasses")
    assert not value(face, "FaceOccluded")  # clear glasses do not hide the face


def test_grace_hoppers_glasses(rekognition: Any) -> None:
    """The fixture portrait: thick-framed glasses, eyes open, mouth shut, no beard."""
    face = face_detail(rekognition, HOPPER)
    assert value(face, "Eyeglasses") and face["Eyeglasses"]["Confidence"] > 90
    assert not value(face, "Sunglasses")
    assert value(face, "EyesOpen") and not value(face, "MouthOpen")
    assert not value(face, "Beard") and not value(face, "Mustache")


def test_the_astronaut(rekognition: Any) -> None:
    face = face_detail(rekognition, ASTRONAUT)
    assert value(face, "EyesOpen") and value(face, "Smile")
    assert not value(face, "Beard") and not value(face, "Mustache") and not value(face, "FaceOccluded")


# --- the aligned face ------------------------------------------------------------------------


def test_the_aligned_face_carries_its_landmarks() -> None:
    """The eyes sit level and in place in the chip, however the face is turned in the photo."""
    engine = FaceEngine(EngineConfig())
    eye_lines = []
    for quarter_turns in (0, 1):
        data = imagefactory.turned("grace_hopper.jpg", quarter_turns)
        analysis = engine.analyze(data)
        [face] = analysis.faces
        chip, points = aligned_face(engine.pixels(analysis, data), face.landmarks)
        assert chip.shape == (320, 320, 3)
        left, right = points[36:42].mean(axis=0), points[42:48].mean(axis=0)
        assert abs(left[1] - right[1]) < 6 and left[0] < right[0]  # level, left eye on the left
        assert points[8, 1] > points[33, 1] > left[1]  # chin below the nose below the eyes
        assert ((points >= 0) & (points < 320)).all()
        eye_lines.append(np.concatenate([left, right]))
    assert np.abs(eye_lines[0] - eye_lines[1]).max() < 6  # the same place, turned photo or not


@pytest.mark.parametrize("name", ["astronaut.jpg", "grace_hopper.jpg"])
def test_landmarks_that_miss_the_eyes_are_told_by_their_eyes(name: str) -> None:
    """The eyes the landmarks outline are the darkest part of the face; the same landmarks
    moved by a quarter of the face, up onto the brows or down onto the cheeks (as a misplaced
    fit puts them), outline skin at least twice as bright: what lets a side view's HOG fit
    replace a CNN fit that missed the eyes (landmarks.REFIT_EYES)."""
    from rekognition_mock.vision import landmarks
    from rekognition_mock.vision.attributes import eye_darkness

    engine = FaceEngine(EngineConfig())
    data = imagefactory.fixture_bytes(name)
    analysis = engine.analyze(data)
    [face] = analysis.faces
    rgb = engine.pixels(analysis, data)
    placed = eye_darkness(rgb, face.landmarks)
    for shift in (-0.25, 0.25):
        missed = eye_darkness(rgb, face.landmarks + (0, shift * (face.bottom - face.top)))
        assert placed <= landmarks.REFIT_EYES * missed


# --- computed only when asked for ------------------------------------------------------------


def test_default_measures_nothing_and_each_group_runs_alone(monkeypatch: Any) -> None:
    from rekognition_mock.vision import engine as engine_module

    monkeypatch.setattr(engine_module, "_DISK_CACHE", None)  # really analyse
    engine = FaceEngine(EngineConfig())
    analysis = engine.analyze(HOPPER)
    [face] = analysis.faces
    assert (face.measured, face.age_gender, face.expression, face.mesh) == (None, None, None, None)
    engine.add_attributes(analysis, HOPPER, ["measured"])
    assert face.measured is not None and face.age_gender is None and face.expression is None
    first = face.measured
    engine.add_attributes(analysis, HOPPER, ["measured", "expression"])
    assert face.measured is first and face.expression is not None  # kept, not measured again


def test_detect_faces_computes_only_what_it_is_asked(rekognition: Any, monkeypatch: Any) -> None:
    from rekognition_mock.settings import engine
    from rekognition_mock.vision import engine as engine_module

    engine()  # the plugin's disk cache applied, then set aside: this test must really analyse
    monkeypatch.setattr(engine_module, "_DISK_CACHE", None)
    data = imagefactory.padded(HOPPER, len(HOPPER) + 11)  # bytes no other test sends (nothing cached)
    rekognition.detect_faces(Image={"Bytes": data})
    _, analysis = engine().peek(data)
    [face] = analysis.faces
    assert (face.measured, face.age_gender, face.expression, face.mesh) == (None, None, None, None)
    rekognition.detect_faces(Image={"Bytes": data}, Attributes=["EYES_OPEN"])
    assert face.mesh is not None and (face.measured, face.age_gender, face.expression) == (None, None, None)
    rekognition.detect_faces(Image={"Bytes": data}, Attributes=["EYE_DIRECTION"])
    assert face.measured is not None and face.age_gender is None and face.expression is None
    rekognition.detect_faces(Image={"Bytes": data}, Attributes=["EMOTIONS"])
    assert face.expression is not None and face.age_gender is None and face.glasses is None
    rekognition.detect_faces(Image={"Bytes": data}, Attributes=["SUNGLASSES"])  # reads the age and gender network
    assert face.glasses is not None and face.age_gender is not None and face.mask is None
