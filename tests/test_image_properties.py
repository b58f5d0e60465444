"""vision/image_properties.py: brightness, sharpness, contrast and colour shares of pixel regions."""

from __future__ import annotations

import numpy as np
import pytest

from rekognition_mock.vision import image_properties

PALETTE = [(0, 0, 0), (255, 255, 255), (255, 0, 0)]


def test_colour_shares_count_pixels_against_the_palette() -> None:
    rgb = np.zeros((10, 10, 3), dtype=np.uint8)
    rgb[:, :3] = (240, 20, 30)  # nearest red: 30 %
    rgb[:, 3:8] = (250, 250, 250)  # nearest white: 50 %
    # the rest (20 %) stays black
    assert image_properties.colour_shares(rgb, PALETTE) == [(1, 50.0), (2, 30.0), (0, 20.0)]
    assert image_properties.colour_shares(rgb, PALETTE, most=1) == [(1, 50.0)]
    assert image_properties.colour_shares(rgb, PALETTE, most=0) == []
    left = np.zeros((10, 10), dtype=bool)
    left[:, :5] = True
    assert image_properties.colour_shares(rgb, PALETTE, left) == [(2, 60.0), (1, 40.0)]
    assert image_properties.colour_shares(rgb, PALETTE, np.zeros((10, 10), dtype=bool)) == []


def test_colour_shares_of_many_distinct_colours() -> None:
    """More distinct colours than one block of the distance computation holds."""
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, size=(200, 200, 3), dtype=np.uint8)
    shares = image_properties.colour_shares(rgb, PALETTE)
    assert sum(share for _, share in shares) == pytest.approx(100.0)
    nearest = np.argmin(((rgb.reshape(-1, 1, 3).astype(float) - np.array(PALETTE)) ** 2).sum(axis=2), axis=1)
    expected = np.bincount(nearest, minlength=3) / nearest.size * 100
    assert dict(shares) == pytest.approx(dict(enumerate(expected)))


def test_quality_of_controlled_regions() -> None:
    grey = np.full((64, 64), 64.0)
    grey[:, 32:] = 192.0
    whole = image_properties.measure(grey)
    assert whole.brightness == pytest.approx(128 / 255 * 100)
    assert whole.contrast == pytest.approx(64 / 127.5 * 100)  # std of a two-level image is half their distance
    assert whole.sharpness > 0
    left = np.zeros((64, 64), dtype=bool)
    left[:, :32] = True
    flat = image_properties.measure(grey, left)
    assert (flat.brightness, flat.sharpness, flat.contrast) == (pytest.approx(64 / 255 * 100), 0.0, 0.0)


def test_small_copy_and_masks() -> None:
    big = np.zeros((1000, 600, 3), dtype=np.uint8)
    assert image_properties.small_copy(big).shape == (256, 154, 3)
    small = np.zeros((100, 80, 3), dtype=np.uint8)
    assert image_properties.small_copy(small) is small
    mask = image_properties.box_mask((10, 10), [(2.5, 1.0, 4.0, 3.2)])
    assert mask.sum() == 3 * 2 and mask[1:4, 2:4].all()  # rows 1-3, columns 2-3: the pixels the box touches
    centre = image_properties.centre_mask((100, 100))
    assert centre[50, 50] and not centre[0, 0] and 0.3 < centre.mean() < 0.45
