"""service/labels.py: DetectLabels and DetectModerationLabels answered from the image and scripted labels."""

from __future__ import annotations

import re

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
    assert names(response) == ["Face", "Head", "Person"]  # equal confidences: by name, as AWS orders them
    person = next(label for label in response["Labels"] if label["Name"] == "Person")
    assert len(person["Instances"]) == 2  # one per face
    assert person["Aliases"] == [{"Name": "Human"}] and person["Parents"] == []
    assert person["Categories"] == [{"Name": "Person Description"}]
    assert person["Confidence"] == max(i["Confidence"] for i in person["Instances"])
    face = next(label for label in response["Labels"] if label["Name"] == "Face")
    assert face["Parents"] == [{"Name": "Head"}, {"Name": "Person"}] and face["Instances"] == []
    head = next(label for label in response["Labels"] if label["Name"] == "Head")
    assert head["Parents"] == [{"Name": "Person"}]
    faces = rekognition.detect_faces(Image={"Bytes": imagefactory.two_person_composite()})["FaceDetails"]
    for instance in person["Instances"]:
        box = instance["BoundingBox"]
        assert instance["DominantColors"] == []  # filled only when IMAGE_PROPERTIES is asked for
        assert 0 <= box["Left"] and box["Left"] + box["Width"] <= 1.0001 and box["Top"] + box["Height"] <= 1.0001
        # each person box holds one detected face, and reaches the bottom of the image
        holds = [f for f in faces if box["Left"] <= f["BoundingBox"]["Left"]
                 and f["BoundingBox"]["Left"] + f["BoundingBox"]["Width"] <= box["Left"] + box["Width"] + 1e-6]
        assert len(holds) == 1 and box["Top"] <= holds[0]["BoundingBox"]["Top"]
        assert box["Top"] + box["Height"] == pytest.approx(1.0, abs=1e-5)


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
     ((0, 0, 0), "black", "black"), ((255, 165, 0), "orange", "orange"),
     # names and simplified names as AWS's responses show them for these colours
     ((128, 128, 128), "gray", "grey"), ((47, 79, 79), "darkslategrey", "grey"), ((105, 105, 105), "dimgrey", "grey"),
     ((85, 107, 47), "darkolivegreen", "green")],
)
def test_image_properties_of_a_solid_colour(rekognition: Any, colour: tuple, css: str, simple: str) -> None:
    response = rekognition.detect_labels(Image={"Bytes": solid(colour)}, Features=["IMAGE_PROPERTIES"])
    assert_output_shape("DetectLabels", response)
    assert "Labels" not in response and response["LabelModelVersion"] == "3.0"
    props = response["ImageProperties"]
    [dominant] = props["DominantColors"]
    assert (dominant["Red"], dominant["Green"], dominant["Blue"]) == colour
    assert dominant["HexCode"] == "#%02x%02x%02x" % colour
    assert dominant["CSSColor"] == css and dominant["SimplifiedColor"] == simple
    assert dominant["PixelPercent"] == 100
    expected = (0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]) / 255 * 100
    assert props["Quality"]["Brightness"] == pytest.approx(expected, abs=0.5)
    assert props["Quality"]["Contrast"] == 0 and props["Quality"]["Sharpness"] == 0
    for part in ("Foreground", "Background"):  # no face: the central ellipse and the rest
        assert set(props[part]["Quality"]) == {"Brightness", "Sharpness"}  # AWS gives contrast for the whole only
        assert props[part]["Quality"]["Brightness"] == pytest.approx(expected, abs=0.5)
        assert props[part]["DominantColors"] == [dominant]


def test_a_colour_is_reported_as_its_nearest_css_colour(rekognition: Any) -> None:
    """AWS reports the named colour's own RGB values, not the pixels'."""
    [dominant] = rekognition.detect_labels(Image={"Bytes": solid((250, 12, 8))}, Features=["IMAGE_PROPERTIES"])[
        "ImageProperties"]["DominantColors"]
    assert (dominant["Red"], dominant["Green"], dominant["Blue"], dominant["HexCode"]) == (255, 0, 0, "#ff0000")
    assert (dominant["CSSColor"], dominant["SimplifiedColor"]) == ("red", "red")


def test_dominant_colours_have_their_shares(rekognition: Any) -> None:
    response = rekognition.detect_labels(
        Image={"Bytes": halves((0, 128, 0), (255, 255, 0))}, Features=["IMAGE_PROPERTIES"],
        Settings={"ImageProperties": {"MaxDominantColors": 5}},
    )
    colours = response["ImageProperties"]["DominantColors"]
    assert [(c["CSSColor"], c["SimplifiedColor"], round(c["PixelPercent"])) for c in colours] == [
        ("yellow", "yellow", 75), ("green", "green", 25)]
    assert response["ImageProperties"]["Quality"]["Contrast"] > 30
    assert response["ImageProperties"]["Quality"]["Sharpness"] > 0  # one sharp edge
    assert set(response["ImageProperties"]) == {"Quality", "DominantColors", "Foreground", "Background"}
    one = rekognition.detect_labels(Image={"Bytes": halves((0, 128, 0), (255, 255, 0))}, Features=["IMAGE_PROPERTIES"],
                                    Settings={"ImageProperties": {"MaxDominantColors": 1}})["ImageProperties"]
    assert [c["CSSColor"] for c in one["DominantColors"]] == ["yellow"]
    assert all(len(one[part]["DominantColors"]) <= 1 for part in ("Foreground", "Background"))


def centre_and_surround(centre: int, surround: int) -> bytes:
    """A grey image whose middle (a centred square of half the sides) is ``centre`` and the rest ``surround``."""
    pixels = np.full((240, 320, 3), surround, dtype=np.uint8)
    pixels[60:180, 80:240] = centre
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def test_without_faces_the_foreground_is_the_middle(rekognition: Any) -> None:
    props = rekognition.detect_labels(Image={"Bytes": centre_and_surround(30, 220)},
                                      Features=["IMAGE_PROPERTIES"])["ImageProperties"]
    assert props["Foreground"]["Quality"]["Brightness"] < props["Background"]["Quality"]["Brightness"] - 30
    assert props["Background"]["Quality"]["Brightness"] == pytest.approx(220 / 255 * 100, abs=0.5)
    assert props["Foreground"]["DominantColors"][0]["SimplifiedColor"] == "black"  # grey 30 is nearest black
    assert props["Background"]["DominantColors"][0]["CSSColor"] == "gainsboro"  # grey 220


def test_foreground_is_the_people(rekognition: Any) -> None:
    both = rekognition.detect_labels(Image={"Bytes": HOPPER}, Features=["GENERAL_LABELS", "IMAGE_PROPERTIES"],
                                     Settings={"ImageProperties": {"MaxDominantColors": 3}})
    assert_output_shape("DetectLabels", both)
    props = both["ImageProperties"]
    assert props["Foreground"]["Quality"]["Brightness"] != props["Background"]["Quality"]["Brightness"]
    [person] = [label for label in both["Labels"] if label["Name"] == "Person"]
    [instance] = person["Instances"]
    assert 1 <= len(instance["DominantColors"]) <= 3  # the person's own colours
    assert sum(c["PixelPercent"] for c in instance["DominantColors"]) <= 100.0001
    assert all(len(props[part]["DominantColors"]) <= 3 for part in ("Foreground", "Background"))
    none = rekognition.detect_labels(Image={"Bytes": HOPPER}, Features=["IMAGE_PROPERTIES", "GENERAL_LABELS"],
                                     Settings={"ImageProperties": {"MaxDominantColors": 0}})
    assert none["ImageProperties"]["DominantColors"] == []


def test_moderation_labels_are_scripted_only(rekognition: Any) -> None:
    """Scripted moderation labels take their place in AWS's taxonomy (version 7) and bring
    their ancestors: "The list includes the top-level label and each child label detected
    in the image" (DetectModerationLabelsResponse in the API reference)."""
    empty = rekognition.detect_moderation_labels(Image={"Bytes": HOPPER})
    assert_output_shape("DetectModerationLabels", empty)
    assert empty["ModerationLabels"] == [] and empty["ModerationModelVersion"] == "7.0" and empty["ContentTypes"] == []
    rekognition_mock.set_moderation_labels(HOPPER, [{"Name": "Smoking", "Confidence": 52.0}, "weapons"])
    response = rekognition.detect_moderation_labels(Image={"Bytes": HOPPER})
    assert_output_shape("DetectModerationLabels", response)
    assert [(label["Name"], label["ParentName"], label["TaxonomyLevel"], label["Confidence"])
            for label in response["ModerationLabels"]] == [
        ("Weapons", "Violence", 2, 99.0), ("Violence", "", 1, 99.0),  # the name as AWS spells it
        ("Smoking", "Drugs & Tobacco Paraphernalia & Use", 3, 52.0),  # 52 passes the default MinConfidence of 50
        ("Drugs & Tobacco Paraphernalia & Use", "Drugs & Tobacco", 2, 52.0), ("Drugs & Tobacco", "", 1, 52.0)]
    stricter = rekognition.detect_moderation_labels(Image={"Bytes": HOPPER}, MinConfidence=55)
    assert [label["Name"] for label in stricter["ModerationLabels"]] == ["Weapons", "Violence"]


def test_a_scripted_ancestor_keeps_its_own_confidence(rekognition: Any) -> None:
    rekognition_mock.set_moderation_labels(HOPPER, [{"Name": "Alcohol", "Confidence": 60.0}, "Drinking",
                                                    {"Name": "Alcoholic Beverages", "Confidence": 80.0}])
    labels = rekognition.detect_moderation_labels(Image={"Bytes": HOPPER})["ModerationLabels"]
    assert [(label["Name"], label["Confidence"]) for label in labels] == [
        ("Drinking", 99.0), ("Alcohol Use", 99.0), ("Alcoholic Beverages", 80.0), ("Alcohol", 60.0)]


@pytest.mark.parametrize(("label", "message"), [
    ("Suggestive", "'Suggestive' is not in AWS's moderation taxonomy (version 7); the top-level names are 'Explicit'"),
    ("Weapon", "did you mean 'Weapons' or 'Weapon Violence'?"),
    ({"Name": "Smoking", "ParentName": "Drugs & Tobacco"},
     "'Smoking' has ParentName 'Drugs & Tobacco Paraphernalia & Use' in AWS's moderation taxonomy, not 'Drugs & Tobacco'"),
    ({"Name": "Weapons", "TaxonomyLevel": 1}, "'Weapons' has TaxonomyLevel 2"),
])
def test_moderation_labels_outside_the_taxonomy_are_refused(label: Any, message: str) -> None:
    """A name AWS never answers (a typo, or a version-6 name such as Suggestive) would let a
    test pass here that can never see that label on AWS."""
    with pytest.raises(ValueError, match=re.escape(message)):
        rekognition_mock.set_moderation_labels(HOPPER, [label])


def test_bad_images_get_the_usual_errors(rekognition: Any) -> None:
    expect(rekognition, "InvalidImageFormatException", lambda: rekognition.detect_labels(Image={"Bytes": b"not an image"}))
    expect(rekognition, "InvalidImageFormatException",
           lambda: rekognition.detect_moderation_labels(Image={"Bytes": b"not an image"}))


def test_scripted_labels_by_bytes_get_the_response_shape(rekognition: Any) -> None:
    rekognition_mock.set_labels(COFFEE, ["Cup", {"Name": "Saucer", "Confidence": 60,
                                                 "Instances": [{"BoundingBox": {"Width": 0.5, "Height": 0.2, "Left": 0.1, "Top": 0.7}}]}])
    response = rekognition.detect_labels(Image={"Bytes": COFFEE})
    assert_output_shape("DetectLabels", response)
    cup, saucer = response["Labels"]
    assert cup == {"Name": "Cup", "Confidence": 99.0, "Instances": [], "Parents": [], "Aliases": [], "Categories": []}
    assert saucer["Instances"] == [{"BoundingBox": {"Width": 0.5, "Height": 0.2, "Left": 0.1, "Top": 0.7},
                                    "Confidence": 60.0, "DominantColors": []}]
    assert names(rekognition.detect_labels(Image={"Bytes": COFFEE}, MinConfidence=70)) == ["Cup"]  # 60 < 70


def test_scripted_labels_need_a_name() -> None:
    with pytest.raises(ValueError):
        rekognition_mock.set_labels(HOPPER, [{"Confidence": 90}])
    with pytest.raises(ValueError):
        rekognition_mock.set_labels(HOPPER, [{"Name": "Flag", "Confidence": 190}])
    with pytest.raises(TypeError):
        rekognition_mock.set_labels("not bytes", ["Flag"])
    rekognition_mock.reset_controls()
