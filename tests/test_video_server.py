"""Rekognition Video over ``rekognition-mock serve``: the same user code as in-process
(S3 upload, IndexFaces, SNS topic with an SQS queue subscribed, StartFaceSearch, the SQS
message, GetFaceSearch pages), with boto3 and the AWS CLI against the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

import videofactory as vf
from helpers import child_env
from rekognition_mock.fixtures import face_image
from serverprocess import ServerProcess, client, free_port
from shapecheck import assert_output_shape

ROLE = "arn:aws:iam::123456789012:role/AmazonRekognitionServiceRole"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    env = {"REKOGNITION_MOCK_CACHE_DIR": os.environ["REKOGNITION_MOCK_CACHE_DIR"]} \
        if os.environ.get("REKOGNITION_MOCK_CACHE_DIR") else {}
    proc = ServerProcess("--port", str(free_port()), env=env)
    yield proc
    proc.close()


def clients(server: ServerProcess) -> dict[str, Any]:
    return {name: client(name, server.url) for name in ("rekognition", "s3", "sns", "sqs")}


def receive(sqs: Any, queue: str, timeout: float = 300) -> dict[str, Any]:
    """The first message of ``queue``, polled as a user's code polls it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
        if messages:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=messages[0]["ReceiptHandle"])
            return json.loads(json.loads(messages[0]["Body"])["Message"])
    raise AssertionError("no completion message")


def test_face_search_user_scenario_over_the_server(server: ServerProcess) -> None:
    aws = clients(server)
    aws["s3"].create_bucket(Bucket="server-videos")
    aws["s3"].put_object(Bucket="server-videos", Key="hopper.mp4", Body=vf.person_from_1s_to_3s())
    aws["rekognition"].create_collection(CollectionId="staff")
    [record] = aws["rekognition"].index_faces(CollectionId="staff", Image={"Bytes": face_image("grace_hopper")},
                                              ExternalImageId="grace")["FaceRecords"]
    topic = aws["sns"].create_topic(Name="AmazonRekognitionServer")["TopicArn"]
    queue = aws["sqs"].create_queue(QueueName="rekognition-done")["QueueUrl"]
    queue_arn = aws["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    job_id = aws["rekognition"].start_face_search(
        Video={"S3Object": {"Bucket": "server-videos", "Name": "hopper.mp4"}}, CollectionId="staff",
        NotificationChannel={"SNSTopicArn": topic, "RoleArn": ROLE}, JobTag="server",
    )["JobId"]
    message = receive(aws["sqs"], queue)
    assert (message["JobId"], message["Status"], message["API"], message["JobTag"]) == (
        job_id, "SUCCEEDED", "StartFaceSearch", "server")
    assert message["Video"] == {"S3ObjectName": "hopper.mp4", "S3Bucket": "server-videos"}

    persons, token = [], None
    while True:
        page = aws["rekognition"].get_face_search(JobId=job_id, MaxResults=3, **({"NextToken": token} if token else {}))
        assert_output_shape("GetFaceSearch", page)
        assert page["JobStatus"] == "SUCCEEDED"
        persons += page["Persons"]
        token = page.get("NextToken")
        if not token:
            break
    assert [p["Timestamp"] for p in persons] == list(range(1000, 3000, 200))
    assert {m["Face"]["FaceId"] for p in persons for m in p["FaceMatches"]} == {record["Face"]["FaceId"]}


def aws_cli(server: ServerProcess, *args: str) -> Any:
    """The AWS CLI (v1, ``python -m awscli``) against the server; its JSON output."""
    result = subprocess.run(
        [sys.executable, "-m", "awscli", "--endpoint-url", server.url, "--region", "us-east-1", "--output", "json", *args],
        env=child_env(), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, f"aws {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout)


def test_aws_cli_face_detection(server: ServerProcess) -> None:
    aws = clients(server)
    aws["s3"].create_bucket(Bucket="cli-videos")
    aws["s3"].put_object(Bucket="cli-videos", Key="hopper.mp4", Body=vf.person_from_1s_to_3s())
    job_id = aws_cli(server, "rekognition", "start-face-detection",
                     "--video", '{"S3Object": {"Bucket": "cli-videos", "Name": "hopper.mp4"}}')["JobId"]
    deadline = time.monotonic() + 300
    while True:
        answer = aws_cli(server, "rekognition", "get-face-detection", "--job-id", job_id)
        if answer["JobStatus"] != "IN_PROGRESS" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert answer["JobStatus"] == "SUCCEEDED"
    assert [f["Timestamp"] for f in answer["Faces"]] == list(range(1000, 3000, 200))


def test_a_scripted_job_over_http(server: ServerProcess) -> None:
    """POST /_rekognition_mock/video-job: the job on that video fails with the given message."""
    import urllib.request

    aws = clients(server)
    aws["s3"].create_bucket(Bucket="scripted-videos")
    aws["s3"].put_object(Bucket="scripted-videos", Key="broken.mp4", Body=vf.person_from_1s_to_3s())
    body = json.dumps({"video": {"bucket": "scripted-videos", "key": "broken.mp4"},
                       "status_message": "Scripted failure."}).encode()
    request = urllib.request.Request(f"{server.url}/_rekognition_mock/video-job", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        listing = json.loads(response.read())
    assert listing["video_jobs"] == [{"video": ["s3", "scripted-videos", "broken.mp4"],
                                      "status_message": "Scripted failure.", "seconds": 0.0}]
    job_id = aws["rekognition"].start_face_detection(
        Video={"S3Object": {"Bucket": "scripted-videos", "Name": "broken.mp4"}})["JobId"]
    deadline = time.monotonic() + 300
    while (answer := aws["rekognition"].get_face_detection(JobId=job_id))["JobStatus"] == "IN_PROGRESS":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert (answer["JobStatus"], answer["StatusMessage"]) == ("FAILED", "Scripted failure.")
    reset = urllib.request.Request(f"{server.url}/_rekognition_mock/reset", data=b"{}", method="POST")
    with urllib.request.urlopen(reset, timeout=60) as response:
        assert json.loads(response.read())["video_jobs"] == []


def test_scripted_segments_over_http(server: ServerProcess) -> None:
    """POST /_rekognition_mock/video-segments: GetSegmentDetection lists the scripted cue."""
    import urllib.request

    aws = clients(server)
    aws["s3"].create_bucket(Bucket="segment-videos")
    aws["s3"].put_object(Bucket="segment-videos", Key="show.mp4", Body=vf.person_from_1s_to_3s())
    body = json.dumps({"video": {"bucket": "segment-videos", "key": "show.mp4"}, "segments": [
        {"Type": "TECHNICAL_CUE", "StartTimestampMillis": 0, "EndTimestampMillis": 1000,
         "TechnicalCueSegment": {"Type": "StudioLogo"}}]}).encode()
    request = urllib.request.Request(f"{server.url}/_rekognition_mock/video-segments", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        listing = json.loads(response.read())
    assert [r["kind"] for r in listing["video_answers"]] == ["segments"]
    job_id = aws["rekognition"].start_segment_detection(
        Video={"S3Object": {"Bucket": "segment-videos", "Name": "show.mp4"}}, SegmentTypes=["TECHNICAL_CUE"])["JobId"]
    deadline = time.monotonic() + 300
    while (answer := aws["rekognition"].get_segment_detection(JobId=job_id))["JobStatus"] == "IN_PROGRESS":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    cues = [(s["TechnicalCueSegment"]["Type"], s["StartTimestampMillis"]) for s in answer["Segments"]]
    assert cues[0] == ("StudioLogo", 0) and ("Content", 1000) in cues
