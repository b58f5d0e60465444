"""The users API (service/models/users.py over store/users.py): faces grouped into users, users searched.

Real photos throughout: three different images of Grace Hopper (the photo, a cropped and
rescaled copy, a mirrored one) make a user, a fourth (blurred) finds her, Eileen Collins
(astronaut.jpg) is the stranger.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import imagefactory
from helpers import expect
from rekognition_mock.service import limits
from rekognition_mock.store.facestore import FaceStore
from rekognition_mock.store.users import User, UserStore
from shapecheck import assert_output_shape

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")
HOPPER_PHOTOS = [HOPPER, imagefactory.augmented(), imagefactory.augmented(mirror=True)]
HOPPER_FOURTH = imagefactory.blurred(radius=1)
MISSING = "00000000-0000-4000-8000-000000000000"


def index(client: Any, data: bytes, external: str) -> str:
    return client.index_faces(CollectionId="staff", Image={"Bytes": data}, ExternalImageId=external)[
        "FaceRecords"][0]["Face"]["FaceId"]


@pytest.fixture
def staff(rekognition: Any) -> dict[str, Any]:
    rekognition.create_collection(CollectionId="staff")
    hopper = [index(rekognition, data, f"hopper-{i}") for i, data in enumerate(HOPPER_PHOTOS)]
    astronaut = index(rekognition, ASTRONAUT, "astronaut")
    return {"hopper": hopper, "astronaut": astronaut}


def user_ids(response: dict[str, Any]) -> list[str]:
    return [m["User"]["UserId"] for m in response["UserMatches"]]


def test_a_user_of_three_photos_is_found_by_a_fourth(rekognition: Any, staff: dict[str, Any]) -> None:
    assert_output_shape("CreateUser", rekognition.create_user(CollectionId="staff", UserId="grace"))
    assert rekognition.list_users(CollectionId="staff")["Users"] == [{"UserId": "grace", "UserStatus": "CREATED"}]
    associated = rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"])
    assert_output_shape("AssociateFaces", associated)
    assert [f["FaceId"] for f in associated["AssociatedFaces"]] == staff["hopper"]
    assert associated["UnsuccessfulFaceAssociations"] == [] and associated["UserStatus"] == "UPDATING"

    found = rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": HOPPER_FOURTH})
    assert_output_shape("SearchUsersByImage", found)
    [match] = found["UserMatches"]
    assert match["User"] == {"UserId": "grace", "UserStatus": "ACTIVE"} and match["Similarity"] > 99
    assert found["SearchedFace"]["FaceDetail"]["Confidence"] > 99 and found["UnsearchedFaces"] == []

    stranger = rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": ASTRONAUT})
    assert stranger["UserMatches"] == [] and "SearchedFace" in stranger
    low = rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": ASTRONAUT}, UserMatchThreshold=0)
    assert user_ids(low) == ["grace"] and low["UserMatches"][0]["Similarity"] < 80

    by_face = rekognition.search_users(CollectionId="staff", FaceId=staff["hopper"][0])
    assert_output_shape("SearchUsers", by_face)
    assert user_ids(by_face) == ["grace"] and by_face["SearchedFace"] == {"FaceId": staff["hopper"][0]}
    assert rekognition.search_users(CollectionId="staff", FaceId=staff["astronaut"])["UserMatches"] == []

    listed = rekognition.list_faces(CollectionId="staff", UserId="grace")["Faces"]
    assert_output_shape("ListFaces", {"Faces": listed})
    assert sorted(f["FaceId"] for f in listed) == sorted(staff["hopper"]) and all(f["UserId"] == "grace" for f in listed)
    everyone = rekognition.list_faces(CollectionId="staff")["Faces"]
    assert {f["FaceId"]: f.get("UserId") for f in everyone} == {**dict.fromkeys(staff["hopper"], "grace"), staff["astronaut"]: None}
    matches = rekognition.search_faces(CollectionId="staff", FaceId=staff["hopper"][0])["FaceMatches"]
    assert {m["Face"]["FaceId"]: m["Face"]["UserId"] for m in matches} == dict.fromkeys(staff["hopper"][1:], "grace")
    assert rekognition.describe_collection(CollectionId="staff")["UserCount"] == 1


@pytest.mark.parametrize("fourth", [HOPPER_FOURTH, imagefactory.blurred(radius=3.5), imagefactory.dark(factor=0.2)],
                         ids=["blurred-1", "blurred-3.5", "dark"])
def test_the_user_vector_is_nearer_a_new_photo_than_the_single_faces(
    rekognition: Any, rekognition_backend: Any, staff: dict[str, Any], fourth: bytes
) -> None:
    """What makes user search the more accurate search: the mean of three photos lies nearer a
    fourth photo of her than the typical single photo does (measured: 0.082 against 0.083-0.140
    for the slightly blurred photo, 0.262 against 0.265-0.288 for the very blurred one)."""
    rekognition.create_user(CollectionId="staff", UserId="grace")
    rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"])
    collection = rekognition_backend.collections["staff"]
    probe = rekognition_backend.analyze_image({"Bytes": fourth}, descriptors=True).faces[0].descriptor
    single = sorted(float(np.linalg.norm(probe - collection.faces.descriptor(f))) for f in staff["hopper"])
    to_user = float(np.linalg.norm(probe - collection.users.vector("grace")))
    assert to_user < single[1]
    np.testing.assert_allclose(collection.users.vector("grace"),
                               np.mean([collection.faces.descriptor(f) for f in staff["hopper"]], axis=0), rtol=1e-5)


def test_a_stranger_is_refused_below_the_threshold(rekognition: Any, staff: dict[str, Any]) -> None:
    rekognition.create_user(CollectionId="staff", UserId="grace")
    rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"])
    response = rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=[staff["astronaut"]])
    assert_output_shape("AssociateFaces", response)
    assert response["AssociatedFaces"] == [] and response["UserStatus"] == "ACTIVE"
    [failure] = response["UnsuccessfulFaceAssociations"]
    assert failure["FaceId"] == staff["astronaut"] and failure["UserId"] == "grace"
    assert failure["Reasons"] == ["LOW_MATCH_CONFIDENCE"] and failure["Confidence"] < limits.DEFAULT_ASSOCIATE_THRESHOLD
    # the Confidence is the similarity the face scores against the user in SearchUsers. Exactly equal
    # by construction, not by luck of float order: both are UserStore.distances on the same stored
    # descriptor and user vectors, turned into a number by the same _user_similarity.
    scored = rekognition.search_users(CollectionId="staff", FaceId=staff["astronaut"], UserMatchThreshold=0)
    assert scored["UserMatches"][0]["Similarity"] == failure["Confidence"]
    assert len(rekognition.list_faces(CollectionId="staff", UserId="grace")["Faces"]) == 3

    lenient = rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=[staff["astronaut"]],
                                          UserMatchThreshold=0)
    assert [f["FaceId"] for f in lenient["AssociatedFaces"]] == [staff["astronaut"]]


def test_the_first_faces_of_a_user_are_not_matched(rekognition: Any, staff: dict[str, Any]) -> None:
    """UserMatchThreshold applies once the user holds a face (AWS: "a UserID that has at least
    one FaceID already associated"): an empty user takes any faces given together."""
    rekognition.create_user(CollectionId="staff", UserId="mixed")
    both = rekognition.associate_faces(CollectionId="staff", UserId="mixed", FaceIds=[staff["hopper"][0], staff["astronaut"]])
    assert len(both["AssociatedFaces"]) == 2 and both["UnsuccessfulFaceAssociations"] == []


def test_faces_already_there_are_ignored_and_others_refused_with_their_reason(rekognition: Any, staff: dict[str, Any]) -> None:
    rekognition.create_user(CollectionId="staff", UserId="grace")
    rekognition.create_user(CollectionId="staff", UserId="eileen")
    rekognition.associate_faces(CollectionId="staff", UserId="eileen", FaceIds=[staff["astronaut"]])
    rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"][:1])

    again = rekognition.associate_faces(CollectionId="staff", UserId="grace",
                                        FaceIds=[staff["hopper"][0], staff["hopper"][1], staff["astronaut"], MISSING])
    assert [f["FaceId"] for f in again["AssociatedFaces"]] == [staff["hopper"][1]]  # hopper-0 was there: ignored
    reasons = {f["FaceId"]: (f["Reasons"], f["UserId"]) for f in again["UnsuccessfulFaceAssociations"]}
    assert reasons == {staff["astronaut"]: (["ASSOCIATED_TO_A_DIFFERENT_USER"], "eileen"),
                       MISSING: (["FACE_NOT_FOUND"], "grace")}

    undone = rekognition.disassociate_faces(CollectionId="staff", UserId="grace",
                                            FaceIds=[staff["hopper"][2], staff["astronaut"], MISSING])
    assert_output_shape("DisassociateFaces", undone)
    assert undone["DisassociatedFaces"] == []  # hopper-2 belongs to no one: ignored
    assert {f["FaceId"]: (f["Reasons"], f["UserId"]) for f in undone["UnsuccessfulFaceDisassociations"]} == {
        staff["astronaut"]: (["ASSOCIATED_TO_A_DIFFERENT_USER"], "eileen"), MISSING: (["FACE_NOT_FOUND"], "grace")}
    done = rekognition.disassociate_faces(CollectionId="staff", UserId="eileen", FaceIds=[staff["astronaut"]])
    assert done["DisassociatedFaces"] == [{"FaceId": staff["astronaut"]}] and done["UserStatus"] == "UPDATING"
    assert "UserId" not in rekognition.list_faces(CollectionId="staff", FaceIds=[staff["astronaut"]])["Faces"][0]


def test_create_user_is_idempotent_with_its_token(rekognition: Any, staff: dict[str, Any]) -> None:
    rekognition.create_user(CollectionId="staff", UserId="grace", ClientRequestToken="token-1")
    rekognition.create_user(CollectionId="staff", UserId="grace", ClientRequestToken="token-1")  # a retry
    expect(rekognition, "ConflictException", lambda: rekognition.create_user(CollectionId="staff", UserId="grace"))
    expect(rekognition, "IdempotentParameterMismatchException",
           lambda: rekognition.create_user(CollectionId="staff", UserId="other", ClientRequestToken="token-1"))
    assert [u["UserId"] for u in rekognition.list_users(CollectionId="staff")["Users"]] == ["grace"]


def test_a_retry_with_the_same_token_gets_the_same_answer(rekognition: Any, staff: dict[str, Any]) -> None:
    """DeleteUser, AssociateFaces and DisassociateFaces: "If you use the same token with multiple
    requests, the same response is returned" (botocore sends one token for a call and its retries)."""
    rekognition.create_user(CollectionId="staff", UserId="grace")
    first = rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"], ClientRequestToken="a-1")
    retry = rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"], ClientRequestToken="a-1")
    assert retry["AssociatedFaces"] == first["AssociatedFaces"] and len(first["AssociatedFaces"]) == 3
    fresh = rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"])  # a new call
    assert fresh["AssociatedFaces"] == []
    expect(rekognition, "IdempotentParameterMismatchException",
           lambda: rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"][:1],
                                               ClientRequestToken="a-1"))

    gone = rekognition.disassociate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"][:1], ClientRequestToken="d-1")
    assert rekognition.disassociate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"][:1],
                                          ClientRequestToken="d-1")["DisassociatedFaces"] == gone["DisassociatedFaces"] != []

    assert_output_shape("DeleteUser", rekognition.delete_user(CollectionId="staff", UserId="grace", ClientRequestToken="x-1"))
    rekognition.delete_user(CollectionId="staff", UserId="grace", ClientRequestToken="x-1")  # the retry succeeds too
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.delete_user(CollectionId="staff", UserId="grace"))


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
    assert rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": HOPPER_FOURTH})["UserMatches"] == []


def test_a_face_of_a_user_is_not_deleted_until_disassociated(rekognition: Any, staff: dict[str, Any]) -> None:
    """AWS's DeleteFaces refuses such a face (reason ASSOCIATED_TO_AN_EXISTING_USER, with the UserId)."""
    rekognition.create_user(CollectionId="staff", UserId="grace")
    rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"])
    refused = rekognition.delete_faces(CollectionId="staff", FaceIds=[staff["hopper"][0], staff["astronaut"], MISSING])
    assert_output_shape("DeleteFaces", refused)
    assert refused["DeletedFaces"] == [staff["astronaut"]]
    assert refused["UnsuccessfulFaceDeletions"] == [
        {"FaceId": staff["hopper"][0], "UserId": "grace", "Reasons": ["ASSOCIATED_TO_AN_EXISTING_USER"]},
        {"FaceId": MISSING, "Reasons": ["FACE_NOT_FOUND"]},
    ]
    assert len(rekognition.list_faces(CollectionId="staff", UserId="grace")["Faces"]) == 3

    rekognition.disassociate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"])
    assert rekognition.delete_faces(CollectionId="staff", FaceIds=staff["hopper"])["DeletedFaces"] == staff["hopper"]
    assert rekognition.list_users(CollectionId="staff")["Users"] == [{"UserId": "grace", "UserStatus": "CREATED"}]
    expect(rekognition, "InvalidParameterException", lambda: rekognition.search_users(CollectionId="staff", UserId="grace"))


def test_search_users_by_user_id_leaves_the_user_out(rekognition: Any, staff: dict[str, Any]) -> None:
    rekognition.create_user(CollectionId="staff", UserId="grace")
    rekognition.create_user(CollectionId="staff", UserId="grace-too")
    rekognition.create_user(CollectionId="staff", UserId="eileen")
    rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"][:2])
    rekognition.associate_faces(CollectionId="staff", UserId="grace-too", FaceIds=staff["hopper"][2:])
    rekognition.associate_faces(CollectionId="staff", UserId="eileen", FaceIds=[staff["astronaut"]])
    response = rekognition.search_users(CollectionId="staff", UserId="grace")
    assert_output_shape("SearchUsers", response)
    assert response["SearchedUser"] == {"UserId": "grace"} and user_ids(response) == ["grace-too"]
    everyone = rekognition.search_users(CollectionId="staff", UserId="grace", UserMatchThreshold=0)
    assert user_ids(everyone) == ["grace-too", "eileen"]  # best first
    assert user_ids(rekognition.search_users(CollectionId="staff", UserId="grace", UserMatchThreshold=0, MaxUsers=1)) == ["grace-too"]


def test_search_users_by_image_without_a_searchable_face(rekognition: Any, staff: dict[str, Any]) -> None:
    """AWS: "If no valid face is detected in the image, the response will contain an empty
    UserMatches list and no SearchedFace object" (not an error, unlike SearchFacesByImage)."""
    rekognition.create_user(CollectionId="staff", UserId="grace")
    rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"])
    empty = rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": imagefactory.face_free()})
    assert_output_shape("SearchUsersByImage", empty)
    assert empty["UserMatches"] == [] and empty["UnsearchedFaces"] == [] and "SearchedFace" not in empty

    blurred = imagefactory.blurred(radius=3.5)
    filtered = rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": blurred}, QualityFilter="HIGH")
    assert_output_shape("SearchUsersByImage", filtered)
    assert filtered["UserMatches"] == [] and "SearchedFace" not in filtered
    [left_out] = filtered["UnsearchedFaces"]
    assert "LOW_SHARPNESS" in left_out["Reasons"]
    unfiltered = rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": blurred})
    assert user_ids(unfiltered) == ["grace"] and unfiltered["UnsearchedFaces"] == []


def test_search_users_by_image_searches_the_largest_face(rekognition: Any, staff: dict[str, Any]) -> None:
    rekognition.create_user(CollectionId="staff", UserId="eileen")
    rekognition.associate_faces(CollectionId="staff", UserId="eileen", FaceIds=[staff["astronaut"]])
    response = rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": imagefactory.two_person_composite()})
    assert_output_shape("SearchUsersByImage", response)
    assert response["SearchedFace"]["FaceDetail"]["BoundingBox"]["Left"] > 0.5  # Grace Hopper, the larger face
    [other] = response["UnsearchedFaces"]
    assert other["Reasons"] == ["FACE_NOT_LARGEST"] and other["FaceDetails"]["BoundingBox"]["Left"] < 0.5
    assert response["UserMatches"] == []  # Eileen is in the image, but she is not the face searched


def test_error_paths(rekognition: Any, staff: dict[str, Any]) -> None:
    rekognition.create_user(CollectionId="staff", UserId="empty")
    rekognition.create_user(CollectionId="staff", UserId="grace")
    rekognition.create_collection(CollectionId="other")
    staff_token = rekognition.list_users(CollectionId="staff", MaxResults=1)["NextToken"]
    calls = {
        "ResourceNotFoundException": [
            lambda: rekognition.create_user(CollectionId="nope", UserId="x"),
            lambda: rekognition.delete_user(CollectionId="staff", UserId="x"),
            lambda: rekognition.associate_faces(CollectionId="staff", UserId="x", FaceIds=staff["hopper"]),
            lambda: rekognition.disassociate_faces(CollectionId="staff", UserId="x", FaceIds=staff["hopper"]),
            lambda: rekognition.list_users(CollectionId="nope"),
            lambda: rekognition.search_users(CollectionId="staff", UserId="x"),
            lambda: rekognition.search_users(CollectionId="nope", FaceId=staff["astronaut"]),
            lambda: rekognition.search_users_by_image(CollectionId="nope", Image={"Bytes": HOPPER}),
        ],
        "InvalidPaginationTokenException": [
            lambda: rekognition.list_users(CollectionId="staff", NextToken="garbage"),
            lambda: rekognition.list_users(CollectionId="other", NextToken=staff_token),  # another collection's
        ],
        "InvalidParameterException": [
            lambda: rekognition.search_users(CollectionId="staff"),
            lambda: rekognition.search_users(CollectionId="staff", UserId="empty", FaceId=staff["astronaut"]),
            lambda: rekognition.search_users(CollectionId="staff", FaceId=MISSING),
            lambda: rekognition.search_users(CollectionId="staff", UserId="empty"),  # no faces: no vector
        ],
        "InvalidImageFormatException": [
            lambda: rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": b"not an image"}),
        ],
    }
    for code, failing in calls.items():
        for call in failing:
            expect(rekognition, code, call)


def test_model_constraints_are_validation_errors(unvalidated_rekognition: Any, staff: dict[str, Any]) -> None:
    """What botocore's model bounds (100 FaceIds a call, thresholds 0-100, MaxUsers 1-500, the
    UserId pattern) the service refuses too, for clients that do not validate."""
    client = unvalidated_rekognition
    client.create_user(CollectionId="staff", UserId="grace")
    for call in [
        lambda: client.associate_faces(CollectionId="staff", UserId="grace", FaceIds=[MISSING] * 101),
        lambda: client.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"], UserMatchThreshold=101),
        lambda: client.search_users(CollectionId="staff", UserId="grace", MaxUsers=501),
        lambda: client.list_users(CollectionId="staff", MaxResults=0),
        lambda: client.create_user(CollectionId="staff", UserId="no spaces"),
    ]:
        expect(client, "ValidationException", call)


def fill(rekognition_backend: Any, staff: dict[str, Any], count: int) -> list[str]:
    """``count`` extra faces in the collection, each a copy of a real Hopper descriptor with its own id."""
    faces = rekognition_backend.collections["staff"].faces
    descriptor = faces.descriptor(staff["hopper"][0])
    ids = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(1, count + 1)]
    faces.add(ids, "0b7e3b0c-3f38-5d7c-9a3e-2b1c0d4e5f60", None, np.tile(descriptor, (count, 1)),
              np.tile(np.float32([0.2, 0.3, 0.1, 0.1]), (count, 1)), np.full(count, 99.0, np.float32))
    return ids


def test_a_user_holds_at_most_100_faces(rekognition: Any, rekognition_backend: Any, staff: dict[str, Any]) -> None:
    ids = fill(rekognition_backend, staff, limits.MAX_FACES_PER_USER + 1)
    rekognition.create_user(CollectionId="staff", UserId="many")
    first = rekognition.associate_faces(CollectionId="staff", UserId="many", FaceIds=ids[:99])
    assert len(first["AssociatedFaces"]) == 99
    # One place left: the first face takes it, the other comes back unsuccessful (AWS names no reason).
    last = rekognition.associate_faces(CollectionId="staff", UserId="many", FaceIds=ids[99:])
    assert_output_shape("AssociateFaces", last)
    assert last["AssociatedFaces"] == [{"FaceId": ids[99]}]
    assert last["UnsuccessfulFaceAssociations"] == [{"FaceId": ids[100], "UserId": "many"}]
    expect(rekognition, "ServiceQuotaExceededException",
           lambda: rekognition.associate_faces(CollectionId="staff", UserId="many", FaceIds=ids[100:]))
    assert len(rekognition.list_faces(CollectionId="staff", UserId="many")["Faces"]) == limits.MAX_FACES_PER_USER


# -- store/users.py ---------------------------------------------------------------------


def test_the_user_store_keeps_vectors_as_the_mean_of_the_faces() -> None:
    rng = np.random.default_rng(7)
    faces = FaceStore()
    descriptors = rng.normal(0, 0.12, (5, 128)).astype(np.float32)
    ids = [f"{i:08x}-1111-4000-8000-000000000000" for i in range(5)]
    faces.add(ids, "0b7e3b0c-3f38-5d7c-9a3e-2b1c0d4e5f60", None, descriptors,
              np.zeros((5, 4), np.float32), np.full(5, 99.0, np.float32))
    users = UserStore(faces)
    for name in ("a", "b", "empty"):
        users.add(User(name))
    users.associate(ids[:3], "a")
    users.associate(ids[3:], "b")
    assert users.face_count("a") == 3 and users.face_count("empty") == 0 and users.vector("empty") is None
    np.testing.assert_allclose(users.vector("a"), descriptors[:3].mean(axis=0), rtol=1e-5)

    query = descriptors[4]
    hits = users.search(query, max_distance=np.inf, limit=10)
    expected = sorted([("a", np.linalg.norm(query - descriptors[:3].mean(axis=0))),
                       ("b", np.linalg.norm(query - descriptors[3:].mean(axis=0)))], key=lambda hit: hit[1])
    assert [u for u, _ in hits] == [u for u, _ in expected]
    np.testing.assert_allclose([d for _, d in hits], [d for _, d in expected], rtol=1e-5)
    assert users.search(query, max_distance=np.inf, limit=10, exclude="b") == [hit for hit in hits if hit[0] == "a"]
    assert users.search(query, max_distance=min(d for _, d in hits) / 2, limit=10) == []
    # one user's distance is its entry of the search's own computation: equal, not merely close
    assert [(u, users.distance(query, u)) for u, _ in hits] == hits and users.distance(query, "empty") is None

    users.associate(ids[1:3], None)  # the vector follows the association
    np.testing.assert_allclose(users.vector("a"), descriptors[0], rtol=1e-5)
    faces.delete([ids[3]])
    np.testing.assert_allclose(users.vector("b"), descriptors[4], rtol=1e-5)
    users.remove("b")
    assert "b" not in users and faces.user_face_ids("b") == [] and [u for u, _ in users.search(query, np.inf, 10)] == ["a"]


def test_list_users_in_creation_order_and_paging_survives_changes(rekognition: Any) -> None:
    """AWS lists users by a key it generates, not by UserId; creation order is the stand-in,
    and a NextToken keeps its place while users are created and deleted between pages (the
    ListUsers reference: "MaxResults ... NextToken: Pagination token to receive the next set
    of UserIDs")."""
    rekognition.create_collection(CollectionId="order")
    for name in ("zoe", "adam", "mia", "bob"):
        rekognition.create_user(CollectionId="order", UserId=name)
    assert [u["UserId"] for u in rekognition.list_users(CollectionId="order")["Users"]] == ["zoe", "adam", "mia", "bob"]
    first = rekognition.list_users(CollectionId="order", MaxResults=2)
    assert [u["UserId"] for u in first["Users"]] == ["zoe", "adam"]
    rekognition.create_user(CollectionId="order", UserId="aaron")  # created later: listed last
    rekognition.delete_user(CollectionId="order", UserId="adam")  # the token's own user, gone
    rest = rekognition.list_users(CollectionId="order", MaxResults=10, NextToken=first["NextToken"])
    assert [u["UserId"] for u in rest["Users"]] == ["mia", "bob", "aaron"] and "NextToken" not in rest


def test_a_user_reads_updating_while_its_faces_change(rekognition: Any, staff: dict[str, Any]) -> None:
    """AWS's own examples of AssociateFaces and DisassociateFaces answer "UserStatus":
    "UPDATING", and its guide says such a user "will become ACTIVE in few seconds" (search
    results may contain it meanwhile). Here the call answers UPDATING, and the user reads
    UPDATING for settings.user_update_seconds (0 by default), then ACTIVE or CREATED."""
    import time

    import rekognition_mock

    rekognition.create_user(CollectionId="staff", UserId="grace")
    rekognition_mock.configure(user_update_seconds=0.6)
    try:
        answer = rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"])
        assert answer["UserStatus"] == "UPDATING"
        assert rekognition.list_users(CollectionId="staff")["Users"] == [{"UserId": "grace", "UserStatus": "UPDATING"}]
        [match] = rekognition.search_users_by_image(CollectionId="staff", Image={"Bytes": HOPPER_FOURTH})["UserMatches"]
        assert match["User"] == {"UserId": "grace", "UserStatus": "UPDATING"}  # found while updating, as AWS says
        time.sleep(0.7)
        assert rekognition.list_users(CollectionId="staff")["Users"] == [{"UserId": "grace", "UserStatus": "ACTIVE"}]
        again = rekognition.associate_faces(CollectionId="staff", UserId="grace", FaceIds=staff["hopper"])
        assert again["AssociatedFaces"] == [] and again["UserStatus"] == "ACTIVE"  # nothing changed
    finally:
        rekognition_mock.configure(user_update_seconds=None)
    with pytest.raises(ValueError):
        rekognition_mock.configure(user_update_seconds=-1)
