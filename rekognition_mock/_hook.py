"""Plugging the backend into moto, and the ``mock_rekognition`` entry point."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar, overload

MOTO_MODULE = "moto.rekognition"

# Environment variables that could send a boto3 client somewhere other than the mock
# (profiles, endpoint overrides, config files that name either), and fake credentials.
REDIRECTING_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_REKOGNITION",
    "AWS_ENDPOINT_URL_S3",
)
FAKE_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
CONFIG_FILES = ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


def fake_aws_environment() -> tuple[tuple[str, ...], dict[str, str]]:
    """The variables to unset and the ones to set so that nothing can reach AWS."""
    import os

    values = {name: "testing" for name in FAKE_CREDENTIALS}
    values.update({name: os.devnull for name in CONFIG_FILES})
    return REDIRECTING_VARIABLES, values
_LOCK = threading.Lock()

F = TypeVar("F", bound=Callable[..., Any])


def _our_backends() -> Any:
    from .service.models import rekognition_backends

    return rekognition_backends


def _patch(module: ModuleType) -> None:
    """Point ``module.rekognition_backends`` at ours, resolved on first access.

    Resolution is deferred (PEP 562 module ``__getattr__``) because our models module
    itself imports moto's, which may be what triggered this patch.
    """
    module.__dict__.pop("rekognition_backends", None)

    def __getattr__(name: str) -> Any:
        if name == "rekognition_backends":
            value = _our_backends()
            module.rekognition_backends = value  # type: ignore[attr-defined]
            return value
        raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]


class _PatchingLoader(importlib.abc.Loader):
    """Runs moto's own ``moto.rekognition`` loader, then points it at our backends."""

    def __init__(self, inner: importlib.abc.Loader) -> None:
        self._inner = inner

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._inner.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._inner.exec_module(module)
        _patch(module)


class _MotoRekognitionFinder(importlib.abc.MetaPathFinder):
    """Intercepts the import of ``moto.rekognition`` (and nothing else)."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != MOTO_MODULE:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _PatchingLoader(spec.loader)
        return spec


_FINDER = _MotoRekognitionFinder()


def install() -> None:
    """Make moto answer Rekognition with this project's backend.

    moto finds a service's backends as ``moto.<service>.<service>_backends`` when a
    request arrives (``moto.backends.get_backend``), so pointing that attribute at our
    ``BackendDict`` serves ``mock_aws``, ``@mock_rekognition`` and moto's server alike.
    If moto's module is not imported yet, an import hook does it when it is, which keeps
    ``import rekognition_mock`` from importing moto. Idempotent.
    """
    with _LOCK:
        module = sys.modules.get(MOTO_MODULE)
        if module is not None:
            _patch(module)
        elif _FINDER not in sys.meta_path:
            sys.meta_path.insert(0, _FINDER)


@overload
def mock_rekognition(func: F) -> F: ...
@overload
def mock_rekognition(func: None = None, config: Any = None) -> Any: ...
def mock_rekognition(func: Any = None, config: Any = None) -> Any:
    """moto's ``mock_aws`` with Rekognition answered by the face engine.

    Use it as a function decorator, a class decorator or a context manager; every other
    moto service (S3 above all) is mocked too, in the same account.
    """
    from moto import mock_aws

    from .settings import settings

    settings.check()  # a bad REKOGNITION_MOCK_* variable raises ValueError now, not per request
    install()
    if func is not None:
        return mock_aws(func)
    return mock_aws(config=config)
