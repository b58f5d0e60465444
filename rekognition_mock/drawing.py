"""Draw what the mock sees: boxes, landmarks and confidence over the upright image."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw, ImageOps


def draw_faces(data: bytes, face_details: list[dict[str, Any]]) -> Image.Image:
    """The image (EXIF orientation applied, RGB) with each FaceDetail drawn on it."""
    with Image.open(io.BytesIO(data)) as im:
        picture = ImageOps.exif_transpose(im).convert("RGB")
    pen = ImageDraw.Draw(picture)
    w, h = picture.size
    line = max(2, round(min(w, h) / 250))
    for detail in face_details:
        box = detail["BoundingBox"]
        left, top = box["Left"] * w, box["Top"] * h
        right, bottom = left + box["Width"] * w, top + box["Height"] * h
        pen.rectangle([left, top, right, bottom], outline=(0, 255, 0), width=line)
        for mark in detail.get("Landmarks", []):
            x, y = mark["X"] * w, mark["Y"] * h
            pen.ellipse([x - line, y - line, x + line, y + line], fill=(255, 64, 64))
        label = f"{detail['Confidence']:.1f}%"
        pen.text((left + line, max(0, top - 12 - line)), label, fill=(0, 255, 0))
    return picture
