"""StartSegmentDetection/GetSegmentDetection in-process: black frames, content and shots
measured on the composed video with a hard cut and a black stretch (videofactory)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import rekognition_mock
import videofactory as vf
from conftest import make_client
from shapecheck import assert_output_shape

BUCKET = "segment-videos"
VIDEO = {"S3Object": {"Bucket": BUCKET, "Name": "two.mp4"}}


@pytest.fixture
def rekognition(mocked_aws: None) -> Iterator[Any]:
    yield from vf.rekognition_with_video(BUCKET, "two.mp4", vf.two_people_with_a_cut())


def segments(rekognition: Any, **params: Any) -> dict[str, Any]:
    job_id = rekognition.start_segment_detection(Video=VIDEO, **params)["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    answer = rekognition.get_segment_detection(JobId=job_id)
    assert_output_shape("GetSegmentDetection", answer)
    assert answer["JobStatus"] == "SUCCEEDED"
    return answer


def test_cues_and_shots(rekognition: Any) -> None:
    """25 frames a second: Grace Hopper (frames 0–49), a hard cut to two people (50–89),
    black (90–99), the astronaut (100–124)."""
    answer = segments(rekognition, SegmentTypes=["TECHNICAL_CUE", "SHOT"])
    assert answer["SelectedSegmentTypes"] == [{"Type": "SHOT", "ModelVersion": "1.0"},
                                              {"Type": "TECHNICAL_CUE", "ModelVersion": "2.0"}]
    assert answer["AudioMetadata"] == []  # the composed video has no sound
    found = [(s["Type"], (s.get("TechnicalCueSegment") or {}).get("Type", (s.get("ShotSegment") or {}).get("Index")),
              s["StartFrameNumber"], s["EndFrameNumber"], s["StartTimestampMillis"], s["EndTimestampMillis"])
             for s in answer["Segments"]]
    assert found == [
        ("TECHNICAL_CUE", "Content", 0, 89, 0, 3600),
        ("SHOT", 0, 0, 49, 0, 2000),
        ("SHOT", 1, 50, 89, 2000, 3600),
        ("TECHNICAL_CUE", "BlackFrames", 90, 99, 3600, 4000),
        ("TECHNICAL_CUE", "Content", 100, 124, 4000, 5000),
        ("SHOT", 2, 100, 124, 4000, 5000),
    ]
    cut = answer["Segments"][2]
    assert (cut["StartTimecodeSMPTE"], cut["EndTimecodeSMPTE"], cut["DurationSMPTE"]) == (
        "00:00:02:00", "00:00:03:15", "00:00:01:15")
    assert (cut["DurationMillis"], cut["DurationFrames"]) == (1600, 40)
    assert 50 <= cut["ShotSegment"]["Confidence"] < 100  # a cut, not the start of the video
    black = answer["Segments"][3]["TechnicalCueSegment"]
    assert black["Confidence"] >= 99


def test_types_and_filters(rekognition: Any) -> None:
    shots = segments(rekognition, SegmentTypes=["SHOT"], Filters={"ShotFilter": {"MinSegmentConfidence": 99}})
    assert [s["ShotSegment"]["Index"] for s in shots["Segments"]] == [0, 2]  # the cut's own confidence is lower
    assert shots["SelectedSegmentTypes"] == [{"Type": "SHOT", "ModelVersion": "1.0"}]
    strict = segments(rekognition, SegmentTypes=["TECHNICAL_CUE"], Filters={
        "TechnicalCueFilter": {"BlackFrame": {"MaxPixelThreshold": 0.0, "MinCoveragePercentage": 100}}})
    # Pure black is luma 16 in the limited range: the strictest threshold still takes it.
    assert [s["TechnicalCueSegment"]["Type"] for s in strict["Segments"]] == ["Content", "BlackFrames", "Content"]


def test_timecodes() -> None:
    from rekognition_mock.service.video_segments import timecode

    assert timecode(0, 25) == "00:00:00:00"
    assert timecode(25 * 3661 + 7, 25) == "01:01:01:07"
    assert timecode(30, 29.97) == "00:00:01:00"  # non-drop-frame at the rounded rate


def test_audio_metadata(rekognition: Any) -> None:
    make_client("s3").put_object(Bucket=BUCKET, Key="sound.mp4", Body=vf.with_sound())
    job_id = rekognition.start_segment_detection(Video={"S3Object": {"Bucket": BUCKET, "Name": "sound.mp4"}},
                                                 SegmentTypes=["SHOT"])["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    answer = rekognition.get_segment_detection(JobId=job_id)
    assert_output_shape("GetSegmentDetection", answer)
    assert answer["AudioMetadata"] == [{"Codec": "aac", "DurationMillis": 1000, "SampleRate": 16000, "NumberOfChannels": 1}]
    assert answer["VideoMetadata"][0]["DurationMillis"] == 1000
    assert [s["ShotSegment"]["Index"] for s in answer["Segments"]] == [0]


def test_scripted_segments_take_the_place_of_the_measured_ones(rekognition: Any) -> None:
    """Credits over the first second and from 4.4 s to the end cut the measured Content cues
    around them; two scripted shots replace the three measured ones."""
    rekognition_mock.set_video_segments((BUCKET, "two.mp4"), [
        {"Type": "TECHNICAL_CUE", "StartTimestampMillis": 0, "EndTimestampMillis": 1000,
         "TechnicalCueSegment": {"Type": "OpeningCredits", "Confidence": 92.5}},
        {"Type": "TECHNICAL_CUE", "StartTimestampMillis": 4400, "TechnicalCueSegment": {"Type": "EndCredits"}},
    ])
    rekognition_mock.set_video_segments((BUCKET, "two.mp4"), [
        {"Type": "SHOT", "StartTimestampMillis": 0, "EndTimestampMillis": 3600},
        {"Type": "SHOT", "StartTimestampMillis": 4000, "ShotSegment": {"Confidence": 80}},
    ])
    answer = segments(rekognition, SegmentTypes=["TECHNICAL_CUE", "SHOT"])
    found = [(s["Type"], (s.get("TechnicalCueSegment") or {}).get("Type", (s.get("ShotSegment") or {}).get("Index")),
              s["StartFrameNumber"], s["EndFrameNumber"], s["StartTimestampMillis"], s["EndTimestampMillis"])
             for s in answer["Segments"]]
    assert found == [
        ("TECHNICAL_CUE", "OpeningCredits", 0, 24, 0, 1000),
        ("SHOT", 0, 0, 89, 0, 3600),
        ("TECHNICAL_CUE", "Content", 25, 89, 1000, 3600),
        ("TECHNICAL_CUE", "BlackFrames", 90, 99, 3600, 4000),
        ("TECHNICAL_CUE", "Content", 100, 109, 4000, 4400),
        ("SHOT", 1, 100, 124, 4000, 5000),
        ("TECHNICAL_CUE", "EndCredits", 110, 124, 4400, 5000),
    ]
    confidences = [(s.get("TechnicalCueSegment") or s["ShotSegment"])["Confidence"] for s in answer["Segments"]]
    assert confidences[0] == pytest.approx(92.5) and confidences[1] == pytest.approx(99.0)
    assert confidences[5] == pytest.approx(80.0) and confidences[6] == pytest.approx(99.0)
    only_cues = segments(rekognition, SegmentTypes=["TECHNICAL_CUE"],
                         Filters={"TechnicalCueFilter": {"MinSegmentConfidence": 95}})
    assert "OpeningCredits" not in [s["TechnicalCueSegment"]["Type"] for s in only_cues["Segments"]]


@pytest.mark.parametrize("segment", [
    {"Type": "CHAPTER", "StartTimestampMillis": 0},
    {"Type": "TECHNICAL_CUE", "StartTimestampMillis": 0, "TechnicalCueSegment": {"Type": "Trailer"}},
    {"Type": "SHOT", "EndTimestampMillis": 10},
    {"Type": "SHOT", "StartTimestampMillis": 500, "EndTimestampMillis": 100},
    {"Type": "SHOT", "StartTimestampMillis": 0, "ShotSegment": {"Confidence": 101}},
    {"Type": "SHOT", "StartTimestampMillis": 0, "TechnicalCueSegment": {"Type": "Slate"}},
])
def test_scripted_segments_are_checked(segment: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        rekognition_mock.set_video_segments((BUCKET, "two.mp4"), [segment])
