"""service/controls/: injected faults and latency, seen by botocore as production's."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import imagefactory
import rekognition_mock
from conftest import make_client

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")


def client(attempts: int) -> Any:
    """A client making at most ``attempts`` attempts per call (1: no retries)."""
    return make_client("rekognition", Config(retries={"total_max_attempts": attempts, "mode": "standard"}))


def test_throttling_seen_without_retries_and_absorbed_with_them(mocked_aws: None) -> None:
    no_retries = client(1)
    rekognition_mock.inject_error("DetectFaces", "ThrottlingException")
    with pytest.raises(ClientError) as info:
        no_retries.detect_faces(Image={"Bytes": HOPPER})
    error = info.value.response
    assert error["Error"]["Code"] == "ThrottlingException"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 500  # as AWS answers it
    assert len(no_retries.detect_faces(Image={"Bytes": HOPPER})["FaceDetails"]) == 1  # only once

    retrying = client(4)
    rekognition_mock.inject_error("detect_faces", "ThrottlingException", times=2)
    response = retrying.detect_faces(Image={"Bytes": HOPPER})
    assert len(response["FaceDetails"]) == 1
    assert response["ResponseMetadata"]["RetryAttempts"] == 2


@pytest.mark.parametrize(
    ("code", "status"),
    [("ProvisionedThroughputExceededException", 400), ("InternalServerError", 500), ("AccessDeniedException", 400)],
)
def test_any_operation_any_error(mocked_aws: None, code: str, status: int) -> None:
    no_retries = client(1)
    rekognition_mock.inject_error("*", code, message="scripted by the test")
    with pytest.raises(getattr(no_retries.exceptions, code)) as info:
        no_retries.list_collections()
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert info.value.response["Error"]["Message"] == "scripted by the test"
    assert no_retries.list_collections()["CollectionIds"] == []


def test_latency_and_reset(mocked_aws: None) -> None:
    rekognition = client(1)
    rekognition_mock.inject_latency("ListCollections", 0.3)
    started = time.monotonic()
    rekognition.list_collections()
    assert time.monotonic() - started >= 0.3
    rekognition_mock.inject_error("ListCollections", "ThrottlingException", times=5)
    rekognition_mock.reset_controls()
    started = time.monotonic()
    rekognition.list_collections()  # neither fault nor delay remains
    assert time.monotonic() - started < 0.3


def test_each_error_has_its_status_and_message(mocked_aws: None) -> None:
    """Without ``message`` the error says what AWS says; 503 and 500 are retried, 400s are not
    (except the throttling codes), exactly as botocore treats the real service."""
    no_retries = client(1)
    rekognition_mock.inject_error("ListCollections", "ProvisionedThroughputExceededException")
    with pytest.raises(no_retries.exceptions.ProvisionedThroughputExceededException) as info:
        no_retries.list_collections()
    assert info.value.response["Error"]["Message"] == "Provisioned Rate exceeded."

    retrying = client(3)
    rekognition_mock.inject_error("ListCollections", "ServiceUnavailable", times=2)  # AWS's common 503
    assert retrying.list_collections()["ResponseMetadata"]["RetryAttempts"] == 2
    rekognition_mock.inject_error("ListCollections", "ProvisionedThroughputExceededException")
    assert retrying.list_collections()["ResponseMetadata"]["RetryAttempts"] == 1
    rekognition_mock.inject_error("ListCollections", "InvalidParameterException", times=2)
    with pytest.raises(retrying.exceptions.InvalidParameterException) as info:
        retrying.list_collections()
    assert info.value.response["ResponseMetadata"]["RetryAttempts"] == 0  # a client error is not retried
    with pytest.raises(retrying.exceptions.InvalidParameterException):
        retrying.list_collections()  # each call meets the next one
    assert retrying.list_collections()["ResponseMetadata"]["RetryAttempts"] == 0


def test_injected_faults_are_used_in_order(mocked_aws: None) -> None:
    no_retries = client(1)
    rekognition_mock.inject_error("*", "AccessDeniedException")
    rekognition_mock.inject_error("DescribeCollection", "ResourceNotFoundException", times=2)
    with pytest.raises(no_retries.exceptions.ResourceNotFoundException):
        no_retries.describe_collection(CollectionId="any")  # the operation's own fault first
    with pytest.raises(no_retries.exceptions.AccessDeniedException):
        no_retries.list_collections()
    with pytest.raises(no_retries.exceptions.ResourceNotFoundException):
        no_retries.describe_collection(CollectionId="any")
    assert no_retries.list_collections()["CollectionIds"] == []


def test_bad_controls_are_refused() -> None:
    with pytest.raises(ValueError, match="no operation"):
        rekognition_mock.inject_error("DetectFacez", "ThrottlingException")
    with pytest.raises(ValueError, match="not an error Rekognition answers"):
        rekognition_mock.inject_error("DetectFaces", "ThrottledException")
    with pytest.raises(ValueError):
        rekognition_mock.inject_error("DetectFaces", "ThrottlingException", times=True)
    with pytest.raises(ValueError):
        rekognition_mock.inject_error("DetectFaces", "ThrottlingException", times=0)
    with pytest.raises(ValueError):
        rekognition_mock.inject_latency("DetectFaces", -1)


def test_moto_reset_clears_the_controls(mocked_aws: None) -> None:
    import requests

    rekognition_mock.inject_error("*", "ThrottlingException", times=3)  # before any Rekognition call
    rekognition_mock.set_labels(HOPPER, ["Flag"])
    requests.post("http://motoapi.amazonaws.com/moto-api/reset")
    rekognition = client(1)
    assert rekognition.list_collections()["CollectionIds"] == []
    assert "Flag" not in [label["Name"] for label in rekognition.detect_labels(Image={"Bytes": HOPPER})["Labels"]]


def test_face_attributes_can_be_forced(mocked_aws: None, s3: Any) -> None:
    """A test author can say "in this photo the person is 15" (and any other FaceDetail member)."""
    rekognition = client(1)
    rekognition_mock.set_face_attributes(HOPPER, 0, {"AgeRange": {"Low": 15, "High": 17},
                                                     "EyesOpen": {"Value": False, "Confidence": 97.0}})
    [face] = rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=["ALL"])["FaceDetails"]
    assert face["AgeRange"] == {"Low": 15, "High": 17}
    assert face["EyesOpen"] == {"Value": False, "Confidence": 97.0}
    [default] = rekognition.detect_faces(Image={"Bytes": HOPPER})["FaceDetails"]
    assert "AgeRange" not in default  # the response still follows Attributes

    rekognition.create_collection(CollectionId="kids")
    indexed = rekognition.index_faces(CollectionId="kids", Image={"Bytes": HOPPER}, DetectionAttributes=["AGE_RANGE"])
    assert indexed["FaceRecords"][0]["FaceDetail"]["AgeRange"] == {"Low": 15, "High": 17}

    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="kid.jpg", Body=imagefactory.fixture_bytes("astronaut.jpg"))
    rekognition_mock.set_face_attributes(("photos", "kid.jpg"), 0, {"Gender": {"Value": "Male", "Confidence": 99.0}})
    [kid] = rekognition.detect_faces(Image={"S3Object": {"Bucket": "photos", "Name": "kid.jpg"}},
                                     Attributes=["GENDER"])["FaceDetails"]
    assert kid["Gender"] == {"Value": "Male", "Confidence": 99.0}


def test_face_attribute_overrides_are_checked() -> None:
    with pytest.raises(ValueError, match="not FaceDetail members: Age"):
        rekognition_mock.set_face_attributes(HOPPER, 0, {"Age": 15})
    with pytest.raises(ValueError):
        rekognition_mock.set_face_attributes(HOPPER, -1, {"AgeRange": {"Low": 1, "High": 2}})
    with pytest.raises(ValueError, match="AgeRange.*valid types.*dict"):  # botocore could not parse it
        rekognition_mock.set_face_attributes(HOPPER, 0, {"AgeRange": 15})
    with pytest.raises(ValueError, match="EyesOpen.Value"):
        rekognition_mock.set_face_attributes(HOPPER, 0, {"EyesOpen": {"Value": "yes"}})


def test_a_face_the_image_does_not_have_is_refused(rekognition: Any) -> None:
    """An override for face 1 of a one-face photo would never apply: say so at once, and
    leave the photo's real face as it was."""
    [before] = rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=["GENDER"])["FaceDetails"]
    with pytest.raises(ValueError, match="the image has 1 face .*face_index 1 is not one of them"):
        rekognition_mock.set_face_attributes(HOPPER, 1, {"Gender": {"Value": "Female", "Confidence": 1.0}})
    with pytest.raises(ValueError, match="finds no face in the image"):
        rekognition_mock.set_face_attributes(imagefactory.face_free(), 0, {"Gender": {"Value": "Male", "Confidence": 99.0}})
    two = imagefactory.two_person_composite()
    rekognition_mock.set_face_attributes(two, 1, {"Gender": {"Value": "Male", "Confidence": 99.0}})  # it has two
    [after] = rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=["GENDER"])["FaceDetails"]
    assert after["Gender"] == before["Gender"]


def test_controls_need_no_backend_and_a_reset_still_clears_them() -> None:
    """The controls import no backend (no import circle); moto's reset reaches them anyway,
    through the registry's own moto backend, before any Rekognition backend exists."""
    import subprocess
    import sys

    script = (
        "import sys, moto\n"
        "import rekognition_mock\n"
        "from rekognition_mock.service import controls\n"
        "rekognition_mock.set_labels(b'any image', ['Flag'])\n"
        "assert 'rekognition_mock.service.models' not in sys.modules, 'the controls imported the backend'\n"
        "assert controls.listing()['labels']\n"
        "with moto.mock_aws():\n"
        "    pass\n"
        "assert controls.listing()['labels'] == [], controls.listing()\n"
        "assert 'rekognition_mock.service.models' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_every_family_is_listed_and_cleared(mocked_aws: None) -> None:
    from rekognition_mock.service import controls

    listed = controls.listing()
    assert set(listed) == set(controls.FAMILIES)
    assert listed.pop("clock") == {"offset_seconds": 0.0, "manual": False}  # the clock's state, not a table
    assert all(entries == [] for entries in listed.values())
    rekognition_mock.set_labels(("b", "k"), ["Flag"])
    rekognition_mock.inject_latency("*", 0.01)
    assert controls.listing()["labels"] == [{"image": ["s3", "b", "k"], "labels": [
        {"Name": "Flag", "Confidence": 99.0, "Instances": [], "Parents": [], "Aliases": [], "Categories": []}]}]
    assert [r["kind"] for r in controls.inspector_rows()] == ["labels", "latency"]
    rekognition_mock.reset_controls()
    assert controls.inspector_rows() == []
