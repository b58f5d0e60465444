"""DetectText (service/text_detection.py): scripted lines as AWS's LINE and WORD detections,
with Filters applied; no text unless scripted."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

import imagefactory
import rekognition_mock
from shapecheck import assert_output_shape

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
COFFEE = imagefactory.face_free()


def detections(response: dict[str, Any]) -> list[tuple[str, str, int, int | None]]:
    assert_output_shape("DetectText", response)
    return [(d["Type"], d["DetectedText"], d["Id"], d.get("ParentId")) for d in response["TextDetections"]]


def test_without_a_script_there_is_no_text(rekognition: Any) -> None:
    response = rekognition.detect_text(Image={"Bytes": COFFEE})
    assert_output_shape("DetectText", response)
    assert response["TextDetections"] == [] and response["TextModelVersion"] == "3.0"


def test_lines_then_words_with_ids_and_parents(rekognition: Any) -> None:
    rekognition_mock.set_text(COFFEE, ["IT'S MONDAY", "but keep Smiling"])
    response = rekognition.detect_text(Image={"Bytes": COFFEE})
    assert detections(response) == [
        ("LINE", "IT'S MONDAY", 0, None), ("LINE", "but keep Smiling", 1, None),
        ("WORD", "IT'S", 2, 0), ("WORD", "MONDAY", 3, 0), ("WORD", "but", 4, 1), ("WORD", "keep", 5, 1), ("WORD", "Smiling", 6, 1),
    ]
    first_line, second_line, its, monday = response["TextDetections"][:4]
    assert "ParentId" not in first_line and first_line["Confidence"] == 99.0
    box = first_line["Geometry"]["BoundingBox"]
    assert box == pytest.approx({"Width": 0.22, "Height": 0.05, "Left": 0.05, "Top": 0.05})
    assert second_line["Geometry"]["BoundingBox"]["Top"] == pytest.approx(0.13)  # the next line below
    polygon = [c for p in first_line["Geometry"]["Polygon"] for c in (p["X"], p["Y"])]
    assert polygon == pytest.approx([0.05, 0.05, 0.27, 0.05, 0.27, 0.10, 0.05, 0.10])
    # Words share the line's box by their characters: "IT'S" 4 of 11, "MONDAY" from the 6th.
    assert its["Geometry"]["BoundingBox"]["Width"] == pytest.approx(0.22 * 4 / 11)
    assert monday["Geometry"]["BoundingBox"]["Left"] == pytest.approx(0.05 + 0.22 * 5 / 11)


def test_boxes_confidences_and_the_word_filter(rekognition: Any, s3: Any) -> None:
    s3.create_bucket(Bucket="signs")
    s3.put_object(Bucket="signs", Key="plate.jpg", Body=HOPPER)
    rekognition_mock.set_text(("signs", "plate.jpg"), [
        {"Text": "AB12 CDE", "BoundingBox": {"Width": 0.4, "Height": 0.1, "Left": 0.3, "Top": 0.8},
         "Words": [{"Text": "AB12", "Confidence": 95.0}, {"Text": "CDE", "Confidence": 62.5,
                                                          "BoundingBox": {"Width": 0.1, "Height": 0.02, "Left": 0.6, "Top": 0.85}}]},
        {"Text": "faint", "Confidence": 40.0},
    ])
    image = {"S3Object": {"Bucket": "signs", "Name": "plate.jpg"}}
    everything = rekognition.detect_text(Image=image)
    assert [d["DetectedText"] for d in everything["TextDetections"]] == ["AB12 CDE", "faint", "AB12", "CDE", "faint"]
    assert rekognition.detect_text(Image={"Bytes": HOPPER})["TextDetections"] == []  # scripted for the S3 object only

    # A WordFilter's MinConfidence defaults to 80: "CDE" and "faint" go, and so does the line of "faint".
    default = rekognition.detect_text(Image=image, Filters={"WordFilter": {}})
    assert detections(default) == [("LINE", "AB12 CDE", 0, None), ("WORD", "AB12", 1, 0)]
    low = rekognition.detect_text(Image=image, Filters={"WordFilter": {"MinConfidence": 50, "MinBoundingBoxHeight": 0.05}})
    assert [d["DetectedText"] for d in low["TextDetections"]] == ["AB12 CDE", "AB12"]  # "CDE" is 0.02 high
    narrow = rekognition.detect_text(Image=image, Filters={"WordFilter": {"MinConfidence": 0, "MinBoundingBoxWidth": 0.15}})
    assert [d["DetectedText"] for d in narrow["TextDetections"] if d["Type"] == "WORD"] == ["AB12"]


def test_regions_of_interest_keep_words_more_than_half_inside(rekognition: Any) -> None:
    rekognition_mock.set_text(COFFEE, [
        {"Text": "left right", "BoundingBox": {"Width": 0.4, "Height": 0.1, "Left": 0.1, "Top": 0.1}},
        {"Text": "bottom", "BoundingBox": {"Width": 0.2, "Height": 0.1, "Left": 0.1, "Top": 0.8}},
    ])
    # "left" spans x 0.1-0.26, "right" x 0.3-0.5 (laid out by characters).
    box = {"BoundingBox": {"Width": 0.2, "Height": 0.5, "Left": 0.0, "Top": 0.0}}  # x 0-0.2: 10/16 of "left"
    words = lambda r: [d["DetectedText"] for d in r["TextDetections"] if d["Type"] == "WORD"]  # noqa: E731
    assert words(rekognition.detect_text(Image={"Bytes": COFFEE}, Filters={"RegionsOfInterest": [box]})) == ["left"]
    under_half = {"BoundingBox": {"Width": 0.2, "Height": 0.5, "Left": 0.0 - 0.04, "Top": 0.0}}  # x up to 0.16: 6/16
    assert rekognition.detect_text(Image={"Bytes": COFFEE}, Filters={"RegionsOfInterest": [under_half]})["TextDetections"] == []
    triangle = {"Polygon": [{"X": 0.0, "Y": 0.7}, {"X": 1.0, "Y": 0.7}, {"X": 0.0, "Y": 1.0}]}
    both = rekognition.detect_text(Image={"Bytes": COFFEE}, Filters={"RegionsOfInterest": [triangle, box]})
    assert detections(both) == [("LINE", "left right", 0, None), ("LINE", "bottom", 1, None),
                                ("WORD", "left", 2, 0), ("WORD", "bottom", 3, 1)]


def test_at_most_100_words(rekognition: Any) -> None:
    rekognition_mock.set_text(COFFEE, [" ".join(f"w{i}-{j}" for j in range(10)) for i in range(11)])
    words = [d for d in rekognition.detect_text(Image={"Bytes": COFFEE})["TextDetections"] if d["Type"] == "WORD"]
    assert len(words) == 100 and words[-1]["DetectedText"] == "w9-9"


@pytest.mark.parametrize("lines", [
    "EXIT", [""], [{"Text": "A B", "Words": [{"Text": "A"}]}], [{"Text": "A", "Confidence": 101}],
    [{"Text": "A", "BoundingBox": {"Width": 0.1}}], [{"Text": "A", "Font": "serif"}], [7],
])
def test_bad_scripts_are_refused(lines: Any) -> None:
    with pytest.raises(ValueError):
        rekognition_mock.set_text(COFFEE, lines)


def test_bad_input_gets_aws_errors(unvalidated_rekognition: Any) -> None:
    client = unvalidated_rekognition
    with pytest.raises(client.exceptions.InvalidImageFormatException):
        client.detect_text(Image={"Bytes": imagefactory.not_an_image()})
    with pytest.raises(client.exceptions.ClientError) as info:
        client.detect_text(Image={"Bytes": COFFEE}, Filters={"WordFilter": {"MinConfidence": 120}})
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(client.exceptions.ClientError) as info:
        client.detect_text(Image={"Bytes": COFFEE}, Filters={"RegionsOfInterest": [{}] * 11})
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    for region in ({}, {"Polygon": [{"X": 0.1, "Y": 0.1}, {"X": 0.5, "Y": 0.5}]}):
        with pytest.raises(client.exceptions.InvalidParameterException):
            client.detect_text(Image={"Bytes": COFFEE}, Filters={"RegionsOfInterest": [region]})


def test_over_http(rekognition_server: Any) -> None:
    import boto3

    url = rekognition_server.url + "/_rekognition_mock/text"
    try:
        answer = requests.post(url, json={"image": {"bytes": base64.b64encode(COFFEE).decode()}, "lines": ["Espresso 2.50"]},
                               timeout=300)
        assert answer.status_code == 200, answer.text
        assert answer.json()["text"][0]["lines"][0]["Text"] == "Espresso 2.50"
        assert requests.post(url, json={"image": {"bucket": "b", "key": "k"}, "lines": "x"}, timeout=300).status_code == 400
        rekognition = boto3.client("rekognition", endpoint_url=rekognition_server.url, region_name="us-east-1",
                                   aws_access_key_id="testing", aws_secret_access_key="testing")
        found = rekognition.detect_text(Image={"Bytes": COFFEE})["TextDetections"]
        assert [(d["Type"], d["DetectedText"]) for d in found] == [("LINE", "Espresso 2.50"), ("WORD", "Espresso"), ("WORD", "2.50")]
    finally:
        requests.post(rekognition_server.url + "/_rekognition_mock/reset", json={}, timeout=300)
