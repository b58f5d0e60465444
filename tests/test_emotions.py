"""vision/emotions.py: Emotions from the FER2013 network shipped as ONNX (converted from the fer package)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import imagefactory
from shapecheck import assert_output_shape

from rekognition_mock.vision import onnx_nets

ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")
HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")


def emotions(rekognition: Any, data: bytes) -> list[dict[str, Any]]:
    response = rekognition.detect_faces(Image={"Bytes": data}, Attributes=["EMOTIONS"])
    assert_output_shape("DetectFaces", response)
    [face] = response["FaceDetails"]
    return face["Emotions"]


def test_a_broad_smile_is_happy_mirrored_or_not(rekognition: Any) -> None:
    for data in (ASTRONAUT, imagefactory.augmented("astronaut.jpg", mirror=True)):
        found = emotions(rekognition, data)
        assert found[0]["Type"] == "HAPPY" and found[0]["Confidence"] > 90


def test_every_type_once_most_likely_first(rekognition: Any) -> None:
    found = emotions(rekognition, HOPPER)
    types = [e["Type"] for e in found]
    assert sorted(types) == sorted(["HAPPY", "SAD", "ANGRY", "CONFUSED", "DISGUSTED", "SURPRISED", "CALM", "FEAR"])
    confidences = [e["Confidence"] for e in found]
    assert confidences == sorted(confidences, reverse=True)
    assert found[0]["Type"] != "HAPPY"  # Grace Hopper does not smile in her official portrait


def test_each_emotion_has_its_own_confidence(rekognition: Any) -> None:
    """AWS scores each emotion on its own: a real DetectFaces response with ALL has
    confidences summing to more than 100 and a CONFUSED above 0 (class-dojo/backend's
    tests/testResponse.ts: CALM 76.8, SURPRISED 7.5, ANGRY 7.0, FEAR 6.6, SAD 4.3,
    CONFUSED 3.4, DISGUSTED 3.2, HAPPY 0.6). CONFUSED comes from two expressions competing,
    so it never outranks the first."""
    for data in (HOPPER, ASTRONAUT, imagefactory.mirrored("grace_hopper.jpg")):
        found = emotions(rekognition, data)
        confidences = {e["Type"]: e["Confidence"] for e in found}
        assert 100 < sum(confidences.values()) < 200
        assert 0 < confidences["CONFUSED"] < found[0]["Confidence"]
        assert found[0]["Type"] != "CONFUSED"


def test_confusion_grows_as_two_expressions_compete() -> None:
    from rekognition_mock.vision.emotions import independent

    clear = independent({"neutral": 0.9, "sad": 0.05, "angry": 0.05})
    torn = independent({"neutral": 0.45, "sad": 0.45, "angry": 0.10})
    assert torn["confused"] > clear["confused"] > 0
    assert torn["neutral"] == torn["sad"] and clear["neutral"] > clear["sad"]  # the order of the shares is kept


def test_compare_faces_reports_them_too(rekognition: Any) -> None:
    response = rekognition.compare_faces(SourceImage={"Bytes": HOPPER}, TargetImage={"Bytes": ASTRONAUT},
                                         SimilarityThreshold=0)
    assert_output_shape("CompareFaces", response)
    [match] = response["FaceMatches"]
    assert match["Face"]["Emotions"][0]["Type"] == "HAPPY"


def test_the_converted_network_ships_with_its_licence() -> None:
    data = resources.files("rekognition_mock.vision") / "data"
    assert onnx_nets.shipped("emotion_fer2013.onnx")[:2] == b"\x08\x08"  # ONNX ir_version 8, stored as emotion_fer2013.onnx.gz
    assert "MIT License" in (data / "LICENSE-fer.txt").read_text()
