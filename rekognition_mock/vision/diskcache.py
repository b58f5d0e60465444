"""A persistent cache of analyses on disk, keyed by image content and engine settings.

Entries are pickles written atomically (temporary file + rename), so several processes
(pytest-xdist workers) can share one directory; an entry that cannot be read for any
reason is ignored, removed and recomputed. :meth:`DiskCache.lock` is a lock across
processes per key (striped over 256 lock files), so that two workers that meet the same
image analyse it once: the second waits, then reads the first one's entry. The key covers the image's SHA-256, the engine
settings, the model files' versions and :data:`FORMAT`, which changes whenever the
engine's results would.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ContextManager, Protocol, runtime_checkable

try:
    import fcntl
except ImportError:  # Windows: no lock across processes, each worker analyses for itself
    fcntl = None  # type: ignore[assignment]

FORMAT = "rekognition-mock-analysis-40"  # 40: the expression network's reading holds its read-out of a moustache (vision/data/expression_readouts.npz), the Mustache model refitted with it; 39: the glasses classifier's reading holds the read-out of its pooled features (vision/data/glasses_readouts.npz), the Eyeglasses model refitted with it (scripts/fit_attribute_models.py); 38: the attribute models refitted on the numpy landmarks (vision/data/hse_readouts.npz, descriptor_readouts.npz and the constants of mesh_attributes and age_gender); 37: dlib's HOG detector and 68-point landmark model run by numpy, the landmark model's leaves stored compactly (vision/data/landmarks_68.npz.xz: points move by about 0.7 % of the box's width); 36: face chips cut by vision/chips.py in numpy (the same pixels as dlib's), the ResNet's larger convolutions stored as int8 (descriptors move by < 0.015), FaceOccluded's confidence from the read-out of a covered face fitted with composed cases too (AgeGender.occluded_cases_logit); 34: dlib's ResNet and the FER2013 network from ONNX files with float16 weights (descriptors move by < 6e-4, expressions by < 0.001)


@runtime_checkable
class AnalysisCache(Protocol):
    """Where the engine keeps analyses beyond its own memory (:class:`DiskCache` on one
    machine; a shared database for several servers, wired in by whoever runs the engine).

    ``get`` answers None for a key not stored (or unreadable); ``put`` never raises (a cache
    that cannot be written is only a slower cache); ``lock(key)`` is held while the key is
    being analysed, so that an analysis is made once by every process sharing the cache: the
    second waits, then reads the first one's entry. Values go through :func:`dumps` and
    :func:`loads`."""

    def get(self, key: str) -> Any | None: ...
    def put(self, key: str, value: Any) -> None: ...
    def lock(self, key: str) -> ContextManager[None]: ...


def dumps(value: Any) -> bytes:
    """The stored form of an analysis: a pickle tagged with :data:`FORMAT`."""
    return pickle.dumps((FORMAT, value), protocol=pickle.HIGHEST_PROTOCOL)


def loads(data: bytes) -> Any:
    """The analysis in ``data`` (from :func:`dumps`); ValueError when written by another format."""
    header, value = pickle.loads(data)
    if header != FORMAT:
        raise ValueError("old format")
    return value


def model_versions() -> str:
    """Versions of the runtimes the models run on, part of every cache key (the models
    themselves ship with the package: its version and :data:`FORMAT` name them)."""
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for dist in ("onnxruntime", "numpy"):
        try:
            parts.append(f"{dist}={version(dist)}")
        except PackageNotFoundError:
            parts.append(f"{dist}=?")
    return ";".join(parts)


class DiskCache:
    """Analyses stored as one file per key under ``directory``."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.pickle"

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Hold the lock of ``key`` across processes (an exclusive ``flock`` on one of 256
        lock files, chosen by the key's first two hex digits). Not re-entrant; a cache
        whose lock file cannot be opened simply does not lock."""
        if fcntl is None:
            yield
            return
        try:
            folder = self.directory / "locks"
            folder.mkdir(exist_ok=True)
            handle = open(folder / f"{key[:2]}.lock", "a+b")
        except OSError:
            yield
            return
        with handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def get(self, key: str) -> Any | None:
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                return loads(handle.read())
        except FileNotFoundError:
            return None
        except Exception:  # corrupt, truncated or foreign: recompute
            try:
                path.unlink()
            except OSError:
                pass
            return None

    def put(self, key: str, value: Any) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pickle")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(dumps(value))
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            pass  # a cache that cannot be written is only a slower cache
