"""Tests for rekognition_mock.service.validation: botocore-model-driven request validation."""

from __future__ import annotations

import base64

import pytest

from rekognition_mock.service.exceptions import SerializationException, ValidationException
from rekognition_mock.service.validation import service_model, shortened, validate_input

IMAGE = {"Bytes": base64.b64encode(b"\xff\xd8\xff\xe0 not really a jpeg").decode()}
S3_IMAGE = {"S3Object": {"Bucket": "my-bucket", "Name": "faces/a.jpg"}}
FACE_ID = "0b683aed-a0f1-48b2-9b5e-139e9cc2a757"
ATTRIBUTES = (
    "[DEFAULT, ALL, AGE_RANGE, BEARD, EMOTIONS, EYE_DIRECTION, EYEGLASSES, EYES_OPEN, "
    "GENDER, MOUTH_OPEN, MUSTACHE, FACE_OCCLUDED, SMILE, SUNGLASSES]"
)
PREFIX = "1 validation error detected: "


def validation_error(operation: str, params: dict) -> ValidationException:
    with pytest.raises(ValidationException) as info:
        validate_input(operation, params)
    exc = info.value
    assert exc.code == 400
    assert exc.error_type == "ValidationException"
    return exc


def serialization_error(operation: str, params: dict) -> SerializationException:
    with pytest.raises(SerializationException) as info:
        validate_input(operation, params)
    exc = info.value
    assert exc.code == 400
    assert exc.error_type == "SerializationException"
    return exc


# --- valid requests ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("DetectFaces", {"Image": IMAGE}),
        ("DetectFaces", {"Image": S3_IMAGE, "Attributes": ["ALL"]}),
        ("DetectFaces", {"Image": IMAGE, "Attributes": ["DEFAULT", "EMOTIONS"]}),
        (
            "CompareFaces",
            {
                "SourceImage": IMAGE,
                "TargetImage": S3_IMAGE,
                "SimilarityThreshold": 80,
                "QualityFilter": "AUTO",
            },
        ),
        ("CompareFaces", {"SourceImage": IMAGE, "TargetImage": IMAGE, "SimilarityThreshold": 0.5}),
        (
            "IndexFaces",
            {
                "CollectionId": "my_collection-1.0",
                "Image": IMAGE,
                "ExternalImageId": "photo:1",
                "DetectionAttributes": ["ALL"],
                "MaxFaces": 3,
                "QualityFilter": "NONE",
            },
        ),
        ("SearchFaces", {"CollectionId": "c", "FaceId": FACE_ID, "MaxFaces": 4096}),
        ("SearchFaces", {"CollectionId": "c", "FaceId": FACE_ID, "FaceMatchThreshold": 100}),
        ("ListFaces", {"CollectionId": "c", "MaxResults": 0, "NextToken": "abc"}),
        ("ListFaces", {"CollectionId": "c", "FaceIds": [FACE_ID]}),
        ("CreateCollection", {"CollectionId": "c" * 255}),
        ("CreateCollection", {"CollectionId": "c", "Tags": {"team": "vision"}}),
        ("ListCollections", {}),
        ("ListCollections", {"MaxResults": 10}),
    ],
)
def test_valid_requests_pass(operation: str, params: dict) -> None:
    assert validate_input(operation, params) is None


def test_unknown_members_and_nulls_are_ignored() -> None:
    validate_input("DetectFaces", {"Image": IMAGE, "Bogus": [1, 2], "Attributes": None})
    validate_input("DetectFaces", {"Image": {**IMAGE, "Extra": {"x": 1}}})


def test_unknown_operation_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="NoSuchOperation"):
        validate_input("NoSuchOperation", {})


# --- ValidationException ------------------------------------------------------------------


def test_missing_image() -> None:
    exc = validation_error("DetectFaces", {})
    assert exc.message == (
        PREFIX + "Value null at 'image' failed to satisfy constraint: Member must not be null"
    )


def test_explicit_null_required_member() -> None:
    exc = validation_error("CompareFaces", {"SourceImage": IMAGE, "TargetImage": None})
    assert exc.message == (
        PREFIX + "Value null at 'targetImage' failed to satisfy constraint: Member must not be null"
    )


def test_bad_collection_id_pattern() -> None:
    exc = validation_error("CreateCollection", {"CollectionId": "bad id!"})
    assert exc.message == (
        PREFIX + "Value 'bad id!' at 'collectionId' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [a-zA-Z0-9_.\-]+"
    )


def test_collection_id_too_long() -> None:
    exc = validation_error("IndexFaces", {"CollectionId": "c" * 256, "Image": IMAGE})
    assert exc.message == (
        PREFIX + f"Value '{'c' * 256}' at 'collectionId' failed to satisfy constraint: "
        "Member must have length less than or equal to 255"
    )


def test_a_long_value_is_cut_where_a_message_names_it() -> None:
    """A 1 MB CollectionId broke two constraints and was named whole twice (a 2 MB answer):
    messages name the first 256 characters of a value and "..." (issue 25)."""
    exc = validation_error("CreateCollection", {"CollectionId": "c" * 1_000_000})
    shown = f"Value '{'c' * 256}...' at 'collectionId' failed to satisfy constraint: "
    assert exc.message == PREFIX + shown + "Member must have length less than or equal to 255"
    tags = validation_error("CreateCollection", {"CollectionId": "c", "Tags": {"k" * 500_000: "v"}})
    assert len(tags.message) < 600 and "...' at 'tags'" in tags.message
    faces = validation_error("DeleteFaces", {"CollectionId": "c", "FaceIds": ["not-a-face-id"] * 4097})
    assert len(faces.message) < 1000
    with pytest.raises(SerializationException) as info:
        validate_input("CreateCollection", {"CollectionId": "c", "Tags": {"k" * 500_000: 1}})
    assert len(info.value.message) < 400


def test_shortened_keeps_a_value_up_to_256_characters() -> None:
    assert shortened("c" * 256) == "c" * 256
    assert shortened("c" * 257) == "c" * 256 + "..."


def test_empty_collection_id_breaks_length_and_pattern() -> None:
    exc = validation_error("ListFaces", {"CollectionId": ""})
    assert exc.message == (
        "2 validation errors detected: "
        "Value '' at 'collectionId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; "
        "Value '' at 'collectionId' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [a-zA-Z0-9_.\-]+"
    )


@pytest.mark.parametrize(
    ("max_faces", "constraint"),
    [
        (0, "Member must have value greater than or equal to 1"),
        (5000, "Member must have value less than or equal to 4096"),
    ],
)
def test_search_faces_max_faces_range(max_faces: int, constraint: str) -> None:
    exc = validation_error(
        "SearchFaces", {"CollectionId": "c", "FaceId": FACE_ID, "MaxFaces": max_faces}
    )
    assert exc.message == (
        PREFIX + f"Value '{max_faces}' at 'maxFaces' failed to satisfy constraint: {constraint}"
    )


def test_similarity_threshold_above_100() -> None:
    # Percent is a float shape; Coral renders it with Java's Float.toString.
    exc = validation_error(
        "CompareFaces", {"SourceImage": IMAGE, "TargetImage": IMAGE, "SimilarityThreshold": 101}
    )
    assert exc.message == (
        PREFIX + "Value '101.0' at 'similarityThreshold' failed to satisfy constraint: "
        "Member must have value less than or equal to 100"
    )


def test_quality_filter_enum() -> None:
    exc = validation_error(
        "CompareFaces", {"SourceImage": IMAGE, "TargetImage": IMAGE, "QualityFilter": "BEST"}
    )
    assert exc.message == (
        PREFIX + "Value 'BEST' at 'qualityFilter' failed to satisfy constraint: "
        "Member must satisfy enum value set: [NONE, AUTO, LOW, MEDIUM, HIGH]"
    )


def test_attributes_enum_list() -> None:
    exc = validation_error("DetectFaces", {"Image": IMAGE, "Attributes": ["FOO"]})
    assert exc.message == (
        PREFIX + "Value '[FOO]' at 'attributes' failed to satisfy constraint: "
        f"Member must satisfy constraint: [Member must satisfy enum value set: {ATTRIBUTES}]"
    )


def test_list_element_violations_are_reported_once_per_list() -> None:
    exc = validation_error(
        "IndexFaces",
        {"CollectionId": "c", "Image": IMAGE, "DetectionAttributes": ["ALL", "FOO", "BAR"]},
    )
    assert exc.message.count("Member must satisfy enum value set") == 1
    assert "Value '[ALL, FOO, BAR]' at 'detectionAttributes'" in exc.message


def test_list_length() -> None:
    exc = validation_error("ListFaces", {"CollectionId": "c", "FaceIds": []})
    assert exc.message == (
        PREFIX + "Value '[]' at 'faceIds' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_nested_path_is_lower_camel_case() -> None:
    exc = validation_error(
        "DetectFaces", {"Image": {"S3Object": {"Bucket": "b!", "Name": "k"}}}
    )
    assert exc.message == (
        "2 validation errors detected: "
        "Value 'b!' at 'image.s3Object.bucket' failed to satisfy constraint: "
        "Member must have length greater than or equal to 3; "
        "Value 'b!' at 'image.s3Object.bucket' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [0-9A-Za-z\.\-_]*"
    )


def test_map_key_constraints() -> None:
    exc = validation_error("CreateCollection", {"CollectionId": "c", "Tags": {"": "v"}})
    assert exc.message == (
        PREFIX + "Value '{=v}' at 'tags' failed to satisfy constraint: "
        "Map keys must satisfy constraint: [Member must have length greater than or equal to 1]"
    )


def test_empty_bytes() -> None:
    exc = validation_error("CompareFaces", {"SourceImage": {"Bytes": ""}, "TargetImage": IMAGE})
    assert exc.message == (
        PREFIX + "Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'sourceImage.bytes' "
        "failed to satisfy constraint: Member must have length greater than or equal to 1"
    )


def test_bytes_over_the_models_maximum() -> None:
    """Image.Bytes is a blob of at most 5242880 bytes in the model: one byte more is AWS's
    ValidationException, counted in decoded bytes."""
    limit = service_model().shape_for("ImageBlob").metadata["max"]
    assert limit == 5 * 1024 * 1024
    assert validate_input("DetectFaces", {"Image": {"Bytes": base64.b64encode(bytes(limit)).decode()}}) is None
    exc = validation_error("DetectFaces", {"Image": {"Bytes": base64.b64encode(bytes(limit + 1)).decode()}})
    assert exc.message == (
        PREFIX + f"Value 'java.nio.HeapByteBuffer[pos=0 lim={limit + 1} cap={limit + 1}]' at 'image.bytes' "
        f"failed to satisfy constraint: Member must have length less than or equal to {limit}"
    )


def test_two_errors_at_once() -> None:
    exc = validation_error("IndexFaces", {"CollectionId": "bad id!"})
    assert exc.message == (
        "2 validation errors detected: "
        "Value 'bad id!' at 'collectionId' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [a-zA-Z0-9_.\-]+; "
        "Value null at 'image' failed to satisfy constraint: Member must not be null"
    )


def test_listing_is_capped_at_ten_but_counts_all() -> None:
    params = {
        "CollectionId": "",  # length + pattern
        "Image": {"Bytes": "", "S3Object": {"Bucket": "", "Name": "", "Version": ""}},  # 4
        "ExternalImageId": "",  # length + pattern
        "DetectionAttributes": ["x"],
        "MaxFaces": 0,
        "QualityFilter": "x",
    }
    exc = validation_error("IndexFaces", params)
    assert exc.message.startswith("11 validation errors detected: Value '' at 'collectionId'")
    assert exc.message.count("; ") == 9
    assert "qualityFilter" not in exc.message  # the eleventh is counted, not listed


# --- SerializationException -------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "params", "message"),
    [
        (
            "SearchFaces",
            {"CollectionId": "c", "FaceId": FACE_ID, "MaxFaces": "10"},
            "Unable to unmarshal request: expected integer for 'MaxFaces'",
        ),
        (
            "IndexFaces",
            {"CollectionId": "c", "Image": IMAGE, "MaxFaces": True},
            "Unable to unmarshal request: expected integer for 'MaxFaces'",
        ),
        (
            "IndexFaces",
            {"CollectionId": "c", "Image": IMAGE, "MaxFaces": 2.5},
            "Unable to unmarshal request: expected integer for 'MaxFaces'",
        ),
        (
            "ListCollections",
            {"MaxResults": 2**31},
            "Unable to unmarshal request: expected integer for 'MaxResults'",
        ),
        (
            "DetectFaces",
            {"Image": [IMAGE]},
            "Unable to unmarshal request: expected object for 'Image'",
        ),
        (
            "DetectFaces",
            {"Image": IMAGE, "Attributes": "ALL"},
            "Unable to unmarshal request: expected array for 'Attributes'",
        ),
        (
            "DetectFaces",
            {"Image": IMAGE, "Attributes": ["ALL", 3]},
            "Unable to unmarshal request: expected string for 'Attributes[1]'",
        ),
        (
            "CompareFaces",
            {"SourceImage": IMAGE, "TargetImage": IMAGE, "SimilarityThreshold": "90"},
            "Unable to unmarshal request: expected number for 'SimilarityThreshold'",
        ),
        (
            "DetectFaces",
            {"Image": {"S3Object": {"Bucket": 12, "Name": "k"}}},
            "Unable to unmarshal request: expected string for 'Image.S3Object.Bucket'",
        ),
        (
            "CreateCollection",
            {"CollectionId": "c", "Tags": {"k": 1}},
            "Unable to unmarshal request: expected string for 'Tags.k'",
        ),
    ],
)
def test_wrong_json_types(operation: str, params: dict, message: str) -> None:
    assert serialization_error(operation, params).message == message


@pytest.mark.parametrize("blob", ["not base64!", "abc", "YQ=", "YQ===", "====", "YQ==\n", 42])
def test_bytes_must_be_base64_text(blob: object) -> None:
    exc = serialization_error("DetectFaces", {"Image": {"Bytes": blob}})
    assert exc.message == (
        "Unable to unmarshal request: expected base64-encoded string for 'Image.Bytes'"
    )


def test_serialization_error_wins_over_validation_errors() -> None:
    exc = serialization_error("IndexFaces", {"CollectionId": "bad id!", "MaxFaces": "1"})
    assert "'MaxFaces'" in exc.message


def test_body_must_be_an_object() -> None:
    serialization_error("ListCollections", [])  # type: ignore[arg-type]


def test_float_members_accept_integers() -> None:
    validate_input(
        "SearchFaces", {"CollectionId": "c", "FaceId": FACE_ID, "FaceMatchThreshold": 90}
    )


ARN = "arn:aws:rekognition:us-east-1:123456789012:collection/c"


@pytest.mark.parametrize(
    "tags, where",
    [({"aws:team": "x"}, "Map keys"), ({"bad#key": "x"}, "Map keys"), ({"team": "x!"}, "Map value")],
)
def test_tag_patterns_with_unicode_classes_are_enforced(tags: dict, where: str) -> None:
    # TagKey / TagValue use Java's \p{L}\p{Z}\p{N}; they are checked, not skipped.
    with pytest.raises(ValidationException, match=where):
        validate_input("TagResource", {"ResourceArn": ARN, "Tags": tags})


def test_tags_in_any_script_pass() -> None:
    assert validate_input("TagResource", {"ResourceArn": ARN, "Tags": {"équipe": "été 2026", "団体": "青"}}) is None
