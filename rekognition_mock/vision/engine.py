"""The face engine: image bytes in, faces (box, landmarks, pose, quality, descriptor) out.

Knows nothing about AWS. Results are cached by the SHA-256 of the image bytes and the
engine settings, so the same bytes are analysed once per process; descriptors are
computed only when asked for, once per image.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import attributes as attrs
from . import descriptors, detection, geometry, quality, weights
from .age_gender import AgeGender
from .config import EngineConfig
from .decode import decode_rgb, read_size
from .diskcache import FORMAT, DiskCache, model_versions


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
    attributes: attrs.FaceAttributes
    descriptor: np.ndarray | None = None  # 128 float32, filled on demand
    age_gender: AgeGender | None = None  # filled on demand (trained networks)


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

    def __init__(self, config: EngineConfig | None = None, cache_size: int = 256, pixel_cache_size: int = 4):
        self.config = config or EngineConfig()
        self._cache: OrderedDict[str, Analysis] = OrderedDict()
        self._pixels: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._pixel_cache_size = pixel_cache_size
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
                    self._remember(key, analysis, None)
            if analysis is None:
                rgb, scale = self._decode(data)
                analysis = self._analyze_pixels(key, content_sha256, rgb)
                if scale != (1.0, 1.0):
                    _enlarge(analysis, scale)
                self._remember(key, analysis, rgb)
                if analysis.width * analysis.height > TRIM_PIXELS:
                    _give_back_memory()
                if disk is not None and not descriptors:
                    disk.put(key, analysis)
            if descriptors and not analysis._descriptors_done:
                rgb = self._pixels_for(key, data)
                self._describe(analysis, rgb)
                if disk is not None:
                    disk.put(key, analysis)
        return analysis

    def _key_lock(self, key: str) -> threading.Lock:
        with self._lock:
            lock = self._key_locks.get(key)
            if lock is None:
                if len(self._key_locks) > 4 * self._cache_size:
                    self._key_locks = {k: v for k, v in self._key_locks.items() if v.locked()}
                lock = self._key_locks[key] = threading.Lock()
            return lock

    def _cached(self, key: str) -> Analysis | None:
        with self._lock:
            analysis = self._cache.get(key)
            if analysis is not None:
                self._cache.move_to_end(key)
            return analysis

    def _remember(self, key: str, analysis: Analysis, rgb: np.ndarray | None) -> None:
        with self._lock:
            self._cache[key] = analysis
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            if rgb is not None:
                self._pixels[key] = rgb
                while len(self._pixels) > self._pixel_cache_size:
                    self._pixels.popitem(last=False)

    def add_age_gender(self, analysis: Analysis, data: bytes) -> None:
        """Age and gender of every face that lacks them (the networks run only when asked)."""
        todo = [f for f in analysis.faces if f.age_gender is None]
        if not todo:
            return
        with self._key_lock(analysis.key):
            todo = [f for f in analysis.faces if f.age_gender is None]
            if not todo:
                return
            rgb = self._pixels_for(analysis.key, data)
            sx, sy = analysis._pixel_scale
            faces = [((f.left / sx, f.top / sy, f.right / sx, f.bottom / sy), f.landmarks / (sx, sy)) for f in todo]
            for face, estimate in zip(todo, weights.age_gender_nets().model.estimate(rgb, faces)):
                face.age_gender = estimate
            if _DISK_CACHE is not None:
                _DISK_CACHE.put(analysis.key, analysis)

    def pixels(self, analysis: Analysis, data: bytes) -> np.ndarray:
        """The upright pixels ``analysis`` was measured on (decoded smaller for very large
        images: ``analysis.width / pixels.shape[1]`` is the factor)."""
        return self._pixels_for(analysis.key, data)

    def _pixels_for(self, key: str, data: bytes) -> np.ndarray:
        with self._lock:
            rgb = self._pixels.get(key)
        return rgb if rgb is not None else self._decode(data)[0]

    def _decode(self, data: bytes) -> tuple[np.ndarray, tuple[float, float]]:
        """The upright pixels, decoded smaller when the image is so large that its smallest
        face searched for still fills the detector's window (memory follows the work, not
        the image's size), and the image pixels per decoded pixel along x and y."""
        width, height = read_size(data)
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
        turned: dict[int, np.ndarray] = {0: rgb}
        faces = []
        for det in found:
            if det.turn not in turned:
                turned[det.turn] = np.ascontiguousarray(np.rot90(rgb, det.turn))
            faces.append(self._measure(turned[det.turn], det, width, height))
        faces.sort(key=lambda f: f.area, reverse=True)
        return Analysis(key=key, content_sha256=content_sha256, width=width, height=height, faces=faces)

    def _measure(self, upright: np.ndarray, det: detection.Detection, width: int, height: int) -> Face:
        """Landmarks, pose, quality and attributes of one face.

        ``upright`` is the image turned so that this face is upright (the image itself
        for most faces); everything is measured there, then boxes and landmarks are
        turned back into the image's own coordinates.
        """
        turn = det.turn
        box = detection.rotate_box((det.left, det.top, det.right, det.bottom), turn, width, height)
        upright_points = landmarks_68(upright, box)
        upright_roll, yaw, pitch = geometry.head_pose(upright_points)
        face_box = geometry.face_box(box)
        grey = quality.face_crop_grey(upright, face_box)
        points = detection.unrotate_points(upright_points, turn, width, height)
        left, top, right, bottom = detection.unrotate_box(face_box, turn, width, height)
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
            attributes=attrs.estimate(upright_points, upright, (upright_roll, yaw, pitch)),
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


TRIM_PIXELS = 4_000_000  # after a larger image, freed memory goes back to the system


@functools.cache
def _malloc_trim() -> Any:
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


def _give_back_memory() -> None:
    """Return the heap freed by a large decode to the system (glibc keeps it otherwise)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


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


_DISK_CACHE: DiskCache | None = None


@functools.cache
def _versions() -> str:
    return model_versions()


def set_disk_cache(directory: str | None) -> None:
    """Keep analyses on disk under ``directory`` (``None`` turns the disk cache off)."""
    global _DISK_CACHE
    _DISK_CACHE = DiskCache(directory) if directory else None


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
