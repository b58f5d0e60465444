"""The networks' files store their weights as byte planes (vision/planes.py): the ONNX bytes
come back exactly, so the networks answer as the ONNX files they were converted to."""

from __future__ import annotations

import gzip
import lzma
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from rekognition_mock.vision import onnx_nets, planes

DATA = Path(onnx_nets.__file__).parent / "data"
NETWORKS = sorted(p.name.rsplit(".", 1)[0] for p in DATA.glob("*.onnx.*"))


def _model(rng: np.random.Generator) -> bytes:
    """A small graph whose weights have every width: y = (x @ w32 + b16 + k8 + shift) as float32."""
    w32 = rng.normal(size=(6, 5)).astype(np.float32)
    b16 = rng.normal(size=(5,)).astype(np.float16)
    k8 = rng.integers(-100, 100, size=(5,), dtype=np.int8)
    shift = np.array([3], dtype=np.int64)
    nodes = [
        helper.make_node("MatMul", ["x", "w32"], ["a"]),
        helper.make_node("Cast", ["b16"], ["b"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["k8"], ["k"], to=TensorProto.FLOAT),
        helper.make_node("Cast", ["shift"], ["s"], to=TensorProto.FLOAT),
        helper.make_node("Sum", ["a", "b", "k", "s"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes, "planes", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5])],
        [numpy_helper.from_array(w32, "w32"), numpy_helper.from_array(b16, "b16"), numpy_helper.from_array(k8, "k8"),
         numpy_helper.from_array(shift, "shift")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def test_pack_gives_the_onnx_file_back_and_groups_only_wide_numbers() -> None:
    model = _model(np.random.default_rng(3))
    packed = planes.pack(model)
    assert packed.startswith(planes.MAGIC) and planes.unpack(packed) == model
    found = planes.segments(model)
    assert sorted(size for _, _, size in found) == [4]  # w32 (120 bytes); b16 and shift are under 64 bytes, k8 is bytes
    x = np.arange(12, dtype=np.float32).reshape(2, 6)
    run = lambda data: ort.InferenceSession(data, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    assert np.array_equal(run(planes.unpack(packed)), run(model))
    wide = _model_with_large_weights()
    assert planes.unpack(planes.pack(wide)) == wide and {size for _, _, size in planes.segments(wide)} == {2, 4, 8}


def _model_with_large_weights() -> bytes:
    rng = np.random.default_rng(5)
    tensors = [numpy_helper.from_array(rng.normal(size=200).astype(dtype), name)
               for name, dtype in (("f32", np.float32), ("f16", np.float16), ("f64", np.float64))]
    tensors.append(numpy_helper.from_array(rng.integers(0, 9, size=300, dtype=np.int8), "i8"))
    nodes = [helper.make_node("Identity", [t.name], [t.name + "_out"]) for t in tensors]
    outputs = [helper.make_tensor_value_info(t.name + "_out", t.data_type, [len(numpy_helper.to_array(t))]) for t in tensors]
    graph = helper.make_graph(nodes, "wide", [], outputs, tensors)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def test_a_file_without_weights_and_an_unpacked_file_stay_as_they_are() -> None:
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "relu",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    bare = helper.make_model(graph).SerializeToString()
    assert planes.pack(bare) == bare and planes.unpack(bare) == bare
    model = _model(np.random.default_rng(4))
    assert planes.unpack(model) == model  # a plain ONNX file (0x08 first) is read as it is


@pytest.mark.parametrize("name", NETWORKS)
def test_every_shipped_network_is_stored_as_byte_planes_and_reads_back_whole(name: str) -> None:
    """Each network's file decompresses to packed planes (those with weights) whose ONNX file
    parses and packs back to the same bytes."""
    [path] = DATA.glob(name + ".*")
    stored = (gzip.decompress if path.suffix == ".gz" else lzma.decompress)(path.read_bytes())
    model = onnx_nets.shipped(name)
    assert planes.pack(model) == stored
    proto = onnx.load_from_string(model)  # parses as ONNX
    assert proto.graph.node and proto.graph.output
    if any(t.raw_data for t in proto.graph.initializer if len(t.raw_data) >= 64 and t.data_type != TensorProto.INT8):
        assert stored.startswith(planes.MAGIC)
    assert (path.suffix == ".xz") == (name in onnx_nets.XZ)
