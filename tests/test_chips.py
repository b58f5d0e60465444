"""``rekognition_mock.vision.chips``: numpy face chips against dlib's own (dlib-bin is in the
test extra). On the faces of the bundled photos and on composed ones (small, large enough
for dlib's pyramid, cut by the frame, turned) the chips are the same uint8 pixels; on
random images with random landmarks a rare pixel may differ by one (the fit is dlib's SVD
solution, but numpy's last bits are not always dlib's, and a sampling position that far off
can tip a truncation)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

import imagefactory
from rekognition_mock.vision import EngineConfig, FaceEngine, chips, decode_rgb, face_mesh


def _dlib_face_chip(rgb: np.ndarray, points: np.ndarray, size: int, padding: float) -> tuple[np.ndarray, object]:
    import dlib

    parts = dlib.points([dlib.point(round(x), round(y)) for x, y in points])
    shape = dlib.full_object_detection(dlib.rectangle(0, 0, 1, 1), parts)
    details = dlib.get_face_chip_details(shape, size=size, padding=padding)
    return np.asarray(dlib.extract_image_chip(np.ascontiguousarray(rgb), details)), details


def _dlib_centred_chip(rgb: np.ndarray, centre, side: float, size: int, angle: float) -> np.ndarray:
    import dlib

    cx, cy = centre
    rect = dlib.drectangle(cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2)
    details = dlib.chip_details(rect, dlib.chip_dims(size, size), angle)
    return np.asarray(dlib.extract_image_chip(np.ascontiguousarray(rgb), details))


def _pyramid_levels(details: chips.ChipDetails) -> int:
    """How many times dlib halves the image before sampling this chip."""
    rect, n = details.rect, 0
    while chips._area(chips._down(rect)) > details.rows * details.cols:
        rect, n = chips._down(rect), n + 1
    return n


@pytest.fixture(scope="module")
def faces() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, pixels, 68 landmarks) of every face in the bundled photos and composed images."""
    engine = FaceEngine(EngineConfig())
    found = []
    for name, data in [
        ("hopper", imagefactory.fixture_bytes("grace_hopper.jpg")),
        ("astronaut", imagefactory.fixture_bytes("astronaut.jpg")),
        ("two_people", imagefactory.two_person_composite()),
        ("cut_by_left_edge", imagefactory.face_cut_by_left_edge(0.3)),
        ("small_face", imagefactory.small_face_on_canvas(face_width=45)),
        ("large_faces", imagefactory.large_faces_jpeg(1600, 1200)[0]),
        ("turned", imagefactory.turned(quarter_turns=1)),
    ]:
        rgb = decode_rgb(data)
        analysis = engine.analyze(data)
        assert analysis.faces, name
        for face in analysis.faces:
            found.append((name, rgb, face.landmarks))
    # grace_hopper enlarged 3× (her landmarks with it): a face large enough for the pyramid
    _, rgb, points = found[0]
    big = np.asarray(Image.fromarray(rgb).resize((rgb.shape[1] * 3, rgb.shape[0] * 3), Image.BILINEAR))
    found.append(("enlarged", big, points * 3 + 1))
    return found


@pytest.mark.parametrize("size,padding", [(150, 0.25), (320, 0.4)], ids=["descriptor", "attributes"])
def test_face_chips_are_dlibs(faces, size: int, padding: float) -> None:
    levels = set()
    for name, rgb, points in faces:
        reference, details = _dlib_face_chip(rgb, points, size, padding)
        ours = chips.face_chip_details(np.round(points), size, padding)
        rect = details.rect
        assert np.allclose(ours.rect, (rect.left(), rect.top(), rect.right(), rect.bottom()), atol=1e-9), name
        assert ours.angle == pytest.approx(details.angle, abs=1e-12)
        assert (ours.rows, ours.cols) == (details.rows, details.cols) == (size, size)
        chip = chips.face_chip(rgb, np.round(points), size, padding)
        assert chip.dtype == np.uint8 and chip.shape == (size, size, 3)
        assert np.array_equal(chip, reference), name
        levels.add(_pyramid_levels(ours))
    assert 0 in levels and max(levels) >= 1  # small chips of large faces went through the pyramid


def test_face_mesh_chips_are_dlibs(faces) -> None:
    angles = []
    for name, rgb, points in faces:
        centre, side, angle = face_mesh.crop_of(points)
        reference = _dlib_centred_chip(rgb, centre, side, 256, angle)
        assert np.array_equal(chips.extract_chip(rgb, chips.centred_chip(centre, side, 256, angle)), reference), name
        angles.append(abs(angle))
    assert max(angles) > 1.0  # the quarter-turned face's crop is turned


def test_a_face_outside_the_frame_is_black_there(faces) -> None:
    _, rgb, points = next(f for f in faces if f[0] == "cut_by_left_edge")
    chip = chips.face_chip(rgb, np.round(points), 150, 0.25)
    assert np.array_equal(chip, _dlib_face_chip(rgb, points, 150, 0.25)[0])
    left_column = chip[:, :10].reshape(-1, 3)
    assert (left_column == 0).all(axis=1).mean() > 0.5  # the part left of the image is black


def _random_points(rng: np.random.Generator, centre, scale: float, angle: float) -> np.ndarray:
    template = np.array(list(zip(chips._MEAN_X, chips._MEAN_Y)))
    base = np.vstack([rng.uniform(0, 1, (17, 2)), template]) - 0.5
    c, s = math.cos(angle), math.sin(angle)
    points = base @ np.array([[c, s], [-s, c]]) * scale + centre
    return np.round(points + rng.normal(0, scale * 0.01, points.shape))


def test_random_faces_on_random_images_match_dlib_within_one() -> None:
    rng = np.random.default_rng(7)
    differing = total = 0
    for k in range(60):
        h, w = (int(v) for v in rng.integers(40, 500, 2))
        rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        if k % 2:  # flat patches: where the last bits of a position matter most
            rgb = np.ascontiguousarray(np.repeat(np.repeat(rgb[::16, ::16], 16, 0), 16, 1)[:h, :w])
        centre = (rng.uniform(-40, w + 40), rng.uniform(-40, h + 40))
        points = _random_points(rng, centre, rng.uniform(10, 700), rng.uniform(-1, 1))
        size, padding = int(rng.choice([64, 150, 256])), float(rng.choice([0.0, 0.25, 0.4]))
        reference = _dlib_face_chip(rgb, points, size, padding)[0]
        diff = np.abs(chips.face_chip(rgb, points, size, padding).astype(int) - reference)
        assert diff.max() <= 1
        differing += int((diff > 0).sum())
        total += diff.size
    assert differing <= total * 1e-4


def test_centred_chips_on_random_images_are_dlibs() -> None:
    rng = np.random.default_rng(8)
    for k in range(40):
        h, w = (int(v) for v in rng.integers(40, 500, 2))
        rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        centre = (rng.uniform(-40, w + 40), rng.uniform(-40, h + 40))
        side, angle = rng.uniform(10, 800), (rng.uniform(-3, 3) if k % 4 else 0.0)
        size = int(rng.choice([64, 128, 256]))
        chip = chips.extract_chip(rgb, chips.centred_chip(centre, side, size, angle))
        assert np.array_equal(chip, _dlib_centred_chip(rgb, centre, side, size, angle))


def test_an_unscaled_unturned_chip_is_a_plain_copy() -> None:
    import dlib

    rgb = np.random.default_rng(9).integers(0, 256, (60, 80, 3), dtype=np.uint8)
    details = chips.ChipDetails((-5.0, 10.0, 34.0, 69.0), 0.0, 60, 40)  # 40 wide, 60 high, past two edges
    location = dlib.chip_details(dlib.drectangle(-5, 10, 34, 69), dlib.chip_dims(60, 40))
    reference = np.asarray(dlib.extract_image_chip(rgb, location))
    chip = chips.extract_chip(rgb, details)
    assert np.array_equal(chip, reference)
    assert np.array_equal(chip[:50, 5:], rgb[10:, :35]) and not chip[:, :5].any() and not chip[50:].any()


def test_pyramid_down_is_dlibs() -> None:
    import dlib

    rgb = np.random.default_rng(10).integers(0, 256, (45, 62, 3), dtype=np.uint8)
    down = chips.pyramid_down(rgb)
    assert down.shape == ((45 - 3) // 2, (62 - 3) // 2, 3)
    assert np.array_equal(down, np.asarray(dlib.pyramid_down(2)(rgb)))
    assert chips.pyramid_down(rgb[:8]).size == 0
