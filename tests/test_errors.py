"""Bad input gets AWS's errors (modeled exceptions, codes, statuses, messages), and the
mock keeps working afterwards."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError

import imagefactory
from shapecheck import assert_output_shape

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
COFFEE = imagefactory.face_free()
MAX_BYTES = 5 * 1024 * 1024
MAX_S3_BYTES = 15 * 1024 * 1024

INVALID_FORMAT = "Request has invalid image format"
INVALID_PARAMETERS = "Request has Invalid Parameters"  # AWS's casing: botocore #1203, aws-sdk-js #2059, aws-sdk-java #971
TOO_LARGE = "Image size is too large"


def bytes_too_long(size: int, path: str = "image.bytes") -> str:
    """AWS's answer to ``Bytes`` of ``size`` bytes over the model's 5242880 (as a real
    DetectText log shows it: Coral's validation, the blob printed as Java's ByteBuffer)."""
    return (f"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]' at "
            f"'{path}' failed to satisfy constraint: Member must have length less than or equal to {MAX_BYTES}")
S3_UNREACHABLE = "Unable to get object metadata from S3. Check object key, region and/or access permissions."
BYTES_OR_S3 = "Requested image should either contain bytes or s3 object."
ATTRIBUTE_ENUM = (
    "[DEFAULT, ALL, AGE_RANGE, BEARD, EMOTIONS, EYE_DIRECTION, EYEGLASSES, EYES_OPEN, "
    "GENDER, MOUTH_OPEN, MUSTACHE, FACE_OCCLUDED, SMILE, SUNGLASSES]"
)


# --- helpers ---------------------------------------------------------------------------


def error_of(exc: ClientError, code: str, status: int = 400) -> str:
    """Check ``exc``'s code and HTTP status; return its message."""
    assert exc.response["Error"]["Code"] == code
    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == status
    message = exc.response["Error"]["Message"]
    assert message, "AWS errors always carry a message"
    return message


def expect(client: Any, code: str, call: Callable[[], Any], status: int = 400) -> str:
    """Run ``call``; it must raise ``client.exceptions.<code>`` (or a ClientError with
    that code when the model has no such exception). Returns the error message."""
    exc_type = getattr(client.exceptions, code, ClientError)
    with pytest.raises(exc_type) as info:
        call()
    return error_of(info.value, code, status)


def assert_still_works(client: Any) -> None:
    """After an error the mock still answers, with its engine."""
    response = client.detect_faces(Image={"Bytes": HOPPER})
    assert_output_shape("DetectFaces", response)
    assert len(response["FaceDetails"]) == 1


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@contextmanager
def raw_body(client: Any, operation: str, body: bytes) -> Iterator[None]:
    """Make the client send ``body`` verbatim as the JSON of ``operation``.

    The hook replaces the serialised request body before it is signed, so values
    botocore's serialiser would refuse (a string for a float, nulls, broken JSON)
    reach the mock.
    """
    event = f"request-created.rekognition.{operation}"

    def replace(request: Any, **_: Any) -> None:
        request.data = body

    client.meta.events.register(event, replace, unique_id="raw-body")
    try:
        yield
    finally:
        client.meta.events.unregister(event, unique_id="raw-body")


# --- image content --------------------------------------------------------------------

BAD_IMAGES = [
    pytest.param(imagefactory.gif_bytes, "InvalidImageFormatException", INVALID_FORMAT, id="gif"),
    pytest.param(imagefactory.not_an_image, "InvalidImageFormatException", INVALID_FORMAT, id="text"),
    pytest.param(imagefactory.truncated_jpeg, "InvalidImageFormatException", INVALID_FORMAT, id="truncated-jpeg"),
    pytest.param(imagefactory.corrupt_jpeg, "InvalidImageFormatException", INVALID_FORMAT, id="corrupt-jpeg-header"),
    pytest.param(
        lambda: imagefactory.corrupt_jpeg(keep=451),
        "InvalidImageFormatException",
        INVALID_FORMAT,
        id="corrupt-jpeg-data",
    ),
    pytest.param(imagefactory.one_pixel_jpeg, "InvalidParameterException", INVALID_PARAMETERS, id="1x1-jpeg"),
    pytest.param(
        lambda: imagefactory.tiny_face(width=64), "InvalidParameterException", INVALID_PARAMETERS, id="64px-wide"
    ),
    pytest.param(  # beyond Pillow's decompression-bomb limit: still AWS's message, from the header
        imagefactory.decompression_bomb_png,
        "ImageTooLargeException",
        "Input image dimensions 20000 x 20000 exceed maximum dimension size of 10000 pixels",
        id="bomb-png",
    ),
    pytest.param(imagefactory.big_jpeg, "ValidationException",
                 "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=", id="over-5MB-jpeg"),
]


@pytest.mark.parametrize(("width", "height"), [(10001, 200), (200, 10001), (12000, 9000)])
def test_image_above_10000_px_on_a_side(rekognition: Any, width: int, height: int) -> None:
    """AWS's message names the dimensions; the pixels are never decoded (a small PNG)."""
    data = imagefactory.decompression_bomb_png(width, height)
    message = expect(rekognition, "ImageTooLargeException", lambda: rekognition.detect_faces(Image={"Bytes": data}))
    assert message == f"Input image dimensions {width} x {height} exceed maximum dimension size of 10000 pixels"


IMAGE_OPERATIONS = {  # every operation that takes an image, called with ``image`` as its (first) image
    "DetectFaces": lambda client, image: client.detect_faces(Image=image),
    "CompareFaces (source)": lambda client, image: client.compare_faces(SourceImage=image, TargetImage={"Bytes": HOPPER}),
    "CompareFaces (target)": lambda client, image: client.compare_faces(SourceImage={"Bytes": HOPPER}, TargetImage=image),
    "IndexFaces": lambda client, image: client.index_faces(CollectionId="sizes", Image=image),
    "SearchFacesByImage": lambda client, image: client.search_faces_by_image(CollectionId="sizes", Image=image),
    "SearchUsersByImage": lambda client, image: client.search_users_by_image(CollectionId="sizes", Image=image),
    "DetectLabels": lambda client, image: client.detect_labels(Image=image),
    "DetectModerationLabels": lambda client, image: client.detect_moderation_labels(Image=image),
}


@pytest.mark.parametrize("operation", IMAGE_OPERATIONS)
def test_image_dimension_errors_on_every_image_operation(rekognition: Any, s3: Any, operation: str) -> None:
    """Above 10,000 px: ImageTooLargeException naming the dimensions; below 80 px:
    InvalidParameterException with AWS's default message; as bytes and from S3."""
    rekognition.create_collection(CollectionId="sizes")
    s3.create_bucket(Bucket="sizes")
    call = IMAGE_OPERATIONS[operation]
    for name, data, code, message in [
        ("wide.png", imagefactory.decompression_bomb_png(10240, 120), "ImageTooLargeException",
         "Input image dimensions 10240 x 120 exceed maximum dimension size of 10000 pixels"),
        ("tiny.jpg", imagefactory.tiny_face(width=64), "InvalidParameterException", INVALID_PARAMETERS),
    ]:
        s3.put_object(Bucket="sizes", Key=name, Body=data)
        for image in ({"Bytes": data}, {"S3Object": {"Bucket": "sizes", "Name": name}}):
            assert expect(rekognition, code, lambda: call(rekognition, image)) == message
    assert_still_works(rekognition)


def test_image_of_10000_px_on_a_side_is_accepted(rekognition: Any) -> None:
    data = imagefactory.decompression_bomb_png(10000, 100)
    assert rekognition.detect_faces(Image={"Bytes": data})["FaceDetails"] == []


@pytest.mark.parametrize(("builder", "code", "message"), BAD_IMAGES)
def test_detect_faces_bad_image(rekognition: Any, builder: Callable[[], bytes], code: str, message: str) -> None:
    data = builder()
    got = expect(rekognition, code, lambda: rekognition.detect_faces(Image={"Bytes": data}))
    if code == "ValidationException":
        assert got == bytes_too_long(len(data))
    elif code == "ImageTooLargeException":
        assert got.startswith(message)
    else:
        assert got == message
    assert_still_works(rekognition)


@pytest.mark.parametrize(("builder", "code", "message"), BAD_IMAGES)
@pytest.mark.parametrize("side", ["SourceImage", "TargetImage"])
def test_compare_faces_bad_image(
    rekognition: Any, side: str, builder: Callable[[], bytes], code: str, message: str
) -> None:
    images = {"SourceImage": {"Bytes": HOPPER}, "TargetImage": {"Bytes": HOPPER}}
    images[side] = {"Bytes": builder()}
    got = expect(rekognition, code, lambda: rekognition.compare_faces(**images))
    assert got.startswith(message)
    assert_still_works(rekognition)


def test_80_pixels_is_big_enough(rekognition: Any) -> None:
    # Rekognition's minimum is 80 px on each side: 80×94 is accepted (no face that small).
    response = rekognition.detect_faces(Image={"Bytes": imagefactory.tiny_face(width=80)})
    assert_output_shape("DetectFaces", response)
    assert isinstance(response["FaceDetails"], list)


def test_bytes_limit_is_exactly_5_mib(rekognition: Any) -> None:
    at_limit = imagefactory.padded(HOPPER, MAX_BYTES)
    response = rekognition.detect_faces(Image={"Bytes": at_limit})
    assert_output_shape("DetectFaces", response)
    assert len(response["FaceDetails"]) == 1
    over = imagefactory.padded(HOPPER, MAX_BYTES + 1)
    message = expect(rekognition, "ValidationException", lambda: rekognition.detect_faces(Image={"Bytes": over}))
    assert message == bytes_too_long(MAX_BYTES + 1)
    for side, path in (("SourceImage", "sourceImage.bytes"), ("TargetImage", "targetImage.bytes")):
        images = {"SourceImage": {"Bytes": HOPPER}, "TargetImage": {"Bytes": HOPPER}, side: {"Bytes": over}}
        message = expect(rekognition, "ValidationException", lambda: rekognition.compare_faces(**images))
        assert message == bytes_too_long(MAX_BYTES + 1, path)


@pytest.mark.parametrize("client_name", ["rekognition", "unvalidated_rekognition"])
def test_empty_bytes(request: pytest.FixtureRequest, client_name: str) -> None:
    client = request.getfixturevalue(client_name)
    message = expect(client, "ValidationException", lambda: client.detect_faces(Image={"Bytes": b""}))
    assert message == (
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at "
        "'image.bytes' failed to satisfy constraint: Member must have length greater than or equal to 1"
    )
    assert_still_works(client)


# --- the Image structure ----------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        {"Bytes": HOPPER, "S3Object": {"Bucket": "photos", "Name": "hopper.jpg"}},
        {},
    ],
    ids=["both", "neither"],
)
def test_image_needs_exactly_one_source(rekognition: Any, s3: Any, image: dict[str, Any]) -> None:
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="hopper.jpg", Body=HOPPER)
    message = expect(rekognition, "InvalidParameterException", lambda: rekognition.detect_faces(Image=image))
    assert message == BYTES_OR_S3
    message = expect(
        rekognition,
        "InvalidParameterException",
        lambda: rekognition.compare_faces(SourceImage={"Bytes": HOPPER}, TargetImage=image),
    )
    assert message == BYTES_OR_S3
    assert_still_works(rekognition)


# --- S3 ------------------------------------------------------------------------------------


@pytest.fixture
def bucket(s3: Any) -> dict[str, str]:
    """A versioned bucket holding grace_hopper.jpg (first version) and coffee.jpg."""
    s3.create_bucket(Bucket="photos")
    s3.put_bucket_versioning(Bucket="photos", VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket="photos", Key="hopper.jpg", Body=HOPPER)["VersionId"]
    s3.put_object(Bucket="photos", Key="coffee.jpg", Body=COFFEE)
    return {"Bucket": "photos", "hopper_version": version}


def assert_s3_still_works(client: Any) -> None:
    response = client.detect_faces(Image={"S3Object": {"Bucket": "photos", "Name": "hopper.jpg"}})
    assert_output_shape("DetectFaces", response)
    assert len(response["FaceDetails"]) == 1
    assert_still_works(client)


@pytest.mark.parametrize(
    "s3_object",
    [
        {"Bucket": "no-such-bucket", "Name": "hopper.jpg"},
        {"Bucket": "photos", "Name": "no-such-key.jpg"},
        {"Bucket": "photos", "Name": "hopper.jpg", "Version": "no-such-version"},
        {"Bucket": "photos", "Name": "coffee.jpg", "Version": "no-such-version"},
    ],
    ids=["missing-bucket", "missing-key", "bad-version", "bad-version-other-key"],
)
def test_unreachable_s3_object(rekognition: Any, bucket: dict[str, str], s3_object: dict[str, str]) -> None:
    message = expect(
        rekognition, "InvalidS3ObjectException", lambda: rekognition.detect_faces(Image={"S3Object": s3_object})
    )
    assert message == S3_UNREACHABLE
    message = expect(
        rekognition,
        "InvalidS3ObjectException",
        lambda: rekognition.compare_faces(SourceImage={"Bytes": HOPPER}, TargetImage={"S3Object": s3_object}),
    )
    assert message == S3_UNREACHABLE
    assert_s3_still_works(rekognition)


def test_deleted_s3_object(rekognition: Any, s3: Any, bucket: dict[str, str]) -> None:
    s3.delete_object(Bucket="photos", Key="hopper.jpg")  # leaves a delete marker
    message = expect(
        rekognition,
        "InvalidS3ObjectException",
        lambda: rekognition.detect_faces(Image={"S3Object": {"Bucket": "photos", "Name": "hopper.jpg"}}),
    )
    assert message == S3_UNREACHABLE
    # The earlier version is still there.
    old = {"Bucket": "photos", "Name": "hopper.jpg", "Version": bucket["hopper_version"]}
    response = rekognition.detect_faces(Image={"S3Object": old})
    assert_output_shape("DetectFaces", response)
    assert len(response["FaceDetails"]) == 1


def test_s3_object_over_15_mb(rekognition: Any, s3: Any, bucket: dict[str, str]) -> None:
    s3.put_object(Bucket="photos", Key="huge.jpg", Body=imagefactory.padded(HOPPER, MAX_S3_BYTES + 1024))
    message = expect(
        rekognition,
        "ImageTooLargeException",
        lambda: rekognition.detect_faces(Image={"S3Object": {"Bucket": "photos", "Name": "huge.jpg"}}),
    )
    assert message.startswith(TOO_LARGE)
    assert_s3_still_works(rekognition)


def test_s3_object_that_is_not_an_image(rekognition: Any, s3: Any, bucket: dict[str, str]) -> None:
    # The content decides, not the ".jpg" name.
    s3.put_object(Bucket="photos", Key="fake.jpg", Body=imagefactory.text_named_jpeg())
    message = expect(
        rekognition,
        "InvalidImageFormatException",
        lambda: rekognition.detect_faces(Image={"S3Object": {"Bucket": "photos", "Name": "fake.jpg"}}),
    )
    assert message == INVALID_FORMAT
    assert_s3_still_works(rekognition)


# --- CompareFaces specifics ----------------------------------------------------------------


def test_no_face_in_source(rekognition: Any) -> None:
    message = expect(
        rekognition,
        "InvalidParameterException",
        lambda: rekognition.compare_faces(SourceImage={"Bytes": COFFEE}, TargetImage={"Bytes": HOPPER}),
    )
    assert message == INVALID_PARAMETERS
    assert_still_works(rekognition)


def test_no_face_in_target_is_invalid_parameter(rekognition: Any) -> None:
    """API reference: "If no faces are detected in the source or target images,
    CompareFaces returns an InvalidParameterException error." """
    expect(rekognition, "InvalidParameterException",
           lambda: rekognition.compare_faces(SourceImage={"Bytes": HOPPER}, TargetImage={"Bytes": COFFEE}))
    expect(rekognition, "InvalidParameterException",
           lambda: rekognition.compare_faces(SourceImage={"Bytes": COFFEE}, TargetImage={"Bytes": HOPPER}))


def test_bucket_in_another_region_is_not_read(rekognition: Any, s3: Any) -> None:
    """Rekognition reads only buckets in its own region (InvalidS3ObjectException)."""
    s3.create_bucket(Bucket="eu-photos", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket="eu-photos", Key="hopper.jpg", Body=HOPPER)
    expect(rekognition, "InvalidS3ObjectException",
           lambda: rekognition.detect_faces(Image={"S3Object": {"Bucket": "eu-photos", "Name": "hopper.jpg"}}))
    s3.create_bucket(Bucket="us-photos")
    s3.put_object(Bucket="us-photos", Key="hopper.jpg", Body=HOPPER)
    found = rekognition.detect_faces(Image={"S3Object": {"Bucket": "us-photos", "Name": "hopper.jpg"}})
    assert len(found["FaceDetails"]) == 1


# --- request validation ---------------------------------------------------------------


def test_similarity_threshold_above_100(rekognition: Any) -> None:
    message = expect(
        rekognition,
        "ValidationException",
        lambda: rekognition.compare_faces(
            SourceImage={"Bytes": HOPPER}, TargetImage={"Bytes": HOPPER}, SimilarityThreshold=101
        ),
    )
    assert message == (
        "1 validation error detected: Value '101.0' at 'similarityThreshold' failed to satisfy "
        "constraint: Member must have value less than or equal to 100"
    )
    assert_still_works(rekognition)


def test_unknown_quality_filter(rekognition: Any) -> None:
    message = expect(
        rekognition,
        "ValidationException",
        lambda: rekognition.compare_faces(
            SourceImage={"Bytes": HOPPER}, TargetImage={"Bytes": HOPPER}, QualityFilter="BEST"
        ),
    )
    assert message == (
        "1 validation error detected: Value 'BEST' at 'qualityFilter' failed to satisfy constraint: "
        "Member must satisfy enum value set: [NONE, AUTO, LOW, MEDIUM, HIGH]"
    )
    assert_still_works(rekognition)


def test_unknown_attribute(rekognition: Any) -> None:
    message = expect(
        rekognition,
        "ValidationException",
        lambda: rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=["FOO"]),
    )
    assert message == (
        "1 validation error detected: Value '[FOO]' at 'attributes' failed to satisfy constraint: "
        f"Member must satisfy constraint: [Member must satisfy enum value set: {ATTRIBUTE_ENUM}]"
    )
    assert_still_works(rekognition)


def test_wrong_type_is_a_serialization_error(unvalidated_rekognition: Any) -> None:
    # botocore's own serialiser cannot even encode SimilarityThreshold="high" (it calls
    # float() on it), so the JSON body is written by hand.
    body = json.dumps(
        {"SourceImage": {"Bytes": b64(HOPPER)}, "TargetImage": {"Bytes": b64(HOPPER)}, "SimilarityThreshold": "high"}
    ).encode()
    client = unvalidated_rekognition
    with raw_body(client, "CompareFaces", body):
        message = expect(
            client,
            "SerializationException",
            lambda: client.compare_faces(SourceImage={"Bytes": HOPPER}, TargetImage={"Bytes": HOPPER}),
        )
    assert message == "Unable to unmarshal request: expected number for 'SimilarityThreshold'"
    assert_still_works(client)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"{not json", "SerializationException"),
        (b'{"SourceImage": {"Bytes": ', "SerializationException"),
        (b"\xff\xfe\x00garbage", "SerializationException"),
        (b"[]", "SerializationException"),
        (b"null", "SerializationException"),
        (b'"CompareFaces"', "SerializationException"),
        (b"{}", "ValidationException"),
        (b'{"SourceImage": {"Bytes": "not base64!"}, "TargetImage": {}}', "SerializationException"),
        (b'{"SourceImage": ' + b"[" * 485 + b"]" * 485 + b"}", "SerializationException"),
        (b'{"SourceImage": [}, "TargetImage": {]', "SerializationException"),
        (b"[" * 5000 + b"]" * 5000, "SerializationException"),
        (b'{"Image": ' + b"[" * 2**22 + b"]" * 2**22 + b"}", "SerializationException"),
        (b'{"Image": {"Bytes": "QUJD"}, "Attributes": [' + b"[]," * 2**18 + b'"ALL"]}', "ValidationException"),
        (b'{"SourceImage": {"Bytes": "QUJD"}, "TargetImage": {"Bytes": "QUJD"}, "SimilarityThreshold": NaN}',
         "SerializationException"),
        (b'{"SourceImage": {"Bytes": "QUJD"}, "TargetImage": {"Bytes": "QUJD"}, "SimilarityThreshold": -Infinity}',
         "SerializationException"),
    ],
    ids=["broken", "cut-short", "binary", "array", "null", "string", "empty-object", "bad-base64",
         "nested-485", "unpaired", "nested-5000", "nested-8MB", "many-shallow-arrays", "nan", "minus-infinity"],
)
def test_malformed_json_body_is_a_client_error(unvalidated_rekognition: Any, body: bytes, code: str) -> None:
    client = unvalidated_rekognition
    with raw_body(client, "CompareFaces", body):
        with pytest.raises(ClientError) as info:
            client.compare_faces(SourceImage={"Bytes": HOPPER}, TargetImage={"Bytes": HOPPER})
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500
    error_of(info.value, code, 400)
    assert_still_works(client)


def test_oversized_base64_is_refused_before_it_is_decoded(unvalidated_rekognition: Any) -> None:
    """A base64 text longer than any 5 MB image can have is refused from its length (the
    validation counts its decoded bytes without decoding it)."""
    client = unvalidated_rekognition
    body = b'{"Image": {"Bytes": "' + b"A" * (7 * 1024 * 1024) + b'"}}'
    with raw_body(client, "DetectFaces", body):
        message = expect(client, "ValidationException", lambda: client.detect_faces(Image={"Bytes": HOPPER}))
    assert message == bytes_too_long(7 * 1024 * 1024 // 4 * 3)
    assert_still_works(client)


def test_null_optional_members_are_treated_as_absent(unvalidated_rekognition: Any) -> None:
    # JSON null is "not set" for AWS: the defaults (SimilarityThreshold 80, QualityFilter
    # NONE, default attributes) apply; it is not a server error.
    client = unvalidated_rekognition
    detect_body = json.dumps({"Image": {"Bytes": b64(HOPPER)}, "Attributes": None}).encode()
    with raw_body(client, "DetectFaces", detect_body):
        detected = client.detect_faces(Image={"Bytes": HOPPER})
    assert_output_shape("DetectFaces", detected)
    assert len(detected["FaceDetails"]) == 1

    compare_body = json.dumps(
        {
            "SourceImage": {"Bytes": b64(HOPPER)},
            "TargetImage": {"Bytes": b64(imagefactory.two_person_composite())},
            "SimilarityThreshold": None,
            "QualityFilter": None,
        }
    ).encode()
    with raw_body(client, "CompareFaces", compare_body):
        compared = client.compare_faces(SourceImage={"Bytes": HOPPER}, TargetImage={"Bytes": HOPPER})
    assert_output_shape("CompareFaces", compared)
    assert len(compared["FaceMatches"]) == 1  # default threshold 80: Grace Hopper only
    assert len(compared["UnmatchedFaces"]) == 1


def test_errors_do_not_lose_state(rekognition: Any, s3: Any, bucket: dict[str, str]) -> None:
    """A burst of different errors, then everything set up before them still works."""
    failing = [
        ("InvalidImageFormatException", lambda: rekognition.detect_faces(Image={"Bytes": imagefactory.gif_bytes()})),
        ("InvalidParameterException", lambda: rekognition.detect_faces(Image={"Bytes": imagefactory.one_pixel_jpeg()})),
        (
            "InvalidS3ObjectException",
            lambda: rekognition.detect_faces(Image={"S3Object": {"Bucket": "photos", "Name": "nope.jpg"}}),
        ),
        (
            "InvalidParameterException",
            lambda: rekognition.compare_faces(SourceImage={"Bytes": COFFEE}, TargetImage={"Bytes": HOPPER}),
        ),
        ("ValidationException", lambda: rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=["FOO"])),
    ]
    for code, call in failing:
        expect(rekognition, code, call)
    assert_s3_still_works(rekognition)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="photos")["Contents"]] == ["coffee.jpg", "hopper.jpg"]
    response = rekognition.compare_faces(
        SourceImage={"S3Object": {"Bucket": "photos", "Name": "hopper.jpg"}},
        TargetImage={"Bytes": imagefactory.augmented()},
    )
    assert_output_shape("CompareFaces", response)
    assert response["FaceMatches"][0]["Similarity"] >= 90
