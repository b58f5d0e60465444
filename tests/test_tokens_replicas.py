"""ClientRequestTokens through two replicas on one PostgreSQL database: a retry sent to the
other replica gets the first answer, the same token on a different request is
IdempotentParameterMismatchException, and two replicas receiving one request at once answer
it alike (CreateUser, DeleteUser, AssociateFaces, DisassociateFaces keep their state in the
store)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

import imagefactory
from serverprocess import ServerProcess, client, start_server  # noqa: F401 - a fixture

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")


def body(reply: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in reply.items() if k != "ResponseMetadata"}


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls on threads released together; their answers (or exceptions) in order."""
    start = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def run(n: int) -> None:
        start.wait()
        try:
            out[n] = calls[n]()
        except Exception as exc:  # noqa: BLE001 - compared by the test
            out[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def test_a_retry_on_the_other_replica_gets_the_same_answer(start_server: Callable[..., ServerProcess],
                                                          postgres_url: str) -> None:
    one, two = (client("rekognition", start_server("--port", "0", "--quiet", "--state-url", postgres_url).url)
                for _ in range(2))
    one.create_collection(CollectionId="staff")
    hopper = one.index_faces(CollectionId="staff", Image={"Bytes": HOPPER})["FaceRecords"][0]["Face"]["FaceId"]
    astronaut = one.index_faces(CollectionId="staff", Image={"Bytes": ASTRONAUT})["FaceRecords"][0]["Face"]["FaceId"]

    one.create_user(CollectionId="staff", UserId="grace", ClientRequestToken="c-1")
    two.create_user(CollectionId="staff", UserId="grace", ClientRequestToken="c-1")  # the retry, elsewhere
    with pytest.raises(two.exceptions.IdempotentParameterMismatchException):
        two.create_user(CollectionId="staff", UserId="other", ClientRequestToken="c-1")

    first = one.associate_faces(CollectionId="staff", UserId="grace", FaceIds=[hopper], ClientRequestToken="a-1")
    assert [f["FaceId"] for f in first["AssociatedFaces"]] == [hopper]
    retry = two.associate_faces(CollectionId="staff", UserId="grace", FaceIds=[hopper], ClientRequestToken="a-1")
    assert body(retry) == body(first)
    with pytest.raises(two.exceptions.IdempotentParameterMismatchException):
        two.associate_faces(CollectionId="staff", UserId="grace", FaceIds=[astronaut], ClientRequestToken="a-1")

    gone = two.disassociate_faces(CollectionId="staff", UserId="grace", FaceIds=[hopper], ClientRequestToken="d-1")
    assert [f["FaceId"] for f in gone["DisassociatedFaces"]] == [hopper]
    assert body(one.disassociate_faces(CollectionId="staff", UserId="grace", FaceIds=[hopper],
                                       ClientRequestToken="d-1")) == body(gone)
    with pytest.raises(one.exceptions.IdempotentParameterMismatchException):
        one.disassociate_faces(CollectionId="staff", UserId="grace", FaceIds=[astronaut], ClientRequestToken="d-1")

    one.delete_user(CollectionId="staff", UserId="grace", ClientRequestToken="x-1")
    two.delete_user(CollectionId="staff", UserId="grace", ClientRequestToken="x-1")  # succeeds again
    with pytest.raises(two.exceptions.ResourceNotFoundException):
        two.delete_user(CollectionId="staff", UserId="grace", ClientRequestToken="x-2")  # a new request
    with pytest.raises(one.exceptions.IdempotentParameterMismatchException):
        one.delete_user(CollectionId="staff", UserId="someone", ClientRequestToken="x-1")


def test_one_request_sent_to_both_replicas_at_once_is_answered_alike(start_server: Callable[..., ServerProcess],
                                                                     postgres_url: str) -> None:
    one, two = (client("rekognition", start_server("--port", "0", "--quiet", "--state-url", postgres_url).url)
                for _ in range(2))
    one.create_collection(CollectionId="staff")
    hopper = one.index_faces(CollectionId="staff", Image={"Bytes": HOPPER})["FaceRecords"][0]["Face"]["FaceId"]
    for round_ in range(5):
        user = f"user-{round_}"
        one.create_user(CollectionId="staff", UserId=user)
        answers = at_once([lambda rek=rek, user=user, token=f"a-{round_}": rek.associate_faces(
            CollectionId="staff", UserId=user, FaceIds=[hopper], ClientRequestToken=token) for rek in (one, two)])
        assert not any(isinstance(a, Exception) for a in answers), answers
        assert body(answers[0]) == body(answers[1])
        assert [f["FaceId"] for f in answers[0]["AssociatedFaces"]] == [hopper]
        answers = at_once([lambda rek=rek, user=user, token=f"x-{round_}": rek.delete_user(
            CollectionId="staff", UserId=user, ClientRequestToken=token) for rek in (one, two)])
        assert not any(isinstance(a, Exception) for a in answers), answers  # no ResourceNotFound for the later one
        assert one.list_users(CollectionId="staff")["Users"] == two.list_users(CollectionId="staff")["Users"] == []
