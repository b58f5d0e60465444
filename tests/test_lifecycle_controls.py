"""The stateful families over HTTP (``rekognition-mock serve``): the clock, custom-labels and
liveness controls (service/lifecycle_controls.py) and a sample of each family's operations,
as a suite in another language drives them."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

import imagefactory
from serverprocess import CALL_TIMEOUT, ServerProcess, client, free_port
from shapecheck import assert_output_shape

COFFEE = imagefactory.fixture_bytes("coffee.jpg")
HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    proc = ServerProcess("--port", str(free_port()))
    yield proc
    proc.close()


@pytest.fixture
def control(server: ServerProcess) -> Iterator[Any]:
    def post(name: str, body: dict[str, Any]) -> requests.Response:
        return requests.post(f"{server.url}/_rekognition_mock/{name}", json=body, timeout=CALL_TIMEOUT)

    yield post
    requests.post(f"{server.url}/moto-api/reset", timeout=CALL_TIMEOUT)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_the_controls_answer_before_any_rekognition_call() -> None:
    """A fresh server takes the clock control at once (the backend is not loaded yet)."""
    fresh = ServerProcess("--port", str(free_port()))
    try:
        answer = requests.post(f"{fresh.url}/_rekognition_mock/clock", json={"advance": 5}, timeout=CALL_TIMEOUT)
        assert answer.status_code == 200, answer.text
        assert answer.json()["clock"] == {"offset_seconds": 5.0, "manual": False}
    finally:
        fresh.close()


def test_custom_labels_and_the_clock_over_http(server: ServerProcess, control: Any) -> None:
    rekognition, s3 = client("rekognition", server.url), client("s3", server.url)
    s3.create_bucket(Bucket="models")
    line = {"source-ref": "s3://models/a.jpg", "c": 1, "c-metadata": {"class-name": "cup", "type": "groundtruth/image-classification"}}
    s3.put_object(Bucket="models", Key="m.jsonl", Body=json.dumps(line).encode())
    project = rekognition.create_project(ProjectName="cups")["ProjectArn"]
    source = {"GroundTruthManifest": {"S3Object": {"Bucket": "models", "Name": "m.jsonl"}}}
    for kind in ("TRAIN", "TEST"):
        rekognition.create_dataset(ProjectArn=project, DatasetType=kind, DatasetSource=source)
    assert control("clock", {"manual": True}).json()["clock"] == {"offset_seconds": 0.0, "manual": True}
    version = rekognition.create_project_version(ProjectArn=project, VersionName="v1",
                                                 OutputConfig={"S3Bucket": "models"})["ProjectVersionArn"]
    status = lambda: rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"][0]["Status"]  # noqa: E731
    assert [status(), status()] == ["TRAINING_IN_PROGRESS"] * 2
    assert control("clock", {"advance": 1800}).status_code == 200
    assert status() == "TRAINING_COMPLETED"
    assert control("clock", {"manual": False}).status_code == 200
    rekognition.start_project_version(ProjectVersionArn=version, MinInferenceUnits=1)
    started = time.monotonic()
    rekognition.get_waiter("project_version_running").wait(ProjectArn=project)  # its default delay is 30 s
    assert time.monotonic() - started < 10  # the waiter's first poll ended STARTING (User-Agent m/B over HTTP too)
    answer = control("custom-labels", {"project_version_arn": version, "image": {"bytes": b64(COFFEE)},
                                        "labels": ["cup", {"Name": "saucer", "Confidence": 70}]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["custom_labels"][0]["labels"][1] == {"Name": "saucer", "Confidence": 70}
    found = rekognition.detect_custom_labels(ProjectVersionArn=version, Image={"Bytes": COFFEE})
    assert_output_shape("DetectCustomLabels", found)
    assert [x["Name"] for x in found["CustomLabels"]] == ["cup", "saucer"]
    assert control("clock", {}).status_code == 400
    assert control("clock", {"advance": -5}).status_code == 400
    assert control("custom-labels", {"project_version_arn": "arn:nope", "image": {"bytes": b64(COFFEE)},
                                     "labels": ["cup"]}).status_code == 400


def test_liveness_over_http(server: ServerProcess, control: Any) -> None:
    rekognition, s3 = client("rekognition", server.url), client("s3", server.url)
    s3.create_bucket(Bucket="liveness")
    session = rekognition.create_face_liveness_session(Settings={"OutputConfig": {"S3Bucket": "liveness"}})["SessionId"]
    assert control("liveness", {"session_id": session, "image": {"bytes": b64(HOPPER)}, "confidence": 12.5}).status_code == 200
    result = rekognition.get_face_liveness_session_results(SessionId=session)
    assert_output_shape("GetFaceLivenessSessionResults", result)
    assert result["Status"] == "SUCCEEDED" and result["Confidence"] == pytest.approx(12.5)
    stored = s3.get_object(Bucket="liveness", Key=f"{session}/reference.jpg")["Body"].read()
    assert stored[:2] == b"\xff\xd8"
    assert control("clock", {"advance": 180}).status_code == 200
    assert rekognition.get_face_liveness_session_results(SessionId=session)["Status"] == "EXPIRED"
    assert control("liveness", {"session_id": session, "image": {"bytes": b64(HOPPER)}, "status": "DONE"}).status_code == 400
    with pytest.raises(ClientError) as info:
        rekognition.get_face_liveness_session_results(SessionId="00000000-0000-4000-8000-000000000000")
    assert info.value.response["Error"]["Code"] == "SessionNotFoundException"


def test_stream_processors_and_media_jobs_over_http(server: ServerProcess, control: Any) -> None:
    rekognition, s3 = client("rekognition", server.url), client("s3", server.url)
    rekognition.create_collection(CollectionId="staff")
    rekognition.create_stream_processor(
        Name="door", Input={"KinesisVideoStream": {"Arn": "arn:aws:kinesisvideo:us-east-1:123456789012:stream/d/1"}},
        Output={"KinesisDataStream": {"Arn": "arn:aws:kinesis:us-east-1:123456789012:stream/k"}},
        RoleArn="arn:aws:iam::123456789012:role/r", Settings={"FaceSearch": {"CollectionId": "staff"}})
    rekognition.start_stream_processor(Name="door")
    statuses = [rekognition.describe_stream_processor(Name="door")["Status"] for _ in range(2)]
    assert statuses == ["STARTING", "RUNNING"]
    assert rekognition.list_stream_processors()["StreamProcessors"] == [{"Name": "door", "Status": "RUNNING"}]
    s3.create_bucket(Bucket="media")
    s3.put_object(Bucket="media", Key="a.jpg", Body=COFFEE)
    s3.put_object(Bucket="media", Key="m.jsonl", Body=b'{"source-ref": "s3://media/a.jpg"}')
    control("moderation-labels", {"image": {"bucket": "media", "key": "a.jpg"}, "labels": ["Alcohol"]})
    job = rekognition.start_media_analysis_job(OperationsConfig={"DetectModerationLabels": {}},
                                               Input={"S3Object": {"Bucket": "media", "Name": "m.jsonl"}},
                                               OutputConfig={"S3Bucket": "media", "S3KeyPrefix": "out/"})["JobId"]
    control("clock", {"advance": 60})
    done = rekognition.get_media_analysis_job(JobId=job)
    assert done["Status"] == "SUCCEEDED"
    [line] = s3.get_object(Bucket="media", Key=f"out/{job}/results.jsonl")["Body"].read().splitlines()
    assert [x["Name"] for x in json.loads(line)["detect-moderation-labels"]["ModerationLabels"]] == ["Alcohol"]
