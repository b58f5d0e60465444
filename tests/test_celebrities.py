"""RecognizeCelebrities and GetCelebrityInfo (service/models/celebrities.py): registered
celebrities recognised by the engine, in-process and over HTTP."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

import imagefactory
import rekognition_mock
from rekognition_mock.service.controls.celebrities import celebrity_id
from rekognition_mock.service.limits import CELEBRITY_MATCH_THRESHOLD
from shapecheck import assert_output_shape

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")


def test_without_a_registry_every_face_is_unrecognised(rekognition: Any) -> None:
    response = rekognition.recognize_celebrities(Image={"Bytes": imagefactory.two_person_composite()})
    assert_output_shape("RecognizeCelebrities", response)
    assert response["CelebrityFaces"] == []
    assert len(response["UnrecognizedFaces"]) == 2
    face = response["UnrecognizedFaces"][0]
    assert set(face) == {"BoundingBox", "Confidence", "Landmarks", "Pose", "Quality", "Emotions", "Smile"}
    assert rekognition.recognize_celebrities(Image={"Bytes": imagefactory.face_free()})["UnrecognizedFaces"] == []


def test_a_registered_person_is_found_in_another_photo_and_a_stranger_is_not(rekognition: Any) -> None:
    rekognition_mock.set_celebrities({"Grace Hopper": [HOPPER]})
    other_photo = rekognition.recognize_celebrities(Image={"Bytes": imagefactory.augmented(mirror=True)})
    assert_output_shape("RecognizeCelebrities", other_photo)
    [hopper] = other_photo["CelebrityFaces"]
    assert hopper["Name"] == "Grace Hopper" and hopper["Urls"] == [] and "KnownGender" not in hopper
    assert hopper["Id"] == celebrity_id("Grace Hopper") and len(hopper["Id"]) == 8 and hopper["Id"].isalnum()
    assert 97.0 <= hopper["MatchConfidence"] <= 100.0  # different photos of one person, as on AWS
    assert set(hopper["Face"]) == {"BoundingBox", "Confidence", "Landmarks", "Pose", "Quality", "Emotions", "Smile"}
    assert other_photo["UnrecognizedFaces"] == []

    stranger = rekognition.recognize_celebrities(Image={"Bytes": imagefactory.augmented("astronaut.jpg")})
    assert stranger["CelebrityFaces"] == [] and len(stranger["UnrecognizedFaces"]) == 1

    both = rekognition.recognize_celebrities(Image={"Bytes": imagefactory.two_person_composite()})
    [found] = both["CelebrityFaces"]
    [unknown] = both["UnrecognizedFaces"]
    assert found["Name"] == "Grace Hopper"
    assert found["Face"]["BoundingBox"]["Left"] > 0.5 > unknown["BoundingBox"]["Left"]  # Hopper is on the right


def test_the_dict_form_urls_gender_id_and_get_celebrity_info(rekognition: Any, s3: Any) -> None:
    s3.create_bucket(Bucket="press")
    s3.put_object(Bucket="press", Key="hopper.jpg", Body=HOPPER)
    rekognition_mock.set_celebrities({
        "Grace Hopper": {"Images": [("press", "hopper.jpg")], "Urls": ["www.wikidata.org/wiki/Q11641"],
                         "KnownGender": "Female", "Id": "3Ir0du6"},
        "Eileen Collins": [ASTRONAUT],
    })
    response = rekognition.recognize_celebrities(Image={"Bytes": imagefactory.two_person_composite()})
    found = {c["Name"]: c for c in response["CelebrityFaces"]}
    assert set(found) == {"Grace Hopper", "Eileen Collins"} and response["UnrecognizedFaces"] == []
    assert found["Grace Hopper"]["Id"] == "3Ir0du6"
    assert found["Grace Hopper"]["KnownGender"] == {"Type": "Female"}
    assert found["Grace Hopper"]["Urls"] == ["www.wikidata.org/wiki/Q11641"]
    assert all(c["MatchConfidence"] >= CELEBRITY_MATCH_THRESHOLD for c in found.values())

    info = rekognition.get_celebrity_info(Id="3Ir0du6")
    assert_output_shape("GetCelebrityInfo", info)
    assert {k: v for k, v in info.items() if k != "ResponseMetadata"} == {
        "Name": "Grace Hopper", "Urls": ["www.wikidata.org/wiki/Q11641"], "KnownGender": {"Type": "Female"}}
    assert rekognition.get_celebrity_info(Id=found["Eileen Collins"]["Id"])["Name"] == "Eileen Collins"
    with pytest.raises(rekognition.exceptions.ResourceNotFoundException):
        rekognition.get_celebrity_info(Id="0000000")


def test_ids_are_stable_and_a_reset_forgets_the_registry(rekognition: Any) -> None:
    assert celebrity_id("Grace Hopper") == celebrity_id("Grace Hopper") != celebrity_id("Grace  Hopper")
    rekognition_mock.set_celebrities({"Grace Hopper": [HOPPER]})
    assert rekognition.get_celebrity_info(Id=celebrity_id("Grace Hopper"))["Name"] == "Grace Hopper"
    rekognition_mock.reset_controls()
    with pytest.raises(rekognition.exceptions.ResourceNotFoundException):
        rekognition.get_celebrity_info(Id=celebrity_id("Grace Hopper"))
    assert rekognition.recognize_celebrities(Image={"Bytes": HOPPER})["CelebrityFaces"] == []


def test_bad_registrations_are_refused() -> None:
    with pytest.raises(ValueError, match="no face"):
        rekognition_mock.set_celebrities({"A cup": [imagefactory.face_free()]})
    with pytest.raises(ValueError, match="KnownGender"):
        rekognition_mock.set_celebrities({"X": {"Images": [HOPPER], "KnownGender": "Robot"}})
    with pytest.raises(ValueError, match="Id"):
        rekognition_mock.set_celebrities({"X": {"Images": [HOPPER], "Id": "not-an-id"}})
    with pytest.raises(ValueError):
        rekognition_mock.set_celebrities({})
    with pytest.raises(TypeError):
        rekognition_mock.set_celebrities({"X": ["not an image"]})
    rekognition_mock.set_celebrities({"Grace Hopper": {"Images": [HOPPER], "Id": "Hopper1"}})
    with pytest.raises(ValueError, match="Hopper1"):  # nothing of a refused call is registered
        rekognition_mock.set_celebrities({"Eileen Collins": [ASTRONAUT], "Someone": {"Images": [ASTRONAUT], "Id": "Hopper1"}})
    from rekognition_mock.service.controls.celebrities import registered

    assert [c.name for c in registered()] == ["Grace Hopper"]
    rekognition_mock.set_celebrities({"Grace Hopper": [ASTRONAUT]})  # registered again: replaced, new default id
    assert [(c.name, c.celebrity_id) for c in registered()] == [("Grace Hopper", celebrity_id("Grace Hopper"))]
    rekognition_mock.reset_controls()


def test_bad_input_gets_aws_errors(unvalidated_rekognition: Any) -> None:
    with pytest.raises(unvalidated_rekognition.exceptions.InvalidImageFormatException):
        unvalidated_rekognition.recognize_celebrities(Image={"Bytes": imagefactory.not_an_image()})
    with pytest.raises(unvalidated_rekognition.exceptions.InvalidParameterException):
        unvalidated_rekognition.recognize_celebrities(Image={})
    with pytest.raises(unvalidated_rekognition.exceptions.ClientError) as info:
        unvalidated_rekognition.get_celebrity_info(Id="not-an-id!")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_over_http(rekognition_server: Any) -> None:
    import boto3

    url = rekognition_server.url + "/_rekognition_mock/celebrities"
    body = {"celebrities": {"Grace Hopper": {"Images": [{"bytes": base64.b64encode(HOPPER).decode()}],
                                             "KnownGender": "Female"}}}
    try:
        answer = requests.post(url, json=body, timeout=300)
        assert answer.status_code == 200, answer.text
        [listed] = answer.json()["celebrities"]
        assert listed["name"] == "Grace Hopper" and listed["images"][0][0] == "sha256"
        assert requests.post(url, json={"celebrities": {"X": [{"bytes": "%%"}]}}, timeout=300).status_code == 400
        rekognition = boto3.client("rekognition", endpoint_url=rekognition_server.url, region_name="us-east-1",
                                   aws_access_key_id="testing", aws_secret_access_key="testing")
        [hopper] = rekognition.recognize_celebrities(Image={"Bytes": imagefactory.augmented()})["CelebrityFaces"]
        assert hopper["Name"] == "Grace Hopper" and hopper["KnownGender"] == {"Type": "Female"}
        assert rekognition.get_celebrity_info(Id=hopper["Id"])["Name"] == "Grace Hopper"
    finally:
        requests.post(rekognition_server.url + "/_rekognition_mock/reset", json={}, timeout=300)
