"""DetectText from scripted lines: LINE and WORD detections in AWS's shape, and ``Filters``.

There is no OCR here: an image reads as the lines a test scripted for it, and as no text
otherwise. The detections are numbered as AWS numbers them: the lines first (``Id`` 0, 1,
...), then the words (``Id`` after the last line's, in reading order), each word's
``ParentId`` the ``Id`` of its line. Lines carry no ``ParentId``.
"""

from __future__ import annotations

from typing import Any

from .exceptions import InvalidParameterException
from .shapes import number

MAX_WORDS = 100  # "DetectText can detect up to 100 words in an image" (API reference)
DEFAULT_WORD_MIN_CONFIDENCE = 80.0  # DetectionFilter.MinConfidence when a WordFilter leaves it out
MODEL_VERSION = "3.0"


def detect_text(lines: list[dict[str, Any]] | None, filters: dict[str, Any] | None) -> dict[str, Any]:
    """The ``TextDetections`` for ``lines`` (from the controls), filtered by ``filters``:
    a word is kept when it passes ``WordFilter`` (``MinConfidence``, default 80 once a
    WordFilter is given; ``MinBoundingBoxHeight``; ``MinBoundingBoxWidth``) and, with
    ``RegionsOfInterest``, is more than half inside one of them; a line is kept when one of
    its words is, and at most 100 words are kept, in reading order."""
    filters = filters or {}
    word_filter = filters.get("WordFilter")
    regions = filters.get("RegionsOfInterest") or []
    for region in regions:
        if "BoundingBox" not in region and len(region.get("Polygon") or []) < 3:
            raise InvalidParameterException("A region of interest needs a BoundingBox or a Polygon of at least 3 points.")
    kept: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    count = 0
    for line in lines or []:
        words = [w for w in line["Words"] if _passes(w, word_filter) and _in_regions(w["BoundingBox"], regions)]
        words = words[: max(0, MAX_WORDS - count)]
        if words:
            kept.append((line, words))
            count += len(words)
    detections = [_detection(line["Text"], "LINE", index, None, line["Confidence"], line["BoundingBox"])
                  for index, (line, _) in enumerate(kept)]
    next_id = len(kept)
    for parent, (_, words) in enumerate(kept):
        for word in words:
            detections.append(_detection(word["Text"], "WORD", next_id, parent, word["Confidence"], word["BoundingBox"]))
            next_id += 1
    return {"TextDetections": detections, "TextModelVersion": MODEL_VERSION}


def _detection(text: str, kind: str, ident: int, parent: int | None, confidence: float,
               box: dict[str, float]) -> dict[str, Any]:
    left, top, width, height = box["Left"], box["Top"], box["Width"], box["Height"]
    corners = ((left, top), (left + width, top), (left + width, top + height), (left, top + height))
    detection: dict[str, Any] = {
        "DetectedText": text,
        "Type": kind,
        "Id": ident,
        "Confidence": number(confidence),
        "Geometry": {
            "BoundingBox": {name: number(box[name]) for name in ("Width", "Height", "Left", "Top")},
            "Polygon": [{"X": number(x), "Y": number(y)} for x, y in corners],
        },
    }
    if parent is not None:
        detection["ParentId"] = parent
    return detection


def _passes(word: dict[str, Any], word_filter: dict[str, Any] | None) -> bool:
    if word_filter is None:
        return True
    box = word["BoundingBox"]
    return (word["Confidence"] >= float(word_filter.get("MinConfidence", DEFAULT_WORD_MIN_CONFIDENCE))
            and box["Height"] >= float(word_filter.get("MinBoundingBoxHeight", 0.0))
            and box["Width"] >= float(word_filter.get("MinBoundingBoxWidth", 0.0)))


def _in_regions(box: dict[str, float], regions: list[dict[str, Any]]) -> bool:
    """Whether the box is more than half inside one of ``regions`` (each a ``Polygon`` of
    3 points or more, or else a ``BoundingBox``); True without regions."""
    if not regions:
        return True
    area = box["Width"] * box["Height"]
    if area <= 0:
        return False
    for region in regions:
        if "Polygon" in region and len(region["Polygon"]) >= 3:
            shape = [(float(p.get("X", 0.0)), float(p.get("Y", 0.0))) for p in region["Polygon"]]
        else:
            r = region["BoundingBox"]
            left, top = float(r.get("Left", 0.0)), float(r.get("Top", 0.0))
            right, bottom = left + float(r.get("Width", 0.0)), top + float(r.get("Height", 0.0))
            shape = [(left, top), (right, top), (right, bottom), (left, bottom)]
        if _overlap(shape, box) > area / 2:
            return True
    return False


def _overlap(polygon: list[tuple[float, float]], box: dict[str, float]) -> float:
    """The area of ``polygon`` inside ``box``: the polygon clipped by each side of the box
    (Sutherland-Hodgman; the box is convex, the polygon need not be), then its area."""
    left, top = box["Left"], box["Top"]
    right, bottom = left + box["Width"], top + box["Height"]
    sides = (
        (lambda p: p[0] >= left, lambda a, b: _cross_x(a, b, left)),
        (lambda p: p[0] <= right, lambda a, b: _cross_x(a, b, right)),
        (lambda p: p[1] >= top, lambda a, b: _cross_y(a, b, top)),
        (lambda p: p[1] <= bottom, lambda a, b: _cross_y(a, b, bottom)),
    )
    points = polygon
    for inside, cross in sides:
        if not points:
            return 0.0
        clipped = []
        for i, current in enumerate(points):
            previous = points[i - 1]
            if inside(current):
                if not inside(previous):
                    clipped.append(cross(previous, current))
                clipped.append(current)
            elif inside(previous):
                clipped.append(cross(previous, current))
        points = clipped
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(points, points[1:] + points[:1]))) / 2


def _cross_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cross_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)
