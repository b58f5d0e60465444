"""Stream processors: configuration validated as AWS does, statuses on the mock's clock."""

from __future__ import annotations

from typing import Any

import pytest

import rekognition_mock
from helpers import expect
from shapecheck import assert_output_shape
from rekognition_mock.service import clock

ROLE = "arn:aws:iam::123456789012:role/rekognition"
VIDEO = {"KinesisVideoStream": {"Arn": "arn:aws:kinesisvideo:us-east-1:123456789012:stream/door/1"}}
DATA = {"KinesisDataStream": {"Arn": "arn:aws:kinesis:us-east-1:123456789012:stream/faces"}}
SNS = {"SNSTopicArn": "arn:aws:sns:us-east-1:123456789012:doorbell"}


def face_search(rekognition: Any, name: str = "door") -> str:
    return rekognition.create_stream_processor(
        Name=name, Input=VIDEO, Output=DATA, RoleArn=ROLE, Tags={"site": "hq"},
        Settings={"FaceSearch": {"CollectionId": "staff", "FaceMatchThreshold": 85.0}})["StreamProcessorArn"]


def connected_home(rekognition: Any, name: str = "porch") -> str:
    return rekognition.create_stream_processor(
        Name=name, Input=VIDEO, Output={"S3Destination": {"Bucket": "clips", "KeyPrefix": "porch/"}}, RoleArn=ROLE,
        NotificationChannel=SNS, Settings={"ConnectedHome": {"Labels": ["PERSON", "PET"], "MinConfidence": 80}},
        RegionsOfInterest=[{"BoundingBox": {"Width": 0.5, "Height": 0.5, "Left": 0.1, "Top": 0.1}}],
        DataSharingPreference={"OptIn": False})["StreamProcessorArn"]


def test_a_face_search_processor_starts_runs_and_stops(rekognition: Any) -> None:
    expect(rekognition, "InvalidParameterException", lambda: face_search(rekognition))  # no such collection
    rekognition.create_collection(CollectionId="staff")
    arn = face_search(rekognition)
    assert arn == "arn:aws:rekognition:us-east-1:123456789012:streamprocessor/door"
    described = rekognition.describe_stream_processor(Name="door")
    assert_output_shape("DescribeStreamProcessor", described)
    assert described["Status"] == "STOPPED" and described["Settings"]["FaceSearch"]["CollectionId"] == "staff"
    assert rekognition.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"site": "hq"}
    session = rekognition.start_stream_processor(Name="door")["SessionId"]
    assert len(session) == 36
    expect(rekognition, "ResourceInUseException", lambda: rekognition.start_stream_processor(Name="door"))
    assert [rekognition.describe_stream_processor(Name="door")["Status"] for _ in range(2)] == ["STARTING", "RUNNING"]
    expect(rekognition, "ResourceInUseException", lambda: rekognition.delete_stream_processor(Name="door"))
    expect(rekognition, "InvalidParameterException", lambda: rekognition.start_stream_processor(
        Name="door", StopSelector={"MaxDurationInSeconds": 10}))
    rekognition.stop_stream_processor(Name="door")
    assert [rekognition.describe_stream_processor(Name="door")["Status"] for _ in range(2)] == ["STOPPING", "STOPPED"]
    expect(rekognition, "ResourceInUseException", lambda: rekognition.stop_stream_processor(Name="door"))
    expect(rekognition, "ResourceInUseException", lambda: face_search(rekognition))  # the name is taken
    rekognition.delete_stream_processor(Name="door")
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.describe_stream_processor(Name="door"))


def test_connected_home_settings_are_validated_and_updated(rekognition: Any) -> None:
    connected_home(rekognition)
    bad = dict(Name="bad", Input=VIDEO, Output={"S3Destination": {"Bucket": "clips"}}, RoleArn=ROLE, NotificationChannel=SNS)
    expect(rekognition, "InvalidParameterException", lambda: rekognition.create_stream_processor(
        **bad, Settings={"ConnectedHome": {"Labels": ["CAR"]}}))
    expect(rekognition, "InvalidParameterException", lambda: rekognition.create_stream_processor(
        **{**bad, "Output": DATA}, Settings={"ConnectedHome": {"Labels": ["PERSON"]}}))
    expect(rekognition, "InvalidParameterException", lambda: rekognition.create_stream_processor(
        **bad, Settings={"ConnectedHome": {"Labels": ["PERSON"]}, "FaceSearch": {"CollectionId": "x"}}))
    expect(rekognition, "InvalidParameterException", lambda: rekognition.start_stream_processor(Name="porch"))
    rekognition.update_stream_processor(Name="porch", SettingsForUpdate={"ConnectedHomeForUpdate": {"Labels": ["PACKAGE"]}},
                                        ParametersToDelete=["RegionsOfInterest", "ConnectedHomeMinConfidence"])
    described = rekognition.describe_stream_processor(Name="porch")
    assert described["Status"] == "UPDATING"
    assert described["Settings"]["ConnectedHome"] == {"Labels": ["PACKAGE"]} and "RegionsOfInterest" not in described
    assert rekognition.describe_stream_processor(Name="porch")["Status"] == "STOPPED"
    expect(rekognition, "InvalidParameterException", lambda: rekognition.update_stream_processor(
        Name="porch", SettingsForUpdate={"ConnectedHomeForUpdate": {"Labels": ["TRUCK"]}}))


def test_a_stop_selector_stops_the_processor_on_the_clock(rekognition: Any) -> None:
    connected_home(rekognition)
    rekognition_mock.manual_clock()
    rekognition.start_stream_processor(Name="porch", StartSelector={"KVSStreamStartSelector": {"ProducerTimestamp": 1}},
                                       StopSelector={"MaxDurationInSeconds": 60})
    status = lambda: rekognition.describe_stream_processor(Name="porch")["Status"]  # noqa: E731
    assert [status(), status()] == ["STARTING", "STARTING"]
    rekognition_mock.advance_clock(clock.DURATIONS["stream_starting"])
    assert status() == "RUNNING"
    rekognition_mock.advance_clock(50)  # (the clock is the wall clock plus the offset: some room)
    assert status() == "RUNNING"
    rekognition_mock.advance_clock(10)
    assert status() == "STOPPED"


def test_list_pages_through_processors(rekognition: Any) -> None:
    for i in range(5):
        connected_home(rekognition, f"cam{i}")
    pages = list(rekognition.get_paginator("list_stream_processors").paginate(PaginationConfig={"PageSize": 2}))
    assert [[p["Name"] for p in page["StreamProcessors"]] for page in pages] == [["cam0", "cam1"], ["cam2", "cam3"], ["cam4"]]
    for page in pages:
        assert_output_shape("ListStreamProcessors", page)
    assert {p["Status"] for page in pages for p in page["StreamProcessors"]} == {"STOPPED"}
    expect(rekognition, "InvalidPaginationTokenException", lambda: rekognition.list_stream_processors(NextToken="x"))
    assert pytest.approx(rekognition.describe_stream_processor(Name="cam0")["CreationTimestamp"].timestamp(), abs=5) == clock.now()


def test_a_face_search_processor_fails_when_its_collection_goes(rekognition: Any) -> None:
    rekognition.create_collection(CollectionId="staff")
    face_search(rekognition)
    rekognition.start_stream_processor(Name="door")
    rekognition.delete_collection(CollectionId="staff")
    described = rekognition.describe_stream_processor(Name="door")
    assert described["Status"] == "FAILED" and described["StatusMessage"] == "The collection staff does not exist."
    rekognition.create_collection(CollectionId="staff")
    rekognition.start_stream_processor(Name="door")  # a FAILED processor can start again
    statuses = [rekognition.describe_stream_processor(Name="door") for _ in range(2)]
    assert [d["Status"] for d in statuses] == ["STARTING", "RUNNING"] and "StatusMessage" not in statuses[1]
