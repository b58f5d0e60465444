"""vision/glasses.py: the glasses classifier on a level band from the eyebrows to the tip of the nose."""

from __future__ import annotations

import numpy as np
import pytest

import imagefactory
from helpers import only_face_group
from rekognition_mock.vision import EngineConfig, FaceEngine
from rekognition_mock.vision.glasses import GlassesReading


def reading(data: bytes) -> GlassesReading:
    return only_face_group(data, "glasses")


CASES = {
    "grace_hopper": (lambda: imagefactory.fixture_bytes("grace_hopper.jpg"), True),
    "astronaut": (lambda: imagefactory.fixture_bytes("astronaut.jpg"), False),
    "drawn_eyeglasses": (imagefactory.eyeglasses, True),
    "drawn_sunglasses": (imagefactory.sunglasses, True),
    "surgical_mask": (imagefactory.surgical_mask, False),
}


@pytest.mark.parametrize("quarter_turns", [0, 1, 3])
@pytest.mark.parametrize("name", list(CASES))
def test_the_classifier_sees_glasses_whichever_way_the_face_turns(name: str, quarter_turns: int) -> None:
    """Grace Hopper's glasses and the drawn pairs are glasses, the bare faces are not, and
    the band is turned level, so a portrait lying on either side reads as the upright one:
    the classifier's own answer and the read-out of its pooled features both say so."""
    make, wearing = CASES[name]
    data = make() if quarter_turns == 0 else imagefactory.turned_bytes(make(), quarter_turns)
    seen = reading(data)
    for value in (seen.log_odds, seen.readout):
        assert (value > 2) if wearing else (value < -2), seen


def test_the_band_runs_from_the_eyebrows_to_the_tip_of_the_nose() -> None:
    """The band is level and as wide as the eyebrows plus a third either side: in a portrait,
    its top rows hold the brows and its middle the eyes (darker than the skin below)."""
    from rekognition_mock.vision.glasses import HEIGHT, WIDTH, band

    engine = FaceEngine(EngineConfig())
    data = imagefactory.fixture_bytes("astronaut.jpg")
    analysis = engine.analyze(data)
    [face] = analysis.faces
    strip = band(engine.pixels(analysis, data), face.landmarks).astype(np.float64).mean(axis=2)
    assert strip.shape == (HEIGHT, WIDTH)
    eyes = strip[HEIGHT // 4:HEIGHT // 2, WIDTH // 4:3 * WIDTH // 4].mean()
    cheeks = strip[3 * HEIGHT // 4:, WIDTH // 4:3 * WIDTH // 4].mean()
    assert eyes < cheeks
