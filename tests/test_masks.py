"""vision/masks.py: the masked-face detector's probability of a mask."""

from __future__ import annotations

import pytest

import imagefactory
from helpers import only_face_group


def mask_probability(data: bytes) -> float:
    return only_face_group(data, "mask")


@pytest.mark.parametrize("quarter_turns", [0, 1, 3])
def test_a_surgical_mask_is_a_mask_whichever_way_the_face_turns(quarter_turns: int) -> None:
    """The drawn surgical mask reads as a mask, upright or lying on either side (the crop
    is turned level before the detector sees it)."""
    data = imagefactory.surgical_mask()
    assert mask_probability(data if quarter_turns == 0 else imagefactory.turned_bytes(data, quarter_turns)) > 0.95


@pytest.mark.parametrize("name", ["astronaut.jpg", "grace_hopper.jpg"])
def test_a_bare_face_is_not_masked(name: str) -> None:
    """Well below even odds, on the portrait and on its mirror image (an anchor that is not
    quite sure of a face at all draws the answer towards 0.5)."""
    assert mask_probability(imagefactory.fixture_bytes(name)) < 0.25
    assert mask_probability(imagefactory.mirrored(name)) < 0.25


def test_faces_the_detector_cannot_see_get_no_opinion() -> None:
    """Where the detector doubts there is a face at all (a crop of plain colour), the answer
    stays near 0.5: the other inputs of FaceOccluded decide."""
    import numpy as np

    from rekognition_mock.vision import weights

    rgb = np.full((400, 400, 3), 128, np.uint8)
    points = np.zeros((68, 2))
    points[36:42] = (150, 180)
    points[42:48] = (250, 180)
    [p] = weights.mask_net().model.probabilities(rgb, [((100.0, 100.0, 300.0, 300.0), points)])
    assert abs(p - 0.5) < 0.1
