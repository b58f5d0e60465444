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
    yield from vf.rekognition_with_video(BUCKET, "two.mp4", vf.two_people_with_a_cut())


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


def test_scripted_labels_over_a_time_range(rekognition: Any) -> None:
    """set_video_labels: a Dog from 1 s to 2 s, besides the measured people; segments follow."""
    rekognition_mock.set_video_labels((BUCKET, "two.mp4"), ["Dog"], start_ms=1000, end_ms=2000)
    rekognition_mock.set_video_labels((BUCKET, "two.mp4"), [{"Name": "Person", "Confidence": 70.0}], start_ms=4000)
    job_id = rekognition.start_label_detection(Video=VIDEO)["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    found, _ = pages(rekognition.get_label_detection, "Labels", JobId=job_id)
    assert [e["Timestamp"] for e in found if e["Label"]["Name"] == "Dog"] == list(range(1000, 2000, 200))
    dog = next(e["Label"] for e in found if e["Label"]["Name"] == "Dog")
    assert dog == {"Name": "Dog", "Confidence": 99.0, "Instances": [], "Parents": [], "Aliases": [], "Categories": []}
    people = {e["Timestamp"]: e["Label"]["Confidence"] for e in found if e["Label"]["Name"] == "Person"}
    assert all(people[t] == 70.0 for t in range(4000, 5000, 200))  # the scripted label replaces the measured one
    assert all(people[t] > 90 for t in range(0, 3600, 200))
    segments = rekognition.get_label_detection(JobId=job_id, AggregateBy="SEGMENTS", SortBy="NAME")["Labels"]
    assert [(s["StartTimestampMillis"], s["EndTimestampMillis"]) for s in segments if s["Label"]["Name"] == "Dog"] == [
        (1000, 2000)]


def test_content_moderation_from_scripted_labels(rekognition: Any) -> None:
    rekognition_mock.set_video_labels(vf.two_people_with_a_cut(), [{"Name": "Smoking", "Confidence": 90.0}],
                                      start_ms=2000, end_ms=3000, moderation=True)
    rekognition_mock.set_video_labels((BUCKET, "elsewhere.mp4"), ["Smoking"], moderation=True)  # another video
    job_id = rekognition.start_content_moderation(Video=VIDEO, JobTag="moderation")["JobId"]
    quiet = rekognition.start_content_moderation(Video=VIDEO, MinConfidence=95)["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    answer = rekognition.get_content_moderation(JobId=job_id)
    assert_output_shape("GetContentModeration", answer)
    assert answer["JobStatus"] == "SUCCEEDED" and answer["ModerationModelVersion"] == "7.0"
    assert answer["GetRequestMetadata"] == {"SortBy": "TIMESTAMP", "AggregateBy": "TIMESTAMPS"}
    names = {(e["Timestamp"], e["ModerationLabel"]["Name"]) for e in answer["ModerationLabels"]}
    expected = {"Smoking", "Drugs & Tobacco Paraphernalia & Use", "Drugs & Tobacco"}
    assert names == {(t, name) for t in range(2000, 3000, 200) for name in expected}
    smoking = next(e["ModerationLabel"] for e in answer["ModerationLabels"] if e["ModerationLabel"]["Name"] == "Smoking")
    assert smoking == {"Confidence": 90.0, "Name": "Smoking", "ParentName": "Drugs & Tobacco Paraphernalia & Use",
                       "TaxonomyLevel": 3}
    segments = rekognition.get_content_moderation(JobId=job_id, AggregateBy="SEGMENTS")["ModerationLabels"]
    assert {(s["ModerationLabel"]["Name"], s["StartTimestampMillis"], s["EndTimestampMillis"]) for s in segments} == {
        (name, 2000, 3000) for name in expected}
    assert rekognition.get_content_moderation(JobId=quiet)["ModerationLabels"] == []


def test_video_label_controls_are_checked(mocked_aws: None) -> None:
    from rekognition_mock.service import controls

    with pytest.raises(ValueError, match="end_ms"):
        rekognition_mock.set_video_labels((BUCKET, "two.mp4"), ["Dog"], start_ms=2000, end_ms=1000)
    with pytest.raises(ValueError):
        rekognition_mock.set_video_labels((BUCKET, "two.mp4"), ["Not in the taxonomy"], moderation=True)
    with pytest.raises(TypeError):
        rekognition_mock.set_video_labels("two.mp4", ["Dog"])
    rekognition_mock.set_video_labels((BUCKET, "two.mp4"), ["Dog"], end_ms=500)
    [scripted] = controls.listing()["video_answers"]
    assert (scripted["video"], scripted["kind"], scripted["start_ms"], scripted["end_ms"]) == (
        ["s3", BUCKET, "two.mp4"], "labels", 0, 500)
    rekognition_mock.reset_controls()
    assert controls.listing()["video_answers"] == []
