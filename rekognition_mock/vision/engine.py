"""The face engine: image bytes in, faces (box, landmarks, pose, quality, descriptor) out.

Knows nothing about AWS. Results are cached by the SHA-256 of the image bytes and the
engine settings, so the same bytes are analysed once per process; descriptors are
computed only when asked for, once per image.

Memory: both caches are bounded in bytes (:data:`ANALYSIS_CACHE_BYTES`,
:data:`PIXEL_CACHE_BYTES`), and every pass over an image (detection, attributes, late
descriptors) reserves from one process-wide budget (:data:`ANALYSIS_BUDGET_PIXELS` of
network input) its pixels plus :data:`PASS_PIXELS`, what any pass holds whatever the
image's size. Concurrent requests hold memory in proportion to the pixels being analysed,
not to their number: passes over images, small or large, run one after another.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import numpy as np

from . import attributes as attrs
from . import descriptors, detection, geometry, hog, orientation, quality, weights
from .age_gender import AgeGender
from .config import EngineConfig
from .decode import decode_rgb, read_size
from .diskcache import FORMAT, AnalysisCache, DiskCache, model_versions
from .face_mesh import MeshFace


@dataclass
class Face(detection.BoxSize):
    """One detected face. Coordinates are pixels of the upright image."""

    left: float
    top: float
    right: float
    bottom: float
    score: float
    confidence: float
    landmarks: np.ndarray  # 68×2 float, iBUG order
    roll: float
    yaw: float
    pitch: float
    brightness: float
    sharpness: float
    descriptor: np.ndarray | None = None  # 128 float32, filled on demand
    # Attributes, each group filled on demand (FaceEngine.add_attributes) and then kept:
    measured: attrs.FaceAttributes | None = None  # from the landmarks and pixels
    age_gender: AgeGender | None = None  # the age and gender network
    glasses: float | None = None  # the glasses classifier's log-odds
    mask: float | None = None  # the masked-face detector's probability of a mask
    expression: dict[str, float] | None = None  # the expression network's class probabilities
    mesh: MeshFace | None = None  # the face mesh and its blendshapes


@dataclass
class Analysis:
    """What the engine found in one image."""

    key: str
    content_sha256: str
    width: int
    height: int
    faces: list[Face]  # largest first
    _descriptors_done: bool = field(default=False, repr=False)
    _pixel_scale: tuple[float, float] = field(default=(1.0, 1.0), repr=False)  # image px per decoded px

    @property
    def has_descriptors(self) -> bool:
        """True once every face carries its 128-d descriptor."""
        return self._descriptors_done


class FaceEngine:
    """Detects and describes faces, caching by image content."""

    def __init__(
        self,
        config: EngineConfig | None = None,
        cache_bytes: int | None = None,
        pixel_cache_bytes: int | None = None,
    ) -> None:
        self.config = config or EngineConfig()
        self._cache: _BytesLRU[Analysis] = _BytesLRU(ANALYSIS_CACHE_BYTES if cache_bytes is None else cache_bytes)
        self._pixels: _BytesLRU[np.ndarray] = _BytesLRU(PIXEL_CACHE_BYTES if pixel_cache_bytes is None else pixel_cache_bytes)
        self._lock = threading.RLock()
        self._key_locks: dict[str, threading.Lock] = {}

    def content_key(self, content_sha256: str) -> str:
        """Cache key: the image's SHA-256 under this engine's settings and model versions."""
        name = f"{content_sha256}|{self.config.cache_key!r}|{_versions()}|{FORMAT}"
        return hashlib.sha256(name.encode()).hexdigest()

    def peek(self, data: bytes) -> tuple[str, Analysis | None]:
        """The SHA-256 of ``data`` and its analysis if this process holds it in memory."""
        content_sha256 = hashlib.sha256(data).hexdigest()
        return content_sha256, self._cached(self.content_key(content_sha256))

    def analyze(self, data: bytes, descriptors: bool = False, content_sha256: str | None = None) -> Analysis:
        """Faces in the image ``data`` (JPEG/PNG bytes), largest first.

        Raises :class:`~rekognition_mock.vision.decode.ImageDecodeError` for bytes that
        are not a readable JPEG or PNG. With ``descriptors=True`` every face carries
        its 128-d descriptor. ``content_sha256`` saves hashing the bytes again when the
        caller has already done so (see :meth:`peek`).
        """
        content_sha256 = content_sha256 or hashlib.sha256(data).hexdigest()
        key = self.content_key(content_sha256)
        with self._key_lock(key):
            analysis = self._cached(key)
            disk = _DISK_CACHE
            if analysis is None and disk is not None:
                analysis = disk.get(key)
                if analysis is not None:
                    _count("read")
                    self._remember(key, analysis, None)
            if analysis is None or (descriptors and not analysis._descriptors_done):
                with disk.lock(key) if disk is not None else contextlib.nullcontext():
                    return self._analyze_locked(key, content_sha256, data, descriptors, analysis, disk)
        return analysis

    def _analyze_locked(self, key: str, content_sha256: str, data: bytes, descriptors: bool,
                        analysis: Analysis | None, disk: AnalysisCache | None) -> Analysis:
        """:meth:`analyze`'s work under the key's locks: another process may have stored the
        analysis (or its descriptors) while this one waited, so the disk is read again."""
        if disk is not None:
            stored = disk.get(key)
            if stored is not None and (analysis is None or (stored._descriptors_done and not analysis._descriptors_done)):
                analysis = stored
                _count("read")
                self._remember(key, analysis, None)
        if analysis is None:
            width, height = read_size(data)
            with _BUDGET.reserve(PASS_PIXELS + network_pixels(width, height, self.config)):
                rgb, scale = self._decode(data, width, height)
                analysis = self._analyze_pixels(key, content_sha256, rgb)
                _count("analysed")
                if scale != (1.0, 1.0):
                    _enlarge(analysis, scale)
                if descriptors:
                    self._describe(analysis, rgb)
                    _count("described")
                self._remember(key, analysis, rgb)
                del rgb
                scale = detection.analysis_scale(analysis.width, analysis.height, self.config)
                if analysis.width * analysis.height * scale * scale > TRIM_PIXELS:
                    give_back_memory()  # the network ran on a large input
            if disk is not None:
                disk.put(key, analysis)
        elif descriptors and not analysis._descriptors_done:
            with self._pixels_reserved(key, data) as rgb:
                self._describe(analysis, rgb)
            _count("described")
            if disk is not None:
                disk.put(key, analysis)
        return analysis

    def _key_lock(self, key: str) -> threading.Lock:
        with self._lock:
            lock = self._key_locks.get(key)
            if lock is None:
                if len(self._key_locks) > KEY_LOCKS:
                    self._key_locks = {k: v for k, v in self._key_locks.items() if v.locked()}
                lock = self._key_locks[key] = threading.Lock()
            return lock

    def _cached(self, key: str) -> Analysis | None:
        return self._cache.get(key)

    def _remember(self, key: str, analysis: Analysis, rgb: np.ndarray | None) -> None:
        self._cache.put(key, analysis, analysis_bytes(analysis))
        if rgb is not None:
            self._pixels.put(key, rgb, rgb.nbytes)

    def add_attributes(self, analysis: Analysis, data: bytes, groups: Iterable[str]) -> None:
        """Fill the attribute ``groups`` (of :data:`ATTRIBUTE_GROUPS`) of every face that
        lacks them; each group is computed once per face and kept with the analysis (and
        on disk). Nothing runs for groups every face already has."""
        wanted = [g for g in ATTRIBUTE_GROUPS if g in set(groups)]
        if all(getattr(f, g) is not None for f in analysis.faces for g in wanted):
            return
        disk = _DISK_CACHE
        with self._key_lock(analysis.key), disk.lock(analysis.key) if disk is not None else contextlib.nullcontext():
            if disk is not None:
                _adopt_attributes(analysis, disk.get(analysis.key), wanted)  # another process's work
            todo = {g: [f for f in analysis.faces if getattr(f, g) is None] for g in wanted}
            todo = {g: faces for g, faces in todo.items() if faces}
            if not todo:
                return
            sx, sy = analysis._pixel_scale
            with self._pixels_reserved(analysis.key, data) as rgb:
                for group, faces in todo.items():
                    located = [((f.left / sx, f.top / sy, f.right / sx, f.bottom / sy), f.landmarks / (sx, sy)) for f in faces]
                    for face, value in zip(faces, ATTRIBUTE_GROUPS[group](rgb, located)):
                        setattr(face, group, value)
                del rgb
            if disk is not None:
                disk.put(analysis.key, analysis)

    def pixels(self, analysis: Analysis, data: bytes) -> np.ndarray:
        """The upright pixels ``analysis`` was measured on (decoded smaller for very large
        images: ``analysis.width / pixels.shape[1]`` is the factor)."""
        return self._pixels_for(analysis.key, data)

    def _pixels_for(self, key: str, data: bytes) -> np.ndarray:
        """The decoded pixels of ``data``, from the cache or decoded again (within the budget)."""
        rgb = self._pixels.get(key)
        if rgb is not None:
            return rgb
        width, height = read_size(data)
        with _BUDGET.reserve(self._decoded_pixels(width, height)):
            return self._decode(data, width, height)[0]

    @contextmanager
    def _pixels_reserved(self, key: str, data: bytes) -> Iterator[np.ndarray]:
        """The decoded pixels of ``data`` for a pass over them, held within the budget
        (those pixels and :data:`PASS_PIXELS`) until the pass is done."""
        width, height = read_size(data)
        with _BUDGET.reserve(PASS_PIXELS + self._decoded_pixels(width, height)):
            rgb = self._pixels.get(key)
            yield rgb if rgb is not None else self._decode(data, width, height)[0]

    def _decoded_pixels(self, width: int, height: int) -> int:
        return width * height // detection.reduction(width, height, self.config) ** 2

    def _decode(self, data: bytes, width: int, height: int) -> tuple[np.ndarray, tuple[float, float]]:
        """The upright pixels, decoded smaller when the image is so large that its smallest
        face searched for still fills the detector's window (memory follows the work, not
        the image's size), and the image pixels per decoded pixel along x and y.
        ``width`` and ``height`` are the image's, from its header."""
        step = detection.reduction(width, height, self.config)
        rgb = decode_rgb(data, reduce=step)
        if step == 1:
            return rgb, (1.0, 1.0)
        rows, cols = rgb.shape[:2]
        upright = (width, height) if (cols >= rows) == (width >= height) else (height, width)  # EXIF may turn it
        return rgb, (upright[0] / cols, upright[1] / rows)

    def _analyze_pixels(self, key: str, content_sha256: str, rgb: np.ndarray) -> Analysis:
        height, width = rgb.shape[:2]
        found = detection.detect(rgb, self.config)
        faces = []
        for det in found:
            if det.turn:
                upright, offset = _turned_around(rgb, det)
                faces.append(self._measure(upright, det, width, height, offset))
            else:
                faces.append(self._measure(rgb, det, width, height))
        faces.sort(key=lambda f: f.area, reverse=True)
        return Analysis(key=key, content_sha256=content_sha256, width=width, height=height, faces=faces)

    def _measure(
        self, upright: np.ndarray, det: detection.Detection, width: int, height: int, offset: tuple[int, int] = (0, 0)
    ) -> Face:
        """Landmarks, pose, quality and attributes of one face.

        ``upright`` is the image turned so that this face is upright (the image itself
        for most faces), or the part of it around the face whose corner is at ``offset``
        in the turned image; everything is measured there, then boxes and landmarks are
        turned back into the image's own coordinates.
        """
        turn = det.turn
        ox, oy = offset
        box = orientation.rotate_box((det.left, det.top, det.right, det.bottom), turn, width, height)
        local_box = (box[0] - ox, box[1] - oy, box[2] - ox, box[3] - oy)
        found = landmarks_68(upright, local_box)
        local = untilted_landmarks_68(upright, local_box, found)
        upright_points = local + (ox, oy)
        upright_roll, _, _ = geometry.head_pose(upright_points)
        if local is found:  # the mirror image's landmarks steady the pose (not for a tilted head's)
            _, yaw, pitch = geometry.head_pose((local + mirrored_landmarks_68(upright, local_box)) / 2)
            side = side_view(upright, local_box, yaw)
            if not isinstance(side, SideView):
                yaw = side
            else:
                yaw, pitch = side.yaw, side.pitch
                if attrs.eye_darkness(upright, side.box, side.landmarks) <= REFIT_EYES * attrs.eye_darkness(upright, local_box, local):
                    local = side.landmarks  # the CNN box's landmarks missed the eyes: HOG's box found them
                    upright_points = local + (ox, oy)
                    upright_roll, _, _ = geometry.head_pose(upright_points)
        else:
            _, yaw, pitch = geometry.head_pose(local)
        face_box = geometry.face_box(box)
        grey = quality.face_crop_grey(upright, (face_box[0] - ox, face_box[1] - oy, face_box[2] - ox, face_box[3] - oy))
        points = orientation.unrotate_points(upright_points, turn, width, height)
        left, top, right, bottom = orientation.unrotate_box(face_box, turn, width, height)
        return Face(
            left=left,
            top=top,
            right=right,
            bottom=bottom,
            score=det.score,
            confidence=detection.confidence_from_score(det.score, self.config.detector),
            landmarks=points,
            roll=geometry.eye_line_roll(points) if turn else upright_roll,
            yaw=yaw,
            pitch=pitch,
            brightness=quality.brightness(grey),
            sharpness=quality.sharpness(grey),
        )

    def _describe(self, analysis: Analysis, rgb: np.ndarray) -> None:
        """Every face's 128-d descriptor, in one batch through the ResNet."""
        sx, sy = analysis._pixel_scale
        chips = [
            descriptors.face_chip(rgb, (f.left / sx, f.top / sy, f.right / sx, f.bottom / sy), f.landmarks / (sx, sy))
            for f in analysis.faces
        ]
        vectors = weights.resnet_encoder().model.encode(chips)
        for face, vector in zip(analysis.faces, vectors):
            face.descriptor = vector
        analysis._descriptors_done = True


def _measured(rgb: np.ndarray, faces: list[tuple[tuple[float, float, float, float], np.ndarray]]) -> list[attrs.FaceAttributes]:
    return [attrs.measure(rgb, box, points) for box, points in faces]


# The attribute groups a face can be given on demand: the Face field each fills, and how,
# from the pixels and each face's (box, 68 landmarks) in them.
ATTRIBUTE_GROUPS: dict[str, Callable[[np.ndarray, list], list]] = {
    "measured": _measured,
    "age_gender": lambda rgb, faces: weights.age_gender_net().model.estimate(rgb, faces),
    "glasses": lambda rgb, faces: weights.glasses_net().model.log_odds(rgb, faces),
    "mask": lambda rgb, faces: weights.mask_net().model.probabilities(rgb, faces),
    "expression": lambda rgb, faces: weights.emotion_net().model.probabilities(rgb, faces),
    "mesh": lambda rgb, faces: weights.face_mesh_net().model.analyse(rgb, faces),
}

TRIM_PIXELS = 4_000_000  # after a larger analysis, freed memory goes back to the system
ANALYSIS_CACHE_BYTES = 32 * 2**20  # analyses kept in memory (about 6 KB a face)
PIXEL_CACHE_BYTES = 32 * 2**20  # decoded images kept for a later pass on the same image (five 1080p images)
KEY_LOCKS = 1024  # per-image locks kept before the idle ones are dropped
ANALYSIS_BUDGET_PIXELS = 3840 * 2160  # network input analysed at once: one 1080p image (AWS's reference size)
# What a pass over an image holds whatever the image's size (the detector's turned copies and
# first layers, landmarks, an attribute network's batch: 50-90 MB measured for a 0.5 MP photo,
# as much as 1-2 million network pixels), counted as half the budget: passes run one at a time.
# Every network run uses all the cores already: sixteen small images sent at once to a server
# on 2 cores were answered as fast that way as two or three side by side, with 100 MB less at
# the peak (bench/run.py --only server_memory).
PASS_PIXELS = ANALYSIS_BUDGET_PIXELS // 2
_ANALYSIS_BYTES, _FACE_BYTES = 1024, 6 * 1024


def analysis_bytes(analysis: Analysis) -> int:
    """About how much memory an analysis holds."""
    return _ANALYSIS_BYTES + _FACE_BYTES * len(analysis.faces)


def network_pixels(width: int, height: int, config: EngineConfig) -> int:
    """The pixels the detector looks at for a ``width×height`` image: the image scaled
    for its smallest face (what an analysis's memory follows)."""
    scale = detection.analysis_scale(width, height, config)
    return math.ceil(width * scale) * math.ceil(height * scale)


def _turned_around(rgb: np.ndarray, det: detection.Detection) -> tuple[np.ndarray, tuple[int, int]]:
    """The part of ``rgb`` around a turned face (a face's side of margin), turned upright,
    and where its corner is in the whole turned image (even, so rounding is unchanged)."""
    height, width = rgb.shape[:2]
    turn = det.turn
    left, top, right, bottom = orientation.rotate_box((det.left, det.top, det.right, det.bottom), turn, width, height)
    side = max(right - left, bottom - top)
    turned_w, turned_h = (height, width) if turn % 2 else (width, height)
    x0 = max(0, int(math.floor(left - side)) // 2 * 2)
    y0 = max(0, int(math.floor(top - side)) // 2 * 2)
    x1 = min(turned_w, int(math.ceil(right + side)))
    y1 = min(turned_h, int(math.ceil(bottom + side)))
    a0, b0, a1, b1 = (int(round(v)) for v in orientation.unrotate_box((x0, y0, x1, y1), turn, width, height))
    return np.ascontiguousarray(np.rot90(rgb[b0:b1, a0:a1], turn)), (x0, y0)


T = TypeVar("T")


class _BytesLRU(Generic[T]):
    """A thread-safe least-recently-used cache bounded by the bytes of what it holds."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: OrderedDict[str, tuple[T, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> T | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, key: str, value: T, size: int) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if size > self.budget:
                return  # larger than the whole cache: not kept
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.budget:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    @property
    def nbytes(self) -> int:
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class _Budget:
    """Analyses reserve the network input they need from a shared budget, first come first
    served: large images one at a time, small ones side by side."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._free = capacity
        self._queue: deque[object] = deque()
        self._cond = threading.Condition()

    @contextmanager
    def reserve(self, amount: int) -> Iterator[None]:
        amount = min(max(1, amount), self.capacity)
        ticket = object()
        with self._cond:
            self._queue.append(ticket)
            self._cond.wait_for(lambda: self._queue[0] is ticket and self._free >= amount)
            self._queue.popleft()
            self._free -= amount
            self._cond.notify_all()  # the next in line may fit too
        try:
            yield
        finally:
            with self._cond:
                self._free += amount
                self._cond.notify_all()


_BUDGET = _Budget(ANALYSIS_BUDGET_PIXELS)


@functools.cache
def _malloc_trim() -> Any:
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


def give_back_memory() -> None:
    """Return the heap freed by a large decode to the system (glibc keeps it otherwise)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def tune_for_server() -> None:
    """Set this process up as a server's: one heap for every thread, and no onnxruntime
    memory arenas, so that what concurrent requests hold follows the analysis budget.

    glibc gives each thread that allocates its own heap (up to eight per core), and each
    heap keeps the most its thread ever held; onnxruntime's arenas likewise keep the most
    their sessions were ever asked for at once: sixteen small images sent at once took a
    server to 1.1 GB. With one heap, what a request frees is what the next one takes; blocks
    of :data:`MMAP_THRESHOLD` or more are mapped, and unmapped as soon as they are freed
    (glibc would otherwise raise that threshold after each large block, up to 32 MB, and keep
    those blocks in the heap), and the heap goes back to the system whenever no request runs
    (:func:`give_back_memory`). Runs take a little longer (pages mapped afresh instead of
    an arena's). Called by ``rekognition-mock serve`` for its own process only, before any
    model loads; never in a user's process.
    """
    import ctypes
    import ctypes.util

    from . import onnx_nets

    onnx_nets.without_arenas()
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc: nothing to do
        return
    m_mmap_threshold, m_arena_max = -3, -8
    mallopt(m_arena_max, 1)
    mallopt(m_mmap_threshold, MMAP_THRESHOLD)


MMAP_THRESHOLD = 4 * 2**20  # in server processes, blocks this large are mapped, and unmapped when freed


def _enlarge(analysis: Analysis, scale: tuple[float, float]) -> None:
    """Faces measured on a reduced image, in the coordinates of the image itself."""
    sx, sy = scale
    for face in analysis.faces:
        face.left, face.right, face.top, face.bottom = face.left * sx, face.right * sx, face.top * sy, face.bottom * sy
        face.landmarks = face.landmarks * (sx, sy)
    analysis.width, analysis.height = round(analysis.width * sx), round(analysis.height * sy)
    analysis._pixel_scale = scale


def landmarks_68(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The 68 iBUG landmarks of the face in ``box`` (left, top, right, bottom), ``68×2``."""
    import dlib

    left, top, right, bottom = box
    rect = dlib.rectangle(round(left), round(top), round(right) - 1, round(bottom) - 1)
    predictor = weights.shape_predictor_68()
    with predictor.lock:
        shape = predictor.model(rgb, rect)
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


TILT_CHECK_ROLL = 15.0  # landmarks leaning more than this (degrees) are checked against HOG's vote
TILT_ANGLES = tuple(range(-75, 76, 15))  # the turns of the face's surroundings HOG votes on
TILT_MARGIN = 1.0  # how much better than the landmarks' own angle the vote must score
TILT_FACE = 100  # the face's side (pixels) in the copies HOG votes on


def _surroundings(rgb: np.ndarray, box: tuple[float, float, float, float]):
    """The face in ``box`` with its surroundings, for HOG to look at: the square of twice the
    face's side about its centre (cut by the image's edges) as a Pillow RGB image, its corner
    ``x0, y0`` in ``rgb``, the ``scale`` that makes the face :data:`TILT_FACE` px, and the
    square's grey copy at that scale."""
    from PIL import Image

    left, top, right, bottom = box
    cx, cy = (left + right) / 2, (top + bottom) / 2
    side = max(right - left, bottom - top)
    height, width = rgb.shape[:2]
    x0, y0 = max(0, int(cx - side)), max(0, int(cy - side))
    x1, y1 = min(width, int(math.ceil(cx + side))), min(height, int(math.ceil(cy + side)))
    around = Image.fromarray(np.ascontiguousarray(rgb[y0:y1, x0:x1]))
    scale = TILT_FACE / side
    small = around.convert("L").resize((max(1, round(around.width * scale)), max(1, round(around.height * scale))))
    return around, x0, y0, scale, small


def untilted_landmarks_68(rgb: np.ndarray, box: tuple[float, float, float, float], points: np.ndarray) -> np.ndarray:
    """``points`` (the 68 landmarks found in ``box``), or, for a head tilted so far that the
    shape predictor misplaced them, the landmarks found with the head turned upright.

    The shape predictor expects a face within about 30° of upright; on a head tilted further
    it returns a face-shaped guess that leans the wrong way. When the landmarks lean by more
    than :data:`TILT_CHECK_ROLL`, dlib's HOG detector (which answers only to near-upright
    faces, the face scaled to :data:`TILT_FACE` px) scores the face's surroundings turned by
    each of :data:`TILT_ANGLES`; if a turn of 30° or more scores :data:`TILT_MARGIN` better
    than the turn that would level the landmarks, the landmarks are found again on the face
    turned by it and turned back. Faces leaning less are left exactly as they were.
    """
    from PIL import Image

    roll = geometry.eye_line_roll(points)
    if abs(roll) < TILT_CHECK_ROLL:
        return points
    left, top, right, bottom = box
    cx, cy = (left + right) / 2, (top + bottom) / 2
    around, x0, y0, scale, small = _surroundings(rgb, box)
    centre = (cx - x0, cy - y0)
    small_centre = (centre[0] * scale, centre[1] * scale)
    turned = [np.ascontiguousarray(np.asarray(small.rotate(angle, resample=Image.BILINEAR, center=small_centre))) for angle in TILT_ANGLES]

    def vote(rects, scores, _) -> float:
        near = [sc for r, sc in zip(rects, scores)
                if abs((r.left() + r.right()) / 2 - small_centre[0]) < TILT_FACE * 0.4
                and abs((r.top() + r.bottom()) / 2 - small_centre[1]) < TILT_FACE * 0.4]
        return max(near, default=-math.inf)

    own = min(TILT_ANGLES, key=lambda a: abs(a - roll))  # the turn (counter-clockwise) that levels the landmarks
    votes = {angle: vote(*found) for angle, found in zip(TILT_ANGLES, hog.hog_runs(turned, 0, -1.0))}
    best = max(votes, key=votes.__getitem__)
    if abs(best) < 30 or votes[best] - votes[own] < TILT_MARGIN:
        return points
    turned = np.ascontiguousarray(np.asarray(around.rotate(best, resample=Image.BILINEAR, center=centre)))
    found = landmarks_68(turned, (left - x0, top - y0, right - x0, bottom - y0)) - centre
    # PIL turned the pixels counter-clockwise by ``best``: turn the points back clockwise
    a = math.radians(best)
    cos, sin = math.cos(a), math.sin(a)
    back = np.stack([found[:, 0] * cos - found[:, 1] * sin, found[:, 0] * sin + found[:, 1] * cos], axis=1)
    return back + (cx, cy)


REFIT_EYES = 0.5  # a side view's landmarks replace the CNN box's when their eyes are this much darker
SIDE_CHECK_YAW = 20.0  # faces the landmarks turn further than this (degrees) are checked by HOG
SIDE_MARGIN = 1.5  # how much HOG's filter for one side must outscore the other's to overrule


@dataclass(frozen=True)
class SideView:
    """A face HOG's side filter found, read in HOG's box: pose, the box and the 68 landmarks."""

    yaw: float
    pitch: float
    box: tuple[float, float, float, float]
    landmarks: np.ndarray


def side_view_yaw(rgb: np.ndarray, box: tuple[float, float, float, float], yaw: float) -> float:
    """:func:`side_view`'s Yaw."""
    found = side_view(rgb, box, yaw)
    return found.yaw if isinstance(found, SideView) else found


def side_view(rgb: np.ndarray, box: tuple[float, float, float, float], yaw: float) -> float | SideView:
    """``yaw`` (from the landmarks), read again for a face dlib's HOG detector clearly sees
    from the side.

    The shape predictor places a strongly turned face's landmarks badly in the CNN's box
    (too little turn, sometimes the wrong way); it was trained on HOG's boxes. dlib's HOG
    face detector is five filters, two of them trained on faces turned to one side and to
    the other. For a face the landmarks turn by more than :data:`SIDE_CHECK_YAW`, the face
    (scaled to :data:`TILT_FACE` px) and its mirror image are scored: the filter for the
    image's left on the face and for the image's right on the mirror say "turned left", the
    other two "turned right". When one side outscores the other by :data:`SIDE_MARGIN`, the
    landmarks are found again in the winning filter's box and returned as a
    :class:`SideView`, with the pose read from them and their mirror image's; if even those
    turn the face against HOG's side, ``yaw`` is returned with HOG's sign. Otherwise ``yaw``
    is returned as it is.
    """
    from PIL import Image

    if abs(yaw) < SIDE_CHECK_YAW:
        return yaw
    left, top, right, bottom = box
    cx, cy = (left + right) / 2, (top + bottom) / 2
    _, x0, y0, scale, small = _surroundings(rgb, box)
    centre = ((cx - x0) * scale, (cy - y0) * scale)
    floor = -2.0
    best: dict[str, tuple[float, tuple[float, float, float, float] | None]] = {"left": (floor, None), "right": (floor, None)}
    views = [np.ascontiguousarray(np.asarray(image)) for image in (small, small.transpose(Image.Transpose.FLIP_LEFT_RIGHT))]
    for mirrored, (rects, scores, filters) in zip((False, True), hog.hog_runs(views, 1, floor)):
        at = (small.width - centre[0], centre[1]) if mirrored else centre
        for r, score, index in zip(rects, scores, filters):
            if abs((r.left() + r.right()) / 2 - at[0]) > TILT_FACE * 0.45 or abs((r.top() + r.bottom()) / 2 - at[1]) > TILT_FACE * 0.45:
                continue
            if int(index) not in (1, 2):  # dlib's filter 1 looks to the image's left, 2 to its right
                continue
            side = "left" if (int(index) == 1) != mirrored else "right"
            x0s, x1s = (small.width - r.right() - 1, small.width - r.left()) if mirrored else (r.left(), r.right() + 1)
            found = (x0 + x0s / scale, y0 + r.top() / scale, x0 + x1s / scale, y0 + (r.bottom() + 1) / scale)
            if score > best[side][0]:
                best[side] = (score, found)
    evidence = best["right"][0] - best["left"][0]
    if abs(evidence) < SIDE_MARGIN:
        return yaw
    # the winning side scored above the floor, so its filter found a box: the shape
    # predictor was trained on HOG's boxes, read the face again in this one
    side_box = best["right" if evidence > 0 else "left"][1]
    assert side_box is not None
    points = landmarks_68(rgb, side_box)
    _, side_yaw, side_pitch = geometry.head_pose((points + mirrored_landmarks_68(rgb, side_box)) / 2)
    if (side_yaw > 0) == (evidence > 0):
        return SideView(side_yaw, side_pitch, side_box, points)
    return -yaw if (evidence > 0) != (yaw > 0) else yaw


# iBUG-68 index of each point's mirror image (the left eye's outer corner is the right eye's).
MIRROR_68 = (
    tuple(range(16, -1, -1)) + tuple(range(26, 16, -1)) + (27, 28, 29, 30) + (35, 34, 33, 32, 31)
    + (45, 44, 43, 42, 47, 46) + (39, 38, 37, 36, 41, 40)
    + (54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55) + (64, 63, 62, 61, 60, 67, 66, 65)
)


def mirrored_landmarks_68(rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    """The 68 landmarks found on the mirror image of the face in ``box``, mirrored back and
    renumbered, in ``rgb``'s coordinates.

    Head pose is read from the mean of these and :func:`landmarks_68`'s: the shape predictor
    is not exactly symmetric, and averaging the two makes a mirrored photo give the opposite
    Yaw, as it should, and steadies the strongly turned faces it places less well.
    """
    left, top, right, bottom = box
    height, width = rgb.shape[:2]
    margin = (right - left) / 2
    x0, x1 = max(0, int(math.floor(left - margin))), min(width, int(math.ceil(right + margin)))
    y0, y1 = max(0, int(math.floor(top - margin))), min(height, int(math.ceil(bottom + margin)))
    crop = np.ascontiguousarray(rgb[y0:y1, x0:x1][:, ::-1])
    span = x1 - x0
    points = landmarks_68(crop, (span - (right - x0), top - y0, span - (left - x0), bottom - y0))
    points[:, 0] = span - points[:, 0] - 1 + x0
    points[:, 1] += y0
    return points[list(MIRROR_68)]


def _adopt_attributes(analysis: Analysis, stored: Analysis | None, groups: Iterable[str]) -> None:
    """Copy into ``analysis`` the attribute groups that ``stored`` (the same image's analysis
    read back from the disk cache) has and ``analysis`` lacks, face by face."""
    if stored is None or len(stored.faces) != len(analysis.faces):
        return
    for mine, theirs in zip(analysis.faces, stored.faces):
        for group in groups:
            if getattr(mine, group) is None and getattr(theirs, group) is not None:
                setattr(mine, group, getattr(theirs, group))


_DISK_CACHE: AnalysisCache | None = None  # the analysis cache beyond memory: on disk, or shared by several servers
_COUNTS_LOCK = threading.Lock()
_COUNTS = {"analysed": 0, "described": 0, "read": 0}


def _count(what: str) -> None:
    with _COUNTS_LOCK:
        _COUNTS[what] += 1


def analysis_counts() -> dict[str, int]:
    """What this process's engines did since it started: ``analysed`` (images run through
    the detector), ``described`` (images whose faces got their descriptors) and ``read``
    (analyses taken from the shared or disk cache instead)."""
    with _COUNTS_LOCK:
        return dict(_COUNTS)


@functools.cache
def _versions() -> str:
    return model_versions()


def set_disk_cache(directory: str | None) -> None:
    """Keep analyses on disk under ``directory`` (``None`` turns the disk cache off)."""
    set_analysis_cache(DiskCache(directory) if directory else None)


def set_analysis_cache(cache: AnalysisCache | None) -> None:
    """Keep analyses in ``cache`` (a :class:`~.diskcache.DiskCache`, or a cache several
    processes share; ``None``: in this process's memory only)."""
    global _DISK_CACHE
    _DISK_CACHE = cache


_ENGINES: dict[EngineConfig, FaceEngine] = {}
_ENGINES_LOCK = threading.Lock()


def get_engine(config: EngineConfig | None = None) -> FaceEngine:
    """The process-wide engine for ``config`` (one per distinct configuration)."""
    config = config or EngineConfig()
    with _ENGINES_LOCK:
        engine = _ENGINES.get(config)
        if engine is None:
            engine = _ENGINES[config] = FaceEngine(config)
        return engine
