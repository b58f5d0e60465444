"""DetectProtectiveEquipment (service/protective_equipment.py): persons from the engine's
faces, equipment scripted per person, and AWS's summary."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

import imagefactory
import rekognition_mock
from shapecheck import assert_output_shape

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
COMPOSITE = imagefactory.two_person_composite()  # astronaut left, Hopper right (the larger face: person 0)


def summarise(rekognition: Any, image: bytes, required: list[str], least: float = 80) -> dict[str, list[int]]:
    response = rekognition.detect_protective_equipment(
        Image={"Bytes": image}, SummarizationAttributes={"MinConfidence": least, "RequiredEquipmentTypes": required})
    assert_output_shape("DetectProtectiveEquipment", response)
    return response["Summary"]


def test_persons_come_from_the_faces(rekognition: Any) -> None:
    response = rekognition.detect_protective_equipment(Image={"Bytes": COMPOSITE})
    assert_output_shape("DetectProtectiveEquipment", response)
    assert "Summary" not in response and response["ProtectiveEquipmentModelVersion"] == "1.0"
    persons = response["Persons"]
    assert [p["Id"] for p in persons] == [0, 1]
    faces = rekognition.detect_faces(Image={"Bytes": COMPOSITE})["FaceDetails"]
    for person, face in zip(persons, faces):
        assert [part["Name"] for part in person["BodyParts"]] == ["FACE", "HEAD"]
        assert all(part["EquipmentDetections"] == [] for part in person["BodyParts"])
        assert person["Confidence"] == pytest.approx(face["Confidence"], abs=1e-4)
        body, box = person["BoundingBox"], face["BoundingBox"]
        assert body["Left"] == pytest.approx(max(0.0, box["Left"] - box["Width"]), abs=1e-4)  # a face width aside
        assert body["Top"] == pytest.approx(box["Top"] - box["Height"] / 4, abs=1e-4)  # raised a quarter
        assert body["Top"] + body["Height"] == pytest.approx(1.0, abs=1e-4)  # down to the bottom edge
    assert persons[0]["BoundingBox"]["Left"] > 0.5  # Hopper, the larger face, is on the right
    assert rekognition.detect_protective_equipment(Image={"Bytes": imagefactory.face_free()})["Persons"] == []


def test_scripted_equipment_and_the_summary(rekognition: Any) -> None:
    rekognition_mock.set_protective_equipment(COMPOSITE, 0, ["FACE_COVER", "HEAD_COVER"])
    rekognition_mock.set_protective_equipment(COMPOSITE, 1, [
        {"Type": "FACE_COVER", "Confidence": 70.0, "BoundingBox": {"Width": 0.1, "Height": 0.1, "Left": 0.2, "Top": 0.3}},
        {"Type": "HAND_COVER", "BodyPart": "LEFT_HAND", "CoversBodyPart": {"Value": False, "Confidence": 90.0}},
        {"BodyPart": "RIGHT_HAND", "BodyPartConfidence": 88.0},
    ])
    response = rekognition.detect_protective_equipment(Image={"Bytes": COMPOSITE})
    hopper, collins = response["Persons"]
    face, head = hopper["BodyParts"]
    [mask] = face["EquipmentDetections"]
    assert mask["Type"] == "FACE_COVER" and mask["Confidence"] == 99.0 and mask["CoversBodyPart"] == {"Value": True, "Confidence": 99.0}
    [cap] = head["EquipmentDetections"]
    assert cap["Type"] == "HEAD_COVER" and cap["BoundingBox"]["Top"] < mask["BoundingBox"]["Top"]
    assert [part["Name"] for part in collins["BodyParts"]] == ["FACE", "HEAD", "LEFT_HAND", "RIGHT_HAND"]
    assert collins["BodyParts"][0]["EquipmentDetections"][0]["BoundingBox"] == {"Width": 0.1, "Height": 0.1, "Left": 0.2, "Top": 0.3}
    assert collins["BodyParts"][3] == {"Name": "RIGHT_HAND", "Confidence": 88.0, "EquipmentDetections": []}

    assert summarise(rekognition, COMPOSITE, ["FACE_COVER"]) == {  # Collins' mask is under 80
        "PersonsWithRequiredEquipment": [0], "PersonsWithoutRequiredEquipment": [1], "PersonsIndeterminate": []}
    assert summarise(rekognition, COMPOSITE, ["FACE_COVER"], least=60)["PersonsWithRequiredEquipment"] == [0, 1]
    assert summarise(rekognition, COMPOSITE, ["FACE_COVER", "HEAD_COVER"], least=60) == {
        "PersonsWithRequiredEquipment": [0], "PersonsWithoutRequiredEquipment": [1], "PersonsIndeterminate": []}
    # Hopper's hands are not seen: indeterminate; Collins' left glove does not cover her hand: without.
    assert summarise(rekognition, COMPOSITE, ["HAND_COVER"]) == {
        "PersonsWithRequiredEquipment": [], "PersonsWithoutRequiredEquipment": [1], "PersonsIndeterminate": [0]}
    # A MinConfidence above the person's own confidence leaves nobody determinable.
    assert summarise(rekognition, COMPOSITE, ["FACE_COVER"], least=100)["PersonsIndeterminate"] == [0, 1]
    # Below 50 acts as 50 (AWS), so the 70% mask counts at 0 as at 50.
    assert summarise(rekognition, COMPOSITE, ["FACE_COVER"], least=0)["PersonsWithRequiredEquipment"] == [0, 1]


def test_scripts_by_s3_object_and_replacement(rekognition: Any, s3: Any) -> None:
    s3.create_bucket(Bucket="site")
    s3.put_object(Bucket="site", Key="gate.jpg", Body=HOPPER)
    rekognition_mock.set_protective_equipment(("site", "gate.jpg"), 0, ["HAND_COVER"])
    response = rekognition.detect_protective_equipment(Image={"S3Object": {"Bucket": "site", "Name": "gate.jpg"}})
    hands = response["Persons"][0]["BodyParts"][2:]
    assert [(h["Name"], h["EquipmentDetections"][0]["Type"]) for h in hands] == [("LEFT_HAND", "HAND_COVER"), ("RIGHT_HAND", "HAND_COVER")]
    assert rekognition.detect_protective_equipment(Image={"Bytes": HOPPER})["Persons"][0]["BodyParts"][0]["EquipmentDetections"] == []
    rekognition_mock.set_protective_equipment(("site", "gate.jpg"), 0, [])
    response = rekognition.detect_protective_equipment(Image={"S3Object": {"Bucket": "site", "Name": "gate.jpg"}})
    assert len(response["Persons"][0]["BodyParts"]) == 2


@pytest.mark.parametrize("equipment", [
    ["GLOVES"], [{"Type": "FACE_COVER", "BodyPart": "HEAD"}], [{"BodyPart": "FACE"}], [{"Type": "FACE_COVER", "Confidence": 120}],
    [{"Type": "FACE_COVER", "BoundingBox": {"Width": 2, "Height": 0.1, "Left": 0, "Top": 0}}], [{"Type": "FACE_COVER", "Colour": "blue"}],
    "FACE_COVER",
])
def test_bad_scripts_are_refused(equipment: Any) -> None:
    with pytest.raises(ValueError):
        rekognition_mock.set_protective_equipment(HOPPER, 0, equipment)


def test_a_person_the_photo_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError, match="1 face"):
        rekognition_mock.set_protective_equipment(HOPPER, 1, ["FACE_COVER"])


def test_bad_input_gets_aws_errors(unvalidated_rekognition: Any) -> None:
    client = unvalidated_rekognition
    with pytest.raises(client.exceptions.InvalidImageFormatException):
        client.detect_protective_equipment(Image={"Bytes": imagefactory.not_an_image()})
    with pytest.raises(client.exceptions.ClientError) as info:
        client.detect_protective_equipment(Image={"Bytes": HOPPER}, SummarizationAttributes={"MinConfidence": 80})
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(client.exceptions.ClientError) as info:
        client.detect_protective_equipment(Image={"Bytes": HOPPER},
                                           SummarizationAttributes={"MinConfidence": 80, "RequiredEquipmentTypes": ["GLOVES"]})
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_over_http(rekognition_server: Any) -> None:
    import boto3

    url = rekognition_server.url + "/_rekognition_mock/protective-equipment"
    try:
        answer = requests.post(url, json={"image": {"bytes": base64.b64encode(HOPPER).decode()}, "person_index": 0,
                                          "equipment": ["FACE_COVER"]}, timeout=300)
        assert answer.status_code == 200, answer.text
        assert answer.json()["protective_equipment"][0]["equipment"][0]["Type"] == "FACE_COVER"
        bad = requests.post(url, json={"image": {"bucket": "b", "key": "k"}, "equipment": ["GLOVES"]}, timeout=300)
        assert bad.status_code == 400 and "Type" in bad.json()["error"]
        rekognition = boto3.client("rekognition", endpoint_url=rekognition_server.url, region_name="us-east-1",
                                   aws_access_key_id="testing", aws_secret_access_key="testing")
        summary = rekognition.detect_protective_equipment(
            Image={"Bytes": HOPPER}, SummarizationAttributes={"MinConfidence": 90, "RequiredEquipmentTypes": ["FACE_COVER"]},
        )["Summary"]
        assert summary["PersonsWithRequiredEquipment"] == [0]
    finally:
        requests.post(rekognition_server.url + "/_rekognition_mock/reset", json={}, timeout=300)
