"""StartCelebrityRecognition/GetCelebrityRecognition and StartTextDetection/GetTextDetection
in-process: answers scripted per video and time range, on the composed video with two people,
a cut and black frames (videofactory)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import rekognition_mock
import videofactory as vf
from shapecheck import assert_output_shape

BUCKET = "scripted-videos"
VIDEO = {"S3Object": {"Bucket": BUCKET, "Name": "two.mp4"}}


@pytest.fixture
def rekognition(mocked_aws: None) -> Iterator[Any]:
    yield from vf.rekognition_with_video(BUCKET, "two.mp4", vf.two_people_with_a_cut())


def test_celebrities_on_the_faces_found(rekognition: Any) -> None:
    """Grace Hopper is scripted for the whole video on the largest face: she is reported
    where a face is found (not in the black frames), on that face's box."""
    rekognition_mock.set_video_celebrities((BUCKET, "two.mp4"), [
        {"Name": "Grace Hopper", "Id": "gh1906", "Urls": ["www.example.com/hopper"], "KnownGender": {"Type": "Female"}},
    ], end_ms=2000)
    rekognition_mock.set_video_celebrities((BUCKET, "two.mp4"), [{"Name": "Second face", "face_index": 1}],
                                           start_ms=2000)
    job_id = rekognition.start_celebrity_recognition(Video=VIDEO, JobTag="celebrities")["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    answer = rekognition.get_celebrity_recognition(JobId=job_id)
    assert_output_shape("GetCelebrityRecognition", answer)
    assert answer["JobStatus"] == "SUCCEEDED" and answer["JobTag"] == "celebrities"
    seen = [(c["Timestamp"], c["Celebrity"]["Name"]) for c in answer["Celebrities"]]
    assert seen == [(t, "Grace Hopper") for t in range(0, 2000, 200)] + [
        (t, "Second face") for t in range(2000, 3600, 200)]  # a second face only while two people are on screen
    first = answer["Celebrities"][0]["Celebrity"]
    assert (first["Id"], first["Urls"], first["KnownGender"], first["Confidence"]) == (
        "gh1906", ["www.example.com/hopper"], {"Type": "Female"}, 99.0)
    assert first["BoundingBox"] == first["Face"]["BoundingBox"]
    by_id = rekognition.get_celebrity_recognition(JobId=job_id, SortBy="ID")["Celebrities"]
    ids = [(c["Celebrity"]["Id"], c["Timestamp"]) for c in by_id]
    assert ids == sorted(ids)


def test_text_lines_and_words(rekognition: Any) -> None:
    rekognition_mock.set_video_text((BUCKET, "two.mp4"), ["BREAKING NEWS"], start_ms=1000, end_ms=1400)
    rekognition_mock.set_video_text((BUCKET, "two.mp4"), [
        {"DetectedText": "top corner", "Confidence": 60.0,
         "BoundingBox": {"Width": 0.2, "Height": 0.05, "Left": 0.02, "Top": 0.02}}], start_ms=1200, end_ms=1400)
    job_id = rekognition.start_text_detection(Video=VIDEO)["JobId"]
    filtered = rekognition.start_text_detection(Video=VIDEO, Filters={
        "WordFilter": {"MinConfidence": 80},
        "RegionsOfInterest": [{"BoundingBox": {"Width": 1.0, "Height": 0.5, "Left": 0.0, "Top": 0.5}}]})["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    answer = rekognition.get_text_detection(JobId=job_id)
    assert_output_shape("GetTextDetection", answer)
    assert answer["TextModelVersion"] == "3.0"
    at_1200 = [d["TextDetection"] for d in answer["TextDetections"] if d["Timestamp"] == 1200]
    assert [(d["DetectedText"], d["Type"], d["Id"], d.get("ParentId")) for d in at_1200] == [
        ("BREAKING NEWS", "LINE", 0, None), ("top corner", "LINE", 1, None),
        ("BREAKING", "WORD", 2, 0), ("NEWS", "WORD", 3, 0), ("top", "WORD", 4, 1), ("corner", "WORD", 5, 1)]
    line, word = at_1200[0]["Geometry"]["BoundingBox"], at_1200[2]["Geometry"]["BoundingBox"]
    assert word["Left"] == line["Left"] and word["Width"] < line["Width"]
    assert sorted({d["Timestamp"] for d in answer["TextDetections"]}) == [1000, 1200]
    kept = rekognition.get_text_detection(JobId=filtered)["TextDetections"]
    assert {d["TextDetection"]["DetectedText"] for d in kept} == {"BREAKING NEWS", "BREAKING", "NEWS"}


def test_scripted_answers_are_checked() -> None:
    with pytest.raises(ValueError):
        rekognition_mock.set_video_celebrities((BUCKET, "two.mp4"), [{"Name": "X", "face_index": -1}])
    with pytest.raises(ValueError):
        rekognition_mock.set_video_celebrities((BUCKET, "two.mp4"), [{"Name": "X", "KnownGender": "Female"}])
    with pytest.raises(ValueError):
        rekognition_mock.set_video_text((BUCKET, "two.mp4"), [{"DetectedText": "x", "BoundingBox": {"Left": 0}}])
    with pytest.raises(ValueError):
        rekognition_mock.set_video_text((BUCKET, "two.mp4"), ["   "])
