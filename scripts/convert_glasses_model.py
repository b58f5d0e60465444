"""Convert Igor Slinko's glasses classifier (Apache-2.0) from TensorFlow Lite to ONNX.

Run once, by hand, when the shipped file must be rebuilt:

    git clone https://github.com/SlinkoIgor/glasses_detector   # weights/fp16_model.tflite
    pip install tflite onnx numpy
    python scripts/convert_glasses_model.py glasses_detector/weights/fp16_model.tflite \\
        rekognition_mock/vision/data/glasses_classifier.onnx

The network is a MobileNetV3-Small (minimalistic) trained on the Kaggle "glasses or no
glasses" faces to tell whether glasses sit on the nose. It reads a 64×128 (height ×
width) RGB crop of the band of the face from the eyebrows down to the tip of the nose,
with pixel values from 0 to 255, and answers one logit: negative for glasses (the
project's README and ``test.py`` give these facts). The operators (convolutions,
depthwise convolutions, additions, padding, a mean and a dense layer over float16
weights) are translated one by one with the face landmarker's converter; neither
TensorFlow nor the original project is needed at run time, and the converted file ships
beside the project's licence. The converted file answers the logit (``logit``) and, as a
second output, the 1024 pooled features the dense layer reads (``features``), which
``vision/glasses.py`` reads out.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from convert_face_landmarker import OPSET, Converter

from rekognition_mock.vision.onnx_nets import ship

HEIGHT, WIDTH = 64, 128
FEATURES = 1024  # the pooled features the dense layer reads


def main(source: str, target: str) -> None:
    import onnx
    from onnx import TensorProto, helper

    nodes: list = []
    inits: list = []
    out = Converter("glasses_", nodes, inits).convert(Path(source).read_bytes(), {0: "image"})
    glue = Converter("glue_", nodes, inits)
    glue.node("Identity", [out[0]], "logit")
    # The dense layer's input, the pooled features of the last convolution, is a second output:
    # vision/glasses.py reads a linear read-out of them fitted on the attribute set's tuning half.
    dense = [n for n in nodes if n.op_type == "MatMul"][-1]
    glue.node("Identity", [dense.input[0]], "features")
    graph = helper.make_graph(
        nodes, "glasses_classifier",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", HEIGHT, WIDTH, 3])],
        [helper.make_tensor_value_info("logit", TensorProto.FLOAT, ["N", 1]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", FEATURES])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=8)
    model.doc_string = ("Glasses classifier of SlinkoIgor/glasses_detector (Apache-2.0), "
                        "converted by scripts/convert_glasses_model.py; a negative logit means glasses")
    onnx.checker.check_model(model)
    ship(target, model.SerializeToString())


if __name__ == "__main__":
    main(*sys.argv[1:3])
