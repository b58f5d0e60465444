"""The users API (service/models.py users section, store/collections.User): faces grouped into users, users searched."""

from __future__ import annotations

from typing import Any

import pytest

import imagefactory
from helpers import expect
from shapecheck import assert_output_shape

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")
HOPPER_PHOTOS = [HOPPER, imagefactory.augmented(), imagefactory.augmented(mirror=True)]
HOPPER_FOURTH = imagefactory.blurred(radius=1)


def index(client: Any, data: bytes, external: str) -> str:
    return client.index_faces(CollectionId="staff", Image={"Bytes": data}, ExternalImageId=external)[
        "FaceRecords"][0]["Face"]["FaceId"]


@pytest.fixture
def staff(rekognition: Any) -> dict[str, Any]:
    rekognition.create_collection(CollectionId="staff")
    hopper = [index(rekognition, data, f"hopper-{i}") for i, data in enumerate(HOPPER_PHOTOS)]
    astronaut = index(rekognition, ASTRONAUT, "astronaut")
    return {"hopper": hopper, "astronaut": astronaut}


def test_a_user_of_three_photos_is_found_by_a_fourth(rekognition: Any, staff: dict[str, Any]) -> None:
    assert_output_shape("CreateUser", rekognition.create_user(CollectionId="staff", UserId="grace"))
    associated = rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"])
    assert_output_shape("AssociateFaces", associated)
    assert [f["FaceId"] for f in associated["AssociatedFaces"]] == staff["hopper"]
    assert associated["UnsuccessfulFaceAssociations"] == [] and associated["UserStatus"] == "ACTIVE"

    found = rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": HOPPER_FOURTH})
    assert_output_shape("SearchUsersByImage", found)
    [match] = found["UserMatches"]
    assert match["User"] == {"UserId": "grace", "UserStatus": "ACTIVE"} and match["Similarity"] > 99
    assert found["SearchedFace"]["FaceDetail"]["Confidence"] > 99

    stranger = rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": ASTRONAUT})
    assert stranger["UserMatches"] == []

    by_face = rekognition.search_users(CollectionId="staff", FaceId=staff["hopper"][0])
    assert_output_shape("SearchUsers", by_face)
    assert [m["User"]["UserId"] for m in by_face["UserMatches"]] == ["grace"]
    assert by_face["SearchedFace"] == {"FaceId": staff["hopper"][0]}
    assert rekognition.search_users(CollectionId="staff", FaceId=staff["astronaut"])["UserMatches"] == []

    listed = rekognition.list_faces(CollectionId="staff", UserId="grace")["Faces"]
    assert sorted(f["FaceId"] for f in listed) == sorted(staff["hopper"]) and all(f["UserId"] == "grace" for f in listed)
    assert rekognition.describe_collection(CollectionId="staff")["UserCount"] == 1


def test_a_stranger_is_refused_below_the_threshold(rekognition: Any, staff: dict[str, Any]) -> None:
    rekognition.create_user(CollectionId="staff", UserId="grace")
    rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"][:1])
    response = rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=[staff["astronaut"]])
    assert_output_shape("AssociateFaces", response)
    assert response["AssociatedFaces"] == []
    [failure] = response["UnsuccessfulFaceAssociations"]
    assert failure["Reasons"] == ["LOW_MATCH_CONFIDENCE"] and failure["Confidence"] < 75
    lenient = rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=[staff["astronaut"]],
                                          UserMatchThreshold=0)
    assert [f["FaceId"] for f in lenient["AssociatedFaces"]] == [staff["astronaut"]]


def test_faces_of_another_user_and_missing_faces(rekognition: Any, staff: dict[str, Any]) -> None:
    rekognition.create_user(CollectionId="staff", UserId="grace")
    rekognition.create_user(CollectionId="staff", UserId="eileen")
    rekognition.associate_faces(CollectionId="staff", UserId="eileen", FaceIds=[staff["astronaut"]])
    missing = "00000000-0000-4000-8000-000000000000"
    response = rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=[staff["astronaut"], missing])
    reasons = {f["FaceId"]: (f["Reasons"], f["UserId"]) for f in response["UnsuccessfulFaceAssociations"]}
    assert reasons == {staff["astronaut"]: (["ASSOCIATED_TO_A_DIFFERENT_USER"], "eileen"), missing: (["FACE_NOT_FOUND"], "grace")}

    undone = rekognition.disassociate_faces(CollectionId="staff", UserId="grace", FaceIds=[staff["astronaut"], missing])
    assert_output_shape("DisassociateFaces", undone)
    assert undone["DisassociatedFaces"] == []
    assert {f["FaceId"]: f["Reasons"] for f in undone["UnsuccessfulFaceDisassociations"]} == {
        staff["astronaut"]: ["ASSOCIATED_TO_A_DIFFERENT_USER"], missing: ["FACE_NOT_FOUND"]}
    done = rekognition.disassociate_faces(CollectionId="staff", UserId="eileen", FaceIds=[staff["astronaut"]])
    assert done["DisassociatedFaces"] == [{"FaceId": staff["astronaut"]}] and done["UserStatus"] == "CREATED"


def test_create_user_is_idempotent_with_its_token(rekognition: Any, staff: dict[str, Any]) -> None:
    rekognition.create_user(CollectionId="staff", UserId="grace", ClientRequestToken="token-1")
    rekognition.create_user(CollectionId="staff", UserId="grace", ClientRequestToken="token-1")  # a retry
    expect(rekognition, "ConflictException", lambda: rekognition.create_user(CollectionId="staff", UserId="grace"))
    expect(rekognition, "IdempotentParameterMismatchException",
           lambda: rekognition.create_user(CollectionId="staff", UserId="other", ClientRequestToken="token-1"))
    assert [u["UserId"] for u in rekognition.list_users(CollectionId="staff")["Users"]] == ["grace"]


def test_list_users_pages_and_delete_user_frees_its_faces(rekognition: Any, staff: dict[str, Any]) -> None:
    for name in ("a", "b", "c"):
        rekognition.create_user(CollectionId="staff", UserId=name)
    rekognition.associate_faces(CollectionId="staff", UserId="b", FaceIds=staff["hopper"])
    first = rekognition.list_users(CollectionId="staff", MaxResults=2)
    assert_output_shape("ListUsers", first)
    assert first["Users"] == [{"UserId": "a", "UserStatus": "CREATED"}, {"UserId": "b", "UserStatus": "ACTIVE"}]
    rest = rekognition.list_users(CollectionId="staff", MaxResults=2, NextToken=first["NextToken"])
    assert rest["Users"] == [{"UserId": "c", "UserStatus": "CREATED"}] and "NextToken" not in rest
    paged = [u["UserId"] for page in rekognition.get_paginator("list_users").paginate(CollectionId="staff",
             PaginationConfig={"PageSize": 1}) for u in page["Users"]]
    assert paged == ["a", "b", "c"]

    assert_output_shape("DeleteUser", rekognition.delete_user(CollectionId="staff", UserId="b"))
    assert rekognition.list_faces(CollectionId="staff", UserId="b")["Faces"] == []
    assert all("UserId" not in f for f in rekognition.list_faces(CollectionId="staff")["Faces"])
    assert rekognition.describe_collection(CollectionId="staff")["UserCount"] == 2


def test_deleting_a_face_drops_it_from_its_user(rekognition: Any, staff: dict[str, Any]) -> None:
    rekognition.create_user(CollectionId="staff", UserId="grace")
    rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"])
    rekognition.delete_faces(CollectionId="staff", FaceIds=staff["hopper"])
    assert rekognition.list_users(CollectionId="staff")["Users"] == [{"UserId": "grace", "UserStatus": "CREATED"}]
    expect(rekognition, "InvalidParameterException", lambda: rekognition.search_users(CollectionId="staff", UserId="grace"))


def test_error_paths(rekognition: Any, staff: dict[str, Any]) -> None:
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.create_user(CollectionId="nope", UserId="x"))
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.delete_user(CollectionId="staff", UserId="x"))
    expect(rekognition, "ResourceNotFoundException",
           lambda: rekognition.associate_faces(CollectionId="staff", UserId="x", FaceIds=staff["hopper"]))
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.list_users(CollectionId="nope"))
    expect(rekognition, "InvalidPaginationTokenException",
           lambda: rekognition.list_users(CollectionId="staff", NextToken="garbage"))
    expect(rekognition, "InvalidParameterException", lambda: rekognition.search_users(CollectionId="staff"))
    expect(rekognition, "InvalidParameterException",
           lambda: rekognition.search_users(CollectionId="staff", UserId="x", FaceId=staff["astronaut"]))
    expect(rekognition, "InvalidParameterException",
           lambda: rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": imagefactory.face_free()}))
    expect(rekognition, "InvalidImageFormatException",
           lambda: rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": b"not an image"}))


def test_a_user_holds_at_most_100_faces(rekognition: Any, rekognition_backend: Any, staff: dict[str, Any]) -> None:
    import numpy as np

    collection = rekognition_backend.collections["staff"]
    descriptor = collection.faces.descriptor(staff["hopper"][0])
    ids = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(101)]
    collection.faces.add(ids, "0b7e3b0c-3f38-5d7c-9a3e-2b1c0d4e5f60", None, np.tile(descriptor, (101, 1)),
                         np.tile(np.float32([0.2, 0.3, 0.1, 0.1]), (101, 1)), np.full(101, 99.0, np.float32))
    rekognition.create_user(CollectionId="staff", UserId="many")
    assert len(rekognition.associate_faces(CollectionId="staff", UserId="many", FaceIds=ids[:100])["AssociatedFaces"]) == 100
    expect(rekognition, "ServiceQuotaExceededException",
           lambda: rekognition.associate_faces(CollectionId="staff", UserId="many", FaceIds=ids[100:]))
