"""StartPersonTracking/GetPersonTracking and StartLabelDetection/GetLabelDetection in-process,
on the composed video with two people, a cut and black frames (videofactory)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

import rekognition_mock
import videofactory as vf
from conftest import make_client
from shapecheck import assert_output_shape

BUCKET = "label-videos"
VIDEO = {"S3Object": {"Bucket": BUCKET, "Name": "two.mp4"}}
WITH_FACES = [*range(0, 3600, 200), *range(4000, 5000, 200)]  # black from 3.6 s to 4 s


@pytest.fixture
def rekognition(mocked_aws: None) -> Iterator[Any]:
    s3 = make_client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="two.mp4", Body=vf.two_people_with_a_cut())
    yield make_client("rekognition")
    rekognition_mock.wait_for_jobs(300)


def pages(call: Any, key: str, **params: Any) -> tuple[list[Any], list[dict[str, Any]]]:
    entries, answers, token = [], [], None
    while True:
        answer = call(**params, **({"NextToken": token} if token else {}))
        answers.append(answer)
        entries += answer[key]
        token = answer.get("NextToken")
        if not token:
            return entries, answers


def inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    eps = 1e-6
    return (outer["Left"] - eps <= inner["Left"] and outer["Top"] - eps <= inner["Top"]
            and inner["Left"] + inner["Width"] <= outer["Left"] + outer["Width"] + eps
            and inner["Top"] + inner["Height"] <= outer["Top"] + outer["Height"] + eps)


def test_person_tracking(rekognition: Any) -> None:
    job_id = rekognition.start_person_tracking(Video=VIDEO, JobTag="people")["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    persons, answers = pages(rekognition.get_person_tracking, "Persons", JobId=job_id, MaxResults=10)
    for answer in answers:
        assert_output_shape("GetPersonTracking", answer)
        assert answer["JobStatus"] == "SUCCEEDED" and answer["JobTag"] == "people"
    by_index: dict[int, list[int]] = {}
    for person in persons:
        by_index.setdefault(person["Person"]["Index"], []).append(person["Timestamp"])
        assert inside(person["Person"]["Face"]["BoundingBox"], person["Person"]["BoundingBox"])
    # Grace Hopper keeps index 0 across the cut; the astronaut is 1, and 2 after the black frames.
    assert by_index == {0: list(range(0, 3600, 200)), 1: list(range(2000, 3600, 200)), 2: list(range(4000, 5000, 200))}
    assert [p["Timestamp"] for p in persons] == sorted(p["Timestamp"] for p in persons)

    by_index_order, _ = pages(rekognition.get_person_tracking, "Persons", JobId=job_id, SortBy="INDEX")
    assert [(p["Person"]["Index"], p["Timestamp"]) for p in by_index_order] == sorted(
        (p["Person"]["Index"], p["Timestamp"]) for p in persons)


def test_label_detection_at_each_sample(rekognition: Any) -> None:
    job_id = rekognition.start_label_detection(Video=VIDEO)["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    found, answers = pages(rekognition.get_label_detection, "Labels", JobId=job_id, MaxResults=25)
    for answer in answers:
        assert_output_shape("GetLabelDetection", answer)
        assert answer["GetRequestMetadata"] == {"SortBy": "TIMESTAMP", "AggregateBy": "TIMESTAMPS"}
        assert answer["LabelModelVersion"] == "3.0"
    at: dict[int, dict[str, Any]] = {}
    for entry in found:
        at.setdefault(entry["Timestamp"], {})[entry["Label"]["Name"]] = entry["Label"]
        assert "StartTimestampMillis" not in entry
    assert sorted(at) == WITH_FACES
    assert all(set(names) == {"Person", "Head", "Face"} for names in at.values())
    people = {t: len(labels["Person"]["Instances"]) for t, labels in at.items()}
    assert people == {t: 2 if 2000 <= t < 3600 else 1 for t in WITH_FACES}
    assert at[2000]["Face"]["Parents"] == [{"Name": "Head"}, {"Name": "Person"}]

    by_name, _ = pages(rekognition.get_label_detection, "Labels", JobId=job_id, SortBy="NAME")
    assert [(e["Label"]["Name"], e["Timestamp"]) for e in by_name] == sorted(
        (e["Label"]["Name"], e["Timestamp"]) for e in found)


def test_label_segments_and_filters(rekognition: Any) -> None:
    job_id = rekognition.start_label_detection(
        Video=VIDEO, MinConfidence=60, Settings={"GeneralLabels": {"LabelInclusionFilters": ["Person", "Face"]}},
    )["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    answer = rekognition.get_label_detection(JobId=job_id, AggregateBy="SEGMENTS", SortBy="NAME")
    assert_output_shape("GetLabelDetection", answer)
    assert answer["GetRequestMetadata"] == {"SortBy": "NAME", "AggregateBy": "SEGMENTS"}
    segments = [(e["Label"]["Name"], e["StartTimestampMillis"], e["EndTimestampMillis"], e["DurationMillis"])
                for e in answer["Labels"]]
    assert segments == [("Face", 0, 3600, 3600), ("Face", 4000, 5000, 1000),
                        ("Person", 0, 3600, 3600), ("Person", 4000, 5000, 1000)]
    assert all(e["Timestamp"] == e["StartTimestampMillis"] and "Instances" not in e["Label"] for e in answer["Labels"])


def test_completion_message_names_the_api(rekognition: Any) -> None:
    sns, sqs = make_client("sns"), make_client("sqs")
    topic = sns.create_topic(Name="AmazonRekognitionLabels")["TopicArn"]
    queue = sqs.create_queue(QueueName="labels")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    channel = {"SNSTopicArn": topic, "RoleArn": "arn:aws:iam::123456789012:role/AmazonRekognitionServiceRole"}
    tracking = rekognition.start_person_tracking(Video=VIDEO, NotificationChannel=channel)["JobId"]
    labelling = rekognition.start_label_detection(Video=VIDEO, NotificationChannel=channel)["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    bodies = sorted((json.loads(m["Body"]) for m in messages), key=lambda body: body["API"])  # raw delivery: no envelope
    assert [(b["API"], b["JobId"], b["Status"]) for b in bodies] == [
        ("StartLabelDetection", labelling, "SUCCEEDED"), ("StartPersonTracking", tracking, "SUCCEEDED")]
