"""Store an ONNX model's larger float32 weights as float16, each behind a Cast to float.

The shared last step of the conversion scripts: the file is about half as large, and the
computation stays float32, because onnxruntime folds every Cast of a constant when it
creates the session (the weights are widened once, then convolutions and matrix products
run on float32 as before). Only the weights' rounding to float16 changes the answers;
each script checks them against its source.

    python scripts/onnx_float16.py model.onnx [stored.onnx]   # in place without a second path
"""

from __future__ import annotations

import sys

import numpy as np

from rekognition_mock.vision.onnx_nets import ship, stored

HALF_ABOVE = 256  # initialisers with more elements than this are stored as float16
FLOAT16_MAX = 65504.0


def store_float16(model, half_above: int = HALF_ABOVE, keep: tuple[str, ...] = ()):
    """``model`` (an ``onnx.ModelProto``, changed in place and returned) with every float32
    initialiser of more than ``half_above`` elements, not named in ``keep`` and within
    float16's range, stored as float16 and widened by a Cast node placed first in the graph."""
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    casts = []
    for initializer in graph.initializer:
        if initializer.data_type != TensorProto.FLOAT or initializer.name in keep:
            continue
        array = numpy_helper.to_array(initializer)
        if array.size <= half_above or not np.all(np.abs(array) <= FLOAT16_MAX):
            continue
        name = initializer.name
        initializer.CopyFrom(numpy_helper.from_array(np.ascontiguousarray(array.astype(np.float16)), f"{name}_f16"))
        casts.append(helper.make_node("Cast", [f"{name}_f16"], [name], to=TensorProto.FLOAT, name=f"{name}_widen"))
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def main(source: str, target: str | None = None) -> None:
    import onnx

    model = store_float16(onnx.load_from_string(stored(source)))
    onnx.checker.check_model(model)
    ship(target or source, model.SerializeToString())


if __name__ == "__main__":
    main(*sys.argv[1:3])
