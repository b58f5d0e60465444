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


def test_attributes_are_written_beside_the_box_where_there_is_room() -> None:
    lines = ["EyesOpen false 98.6 (scripted)", "Smile true 97.0"]
    left_box = {"Left": 0.05, "Top": 0.2, "Width": 0.2, "Height": 0.3}  # room on its right
    drawn = draw_marks(grey_jpeg(800, 400), [Mark("face", left_box, attributes=lines)])
    ys, xs = np.nonzero(coloured(drawn, COLOURS["face"]))
    beside = xs > 0.25 * 800 + 4
    assert beside.sum() > 200  # the text, right of the box
    assert ys[beside].min() >= 0.2 * 400 - 2  # from the box's top down

    right_box = {"Left": 0.75, "Top": 0.2, "Width": 0.2, "Height": 0.3}  # no room on its right: left of it
    drawn = draw_marks(grey_jpeg(800, 400), [Mark("face", right_box, attributes=lines)])
    ys, xs = np.nonzero(coloured(drawn, COLOURS["face"]))
    assert (xs < 0.75 * 800 - 4).sum() > 200 and xs.max() <= 0.95 * 800 + 3

    wide_box = {"Left": 0.1, "Top": 0.1, "Width": 0.8, "Height": 0.4}  # no room on either side: under it
    drawn = draw_marks(grey_jpeg(400, 400), [Mark("face", wide_box, attributes=lines)])
    ys, _ = np.nonzero(coloured(drawn, COLOURS["face"]))
    assert (ys > 0.5 * 400 + 4).sum() > 200


def test_notes_for_the_whole_image_go_in_its_top_left_corner() -> None:
    drawn = draw_marks(grey_jpeg(400, 300), [], notes=["Dog 99.0% (scripted)", "Violence 80.0%"])
    ys, xs = np.nonzero(coloured(drawn, COLOURS["instance"]))
    assert len(xs) > 60 and xs.max() < 250 and ys.max() < 80  # two short lines of text
