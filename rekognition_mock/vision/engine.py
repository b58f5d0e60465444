"""The face engine: image bytes in, faces (box, landmarks, pose, quality, descriptor) out.

Knows nothing about AWS. Results are cached by the SHA-256 of the image bytes and the
engine settings, so the same bytes are analysed once per process; descriptors are
computed only when asked for, once per image.

Memory: both caches are bounded in bytes (:data:`ANALYSIS_CACHE_BYTES`,
:data:`PIXEL_CACHE_BYTES`), and every pass over an image (detection, attributes, late
descriptors) reserves from one process-wide budget (:data:`memory.ANALYSIS_BUDGET_PIXELS` of
network input) its pixels plus :data:`memory.PASS_PIXELS`, what any pass holds whatever the
image's size. Concurrent requests hold memory in proportion to the pixels being analysed,
not to their number: passes over images, small or large, run one after another.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import math
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from . import attributes as attrs
from . import descriptors, detection, geometry, memory, orientation, quality, weights
from .age_gender import AgeGender
from .config import EngineConfig
from .decode import decode_rgb, read_size
from .diskcache import FORMAT, AnalysisCache, DiskCache, model_versions
from .emotions import ExpressionReading
from .face_mesh import MeshFace
from .glasses import GlassesReading
from .landmarks import REFIT_EYES, SideView, landmarks_68, mirrored_landmarks_68, side_view, untilted_landmarks_68
from .memory import PASS_PIXELS, TRIM_PIXELS, BytesLRU, give_back_memory


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
    glasses: GlassesReading | None = None  # the glasses classifier's answer and the read-out of its features
    mask: float | None = None  # the masked-face detector's probability of a mask
    expression: ExpressionReading | None = None  # the expression network's class probabilities and read-out
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
        self._cache: BytesLRU[Analysis] = BytesLRU(ANALYSIS_CACHE_BYTES if cache_bytes is None else cache_bytes)
        self._pixels: BytesLRU[np.ndarray] = BytesLRU(PIXEL_CACHE_BYTES if pixel_cache_bytes is None else pixel_cache_bytes)
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
                upright, offset = orientation.turned_around(rgb, (det.left, det.top, det.right, det.bottom), det.turn)
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
                if attrs.eye_darkness(upright, side.landmarks) <= REFIT_EYES * attrs.eye_darkness(upright, local):
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
            descriptors.face_chip(rgb, f.landmarks / (sx, sy))
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
    "glasses": lambda rgb, faces: weights.glasses_net().model.readings(rgb, faces),
    "mask": lambda rgb, faces: weights.mask_net().model.probabilities(rgb, faces),
    "expression": lambda rgb, faces: weights.emotion_net().model.readings(rgb, faces),
    "mesh": lambda rgb, faces: weights.face_mesh_net().model.analyse(rgb, faces),
}

ANALYSIS_CACHE_BYTES = 32 * 2**20  # analyses kept in memory (about 6 KB a face)
PIXEL_CACHE_BYTES = 32 * 2**20  # decoded images kept for a later pass on the same image (five 1080p images)
KEY_LOCKS = 1024  # per-image locks kept before the idle ones are dropped
_BUDGET = memory.Budget(memory.ANALYSIS_BUDGET_PIXELS)
_ANALYSIS_BYTES, _FACE_BYTES = 1024, 6 * 1024


def analysis_bytes(analysis: Analysis) -> int:
    """About how much memory an analysis holds."""
    return _ANALYSIS_BYTES + _FACE_BYTES * len(analysis.faces)


def network_pixels(width: int, height: int, config: EngineConfig) -> int:
    """The pixels the detector looks at for a ``width×height`` image: the image scaled
    for its smallest face (what an analysis's memory follows)."""
    scale = detection.analysis_scale(width, height, config)
    return math.ceil(width * scale) * math.ceil(height * scale)


def _enlarge(analysis: Analysis, scale: tuple[float, float]) -> None:
    """Faces measured on a reduced image, in the coordinates of the image itself."""
    sx, sy = scale
    for face in analysis.faces:
        face.left, face.right, face.top, face.bottom = face.left * sx, face.right * sx, face.top * sy, face.bottom * sy
        face.landmarks = face.landmarks * (sx, sy)
    analysis.width, analysis.height = round(analysis.width * sx), round(analysis.height * sy)
    analysis._pixel_scale = scale


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
