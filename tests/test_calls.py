"""service/calls.py: recorded calls as the ``rekognition_calls`` fixture shows them.

The view is read over a real ring fed by real calls; the fixture itself is met the way a
user meets it, in a pytester run (in-process; see test_plugin.py for why the heavy modules
are imported here first).
"""

from __future__ import annotations

import hashlib
import textwrap
from typing import Any

import boto3  # noqa: F401  (kept loaded across in-process runs)
import moto  # noqa: F401
import pytest

import imagefactory
import rekognition_mock
import rekognition_mock.service.models  # noqa: F401
from rekognition_mock.service import recorder
from rekognition_mock.service.calls import CallError, CallImage, RecordedCalls

pytest_plugins = ["pytester"]

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")


@pytest.fixture
def calls() -> Any:
    ring = recorder.Ring()
    recorder.subscribe(ring)
    yield RecordedCalls(ring)
    recorder.unsubscribe(ring)


def test_each_call_in_order_with_its_parameters_answer_time_and_images(rekognition: Any, s3: Any, calls: RecordedCalls) -> None:
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a.jpg", Body=ASTRONAUT)
    rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=["ALL"])
    rekognition.compare_faces(SourceImage={"S3Object": {"Bucket": "photos", "Name": "a.jpg"}}, TargetImage={"Bytes": HOPPER},
                              SimilarityThreshold=90)
    with pytest.raises(rekognition.exceptions.ResourceNotFoundException):
        rekognition.describe_collection(CollectionId="nobody")

    assert len(calls) == 3 and calls.operations == ["DetectFaces", "CompareFaces", "DescribeCollection"]
    detect, compare, describe = calls
    hopper = hashlib.sha256(HOPPER).hexdigest()
    assert detect.params == {"Image": {"Bytes": f"<{len(HOPPER)} bytes, sha256 {hopper[:12]}...>"}, "Attributes": ["ALL"]}
    assert detect.images == (CallImage("Image", "bytes", len(HOPPER), hopper),)
    assert len(detect.response["FaceDetails"]) == 1 and detect.error is None and detect.status == 200
    assert 0 < detect.seconds < 60

    assert compare.params["SourceImage"] == {"S3Object": {"Bucket": "photos", "Name": "a.jpg"}}  # as sent
    assert compare.params["SimilarityThreshold"] == 90
    assert compare.image_digests == [hashlib.sha256(ASTRONAUT).hexdigest(), hopper]  # the S3 object's too
    assert compare.images[0].source == "s3://photos/a.jpg"
    assert compare.response["FaceMatches"] == []  # two different people

    assert describe.response is None and describe.status == 400
    assert describe.error == CallError("ResourceNotFoundException", "The collection id: nobody does not exist")
    assert describe.images == () and describe.params == {"CollectionId": "nobody"}
    assert calls[-1] is describe and calls[1:] == [compare, describe]  # the same objects each time
    assert repr(describe).startswith("<Call DescribeCollection 400 ResourceNotFoundException")


def test_reset_forgets_the_calls_so_far_and_injected_faults_are_noted(rekognition: Any, calls: RecordedCalls) -> None:
    rekognition.list_collections()
    calls.reset()
    assert len(calls) == 0 and list(calls) == []
    rekognition_mock.inject_error("DetectFaces", "InvalidParameterException", message="scripted failure")
    with pytest.raises(rekognition.exceptions.InvalidParameterException):
        rekognition.detect_faces(Image={"Bytes": b"not even an image"})
    (failed,) = calls
    assert failed.error == CallError("InvalidParameterException", "scripted failure")
    assert failed.notes == {recorder.INJECTED_ERROR: [{"code": "InvalidParameterException", "message": "scripted failure"}]}
    assert failed.images[0].describe().startswith("<17 bytes, sha256 ")
    assert calls.dropped == 0


# -- the fixture ---------------------------------------------------------------------------


def test_the_fixture_holds_this_tests_calls_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=textwrap.dedent("""
        import pytest

        def test_1_makes_calls(rekognition_client, rekognition_calls, face_image):
            rekognition_client.create_collection(CollectionId="staff")
            rekognition_client.index_faces(CollectionId="staff", Image={"Bytes": face_image("grace_hopper")})
            assert rekognition_calls.operations == ["CreateCollection", "IndexFaces"]
            indexed = rekognition_calls[1]
            assert indexed.params["CollectionId"] == "staff"
            assert indexed.params["Image"]["Bytes"].startswith("<61306 bytes, sha256 a8ca6d734765")
            assert indexed.response["FaceRecords"][0]["Face"]["FaceId"]

        def test_2_starts_empty(rekognition_client, rekognition_calls):
            assert len(rekognition_calls) == 0
            with pytest.raises(rekognition_client.exceptions.ResourceNotFoundException):
                rekognition_client.describe_collection(CollectionId="staff")
            (call,) = rekognition_calls
            assert (call.operation, call.error.code) == ("DescribeCollection", "ResourceNotFoundException")
    """))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_the_example_in_pytest_md_runs_green(pytester: pytest.Pytester) -> None:
    from pathlib import Path

    page = (Path(__file__).parent.parent / "docs" / "pytest.md").read_text()
    section = page[page.index("## Recorded calls"):]
    start = section.index("```python\n") + len("```python\n")
    pytester.makepyfile(test_example=section[start:section.index("```", start)])
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
