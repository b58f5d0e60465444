"""Plugging the backend into moto, and the ``mock_rekognition`` entry point."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar, overload

_INSTALLED = False
_LOCK = threading.Lock()

F = TypeVar("F", bound=Callable[..., Any])


def install() -> None:
    """Make moto answer Rekognition with this project's backend.

    moto finds a service's backends as ``moto.<service>.<service>_backends`` at call time
    (``moto.backends.get_backend``); pointing that attribute at our ``BackendDict``
    serves ``mock_aws``, ``@mock_rekognition`` and moto's server alike. Idempotent.
    """
    global _INSTALLED
    if _INSTALLED:
        return
    with _LOCK:
        if _INSTALLED:
            return
        import moto.rekognition

        from .models import rekognition_backends

        moto.rekognition.rekognition_backends = rekognition_backends  # type: ignore[attr-defined]
        _INSTALLED = True


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

    install()
    if func is not None:
        return mock_aws(func)
    return mock_aws(config=config)
