"""Draw what the mock sees: boxes, landmarks, captions and attributes over the upright image.

Used by ``rekognition-mock draw``, by the pytest report's annotated images and by the
inspector page's "annotated PNG" links.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps

# RGB colour of each kind of mark (see service.findings); faces are green.
COLOURS = {
    "face": (0, 255, 0),
    "indexed": (0, 255, 0),
    "source": (0, 255, 0),
    "searched": (0, 255, 0),
    "match": (0, 200, 255),
    "unindexed": (255, 160, 0),
    "unmatched": (255, 160, 0),
    "unsearched": (255, 160, 0),
    "instance": (255, 0, 255),
}
LANDMARK_COLOUR = (255, 64, 64)


def upright(data: bytes, max_side: int | None = None) -> Image.Image:
    """The image with its EXIF orientation applied, as RGB (boxes are relative to this),
    scaled down to ``max_side`` pixels on its longer side if given."""
    with Image.open(io.BytesIO(data)) as im:
        if max_side:
            im.draft("RGB", (max_side, max_side))  # a JPEG decodes at a reduced scale
        picture = ImageOps.exif_transpose(im).convert("RGB")
    if max_side and max(picture.size) > max_side:
        picture.thumbnail((max_side, max_side))
    return picture


def draw_faces(data: bytes, face_details: list[dict[str, Any]]) -> Image.Image:
    """The image (EXIF orientation applied, RGB) with each FaceDetail drawn on it."""
    picture = upright(data)
    for detail in face_details:
        _draw_box(picture, detail["BoundingBox"], detail.get("Landmarks", []), f"{detail['Confidence']:.1f}%", COLOURS["face"])
    return picture


def draw_marks(data: bytes, marks: Sequence[Any], max_side: int | None = None, notes: Sequence[str] = ()) -> Image.Image:
    """The image with each :class:`~rekognition_mock.service.findings.Mark` drawn and captioned,
    its attributes written beside its box, and ``notes`` (what belongs to the whole image,
    such as labels without a box) in the top left corner; scaled down to ``max_side`` pixels
    first, if given (boxes are ratios)."""
    picture = upright(data, max_side)
    for mark in marks:
        colour = COLOURS.get(mark.kind, COLOURS["face"])
        _draw_box(picture, mark.box, mark.landmarks, mark.caption(), colour, getattr(mark, "attributes", ()))
    if notes:
        font = _font(_text_size(picture))
        _text_block(ImageDraw.Draw(picture), (0, 0), list(notes), font, COLOURS["instance"], _line_width(picture))
    return picture


def _line_width(picture: Image.Image) -> int:
    return max(2, round(min(picture.size) / 250))


def _text_size(picture: Image.Image) -> int:
    return max(11, round(min(picture.size) / 40))


def _draw_box(picture: Image.Image, box: dict[str, float], landmarks: list[dict[str, Any]], caption: str,
              colour: tuple[int, int, int], details: Sequence[str] = ()) -> None:
    pen = ImageDraw.Draw(picture)
    w, h = picture.size
    line = _line_width(picture)
    left, top = box.get("Left", 0) * w, box.get("Top", 0) * h
    right, bottom = left + box.get("Width", 0) * w, top + box.get("Height", 0) * h
    pen.rectangle([left, top, right, bottom], outline=colour, width=line)
    for mark in landmarks:
        x, y = mark["X"] * w, mark["Y"] * h
        pen.ellipse([x - line, y - line, x + line, y + line], fill=LANDMARK_COLOUR)
    font = _font(_text_size(picture))
    if caption:
        x0, y0, x1, y1 = pen.textbbox((0, 0), caption, font=font)
        text_h = y1 - y0
        y = top - text_h - 2 * line if top - text_h - 2 * line >= 0 else bottom + line
        pen.rectangle([left, y, left + (x1 - x0) + 2 * line, y + text_h + 2 * line], fill=(0, 0, 0))
        pen.text((left + line - x0, y + line - y0), caption, fill=colour, font=font)
    if details:
        width, height = _block_size(pen, list(details), font, line)
        if right + line + width <= w:  # beside the box: right of it, else left of it, else under it
            corner = (right + line, top)
        elif left - line - width >= 0:
            corner = (left - line - width, top)
        else:
            corner = (max(0.0, min(left, w - width)), min(bottom + line, max(0.0, h - height)))
        _text_block(pen, corner, list(details), font, colour, line)


def _block_size(pen: ImageDraw.ImageDraw, lines: list[str], font: Any, pad: int) -> tuple[float, float]:
    boxes = [pen.textbbox((0, 0), text, font=font) for text in lines]
    step = max(b[3] - b[1] for b in boxes) + pad
    return max(b[2] - b[0] for b in boxes) + 2 * pad, step * len(lines) + pad


def _text_block(pen: ImageDraw.ImageDraw, corner: tuple[float, float], lines: list[str], font: Any,
                colour: tuple[int, int, int], pad: int) -> None:
    """``lines`` one under the other on a black ground, from ``corner`` (left, top)."""
    width, height = _block_size(pen, lines, font, pad)
    x, y = corner
    pen.rectangle([x, y, x + width, y + height], fill=(0, 0, 0))
    step = (height - pad) / len(lines)
    for i, text in enumerate(lines):
        x0, y0, _, _ = pen.textbbox((0, 0), text, font=font)
        pen.text((x + pad - x0, y + pad + i * step - y0), text, fill=colour, font=font)


def _font(size: int) -> Any:
    try:
        return ImageFont.load_default(size=size)  # Pillow 10.1+: a scalable font
    except TypeError:
        return ImageFont.load_default()
