"""Store an ONNX model's convolution weights as int8 with one float32 scale per output
channel, widened in the graph by ``Cast`` (int8 → float) and ``Mul`` (by the scales).

onnxruntime folds a Cast and a Mul of constants when it creates the session, so the
weights are widened once and the convolutions run on float32 exactly as before: only the
weights' rounding changes the answers (a quarter of float32's size, half of float16's).
The scales are symmetric (the largest magnitude of an output channel's weights is 127).
Initialisers that are not a Conv's weights are left alone (run :mod:`onnx_float16` after
this for those).

    python scripts/onnx_int8.py model.onnx [stored.onnx]   # in place without a second path
"""

from __future__ import annotations

import sys

import numpy as np

from rekognition_mock.vision.onnx_nets import ship, stored

INT8_ABOVE = 256  # Conv weights with more elements than this are stored as int8
CLIP_FRACTIONS = tuple(np.linspace(0.5, 1.0, 51))  # of a channel's largest weight, tried as its 127


def quantise(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``weights`` (output channel first) as int8 and one float32 scale per output channel:
    ``weights ≈ q * scale``."""
    flat = weights.reshape(len(weights), -1).astype(np.float64)
    peak = np.abs(flat).max(axis=1)
    peak[peak == 0] = 1.0
    best_scale, best_error = peak / 127.0, np.full(len(flat), np.inf)
    for fraction in CLIP_FRACTIONS:  # the scale with the least squared error per channel
        scale = (peak * fraction / 127.0).astype(np.float32).astype(np.float64)
        q = np.clip(np.rint(flat / scale[:, None]), -127, 127)
        error = ((q * scale[:, None] - flat) ** 2).sum(axis=1)
        better = error < best_error
        best_scale[better], best_error[better] = scale[better], error[better]
    q = np.clip(np.rint(flat / best_scale[:, None]), -127, 127).astype(np.int8)
    return q.reshape(weights.shape), best_scale.astype(np.float32)


def store_int8(model, int8_above: int = INT8_ABOVE, keep: tuple[str, ...] = ()):
    """``model`` (an ``onnx.ModelProto``, changed in place and returned) with the float32
    weights of every Conv (more than ``int8_above`` elements, not named in ``keep``) stored
    as int8 plus per-output-channel scales, widened by a Cast and a Mul placed first."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    conv_weights = {node.input[1] for node in graph.node if node.op_type == "Conv" and len(node.input) > 1}
    widen = []
    kept = []
    for initializer in graph.initializer:
        name = initializer.name
        if initializer.data_type != TensorProto.FLOAT or name in keep or name not in conv_weights:
            kept.append(initializer)
            continue
        array = numpy_helper.to_array(initializer)
        if array.size <= int8_above:
            kept.append(initializer)
            continue
        q, scale = quantise(array)
        kept.append(numpy_helper.from_array(np.ascontiguousarray(q), f"{name}_i8"))
        kept.append(numpy_helper.from_array(scale.reshape((-1,) + (1,) * (array.ndim - 1)), f"{name}_scale"))
        widen.append(helper.make_node("Cast", [f"{name}_i8"], [f"{name}_wide"], to=TensorProto.FLOAT, name=f"{name}_widen"))
        widen.append(helper.make_node("Mul", [f"{name}_wide", f"{name}_scale"], [name], name=f"{name}_scale_up"))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = widen + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def main(source: str, target: str | None = None) -> None:
    import onnx

    model = store_int8(onnx.load_from_string(stored(source)))
    onnx.checker.check_model(model)
    ship(target or source, model.SerializeToString())


if __name__ == "__main__":
    main(*sys.argv[1:3])
