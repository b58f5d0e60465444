"""_hook.py: who answers Rekognition inside moto, outside pytest's markers.

A plain ``mock_aws`` follows ``settings.plain_mock_aws`` (``configure()`` or
``REKOGNITION_MOCK_PLAIN_MOCK_AWS``): the face engine by default, or moto's canned answers.
``mock_rekognition()`` and the server always answer with the engine, and the choice is
made request by request, so nothing of it outlives the mock that made it.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws

import imagefactory
from rekognition_mock import _hook, configure, mock_rekognition
from rekognition_mock.server import RekognitionMockServer
from rekognition_mock.settings import ENV_PLAIN_MOCK_AWS, settings

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
FAKE = {"Bytes": b"fake"}


@pytest.fixture(autouse=True)
def choice_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no configure() choice and no variable."""
    monkeypatch.setattr(settings, "_plain_mock_aws", None)
    monkeypatch.delenv(ENV_PLAIN_MOCK_AWS, raising=False)


def client() -> Any:
    return boto3.client("rekognition", region_name="us-east-1")


def answers_canned() -> bool:
    """True when CompareFaces on bytes that are no image gets moto's canned 100.0 match,
    False when the engine refuses them as AWS does."""
    rekognition = client()
    try:
        response = rekognition.compare_faces(SourceImage=FAKE, TargetImage=FAKE)
    except rekognition.exceptions.InvalidImageFormatException:
        return False
    assert response["FaceMatches"][0]["Similarity"] == 100.0
    return True


def test_the_engine_answers_a_plain_mock_aws_by_default() -> None:
    assert settings.plain_mock_aws == "engine"
    with mock_aws():
        assert not answers_canned()


def test_the_variable_gives_a_plain_mock_aws_to_moto_and_mock_rekognition_keeps_the_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV_PLAIN_MOCK_AWS, "moto")
    with mock_aws():
        assert answers_canned()
        assert client().detect_labels(Image=FAKE)["Labels"][0]["Name"] == "Mobile Phone"
        with mock_rekognition():  # nested: the engine while it is active ...
            assert not answers_canned()
        assert answers_canned()  # ... and moto again after it
    with mock_rekognition():
        assert not answers_canned()
        assert len(client().detect_faces(Image={"Bytes": HOPPER})["FaceDetails"]) == 1
    assert _hook._held == 0


def test_configure_wins_over_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_PLAIN_MOCK_AWS, "engine")
    configure(plain_mock_aws="moto")
    with mock_aws():
        assert answers_canned()
    configure(plain_mock_aws=None)  # back to the variable
    with mock_aws():
        assert not answers_canned()


def test_a_bad_choice_is_refused_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="plain_mock_aws must be one of"):
        configure(plain_mock_aws="canned")
    monkeypatch.setenv(ENV_PLAIN_MOCK_AWS, "canned")
    with pytest.raises(ValueError, match=f"{ENV_PLAIN_MOCK_AWS} must be one of .*'canned'"):
        mock_rekognition()  # checked when the mock is made, not in the middle of a request


@mock_rekognition
def decorated_call() -> bool:
    return answers_canned()


@mock_rekognition
def decorated_failure() -> None:
    raise RuntimeError("the test failed")


def test_mock_rekognition_lets_go_of_the_engine_however_it_ends() -> None:
    configure(plain_mock_aws="moto")
    assert decorated_call() is False
    with pytest.raises(RuntimeError):
        decorated_failure()
    with pytest.raises(KeyError), mock_rekognition():
        raise KeyError("inside a with block")
    assert _hook._held == 0
    with mock_aws():
        assert answers_canned()


def test_the_server_answers_with_the_engine_whatever_plain_mock_aws_says() -> None:
    configure(plain_mock_aws="moto")
    with RekognitionMockServer(port=0, inspector=False) as server:
        remote = boto3.client("rekognition", region_name="us-east-1", endpoint_url=server.url)
        assert len(remote.detect_faces(Image={"Bytes": HOPPER})["FaceDetails"]) == 1  # moto has no DetectFaces
        with pytest.raises(remote.exceptions.InvalidImageFormatException):
            remote.compare_faces(SourceImage=FAKE, TargetImage=FAKE)
        server.reset()
    with mock_aws():  # the server's thread chose the engine for itself only
        assert answers_canned()
