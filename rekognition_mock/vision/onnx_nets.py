"""onnxruntime sessions for the shipped networks, and the detector's last convolution.

Every network runs from an ONNX file in ``vision/data/``: dlib's CNN face detector and
face-recognition ResNet (converted once from their ``.dat`` files by
``scripts/convert_dlib_networks.py``, see :mod:`.dlib_graphs`), the small resize graphs the
detector uses, and the attribute networks. Only onnxruntime is needed to run them.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TapKernel:
    """What :func:`sum_taps` needs of a network's last convolution."""

    size: tuple[int, int]  # kernel rows, columns
    padding: tuple[int, int]
    bias: float


def sum_taps(taps: np.ndarray, kernel: TapKernel) -> np.ndarray:
    """The last convolution's output from its taps (``T×H×W``, row-major over the kernel):
    ``out[y, x] = bias + Σ taps[i·kc + j][y + i - pr, x + j - pc]``, zero outside."""
    (kr, kc), (pr, pc) = kernel.size, kernel.padding
    height, width = taps.shape[1:]
    rows, cols = height + 2 * pr - kr + 1, width + 2 * pc - kc + 1
    out = np.full((rows, cols), kernel.bias, dtype=np.float32)
    for i in range(kr):
        y0, y1 = max(0, pr - i), min(rows, height + pr - i)  # output rows whose source row is inside
        for j in range(kc):
            x0, x1 = max(0, pc - j), min(cols, width + pc - j)
            if y0 < y1 and x0 < x1:
                out[y0:y1, x0:x1] += taps[i * kc + j, y0 + i - pr : y1 + i - pr, x0 + j - pc : x1 + j - pc]
    return out


def session_from_bytes(serialized: bytes, threads: int | None = None, arena: bool | str = True):
    """An onnxruntime session for an ONNX file's bytes (a model shipped as a file) using
    every core (or ``threads``).

    ``arena=False`` gives each run's memory back when its outputs are released (for
    graphs such as resizes whose outputs are large and short-lived); ``arena="shared"``
    draws from one arena shared by every session created so (graphs run one after the
    other, such as the halves of a network: their peaks do not add up).
    """
    return _session(serialized, threads, arena)


def session(model, threads: int | None = None, arena: bool | str = True):
    """:func:`session_from_bytes` for an ``onnx.ModelProto`` built in memory (the tests'
    graphs rebuilt from dlib's files, :mod:`.dlib_graphs`)."""
    return _session(model.SerializeToString(), threads, arena)


# The networks only the attributes read, stored xz-compressed rather than gzip (about 0.8 MB
# less installed, a few hundred milliseconds more the first time ``ALL`` attributes are asked
# for); the ones every DetectFaces and CompareFaces reads stay gzip, which loads ten times faster.
XZ = frozenset({"age_gender_hse.onnx", "face_landmarker.onnx", "glasses_classifier.onnx", "masked_face_rfb640.onnx", "emotion_fer2013.onnx"})


def _decompress(path) -> bytes:
    """The ONNX bytes of ``path`` + ``.gz`` or ``.xz``, whichever exists (:func:`ship`'s file)."""
    import gzip
    import lzma

    from .planes import unpack

    gz = path.with_name(path.name + ".gz")
    if gz.is_file():
        return unpack(gzip.decompress(gz.read_bytes()))
    return unpack(lzma.decompress(path.with_name(path.name + ".xz").read_bytes()))


def shipped(name: str) -> bytes:
    """The bytes of ``vision/data/<name>``, a file shipped with the package: the networks are
    stored compressed (``<name>.gz``, or ``<name>.xz`` for those in :data:`XZ`, their weights as
    byte planes, :mod:`.planes`; written by :func:`ship`)."""
    from importlib import resources
    from pathlib import Path

    data = Path(str(resources.files("rekognition_mock.vision") / "data"))
    if (data / name).is_file():
        return (data / name).read_bytes()
    return _decompress(data / name)


def stored(path) -> bytes:
    """A network's bytes from a file: ``path`` itself, or ``path`` + ``.gz`` / ``.xz`` as
    :func:`ship` writes it (for the conversion scripts, which take paths)."""
    from pathlib import Path

    path = Path(path)
    if path.is_file():
        return path.read_bytes()
    return _decompress(path)


def ship(path, data: bytes) -> None:
    """Write a network's bytes where :func:`shipped` reads them: ``path`` (``….onnx``) as
    ``….onnx.gz``, or ``….onnx.xz`` for a name in :data:`XZ`, the weights as byte planes
    (:func:`.planes.pack`; the conversion scripts' one way to store what they convert)."""
    import gzip
    import lzma
    from pathlib import Path

    from .planes import pack

    path = Path(path)
    if path.suffix in (".gz", ".xz"):
        path = path.with_suffix("")
    if path.name in XZ:
        target = path.with_name(path.name + ".xz")
        target.write_bytes(lzma.compress(pack(data), preset=9 | lzma.PRESET_EXTREME))
    else:
        target = path.with_name(path.name + ".gz")
        target.write_bytes(gzip.compress(pack(data), compresslevel=9, mtime=0))
    for other in (path, path.with_name(path.name + (".gz" if target.suffix == ".xz" else ".xz"))):
        if other.is_file():
            other.unlink()  # another copy would be read first


@functools.cache
def _shared_arena() -> None:
    """Register the process-wide CPU arena the ``"shared"`` sessions use (once)."""
    import onnxruntime as ort

    memory = ort.OrtMemoryInfo("Cpu", ort.OrtAllocatorType.ORT_ARENA_ALLOCATOR, 0, ort.OrtMemType.DEFAULT)
    ort.create_and_register_allocator(memory, ort.OrtArenaCfg({"arena_extend_strategy": 1}))  # grow by what is asked


THREADS_VARIABLE = "REKOGNITION_MOCK_THREADS"


def default_threads() -> int:
    """Threads each network runs on: ``$REKOGNITION_MOCK_THREADS`` when it is a positive
    number (the pytest plugin sets it on pytest-xdist workers, so that the workers share the
    cores instead of each taking all of them), else the machine's cores."""
    try:
        threads = int(os.environ.get(THREADS_VARIABLE, ""))
    except ValueError:
        threads = 0
    return threads if threads > 0 else (os.cpu_count() or 1)


_ARENAS = True  # False in server processes (without_arenas)


def without_arenas() -> None:
    """Sessions made from now on keep no memory arena: each run's memory goes back to the C
    library when the run ends (``rekognition-mock serve``, whose requests run side by side:
    arenas keep the most their sessions were ever asked for at once)."""
    global _ARENAS
    _ARENAS = False


def arenas() -> bool:
    """Whether sessions made now keep a memory arena."""
    return _ARENAS


def _session(serialized: bytes, threads: int | None, arena: bool | str):
    import onnxruntime as ort

    options = ort.SessionOptions()
    if not _ARENAS:
        arena = False
    if arena == "shared":
        _shared_arena()
        options.add_session_config_entry("session.use_env_allocators", "1")
    else:
        options.enable_cpu_mem_arena = arena
    options.intra_op_num_threads = threads or default_threads()
    options.inter_op_num_threads = 1
    # idle threads sleep instead of spinning: the engine runs several sessions (and dlib)
    # one after the other, and a session's spinning threads slowed the next one by up to 3x
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(serialized, options, providers=["CPUExecutionProvider"])
