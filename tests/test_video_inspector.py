"""The inspector's view of Rekognition Video: ``api/jobs`` lists the jobs, and the Controls
listing shows the video controls in force (an in-process server)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import numpy as np
import pytest
import requests
from botocore.config import Config

import rekognition_mock
import videofactory as vf
from rekognition_mock.server import RekognitionMockServer

API = "/_rekognition_mock/inspector/api/"


@pytest.fixture
def server() -> Iterator[Any]:
    running = RekognitionMockServer(port=0).start()
    yield running
    rekognition_mock.wait_for_jobs(300)
    try:
        running.reset()
    finally:
        running.stop()


def client(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(retries={"total_max_attempts": 1}))


def api(server: Any, path: str) -> Any:
    response = requests.get(server.url + API + path, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def test_jobs_and_video_controls_are_listed(server: Any) -> None:
    s3, rekognition = client("s3", server.url), client("rekognition", server.url)
    s3.create_bucket(Bucket="inspected")
    s3.put_object(Bucket="inspected", Key="hopper.mp4", Body=vf.person_from_1s_to_3s())
    rekognition_mock.set_video_job(("inspected", "broken.mp4"), status_message="Scripted.", seconds=1)
    rekognition_mock.set_video_labels(("inspected", "hopper.mp4"), ["Dog"], start_ms=1000, end_ms=2000)
    rows = [(c["kind"], c["target"], c["detail"]) for c in api(server, "controls")["controls"]]
    assert rows == [("video job", "s3://inspected/broken.mp4", "fails: Scripted., 1 s longer"),
                    ("video labels", "s3://inspected/hopper.mp4", "1000–2000 ms: Dog")]

    job_id = rekognition.start_face_detection(Video={"S3Object": {"Bucket": "inspected", "Name": "hopper.mp4"}},
                                              JobTag="seen")["JobId"]
    assert rekognition_mock.wait_for_jobs(300)
    [job] = api(server, "jobs")["jobs"]
    assert (job["job_id"], job["api"], job["status"], job["job_tag"], job["video"]) == (
        job_id, "StartFaceDetection", "SUCCEEDED", "seen", "s3://inspected/hopper.mp4")
    assert (job["results"], job["duration_ms"], job["sample_ms"]) == (10, 4000, 200)
    assert job["finished"] >= job["started"]
    # A strip of at most 12 sampled frames (20 sampled: every other one), each with its faces boxed.
    assert [(f["timestamp"], f["faces"]) for f in job["frames"]] == [
        (t, 1 if 1000 <= t < 3000 else 0) for t in range(0, 4000, 400)]
    picture = requests.get(f"{server.url}{API}jobs/123456789012/us-east-1/{job_id}/frames/3.jpg", timeout=60)
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/jpeg"
    from PIL import Image
    import io

    with Image.open(io.BytesIO(picture.content)) as image:
        assert image.size == (160, 90)
        framed = np.asarray(image.convert("RGB")).astype(int)
    green = framed[..., 1] - np.maximum(framed[..., 0], framed[..., 2])
    assert (green > 60).sum() > 50  # the green box around her face
    missing = requests.get(f"{server.url}{API}jobs/123456789012/us-east-1/{job_id}/frames/10.jpg", timeout=60)
    assert missing.status_code == 404
