"""The numpy HOG detector (``vision/fhog.py``) against dlib's own ``get_frontal_face_detector``
(dlib from the test extra): on the bundled photos and on images composed from them (scaled,
mirrored, turned by ±20°, pasted small into a larger grey canvas, cut by the frame), with
dlib's 2x upsampling and without, at floors −1 and 0, both give the same boxes and filter
indices in the same order, and scores within 1e-4."""

from __future__ import annotations

from functools import cache, lru_cache

import numpy as np
import pytest
from PIL import Image

import imagefactory

PHOTOS = ("grace_hopper.jpg", "astronaut.jpg", "coffee.jpg")


@cache
def _grey(name: str) -> Image.Image:
    return Image.open(imagefactory.fixture_path(name)).convert("L")


def _composed() -> dict[str, np.ndarray]:
    """Test images built from the photos, as uint8 grey arrays."""
    out: dict[str, np.ndarray] = {}
    for name in PHOTOS:
        im = _grey(name)
        out[name] = np.asarray(im)
    hopper, astronaut = _grey("grace_hopper.jpg"), _grey("astronaut.jpg")
    w, h = hopper.size
    out["hopper scaled 0.6"] = np.asarray(
        hopper.resize((int(w * 0.6), int(h * 0.6)), Image.BILINEAR)
    )
    out["hopper scaled 1.3"] = np.asarray(
        hopper.resize((int(w * 1.3), int(h * 1.3)), Image.BICUBIC)
    )
    out["astronaut mirrored"] = np.asarray(astronaut)[:, ::-1]
    for angle in (20, -20):
        out[f"hopper turned {angle}"] = np.asarray(
            hopper.rotate(angle, resample=Image.BILINEAR, fillcolor=128)
        )
        out[f"astronaut turned {angle}"] = np.asarray(
            astronaut.rotate(angle, resample=Image.BILINEAR, fillcolor=90)
        )
    canvas = Image.new("L", (700, 500), 128)
    canvas.paste(hopper.resize((w // 4, h // 4), Image.BILINEAR), (431, 97))
    canvas.paste(
        astronaut.resize((astronaut.width // 3, astronaut.height // 3), Image.BILINEAR),
        (37, 250),
    )
    out["small faces on a grey canvas"] = np.asarray(canvas)
    out["hopper cut by the left edge"] = np.asarray(hopper)[:, int(w * 0.42) :]
    out["astronaut cut by the top edge"] = np.asarray(astronaut)[
        int(astronaut.height * 0.17) :, :
    ]
    out["odd size 333x251"] = np.asarray(astronaut.resize((251, 333), Image.BILINEAR))
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


IMAGES = _composed()


@lru_cache(maxsize=1)
def _detectors():
    import dlib

    from rekognition_mock.vision.fhog import FrontalFaceDetector

    return FrontalFaceDetector(), dlib.get_frontal_face_detector()


def _boxes(rects) -> list[tuple[int, int, int, int]]:
    return [(r.left(), r.top(), r.right(), r.bottom()) for r in rects]


@pytest.mark.parametrize("name", sorted(IMAGES))
@pytest.mark.parametrize("upsample", [0, 1])
def test_same_answers_as_dlib(name: str, upsample: int) -> None:
    ours, theirs = _detectors()
    image = IMAGES[name]
    for floor in (-1.0, 0.0):
        rects, scores, kinds = theirs.run(image, upsample, floor)
        r2, s2, k2 = ours.run(image, upsample, floor)
        assert _boxes(r2) == _boxes(rects), (name, upsample, floor)
        assert list(k2) == list(kinds)
        assert np.allclose(s2, scores, rtol=0, atol=1e-4)
        assert all(s >= floor for s in s2)


def test_the_photos_faces_are_found() -> None:
    """Not only agreement on nothing: the portraits' faces are found, at both floors."""
    ours, _ = _detectors()
    for name in ("grace_hopper.jpg", "astronaut.jpg"):
        rects, scores, _ = ours.run(IMAGES[name], 0, 0.0)
        assert rects and max(scores) > 0.5
    assert ours.run(IMAGES["small faces on a grey canvas"], 1, 0.0)[0]


def test_upsampling_matches_dlibs_image_size() -> None:
    """dlib upsamples an r x c image to (2r + 1) x (2c + 2) (its pyramid_up); the resampling
    matches dlib's ``resize_image`` pixel for pixel."""
    import dlib

    from rekognition_mock.vision.fhog import resize_bilinear

    image = IMAGES["odd size 333x251"]
    for rows, cols in (
        (2 * 333 + 1, 2 * 251 + 2),
        (5 * 333 // 6, 5 * 251 // 6),
        (61, 47),
    ):
        assert np.array_equal(
            resize_bilinear(image, rows, cols), dlib.resize_image(image, rows, cols)
        )


def test_rejects_colour_images() -> None:
    ours, _ = _detectors()
    with pytest.raises(ValueError):
        ours.run(np.zeros((100, 100, 3), dtype=np.uint8), 0, 0.0)


def test_small_and_striped_images_as_dlib() -> None:
    """Images too small for a window, or for any fhog cell, and a striped one scored at a
    low floor (many windows kept, many dropped as overlapping)."""
    ours, theirs = _detectors()
    for shape in ((1, 1), (10, 300), (70, 70), (90, 200), (160, 170)):
        image = np.full(shape, 100, dtype=np.uint8)
        image[::3] = 30
        image[:, ::7] = 200
        for upsample in (0, 1):
            r1, s1, k1 = ours.run(image, upsample, -3.0)
            r2, s2, k2 = theirs.run(image, upsample, -3.0)
            assert _boxes(r1) == _boxes(r2) and list(k1) == list(k2)
            assert np.allclose(s1, s2, rtol=0, atol=1e-4)


def test_low_floor_with_thousands_of_candidates_as_dlib() -> None:
    """At a floor of -4 thousands of windows pass and more than a hundred survive the overlap
    test (suppression runs in blocks of 256 candidates): the same survivors as dlib's."""
    ours, theirs = _detectors()
    image = IMAGES["astronaut.jpg"]
    r1, s1, k1 = ours.run(image, 0, -4.0)
    r2, s2, k2 = theirs.run(image, 0, -4.0)
    assert len(r2) > 100
    assert _boxes(r1) == _boxes(r2) and list(k1) == list(k2)
    assert np.allclose(s1, s2, rtol=0, atol=1e-4)
