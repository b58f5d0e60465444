"""service/labels.py: DetectLabels and DetectModerationLabels answered from the image and scripted labels."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

import imagefactory
import rekognition_mock
from helpers import expect
from shapecheck import assert_output_shape

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
COFFEE = imagefactory.fixture_bytes("coffee.jpg")


def names(response: dict[str, Any]) -> list[str]:
    return [label["Name"] for label in response["Labels"]]


def test_people_are_labelled_from_their_faces(rekognition: Any) -> None:
    response = rekognition.detect_labels(Image={"Bytes": imagefactory.two_person_composite()})
    assert_output_shape("DetectLabels", response)
    assert response["LabelModelVersion"] == "3.0"
    assert set(names(response)) == {"Person", "Head", "Face"}
    person = next(label for label in response["Labels"] if label["Name"] == "Person")
    assert len(person["Instances"]) == 2  # one per face
    assert person["Aliases"] == [{"Name": "Human"}]
    assert person["Categories"] == [{"Name": "Person Description"}]
    face = next(label for label in response["Labels"] if label["Name"] == "Face")
    assert face["Parents"] == [{"Name": "Head"}, {"Name": "Person"}] and face["Instances"] == []
    for instance in person["Instances"]:
        box = instance["BoundingBox"]
        assert 0 <= box["Left"] and box["Left"] + box["Width"] <= 1.0001 and box["Top"] + box["Height"] <= 1.0001


def test_nothing_is_invented_without_faces(rekognition: Any) -> None:
    response = rekognition.detect_labels(Image={"Bytes": COFFEE})
    assert_output_shape("DetectLabels", response)
    assert response["Labels"] == []


def test_min_confidence_max_labels_and_filters(rekognition: Any) -> None:
    rekognition_mock.set_labels(HOPPER, ["Flag", {"Name": "Uniform", "Confidence": 70.0, "Categories": [{"Name": "Apparel"}]}])
    image = {"Bytes": HOPPER}
    assert set(names(rekognition.detect_labels(Image=image))) == {"Person", "Head", "Face", "Flag", "Uniform"}
    assert "Uniform" not in names(rekognition.detect_labels(Image=image, MinConfidence=80))
    assert len(rekognition.detect_labels(Image=image, MaxLabels=2)["Labels"]) == 2
    only = rekognition.detect_labels(Image=image, Settings={"GeneralLabels": {"LabelInclusionFilters": ["Flag"]}})
    assert names(only) == ["Flag"]
    without = rekognition.detect_labels(
        Image=image, Settings={"GeneralLabels": {"LabelCategoryExclusionFilters": ["Person Description"]}}
    )
    assert set(names(without)) == {"Flag", "Uniform"}
    apparel = rekognition.detect_labels(Image=image, Settings={"GeneralLabels": {"LabelCategoryInclusionFilters": ["Apparel"]}})
    assert names(apparel) == ["Uniform"]


def test_scripted_labels_by_s3_object(rekognition: Any, s3: Any) -> None:
    s3.create_bucket(Bucket="shop")
    s3.put_object(Bucket="shop", Key="cup.jpg", Body=COFFEE)
    rekognition_mock.set_labels(("shop", "cup.jpg"), [{"Name": "Cup", "Confidence": 97.5}])
    response = rekognition.detect_labels(Image={"S3Object": {"Bucket": "shop", "Name": "cup.jpg"}})
    assert_output_shape("DetectLabels", response)
    assert [(label["Name"], label["Confidence"]) for label in response["Labels"]] == [("Cup", 97.5)]
    assert rekognition.detect_labels(Image={"Bytes": COFFEE})["Labels"] == []  # scripted for the object only


def solid(colour: tuple[int, int, int], size: tuple[int, int] = (320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def halves(left: tuple[int, int, int], right: tuple[int, int, int]) -> bytes:
    pixels = np.zeros((240, 400, 3), dtype=np.uint8)
    pixels[:, :100] = left
    pixels[:, 100:] = right  # 75% of the image
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("colour", "css", "simple"),
    [((255, 0, 0), "red", "red"), ((0, 0, 255), "blue", "blue"), ((255, 255, 255), "white", "white"),
     ((0, 0, 0), "black", "black"), ((128, 128, 128), "gray", "grey"), ((255, 165, 0), "orange", "orange")],
)
def test_image_properties_of_a_solid_colour(rekognition: Any, colour: tuple, css: str, simple: str) -> None:
    response = rekognition.detect_labels(Image={"Bytes": solid(colour)}, Features=["IMAGE_PROPERTIES"])
    assert_output_shape("DetectLabels", response)
    assert "Labels" not in response
    props = response["ImageProperties"]
    [dominant] = props["DominantColors"]
    assert (dominant["Red"], dominant["Green"], dominant["Blue"]) == colour
    assert dominant["HexCode"] == "#%02x%02x%02x" % colour
    assert dominant["CSSColor"] == css and dominant["SimplifiedColor"] == simple
    assert dominant["PixelPercent"] == 100
    expected = (0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]) / 255 * 100
    assert props["Quality"]["Brightness"] == pytest.approx(expected, abs=0.5)
    assert props["Quality"]["Contrast"] == 0 and props["Quality"]["Sharpness"] == 0


def test_dominant_colours_have_their_shares(rekognition: Any) -> None:
    response = rekognition.detect_labels(
        Image={"Bytes": halves((0, 128, 0), (255, 255, 0))}, Features=["IMAGE_PROPERTIES"],
        Settings={"ImageProperties": {"MaxDominantColors": 5}},
    )
    colours = response["ImageProperties"]["DominantColors"]
    assert [(c["SimplifiedColor"], round(c["PixelPercent"])) for c in colours] == [("yellow", 75), ("green", 25)]
    assert response["ImageProperties"]["Quality"]["Contrast"] > 30
    assert set(response["ImageProperties"]) == {"Quality", "DominantColors", "Foreground", "Background"}


def test_foreground_is_the_faces(rekognition: Any) -> None:
    both = rekognition.detect_labels(Image={"Bytes": HOPPER}, Features=["GENERAL_LABELS", "IMAGE_PROPERTIES"])
    assert_output_shape("DetectLabels", both)
    assert "Person" in names(both)
    props = both["ImageProperties"]
    assert props["Foreground"]["Quality"]["Brightness"] != props["Background"]["Quality"]["Brightness"]


def test_moderation_labels_are_scripted_only(rekognition: Any) -> None:
    empty = rekognition.detect_moderation_labels(Image={"Bytes": HOPPER})
    assert_output_shape("DetectModerationLabels", empty)
    assert empty["ModerationLabels"] == [] and empty["ModerationModelVersion"]
    rekognition_mock.set_moderation_labels(HOPPER, [{"Name": "Smoking", "Confidence": 60.0}, "Weapons"])
    response = rekognition.detect_moderation_labels(Image={"Bytes": HOPPER})
    assert_output_shape("DetectModerationLabels", response)
    assert [label["Name"] for label in response["ModerationLabels"]] == ["Weapons", "Smoking"]
    assert [label["Name"] for label in rekognition.detect_moderation_labels(Image={"Bytes": HOPPER}, MinConfidence=70)["ModerationLabels"]] == ["Weapons"]


def test_bad_images_get_the_usual_errors(rekognition: Any) -> None:
    expect(rekognition, "InvalidImageFormatException", lambda: rekognition.detect_labels(Image={"Bytes": b"not an image"}))
    expect(rekognition, "InvalidImageFormatException",
           lambda: rekognition.detect_moderation_labels(Image={"Bytes": b"not an image"}))


def test_scripted_labels_need_a_name() -> None:
    with pytest.raises(ValueError):
        rekognition_mock.set_labels(HOPPER, [{"Confidence": 90}])
    with pytest.raises(TypeError):
        rekognition_mock.set_labels("not bytes", ["Flag"])
    rekognition_mock.reset_controls()
