"""Small helpers shared by several test modules."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from rekognition_mock._hook import fake_aws_environment


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess: fake credentials, nothing pointing at AWS."""
    _, fake = fake_aws_environment()
    env = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith("AWS_") or k.startswith("REKOGNITION_MOCK_") or k.lower().endswith("_proxy"))
    }
    env.update(fake)
    env.update(
        AWS_DEFAULT_REGION="us-east-1",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def expect(client: Any, code: str, call: Callable[[], Any]) -> str:
    """``call`` must fail with ``code`` (the modeled exception when there is one) and
    HTTP 400; returns the error message."""
    with pytest.raises(getattr(client.exceptions, code, ClientError)) as info:
        call()
    response = info.value.response
    assert response["Error"]["Code"] == code
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Message"]
    return response["Error"]["Message"]


def only_face_group(data: bytes, group: str) -> Any:
    """The one face of ``data`` with the engine's attribute ``group`` computed, and that group's value."""
    from rekognition_mock.vision import EngineConfig, FaceEngine

    engine = FaceEngine(EngineConfig())
    analysis = engine.analyze(data)
    engine.add_attributes(analysis, data, [group])
    [face] = analysis.faces
    return getattr(face, group)

