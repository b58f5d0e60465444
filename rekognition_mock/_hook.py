"""Plugging the backend into moto, and the ``mock_rekognition`` entry point.

moto finds Rekognition's backends as ``moto.rekognition.rekognition_backends`` on each
request. That attribute is answered here, request by request: the face engine's backends
while a ``mock_rekognition()`` is active (or in a thread building the server's app), and
otherwise as ``settings.plain_mock_aws`` says (``"engine"``, the default, or ``"moto"``
for moto's own canned answers).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import sys
import threading
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any, TypeVar, overload

from .settings import settings

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
_held = 0  # mock_rekognition()s active now: while any is, the engine answers
_thread = threading.local()  # .engine: this thread is building the server's app

F = TypeVar("F", bound=Callable[..., Any])


def engine_answers() -> bool:
    """Whether a Rekognition request reaching moto now goes to the face engine."""
    return bool(_held or getattr(_thread, "engine", False)) or settings.plain_mock_aws == "engine"


def _hold(delta: int) -> None:
    global _held
    with _LOCK:
        _held = max(0, _held + delta)


@contextlib.contextmanager
def engine_in_this_thread() -> Iterator[None]:
    """The engine answers what this thread asks moto for, whatever ``plain_mock_aws`` says."""
    before = getattr(_thread, "engine", False)
    _thread.engine = True
    try:
        yield
    finally:
        _thread.engine = before


def create_engine_backend_app(service: str) -> Any:
    """moto's ``create_backend_app`` for a server, with Rekognition's app made on the engine
    (moto builds a service's app once, from the backends it finds then)."""
    from moto.moto_server.werkzeug_app import create_backend_app

    with engine_in_this_thread():
        return create_backend_app(service)  # type: ignore[arg-type]


def _backends() -> Any:
    if engine_answers():
        from .service.models import rekognition_backends

        return rekognition_backends
    return importlib.import_module(MOTO_MODULE + ".models").rekognition_backends


def _patch(module: ModuleType) -> None:
    """Make ``module.rekognition_backends`` ours or moto's, decided on each access.

    The attribute is resolved by a PEP 562 module ``__getattr__``: moto reads it on each
    request (``moto.backends.get_backend``), and our models module itself imports moto's,
    which may be what triggered this patch.
    """
    module.__dict__.pop("rekognition_backends", None)

    def __getattr__(name: str) -> Any:
        if name == "rekognition_backends":
            return _backends()
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
    request arrives (``moto.backends.get_backend``), so answering that attribute with our
    ``BackendDict`` serves ``mock_aws``, ``@mock_rekognition`` and moto's server alike
    (plain ``mock_aws`` gets moto's own when ``settings.plain_mock_aws`` is ``"moto"``).
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
    moto service (S3 above all) is mocked too, in the same account. While it is active the
    engine answers, whatever ``settings.plain_mock_aws`` says.
    """
    from moto import mock_aws

    settings.check()  # a bad REKOGNITION_MOCK_* variable raises ValueError now, not per request
    install()
    mock = mock_aws(config=config)  # moto picks its class (in-process, server or proxy mode)
    _hold_engine_while_started(mock)
    if func is not None:
        return mock(func)
    return mock


def _hold_engine_while_started(mock: Any) -> None:
    """Make ``mock`` hold the engine from its ``start`` to its ``stop`` (its decorators and its
    ``with`` block call both). The methods are wrapped on the instance: moto counts nested
    mocks on ``self.__class__``, which a subclass would split in two."""
    start, stop = mock.start, mock.stop
    holds = 0

    def held_start(reset: bool = True) -> None:
        nonlocal holds
        _hold(1)
        try:
            start(reset=reset)
        except BaseException:
            _hold(-1)
            raise
        holds += 1

    def held_stop(remove_data: bool = True) -> None:
        nonlocal holds
        try:
            stop(remove_data=remove_data)
        finally:
            if holds:
                holds -= 1
                _hold(-1)

    mock.start, mock.stop = held_start, held_stop
