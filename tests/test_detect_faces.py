"""DetectFaces, answered by the real face engine on the fixture photos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from moto import mock_aws

import imagefactory
import rekognition_mock  # noqa: F401  (plugs the engine into moto's mock_aws)
from rekognition_mock import mock_rekognition
from shapecheck import assert_output_shape

FIXTURES = Path(__file__).resolve().parents[1] / "rekognition_mock" / "photos"
HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")
COFFEE = imagefactory.face_free()

HOPPER_WIDTH, HOPPER_HEIGHT = 512, 600
HOPPER_FACE = imagefactory.GRACE_HOPPER_FACE  # (180, 139, 366, 325) in pixels
ASTRONAUT_FACE = (175, 76, 265, 166)  # rekognition_mock/photos/README.md, in a 512×512 image

_MODEL = botocore.session.get_session().get_service_model("rekognition")
ALL_FACE_DETAIL_KEYS = set(_MODEL.shape_for("FaceDetail").members)
ALL_LANDMARK_TYPES = set(_MODEL.shape_for("LandmarkType").enum)
DEFAULT_KEYS = {"BoundingBox", "Landmarks", "Pose", "Quality", "Confidence"}
DEFAULT_LANDMARKS = {"eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight"}
# DetectFaces attribute name -> the FaceDetail key it adds (AWS documentation).
ATTRIBUTE_KEYS = {
    "AGE_RANGE": "AgeRange",
    "BEARD": "Beard",
    "EMOTIONS": "Emotions",
    "EYE_DIRECTION": "EyeDirection",
    "EYEGLASSES": "Eyeglasses",
    "EYES_OPEN": "EyesOpen",
    "GENDER": "Gender",
    "MOUTH_OPEN": "MouthOpen",
    "MUSTACHE": "Mustache",
    "FACE_OCCLUDED": "FaceOccluded",
    "SMILE": "Smile",
    "SUNGLASSES": "Sunglasses",
}


# --- helpers ---------------------------------------------------------------------------


def pixel_box(box: dict[str, float], width: int, height: int) -> tuple[float, float, float, float]:
    """A response BoundingBox as (left, top, right, bottom) pixels."""
    left, top = box["Left"] * width, box["Top"] * height
    return left, top, left + box["Width"] * width, top + box["Height"] * height


def centre(box: tuple[float, float, float, float]) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def assert_near_box(
    got: tuple[float, float, float, float], want: tuple[float, float, float, float], tol: float
) -> None:
    """Centres within ``tol`` pixels; sides between 0.75x and 1.4x the reference.

    The reference boxes are dlib's detector boxes (rekognition_mock/photos/README.md), a tight square
    from brows to lips; Rekognition's box is a little larger (forehead, jaw, chin).
    """
    (gx, gy), (wx, wy) = centre(got), centre(want)
    assert abs(gx - wx) <= tol and abs(gy - wy) <= tol, f"centre {gx, gy} not near {wx, wy}"
    for g, w in ((got[2] - got[0], want[2] - want[0]), (got[3] - got[1], want[3] - want[1])):
        assert 0.75 * w <= g <= 1.4 * w, f"side {g} not near {w}"


def assert_features_inside(face: dict[str, Any]) -> None:
    """The eyes, nose and mouth lie inside the face's bounding box."""
    left, top, right, bottom = pixel_box(face["BoundingBox"], 1, 1)
    points = landmark_map(face)
    for name in DEFAULT_LANDMARKS:
        x, y = points[name]
        assert left < x < right and top < y < bottom, f"{name} ({x}, {y}) outside the box"


def assert_hopper_face(response: dict[str, Any]) -> dict[str, Any]:
    """Exactly one face, where Grace Hopper's face is; returns the FaceDetail."""
    assert_output_shape("DetectFaces", response)
    faces = response["FaceDetails"]
    assert len(faces) == 1
    box = pixel_box(faces[0]["BoundingBox"], HOPPER_WIDTH, HOPPER_HEIGHT)
    assert_near_box(box, HOPPER_FACE, tol=20)
    assert_features_inside(faces[0])
    return faces[0]


def landmark_map(face: dict[str, Any]) -> dict[str, tuple[float, float]]:
    return {lm["Type"]: (lm["X"], lm["Y"]) for lm in face["Landmarks"]}


def boxes_overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# --- the README example ----------------------------------------------------------------


@mock_rekognition
def test_detect_faces_finds_grace_hopper() -> None:
    client = boto3.client("rekognition", region_name="us-east-1")
    with open(FIXTURES / "grace_hopper.jpg", "rb") as photo:
        response = client.detect_faces(Image={"Bytes": photo.read()})

    assert len(response["FaceDetails"]) == 1
    face = response["FaceDetails"][0]
    assert face["Confidence"] >= 99

    # The box is where the face is: about (180, 139)–(366, 325) in the 512×600 photo.
    box = face["BoundingBox"]
    centre_x = (box["Left"] + box["Width"] / 2) * 512
    centre_y = (box["Top"] + box["Height"] / 2) * 600
    assert abs(centre_x - 273) < 20 and abs(centre_y - 232) < 20

    # Eyes above the mouth, the left eye (as seen in the image) left of the right one.
    points = {lm["Type"]: lm for lm in face["Landmarks"]}
    assert points["eyeLeft"]["X"] < points["eyeRight"]["X"]
    eyes_y = max(points["eyeLeft"]["Y"], points["eyeRight"]["Y"])
    assert eyes_y < points["mouthLeft"]["Y"] and eyes_y < points["mouthRight"]["Y"]
    assert points["eyeLeft"]["X"] < points["nose"]["X"] < points["eyeRight"]["X"]
    assert eyes_y < points["nose"]["Y"] < min(points["mouthLeft"]["Y"], points["mouthRight"]["Y"])
    assert_output_shape("DetectFaces", response)


# --- attributes ------------------------------------------------------------------------


def test_default_attributes(rekognition: Any) -> None:
    response = rekognition.detect_faces(Image={"Bytes": HOPPER})
    face = assert_hopper_face(response)
    assert set(face) == DEFAULT_KEYS
    assert [lm["Type"] for lm in face["Landmarks"]] and set(landmark_map(face)) == DEFAULT_LANDMARKS
    assert len(face["Landmarks"]) == 5
    assert set(face["Pose"]) == {"Roll", "Yaw", "Pitch"}
    assert set(face["Quality"]) == {"Brightness", "Sharpness"}
    # Landmarks and quality are ratios / 0–100 scores.
    for x, y in landmark_map(face).values():
        assert 0 < x < 1 and 0 < y < 1
    assert 0 < face["Quality"]["Brightness"] <= 100 and 0 < face["Quality"]["Sharpness"] <= 100


@pytest.mark.parametrize("attributes", [[], ["DEFAULT"]], ids=["empty", "DEFAULT"])
def test_explicit_default_is_default(rekognition: Any, attributes: list[str]) -> None:
    response = rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=attributes)
    face = assert_hopper_face(response)
    assert set(face) == DEFAULT_KEYS
    assert set(landmark_map(face)) == DEFAULT_LANDMARKS


@pytest.mark.parametrize("attributes", [["ALL"], ["ALL", "DEFAULT"], ["DEFAULT", "ALL"]])
def test_all_attributes(rekognition: Any, attributes: list[str]) -> None:
    response = rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=attributes)
    face = assert_hopper_face(response)
    assert len(ALL_FACE_DETAIL_KEYS) == 17
    assert set(face) == ALL_FACE_DETAIL_KEYS
    assert len(face["Landmarks"]) == 30
    assert set(landmark_map(face)) == ALL_LANDMARK_TYPES
    assert face["AgeRange"]["Low"] <= face["AgeRange"]["High"]
    assert face["Gender"]["Value"] in ("Male", "Female")
    confidences = [e["Confidence"] for e in face["Emotions"]]
    assert len({e["Type"] for e in face["Emotions"]}) == len(face["Emotions"]) >= 1
    assert all(0 <= c <= 100 for c in confidences)
    # Grace Hopper's portrait: eyes open, no sunglasses.
    assert face["EyesOpen"]["Value"] is True
    assert face["Sunglasses"]["Value"] is False


def test_all_landmarks_are_geometrically_sane(rekognition: Any) -> None:
    face = assert_hopper_face(rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=["ALL"]))
    p = landmark_map(face)
    assert p["leftEyeLeft"][0] < p["leftEyeRight"][0] < p["rightEyeLeft"][0] < p["rightEyeRight"][0]
    assert p["leftEyeBrowUp"][1] < p["leftEyeUp"][1] < p["leftEyeDown"][1]
    assert p["rightEyeBrowUp"][1] < p["rightEyeUp"][1] < p["rightEyeDown"][1]
    assert p["noseLeft"][0] < p["nose"][0] < p["noseRight"][0]
    assert p["mouthUp"][1] < p["mouthDown"][1] < p["chinBottom"][1]
    assert p["upperJawlineLeft"][0] < p["midJawlineLeft"][0] < p["chinBottom"][0]
    assert p["chinBottom"][0] < p["midJawlineRight"][0] < p["upperJawlineRight"][0]
    # Every landmark lies inside (or very near) the face box.
    left, top, right, bottom = pixel_box(face["BoundingBox"], 1, 1)
    for x, y in p.values():
        assert left - 0.05 < x < right + 0.05 and top - 0.05 < y < bottom + 0.05


def test_pupils_are_the_eye_centres(rekognition: Any) -> None:
    """AWS gives leftPupil and rightPupil the very X and Y of eyeLeft and eyeRight (three real
    DetectFaces responses with ALL captured in class-dojo/backend's tests/testResponse.ts
    repeat them to the last digit)."""
    response = rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=["ALL"])
    [face] = response["FaceDetails"]
    points = {mark["Type"]: (mark["X"], mark["Y"]) for mark in face["Landmarks"]}
    assert points["leftPupil"] == points["eyeLeft"] and points["rightPupil"] == points["eyeRight"]


@pytest.mark.parametrize("attribute", sorted(ATTRIBUTE_KEYS))
def test_single_attribute_adds_only_its_key(rekognition: Any, attribute: str) -> None:
    response = rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=[attribute])
    face = assert_hopper_face(response)
    assert set(face) == DEFAULT_KEYS | {ATTRIBUTE_KEYS[attribute]}
    assert set(landmark_map(face)) == DEFAULT_LANDMARKS


def test_attribute_with_default(rekognition: Any) -> None:
    response = rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=["DEFAULT", "EMOTIONS", "SMILE"])
    face = assert_hopper_face(response)
    assert set(face) == DEFAULT_KEYS | {"Emotions", "Smile"}


# --- which faces are found --------------------------------------------------------------


def test_astronaut_has_exactly_one_face(rekognition: Any) -> None:
    # dlib's HOG gives the mission patch a weak hit; it must not be reported.
    response = rekognition.detect_faces(Image={"Bytes": ASTRONAUT})
    assert_output_shape("DetectFaces", response)
    faces = response["FaceDetails"]
    assert len(faces) == 1
    assert_near_box(pixel_box(faces[0]["BoundingBox"], 512, 512), ASTRONAUT_FACE, tol=20)
    assert_features_inside(faces[0])
    assert faces[0]["Confidence"] >= 99


def test_photo_without_a_face(rekognition: Any) -> None:
    response = rekognition.detect_faces(Image={"Bytes": COFFEE}, Attributes=["ALL"])
    assert_output_shape("DetectFaces", response)
    assert response["FaceDetails"] == []


def test_two_people_largest_first(rekognition: Any) -> None:
    response = rekognition.detect_faces(Image={"Bytes": imagefactory.two_person_composite()})
    assert_output_shape("DetectFaces", response)
    faces = response["FaceDetails"]
    assert len(faces) == 2
    boxes = [pixel_box(f["BoundingBox"], 1, 1) for f in faces]
    assert not boxes_overlap(boxes[0], boxes[1])
    areas = [f["BoundingBox"]["Width"] * f["BoundingBox"]["Height"] for f in faces]
    assert areas[0] > areas[1]
    # Grace Hopper (right half, the larger face) first; the astronaut (left half) second.
    assert centre(boxes[0])[0] > 0.5 > centre(boxes[1])[0]
    assert all(f["Confidence"] >= 99 for f in faces)


@pytest.mark.parametrize("orientation", [6, 8])
def test_exif_orientation_is_applied(rekognition: Any, orientation: int) -> None:
    upright = assert_hopper_face(rekognition.detect_faces(Image={"Bytes": HOPPER}))["BoundingBox"]
    response = rekognition.detect_faces(Image={"Bytes": imagefactory.exif_rotated(orientation=orientation)})
    face = assert_hopper_face(response)  # box in the upright 512×600 image's coordinates
    for key in ("Left", "Top", "Width", "Height"):
        assert face["BoundingBox"][key] == pytest.approx(upright[key], abs=0.03)
    points = landmark_map(face)
    assert points["eyeLeft"][0] < points["eyeRight"][0] and points["eyeLeft"][1] < points["mouthLeft"][1]
    assert abs(face["Pose"]["Roll"]) < 15


@pytest.mark.parametrize(
    "builder",
    [imagefactory.rgba_png, imagefactory.grayscale_png, imagefactory.png16],
    ids=["rgba-png", "greyscale-png", "16-bit-png"],
)
def test_png_variants(rekognition: Any, builder: Any) -> None:
    face = assert_hopper_face(rekognition.detect_faces(Image={"Bytes": builder()}))
    assert face["Confidence"] >= 99
    assert 30 < face["Quality"]["Brightness"] < 80


@pytest.mark.parametrize("outside", [0.2, 0.3], ids=["20%-outside", "30%-outside"])
def test_face_cut_by_the_left_edge(rekognition: Any, outside: float) -> None:
    # grace_hopper.jpg cropped so that part of the face lies left of the image.
    data = imagefactory.face_cut_by_left_edge(outside)
    left, _, right, _ = HOPPER_FACE
    cut = round(left + (right - left) * outside)
    width = HOPPER_WIDTH - cut
    response = rekognition.detect_faces(Image={"Bytes": data})
    assert_output_shape("DetectFaces", response)
    faces = response["FaceDetails"]
    assert len(faces) == 1, f"the face with {outside:.0%} outside the image was not found"
    box = faces[0]["BoundingBox"]
    # AWS reports the whole face: its box starts left of the image (negative Left).
    assert box["Left"] < 0
    # The visible part is inside the box; the face's right edge (x=366 in the
    # original) is (366 - cut) px into the crop.
    assert (box["Left"] + box["Width"]) * width == pytest.approx(right - cut, abs=40)


# --- S3 input ---------------------------------------------------------------------------


def test_s3_object(rekognition: Any, s3: Any) -> None:
    s3.create_bucket(Bucket="portraits")
    s3.put_object(Bucket="portraits", Key="people/hopper.jpg", Body=HOPPER)
    response = rekognition.detect_faces(Image={"S3Object": {"Bucket": "portraits", "Name": "people/hopper.jpg"}})
    assert_hopper_face(response)


def test_s3_object_version(rekognition: Any, s3: Any) -> None:
    s3.create_bucket(Bucket="versioned")
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket="versioned", Key="photo.jpg", Body=HOPPER)["VersionId"]
    second = s3.put_object(Bucket="versioned", Key="photo.jpg", Body=COFFEE)["VersionId"]
    assert first != second

    old = rekognition.detect_faces(Image={"S3Object": {"Bucket": "versioned", "Name": "photo.jpg", "Version": first}})
    assert_hopper_face(old)
    latest = rekognition.detect_faces(Image={"S3Object": {"Bucket": "versioned", "Name": "photo.jpg"}})
    assert_output_shape("DetectFaces", latest)
    assert latest["FaceDetails"] == []
    explicit = rekognition.detect_faces(
        Image={"S3Object": {"Bucket": "versioned", "Name": "photo.jpg", "Version": second}}
    )
    assert_output_shape("DetectFaces", explicit)
    assert explicit["FaceDetails"] == []


# --- ways of turning the mock on -------------------------------------------------------


@mock_aws
def test_plain_mock_aws_reaches_the_engine() -> None:
    # moto has no DetectFaces of its own; after ``import rekognition_mock`` mock_aws
    # answers with the engine, which looks at the pixels.
    client = boto3.client("rekognition", region_name="us-east-1")
    assert_hopper_face(client.detect_faces(Image={"Bytes": HOPPER}))
    assert client.detect_faces(Image={"Bytes": COFFEE})["FaceDetails"] == []


def test_mock_rekognition_as_context_manager() -> None:
    with mock_rekognition():
        client = boto3.client("rekognition", region_name="eu-west-1")
        assert_hopper_face(client.detect_faces(Image={"Bytes": HOPPER}))


@mock_rekognition
class TestClassDecorator:
    """``@mock_rekognition`` on a class mocks each of its test methods."""

    def test_face(self) -> None:
        client = boto3.client("rekognition", region_name="us-east-1")
        assert_hopper_face(client.detect_faces(Image={"Bytes": HOPPER}))

    def test_no_face_from_s3(self) -> None:
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="cups")
        boto3.client("s3", region_name="us-east-1").put_object(Bucket="cups", Key="c.jpg", Body=COFFEE)
        client = boto3.client("rekognition", region_name="us-east-1")
        response = client.detect_faces(Image={"S3Object": {"Bucket": "cups", "Name": "c.jpg"}})
        assert_output_shape("DetectFaces", response)
        assert response["FaceDetails"] == []
