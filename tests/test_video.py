"""Rekognition Video in-process: StartFaceDetection/GetFaceDetection and StartFaceSearch/
GetFaceSearch on H.264 videos composed from the bundled photos (videofactory), with jobs,
ClientRequestToken, SNS → SQS completion messages and AWS's errors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import rekognition_mock
import videofactory as vf
from conftest import make_client
from helpers import expect
from rekognition_mock.fixtures import face_image
from shapecheck import assert_output_shape

BUCKET = "videos"
ROLE = "arn:aws:iam::123456789012:role/AmazonRekognitionServiceRole"
DEFAULT_KEYS = {"BoundingBox", "Landmarks", "Pose", "Quality", "Confidence"}


@pytest.fixture
def aws(mocked_aws: None) -> Iterator[dict[str, Any]]:
    """Clients of one mock, a bucket holding the composed videos, and jobs back to the
    default settings afterwards."""
    clients = {name: make_client(name) for name in ("rekognition", "s3", "sns", "sqs")}
    clients["s3"].create_bucket(Bucket=BUCKET)
    clients["s3"].put_object(Bucket=BUCKET, Key="hopper.mp4", Body=vf.person_from_1s_to_3s())
    clients["s3"].put_object(Bucket=BUCKET, Key="two.mp4", Body=vf.two_people_with_a_cut())
    yield clients
    rekognition_mock.wait_for_jobs(300)
    rekognition_mock.configure(video_jobs=None, video_sample_ms=None)


def s3_video(name: str) -> dict[str, Any]:
    return {"S3Object": {"Bucket": BUCKET, "Name": name}}


def subscribed_queue(aws: dict[str, Any], name: str = "AmazonRekognitionJobs") -> tuple[str, str]:
    """(topic ARN, queue URL): an SNS topic with an SQS queue subscribed to it."""
    topic = aws["sns"].create_topic(Name=name)["TopicArn"]
    queue = aws["sqs"].create_queue(QueueName=name)["QueueUrl"]
    queue_arn = aws["sqs"].get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue


def completion(aws: dict[str, Any], queue: str) -> dict[str, Any]:
    """The one completion message in ``queue`` (the Rekognition JSON inside SNS's envelope)."""
    messages = aws["sqs"].receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0)["Messages"]
    assert len(messages) == 1
    return json.loads(json.loads(messages[0]["Body"])["Message"])


def all_pages(call: Any, key: str, **params: Any) -> tuple[list[Any], list[dict[str, Any]]]:
    """Every entry of a paginated Get*, and the pages."""
    entries, pages, token = [], [], None
    while True:
        page = call(**params, **({"NextToken": token} if token else {}))
        pages.append(page)
        entries += page[key]
        token = page.get("NextToken")
        if not token:
            return entries, pages


def test_face_search_user_scenario(aws: dict[str, Any]) -> None:
    """Issue 26's first Done-when line: face search on an S3 video with an SNS topic
    subscribed by an SQS queue; the message arrives; GetFaceSearch pages find the indexed
    person where she is on screen (1 s to 3 s) and no one elsewhere."""
    rekognition = aws["rekognition"]
    rekognition.create_collection(CollectionId="staff")
    [record] = rekognition.index_faces(CollectionId="staff", Image={"Bytes": face_image("grace_hopper")},
                                       ExternalImageId="grace")["FaceRecords"]
    topic, queue = subscribed_queue(aws)

    job_id = rekognition.start_face_search(
        Video=s3_video("hopper.mp4"), CollectionId="staff", JobTag="nightly",
        NotificationChannel={"SNSTopicArn": topic, "RoleArn": ROLE},
    )["JobId"]
    assert rekognition_mock.wait_for_jobs(300)

    message = completion(aws, queue)
    assert set(message) == {"JobId", "Status", "API", "JobTag", "Timestamp", "Video"}
    assert (message["JobId"], message["Status"], message["API"], message["JobTag"]) == (
        job_id, "SUCCEEDED", "StartFaceSearch", "nightly")
    assert message["Video"] == {"S3ObjectName": "hopper.mp4", "S3Bucket": BUCKET}
    assert isinstance(message["Timestamp"], int)

    persons, pages = all_pages(rekognition.get_face_search, "Persons", JobId=job_id, MaxResults=4)
    assert len(pages) == 3
    for page in pages:
        assert_output_shape("GetFaceSearch", page)
        assert page["JobStatus"] == "SUCCEEDED" and page["JobId"] == job_id and page["JobTag"] == "nightly"
        assert page["Video"] == s3_video("hopper.mp4")
        assert page["VideoMetadata"] == {"Codec": "h264", "DurationMillis": 4000, "Format": "QuickTime / MOV",
                                         "FrameRate": 25.0, "FrameHeight": 360, "FrameWidth": 640,
                                         "ColorRange": "LIMITED"}
    times = [p["Timestamp"] for p in persons]
    assert times == list(range(1000, 3000, 200))  # every sample while she is on screen, and only those
    assert {p["Person"]["Index"] for p in persons} == {0}
    for person in persons:
        [match] = person["FaceMatches"]
        assert match["Face"]["FaceId"] == record["Face"]["FaceId"]
        assert match["Face"]["ExternalImageId"] == "grace"
        assert match["Similarity"] > 95
        box = person["Person"]["BoundingBox"]
        assert 200 / 640 < box["Left"] + box["Width"] / 2 < 440 / 640  # she stands at x = 200 … ~440
        assert set(person["Person"]["Face"]) == DEFAULT_KEYS


def test_face_detection_two_people_a_cut_and_a_black_frame(aws: dict[str, Any]) -> None:
    rekognition = aws["rekognition"]
    job_id = rekognition.start_face_detection(Video=s3_video("two.mp4"))["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    faces, pages = all_pages(rekognition.get_face_detection, "Faces", JobId=job_id, MaxResults=10)
    for page in pages:
        assert_output_shape("GetFaceDetection", page)
        assert "JobTag" not in page
    counts: dict[int, int] = {}
    for face in faces:
        counts[face["Timestamp"]] = counts.get(face["Timestamp"], 0) + 1
        assert set(face["Face"]) == DEFAULT_KEYS
    assert counts == {**{t: 1 for t in range(0, 2000, 200)}, **{t: 2 for t in range(2000, 3600, 200)},
                      **{t: 1 for t in range(4000, 5000, 200)}}  # nobody in the black frames (3.6–4 s)
    assert [f["Timestamp"] for f in faces] == sorted(f["Timestamp"] for f in faces)
    assert len(pages) == 4 and [len(p["Faces"]) for p in pages] == [10, 10, 10, 1]


def test_face_detection_all_attributes(aws: dict[str, Any]) -> None:
    rekognition = aws["rekognition"]
    rekognition_mock.configure(video_sample_ms=1000)
    job_id = rekognition.start_face_detection(Video=s3_video("hopper.mp4"), FaceAttributes="ALL")["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    answer = rekognition.get_face_detection(JobId=job_id)
    assert_output_shape("GetFaceDetection", answer)
    assert [f["Timestamp"] for f in answer["Faces"]] == [1000, 2000]  # one frame a second, on screen at 1 s and 2 s
    # Each frame is answered as DetectFaces answers that frame: the same engine, the same attributes.
    from rekognition_mock.vision import video

    frames = dict(video.frames(vf.person_from_1s_to_3s(), 1000))
    for face in answer["Faces"]:
        assert {"AgeRange", "Gender", "Emotions", "EyesOpen", "Smile"} <= set(face["Face"])
        image = {"Bytes": video.jpeg(frames[face["Timestamp"]])}
        [detail] = rekognition.detect_faces(Image=image, Attributes=["ALL"])["FaceDetails"]
        assert face["Face"] == detail


def test_face_search_tracks_each_person_with_one_index(aws: dict[str, Any]) -> None:
    """Grace Hopper keeps her index across the cut (a new shot, her box moved); the
    astronaut gets one when she appears, and a new one after the black frames."""
    rekognition = aws["rekognition"]
    rekognition.create_collection(CollectionId="crew")
    for name in ("grace_hopper", "astronaut"):
        rekognition.index_faces(CollectionId="crew", Image={"Bytes": face_image(name)}, ExternalImageId=name)
    job_id = rekognition.start_face_search(Video=s3_video("two.mp4"), CollectionId="crew")["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    persons, _ = all_pages(rekognition.get_face_search, "Persons", JobId=job_id)
    seen: dict[str, dict[int, list[int]]] = {}
    for person in persons:
        [match] = person["FaceMatches"]
        name = match["Face"]["ExternalImageId"]
        seen.setdefault(name, {}).setdefault(person["Person"]["Index"], []).append(person["Timestamp"])
    [grace] = seen["grace_hopper"].values()
    assert grace == list(range(0, 3600, 200))
    assert sorted(seen["astronaut"].values()) == [list(range(2000, 3600, 200)), list(range(4000, 5000, 200))]
    grace_index = next(iter(seen["grace_hopper"]))
    assert grace_index == 0 and sorted(seen["astronaut"]) == [1, 2]

    by_index, pages = all_pages(rekognition.get_face_search, "Persons", JobId=job_id, SortBy="INDEX", MaxResults=7)
    assert_output_shape("GetFaceSearch", pages[0])
    keys = [(p["Person"]["Index"], p["Timestamp"]) for p in by_index]
    assert keys == sorted(keys) and len(keys) == len(persons)


def test_face_match_threshold_and_nobody_indexed(aws: dict[str, Any]) -> None:
    rekognition = aws["rekognition"]
    rekognition.create_collection(CollectionId="others")
    rekognition.index_faces(CollectionId="others", Image={"Bytes": face_image("astronaut")})
    job_id = rekognition.start_face_search(Video=s3_video("hopper.mp4"), CollectionId="others")["JobId"]
    strict = rekognition.start_face_search(Video=s3_video("two.mp4"), CollectionId="others",
                                           FaceMatchThreshold=100)["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    answer = rekognition.get_face_search(JobId=job_id)
    assert answer["JobStatus"] == "SUCCEEDED" and answer["Persons"] == []  # Grace Hopper is not in the collection
    assert rekognition.get_face_search(JobId=strict)["Persons"] == []


def test_in_progress_until_the_job_is_done(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from rekognition_mock.service.models.video import VideoMixin

    gate = threading.Event()
    frames = VideoMixin._frames

    def held(self: Any, *args: Any, **kwargs: Any) -> Any:
        gate.wait(60)
        return frames(self, *args, **kwargs)

    monkeypatch.setattr(VideoMixin, "_frames", held)
    rekognition = aws["rekognition"]
    job_id = rekognition.start_face_detection(Video=s3_video("hopper.mp4"), JobTag="slow")["JobId"]
    answer = rekognition.get_face_detection(JobId=job_id)
    assert_output_shape("GetFaceDetection", answer)
    assert answer["JobStatus"] == "IN_PROGRESS" and answer["Faces"] == [] and "VideoMetadata" not in answer
    assert answer["JobTag"] == "slow"
    assert rekognition_mock.wait_for_jobs(0.2) is False
    gate.set()
    assert rekognition_mock.wait_for_jobs(300) is True
    assert rekognition.get_face_detection(JobId=job_id)["JobStatus"] == "SUCCEEDED"


def test_sync_jobs_are_done_when_start_returns(aws: dict[str, Any]) -> None:
    rekognition_mock.configure(video_jobs="sync")
    rekognition = aws["rekognition"]
    job_id = rekognition.start_face_detection(Video=s3_video("hopper.mp4"))["JobId"]
    answer = rekognition.get_face_detection(JobId=job_id)
    assert answer["JobStatus"] == "SUCCEEDED" and len(answer["Faces"]) == 10


def test_client_request_token(aws: dict[str, Any]) -> None:
    rekognition = aws["rekognition"]
    first = rekognition.start_face_detection(Video=s3_video("hopper.mp4"), ClientRequestToken="retry-1")["JobId"]
    again = rekognition.start_face_detection(Video=s3_video("hopper.mp4"), ClientRequestToken="retry-1")["JobId"]
    other = rekognition.start_face_detection(Video=s3_video("hopper.mp4"), ClientRequestToken="retry-2")["JobId"]
    assert first == again != other
    assert len(first) == 64 and int(first, 16) >= 0
    expect(rekognition, "IdempotentParameterMismatchException",
           lambda: rekognition.start_face_detection(Video=s3_video("two.mp4"), ClientRequestToken="retry-1"))
    expect(rekognition, "IdempotentParameterMismatchException",
           lambda: rekognition.start_face_detection(Video=s3_video("hopper.mp4"), ClientRequestToken="retry-1",
                                                    FaceAttributes="ALL"))


def test_job_ids_are_the_same_on_every_run(aws: dict[str, Any]) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from rekognition_mock.service import jobs

    rekognition = aws["rekognition"]
    job_id = rekognition.start_face_detection(Video=s3_video("hopper.mp4"))["JobId"]
    request = json.dumps([s3_video("hopper.mp4"), None, None, {"FaceAttributes": "DEFAULT"}], sort_keys=True)
    assert job_id == jobs.job_id(DEFAULT_ACCOUNT_ID, "us-east-1", 0, "StartFaceDetection", request)


def test_start_errors(aws: dict[str, Any]) -> None:
    rekognition = aws["rekognition"]
    message = expect(rekognition, "InvalidS3ObjectException",
                     lambda: rekognition.start_face_detection(Video=s3_video("missing.mp4")))
    assert message == "Unable to get object metadata from S3. Check object key, region and/or access permissions."
    expect(rekognition, "InvalidS3ObjectException", lambda: rekognition.start_face_search(
        Video={"S3Object": {"Bucket": "no-such-bucket", "Name": "hopper.mp4"}}, CollectionId="x"))
    expect(rekognition, "ResourceNotFoundException",
           lambda: rekognition.start_face_search(Video=s3_video("hopper.mp4"), CollectionId="missing"))
    aws["s3"].create_bucket(Bucket="far-videos", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    aws["s3"].put_object(Bucket="far-videos", Key="hopper.mp4", Body=vf.person_from_1s_to_3s())
    expect(rekognition, "InvalidS3ObjectException", lambda: rekognition.start_face_detection(  # another region's bucket
        Video={"S3Object": {"Bucket": "far-videos", "Name": "hopper.mp4"}}))
    missing_topic = "arn:aws:sns:us-east-1:123456789012:AmazonRekognitionNowhere"
    expect(rekognition, "InvalidParameterException", lambda: rekognition.start_face_detection(
        Video=s3_video("hopper.mp4"), NotificationChannel={"SNSTopicArn": missing_topic, "RoleArn": ROLE}))
    expect(rekognition, "InvalidParameterException", lambda: rekognition.start_face_detection(Video={}))
    from rekognition_mock.service.models import rekognition_backends
    from moto.core import DEFAULT_ACCOUNT_ID

    assert rekognition_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].video_jobs == {}  # none of them started a job


def test_get_errors(aws: dict[str, Any], unvalidated_rekognition: Any) -> None:
    rekognition = aws["rekognition"]
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.get_face_detection(JobId="0" * 64))
    job_id = rekognition.start_face_detection(Video=s3_video("hopper.mp4"))["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.get_face_search(JobId=job_id))  # another API's job
    expect(rekognition, "InvalidPaginationTokenException",
           lambda: rekognition.get_face_detection(JobId=job_id, NextToken="not-a-token"))
    other = rekognition.start_face_detection(Video=s3_video("hopper.mp4"), JobTag="other")["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    token = rekognition.get_face_detection(JobId=other, MaxResults=2)["NextToken"]
    expect(rekognition, "InvalidPaginationTokenException",  # another job's token
           lambda: rekognition.get_face_detection(JobId=job_id, NextToken=token))
    expect(unvalidated_rekognition, "ValidationException",
           lambda: unvalidated_rekognition.get_face_detection(JobId=job_id, MaxResults=0))
    expect(unvalidated_rekognition, "ValidationException",
           lambda: unvalidated_rekognition.get_face_search(JobId=job_id, SortBy="NAME"))
    assert len(rekognition.get_face_detection(JobId=job_id, MaxResults=5000)["Faces"]) == 10  # at most 1000 a page


@pytest.mark.parametrize("body", [
    vf.encode([(1000, vf.empty())], container="matroska", codec="mpeg4"),  # neither MP4/MOV nor H.264
    b"this is not a video" * 100,
])
def test_a_video_rekognition_does_not_take_fails_the_job(aws: dict[str, Any], body: bytes) -> None:
    aws["s3"].put_object(Bucket=BUCKET, Key="odd.mp4", Body=body)
    topic, queue = subscribed_queue(aws)
    rekognition = aws["rekognition"]
    job_id = rekognition.start_face_detection(Video=s3_video("odd.mp4"), JobTag="odd",
                                              NotificationChannel={"SNSTopicArn": topic, "RoleArn": ROLE})["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    answer = rekognition.get_face_detection(JobId=job_id)
    assert_output_shape("GetFaceDetection", answer)
    assert (answer["JobStatus"], answer["StatusMessage"], answer["Faces"]) == ("FAILED", "Unsupported codec/format.", [])
    message = completion(aws, queue)
    assert (message["Status"], message["API"], message["JobTag"]) == ("FAILED", "StartFaceDetection", "odd")


def test_mov_is_taken(aws: dict[str, Any]) -> None:
    aws["s3"].put_object(Bucket=BUCKET, Key="clip.mov", Body=vf.encode([(400, vf.with_people(("grace_hopper.jpg", 200)))],
                                                                        container="mov"))
    rekognition = aws["rekognition"]
    job_id = rekognition.start_face_detection(Video=s3_video("clip.mov"))["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    answer = rekognition.get_face_detection(JobId=job_id)
    assert answer["JobStatus"] == "SUCCEEDED" and [f["Timestamp"] for f in answer["Faces"]] == [0, 200]


def test_without_pyav_start_names_the_extra(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from rekognition_mock.vision import video

    monkeypatch.setattr(video, "available", lambda: False)
    rekognition = aws["rekognition"]
    message = expect(rekognition, "InvalidParameterException",
                     lambda: rekognition.start_face_detection(Video=s3_video("hopper.mp4")))
    assert message == "rekognition-mock: video analysis needs PyAV: pip install 'rekognition-mock[video]'"


def test_video_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from rekognition_mock.settings import ENV_VIDEO_JOBS, ENV_VIDEO_SAMPLE_MS, settings

    assert (settings.video_sample_ms, settings.video_jobs) == (200.0, "background")
    monkeypatch.setenv(ENV_VIDEO_SAMPLE_MS, "500")
    monkeypatch.setenv(ENV_VIDEO_JOBS, "SYNC")
    assert (settings.video_sample_ms, settings.video_jobs) == (500.0, "sync")
    try:
        rekognition_mock.configure(video_sample_ms=40, video_jobs="background")
        assert (settings.video_sample_ms, settings.video_jobs) == (40.0, "background")
        with pytest.raises(ValueError, match="video_sample_ms"):
            rekognition_mock.configure(video_sample_ms=0)
        with pytest.raises(ValueError, match="video_jobs"):
            rekognition_mock.configure(video_jobs="later")
    finally:
        rekognition_mock.configure(video_sample_ms=None, video_jobs=None)
    monkeypatch.setenv(ENV_VIDEO_SAMPLE_MS, "soon")
    with pytest.raises(ValueError, match=ENV_VIDEO_SAMPLE_MS):
        settings.check()
    monkeypatch.setenv(ENV_VIDEO_SAMPLE_MS, "200")
    monkeypatch.setenv(ENV_VIDEO_JOBS, "never")
    with pytest.raises(ValueError, match=ENV_VIDEO_JOBS):
        settings.check()


def test_a_video_over_the_size_limit(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Over 10 GB is VideoTooLargeException (the limit lowered here: nothing uploads 10 GB)."""
    from rekognition_mock.service import video_input

    size = len(vf.person_from_1s_to_3s())
    monkeypatch.setattr(video_input, "MAX_VIDEO_BYTES", size - 1)
    rekognition = aws["rekognition"]
    message = expect(rekognition, "VideoTooLargeException",
                     lambda: rekognition.start_face_detection(Video=s3_video("hopper.mp4")))
    assert message == (f"The file size or duration of the supplied media is too large. The S3 object is {size} bytes; "
                       f"the maximum is {size - 1} bytes.")


def test_scripted_jobs(aws: dict[str, Any]) -> None:
    """set_video_job: a job that takes longer, and one that fails with a given message; the
    injected errors of the controls reach the video operations too."""
    rekognition = aws["rekognition"]
    topic, queue = subscribed_queue(aws)
    channel = {"SNSTopicArn": topic, "RoleArn": ROLE}
    rekognition_mock.set_video_job((BUCKET, "two.mp4"), status_message="Scripted: the video is corrupt.")
    rekognition.create_collection(CollectionId="crew")
    job_id = rekognition.start_face_search(Video=s3_video("two.mp4"), CollectionId="crew", NotificationChannel=channel)["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    answer = rekognition.get_face_search(JobId=job_id)
    assert (answer["JobStatus"], answer["StatusMessage"], answer["Persons"]) == (
        "FAILED", "Scripted: the video is corrupt.", [])
    assert completion(aws, queue)["Status"] == "FAILED"

    rekognition_mock.set_video_job(vf.person_from_1s_to_3s(), seconds=3)  # named by its bytes
    slow = rekognition.start_face_detection(Video=s3_video("hopper.mp4"))["JobId"]
    assert rekognition.get_face_detection(JobId=slow)["JobStatus"] == "IN_PROGRESS"
    assert rekognition_mock.wait_for_jobs(300)
    assert rekognition.get_face_detection(JobId=slow)["JobStatus"] == "SUCCEEDED"

    rekognition_mock.reset_controls()
    rekognition_mock.inject_error("StartFaceDetection", "AccessDeniedException")
    expect(rekognition, "AccessDeniedException", lambda: rekognition.start_face_detection(Video=s3_video("two.mp4")))
    assert rekognition.start_face_detection(Video=s3_video("two.mp4"))["JobId"]
    with pytest.raises(ValueError):
        rekognition_mock.set_video_job((BUCKET, "two.mp4"), seconds=-1)


START = {  # each Start operation with the parameters it needs beyond Video
    "start_face_detection": {},
    "start_face_search": {"CollectionId": "crew"},
    "start_person_tracking": {},
    "start_label_detection": {},
    "start_content_moderation": {},
    "start_segment_detection": {"SegmentTypes": ["SHOT"]},
    "start_celebrity_recognition": {},
    "start_text_detection": {},
}


@pytest.mark.parametrize("start", sorted(START))
def test_every_video_operation_answers_aws_errors(aws: dict[str, Any], unvalidated_rekognition: Any, start: str) -> None:
    """Each Start*: the S3 errors, the topic, the token, the model's validation; each Get*:
    an unknown job, a foreign token, the model's validation; and the job runs to SUCCEEDED."""
    rekognition = aws["rekognition"]
    rekognition.create_collection(CollectionId="crew")
    call = getattr(rekognition, start)
    get = getattr(rekognition, "get_" + start.removeprefix("start_"))
    extra = START[start]
    expect(rekognition, "InvalidS3ObjectException", lambda: call(Video=s3_video("missing.mp4"), **extra))
    expect(rekognition, "InvalidParameterException", lambda: call(
        Video=s3_video("hopper.mp4"), **extra,
        NotificationChannel={"SNSTopicArn": "arn:aws:sns:us-east-1:123456789012:Nowhere", "RoleArn": ROLE}))
    expect(unvalidated_rekognition, "ValidationException",
           lambda: getattr(unvalidated_rekognition, start)(Video=s3_video("hopper.mp4"), JobTag="bad tag!", **extra))
    job_id = call(Video=s3_video("hopper.mp4"), ClientRequestToken="once", **extra)["JobId"]
    assert call(Video=s3_video("hopper.mp4"), ClientRequestToken="once", **extra)["JobId"] == job_id
    expect(rekognition, "IdempotentParameterMismatchException",
           lambda: call(Video=s3_video("two.mp4"), ClientRequestToken="once", **extra))
    assert rekognition_mock.wait_for_jobs(300)
    answer = get(JobId=job_id)
    assert_output_shape("Get" + "".join(w.title() for w in start.split("_")[1:]), answer)
    assert answer["JobStatus"] == "SUCCEEDED" and answer["JobId"] == job_id
    expect(rekognition, "ResourceNotFoundException", lambda: get(JobId="f" * 64))
    expect(rekognition, "InvalidPaginationTokenException", lambda: get(JobId=job_id, NextToken="bm90IG91cnM"))
    expect(unvalidated_rekognition, "ValidationException",
           lambda: getattr(unvalidated_rekognition, "get_" + start.removeprefix("start_"))(JobId="bad id!"))
