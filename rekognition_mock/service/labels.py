"""DetectLabels and DetectModerationLabels: what the face engine can honestly say, plus
what a test author scripted.

The engine has no general object detector, so the only labels measured are the ones faces
imply: ``Person`` (one instance per face), ``Face`` and ``Head``, with AWS's taxonomy
(``Human`` is an alias of ``Person``; ``Face`` has the parents ``Head`` and ``Person``;
all three are in the category ``Person Description``). ``IMAGE_PROPERTIES`` is measured
from the pixels. Everything else comes from ``set_labels`` / ``set_moderation_labels``.
"""

from __future__ import annotations

import functools
from typing import Any

from ..vision import image_properties
from ..vision.engine import Analysis
from .exceptions import InvalidParameterException
from .shapes import number

LABEL_MODEL_VERSION = "3.0"
MODERATION_MODEL_VERSION = "7.0"
DEFAULT_MIN_CONFIDENCE = 55.0  # DetectLabels and DetectModerationLabels (current API reference)
DEFAULT_MAX_LABELS = 1000
DEFAULT_MAX_DOMINANT_COLORS = 10

# AWS's taxonomy for the labels faces imply: parents, aliases, categories.
TAXONOMY: dict[str, dict[str, list[str]]] = {
    "Person": {"Parents": [], "Aliases": ["Human"], "Categories": ["Person Description"]},
    "Head": {"Parents": ["Person"], "Aliases": [], "Categories": ["Person Description"]},
    "Face": {"Parents": ["Head", "Person"], "Aliases": [], "Categories": ["Person Description"]},
}

# The simplified colour names, each with the hue range (degrees) it covers; greys and the
# extremes of lightness are named before hue is looked at (see simplified_colour).
SIMPLIFIED_HUES = (
    ("red", 0, 15), ("orange", 15, 40), ("yellow", 40, 70), ("green", 70, 165), ("teal", 165, 195),
    ("blue", 195, 255), ("purple", 255, 290), ("pink", 290, 345), ("red", 345, 360),
)


def normalise_labels(labels: list[Any], moderation: bool = False) -> list[dict[str, Any]]:
    """Scripted labels as response dicts: a name alone gets confidence 99 and no parents."""
    if not isinstance(labels, (list, tuple)):
        raise TypeError("labels must be a list of names or of label dicts")
    out = []
    for label in labels:
        item = {"Name": label} if isinstance(label, str) else dict(label)
        if not isinstance(item.get("Name"), str) or not item["Name"]:
            raise ValueError(f"a label needs a Name: {label!r}")
        item["Confidence"] = float(item.get("Confidence", 99.0))
        if moderation:
            item.setdefault("ParentName", "")
            item.setdefault("TaxonomyLevel", 1 if not item["ParentName"] else 2)
        else:
            for key in ("Instances", "Parents", "Aliases", "Categories"):
                item.setdefault(key, [])
        out.append(item)
    return out


def face_labels(analysis: Analysis) -> list[dict[str, Any]]:
    """``Person`` (an instance per face: the face box widened to shoulders and down to the
    image's bottom edge), ``Head`` and ``Face``, with the strongest face's confidence."""
    if not analysis.faces:
        return []
    width, height = analysis.width, analysis.height
    best = max(f.confidence for f in analysis.faces)
    instances = []
    for face in analysis.faces:
        side = face.right - face.left
        left, right = max(0.0, face.left - side), min(float(width), face.right + side)
        top, bottom = max(0.0, face.top - 0.25 * (face.bottom - face.top)), float(height)
        instances.append(
            {
                "BoundingBox": {
                    "Width": number((right - left) / width),
                    "Height": number((bottom - top) / height),
                    "Left": number(left / width),
                    "Top": number(top / height),
                },
                "Confidence": number(face.confidence),
            }
        )
    labels = []
    for name in ("Person", "Head", "Face"):
        entry = TAXONOMY[name]
        labels.append(
            {
                "Name": name,
                "Confidence": number(best),
                "Instances": instances if name == "Person" else [],
                "Parents": [{"Name": n} for n in entry["Parents"]],
                "Aliases": [{"Name": n} for n in entry["Aliases"]],
                "Categories": [{"Name": n} for n in entry["Categories"]],
            }
        )
    return labels


def merge(measured: list[dict[str, Any]], scripted: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Measured labels with scripted ones added; a scripted label replaces a measured one of its name."""
    if not scripted:
        return measured
    names = {label["Name"] for label in scripted}
    return [label for label in measured if label["Name"] not in names] + scripted


def select(labels: list[dict[str, Any]], min_confidence: float, max_labels: int, settings: dict | None) -> list[dict[str, Any]]:
    """Labels at or above ``min_confidence``, through the GeneralLabels filters, strongest first."""
    general = (settings or {}).get("GeneralLabels") or {}
    include = set(general.get("LabelInclusionFilters") or [])
    exclude = set(general.get("LabelExclusionFilters") or [])
    include_categories = set(general.get("LabelCategoryInclusionFilters") or [])
    exclude_categories = set(general.get("LabelCategoryExclusionFilters") or [])
    kept = []
    for label in labels:
        categories = {c["Name"] for c in label.get("Categories", [])}
        if label["Confidence"] < min_confidence or label["Name"] in exclude or categories & exclude_categories:
            continue
        if include and label["Name"] not in include and not (categories & include_categories):
            continue
        if include_categories and not include and not categories & include_categories:
            continue
        kept.append(label)
    kept.sort(key=lambda label: label["Confidence"], reverse=True)
    return kept[:max_labels]


def moderation_labels(scripted: list[dict[str, Any]] | None, min_confidence: float) -> list[dict[str, Any]]:
    return sorted(
        (label for label in scripted or [] if label["Confidence"] >= min_confidence),
        key=lambda label: label["Confidence"],
        reverse=True,
    )


# -- IMAGE_PROPERTIES --------------------------------------------------------------------


def image_properties_of(rgb: Any, analysis: Analysis, max_colours: int) -> dict[str, Any]:
    """``ImageProperties``: quality and dominant colours of the image, its foreground (the
    faces' boxes, else the central ellipse) and its background (the rest)."""
    import numpy as np

    small = image_properties.small_copy(rgb)
    sy, sx = small.shape[0] / analysis.height, small.shape[1] / analysis.width
    boxes = [(f.left * sx, f.top * sy, f.right * sx, f.bottom * sy) for f in analysis.faces]
    mask = image_properties.foreground_mask(small.shape[:2], boxes)
    whole = image_properties.measure(small, None, max_colours)
    out = {"Quality": _quality(whole), "DominantColors": [_colour(c) for c in whole.colours]}
    for name, region in (("Foreground", mask), ("Background", ~mask)):
        if np.any(region):
            part = image_properties.measure(small, region, max_colours)
            out[name] = {"Quality": _quality(part), "DominantColors": [_colour(c) for c in part.colours]}
    return out


def _quality(props: image_properties.RegionProperties) -> dict[str, float]:
    return {"Brightness": number(props.brightness), "Sharpness": number(props.sharpness), "Contrast": number(props.contrast)}


def _colour(colour: image_properties.Colour) -> dict[str, Any]:
    r, g, b = colour.rgb
    return {
        "Red": r,
        "Blue": b,
        "Green": g,
        "HexCode": f"#{r:02x}{g:02x}{b:02x}",
        "CSSColor": css_colour(colour.rgb),
        "SimplifiedColor": simplified_colour(colour.rgb),
        "PixelPercent": number(colour.percent),
    }


@functools.cache
def _css_table() -> tuple[tuple[str, tuple[int, int, int]], ...]:
    from PIL import ImageColor

    seen: dict[tuple[int, int, int], str] = {}
    for name in sorted(ImageColor.colormap):  # the CSS named colours, as Pillow knows them
        rgb = ImageColor.getrgb(name)[:3]
        seen.setdefault(rgb, name)  # grey/gray and the like: one name per colour
    return tuple((name, rgb) for rgb, name in seen.items())


def css_colour(rgb: tuple[int, int, int]) -> str:
    """The CSS named colour nearest to ``rgb`` (Euclidean distance in RGB)."""
    return min(_css_table(), key=lambda item: sum((a - b) ** 2 for a, b in zip(item[1], rgb)))[0]


def simplified_colour(rgb: tuple[int, int, int]) -> str:
    """One of 12 simple names: black, white, grey, brown, or a hue name."""
    import colorsys

    r, g, b = (v / 255.0 for v in rgb)
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    if lightness < 0.12:
        return "black"
    if lightness > 0.92:
        return "white"
    if saturation < 0.15:
        return "grey"
    degrees = hue * 360.0
    if 15 <= degrees < 45 and lightness < 0.45:
        return "brown"
    return next(name for name, low, high in SIMPLIFIED_HUES if low <= degrees < high)


def check_features(features: list[str] | None) -> tuple[bool, bool]:
    """Whether GENERAL_LABELS and IMAGE_PROPERTIES are asked for (GENERAL_LABELS alone by default)."""
    asked = set(features or ["GENERAL_LABELS"])
    if not asked:
        raise InvalidParameterException()
    return "GENERAL_LABELS" in asked, "IMAGE_PROPERTIES" in asked
