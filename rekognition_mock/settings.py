"""Product settings: the face detector and the on-disk analysis cache.

Each comes from, in order: :func:`configure` (or assigning ``settings.detector``), an
environment variable, and the default.

- detector: ``REKOGNITION_MOCK_DETECTOR`` = ``cnn`` (default) or ``hog``.
- cache directory: ``REKOGNITION_MOCK_CACHE_DIR``; unset means no disk cache (the pytest
  plugin turns it on in pytest's cache directory).
- turned faces: ``REKOGNITION_MOCK_ROTATIONS`` = ``coarse`` (default), ``full`` or ``off``
  (see :class:`~rekognition_mock.vision.config.EngineConfig`).
- an optional larger smallest face, as a fraction of the image's longer side:
  ``REKOGNITION_MOCK_MIN_FACE_RATIO`` (default 0: faces down to AWS's 40 px in a
  1920×1080 image). Raising it skips small faces to save time.
- who answers Rekognition inside a plain ``mock_aws``: ``REKOGNITION_MOCK_PLAIN_MOCK_AWS`` =
  ``engine`` (default: the face engine) or ``moto`` (moto's own canned answers, for suites
  written against them). ``mock_rekognition()`` always uses the engine.
- Rekognition Video: ``REKOGNITION_MOCK_VIDEO_SAMPLE_MS`` (default 200: the frame at every
  200 ms of video time is analysed) and ``REKOGNITION_MOCK_VIDEO_JOBS`` = ``background``
  (default: Start* returns at once and the job runs on a worker thread; see
  ``rekognition_mock.wait_for_jobs()``) or ``sync`` (Start* returns when the job is done).
- an in-process mock's state on PostgreSQL: ``REKOGNITION_MOCK_STATE_URL`` = a
  ``postgresql://`` URL (unset: memory only), as ``serve --state-url`` (see
  :mod:`rekognition_mock.service.shared_state`).
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from .vision.config import DETECTORS, ROTATIONS, EngineConfig

if TYPE_CHECKING:
    from .vision.engine import FaceEngine

ENV_DETECTOR = "REKOGNITION_MOCK_DETECTOR"
ENV_CACHE_DIR = "REKOGNITION_MOCK_CACHE_DIR"
ENV_MIN_FACE_RATIO = "REKOGNITION_MOCK_MIN_FACE_RATIO"
ENV_ROTATIONS = "REKOGNITION_MOCK_ROTATIONS"
ENV_USER_UPDATE_SECONDS = "REKOGNITION_MOCK_USER_UPDATE_SECONDS"
ENV_FACE_ID_SEED = "REKOGNITION_MOCK_FACE_ID_SEED"
ENV_PLAIN_MOCK_AWS = "REKOGNITION_MOCK_PLAIN_MOCK_AWS"
ENV_VIDEO_SAMPLE_MS = "REKOGNITION_MOCK_VIDEO_SAMPLE_MS"
ENV_VIDEO_JOBS = "REKOGNITION_MOCK_VIDEO_JOBS"
ENV_STATE_URL = "REKOGNITION_MOCK_STATE_URL"
STATE_URL_SCHEMES = ("postgresql://", "postgres://")
VIDEO_JOBS = ("background", "sync")  # how Start* runs a video job; the first is the default
VIDEO_SAMPLE_MS = (200.0, (1.0, 60000.0))  # default and bounds
PLAIN_MOCK_AWS = ("engine", "moto")  # who answers Rekognition in a plain mock_aws; the first is the default
_UNSET = object()


class Settings:
    """Mutable, process-wide settings for the mock."""

    def __init__(self) -> None:
        self._detector: str | None = None
        self._cache_dir: object = _UNSET
        self._applied_cache_dir: object = _UNSET
        self._user_update_seconds: float | None = None
        self._face_id_seed: str | None = None
        self._plain_mock_aws: str | None = None
        self._video_sample_ms: float | None = None
        self._video_jobs: str | None = None
        self._state_url: object = _UNSET
        self._shared_analyses: object = None  # an AnalysisCache several servers share (serve --state-url)
        self._lock = threading.Lock()

    @property
    def video_sample_ms(self) -> float:
        """Milliseconds of video time between the frames a video job analyses (200 by default)."""
        if self._video_sample_ms is not None:
            return self._video_sample_ms
        default, bounds = VIDEO_SAMPLE_MS
        return _env_number(ENV_VIDEO_SAMPLE_MS, default, bounds, "a number of milliseconds", "from 1 to 60000 ms")

    @video_sample_ms.setter
    def video_sample_ms(self, value: float | None) -> None:
        low, high = VIDEO_SAMPLE_MS[1]
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high):
            raise ValueError(f"video_sample_ms must be a number from 1 to 60000, not {value!r}")
        with self._lock:
            self._video_sample_ms = None if value is None else float(value)

    @property
    def video_jobs(self) -> str:
        """``"background"`` (default: a video job runs on a worker thread, Get* answers
        IN_PROGRESS until it is done) or ``"sync"`` (Start* returns once the job is done)."""
        if self._video_jobs is not None:
            return self._video_jobs
        return _env_choice(ENV_VIDEO_JOBS, VIDEO_JOBS)

    @video_jobs.setter
    def video_jobs(self, value: str | None) -> None:
        with self._lock:
            self._video_jobs = _checked_choice("video_jobs", value, VIDEO_JOBS)

    @property
    def face_id_seed(self) -> str | None:
        """The seed of the FaceIds IndexFaces hands out, or None (random, as AWS's)."""
        if self._face_id_seed is not None:
            return self._face_id_seed
        return os.environ.get(ENV_FACE_ID_SEED) or None

    @face_id_seed.setter
    def face_id_seed(self, value: str | int | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, (str, int))):
            raise ValueError(f"face_id_seed must be a string or an integer, not {value!r}")
        with self._lock:
            self._face_id_seed = None if value is None else str(value)

    @property
    def user_update_seconds(self) -> float:
        """How long a user stays UPDATING after AssociateFaces or DisassociateFaces changed it
        (AWS: "will become ACTIVE in few seconds"); 0 by default (the call's own answer says
        UPDATING, as AWS's examples do; later reads see the finished state at once)."""
        if self._user_update_seconds is not None:
            return self._user_update_seconds
        return _env_number(ENV_USER_UPDATE_SECONDS, 0.0, (0.0, 3600.0), "a number of seconds", "from 0 to 3600 seconds")

    @user_update_seconds.setter
    def user_update_seconds(self, value: float | None) -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 3600):
            raise ValueError(f"user_update_seconds must be a number from 0 to 3600, not {value!r}")
        with self._lock:
            self._user_update_seconds = None if value is None else float(value)

    @property
    def plain_mock_aws(self) -> str:
        """Who answers Rekognition inside a plain ``mock_aws`` (and moto's own servers):
        ``"engine"`` (default: the face engine) or ``"moto"`` (moto's canned answers).
        ``mock_rekognition()``, the pytest fixtures and ``rekognition-mock serve`` always
        use the engine."""
        if self._plain_mock_aws is not None:
            return self._plain_mock_aws
        return _env_choice(ENV_PLAIN_MOCK_AWS, PLAIN_MOCK_AWS)

    @plain_mock_aws.setter
    def plain_mock_aws(self, value: str | None) -> None:
        with self._lock:
            self._plain_mock_aws = _checked_choice("plain_mock_aws", value, PLAIN_MOCK_AWS)

    @property
    def detector(self) -> str:
        """``"cnn"`` (default: dlib's MMOD network) or ``"hog"`` (cheapest, frontal faces)."""
        if self._detector is not None:
            return self._detector
        return _env_choice(ENV_DETECTOR, DETECTORS)

    @detector.setter
    def detector(self, value: str | None) -> None:
        with self._lock:
            self._detector = _checked_choice("detector", value, DETECTORS)

    @property
    def cache_dir(self) -> str | None:
        """Directory of the on-disk analysis cache, or None when it is off."""
        if self._cache_dir is not _UNSET:
            return self._cache_dir  # type: ignore[return-value]
        return os.environ.get(ENV_CACHE_DIR) or None

    @cache_dir.setter
    def cache_dir(self, value: str | os.PathLike[str] | None) -> None:
        with self._lock:
            self._cache_dir = None if value is None else os.fspath(value)

    @property
    def state_url(self) -> str | None:
        """The PostgreSQL database an in-process mock keeps its collections, faces, users and
        analyses in, as ``serve --state-url`` does (:mod:`rekognition_mock.service.shared_state`),
        or None (memory only, the default)."""
        if self._state_url is not _UNSET:
            return self._state_url  # type: ignore[return-value]
        return _checked_url(ENV_STATE_URL, os.environ.get(ENV_STATE_URL, "").strip() or None)

    @state_url.setter
    def state_url(self, value: str | None) -> None:
        with self._lock:
            self._state_url = _UNSET if value is None else _checked_url("state_url", value)

    def reset_state_url(self) -> None:
        """Forget an explicit state URL (the environment decides again)."""
        with self._lock:
            self._state_url = _UNSET

    def share_analyses(self, cache: object) -> None:
        """Keep the engine's analyses in ``cache`` (a
        :class:`~rekognition_mock.vision.diskcache.AnalysisCache` shared with other servers,
        such as the state database of ``serve --state-url``) instead of :attr:`cache_dir`;
        ``None`` returns to :attr:`cache_dir`."""
        with self._lock:
            self._shared_analyses = cache

    def reset_cache_dir(self) -> None:
        """Forget an explicit cache directory (the environment decides again)."""
        with self._lock:
            self._cache_dir = _UNSET

    @property
    def min_face_ratio(self) -> float:
        """Smallest face searched for, as a fraction of the image's longer side."""
        return _env_number(ENV_MIN_FACE_RATIO, EngineConfig.min_face_ratio, (0.0, 1.0), "a number", "in [0, 1]")

    @property
    def rotations(self) -> str:
        """How turned faces are looked for: ``"coarse"`` (default), ``"full"`` or ``"off"``."""
        value = os.environ.get(ENV_ROTATIONS, "").strip().lower() or ROTATIONS[0]
        if value not in ROTATIONS:
            raise ValueError(f"{ENV_ROTATIONS} must be one of {ROTATIONS}, not {value!r}")
        return value

    def check(self) -> None:
        """ValueError now for a bad REKOGNITION_MOCK_* variable, rather than inside a request."""
        self.engine_config()
        _ = self.user_update_seconds
        _ = self.plain_mock_aws
        _ = self.video_sample_ms
        _ = self.video_jobs
        _ = self.state_url

    def engine_config(self) -> EngineConfig:
        """The engine configuration these settings describe."""
        return EngineConfig(detector=self.detector, min_face_ratio=self.min_face_ratio, rotations=self.rotations)


def _env_choice(name: str, choices: tuple[str, ...]) -> str:
    """The environment variable ``name`` (case-insensitive), or the first of ``choices`` when unset."""
    value = os.environ.get(name, "").strip().lower() or choices[0]
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, not {value!r}")
    return value


def _checked_choice(setting: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    """``value`` for ``setting`` when it is one of ``choices`` (or None: back to the environment)."""
    if value is not None and value not in choices:
        raise ValueError(f"{setting} must be one of {choices}, not {value!r}")
    return value


def _checked_url(name: str, value: object) -> str | None:
    """``value`` when it is a PostgreSQL URL (or None); ValueError naming ``name`` otherwise."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith(STATE_URL_SCHEMES):
        shown = value if not isinstance(value, str) else value.split("@")[-1][:80]
        raise ValueError(f"{name} must be a postgresql:// URL, not {shown!r}")
    return value


def _env_number(name: str, default: float, bounds: tuple[float, float], kind: str, within: str) -> float:
    """The number in environment variable ``name`` (``default`` when unset or blank);
    ValueError naming the variable when it is not ``kind`` or not ``within`` ``bounds``."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be {kind}, not {raw!r}") from None
    if not bounds[0] <= value <= bounds[1]:
        raise ValueError(f"{name} must be {within}, not {value}")
    return value


settings = Settings()


def configure(detector: object = _UNSET, cache_dir: object = _UNSET, user_update_seconds: object = _UNSET,
              face_id_seed: object = _UNSET, plain_mock_aws: object = _UNSET, video_sample_ms: object = _UNSET,
              video_jobs: object = _UNSET, state_url: object = _UNSET) -> None:
    """Change the settings given; leave the others as they are.

    ``detector``: ``"hog"``, ``"cnn"`` or ``None`` (back to the environment/default).
    ``cache_dir``: a directory for the on-disk analysis cache, or ``None`` (off).
    ``user_update_seconds``: how long a user stays UPDATING after its faces change, or
    ``None`` (back to the environment/default 0).
    ``face_id_seed``: a string (or integer) that makes the FaceIds IndexFaces hands out the
    same on every run, or ``None`` (back to the environment/default: random version-4 UUIDs,
    as AWS's).
    ``plain_mock_aws``: ``"engine"`` or ``"moto"``: who answers Rekognition inside a plain
    ``mock_aws`` (``mock_rekognition()`` always uses the engine), or ``None`` (back to the
    environment/default ``"engine"``).
    ``video_sample_ms``: milliseconds of video time between the frames video jobs analyse,
    or ``None`` (back to the environment/default 200).
    ``video_jobs``: ``"background"`` or ``"sync"`` (Start* returns once its job is done), or
    ``None`` (back to the environment/default ``"background"``).
    ``state_url``: a ``postgresql://`` URL: the in-process mock keeps its state and analyses in
    that database, shared with ``serve --state-url`` replicas; or ``None`` (back to the
    environment/default: memory only).
    """
    if detector is not _UNSET:
        settings.detector = detector  # type: ignore[assignment]
    if cache_dir is not _UNSET:
        settings.cache_dir = cache_dir  # type: ignore[assignment]
    if user_update_seconds is not _UNSET:
        settings.user_update_seconds = user_update_seconds  # type: ignore[assignment]
    if face_id_seed is not _UNSET:
        settings.face_id_seed = face_id_seed  # type: ignore[assignment]
    if plain_mock_aws is not _UNSET:
        settings.plain_mock_aws = plain_mock_aws  # type: ignore[assignment]
    if video_sample_ms is not _UNSET:
        settings.video_sample_ms = video_sample_ms  # type: ignore[assignment]
    if video_jobs is not _UNSET:
        settings.video_jobs = video_jobs  # type: ignore[assignment]
    if state_url is not _UNSET:
        settings.state_url = state_url  # type: ignore[assignment]


def engine() -> "FaceEngine":
    """The face engine for the current settings."""
    from .vision.engine import get_engine, set_analysis_cache, set_disk_cache

    shared = settings._shared_analyses
    wanted = shared if shared is not None else settings.cache_dir
    if wanted is not settings._applied_cache_dir and wanted != settings._applied_cache_dir:
        if shared is not None:
            set_analysis_cache(shared)  # type: ignore[arg-type]
        else:
            set_disk_cache(wanted)  # type: ignore[arg-type]
        settings._applied_cache_dir = wanted
    return get_engine(settings.engine_config())
