"""vision/face_mesh.py and vision/mesh_attributes.py: MediaPipe's face mesh and blendshapes
(converted to ONNX) on a crop cut from the 68 landmarks, and the answers read from them."""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

import imagefactory
import numpy as np
import pytest
from shapecheck import assert_output_shape

from rekognition_mock.vision import EngineConfig, FaceEngine, onnx_nets, weights
from rekognition_mock.vision.decode import decode_rgb
from rekognition_mock.vision.face_mesh import crop_of

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")


def located(data: bytes) -> tuple[np.ndarray, Any]:
    analysis = FaceEngine(EngineConfig()).analyze(data)
    return decode_rgb(data), analysis.faces[0]


def mesh_of(rgb: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, float]:
    """The mesh network's 478 landmarks (in the image's pixels) and presence logit for the
    crop cut from ``points``."""
    net = weights.face_mesh_net().model
    chip = net.chip(rgb, points)
    landmarks, presence, _ = net.session.run(None, {"image": chip[None].astype(np.float32) / 255.0})
    (cx, cy), side, angle = crop_of(points)
    cos, sin = math.cos(angle), math.sin(angle)
    local = (landmarks[0, :, :2] - (net.size - 1) / 2) * (side / net.size)
    image = np.stack([cx + cos * local[:, 0] - sin * local[:, 1], cy + sin * local[:, 0] + cos * local[:, 1]], axis=1)
    return image, float(presence[0, 0])


@pytest.mark.parametrize("data", [HOPPER, ASTRONAUT], ids=["hopper", "astronaut"])
def test_the_crop_holds_the_face_where_the_mesh_expects_it(data: bytes) -> None:
    """The mesh, run on the crop cut from the 68 landmarks, says a face is there and puts the
    outer eye corners and mouth corners where the 68 landmarks put them."""
    rgb, face = located(data)
    mesh, presence = mesh_of(rgb, face.landmarks)
    assert presence > 3  # a logit: above 95 %
    eyes = np.linalg.norm(face.landmarks[36] - face.landmarks[45])
    for ours, theirs in ((36, 33), (45, 263), (48, 61), (54, 291)):  # iBUG 68 -> MediaPipe mesh
        assert np.linalg.norm(face.landmarks[ours] - mesh[theirs]) < 0.12 * eyes, (ours, theirs)


def test_no_face_in_the_crop_is_told() -> None:
    """A crop of the astronaut's suit, below her face, holds no face: the presence logit is negative."""
    rgb, face = located(ASTRONAUT)
    height = face.bottom - face.top
    _, presence = mesh_of(rgb, face.landmarks + (0, 1.6 * height))
    assert presence < 0


def test_faces_are_batched_and_each_answered_alone() -> None:
    """Several faces go through the network in one batch; each face's answer is the one it gets alone."""
    rgb, face = located(HOPPER)
    box = (face.left, face.top, face.right, face.bottom)
    mirrored = (face.landmarks * (-1, 1)) + (rgb.shape[1] - 1, 0)  # the same face's points, mirrored image
    mirrored = mirrored[[16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
                         27, 28, 29, 30, 35, 34, 33, 32, 31, 45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40, 54, 53, 52,
                         51, 50, 49, 48, 59, 58, 57, 56, 55, 64, 63, 62, 61, 60, 67, 66, 65]]
    net = weights.face_mesh_net().model
    both = net.analyse(np.concatenate([rgb, rgb[:, ::-1]], axis=1), [(box, face.landmarks), (box, mirrored + (rgb.shape[1], 0))])
    alone = net.analyse(rgb, [(box, face.landmarks)])
    assert both[0].blendshapes == pytest.approx(alone[0].blendshapes, abs=1e-4)
    # the mirror image's left blink is this face's right one
    assert both[1].blendshapes["eyeBlinkLeft"] == pytest.approx(alone[0].blendshapes["eyeBlinkRight"], abs=0.05)
    assert both[1].lip_gap == pytest.approx(alone[0].lip_gap, abs=0.02)


def detail(rekognition: Any, data: bytes) -> dict[str, Any]:
    response = rekognition.detect_faces(Image={"Bytes": data}, Attributes=["ALL"])
    assert_output_shape("DetectFaces", response)
    return response["FaceDetails"][0]


@pytest.mark.parametrize("name", ["grace_hopper.jpg", "astronaut.jpg"])
def test_a_face_and_its_mirror_image_read_alike(rekognition: Any, name: str) -> None:
    face = detail(rekognition, imagefactory.fixture_bytes(name))
    mirrored = detail(rekognition, imagefactory.augmented(name, mirror=True))
    for key in ("EyesOpen", "MouthOpen", "Smile", "Eyeglasses", "Sunglasses", "Beard", "Mustache", "FaceOccluded"):
        assert face[key]["Value"] == mirrored[key]["Value"], key
        assert face[key]["Confidence"] == pytest.approx(mirrored[key]["Confidence"], abs=15), key


def test_each_attribute_has_its_own_confidence(rekognition: Any) -> None:
    """Grace Hopper wears clear glasses: sure of the glasses, less sure that they are not dark,
    and the two confidences come from different models."""
    face = detail(rekognition, HOPPER)
    assert face["Eyeglasses"]["Value"] and not face["Sunglasses"]["Value"]
    assert face["Eyeglasses"]["Confidence"] != face["Sunglasses"]["Confidence"]
    assert face["Emotions"][0]["Type"] == "CALM"  # her official portrait: a neutral face


def test_the_converted_mesh_ships_with_its_licence() -> None:
    data = resources.files("rekognition_mock.vision") / "data"
    assert onnx_nets.shipped("face_landmarker.onnx")[:2] == b"\x08\x08"  # ONNX ir_version 8, stored as face_landmarker.onnx.xz
    assert "Apache License" in (data / "LICENSE-mediapipe.txt").read_text()
    net = weights.face_mesh_net().model
    assert len(net.names) == 52 and {"eyeBlinkLeft", "jawOpen", "mouthSmileRight"} <= set(net.names)
