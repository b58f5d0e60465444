"""``rekognition_mock.vision.descriptors``: dlib's ResNet on onnxruntime against dlib itself."""

from __future__ import annotations

import numpy as np
import pytest

import imagefactory
from rekognition_mock.vision import EngineConfig, FaceEngine, decode_rgb, weights


@pytest.mark.parametrize(
    "data",
    [
        imagefactory.fixture_bytes("grace_hopper.jpg"),
        imagefactory.fixture_bytes("astronaut.jpg"),
        imagefactory.augmented(mirror=True),
        imagefactory.two_person_composite(),
    ],
    ids=["hopper", "astronaut", "mirrored", "two_people"],
)
def test_descriptors_match_dlibs(data: bytes) -> None:
    import dlib

    analysis = FaceEngine(EngineConfig()).analyze(data, descriptors=True)
    rgb = decode_rgb(data)
    assert analysis.faces
    encoder = weights.dlib_face_encoder()
    for face in analysis.faces:
        rect = dlib.rectangle(round(face.left), round(face.top), round(face.right) - 1, round(face.bottom) - 1)
        shape = dlib.full_object_detection(rect, [dlib.point(round(x), round(y)) for x, y in face.landmarks])
        with encoder.lock:
            reference = np.asarray(encoder.model.compute_face_descriptor(rgb, shape))
        assert np.linalg.norm(face.descriptor - reference) < 0.02  # int8 and float16 weights (tests/test_weights.py)
        assert 1.0 < np.linalg.norm(face.descriptor) < 2.0  # not normalised, like dlib's


def test_a_batch_gives_what_one_at_a_time_gives() -> None:
    from rekognition_mock.vision.descriptors import face_chip

    rgb = decode_rgb(imagefactory.two_person_composite())
    faces = FaceEngine(EngineConfig()).analyze(imagefactory.two_person_composite()).faces
    chips = [face_chip(rgb, f.landmarks) for f in faces]
    encoder = weights.resnet_encoder().model
    together = encoder.encode(chips)
    for chip, row in zip(chips, together):
        assert np.allclose(encoder.encode([chip])[0], row, atol=1e-5)
    assert encoder.encode([]).shape == (0, 128)
