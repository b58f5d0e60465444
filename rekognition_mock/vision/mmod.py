"""dlib's MMOD face detector, computed the way ``loss_mmod`` and its input layer do.

The network is dlib's own (weights converted once from ``mmod_human_face_detector.dat``
to the ONNX files of ``vision/data/``), run by onnxruntime. Around it, this module
reproduces dlib's detection procedure:

1. **Tiled pyramid** (``input_rgb_image_pyramid<pyramid_down<6>>``): the normalised
   image, ``(pixel - mean) / 256`` per channel, and its successive 5/6 reductions are laid
   out in one tensor (levels stacked down the left, then the rest right-aligned going
   back up), ``padding`` pixels apart inside an ``outer_padding`` border. Each level is a
   bilinear resize of the previous one with corner-aligned sampling.
2. **One forward pass** over the whole tiled image: a single-channel score map, one cell
   per 8 input pixels; cell ``(c, r)`` looks at an 80×80 window centred on the tensor
   point ``(8c + 14, 8r + 14)``. Large inputs run in bands of rows, in two halves
   (:func:`split_network`): the three unpadded stride-2 convolutions need no margin
   beyond their own support, so only the last four convolutions, at an eighth of the
   resolution, are run with rows of context.
3. **Back to the image**: a window is assigned to the pyramid level nearest its centre,
   moved to that level's origin and scaled up by ``(6/5)**level`` (``p·6/5 + 0.3`` per
   level, as ``pyramid_down<6>::point_up``).
4. **Non-max suppression**, strongest first: a window is dropped when its intersection
   with a kept one, divided by the area of the rectangle enclosing both, exceeds the
   threshold stored in the file (0.338).
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Callable

import numpy as np

from .mmod_windows import PYRAMID_RATE, Window, first_kept, suppress, windows_from_scores

MIN_LEVEL_HEIGHT = 5
STRIDE = 8  # input pixels per output cell (three 5×5 convolutions of stride 2, unpadded)
SUPPORT = 29  # input rows under one output row of those three convolutions
CONTEXT = 11  # output rows a band edge disturbs: three padded 5×5 convolutions and the 9×9 one, plus one
BAND_CELLS = 64 * 483  # score cells per run of the first half on large inputs (64 rows of a 3862-pixel-wide
# tiled image: bounds the activations' memory)
BACK_CELLS = 2 * BAND_CELLS  # score cells per run of the second half (an eighth of the resolution: cheaper to hold)
WHOLE_TENSOR_BYTES = 16 * 2**20  # below this the tiled image is one network run, as dlib runs it
BOUND_OUTPUT_BYTES = 2**20  # resized levels this large are written into arrays of ours (smaller: binding costs more than it saves)


# -- the tiled pyramid -------------------------------------------------------------------


def pyramid_layout(rows: int, cols: int, padding: int = 10, outer: int = 11) -> tuple[list[tuple[int, int, int, int]], int, int]:
    """Where each pyramid level sits in the tiled image, as dlib lays it out.

    Returns ``(levels, height, width)`` with each level as ``(left, top, width, height)``.
    """
    sizes = [(cols, rows)]
    r, c = rows, cols
    while True:
        r, c = math.floor(PYRAMID_RATE * r), math.floor(PYRAMID_RATE * c)
        if r * c == 0 or r < MIN_LEVEL_HEIGHT:
            break
        sizes.append((c, r))
    total = sum(h + padding for _, h in sizes) - 2 * padding
    height = prev_width = 0
    for w, h in sizes:
        if w <= cols - prev_width - padding and (height - rows) * 2 >= total - rows:
            break
        height += h + padding
        prev_width = w
    height -= padding
    placed: list[tuple[int, int, int, int]] = []
    y = outer
    i = 0
    while y < height + outer and i < len(sizes):
        w, h = sizes[i]
        placed.append((outer, y, w, h))
        y += h + padding
        i += 1
    y -= padding
    first = placed[0]
    while i < len(sizes):
        w, h = sizes[i]
        left, top = outer + cols - w, y - h
        if left < first[0] + first[2] and top < first[1] + first[3]:
            break  # would overlap the full-size level
        placed.append((left, top, w, h))
        y -= h + padding
        i += 1
    return placed, height + 2 * outer, cols + 2 * outer


def pyramid_levels(level: np.ndarray, compact: np.ndarray, levels, resize) -> list[np.ndarray]:
    """The float16 copies of ``level`` (``1×3×h×w`` float32, given with its float16 copy
    ``compact``) and of its successive reductions, sized as ``levels`` says.

    Each level is resized from the previous one in float32, as dlib chains them, by
    ``resize(level, rows, cols, spare) -> (float32, float16)``, which may write the
    float32 level into ``spare`` (the memory of the level before the previous one, free
    again and larger than needed; ``None`` at first). Only two float32 levels are held at
    a time, and float16 halves the memory of the rest.
    """
    stored = [compact[0]]
    spare = None
    for _, _, w, h in levels[1:]:
        following, compact = resize(level, h, w, spare)
        spare, level = level, following
        stored.append(compact[0])
    return stored


def reuse(buffer: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray | None:
    """A C-ordered array of ``shape`` in the first elements of ``buffer`` (a contiguous
    array of the same type), or ``None`` when there is none or it is too small."""
    count = math.prod(shape)
    if buffer is None or buffer.size < count or not buffer.flags.c_contiguous:
        return None
    return buffer.reshape(-1)[:count].reshape(shape)


def tiled_rows(pixels: list[np.ndarray], levels, width: int, y0: int, y1: int) -> np.ndarray:
    """Rows ``y0..y1`` of the tiled image (``1×3×(y1-y0)×width`` float16), from the levels."""
    out = np.zeros((1, 3, y1 - y0, width), dtype=np.float16)
    for level, (left, top, w, h) in zip(pixels, levels):
        a, b = max(top, y0), min(top + h, y1)
        if a < b:
            out[0, :, a - y0 : b - y0, left : left + w] = level[:, a - top : b - top]
    return out


def output_rows(height: int) -> int:
    """Rows (or columns) of the score map for an input ``height`` rows (columns) long (0 if too short)."""
    for _ in range(3):
        height = (height - 5) // 2 + 1
    return max(0, height)


def band_rows(width: int, cells: int | None = None) -> int:
    """Output rows per band for a tiled image ``width`` pixels wide, of about ``cells``
    (:data:`BAND_CELLS`) score cells."""
    return max(2 * CONTEXT, (cells or BAND_CELLS) // max(1, output_rows(width)))


# -- the detector ---------------------------------------------------------------------------


def split_network(network):
    """``network`` as two networks run one after the other: the stride-2 convolutions
    without padding that open it (with their ReLUs and affines), then the rest.

    The first half's output rows depend on :data:`SUPPORT` input rows each and on nothing
    else, so it can run on any band of rows without a margin; only the second half, at an
    eighth of the resolution, needs rows of context.
    """
    cut = 0
    for index, layer in enumerate(network.layers):
        if layer.kind == "con" and (tuple(layer.settings["stride"]) == (1, 1) or tuple(layer.settings["padding"]) != (0, 0)):
            break
        if layer.kind not in ("con", "relu", "affine"):
            break
        cut = index + 1
    return replace(network, layers=network.layers[:cut]), replace(network, layers=network.layers[cut:])


def front_channels(front) -> int:
    """Channels of the first half's output (the second half's input)."""
    return [layer for layer in front.layers if layer.kind == "con"][-1].params["weights"].shape[0]


class MMODDetector:
    """dlib's MMOD CNN on onnxruntime. Thread-safe; load once per process.

    ``settings`` is what the network's file holds besides its weights (the ``"mmod"`` part
    of ``vision/data/dlib_networks.json``: input ``mean``, the pyramid's ``padding`` and
    ``outer_padding``, the detection ``window``, the overlap rule ``nms`` and the last
    convolution's ``taps``). ``front`` and ``back`` run the two halves of the network
    (:func:`split_network`), built by :func:`.dlib_graphs.build_model` with
    ``compact_input`` and with ``taps``; ``upscale`` and ``pyramid_resize`` are sessions of
    :func:`.dlib_graphs.resize_model` with half-pixel (enlargement) and corner-aligned
    (pyramid) sampling, ``compact`` one of :func:`.dlib_graphs.float16_model`.
    """

    def __init__(self, settings: dict, front, back, upscale, pyramid_resize, compact) -> None:
        from .onnx_nets import TapKernel

        self.mean = np.asarray(settings["mean"], dtype=np.float32)[:, None, None]
        self.mean_rgb = np.round(self.mean.reshape(3)).astype(np.uint8)  # the colour the network sees as nothing
        self.padding = int(settings["padding"])
        self.outer = int(settings["outer_padding"])
        self.window = tuple(settings["window"])
        self.nms = {"iou": float(settings["nms"]["iou"]), "covered": float(settings["nms"]["covered"])}
        self.front = front
        self.back = back
        taps = settings["taps"]
        self.taps = TapKernel(tuple(taps["size"]), tuple(taps["padding"]), float(taps["bias"]))
        self._upscale = upscale
        self._pyramid_resize = pyramid_resize
        self._compact = compact

    def normalise(self, rgb: np.ndarray) -> np.ndarray:
        """``(pixel - mean) / 256`` per channel, as a ``1×3×H×W`` float32 array."""
        image = rgb.transpose(2, 0, 1).astype(np.float32, order="C")
        image -= self.mean  # in place: one float copy of the image at a time
        image *= np.float32(1 / 256)
        return image[None]

    def _input(self, rgb: np.ndarray, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
        """The normalised image at ``rows×cols``: float32 and float16 ``1×3×rows×cols``."""
        image = self.normalise(rgb)
        shape = (1, 3, rows, cols)
        if (rows, cols) == rgb.shape[:2]:
            return image, _run_into(self._compact, {"image": image}, compact=np.empty(shape, np.float16))["compact"]
        return _resized(self._upscale, image, shape)

    def _pyramid(self, level: np.ndarray, rows: int, cols: int, spare: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        return _resized(self._pyramid_resize, level, (1, 3, rows, cols), spare)

    def _scores(self, pixels: list[np.ndarray], levels, height: int, width: int, whole: bool) -> np.ndarray:
        """The score map of the tiled image: in one run when it is small, else in bands.

        The first half (unpadded convolutions) runs on bands of about :data:`BAND_CELLS`
        score cells, each on exactly the input rows it depends on; the second half runs on
        bands of about :data:`BACK_CELLS` cells of its features plus :data:`CONTEXT` rows of
        margin. Every kept row is the one a single run gives, and only the features a band
        needs are held.
        """
        if whole:
            return self._network(tiled_rows(pixels, levels, width, 0, height))[0]
        total = output_rows(height)
        front_rows, back_rows = band_rows(width), band_rows(width, BACK_CELLS)
        held, held_from = None, 0  # feature rows held, and the first one's index
        done = 0  # feature rows computed so far
        bands = []
        for first in range(0, total, back_rows):
            last = min(first + back_rows, total)
            start, end = max(0, first - CONTEXT), min(total, last + CONTEXT)
            parts = [] if held is None else [held[:, :, max(0, start - held_from) :]]
            while done < end:
                upto = min(done + front_rows, total)
                y0, y1 = STRIDE * done, min(height, STRIDE * (upto - 1) + SUPPORT)
                parts.append(self._run(self.front, tiled_rows(pixels, levels, width, y0, y1), shrink=upto == total))
                done = upto
            held = np.concatenate(parts, axis=2) if len(parts) > 1 else parts[0]
            held_from = start
            [band] = self._back(np.ascontiguousarray(held[:, :, : end - start]), shrink=last == total)
            bands.append(band[first - start : last - start])
        return np.concatenate(bands)

    def _network(self, tensor: np.ndarray) -> list[np.ndarray]:
        """The score map of each tiled (float16) image of a batch, in one run of each half."""
        return self._back(self._run(self.front, tensor))

    def _back(self, features: np.ndarray, shrink: bool = False) -> list[np.ndarray]:
        """The score map of each image of the second half's input (``N×C×H×W``)."""
        from .onnx_nets import sum_taps

        return [sum_taps(taps, self.taps) for taps in self._run(self.back, features, shrink)]

    @staticmethod
    def _run(session, tensor: np.ndarray, shrink: bool = False) -> np.ndarray:
        from .onnx_nets import arenas

        options = None
        if shrink and arenas():  # give the memory of a large run back once the image is done
            import onnxruntime as ort

            options = ort.RunOptions()
            options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
        return session.run(None, {"image": tensor}, options)[0]

    def detect(self, rgb: np.ndarray, scale: float = 1.0, threshold: float = 0.0) -> list[Window]:
        """Faces in an ``H×W×3`` uint8 RGB image, in its pixels, strongest first.

        ``scale`` > 1 enlarges the image first (bilinear, pixel centres kept) so that
        faces smaller than the network's 80-pixel window are found; windows come back
        in the coordinates of ``rgb``. With ``scale=1`` and ``threshold=0`` this is what
        dlib's ``cnn_face_detection_model_v1(rgb, 0)`` returns (the pyramid is held as
        float16: scores move by less than 0.01).
        """
        return self.detect_all([rgb], scale, threshold)[0]

    def detect_all(self, images: list[np.ndarray], scale: float = 1.0, threshold: float = 0.0) -> list[list[Window]]:
        """:meth:`detect` for each of several images of one size; small ones run as one
        batch (one network run for all: onnxruntime uses the cores better on a larger
        tensor)."""
        if len(images) > 1 and not self._one_batch(images, scale):
            return [self.detect(rgb, scale, threshold) for rgb in images]
        maps = self._maps(images, scale)
        if maps is None:
            return [[] for _ in images]
        found = []
        levels, rows, cols, scores_of = maps
        for rgb, scores in zip(images, scores_of):
            windows = suppress(windows_from_scores(scores, levels, self.window, threshold), self.nms["iou"], self.nms["covered"])
            sx, sy = rgb.shape[1] / cols, rgb.shape[0] / rows
            found.append([Window(w.left * sx, w.top * sy, w.right * sx, w.bottom * sy, w.score) for w in windows])
        return found

    def strongest_kept(self, images: list[np.ndarray], threshold: float, accept: Callable[[Window], bool]) -> list[Window | None]:
        """For each image (all of one size, at scale 1), the strongest window :meth:`detect`
        would return that ``accept`` takes, or None: the same answer as filtering
        :meth:`detect`'s list, found by visiting the windows strongest first and stopping
        at the first one kept and accepted (a low ``threshold`` gives thousands of
        windows, and suppressing them all is the costly part)."""
        if len(images) > 1 and not self._one_batch(images, 1.0):
            return [self.strongest_kept([rgb], threshold, accept)[0] for rgb in images]
        maps = self._maps(images, 1.0)
        if maps is None:
            return [None for _ in images]
        levels, _, _, scores_of = maps
        return [first_kept(scores, levels, self.window, threshold, self.nms, accept) for scores in scores_of]

    @staticmethod
    def _size(images: list[np.ndarray], scale: float) -> tuple[int, int]:
        rows, cols = images[0].shape[:2]
        if scale != 1.0:
            rows, cols = max(1, round(rows * scale)), max(1, round(cols * scale))
        return rows, cols

    def _one_batch(self, images: list[np.ndarray], scale: float) -> bool:
        """Whether the tiled pyramids of ``images`` are small enough to run as one tensor."""
        rows, cols = self._size(images, scale)
        if min(rows, cols) < MIN_LEVEL_HEIGHT:
            return True
        _, height, width = pyramid_layout(rows, cols, self.padding, self.outer)
        return 3 * 4 * height * width * len(images) <= WHOLE_TENSOR_BYTES

    def _maps(self, images: list[np.ndarray], scale: float):
        """The score maps of images of one size at ``scale`` as ``(levels, rows, cols, maps)``
        (in one run when small, else one image in bands), or None when the image is too
        small for the network."""
        rows, cols = self._size(images, scale)
        if min(rows, cols) < MIN_LEVEL_HEIGHT:
            return None
        levels, height, width = pyramid_layout(rows, cols, self.padding, self.outer)
        if 3 * 4 * height * width * len(images) <= WHOLE_TENSOR_BYTES:
            tiles = [tiled_rows(pyramid_levels(*self._input(rgb, rows, cols), levels, self._pyramid), levels, width, 0, height) for rgb in images]
            return levels, rows, cols, self._network(np.concatenate(tiles))
        pixels = pyramid_levels(*self._input(images[0], rows, cols), levels, self._pyramid)
        maps = [self._scores(pixels, levels, height, width, False)]
        del pixels
        return levels, rows, cols, maps


def _resized(session, image: np.ndarray, shape: tuple[int, int, int, int], spare: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``image`` resized to ``shape`` by a :func:`.dlib_graphs.resize_model` session: float32
    (written into ``spare`` when it is large enough) and float16. Outputs of
    :data:`BOUND_OUTPUT_BYTES` or more are written into arrays of ours (:func:`_run_into`)."""
    inputs = {"image": image, "sizes": np.array(shape, dtype=np.int64)}
    if 4 * math.prod(shape) < BOUND_OUTPUT_BYTES:
        return tuple(session.run(None, inputs))
    into = reuse(spare, shape)
    out = _run_into(session, inputs, output=np.empty(shape, np.float32) if into is None else into, compact=np.empty(shape, np.float16))
    return out["output"], out["compact"]


def _run_into(session, inputs: dict[str, np.ndarray], **outputs: np.ndarray) -> dict[str, np.ndarray]:
    """Run ``session`` with its outputs written into the given arrays (C-ordered, of the
    outputs' shapes and types), and return them.

    For the resize graphs, whose large outputs live briefly and are allocated outside
    onnxruntime's arena: where large blocks are mapped afresh each time (the server's
    processes), those fresh pages cost more than the resize itself (a 3840×2160
    reduction: 71 ms, 26 ms into an array reused). numpy's large arrays ask for huge
    pages, and the pyramid reuses the float32 levels' memory.
    """
    binding = session.io_binding()
    for name, array in inputs.items():
        binding.bind_cpu_input(name, array)
    for name, array in outputs.items():
        binding.bind_output(name, "cpu", 0, array.dtype, array.shape, array.ctypes.data)
    session.run_with_iobinding(binding)
    return outputs
