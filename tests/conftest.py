"""Shared pytest fixtures: fake AWS credentials, mocked clients, importable helpers.

Nothing in the suite may reach AWS: every test gets fake credentials and
``us-east-1`` through an autouse fixture, and the client fixtures live inside one
``mock_rekognition()`` context (which mocks every moto service, S3 included).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.config import Config

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:  # tests/ has no __init__.py: make the helpers importable
    sys.path.insert(0, str(TESTS_DIR))

from rekognition_mock import mock_rekognition  # noqa: E402

REGION = "us-east-1"

# moto gives every test a fresh boto3 default session, and a fresh session re-reads
# botocore's JSON models from disk (0.1-0.3 s per client). The clients below come from a
# new session per test too, but share one loader, which only caches those static files.
_SHARED_LOADER = botocore.loaders.create_loader()


def make_client(service: str, config: Config | None = None) -> Any:
    """A boto3 client for ``service`` from a new session (call it inside the mock)."""
    session = botocore.session.get_session()
    session.register_component("data_loader", _SHARED_LOADER)
    return boto3.Session(botocore_session=session).client(service, region_name=REGION, config=config)


@pytest.fixture(autouse=True)
def fake_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a fixed region, so no test can ever talk to real AWS."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_REKOGNITION",
        "AWS_ENDPOINT_URL_S3",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


@pytest.fixture
def mocked_aws(fake_aws_environment: None) -> Iterator[None]:
    """One ``mock_rekognition()`` context shared by all client fixtures of a test."""
    with mock_rekognition():
        yield


@pytest.fixture
def rekognition(mocked_aws: None) -> Any:
    """A boto3 Rekognition client answered by the mock."""
    return make_client("rekognition")


@pytest.fixture
def s3(mocked_aws: None) -> Any:
    """A boto3 S3 client answered by moto, in the same mock as ``rekognition``."""
    return make_client("s3")


@pytest.fixture
def unvalidated_rekognition(mocked_aws: None) -> Any:
    """A Rekognition client without botocore's client-side parameter validation.

    Bad parameters reach the mock, so its server-side validation is what answers.
    """
    return make_client("rekognition", Config(parameter_validation=False))
