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

pytest_plugins = ["pytester"]

FAILING = """
    def test_hopper_twice(rekognition_client, face_image):
        faces = rekognition_client.detect_faces(Image={"Bytes": face_image("grace_hopper")})["FaceDetails"]
        assert len(faces) == 2

    def test_passes(rekognition_client, face_image):
        assert rekognition_client.detect_faces(Image={"Bytes": face_image("grace_hopper")})["FaceDetails"]
"""


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
    assert re.search(r"5\. SearchUsersByImage -> 200 \(\d+\.\d{3} s\)\n.*\n +1 face found\n +- searched box\(", text)
    assert re.search(r"1 user\(s\) matched\n +- UserId grace similarity 100\.0%", text)


DECIDED = """
    import boto3
    from botocore.config import Config
    import rekognition_mock

    def test_eyes_must_be_open(rekognition_client, face_image):
        photo = face_image("grace_hopper")
        rekognition_mock.set_face_attributes(photo, 0, {"EyesOpen": {"Value": False, "Confidence": 98.6}})
        face = rekognition_client.detect_faces(Image={"Bytes": photo}, Attributes=["EYES_OPEN", "SMILE"])["FaceDetails"][0]
        assert face["EyesOpen"]["Value"], "the eyes are shut"

    def test_moderation(rekognition_client, face_image):
        photo = face_image("astronaut")
        rekognition_mock.set_moderation_labels(photo, ["Violence", {"Name": "Weapons", "ParentName": "Violence", "Confidence": 87.5}])
        labels = rekognition_client.detect_moderation_labels(Image={"Bytes": photo})["ModerationLabels"]
        assert not labels

    def test_labels(rekognition_client, face_image):
        photo = face_image("grace_hopper")
        hat = {"Name": "Hat", "Instances": [{"BoundingBox": {"Left": 0.3, "Top": 0.05, "Width": 0.4, "Height": 0.2}}]}
        rekognition_mock.set_labels(photo, ["Dog", hat])
        names = [label["Name"] for label in rekognition_client.detect_labels(Image={"Bytes": photo})["Labels"]]
        assert names == ["Cat"]

    def test_throttled(rekognition_mock_session, face_image):
        client = boto3.client("rekognition", region_name="us-east-1", config=Config(retries={"total_max_attempts": 1}))
        rekognition_mock.inject_error("DetectFaces", "ThrottlingException")
        rekognition_mock.inject_latency("ListCollections", 0.05)
        client.list_collections()
        client.detect_faces(Image={"Bytes": face_image("coffee")})
"""


def test_the_report_shows_attributes_labels_and_what_was_scripted_or_injected(pytester: pytest.Pytester, tmp_path: Path) -> None:
    result = run(pytester, DECIDED, "-p", "no:cacheprovider", f"--rekognition-artifacts={tmp_path}")
    result.assert_outcomes(failed=4)
    sections = re.findall(r"-+ rekognition-mock -+\n(.*?)\n(?:=+|-+ |_+ )", result.stdout.str(), re.DOTALL)
    eyes, moderation, labels, throttled = sections

    assert "attributes asked: EYES_OPEN, SMILE" in eyes
    assert re.search(r"- face box\(.*\n +Smile (true|false) \d+\.\d, EyesOpen false 98\.6 \(scripted\)\n", eyes), eyes
    assert "Smile true 100.0 (scripted)" not in eyes and "Smile" in eyes  # only what was scripted says so

    assert "1. DetectModerationLabels -> 200" in moderation
    assert "faces found" not in moderation and "face found" not in moderation
    assert "2 moderation labels found\n      - Violence 99.0% (scripted)\n      - Weapons 87.5% under Violence (scripted)" in moderation

    assert "- Dog 99.0% (scripted), no box" in labels
    assert re.search(r"- Hat 99\.0% \(scripted\)\n +instance box\(left=0\.300, top=0\.050, width=0\.400, height=0\.200\)", labels)
    assert re.search(r"- Person \d+\.\d%\n +instance box\(", labels)  # measured: not scripted
    assert "Person 100.0% (scripted)" not in labels

    assert re.search(r"1\. ListCollections -> 200 \(0\.0\d\d s\)\n   latency 0\.05 s \[injected\] by inject_latency", throttled)
    assert re.search(r"2\. DetectFaces -> 500 ThrottlingException: Service Unavailable \[injected\] by inject_error "
                     r"\(\d\.\d{3} s\)", throttled), throttled


def test_the_annotated_image_carries_the_attributes_beside_the_box(pytester: pytest.Pytester, tmp_path: Path) -> None:
    run(pytester, DECIDED, "-p", "no:cacheprovider", f"--rekognition-artifacts={tmp_path}", "-k", "eyes")
    (png,) = tmp_path.rglob("01-DetectFaces-Image.png")
    text = section_of(run(pytester, FAILING, "-p", "no:cacheprovider", f"--rekognition-artifacts={tmp_path / 'plain'}"))
    numbers = re.search(r"left=(?P<Left>[\d.]+), top=(?P<Top>[\d.]+), width=(?P<Width>[\d.]+), height=(?P<Height>[\d.]+)", text)
    box = {k: float(v) for k, v in numbers.groupdict().items()}
    (plain,) = (tmp_path / "plain").rglob("01-DetectFaces-Image.png")
    with_attributes, without = green_pixels(png, box)[1], green_pixels(plain, box)[1]
    assert with_attributes > without + 300  # the attribute lines, in the face's colour, outside its box


def test_the_report_shown_in_pytest_md_is_what_its_example_gives(pytester: pytest.Pytester, tmp_path: Path) -> None:
    """docs/pytest.md's example test, run: its report is the one the page shows (times and
    the artifacts folder aside)."""
    page = (Path(__file__).parent.parent / "docs" / "pytest.md").read_text()
    start = page.index("# test_gate.py\n")
    source = page[start:page.index("```", start)]
    shown_start = page.index("```text\n", start) + len("```text\n")
    shown = page[shown_start:page.index("```", shown_start)]
    pytester.makepyfile(test_gate=source)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", f"--rekognition-artifacts={tmp_path}")
    result.assert_outcomes(failed=1)

    def normalised(text: str, folder: str) -> list[str]:
        text = re.sub(r"\(\d+\.\d{3} s\)", "(T s)", text.replace(folder, "FOLDER"))
        return [line for line in text.splitlines() if line.strip() and not line.startswith("---")]

    assert normalised(section_of(result), str(tmp_path)) == normalised(shown, ".pytest_cache/d/rekognition-artifacts")


def test_custom_labels_are_listed_with_their_boxes(pytester: pytest.Pytester, tmp_path: Path) -> None:
    result = run(pytester, """
        import json

        import boto3
        import rekognition_mock


        def test_the_model_sees_a_mug(rekognition_client, face_image):
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="models")
            line = {"source-ref": "s3://models/a.jpg", "c": 1,
                    "c-metadata": {"class-name": "cup", "type": "groundtruth/image-classification"}}
            s3.put_object(Bucket="models", Key="m.jsonl", Body=json.dumps(line))
            manifest = {"Assets": [{"GroundTruthManifest": {"S3Object": {"Bucket": "models", "Name": "m.jsonl"}}}]}
            project = rekognition_client.create_project(ProjectName="cups")["ProjectArn"]
            model = rekognition_client.create_project_version(
                ProjectArn=project, VersionName="v1", OutputConfig={"S3Bucket": "models"},
                TrainingData=manifest, TestingData={"AutoCreate": True})["ProjectVersionArn"]
            rekognition_mock.advance_clock(1800)
            rekognition_client.start_project_version(ProjectVersionArn=model, MinInferenceUnits=1)
            rekognition_mock.advance_clock(300)
            photo = face_image("coffee")
            box = {"Width": 0.4, "Height": 0.2, "Left": 0.3, "Top": 0.05}
            rekognition_mock.set_custom_labels(model, photo, [{"Name": "cup", "Confidence": 91.5, "Geometry": {"BoundingBox": box}}])
            found = rekognition_client.detect_custom_labels(ProjectVersionArn=model, Image={"Bytes": photo})["CustomLabels"]
            assert [label["Name"] for label in found] == ["mug"]
    """, "-p", "no:cacheprovider", f"--rekognition-artifacts={tmp_path}")
    result.assert_outcomes(failed=1)
    section = section_of(result)
    assert "DetectCustomLabels -> 200" in section
    assert re.search(r"1 label found\n +- cup 91\.5% \(scripted\)\n +instance box\(left=0\.300, top=0\.050, width=0\.400, "
                     r"height=0\.200\)", section), section
