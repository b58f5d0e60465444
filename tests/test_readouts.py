"""vision/readouts.py: the linear read-outs of a network's features that scripts/fit_attribute_models.py writes."""

from __future__ import annotations

import numpy as np
import pytest

from rekognition_mock.vision import age_gender, emotions, glasses, readouts

# Each shipped read-out file, the width of the features it reads, and its read-outs.
SHIPPED = {
    age_gender.READOUTS: (1024, {"beard", "mustache", "occluded", "sunglasses", "glasses", "occluded_cases"}),
    glasses.READOUTS: (128, {"eyeglasses"}),
    glasses.FEATURE_READOUTS: (1024, {"eyeglasses"}),
    emotions.FEATURE_READOUTS: (128, {"mustache"}),
}


@pytest.mark.parametrize("file", sorted(SHIPPED))
def test_each_shipped_file_holds_the_mean_the_scale_and_its_read_outs(file: str) -> None:
    width, names = SHIPPED[file]
    arrays = readouts._arrays(file)
    assert set(arrays) == {"mean", "scale"} | names
    assert arrays["mean"].shape == arrays["scale"].shape == (width,) and (arrays["scale"] > 0).all()
    assert all(arrays[name].shape == (width + 1,) for name in names)  # weights, then the intercept


@pytest.mark.parametrize("file", sorted(SHIPPED))
def test_a_row_reads_as_the_same_vector_alone(file: str) -> None:
    width, names = SHIPPED[file]
    features = np.random.default_rng(3).normal(size=(4, width)).astype(np.float32)
    for name in names:
        rows = readouts.log_odds(features, file, name)
        assert rows.shape == (4,)
        assert [float(readouts.log_odds(f, file, name)) for f in features] == pytest.approx(list(rows))


def test_the_mean_face_reads_as_the_intercept() -> None:
    arrays = readouts._arrays(emotions.FEATURE_READOUTS)
    assert float(readouts.log_odds(arrays["mean"], emotions.FEATURE_READOUTS, "mustache")) == pytest.approx(arrays["mustache"][-1])
