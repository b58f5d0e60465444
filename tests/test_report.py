"""The pytest report section of a failed test, met the way a user meets it (pytester).

A failing test's report names each image it sent and what the mock found there, and the
annotated PNGs exist with the boxes drawn; a passing test leaves nothing behind. The inner
runs are in-process; see test_plugin.py for why the heavy modules are imported here first.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import boto3  # noqa: F401  (kept loaded across in-process runs)
import moto  # noqa: F401
import numpy as np
import pytest
from PIL import Image

import rekognition_mock.service.models  # noqa: F401
from rekognition_mock import report
from rekognition_mock.settings import settings

pytest_plugins = ["pytester"]

FAILING = """
    def test_hopper_twice(rekognition_client, face_image):
        faces = rekognition_client.detect_faces(Image={"Bytes": face_image("grace_hopper")})["FaceDetails"]
        assert len(faces) == 2

    def test_passes(rekognition_client, face_image):
        assert rekognition_client.detect_faces(Image={"Bytes": face_image("grace_hopper")})["FaceDetails"]
"""


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("REKOGNITION_MOCK_DETECTOR", raising=False)
    monkeypatch.setattr(settings, "_detector", None)
    return pytester


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_user=textwrap.dedent(source))
    return pytester.runpytest_inprocess(*args)


def section_of(result: pytest.RunResult) -> str:
    text = result.stdout.str()
    match = re.search(r"-+ rekognition-mock -+\n(.*?)\n(?:=+|-+ )", text, re.DOTALL)
    assert match, text
    return match.group(1)


def green_pixels(png: Path, box: dict[str, float]) -> tuple[int, int]:
    """Pure-green pixels (the drawn outline) on the box's edge, and elsewhere."""
    with Image.open(png) as drawn:
        out = np.asarray(drawn.convert("RGB"), dtype=np.int16)
    h, w = out.shape[:2]
    green = (out[..., 1] >= 200) & (out[..., 0] <= 60) & (out[..., 2] <= 60)
    left, top = round(box["Left"] * w), round(box["Top"] * h)
    right, bottom = round(left + box["Width"] * w), round(top + box["Height"] * h)
    edge = np.zeros_like(green)
    m = 4
    edge[top - m : bottom + m, left - m : right + m] = True
    edge[top + m : bottom - m, left + m : right - m] = False
    return int(green[edge].sum()), int(green[~edge].sum())


def test_a_failing_test_gets_the_images_and_faces_in_its_report(pytester: pytest.Pytester, tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    result = run(pytester, FAILING, "-p", "no:cacheprovider", f"--rekognition-artifacts={artifacts}")
    result.assert_outcomes(passed=1, failed=1)
    text = section_of(result)
    assert "1. DetectFaces -> 200" in text
    assert "Image: bytes, 61306 bytes, JPEG 512x600" in text
    assert "1 face found" in text
    assert re.search(r"- face box\(left=0\.\d+, top=0\.\d+, width=0\.\d+, height=0\.\d+\) confidence \d+\.\d%", text)

    folder = report.folder_for(artifacts, "test_user.py::test_hopper_twice")
    png = folder / "01-DetectFaces-Image.png"
    assert f"annotated: {png}" in text
    assert png.is_file()
    assert sorted(p.name for p in artifacts.rglob("*.png")) == ["01-DetectFaces-Image.png"]  # the passing test: nothing

    numbers = re.search(r"left=(?P<Left>[\d.]+), top=(?P<Top>[\d.]+), width=(?P<Width>[\d.]+), height=(?P<Height>[\d.]+)", text)
    assert numbers, text
    box = {k: float(v) for k, v in numbers.groupdict().items()}
    on_edge, elsewhere = green_pixels(png, box)
    assert on_edge >= 300  # the box is drawn where the report says it is
    assert elsewhere < on_edge
    with Image.open(png) as drawn:
        assert drawn.size == (512, 600)  # the photo's own size


def test_the_default_folder_is_in_pytests_cache(pytester: pytest.Pytester) -> None:
    result = run(pytester, FAILING)
    result.assert_outcomes(passed=1, failed=1)
    folder = report.folder_for(pytester.path / ".pytest_cache" / "d" / "rekognition-artifacts", "test_user.py::test_hopper_twice")
    assert f"annotated images in {folder}" in section_of(result)
    assert (folder / "01-DetectFaces-Image.png").is_file()


def test_every_image_of_every_call_and_the_matches(pytester: pytest.Pytester, tmp_path: Path) -> None:
    source = """
    def test_search(rekognition_client, s3_client, face_image):
        rekognition_client.create_collection(CollectionId="staff")
        rekognition_client.index_faces(CollectionId="staff", Image={"Bytes": face_image("astronaut")}, ExternalImageId="eileen")
        s3_client.create_bucket(Bucket="photos")
        s3_client.put_object(Bucket="photos", Key="probe.jpg", Body=face_image("astronaut"))
        rekognition_client.search_faces_by_image(CollectionId="staff", Image={"S3Object": {"Bucket": "photos", "Name": "probe.jpg"}})
        rekognition_client.compare_faces(SourceImage={"Bytes": face_image("grace_hopper")}, TargetImage={"Bytes": face_image("astronaut")})
        rekognition_client.detect_faces(Image={"Bytes": face_image("coffee")})
        rekognition_client.describe_collection(CollectionId="nobody")
    """
    result = run(pytester, source, "-p", "no:cacheprovider", f"--rekognition-artifacts={tmp_path}")
    result.assert_outcomes(failed=1)
    text = section_of(result)
    assert "6 Rekognition call(s)" in text
    assert re.search(r"- indexed box\(.*\) confidence [\d.]+% FaceId [0-9a-f-]{36} ExternalImageId eileen", text)
    assert "Image: s3://photos/probe.jpg, 68052 bytes, JPEG 512x512" in text
    assert re.search(r"1 collection face\(s\) matched\n +- FaceId [0-9a-f-]{36} similarity 100\.0% ExternalImageId eileen", text)
    assert "SourceImage: bytes, 61306 bytes" in text and "TargetImage: bytes, 68052 bytes" in text
    assert re.search(r"- unmatched box\(", text)  # Hopper is not the astronaut
    assert "Image: bytes" in text.split("5. DetectFaces -> 200")[1] and "0 faces found" in text
    assert "6. DescribeCollection -> 400 ResourceNotFoundException: The collection id: nobody does not exist" in text
    written = sorted(p.name for p in tmp_path.rglob("*.png"))
    assert written == [
        "02-IndexFaces-Image.png",
        "03-SearchFacesByImage-Image.png",
        "04-CompareFaces-SourceImage.png",
        "04-CompareFaces-TargetImage.png",
        "05-DetectFaces-Image.png",
    ]


def test_images_beyond_pillows_limit_are_described(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """A failed test that sent a 20000x20000 PNG (refused by the mock, as by AWS) gets
    its report: the image described from its header, no INTERNALERROR from Pillow."""
    import imagefactory

    (pytester.path / "huge.png").write_bytes(imagefactory.decompression_bomb_png(20000, 20000))
    source = """
    from pathlib import Path

    def test_huge(rekognition_client):
        data = (Path(__file__).parent / "huge.png").read_bytes()
        try:
            rekognition_client.detect_faces(Image={"Bytes": data})
        except rekognition_client.exceptions.ImageTooLargeException:
            pass
        assert False
    """
    result = run(pytester, source, "-p", "no:cacheprovider", f"--rekognition-artifacts={tmp_path}")
    result.assert_outcomes(failed=1)
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    text = section_of(result)
    assert "PNG 20000x20000" in text
    assert ("1. DetectFaces -> 400 ImageTooLargeException: Input image dimensions 20000 x 20000 exceed "
            "maximum dimension size of 10000 pixels") in text


def test_a_failing_test_without_rekognition_calls_gets_no_section(pytester: pytest.Pytester, tmp_path: Path) -> None:
    result = run(pytester, "def test_x():\n    assert False\n", "-p", "no:cacheprovider", f"--rekognition-artifacts={tmp_path}")
    result.assert_outcomes(failed=1)
    assert not re.search(r"-+ rekognition-mock -+", result.stdout.str())
    assert not any(tmp_path.iterdir())


def test_user_searches_name_the_users_matched(pytester: pytest.Pytester, tmp_path: Path) -> None:
    source = """
    def test_users(rekognition_client, face_image):
        rekognition_client.create_collection(CollectionId="staff")
        face = rekognition_client.index_faces(CollectionId="staff", Image={"Bytes": face_image("grace_hopper")})
        rekognition_client.create_user(CollectionId="staff", UserId="grace")
        rekognition_client.associate_faces(CollectionId="staff", UserId="grace", FaceIds=[face["FaceRecords"][0]["Face"]["FaceId"]])
        rekognition_client.search_users_by_image(CollectionId="staff", Image={"Bytes": face_image("grace_hopper")})
        assert False
    """
    result = run(pytester, source, "-p", "no:cacheprovider", f"--rekognition-artifacts={tmp_path}")
    result.assert_outcomes(failed=1)
    text = section_of(result)
    assert re.search(r"5\. SearchUsersByImage -> 200\n.*\n +1 face found\n +- searched box\(", text)
    assert re.search(r"1 user\(s\) matched\n +- UserId grace similarity 100\.0%", text)
