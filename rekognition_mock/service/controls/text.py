"""Scripted text: the lines DetectText reads in an image (there is no OCR here)."""

from __future__ import annotations

from typing import Any

from .. import recorder
from .registry import Family, http_control, image_key, image_target, json_image, row

SCRIPTED_CONFIDENCE = 99.0
BOX = ("Width", "Height", "Left", "Top")
# Lines given without a box are laid out from the top left, one under the other.
MARGIN, LINE_HEIGHT, LINE_STEP, CHAR_WIDTH = 0.05, 0.05, 0.08, 0.02

TEXT = Family(
    "text",
    lambda key, lines: [{"image": list(key), "lines": lines}],
    lambda key, lines: [row("text", image_target(key), " / ".join(line["Text"] for line in lines))],
)


def set_text(image: Any, lines: list[Any]) -> None:
    """DetectText reads ``lines`` in ``image``: each a string (its words split on spaces) or
    a dict with ``Text`` and optionally ``BoundingBox`` (ratios of the image),
    ``Confidence`` and ``Words`` (dicts with ``Text``, ``BoundingBox``, ``Confidence``).
    What is left out is laid out and given confidence 99 (see docs/scripting.md). Replaces
    the text set for that image; an empty list takes it away."""
    if not isinstance(lines, (list, tuple)):
        raise ValueError("lines must be a list of strings or of line dicts")
    key = image_key(image)
    normalised = [_line(line, index) for index, line in enumerate(lines)]
    if normalised:
        TEXT.put(key, normalised)
    else:
        TEXT.discard(key)


def _line(line: Any, index: int) -> dict[str, Any]:
    if isinstance(line, str):
        line = {"Text": line}
    if not isinstance(line, dict):
        raise ValueError(f"a line is a string or a dict with Text: {line!r}")
    unknown = sorted(set(line) - {"Text", "BoundingBox", "Confidence", "Words"})
    if unknown:
        raise ValueError(f"unknown line members {', '.join(unknown)} (Text, BoundingBox, Confidence, Words)")
    text = line.get("Text")
    if not isinstance(text, str) or not text.split():
        raise ValueError(f"a line's Text is a non-empty string: {line!r}")
    confidence = _number(line.get("Confidence", SCRIPTED_CONFIDENCE), "Confidence", 100.0)
    box = _box(line["BoundingBox"]) if "BoundingBox" in line else {
        "Width": min(CHAR_WIDTH * len(text), 1.0 - 2 * MARGIN), "Height": LINE_HEIGHT,
        "Left": MARGIN, "Top": min(MARGIN + LINE_STEP * index, 1.0 - LINE_HEIGHT),
    }
    if "Words" in line:
        words = line["Words"]
        if not isinstance(words, list) or not words:
            raise ValueError(f"Words is a non-empty list of dicts with Text: {line!r}")
        words = [_word(word, confidence) for word in words]
        if [w["Text"] for w in words] != text.split():
            raise ValueError(f"the Words of a line are its Text split on spaces: {text!r}")
        if any(w["BoundingBox"] is None for w in words):
            laid = _laid_out(text, box, confidence)
            words = [{**w, "BoundingBox": w["BoundingBox"] or l["BoundingBox"]} for w, l in zip(words, laid)]
    else:
        words = _laid_out(text, box, confidence)
    return {"Text": " ".join(text.split()), "Confidence": confidence, "BoundingBox": box, "Words": words}


def _word(word: Any, confidence: float) -> dict[str, Any]:
    if isinstance(word, str):
        word = {"Text": word}
    if not isinstance(word, dict) or not isinstance(word.get("Text"), str) or len(word["Text"].split()) != 1:
        raise ValueError(f"a word is a dict with a Text of one word: {word!r}")
    unknown = sorted(set(word) - {"Text", "BoundingBox", "Confidence"})
    if unknown:
        raise ValueError(f"unknown word members {', '.join(unknown)} (Text, BoundingBox, Confidence)")
    return {"Text": word["Text"], "Confidence": _number(word.get("Confidence", confidence), "Confidence", 100.0),
            "BoundingBox": _box(word["BoundingBox"]) if "BoundingBox" in word else None}


def _laid_out(text: str, box: dict[str, float], confidence: float) -> list[dict[str, Any]]:
    """The words of ``text`` across the line's box, each as wide as its share of the
    characters (the spaces between them counted as gaps)."""
    words = text.split()
    total = len(" ".join(words))
    out, at = [], 0
    for word in words:
        out.append({"Text": word, "Confidence": confidence, "BoundingBox": {
            "Width": box["Width"] * len(word) / total, "Height": box["Height"],
            "Left": box["Left"] + box["Width"] * at / total, "Top": box["Top"]}})
        at += len(word) + 1
    return out


def _box(box: Any) -> dict[str, float]:
    if not isinstance(box, dict) or set(box) != set(BOX):
        raise ValueError(f"a BoundingBox has Width, Height, Left and Top, ratios of the image: {box!r}")
    checked = {name: _number(box[name], f"BoundingBox.{name}", 1.0) for name in BOX}
    if checked["Width"] <= 0 or checked["Height"] <= 0:
        raise ValueError(f"a BoundingBox has a positive Width and Height: {box!r}")
    return checked


def _number(value: Any, name: str, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= high:
        raise ValueError(f"{name} must be a number from 0 to {high:g}")
    return float(value)


def scripted_text(keys: list[tuple]) -> list[dict[str, Any]] | None:
    """The lines scripted for the first of ``keys`` that has some, else None."""
    found = TEXT.first(keys)
    if found:
        recorder.note(recorder.SCRIPTED_TEXT, [line["Text"] for line in found])
    return found


@http_control("text")
def _text_over_http(body: dict[str, Any]) -> None:
    set_text(json_image(body.get("image")), body.get("lines"))
