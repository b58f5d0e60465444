"""CompareFaces, answered by dlib face descriptors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest

import imagefactory
import rekognition_mock
from rekognition_mock import mock_rekognition
from shapecheck import assert_output_shape

FIXTURES = Path(__file__).resolve().parents[1] / "rekognition_mock" / "photos"
HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")
COMPOSITE = imagefactory.two_person_composite()


def compare(client: Any, source: bytes, target: bytes, **kwargs: Any) -> dict[str, Any]:
    response = client.compare_faces(SourceImage={"Bytes": source}, TargetImage={"Bytes": target}, **kwargs)
    assert_output_shape("CompareFaces", response)
    return response


def centre_x(box: dict[str, float]) -> float:
    return box["Left"] + box["Width"] / 2


# --- the README example ----------------------------------------------------------------


@mock_rekognition
def test_compare_faces_matches_the_same_person() -> None:
    rekognition = boto3.client("rekognition", region_name="us-east-1")
    s3 = boto3.client("s3", region_name="us-east-1")

    photo = (FIXTURES / "grace_hopper.jpg").read_bytes()
    detected = rekognition.detect_faces(Image={"Bytes": photo})
    assert len(detected["FaceDetails"]) == 1
    assert_output_shape("DetectFaces", detected)

    # Another photo of the same person, stored in (mocked) S3.
    s3.create_bucket(Bucket="badges")
    s3.put_object(Bucket="badges", Key="hopper-2.jpg", Body=imagefactory.augmented())
    response = rekognition.compare_faces(
        SourceImage={"Bytes": photo},
        TargetImage={"S3Object": {"Bucket": "badges", "Name": "hopper-2.jpg"}},
    )

    assert len(response["FaceMatches"]) == 1
    assert response["FaceMatches"][0]["Similarity"] >= 90
    assert response["UnmatchedFaces"] == []
    assert response["SourceImageFace"]["BoundingBox"] == detected["FaceDetails"][0]["BoundingBox"]
    assert_output_shape("CompareFaces", response)


# --- same and different people ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mirror"),
    [("grace_hopper.jpg", False), ("grace_hopper.jpg", True), ("astronaut.jpg", False)],
    ids=["hopper", "hopper-mirrored", "astronaut"],
)
def test_same_person_is_at_least_99(rekognition: Any, name: str, mirror: bool) -> None:
    """One photograph cut, resized, brightened, blurred, re-encoded (and mirrored) scores as
    AWS scores the same photo: above its identity-verification threshold of 99."""
    source = imagefactory.fixture_bytes(name)
    response = compare(rekognition, source, imagefactory.augmented(name, mirror=mirror))
    assert len(response["FaceMatches"]) == 1
    assert response["FaceMatches"][0]["Similarity"] >= 99
    assert response["UnmatchedFaces"] == []


def test_identical_image_is_100(rekognition: Any) -> None:
    """AWS scores the identical image 100 (issue 23's captured responses)."""
    response = compare(rekognition, HOPPER, HOPPER)
    assert response["FaceMatches"][0]["Similarity"] == 100.0
    assert response["FaceMatches"][0]["Face"]["BoundingBox"] == response["SourceImageFace"]["BoundingBox"]


def test_different_people_do_not_match(rekognition: Any) -> None:
    response = compare(rekognition, HOPPER, ASTRONAUT)
    assert response["FaceMatches"] == []
    assert len(response["UnmatchedFaces"]) == 1
    unmatched = response["UnmatchedFaces"][0]
    assert 0.30 < centre_x(unmatched["BoundingBox"]) < 0.55  # the astronaut's face
    # Strangers score low, far below 80 (AWS's default threshold): visible when nothing is filtered.
    everything = compare(rekognition, HOPPER, ASTRONAUT, SimilarityThreshold=0)
    assert len(everything["FaceMatches"]) == 1
    assert everything["FaceMatches"][0]["Similarity"] < 50
    assert everything["UnmatchedFaces"] == []


def test_compared_face_shape(rekognition: Any) -> None:
    response = compare(rekognition, HOPPER, COMPOSITE)
    face = response["FaceMatches"][0]["Face"]
    assert {"BoundingBox", "Confidence", "Landmarks", "Pose", "Quality"} <= set(face)
    assert {lm["Type"] for lm in face["Landmarks"]} == {"eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight"}
    assert face["Confidence"] >= 99


# --- several faces in the target --------------------------------------------------------


def test_composite_target_one_match_one_unmatched(rekognition: Any) -> None:
    response = compare(rekognition, HOPPER, COMPOSITE)
    assert len(response["FaceMatches"]) == 1
    assert len(response["UnmatchedFaces"]) == 1
    match = response["FaceMatches"][0]
    assert match["Similarity"] >= 90
    assert centre_x(match["Face"]["BoundingBox"]) > 0.5  # Grace Hopper is the right half
    assert centre_x(response["UnmatchedFaces"][0]["BoundingBox"]) < 0.5  # the astronaut


def test_composite_source_uses_the_largest_face(rekognition: Any) -> None:
    # The composite's largest face is Grace Hopper's: it matches her portrait.
    response = compare(rekognition, COMPOSITE, HOPPER)
    assert centre_x(response["SourceImageFace"]["BoundingBox"]) > 0.5
    assert len(response["FaceMatches"]) == 1 and response["FaceMatches"][0]["Similarity"] >= 90


def test_matches_sorted_by_similarity(rekognition: Any) -> None:
    response = compare(rekognition, HOPPER, COMPOSITE, SimilarityThreshold=0)
    matches = response["FaceMatches"]
    assert len(matches) == 2
    assert response["UnmatchedFaces"] == []
    similarities = [m["Similarity"] for m in matches]
    assert similarities == sorted(similarities, reverse=True)
    assert similarities[0] >= 90 > 80 > similarities[1]
    assert centre_x(matches[0]["Face"]["BoundingBox"]) > 0.5 > centre_x(matches[1]["Face"]["BoundingBox"])


def test_similarity_threshold_is_respected(rekognition: Any) -> None:
    everything = compare(rekognition, HOPPER, COMPOSITE, SimilarityThreshold=0)
    low, high = sorted(m["Similarity"] for m in everything["FaceMatches"])
    # A threshold between the two keeps only the better match...
    between = compare(rekognition, HOPPER, COMPOSITE, SimilarityThreshold=(low + high) / 2)
    assert [m["Similarity"] for m in between["FaceMatches"]] == [high]
    assert len(between["UnmatchedFaces"]) == 1
    # ...exactly at a face's similarity still matches it...
    at_low = compare(rekognition, HOPPER, COMPOSITE, SimilarityThreshold=np.floor(low * 1000) / 1000)
    assert len(at_low["FaceMatches"]) == 2
    # ...and 100 keeps only faces reported at 100 (the same photo, pasted), never the stranger.
    strict = compare(rekognition, HOPPER, COMPOSITE, SimilarityThreshold=100)
    assert all(m["Similarity"] == 100 for m in strict["FaceMatches"])
    assert len(strict["FaceMatches"]) + len(strict["UnmatchedFaces"]) == 2
    assert len(strict["UnmatchedFaces"]) >= 1


# --- quality filter --------------------------------------------------------------------


# Poor but detectable copies of grace_hopper.jpg: brightness ~10 (HIGH wants 25–90) and
# sharpness ~30 (HIGH wants >= 45); the engine still finds both faces with >= 99 confidence.
DARK = imagefactory.dark(factor=0.2)
BLURRED = imagefactory.blurred(radius=3)


@pytest.mark.parametrize("target", [DARK, BLURRED], ids=["dark", "blurred"])
def test_quality_filter_high_drops_poor_target_faces(rekognition: Any, target: bytes) -> None:
    # The engine still finds the poor face...
    detected = rekognition.detect_faces(Image={"Bytes": target})
    assert_output_shape("DetectFaces", detected)
    assert len(detected["FaceDetails"]) == 1
    kept = compare(rekognition, HOPPER, target, QualityFilter="NONE")
    assert len(kept["FaceMatches"]) + len(kept["UnmatchedFaces"]) == 1
    # ...but HIGH filters it out of both lists.
    filtered = compare(rekognition, HOPPER, target, QualityFilter="HIGH", SimilarityThreshold=0)
    assert filtered["FaceMatches"] == []
    assert filtered["UnmatchedFaces"] == []
    assert filtered["SourceImageFace"]["Confidence"] >= 99


def test_quality_filter_high_keeps_good_faces(rekognition: Any) -> None:
    response = compare(rekognition, HOPPER, COMPOSITE, QualityFilter="HIGH")
    assert len(response["FaceMatches"]) == 1
    assert len(response["UnmatchedFaces"]) == 1


def test_source_image_face(rekognition: Any) -> None:
    detect_response = rekognition.detect_faces(Image={"Bytes": HOPPER})
    assert_output_shape("DetectFaces", detect_response)
    detected = detect_response["FaceDetails"][0]
    response = compare(rekognition, HOPPER, ASTRONAUT)
    source = response["SourceImageFace"]
    assert set(source) == {"BoundingBox", "Confidence"}
    assert source["BoundingBox"] == detected["BoundingBox"]
    assert source["Confidence"] == pytest.approx(detected["Confidence"])


# --- the similarity curve ----------------------------------------------------------------


def test_similarity_from_distance_is_public_and_anchored() -> None:
    """AWS's headroom (issue 23): identical images score 100; different photos of one person
    mostly 97–99.9 (AWS's real captures of one person across photos: about 98.7–99.3, and
    AWS recommends 99 for identity verification); strangers low. dlib's descriptors put
    different photos of one person at 0.36–0.57 on the development photos (median 0.38 over
    every pair, 0.47 over one pair per two photos) and strangers from 0.68 on."""
    from rekognition_mock.service.shapes import number
    from rekognition_mock.vision import distance_for_similarity

    f = rekognition_mock.similarity_from_distance
    assert number(f(0.0)) == 100.0
    assert f(0.1) > 99.99  # the same photo resized or re-encoded
    for d in (0.38, 0.47):  # the two medians of different photos of one person
        assert 98.5 <= f(d) <= 99.7
    assert f(0.3) < 99.9 and f(0.5) < 99  # AWS's 99 is sometimes missed by one person
    assert f(0.57) >= 90  # the furthest pair of one person
    assert 0.6 <= distance_for_similarity(80) < 0.62  # near dlib's 0.6
    for d in (0.68, 0.69, 0.8, 0.9, 1.0, 1.5):
        assert f(d) < 50
    assert isinstance(f(0.5), float)


def test_distance_for_similarity_inverts_the_curve() -> None:
    from rekognition_mock.vision import distance_for_similarity

    for s in (1.0, 50.0, 80.0, 99.0, 99.9):
        assert rekognition_mock.similarity_from_distance(distance_for_similarity(s)) == pytest.approx(s)
    assert distance_for_similarity(0) == float("inf")
    assert distance_for_similarity(100) == 0.0


def test_similarity_from_distance_is_monotonic() -> None:
    distances = np.linspace(0.0, 2.0, 401)
    similarities = rekognition_mock.similarity_from_distance(distances)
    assert similarities.shape == distances.shape
    assert np.all(np.diff(similarities) <= 0)
    assert np.all(np.diff(similarities[(distances > 0.3) & (distances < 1.5)]) < 0)  # 100.0 exactly below ~0.05
    assert np.all((similarities >= 0) & (similarities <= 100))
    # Scalars agree with the array form.
    for d, s in zip(distances[::40], similarities[::40]):
        assert rekognition_mock.similarity_from_distance(float(d)) == pytest.approx(s)


@pytest.mark.parametrize(
    "target",
    [ASTRONAUT, imagefactory.augmented(), COMPOSITE],
    ids=["astronaut", "augmented", "composite"],
)
def test_threshold_equal_to_a_reported_similarity_matches(rekognition: Any, target: bytes) -> None:
    # "Similarity >= SimilarityThreshold" must hold for the numbers the caller sees:
    # a face reported with Similarity S is a match at SimilarityThreshold=S.
    everything = compare(rekognition, HOPPER, target, SimilarityThreshold=0)
    for reported in (m["Similarity"] for m in everything["FaceMatches"]):
        response = compare(rekognition, HOPPER, target, SimilarityThreshold=reported)
        assert reported in [m["Similarity"] for m in response["FaceMatches"]], (
            f"a face reported with Similarity {reported} is not a match at SimilarityThreshold={reported}"
        )
