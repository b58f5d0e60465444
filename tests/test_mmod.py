"""``rekognition_mock.vision.mmod``: dlib's CNN face detector on onnxruntime against dlib itself.

Both run the same weights (``mmod_human_face_detector.dat``); on the same image at the
same upsampling they must find the same faces: same count, box IoU >= 0.95, score
within 0.01.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

import imagefactory
from rekognition_mock.vision import decode_rgb, weights
from rekognition_mock.vision.mmod import pyramid_layout
from rekognition_mock.vision.mmod_windows import overlaps


def dlib_faces(rgb: np.ndarray) -> list[tuple[tuple[float, float, float, float], float]]:
    model = weights.dlib_cnn_detector()
    with model.lock:
        found = model.model(rgb, 0)
    return [((d.rect.left(), d.rect.top(), d.rect.right() + 1, d.rect.bottom() + 1), d.confidence) for d in found]


def our_faces(rgb: np.ndarray) -> list[tuple[tuple[float, float, float, float], float]]:
    return [((w.left, w.top, w.right, w.bottom), w.score) for w in weights.mmod_detector().model.detect(rgb)]


def iou(a, b) -> float:
    inner = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inner
    return inner / union


def small_scene_upsampled() -> np.ndarray:
    """A 600×320 part of the 1920×1080 small-faces scene holding its 44 and 48 px faces,
    enlarged twice as the engine does for small faces: both detectors get this image."""
    rgb = decode_rgb(imagefactory.small_faces_scene()[0])
    part = Image.fromarray(rgb).crop((100, 380, 700, 700))
    return np.asarray(part.resize((1200, 640), Image.Resampling.BILINEAR))


CASES = {
    "grace_hopper": lambda: decode_rgb(imagefactory.fixture_bytes("grace_hopper.jpg")),
    "astronaut": lambda: decode_rgb(imagefactory.fixture_bytes("astronaut.jpg")),
    "coffee": lambda: decode_rgb(imagefactory.fixture_bytes("coffee.jpg")),
    "two_people": lambda: decode_rgb(imagefactory.two_person_composite()),
    "mirrored": lambda: decode_rgb(imagefactory.augmented(mirror=True)),
    "small_scene_upsampled": small_scene_upsampled,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_faces_as_dlib(case: str) -> None:
    rgb = CASES[case]()
    theirs, ours = dlib_faces(rgb), our_faces(rgb)
    assert len(ours) == len(theirs), (ours, theirs)
    for box, score in theirs:
        match = max(ours, key=lambda o: iou(o[0], box))
        assert iou(match[0], box) >= 0.95
        assert abs(match[1] - score) <= 0.01
    if case == "small_scene_upsampled":
        assert len(theirs) == 2  # the 44 and 48 px faces: the case really tests small faces


def test_pyramid_layout_matches_dlib_for_a_known_size() -> None:
    """Levels shrink by 5/6, stack down the left inside an 11 px border, 10 px apart,
    then climb back up on the right without touching the full-size level."""
    levels, height, width = pyramid_layout(600, 512)
    assert levels[0] == (11, 11, 512, 600)
    assert levels[1] == (11, 11 + 600 + 10, 426, 500)
    assert width == 512 + 22
    for (l1, t1, w1, h1), (l2, t2, w2, h2) in zip(levels, levels[1:]):
        assert (w2, h2) == (int(w1 * 5 / 6), int(h1 * 5 / 6))
    for left, top, w, h in levels:
        assert 0 <= left and left + w <= width and 0 <= top and top + h <= height
    first = levels[0]
    for left, top, w, h in levels[1:]:
        assert top >= first[1] + first[3] or left >= first[0] + first[2]


def test_overlap_rule_is_dlibs() -> None:
    """Intersection over the box enclosing both (not over the union)."""
    a, b = (0, 0, 9, 9), (5, 0, 14, 9)  # 50 px of 100 each; enclosing box 150
    assert overlaps(a, b, 0.32, 1.0) and not overlaps(a, b, 0.34, 1.0)
    assert not overlaps((0, 0, 9, 9), (20, 20, 29, 29), 0.0, 1.0)


def test_bands_give_the_scores_of_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large inputs run through the network in bands of rows with a margin of context: the
    kept rows are those of one run over the whole tiled image (bands made small here so
    that there are several). Within 1e-4: the bands are other network runs, on other
    shapes, whose sums onnxruntime may order otherwise on another machine (here they agree
    exactly). Bands with too little context (2 rows of the 11) are off by 2.2, on scores
    from -5.2 to 1.1."""
    from rekognition_mock.vision import mmod

    detector = weights.mmod_detector().model
    rgb = small_scene_upsampled()
    levels, height, width = pyramid_layout(*rgb.shape[:2], detector.padding, detector.outer)
    assert 3 * 4 * height * width > mmod.WHOLE_TENSOR_BYTES  # the engine runs this one in bands
    pixels = mmod.pyramid_levels(*detector._input(rgb, *rgb.shape[:2]), levels, detector._pyramid)
    whole = detector._scores(pixels, levels, height, width, whole=True)
    monkeypatch.setattr(mmod, "BAND_CELLS", 30 * mmod.output_rows(width))
    monkeypatch.setattr(mmod, "BACK_CELLS", 40 * mmod.output_rows(width))
    assert whole.shape[0] > 2 * mmod.band_rows(width, mmod.BACK_CELLS)
    banded = detector._scores(pixels, levels, height, width, whole=False)
    assert banded.shape == whole.shape
    np.testing.assert_allclose(banded, whole, rtol=0, atol=1e-4)


def test_the_faster_graph_scores_as_the_plain_one() -> None:
    """The detector's graph takes float16 input, pads channels to eights and splits the
    last convolution into taps summed afterwards: on a real photo every score is within
    0.01 of the plain float32 graph's (the taps alone agree to 1e-5)."""
    from rekognition_mock.vision import dlib_format, dlib_graphs, onnx_nets

    with open(weights._paths().cnn_face_detector_model_location(), "rb") as f:
        network = dlib_format.read_network(f.read(), dlib_format.mmod_architecture())
    plain = onnx_nets.session(dlib_graphs.build_model(network))
    taps_only = onnx_nets.session(dlib_graphs.build_model(network, taps=True))
    detector = weights.mmod_detector().model
    rgb = decode_rgb(imagefactory.fixture_bytes("grace_hopper.jpg"))
    level, compact = detector._input(rgb, round(rgb.shape[0] * 0.4), round(rgb.shape[1] * 0.4))  # her face at about 80 px
    exact = plain.run(None, {"image": level})[0][0, 0]
    assert exact.max() > 0.5  # the face is in the score map
    tapped = onnx_nets.sum_taps(taps_only.run(None, {"image": level})[0][0], detector.taps)
    assert np.abs(tapped - exact).max() < 1e-5
    assert np.abs(detector._network(compact)[0] - exact).max() < 0.01


def test_a_batch_finds_what_each_image_finds_alone() -> None:
    """``detect_all`` runs images of one size as one batch (the engine's two quarter turns):
    each gets the windows it gets alone, weak ones included."""
    detector = weights.mmod_detector().model
    rgb = decode_rgb(imagefactory.fixture_bytes("grace_hopper.jpg"))
    images = [np.ascontiguousarray(np.rot90(rgb, 1)), np.ascontiguousarray(np.rot90(rgb, 3))]
    batch = detector.detect_all(images, 0.5, -1.0)
    assert all(batch)
    for image, found in zip(images, batch):
        alone = detector.detect(image, 0.5, -1.0)
        assert len(found) == len(alone)
        for a, b in zip(found, alone):
            assert abs(a.score - b.score) < 1e-4 and abs(a.left - b.left) < 1e-3 and abs(a.top - b.top) < 1e-3


def test_pyramid_levels_reusing_memory_are_the_levels_made_afresh() -> None:
    """The pyramid writes each float32 level into the memory of the level two above it:
    every float16 level is the one a fresh array gets."""
    from rekognition_mock.vision import mmod

    detector = weights.mmod_detector().model
    rgb = decode_rgb(imagefactory.fixture_bytes("grace_hopper.jpg"))
    levels, _, _ = pyramid_layout(*rgb.shape[:2], detector.padding, detector.outer)
    reused = mmod.pyramid_levels(*detector._input(rgb, *rgb.shape[:2]), levels, detector._pyramid)
    fresh = mmod.pyramid_levels(*detector._input(rgb, *rgb.shape[:2]), levels, lambda level, h, w, spare: detector._pyramid(level, h, w))
    assert len(reused) == len(levels) > 10
    assert all(np.array_equal(a, b) for a, b in zip(reused, fresh))  # exact: one resize session, one input; only the output's memory differs
    assert mmod.reuse(np.zeros(10, np.float32), (2, 3)).shape == (2, 3)
    assert mmod.reuse(np.zeros(5, np.float32), (2, 3)) is None


@pytest.mark.parametrize("quarter_turns", [0, 1, 2])
def test_strongest_kept_is_the_first_accepted_detection(quarter_turns: int) -> None:
    """The quarter-turn vote's shortcut (the windows visited strongest first, stopping at the
    first one kept and accepted) gives what filtering the whole suppressed list gives, at
    the vote's low threshold where there are thousands of windows."""
    rgb = np.ascontiguousarray(np.rot90(decode_rgb(imagefactory.small_faces_scene()[0])[380:620, 100:340], quarter_turns))
    detector = weights.mmod_detector().model
    for accept in (lambda w: True, lambda w: w.left > 60 and w.top > 40, lambda w: w.right - w.left > 100, lambda w: False):
        expected = next((w for w in detector.detect(rgb, 1.0, -3.0) if accept(w)), None)
        [found] = detector.strongest_kept([rgb], -3.0, accept)
        assert found == expected
    alone = detector.detect(rgb, 1.0, -3.0)[0]
    for found in detector.strongest_kept([rgb, rgb], -3.0, lambda w: True):  # a batch: scores within float error
        assert abs(found.score - alone.score) < 1e-4 and abs(found.left - alone.left) < 1e-3 and abs(found.top - alone.top) < 1e-3
