"""SearchFaces and SearchFacesByImage on a collection indexed with the real face engine,
and the backend under concurrent IndexFaces / DeleteFaces / SearchFaces."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from moto.core import DEFAULT_ACCOUNT_ID

import imagefactory
from helpers import expect
from shapecheck import assert_output_shape

REGION = "us-east-1"
MODEL_VERSION = "7.0"
HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")
UNKNOWN_FACE = "11111111-2222-3333-4444-555555555555"


def index_one(client: Any, collection_id: str, data: bytes, external_id: str) -> str:
    [record] = client.index_faces(
        CollectionId=collection_id, Image={"Bytes": data}, ExternalImageId=external_id
    )["FaceRecords"]
    return record["Face"]["FaceId"]


@pytest.fixture
def people(rekognition: Any) -> dict[str, str]:
    """Collection "people": Grace Hopper, the astronaut and an augmented Hopper photo.

    Returns {external id: FaceId}.
    """
    rekognition.create_collection(CollectionId="people")
    return {
        "hopper": index_one(rekognition, "people", HOPPER, "hopper"),
        "astronaut": index_one(rekognition, "people", ASTRONAUT, "astronaut"),
        "hopper-aug": index_one(rekognition, "people", imagefactory.augmented(), "hopper-aug"),
    }


def matched(response: dict) -> list[tuple[str, float]]:
    return [(m["Face"]["ExternalImageId"], m["Similarity"]) for m in response["FaceMatches"]]


# --- SearchFaces -----------------------------------------------------------------------


def test_search_faces_finds_the_same_person_only(rekognition: Any, people: dict[str, str]) -> None:
    response = rekognition.search_faces(CollectionId="people", FaceId=people["hopper"])
    assert_output_shape("SearchFaces", response)
    assert response["SearchedFaceId"] == people["hopper"]
    assert response["FaceModelVersion"] == MODEL_VERSION
    [(external_id, similarity)] = matched(response)
    assert external_id == "hopper-aug"
    assert similarity >= 90
    face = response["FaceMatches"][0]["Face"]
    assert face["FaceId"] == people["hopper-aug"]
    assert face["IndexFacesModelVersion"] == MODEL_VERSION
    assert face["Confidence"] > 99


def test_search_faces_is_symmetric(rekognition: Any, people: dict[str, str]) -> None:
    forward = rekognition.search_faces(CollectionId="people", FaceId=people["hopper"])["FaceMatches"]
    backward = rekognition.search_faces(CollectionId="people", FaceId=people["hopper-aug"])["FaceMatches"]
    assert [m["Face"]["FaceId"] for m in backward] == [people["hopper"]]
    assert backward[0]["Similarity"] == pytest.approx(forward[0]["Similarity"], abs=1e-3)
    assert rekognition.search_faces(CollectionId="people", FaceId=people["astronaut"])["FaceMatches"] == []


def test_search_faces_threshold_zero_returns_everyone_sorted(rekognition: Any, people: dict[str, str]) -> None:
    response = rekognition.search_faces(CollectionId="people", FaceId=people["astronaut"], FaceMatchThreshold=0)
    assert_output_shape("SearchFaces", response)
    similarities = [s for _, s in matched(response)]
    assert similarities == sorted(similarities, reverse=True)
    found = {external_id for external_id, _ in matched(response)}
    assert {"hopper", "hopper-aug"} <= found
    assert all(s < 80 for s in similarities if s is not None)  # two other people

    by_hopper = matched(rekognition.search_faces(CollectionId="people", FaceId=people["hopper"], FaceMatchThreshold=0))
    assert by_hopper[0][0] == "hopper-aug" and by_hopper[0][1] >= 90
    assert "astronaut" in {e for e, _ in by_hopper}
    assert [s for _, s in by_hopper] == sorted((s for _, s in by_hopper), reverse=True)


@pytest.mark.parametrize("threshold", [80, 50, 1, 0])
def test_search_faces_never_returns_the_searched_face(
    rekognition: Any, people: dict[str, str], threshold: float
) -> None:
    response = rekognition.search_faces(CollectionId="people", FaceId=people["hopper"], FaceMatchThreshold=threshold)
    ids = [m["Face"]["FaceId"] for m in response["FaceMatches"]]
    assert people["hopper"] not in ids
    assert all(m["Similarity"] >= threshold for m in response["FaceMatches"])


def test_search_faces_threshold_filters(rekognition: Any, people: dict[str, str]) -> None:
    everyone = rekognition.search_faces(CollectionId="people", FaceId=people["hopper"], FaceMatchThreshold=1)
    similarities = dict(matched(everyone))
    astronaut = similarities["astronaut"]
    assert astronaut < 80
    above = rekognition.search_faces(
        CollectionId="people", FaceId=people["hopper"], FaceMatchThreshold=astronaut + 0.5
    )
    assert [e for e, _ in matched(above)] == ["hopper-aug"]
    strict = rekognition.search_faces(CollectionId="people", FaceId=people["hopper"], FaceMatchThreshold=100)
    assert_output_shape("SearchFaces", strict)
    # Only faces reported at 100 pass a threshold of 100 (the augmented copy of the same photo).
    assert [e for e, s in matched(strict) if s < 100] == []
    assert "astronaut" not in dict(matched(strict))


def test_search_faces_max_faces(rekognition: Any, people: dict[str, str]) -> None:
    response = rekognition.search_faces(
        CollectionId="people", FaceId=people["hopper"], FaceMatchThreshold=1, MaxFaces=1
    )
    assert_output_shape("SearchFaces", response)
    assert [e for e, _ in matched(response)] == ["hopper-aug"]  # the best one


def test_search_faces_unknown_face_id(rekognition: Any, people: dict[str, str]) -> None:
    expect(rekognition, "InvalidParameterException",
           lambda: rekognition.search_faces(CollectionId="people", FaceId=UNKNOWN_FACE))
    # A face of another collection is unknown here too.
    rekognition.create_collection(CollectionId="empty")
    expect(rekognition, "InvalidParameterException",
           lambda: rekognition.search_faces(CollectionId="empty", FaceId=people["hopper"]))


def test_search_faces_in_another_collection_is_independent(rekognition: Any, people: dict[str, str]) -> None:
    rekognition.create_collection(CollectionId="others")
    lone = index_one(rekognition, "others", HOPPER, "hopper")
    assert lone != people["hopper"]
    assert rekognition.search_faces(CollectionId="others", FaceId=lone, FaceMatchThreshold=1)["FaceMatches"] == []


# --- SearchFacesByImage ----------------------------------------------------------------


def test_search_faces_by_image_finds_the_person(rekognition: Any, people: dict[str, str]) -> None:
    probe = imagefactory.augmented("astronaut.jpg")
    response = rekognition.search_faces_by_image(CollectionId="people", Image={"Bytes": probe})
    assert_output_shape("SearchFacesByImage", response)
    assert response["FaceModelVersion"] == MODEL_VERSION
    [(external_id, similarity)] = matched(response)
    assert external_id == "astronaut"
    assert similarity >= 90
    assert response["FaceMatches"][0]["Face"]["FaceId"] == people["astronaut"]

    [detected] = rekognition.detect_faces(Image={"Bytes": probe})["FaceDetails"]
    assert response["SearchedFaceBoundingBox"] == detected["BoundingBox"]
    assert response["SearchedFaceConfidence"] == pytest.approx(detected["Confidence"])
    assert response["SearchedFaceConfidence"] > 99


def test_search_faces_by_image_of_an_indexed_photo(rekognition: Any, people: dict[str, str]) -> None:
    response = rekognition.search_faces_by_image(CollectionId="people", Image={"Bytes": HOPPER})
    results = matched(response)
    assert [e for e, _ in results] == ["hopper", "hopper-aug"]  # itself first, then the augmented copy
    assert results[0][1] == pytest.approx(100, abs=1e-3)
    assert results[1][1] >= 90


def test_search_faces_by_image_threshold_and_max_faces(rekognition: Any, people: dict[str, str]) -> None:
    probe = imagefactory.augmented(mirror=True)  # Grace Hopper, mirrored
    everyone = rekognition.search_faces_by_image(
        CollectionId="people", Image={"Bytes": probe}, FaceMatchThreshold=1
    )
    results = matched(everyone)
    assert len(results) == 3
    assert [s for _, s in results] == sorted((s for _, s in results), reverse=True)
    assert results[-1][0] == "astronaut"
    one = rekognition.search_faces_by_image(
        CollectionId="people", Image={"Bytes": probe}, FaceMatchThreshold=1, MaxFaces=1
    )
    assert matched(one) == results[:1]


def test_search_faces_by_image_without_a_face(rekognition: Any, people: dict[str, str]) -> None:
    expect(rekognition, "InvalidParameterException",
           lambda: rekognition.search_faces_by_image(CollectionId="people", Image={"Bytes": imagefactory.face_free()}))


def test_search_faces_by_image_searches_the_largest_face(rekognition: Any, people: dict[str, str]) -> None:
    composite = imagefactory.two_person_composite()
    response = rekognition.search_faces_by_image(CollectionId="people", Image={"Bytes": composite})
    assert_output_shape("SearchFacesByImage", response)
    detected = rekognition.detect_faces(Image={"Bytes": composite})["FaceDetails"]
    largest = max(detected, key=lambda d: d["BoundingBox"]["Width"] * d["BoundingBox"]["Height"])
    assert response["SearchedFaceBoundingBox"] == largest["BoundingBox"]
    assert response["SearchedFaceBoundingBox"]["Left"] > 0.5  # Grace Hopper, right half
    assert {e for e, _ in matched(response)} == {"hopper", "hopper-aug"}


def test_search_faces_by_image_on_an_empty_collection(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="empty")
    response = rekognition.search_faces_by_image(CollectionId="empty", Image={"Bytes": HOPPER})
    assert_output_shape("SearchFacesByImage", response)
    assert response["FaceMatches"] == []
    assert response["SearchedFaceBoundingBox"]["Width"] > 0


# --- concurrency -----------------------------------------------------------------------

THREADS = 4
ITERATIONS = 30
IMAGES = [
    ("hopper", HOPPER),
    ("astronaut", ASTRONAUT),
    ("hopper", imagefactory.augmented()),
    ("astronaut", imagefactory.augmented("astronaut.jpg")),
]


def test_concurrent_index_delete_search(rekognition: Any) -> None:
    from rekognition_mock.service.models import rekognition_backends

    rekognition.create_collection(CollectionId="busy")
    backend = rekognition_backends[DEFAULT_ACCOUNT_ID][REGION]
    base = {
        person: backend.index_faces("busy", {"Bytes": data}, f"base-{person}", None, None, "NONE")["FaceRecords"][0][
            "Face"
        ]["FaceId"]
        for person, data in IMAGES[:2]
    }
    person_of: dict[str, str] = {base["hopper"]: "hopper", base["astronaut"]: "astronaut"}
    kept: list[set[str]] = [set() for _ in range(THREADS)]
    deleted: list[set[str]] = [set() for _ in range(THREADS)]
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)
    lock = threading.Lock()

    def work(t: int) -> None:
        try:
            start.wait()
            own: list[str] = []
            for i in range(ITERATIONS):
                person, data = IMAGES[(t + i) % len(IMAGES)]
                result = backend.index_faces("busy", {"Bytes": data}, f"t{t}-i{i}", None, None, "NONE")
                [face_id] = [r["Face"]["FaceId"] for r in result["FaceRecords"]]
                with lock:
                    person_of[face_id] = person
                own.append(face_id)
                kept[t].add(face_id)
                # A face is searchable as soon as index_faces has returned.
                hits = backend.search_faces("busy", face_id, None, 80.0)
                assert face_id not in {face.face_id for face, _ in hits}
                assert base[person] in {face.face_id for face, _ in hits}
                # Delete two faces out of three (enough to make the store compact itself).
                if i % 3:
                    victim = own.pop(0)
                    gone, failed = backend.delete_faces("busy", [victim])
                    assert gone == [victim] and failed == []
                    kept[t].discard(victim)
                    deleted[t].add(victim)
                backend.search_faces("busy", base["hopper"], 5, 80.0)
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]

    expected = set(base.values()).union(*kept)
    assert len(expected) == 2 + THREADS * (ITERATIONS - ITERATIONS * 2 // 3)
    assert not expected & set().union(*deleted)

    listed: list[str] = []
    for page in rekognition.get_paginator("list_faces").paginate(
        CollectionId="busy", PaginationConfig={"PageSize": 7}
    ):
        listed.extend(f["FaceId"] for f in page["Faces"])
    assert len(listed) == len(set(listed))
    assert set(listed) == expected
    assert rekognition.describe_collection(CollectionId="busy")["FaceCount"] == len(expected)

    # Search still answers, and exactly with the live faces of the same person.
    for person in ("hopper", "astronaut"):
        response = rekognition.search_faces(CollectionId="busy", FaceId=base[person])
        found = {m["Face"]["FaceId"] for m in response["FaceMatches"]}
        assert found == {fid for fid in expected if person_of[fid] == person} - {base[person]}
        assert all(m["Similarity"] >= 80 for m in response["FaceMatches"])
    by_image = rekognition.search_faces_by_image(CollectionId="busy", Image={"Bytes": HOPPER}, MaxFaces=4096)
    assert {m["Face"]["FaceId"] for m in by_image["FaceMatches"]} == {
        fid for fid in expected if person_of[fid] == "hopper"
    }
