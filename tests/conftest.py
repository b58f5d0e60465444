"""Shared pytest fixtures: fake AWS credentials, mocked clients, importable helpers.

Nothing in the suite may reach AWS: every test gets fake credentials and
``us-east-1`` through an autouse fixture, and the client fixtures live inside one
``mock_rekognition()`` context (which mocks every moto service, S3 included).
"""

from __future__ import annotations

from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore.config import Config

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
def fake_aws_environment(aws_credentials: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin's fake credentials in every test, and a fixed region."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def mocked_aws(rekognition_mock_session: Any) -> None:
    """The plugin's ``mock_rekognition()`` context, shared by all client fixtures of a test."""


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


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester (for the modules that load it) as a user's run sees the plugin: autoloaded
    from its entry point, the detector and the plain-``mock_aws`` choice at their defaults."""
    from rekognition_mock.settings import settings

    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("REKOGNITION_MOCK_DETECTOR", raising=False)
    monkeypatch.delenv("REKOGNITION_MOCK_PLAIN_MOCK_AWS", raising=False)
    monkeypatch.setattr(settings, "_detector", None)
    monkeypatch.setattr(settings, "_plain_mock_aws", None)
    return pytester


@pytest.fixture(scope="session")
def pg_cluster() -> Any:
    """A throwaway PostgreSQL cluster for this session (tests/pgcluster.py); skips with the
    reason where none can run, but fails under CI=true (or REKOGNITION_MOCK_REQUIRE_POSTGRES=1)."""
    import pgcluster

    reason = pgcluster.unavailable()
    if reason is not None:
        if pgcluster.required():
            pytest.fail(f"PostgreSQL tests must run here (CI) but {reason}", pytrace=False)
        pytest.skip(reason)
    cluster = pgcluster.Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_url(pg_cluster: Any) -> str:
    """The URL of an empty database of the session's cluster, for this test alone."""
    return str(pg_cluster.new_database())
