"""The in-process mock on a state database (``settings.state_url`` /
``REKOGNITION_MOCK_STATE_URL``, service/shared_state.py): it answers as one more replica of
``serve --state-url`` on the same PostgreSQL database, sharing collections and analyses, and
moto's reset leaves the shared database as it is."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import imagefactory
from conftest import make_client
from serverprocess import ServerProcess, client, start_server  # noqa: F401 - a fixture

from rekognition_mock import mock_rekognition
from rekognition_mock.settings import ENV_STATE_URL, settings


@pytest.fixture
def detach() -> Iterator[None]:
    """Close the in-process store at the end (whatever the setting was)."""
    from rekognition_mock.service import shared_state

    yield
    settings.reset_state_url()
    shared_state.close()


def test_the_in_process_mock_is_one_more_replica(start_server: Callable[..., ServerProcess], postgres_url: str,
                                                 monkeypatch: pytest.MonkeyPatch, detach: None) -> None:
    from rekognition_mock.vision.engine import analysis_counts

    image = imagefactory._jpeg(imagefactory._rgb("grace_hopper.jpg"), quality=83)  # bytes no process has seen
    server = client("rekognition", start_server("--port", "0", "--quiet", "--state-url", postgres_url).url)
    server.create_collection(CollectionId="shared")
    indexed = server.index_faces(CollectionId="shared", Image={"Bytes": image})["FaceRecords"][0]["Face"]["FaceId"]

    monkeypatch.setenv(ENV_STATE_URL, postgres_url)
    assert settings.state_url == postgres_url
    before = analysis_counts()
    with mock_rekognition():
        rek = make_client("rekognition")
        assert [f["FaceId"] for f in rek.list_faces(CollectionId="shared")["Faces"]] == [indexed]
        matches = rek.search_faces_by_image(CollectionId="shared", Image={"Bytes": image})["FaceMatches"]
        assert [m["Face"]["FaceId"] for m in matches] == [indexed]
        after = analysis_counts()
        assert after["analysed"] == before["analysed"] and after["read"] == before["read"] + 1  # the server's analysis
        rek.create_user(CollectionId="shared", UserId="grace")
        rek.associate_faces(CollectionId="shared", UserId="grace", FaceIds=[indexed])
    # the mock stopped (moto's reset): the database keeps what the in-process mock wrote
    assert server.list_users(CollectionId="shared")["Users"] == [{"UserId": "grace", "UserStatus": "ACTIVE"}]
    server.create_collection(CollectionId="from-server")
    with mock_rekognition():  # loaded again from the database
        rek = make_client("rekognition")
        assert rek.list_collections()["CollectionIds"] == ["from-server", "shared"]


def test_a_state_url_must_be_postgresql(monkeypatch: pytest.MonkeyPatch, detach: None) -> None:
    monkeypatch.setenv(ENV_STATE_URL, "sqlite:///tmp/x.db")
    with pytest.raises(ValueError, match="REKOGNITION_MOCK_STATE_URL must be a postgresql:// URL"):
        settings.check()
    with pytest.raises(ValueError, match="state_url must be a postgresql:// URL"):
        settings.state_url = "mysql://someone:secret@host/db"
    monkeypatch.delenv(ENV_STATE_URL)
    assert settings.state_url is None
