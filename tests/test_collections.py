"""Face collections: create/describe/list/delete, tags, IndexFaces, ListFaces and its
paginators, DeleteFaces, and isolation between regions, accounts and moto resets.

Every test runs the real face engine on the fixture photos (or images built from them by
``imagefactory``); the engine caches analyses by content hash, so the same bytes are
reused throughout.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
import requests
from PIL import Image
from moto.core import DEFAULT_ACCOUNT_ID

import imagefactory
from helpers import expect
from shapecheck import assert_output_shape

REGION = "us-east-1"
OTHER_REGION = "eu-west-1"
OTHER_ACCOUNT = "111111111111"
MODEL_VERSION = "7.0"

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")
COFFEE = imagefactory.face_free()
QUALITY_REASONS = {"LOW_SHARPNESS", "LOW_BRIGHTNESS", "SMALL_BOUNDING_BOX", "LOW_FACE_QUALITY", "LOW_CONFIDENCE"}


# --- helpers ---------------------------------------------------------------------------


def arn_of(collection_id: str, region: str = REGION, account: str = DEFAULT_ACCOUNT_ID) -> str:
    return f"arn:aws:rekognition:{region}:{account}:collection/{collection_id}"


def index(client: Any, collection_id: str, data: bytes, external_id: str | None = None, **kwargs: Any) -> dict:
    params: dict[str, Any] = {"CollectionId": collection_id, "Image": {"Bytes": data}, **kwargs}
    if external_id is not None:
        params["ExternalImageId"] = external_id
    response = client.index_faces(**params)
    assert_output_shape("IndexFaces", response)
    return response


def face_ids_of(response: dict) -> list[str]:
    return [record["Face"]["FaceId"] for record in response["FaceRecords"]]


def face_count(client: Any, collection_id: str) -> int:
    response = client.describe_collection(CollectionId=collection_id)
    assert_output_shape("DescribeCollection", response)
    return response["FaceCount"]


def all_faces(client: Any, collection_id: str) -> list[dict]:
    faces = []
    for page in client.get_paginator("list_faces").paginate(CollectionId=collection_id):
        assert_output_shape("ListFaces", page)
        faces.extend(page["Faces"])
    return faces


def area(box: dict) -> float:
    return box["Width"] * box["Height"]


def populate(client: Any, collection_id: str) -> dict[str, str]:
    """Index 7 faces under different external ids: {FaceId: ExternalImageId}."""
    sources = [
        ("composite", imagefactory.two_person_composite()),
        ("hopper", HOPPER),
        ("astronaut", ASTRONAUT),
        ("hopper-aug", imagefactory.augmented()),
        ("astronaut-aug", imagefactory.augmented("astronaut.jpg")),
        ("hopper-aug-mirrored", imagefactory.augmented(mirror=True)),
    ]
    faces = {}
    for external_id, data in sources:
        for face_id in face_ids_of(index(client, collection_id, data, external_id)):
            faces[face_id] = external_id
    assert len(faces) == 7
    return faces


def client_for(region: str = REGION, **credentials: str) -> Any:
    return boto3.client("rekognition", region_name=region, **credentials)


# --- CreateCollection, DescribeCollection, ListCollections, DeleteCollection -------------


def test_create_collection_returns_arn_status_and_model_version(rekognition: Any) -> None:
    response = rekognition.create_collection(CollectionId="people", Tags={"team": "vision", "env": "test"})
    assert_output_shape("CreateCollection", response)
    assert response["StatusCode"] == 200
    # AWS's CreateCollection answers the ARN without its "arn:" prefix (its API reference
    # example, the AWS CLI example); DescribeCollection's CollectionARN has it.
    assert response["CollectionArn"] == arn_of("people").removeprefix("arn:")
    assert response["FaceModelVersion"] == MODEL_VERSION

    tags = rekognition.list_tags_for_resource(ResourceArn=response["CollectionArn"])
    assert_output_shape("ListTagsForResource", tags)
    assert tags["Tags"] == {"team": "vision", "env": "test"}


def test_describe_collection(rekognition: Any) -> None:
    before = datetime.datetime.now(datetime.timezone.utc)
    arn = rekognition.create_collection(CollectionId="people")["CollectionArn"]
    after = datetime.datetime.now(datetime.timezone.utc)

    response = rekognition.describe_collection(CollectionId="people")
    assert_output_shape("DescribeCollection", response)
    assert response["FaceCount"] == 0
    assert response["UserCount"] == 0
    assert response["FaceModelVersion"] == MODEL_VERSION
    assert response["CollectionARN"] == "arn:" + arn == arn_of("people")
    created = response["CreationTimestamp"]
    assert isinstance(created, datetime.datetime) and created.tzinfo is not None
    assert before - datetime.timedelta(seconds=1) <= created <= after + datetime.timedelta(seconds=1)

    index(rekognition, "people", HOPPER, "hopper")
    assert face_count(rekognition, "people") == 1
    index(rekognition, "people", imagefactory.two_person_composite(), "pair")
    assert face_count(rekognition, "people") == 3
    again = rekognition.describe_collection(CollectionId="people")
    assert again["CreationTimestamp"] == created  # indexing does not touch it


def test_list_collections_sorted_with_model_versions_and_pages(rekognition: Any) -> None:
    empty = rekognition.list_collections()
    assert_output_shape("ListCollections", empty)
    assert empty["CollectionIds"] == [] and empty["FaceModelVersions"] == []
    assert "NextToken" not in empty

    for name in ("charlie", "alpha", "bravo"):
        rekognition.create_collection(CollectionId=name)
    full = rekognition.list_collections()
    assert_output_shape("ListCollections", full)
    assert full["CollectionIds"] == ["alpha", "bravo", "charlie"]
    assert full["FaceModelVersions"] == [MODEL_VERSION] * 3
    assert "NextToken" not in full

    first = rekognition.list_collections(MaxResults=2)
    assert_output_shape("ListCollections", first)
    assert first["CollectionIds"] == ["alpha", "bravo"]
    assert first["FaceModelVersions"] == [MODEL_VERSION] * 2
    assert first["NextToken"]
    second = rekognition.list_collections(MaxResults=2, NextToken=first["NextToken"])
    assert_output_shape("ListCollections", second)
    assert second["CollectionIds"] == ["charlie"]
    assert second["FaceModelVersions"] == [MODEL_VERSION]
    assert "NextToken" not in second

    exact = rekognition.list_collections(MaxResults=3)
    assert exact["CollectionIds"] == ["alpha", "bravo", "charlie"]
    assert "NextToken" not in exact  # nothing left: no token


def test_delete_collection(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    index(rekognition, "people", HOPPER, "hopper")
    rekognition.create_collection(CollectionId="keep")

    response = rekognition.delete_collection(CollectionId="people")
    assert_output_shape("DeleteCollection", response)
    assert response["StatusCode"] == 200
    assert rekognition.list_collections()["CollectionIds"] == ["keep"]
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.describe_collection(CollectionId="people"))
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.delete_collection(CollectionId="people"))

    # The id is free again, and the new collection starts empty.
    rekognition.create_collection(CollectionId="people")
    assert face_count(rekognition, "people") == 0
    assert rekognition.list_faces(CollectionId="people")["Faces"] == []


def test_duplicate_collection_id_is_refused(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people", Tags={"v": "1"})
    index(rekognition, "people", HOPPER, "hopper")
    message = expect(
        rekognition, "ResourceAlreadyExistsException", lambda: rekognition.create_collection(CollectionId="people")
    )
    assert "people" in message
    # The existing collection is untouched.
    assert face_count(rekognition, "people") == 1
    assert rekognition.list_tags_for_resource(ResourceArn=arn_of("people"))["Tags"] == {"v": "1"}


UNKNOWN_FACE = "11111111-2222-3333-4444-555555555555"
ON_UNKNOWN_COLLECTION: dict[str, Callable[[Any], Any]] = {
    "describe_collection": lambda c: c.describe_collection(CollectionId="missing"),
    "delete_collection": lambda c: c.delete_collection(CollectionId="missing"),
    "index_faces": lambda c: c.index_faces(CollectionId="missing", Image={"Bytes": HOPPER}),
    "list_faces": lambda c: c.list_faces(CollectionId="missing"),
    "delete_faces": lambda c: c.delete_faces(CollectionId="missing", FaceIds=[UNKNOWN_FACE]),
    "search_faces": lambda c: c.search_faces(CollectionId="missing", FaceId=UNKNOWN_FACE),
    "search_faces_by_image": lambda c: c.search_faces_by_image(CollectionId="missing", Image={"Bytes": HOPPER}),
}


@pytest.mark.parametrize("operation", sorted(ON_UNKNOWN_COLLECTION))
def test_unknown_collection_is_resource_not_found(rekognition: Any, operation: str) -> None:
    rekognition.create_collection(CollectionId="present")  # another collection does not help
    message = expect(rekognition, "ResourceNotFoundException", lambda: ON_UNKNOWN_COLLECTION[operation](rekognition))
    assert "missing" in message
    assert rekognition.list_collections()["CollectionIds"] == ["present"]


# --- tags ------------------------------------------------------------------------------


def test_tag_untag_and_list_tags_on_collection_arn(rekognition: Any) -> None:
    arn = rekognition.create_collection(CollectionId="people", Tags={"team": "vision"})["CollectionArn"]

    tagged = rekognition.tag_resource(ResourceArn=arn, Tags={"env": "test", "team": "faces"})
    assert_output_shape("TagResource", tagged)
    listed = rekognition.list_tags_for_resource(ResourceArn=arn)
    assert_output_shape("ListTagsForResource", listed)
    assert listed["Tags"] == {"team": "faces", "env": "test"}  # added, and overwritten

    untagged = rekognition.untag_resource(ResourceArn=arn, TagKeys=["team", "not-there"])
    assert_output_shape("UntagResource", untagged)
    assert rekognition.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"env": "test"}

    rekognition.untag_resource(ResourceArn=arn, TagKeys=["env"])
    empty = rekognition.list_tags_for_resource(ResourceArn=arn)
    assert_output_shape("ListTagsForResource", empty)
    assert empty["Tags"] == {}


def test_tags_are_per_collection(rekognition: Any) -> None:
    a = rekognition.create_collection(CollectionId="a")["CollectionArn"]
    b = rekognition.create_collection(CollectionId="b")["CollectionArn"]
    rekognition.tag_resource(ResourceArn=a, Tags={"only": "a"})
    assert rekognition.list_tags_for_resource(ResourceArn=a)["Tags"] == {"only": "a"}
    assert rekognition.list_tags_for_resource(ResourceArn=b)["Tags"] == {}


@pytest.mark.parametrize(
    "arn",
    [
        arn_of("missing"),
        arn_of("people", region=OTHER_REGION),  # right id, wrong region
        arn_of("people", account=OTHER_ACCOUNT),  # right id, wrong account
        arn_of("missing").removeprefix("arn:"),  # in CreateCollection's form
    ],
    ids=["unknown-id", "other-region", "other-account", "unknown-id-without-arn-prefix"],
)
def test_tag_operations_on_unknown_arn_are_resource_not_found(rekognition: Any, arn: str) -> None:
    rekognition.create_collection(CollectionId="people")
    for call in (
        lambda: rekognition.tag_resource(ResourceArn=arn, Tags={"k": "v"}),
        lambda: rekognition.untag_resource(ResourceArn=arn, TagKeys=["k"]),
        lambda: rekognition.list_tags_for_resource(ResourceArn=arn),
    ):
        assert expect(rekognition, "ResourceNotFoundException", call) == f"The resource {arn} does not exist"  # as sent
    assert rekognition.list_tags_for_resource(ResourceArn=arn_of("people"))["Tags"] == {}


def test_tags_of_a_deleted_collection_are_gone(rekognition: Any) -> None:
    arn = rekognition.create_collection(CollectionId="people", Tags={"k": "v"})["CollectionArn"]
    rekognition.delete_collection(CollectionId="people")
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.list_tags_for_resource(ResourceArn=arn))
    rekognition.create_collection(CollectionId="people")
    assert rekognition.list_tags_for_resource(ResourceArn=arn)["Tags"] == {}


# --- IndexFaces ------------------------------------------------------------------------


def test_index_faces_keeps_external_image_id(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    response = index(rekognition, "people", HOPPER, "user:42_grace.hopper-1")
    assert response["FaceModelVersion"] == MODEL_VERSION
    assert response["UnindexedFaces"] == []
    [record] = response["FaceRecords"]
    face = record["Face"]
    assert face["ExternalImageId"] == "user:42_grace.hopper-1"
    uuid.UUID(face["FaceId"])
    uuid.UUID(face["ImageId"])
    assert face["Confidence"] > 99
    assert face["BoundingBox"] == record["FaceDetail"]["BoundingBox"]
    assert face["IndexFacesModelVersion"] == MODEL_VERSION  # as ListFaces and the searches carry it

    [listed] = rekognition.list_faces(CollectionId="people")["Faces"]
    assert listed["FaceId"] == face["FaceId"]
    assert listed["ImageId"] == face["ImageId"]
    assert listed["ExternalImageId"] == "user:42_grace.hopper-1"
    assert listed["IndexFacesModelVersion"] == MODEL_VERSION
    # One number per face, whichever operation answers it (AWS keeps one record of a face).
    assert listed["BoundingBox"] == face["BoundingBox"]
    assert listed["Confidence"] == face["Confidence"] == record["FaceDetail"]["Confidence"]
    [match] = rekognition.search_faces_by_image(CollectionId="people", Image={"Bytes": HOPPER})["FaceMatches"]
    assert match["Face"]["Confidence"] == face["Confidence"] and match["Face"]["BoundingBox"] == face["BoundingBox"]


def test_index_faces_without_external_image_id(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    [record] = index(rekognition, "people", HOPPER)["FaceRecords"]
    assert "ExternalImageId" not in record["Face"]
    [listed] = rekognition.list_faces(CollectionId="people")["Faces"]
    assert "ExternalImageId" not in listed


def test_bad_external_image_id_is_validation_exception(unvalidated_rekognition: Any) -> None:
    client = unvalidated_rekognition
    client.create_collection(CollectionId="people")
    message = expect(
        client,
        "ValidationException",
        lambda: client.index_faces(CollectionId="people", Image={"Bytes": HOPPER}, ExternalImageId="bad id!"),
    )
    assert "externalImageId" in message
    assert "bad id!" in message
    assert face_count(client, "people") == 0


def test_index_faces_detection_attributes(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    default = index(rekognition, "people", HOPPER, "default")["FaceRecords"][0]["FaceDetail"]
    assert set(default) == {"BoundingBox", "Landmarks", "Pose", "Quality", "Confidence"}
    assert len(default["Landmarks"]) == 5

    full = index(rekognition, "people", HOPPER, "all", DetectionAttributes=["ALL"])["FaceRecords"][0]["FaceDetail"]
    for key in ("AgeRange", "Smile", "Eyeglasses", "Sunglasses", "Gender", "Beard", "Mustache", "EyesOpen",
                "MouthOpen", "Emotions", "FaceOccluded", "EyeDirection", "Landmarks", "Pose", "Quality"):
        assert key in full, key
    assert len(full["Landmarks"]) == 30
    assert full["AgeRange"]["Low"] <= full["AgeRange"]["High"]
    assert full["Emotions"]
    assert full["BoundingBox"] == default["BoundingBox"]


def test_index_faces_records_are_largest_first(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    composite = imagefactory.two_person_composite()
    response = index(rekognition, "people", composite, "pair")
    records = response["FaceRecords"]
    assert len(records) == 2
    assert response["UnindexedFaces"] == []
    areas = [area(r["Face"]["BoundingBox"]) for r in records]
    assert areas == sorted(areas, reverse=True)
    # Grace Hopper (right half) is the larger face, the astronaut (left half) the smaller.
    assert records[0]["Face"]["BoundingBox"]["Left"] > 0.5
    assert records[1]["Face"]["BoundingBox"]["Left"] < 0.5
    assert len(set(face_ids_of(response))) == 2
    assert {r["Face"]["ImageId"] for r in records} == {records[0]["Face"]["ImageId"]}

    # The same order DetectFaces reports.
    detected = rekognition.detect_faces(Image={"Bytes": composite})["FaceDetails"]
    assert [d["BoundingBox"] for d in detected] == [r["Face"]["BoundingBox"] for r in records]


def test_index_faces_max_faces_keeps_the_largest(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    response = index(rekognition, "people", imagefactory.two_person_composite(), "pair", MaxFaces=1)
    [record] = response["FaceRecords"]
    [unindexed] = response["UnindexedFaces"]
    assert unindexed["Reasons"] == ["EXCEEDS_MAX_FACES"]
    indexed_box = record["Face"]["BoundingBox"]
    left_out_box = unindexed["FaceDetail"]["BoundingBox"]
    assert area(indexed_box) > area(left_out_box)
    assert indexed_box["Left"] > 0.5 > left_out_box["Left"]
    assert face_count(rekognition, "people") == 1
    assert [f["FaceId"] for f in rekognition.list_faces(CollectionId="people")["Faces"]] == face_ids_of(response)


QUALITY_CASES = {
    # name: (image builder, reason expected under QualityFilter=HIGH, check on the FaceDetail)
    "small-face": (
        lambda: imagefactory.small_face_on_canvas(),
        "SMALL_BOUNDING_BOX",
        lambda detail: detail["BoundingBox"]["Width"] * 640 < 80,
    ),
    "dark": (
        lambda: imagefactory.small_face_on_canvas(brightness=0.25),
        "LOW_BRIGHTNESS",
        lambda detail: detail["Quality"]["Brightness"] < 25,
    ),
    "blurred": (
        lambda: imagefactory.blurred(radius=3.5),
        "LOW_SHARPNESS",
        lambda detail: detail["Quality"]["Sharpness"] < 45,
    ),
}


@pytest.mark.parametrize("case", sorted(QUALITY_CASES))
def test_quality_filter_high_leaves_poor_faces_out_none_indexes_them(rekognition: Any, case: str) -> None:
    build, reason, measured = QUALITY_CASES[case]
    data = build()
    # The engine does find the face: it is left out for its quality, not missed.
    detected = rekognition.detect_faces(Image={"Bytes": data})["FaceDetails"]
    assert len(detected) == 1
    with Image.open(io.BytesIO(data)) as im:
        assert min(im.size) >= 80  # the image is fine, only the face is poor

    rekognition.create_collection(CollectionId="people")
    high = index(rekognition, "people", data, "poor", QualityFilter="HIGH")
    assert high["FaceRecords"] == []
    [unindexed] = high["UnindexedFaces"]
    assert reason in unindexed["Reasons"]
    assert set(unindexed["Reasons"]) <= QUALITY_REASONS
    assert measured(unindexed["FaceDetail"])
    assert unindexed["FaceDetail"]["BoundingBox"] == detected[0]["BoundingBox"]
    assert face_count(rekognition, "people") == 0

    none = index(rekognition, "people", data, "poor", QualityFilter="NONE")
    assert len(none["FaceRecords"]) == 1
    assert none["UnindexedFaces"] == []
    assert face_count(rekognition, "people") == 1


def test_quality_filter_high_keeps_a_good_face(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    response = index(rekognition, "people", HOPPER, "hopper", QualityFilter="HIGH")
    assert len(response["FaceRecords"]) == 1
    assert response["UnindexedFaces"] == []


def test_index_faces_ids(rekognition: Any) -> None:
    """FaceIds are random version-4 UUIDs, as AWS's; ImageIds depend on the bytes. AWS's
    IndexFaces reference: "If you provide the same image, specify the same collection, and
    use the same external ID in the IndexFaces operation, Amazon Rekognition doesn't save
    duplicate face metadata": the face keeps its FaceId."""
    rekognition.create_collection(CollectionId="people")
    first = index(rekognition, "people", HOPPER, "hopper")["FaceRecords"][0]["Face"]
    assert uuid.UUID(first["FaceId"]).version == 4
    second = index(rekognition, "people", HOPPER, "hopper")["FaceRecords"][0]["Face"]
    assert second["FaceId"] == first["FaceId"]
    assert second["ImageId"] == first["ImageId"]
    assert face_count(rekognition, "people") == 1
    assert [f["FaceId"] for f in rekognition.list_faces(CollectionId="people")["Faces"]] == [first["FaceId"]]

    # Another external id: same image, a new face in the collection.
    other = index(rekognition, "people", HOPPER, "hopper-again")["FaceRecords"][0]["Face"]
    assert other["ImageId"] == first["ImageId"]
    assert other["FaceId"] != first["FaceId"]
    assert face_count(rekognition, "people") == 2

    # Another collection: same ImageId (same bytes), different FaceId.
    rekognition.create_collection(CollectionId="others")
    elsewhere = index(rekognition, "others", HOPPER, "hopper")["FaceRecords"][0]["Face"]
    assert elsewhere["ImageId"] == first["ImageId"]
    assert elsewhere["FaceId"] not in {first["FaceId"], other["FaceId"]}

    # Different bytes of the same person: a different ImageId.
    augmented = index(rekognition, "people", imagefactory.augmented(), "hopper")["FaceRecords"][0]["Face"]
    assert augmented["ImageId"] != first["ImageId"]
    assert augmented["FaceId"] != first["FaceId"]

    # No external id: each call adds the face again, under a new FaceId (AWS states no
    # de-duplication then; a published observation of AWS saw new FaceIds on each run).
    plain = [index(rekognition, "others", HOPPER)["FaceRecords"][0]["Face"]["FaceId"] for _ in range(2)]
    assert plain[0] != plain[1] and face_count(rekognition, "others") == 3


def test_a_face_id_seed_gives_the_same_ids_on_every_run() -> None:
    """configure(face_id_seed=...) (or REKOGNITION_MOCK_FACE_ID_SEED) makes a suite's FaceIds
    stable on purpose: each fresh mock hands out the same sequence; without it they differ."""
    import boto3

    import rekognition_mock

    def run() -> list[str]:
        with rekognition_mock.mock_rekognition():
            client = boto3.client("rekognition", region_name=REGION)
            client.create_collection(CollectionId="seeded")
            return [index(client, "seeded", data)["FaceRecords"][0]["Face"]["FaceId"] for data in (HOPPER, ASTRONAUT)]

    rekognition_mock.configure(face_id_seed="suite-1")
    try:
        first, second = run(), run()
        assert first == second and len(set(first)) == 2
        assert all(uuid.UUID(f).version == 4 for f in first)
        rekognition_mock.configure(face_id_seed="suite-2")
        assert run() != first
    finally:
        rekognition_mock.configure(face_id_seed=None)
    assert run() != run()


def test_index_faces_of_a_face_free_image_stores_nothing(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    response = index(rekognition, "people", COFFEE, "coffee")
    assert response["FaceRecords"] == []
    assert response["UnindexedFaces"] == []
    assert response["FaceModelVersion"] == MODEL_VERSION
    assert face_count(rekognition, "people") == 0


# --- ListFaces and the paginators ------------------------------------------------------


def test_list_faces_max_results_next_token_and_face_ids_filter(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    faces = populate(rekognition, "people")

    seen: list[str] = []
    token = None
    pages = 0
    while True:
        kwargs = {"NextToken": token} if token else {}
        page = rekognition.list_faces(CollectionId="people", MaxResults=3, **kwargs)
        assert_output_shape("ListFaces", page)
        assert page["FaceModelVersion"] == MODEL_VERSION
        assert 1 <= len(page["Faces"]) <= 3
        for face in page["Faces"]:
            assert face["ExternalImageId"] == faces[face["FaceId"]]
            assert face["IndexFacesModelVersion"] == MODEL_VERSION
        seen.extend(f["FaceId"] for f in page["Faces"])
        pages += 1
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3  # 3 + 3 + 1
    assert sorted(seen) == sorted(faces)

    wanted = [fid for fid, ext in faces.items() if ext.startswith("hopper")]
    filtered = rekognition.list_faces(CollectionId="people", FaceIds=wanted + [UNKNOWN_FACE])
    assert_output_shape("ListFaces", filtered)
    assert sorted(f["FaceId"] for f in filtered["Faces"]) == sorted(wanted)
    assert "NextToken" not in filtered


def test_list_faces_paginator_walks_every_face_once(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    faces = populate(rekognition, "people")
    paginator = rekognition.get_paginator("list_faces")

    pages = list(paginator.paginate(CollectionId="people", PaginationConfig={"PageSize": 2}))
    for page in pages:
        assert_output_shape("ListFaces", page)
        assert len(page["Faces"]) <= 2
    walked = [f["FaceId"] for page in pages for f in page["Faces"]]
    assert len(pages) == 4
    assert len(walked) == len(set(walked)) == 7
    assert set(walked) == set(faces)

    # MaxItems stops early and hands back a token; StartingToken resumes from it.
    head = paginator.paginate(
        CollectionId="people", PaginationConfig={"PageSize": 2, "MaxItems": 3}
    ).build_full_result()
    assert len(head["Faces"]) == 3
    assert head["NextToken"]
    tail = paginator.paginate(
        CollectionId="people", PaginationConfig={"PageSize": 2, "StartingToken": head["NextToken"]}
    ).build_full_result()
    assert "NextToken" not in tail
    resumed = [f["FaceId"] for f in head["Faces"] + tail["Faces"]]
    assert resumed == walked


def test_list_collections_paginator(rekognition: Any) -> None:
    names = [f"collection-{i}" for i in range(5)]
    for name in reversed(names):
        rekognition.create_collection(CollectionId=name)
    paginator = rekognition.get_paginator("list_collections")

    pages = list(paginator.paginate(PaginationConfig={"PageSize": 2}))
    assert [len(p["CollectionIds"]) for p in pages] == [2, 2, 1]
    for page in pages:
        assert_output_shape("ListCollections", page)
        assert page["FaceModelVersions"] == [MODEL_VERSION] * len(page["CollectionIds"])
    assert [c for p in pages for c in p["CollectionIds"]] == names

    head = paginator.paginate(PaginationConfig={"PageSize": 2, "MaxItems": 3}).build_full_result()
    assert head["CollectionIds"] == names[:3]
    assert head["NextToken"]
    tail = paginator.paginate(
        PaginationConfig={"PageSize": 2, "StartingToken": head["NextToken"]}
    ).build_full_result()
    assert tail["CollectionIds"] == names[3:]
    # (botocore empties secondary result keys such as FaceModelVersions on the first,
    # resumed page, so only CollectionIds is complete here.)


def b64json(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


BAD_TOKENS = {
    "garbage": "not-a-token!",
    "json-object": b64json({}),
    "json-list": b64json([]),
    "foreign-scope": b64json(["faces", arn_of("other"), 1]),
    # Right listing and collection, but the position is not one the mock ever hands out.
    "forged-position": b64json(["faces", arn_of("people"), "not-a-position"]),
}


@pytest.mark.parametrize("token", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_bad_next_token_is_invalid_pagination_token(rekognition: Any, token: str) -> None:
    rekognition.create_collection(CollectionId="people")
    index(rekognition, "people", HOPPER, "hopper")
    expect(rekognition, "InvalidPaginationTokenException",
           lambda: rekognition.list_faces(CollectionId="people", NextToken=token))
    expect(rekognition, "InvalidPaginationTokenException", lambda: rekognition.list_collections(NextToken=token))


def test_next_token_of_one_collection_is_refused_by_another(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="a")
    rekognition.create_collection(CollectionId="b")
    populate(rekognition, "a")
    populate(rekognition, "b")
    token = rekognition.list_faces(CollectionId="a", MaxResults=2)["NextToken"]
    expect(rekognition, "InvalidPaginationTokenException",
           lambda: rekognition.list_faces(CollectionId="b", MaxResults=2, NextToken=token))
    # ...and it still works where it came from.
    assert len(rekognition.list_faces(CollectionId="a", MaxResults=2, NextToken=token)["Faces"]) == 2
    # A ListCollections token is not a ListFaces token either.
    collections_token = rekognition.list_collections(MaxResults=1)["NextToken"]
    expect(rekognition, "InvalidPaginationTokenException",
           lambda: rekognition.list_faces(CollectionId="a", NextToken=collections_token))
    expect(rekognition, "InvalidPaginationTokenException",
           lambda: rekognition.list_collections(NextToken=token))


# --- DeleteFaces -----------------------------------------------------------------------


def test_delete_faces(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    [hopper] = face_ids_of(index(rekognition, "people", HOPPER, "hopper"))
    [astronaut] = face_ids_of(index(rekognition, "people", ASTRONAUT, "astronaut"))
    assert face_count(rekognition, "people") == 2

    response = rekognition.delete_faces(CollectionId="people", FaceIds=[hopper, UNKNOWN_FACE])
    assert_output_shape("DeleteFaces", response)
    assert response["DeletedFaces"] == [hopper]
    assert response["UnsuccessfulFaceDeletions"] == [{"FaceId": UNKNOWN_FACE, "Reasons": ["FACE_NOT_FOUND"]}]
    assert face_count(rekognition, "people") == 1
    assert [f["FaceId"] for f in all_faces(rekognition, "people")] == [astronaut]

    # Deleting it again: not found.
    again = rekognition.delete_faces(CollectionId="people", FaceIds=[hopper])
    assert_output_shape("DeleteFaces", again)
    assert again["DeletedFaces"] == []
    assert again["UnsuccessfulFaceDeletions"] == [{"FaceId": hopper, "Reasons": ["FACE_NOT_FOUND"]}]
    assert face_count(rekognition, "people") == 1


def test_deleted_face_is_no_longer_found_by_search(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    [hopper] = face_ids_of(index(rekognition, "people", HOPPER, "hopper"))
    [augmented] = face_ids_of(index(rekognition, "people", imagefactory.augmented(), "hopper-aug"))
    index(rekognition, "people", ASTRONAUT, "astronaut")

    before = rekognition.search_faces_by_image(CollectionId="people", Image={"Bytes": HOPPER})
    assert {m["Face"]["FaceId"] for m in before["FaceMatches"]} == {hopper, augmented}

    rekognition.delete_faces(CollectionId="people", FaceIds=[hopper])
    after = rekognition.search_faces_by_image(CollectionId="people", Image={"Bytes": HOPPER})
    assert_output_shape("SearchFacesByImage", after)
    assert [m["Face"]["FaceId"] for m in after["FaceMatches"]] == [augmented]
    by_id = rekognition.search_faces(CollectionId="people", FaceId=augmented)
    assert by_id["FaceMatches"] == []
    expect(rekognition, "InvalidParameterException",
           lambda: rekognition.search_faces(CollectionId="people", FaceId=hopper))

    # Re-indexing the same image stores the face again, under a new FaceId (the deleted one is gone).
    [again] = face_ids_of(index(rekognition, "people", HOPPER, "hopper"))
    assert again != hopper and face_count(rekognition, "people") == 3


def test_delete_faces_with_repeated_ids(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    [hopper] = face_ids_of(index(rekognition, "people", HOPPER, "hopper"))
    response = rekognition.delete_faces(CollectionId="people", FaceIds=[hopper, hopper])
    assert response["DeletedFaces"] == [hopper]
    assert response["UnsuccessfulFaceDeletions"] == []
    assert face_count(rekognition, "people") == 0


# --- isolation: regions, accounts, reset -----------------------------------------------


def test_collections_are_per_region(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    index(rekognition, "people", HOPPER, "hopper")
    elsewhere = client_for(OTHER_REGION)

    assert elsewhere.list_collections()["CollectionIds"] == []
    expect(elsewhere, "ResourceNotFoundException", lambda: elsewhere.describe_collection(CollectionId="people"))
    expect(elsewhere, "ResourceNotFoundException", lambda: elsewhere.list_faces(CollectionId="people"))

    created = elsewhere.create_collection(CollectionId="people")
    assert created["CollectionArn"] == arn_of("people", region=OTHER_REGION).removeprefix("arn:")
    assert face_count(elsewhere, "people") == 0
    assert face_count(rekognition, "people") == 1
    expect(elsewhere, "ResourceNotFoundException",
           lambda: elsewhere.list_tags_for_resource(ResourceArn=arn_of("people")))


def test_collections_are_per_account(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="people")
    index(rekognition, "people", HOPPER, "hopper")

    sts = boto3.client("sts", region_name=REGION)
    credentials = sts.assume_role(
        RoleArn=f"arn:aws:iam::{OTHER_ACCOUNT}:role/isolation", RoleSessionName="isolation-test"
    )["Credentials"]
    other = client_for(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )

    assert other.list_collections()["CollectionIds"] == []
    expect(other, "ResourceNotFoundException", lambda: other.describe_collection(CollectionId="people"))
    expect(other, "ResourceNotFoundException", lambda: other.list_tags_for_resource(ResourceArn=arn_of("people")))

    created = other.create_collection(CollectionId="people")
    assert created["CollectionArn"] == arn_of("people", account=OTHER_ACCOUNT).removeprefix("arn:")
    assert face_count(other, "people") == 0
    assert face_count(rekognition, "people") == 1
    # Same image, same external id, same collection id: the ImageId is shared (content),
    # the collections are not.
    other_face = index(other, "people", HOPPER, "hopper")["FaceRecords"][0]["Face"]
    own_face = rekognition.list_faces(CollectionId="people")["Faces"][0]
    assert other_face["ImageId"] == own_face["ImageId"]
    assert face_count(rekognition, "people") == 1


def test_moto_reset_clears_collections(rekognition: Any) -> None:
    from rekognition_mock.service.models import rekognition_backends

    rekognition.create_collection(CollectionId="people")
    index(rekognition, "people", HOPPER, "hopper")
    client_for(OTHER_REGION).create_collection(CollectionId="people")

    response = requests.post("http://motoapi.amazonaws.com/moto-api/reset")
    assert response.status_code == 200

    assert rekognition.list_collections()["CollectionIds"] == []
    assert client_for(OTHER_REGION).list_collections()["CollectionIds"] == []
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.describe_collection(CollectionId="people"))
    assert rekognition_backends[DEFAULT_ACCOUNT_ID][REGION].collections == {}
    # And the mock keeps working.
    rekognition.create_collection(CollectionId="people")
    assert face_count(rekognition, "people") == 0


def test_index_faces_commits_only_to_the_collection_it_started_with(
    rekognition: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """A collection deleted and created again while IndexFaces analyses the image gets no
    ghost faces, in memory or in the state store: the request fails as for a missing collection."""
    from rekognition_mock.service.models import rekognition_backends
    from rekognition_mock.store import persistence

    store = persistence.StateStore(tmp_path)
    persistence.activate(store)
    try:
        backend = rekognition_backends[DEFAULT_ACCOUNT_ID][REGION]
        rekognition.create_collection(CollectionId="race")
        analyse = backend.analyze_image

        def analyse_while_the_collection_is_replaced(image: Any, descriptors: bool = False, **options: Any) -> Any:
            analysis = analyse(image, descriptors, **options)
            backend.delete_collection("race")
            backend.create_collection("race")
            return analysis

        monkeypatch.setattr(backend, "analyze_image", analyse_while_the_collection_is_replaced)
        expect(rekognition, "ResourceNotFoundException",
               lambda: rekognition.index_faces(CollectionId="race", Image={"Bytes": HOPPER}))
        monkeypatch.setattr(backend, "analyze_image", analyse)

        assert rekognition.list_faces(CollectionId="race")["Faces"] == []
        assert rekognition.describe_collection(CollectionId="race")["FaceCount"] == 0
        assert store.faces(DEFAULT_ACCOUNT_ID, REGION, "race") == []
        # The new collection works as usual afterwards.
        assert len(index(rekognition, "race", HOPPER)["FaceRecords"]) == 1
        assert len(store.faces(DEFAULT_ACCOUNT_ID, REGION, "race")) == 1
    finally:
        persistence.activate(None)
        store.close()


@pytest.fixture
def state_store(tmp_path: Any) -> Any:
    """Server-mode persistence for one test: a state store in ``tmp_path``, active."""
    from rekognition_mock.store import persistence

    store = persistence.StateStore(tmp_path)
    persistence.activate(store)
    yield store
    persistence.activate(None)
    store.close()


def test_a_reset_while_index_faces_commits_leaves_no_rows(rekognition: Any, state_store: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's reset while IndexFaces is writing its rows waits for the write and then empties
    the region, so no row outlives the reset in the state store (before, the rows landed
    after the region was emptied and came back at the next start)."""
    import threading

    from rekognition_mock.service.models import rekognition_backends

    backend = rekognition_backends[DEFAULT_ACCOUNT_ID][REGION]
    rekognition.create_collection(CollectionId="reset-race")
    writing, proceed, reset_waits = threading.Event(), threading.Event(), threading.Event()
    add_faces = state_store.add_faces

    def held_add_faces(*args: Any) -> None:
        writing.set()
        proceed.wait(timeout=300)
        add_faces(*args)

    monkeypatch.setattr(state_store, "add_faces", held_add_faces)
    outcome: dict[str, Any] = {}

    def index_one() -> None:
        try:
            outcome["response"] = rekognition.index_faces(CollectionId="reset-race", Image={"Bytes": HOPPER})
        except Exception as exc:  # reported below
            outcome["error"] = exc

    indexer = threading.Thread(target=index_one)
    indexer.start()
    assert writing.wait(timeout=300), outcome

    class WatchedLock:
        """The backend's lock, telling when someone (the reset) tries to take it."""

        def __init__(self, lock: Any) -> None:
            self.lock = lock

        def __enter__(self) -> Any:
            reset_waits.set()
            return self.lock.__enter__()

        def __exit__(self, *exc: Any) -> Any:
            return self.lock.__exit__(*exc)

    backend._lock = WatchedLock(backend._lock)
    resetter = threading.Thread(target=backend.reset)
    resetter.start()
    while not reset_waits.is_set() and resetter.is_alive():  # the reset waits for the lock, or is done
        reset_waits.wait(0.01)
    proceed.set()
    indexer.join(timeout=300)
    resetter.join(timeout=300)
    assert "error" not in outcome and len(outcome["response"]["FaceRecords"]) == 1
    assert list(state_store.collections()) == []
    assert state_store.faces(DEFAULT_ACCOUNT_ID, REGION, "reset-race") == []
    assert rekognition.list_collections()["CollectionIds"] == []


def test_delete_faces_acts_only_on_the_collection_it_started_with(rekognition: Any, state_store: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A DeleteFaces whose collection is deleted, created again and given a face with the
    same FaceId (forced here: FaceIds are random) before it deletes fails as for a missing
    collection and leaves the new collection's face in memory and in the state store alike."""
    from rekognition_mock.service.models import rekognition_backends

    backend = rekognition_backends[DEFAULT_ACCOUNT_ID][REGION]
    rekognition.create_collection(CollectionId="swap")
    [record] = index(rekognition, "swap", HOPPER)["FaceRecords"]
    face_id = record["Face"]["FaceId"]
    lookup = backend._collection

    def replaced_after_lookup(collection_id: str) -> Any:
        found = lookup(collection_id)
        monkeypatch.setattr(backend, "_collection", lookup)  # once
        backend.delete_collection(collection_id)
        backend.create_collection(collection_id)
        monkeypatch.setattr(type(backend), "_new_face_id", lambda self: face_id)
        backend.index_faces(collection_id, {"Bytes": HOPPER}, None, None, None, "AUTO")
        return found

    monkeypatch.setattr(backend, "_collection", replaced_after_lookup)
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.delete_faces(CollectionId="swap", FaceIds=[face_id]))
    assert [f["FaceId"] for f in rekognition.list_faces(CollectionId="swap")["Faces"]] == [face_id]
    assert [row[0] for row in state_store.faces(DEFAULT_ACCOUNT_ID, REGION, "swap")] == [face_id]


def test_a_seeded_sequence_that_starts_over_skips_the_ids_it_already_gave(rekognition: Any) -> None:
    """A server restarted on its state directory starts the seeded sequence over while its
    collections keep their faces: the next face must not take a stored face's FaceId (the
    store would keep the old face and drop the new one)."""
    import rekognition_mock
    from rekognition_mock.service.models import rekognition_backends

    backend = rekognition_backends[DEFAULT_ACCOUNT_ID][REGION]
    rekognition_mock.configure(face_id_seed="restart")
    try:
        rekognition.create_collection(CollectionId="kept")
        [first] = face_ids_of(index(rekognition, "kept", HOPPER))
        backend._face_ids = None  # as after a restart: the same sequence from its start
        [second] = face_ids_of(index(rekognition, "kept", ASTRONAUT))
        assert second != first and face_count(rekognition, "kept") == 2
    finally:
        rekognition_mock.configure(face_id_seed=None)
