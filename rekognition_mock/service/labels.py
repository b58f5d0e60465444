"""DetectLabels and DetectModerationLabels: what the face engine can honestly say, plus
what a test author scripted.

The engine has no general object detector, so the only labels measured are the ones faces
imply: ``Person`` (one instance per face), ``Head`` and ``Face``, with AWS's taxonomy
(:data:`TAXONOMY`). ``IMAGE_PROPERTIES`` is measured from the pixels. Everything else
comes from ``set_labels`` / ``set_moderation_labels``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..vision import image_properties
from ..vision.engine import Analysis
from . import moderation as moderation_labels
from .colours import dominant_colour, palette
from .limits import (
    DEFAULT_LABEL_MIN_CONFIDENCE,
    DEFAULT_MAX_DOMINANT_COLORS,
    DEFAULT_MODERATION_MIN_CONFIDENCE,
    LABEL_MODEL_VERSION,
    MAX_LABELS,
    MODERATION_MODEL_VERSION,
)
from .shapes import number

# AWS's taxonomy for the labels faces imply (as DetectLabels answers them): parents,
# aliases, categories. "Human" is an alias of "Person", not a label of its own.
TAXONOMY: dict[str, dict[str, list[str]]] = {
    "Person": {"Parents": [], "Aliases": ["Human"], "Categories": ["Person Description"]},
    "Head": {"Parents": ["Person"], "Aliases": [], "Categories": ["Person Description"]},
    "Face": {"Parents": ["Head", "Person"], "Aliases": [], "Categories": ["Person Description"]},
}
SCRIPTED_CONFIDENCE = 99.0  # a scripted label given without a Confidence

Box = tuple[float, float, float, float]  # left, top, right, bottom in image pixels


def normalise_labels(labels: list[Any], moderation: bool = False) -> list[dict[str, Any]]:
    """Scripted labels as response dicts: a name alone gets confidence 99, empty lists for
    the members it does not give, and (moderation) its place in AWS's moderation taxonomy
    with its ancestors (:func:`moderation.with_ancestors`); a name outside it is refused."""
    if not isinstance(labels, (list, tuple)):
        raise TypeError("labels must be a list of names or of label dicts")
    out = []
    for label in labels:
        item = {"Name": label} if isinstance(label, str) else dict(label) if isinstance(label, dict) else None
        if item is None or not isinstance(item.get("Name"), str) or not item["Name"]:
            raise ValueError(f"a label is a name or a dict with a Name: {label!r}")
        confidence = item.get("Confidence", SCRIPTED_CONFIDENCE)
        if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 <= confidence <= 100:
            raise ValueError(f"a label's Confidence is a number from 0 to 100: {label!r}")
        item["Confidence"] = float(confidence)
        if not moderation:
            for key in ("Instances", "Parents", "Aliases", "Categories"):
                item.setdefault(key, [])
            item["Instances"] = [
                {"Confidence": item["Confidence"], "DominantColors": [], **instance} for instance in item["Instances"]
            ]
        out.append(item)
    return moderation_labels.with_ancestors(out) if moderation else out


def person_boxes(analysis: Analysis) -> list[Box]:
    """One box per face for the person it belongs to: the face box widened by a face width
    on each side, raised by a quarter of its height, down to the image's bottom edge."""
    boxes = []
    for face in analysis.faces:
        side = face.right - face.left
        boxes.append((
            max(0.0, face.left - side),
            max(0.0, face.top - 0.25 * (face.bottom - face.top)),
            min(float(analysis.width), face.right + side),
            float(analysis.height),
        ))
    return boxes


def face_labels(analysis: Analysis) -> list[dict[str, Any]]:
    """``Person`` (an instance per face, see :func:`person_boxes`), ``Head`` and ``Face``,
    with the strongest face's confidence; none without a face."""
    if not analysis.faces:
        return []
    width, height = analysis.width, analysis.height
    best = max(f.confidence for f in analysis.faces)
    instances = [
        {
            "BoundingBox": {
                "Width": number((right - left) / width),
                "Height": number((bottom - top) / height),
                "Left": number(left / width),
                "Top": number(top / height),
            },
            "Confidence": number(face.confidence),
            "DominantColors": [],
        }
        for face, (left, top, right, bottom) in zip(analysis.faces, person_boxes(analysis))
    ]
    return [
        {
            "Name": name,
            "Confidence": number(best),
            "Instances": instances if name == "Person" else [],
            "Parents": [{"Name": n} for n in TAXONOMY[name]["Parents"]],
            "Aliases": [{"Name": n} for n in TAXONOMY[name]["Aliases"]],
            "Categories": [{"Name": n} for n in TAXONOMY[name]["Categories"]],
        }
        for name in ("Person", "Head", "Face")
    ]


def merge(measured: list[dict[str, Any]], scripted: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Measured labels with scripted ones added; a scripted label replaces a measured one of its name."""
    if not scripted:
        return measured
    names = {label["Name"] for label in scripted}
    return [label for label in measured if label["Name"] not in names] + scripted


def select(labels: list[dict[str, Any]], min_confidence: float, max_labels: int, settings: dict | None) -> list[dict[str, Any]]:
    """Labels at or above ``min_confidence`` that pass the GeneralLabels filters, strongest
    first (equal confidences by name), at most ``max_labels``.

    A label passes when no exclusion filter names it or one of its categories, and, if
    there are inclusion filters, one of them names it or one of its categories.
    """
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
        if (include or include_categories) and label["Name"] not in include and not categories & include_categories:
            continue
        kept.append(label)
    kept.sort(key=lambda label: (-label["Confidence"], label["Name"]))
    return kept[: min(max_labels, MAX_LABELS)]


def detect_labels(
    analysis: Analysis,
    pixels: Callable[[], Any],
    scripted: list[dict[str, Any]] | None,
    max_labels: int | None,
    min_confidence: float | None,
    features: list[str] | None,
    settings: dict[str, Any] | None,
) -> dict[str, Any]:
    """The DetectLabels response for an analysed image (``pixels()`` gives its RGB array,
    decoded only when ``IMAGE_PROPERTIES`` is asked for)."""
    asked = set(features or ["GENERAL_LABELS"])  # GENERAL_LABELS alone when Features is absent or empty
    measured = face_labels(analysis)
    result: dict[str, Any] = {}
    if "GENERAL_LABELS" in asked:
        result["Labels"] = select(
            merge(measured, scripted),
            DEFAULT_LABEL_MIN_CONFIDENCE if min_confidence is None else min_confidence,
            MAX_LABELS if max_labels is None else max_labels,
            settings,
        )
    result["LabelModelVersion"] = LABEL_MODEL_VERSION
    if "IMAGE_PROPERTIES" in asked:
        most = ((settings or {}).get("ImageProperties") or {}).get("MaxDominantColors", DEFAULT_MAX_DOMINANT_COLORS)
        result["ImageProperties"], people_colours = _image_properties(pixels(), analysis, most)
        for label in result.get("Labels", []):
            if measured and label is measured[0]:  # the measured Person (a scripted one keeps its instances)
                label["Instances"] = [dict(i, DominantColors=c) for i, c in zip(label["Instances"], people_colours)]
    return result


def _image_properties(rgb: Any, analysis: Analysis, most: int) -> tuple[dict[str, Any], list[list[dict[str, Any]]]]:
    """``ImageProperties`` (quality and dominant colours of the image, its foreground and its
    background) and the dominant colours of each person box.

    The foreground is the people (:func:`person_boxes`) when there are faces, else the
    central ellipse; the background is the rest. AWS reports contrast for the whole image
    only.
    """
    small = image_properties.small_copy(rgb)
    grey = image_properties.luminance(small)
    sy, sx = small.shape[0] / analysis.height, small.shape[1] / analysis.width
    people = [(left * sx, top * sy, right * sx, bottom * sy) for left, top, right, bottom in person_boxes(analysis)]
    foreground = image_properties.box_mask(grey.shape, people) if people else image_properties.centre_mask(grey.shape)

    entries = image_properties.nearest_entries(small, palette())

    def colours(mask: Any) -> list[dict[str, Any]]:
        return [dominant_colour(i, share) for i, share in image_properties.shares(entries, len(palette()), mask, most)]

    whole = image_properties.measure(grey)
    out: dict[str, Any] = {
        "Quality": {
            "Brightness": number(whole.brightness),
            "Sharpness": number(whole.sharpness),
            "Contrast": number(whole.contrast),
        },
        "DominantColors": colours(None),
    }
    for name, region in (("Foreground", foreground), ("Background", ~foreground)):
        if region.any():
            part = image_properties.measure(grey, region)
            out[name] = {
                "Quality": {"Brightness": number(part.brightness), "Sharpness": number(part.sharpness)},
                "DominantColors": colours(region),
            }
    return out, [colours(image_properties.box_mask(grey.shape, [box])) for box in people]


def detect_moderation_labels(scripted: list[dict[str, Any]] | None, min_confidence: float | None) -> dict[str, Any]:
    """The DetectModerationLabels response: the scripted labels at or above ``min_confidence``
    (50 by default), strongest first; nothing is measured."""
    threshold = DEFAULT_MODERATION_MIN_CONFIDENCE if min_confidence is None else min_confidence
    kept = sorted(  # strongest first; at one confidence the deepest label first, as AWS lists them
        (label for label in scripted or [] if label["Confidence"] >= threshold),
        key=lambda label: (-label["Confidence"], -label["TaxonomyLevel"]),
    )
    return {"ModerationLabels": kept, "ModerationModelVersion": MODERATION_MODEL_VERSION, "ContentTypes": []}
