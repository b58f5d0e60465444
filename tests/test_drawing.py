"""drawing.py: marks drawn where their ratios say, on the upright image, scaled when asked."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from rekognition_mock.drawing import COLOURS, draw_marks
from rekognition_mock.service.findings import Mark


def grey_jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    Image.new("RGB", (width, height), (90, 90, 90)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def coloured(picture: Image.Image, colour: tuple[int, int, int]) -> np.ndarray:
    pixels = np.asarray(picture, dtype=np.int16)
    return (np.abs(pixels - np.array(colour)).sum(axis=2) < 60)


def test_a_large_image_is_scaled_down_and_the_box_follows() -> None:
    box = {"Left": 0.25, "Top": 0.5, "Width": 0.25, "Height": 0.25}
    drawn = draw_marks(grey_jpeg(4096, 2048), [Mark("match", box, 99.0, similarity=97.5)], max_side=2048)
    assert drawn.size == (2048, 1024)
    match = coloured(drawn, COLOURS["match"])
    ys, xs = np.nonzero(match[:, :1100])  # the box (its caption is above it)
    assert abs(xs.min() - 512) <= 3 and abs(xs.max() - 1024) <= 3
    assert abs(ys.max() - 768) <= 3


def test_boxes_are_drawn_on_the_upright_image() -> None:
    box = {"Left": 0.0, "Top": 0.0, "Width": 0.5, "Height": 0.5}
    drawn = draw_marks(grey_jpeg(400, 200, orientation=6), [Mark("face", box)])  # stored sideways
    assert drawn.size == (200, 400)
    ys, xs = np.nonzero(coloured(drawn, COLOURS["face"]))
    assert xs.max() <= 102 and ys.max() <= 202
