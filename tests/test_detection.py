"""``rekognition_mock.vision.detection``: which faces the engine finds, by default."""

from __future__ import annotations

import numpy as np
import pytest

import imagefactory
from rekognition_mock.vision import EngineConfig, FaceEngine
from rekognition_mock.vision.orientation import rotate_box, unrotate_box, unrotate_points


def analyse(data: bytes, **config: object):
    return FaceEngine(EngineConfig(**config)).analyze(data)  # a fresh engine: really detect


def centre_inside(box: tuple[float, float, float, float], face) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return face.left <= cx <= face.right and face.top <= cy <= face.bottom


def test_small_faces_in_a_full_hd_scene_are_found() -> None:
    """AWS finds faces down to 40 px in a 1920×1080 image; so does the default engine."""
    data, boxes = imagefactory.small_faces_scene()
    faces = analyse(data).faces
    assert len(faces) == len(boxes)
    for box in boxes:
        assert sum(centre_inside(box, f) for f in faces) == 1, box
    for face in faces:
        assert 40 <= face.width <= 80  # about the pasted size, not a larger false window


def test_hog_mode_is_the_cheapest_and_finds_the_portraits() -> None:
    for name in ("grace_hopper.jpg", "astronaut.jpg"):
        assert len(analyse(imagefactory.fixture_bytes(name), detector="hog").faces) == 1


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_faces_at_any_roll(quarter_turns: int) -> None:
    """A portrait turned by 90, 180 or 270 degrees in its pixels: one face, with Roll saying so."""
    faces = analyse(imagefactory.turned(quarter_turns=quarter_turns)).faces
    assert len(faces) == 1
    expected = {1: -90, 2: 180, 3: 90}[quarter_turns]  # clockwise positive, in (-180, 180]
    assert abs((faces[0].roll - expected + 180) % 360 - 180) < 15


def test_upside_down_faces_need_the_turned_passes() -> None:
    assert analyse(imagefactory.turned(quarter_turns=2), rotations="off").faces == []


def test_a_turned_face_keeps_its_landmarks_on_the_face() -> None:
    upright = analyse(imagefactory.fixture_bytes("grace_hopper.jpg")).faces[0]
    turned = analyse(imagefactory.turned(quarter_turns=1)).faces[0]
    # np.rot90 / PIL's ROTATE_90: pixel (x, y) of the 512-wide original is at (y, 511 - x).
    expected = unrotate_points(upright.landmarks, 3, 600, 512)  # the original seen from the turned image
    assert abs(turned.landmarks - expected).mean() < 6


def test_upright_faces_stay_upright() -> None:
    for name in ("grace_hopper.jpg", "astronaut.jpg"):
        face = analyse(imagefactory.fixture_bytes(name)).faces[0]
        assert abs(face.roll) < 20


def test_no_face_in_the_coffee_photo() -> None:
    assert analyse(imagefactory.fixture_bytes("coffee.jpg")).faces == []


@pytest.mark.parametrize("turn", [0, 1, 2, 3])
def test_box_rotation_round_trips(turn: int) -> None:
    box = (10.0, 20.0, 60.0, 90.0)
    assert unrotate_box(rotate_box(box, turn, 200, 100), turn, 200, 100) == pytest.approx(box)


def test_hog_runs_answer_each_image_as_one_run_would() -> None:
    """``hog_runs`` scores images two at a time on two copies of dlib's HOG detector; each
    image gets what the detector alone gives it, in the order given."""
    import numpy as np

    from rekognition_mock.vision import decode_rgb, weights
    from rekognition_mock.vision.hog import hog_runs

    rgb = decode_rgb(imagefactory.fixture_bytes("grace_hopper.jpg"))
    grey = np.ascontiguousarray(rgb.mean(axis=2).astype(np.uint8))
    images = [grey, np.ascontiguousarray(grey[:, ::-1]), np.ascontiguousarray(grey[::2, ::2]), np.ascontiguousarray(grey[::-1])]
    model = weights.hog_detector().model
    alone = [model.run(image, 0, -1.0) for image in images]
    together = hog_runs(images, 0, -1.0)
    assert len(together) == len(images)
    assert sum(len(scores) for _, scores, _ in alone) >= 2  # the upright copies hold her face
    for (rects, scores, filters), (r2, s2, f2) in zip(alone, together):
        assert [(r.left(), r.top(), r.right(), r.bottom()) for r in rects] == [(r.left(), r.top(), r.right(), r.bottom()) for r in r2]
        assert list(scores) == list(s2) and list(filters) == list(f2)


# -- turned faces and faces cut by the frame, composed from the bundled photos ----------------


def _upright(name: str):
    from PIL import Image

    im = Image.open(imagefactory.fixture_path(name)).convert("RGB")
    return im, FaceEngine(EngineConfig()).analyze(imagefactory.png_bytes(im), descriptors=True).faces


def _same_face(box, faces):
    best = max(faces, key=lambda f: imagefactory.overlap(box, (f.left, f.top, f.right, f.bottom)), default=None)
    if best is None or imagefactory.overlap(box, (best.left, best.top, best.right, best.bottom)) < 0.3:
        return None
    return best


def _roll_error(roll: float, expected: float) -> float:
    return abs((roll - expected + 180) % 360 - 180)


@pytest.mark.parametrize("name", ["grace_hopper.jpg", "astronaut.jpg"])
@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_a_turned_portrait_is_the_same_person_at_its_roll(name: str, quarter_turns: int) -> None:
    """AWS handles any roll: the face turned in its pixels is found, its Roll is the upright
    face's turned (counter-clockwise turns read as negative Roll), and it matches its upright
    self at 99 or more."""
    from rekognition_mock.vision.similarity import similarity_from_distance

    im, upright = _upright(name)
    [face] = upright
    turned = FaceEngine(EngineConfig()).analyze(imagefactory.png_bytes(imagefactory.quarter_turned(im, quarter_turns)), descriptors=True)
    box = imagefactory.turned_box((face.left, face.top, face.right, face.bottom), quarter_turns, im.width, im.height)
    found = _same_face(box, turned.faces)
    assert found is not None
    assert _roll_error(found.roll, face.roll - 90 * quarter_turns) <= 15
    assert similarity_from_distance(float(((found.descriptor - face.descriptor) ** 2).sum() ** 0.5)) >= 99


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_a_turned_group_photo_finds_every_face_the_right_way_up(quarter_turns: int) -> None:
    """A photo of small faces taken sideways or upside down: every face found, each with its roll."""
    data, boxes = imagefactory.small_faces_scene()
    from PIL import Image
    import io

    im = Image.open(io.BytesIO(data)).convert("RGB")
    upright = FaceEngine(EngineConfig()).analyze(data).faces
    turned = analyse(imagefactory.png_bytes(imagefactory.quarter_turned(im, quarter_turns))).faces
    assert len(turned) == len(upright) == len(boxes)
    for face in upright:
        box = imagefactory.turned_box((face.left, face.top, face.right, face.bottom), quarter_turns, im.width, im.height)
        found = _same_face(box, turned)
        assert found is not None, box
        assert _roll_error(found.roll, face.roll - 90 * quarter_turns) <= 15


def _found_cut(name: str, edge: str, fraction: float) -> bool:
    """Whether the face of ``name`` cut by ``edge`` by ``fraction`` is found with its box
    reaching past that edge (AWS's negative Left/Top, or Left + Width over 1)."""
    im, [face] = _upright(name)
    crop, truth = imagefactory.cut_by_edge(im, (face.left, face.top, face.right, face.bottom), edge, fraction)
    found = _same_face(truth, analyse(imagefactory.png_bytes(crop)).faces)
    if found is None:
        return False
    return {"left": found.left < 0, "top": found.top < 0, "right": found.right > crop.width, "bottom": found.bottom > crop.height}[edge]


@pytest.mark.parametrize("fraction", [0.25, 1 / 3], ids=["quarter", "third"])
@pytest.mark.parametrize("edge", imagefactory.EDGES)
def test_a_face_cut_by_the_frame_is_found_reaching_past_it(edge: str, fraction: float) -> None:
    """A face a quarter or a third outside the image is found, its box reaching past the edge."""
    assert _found_cut("grace_hopper.jpg", edge, fraction)


def test_faces_cut_by_up_to_half_are_mostly_found() -> None:
    """Over both portraits cut by each edge by a quarter, a third and a half, three faces in
    four or more are found (the issue's bar for cuts of up to a half; half a face without its
    eyes is often not a face to the network)."""
    found = [_found_cut(name, edge, fraction) for name in ("grace_hopper.jpg", "astronaut.jpg")
             for edge in imagefactory.EDGES for fraction in (0.25, 1 / 3, 0.5)]
    assert sum(found) >= 0.75 * len(found), found


def test_no_face_where_a_photo_without_one_is_cut() -> None:
    """The border repeated for faces cut by the frame makes no face of a photo without one."""
    from PIL import Image

    im = Image.open(imagefactory.fixture_path("coffee.jpg")).convert("RGB")
    w, h = im.size
    for box in ((0, 0, w // 2, h), (w // 2, 0, w, h), (0, 0, w, h // 2), (0, h // 2, w, h)):
        assert analyse(imagefactory.png_bytes(im.crop(box))).faces == []


def test_hog_runs_work_in_a_forked_child() -> None:
    """``hog_runs`` keeps a worker thread; a process forked after it ran (a ProcessPoolExecutor,
    pytest-xdist) has no such thread and must start its own instead of waiting for it."""
    import multiprocessing

    import numpy as np

    from rekognition_mock.vision.hog import hog_runs

    images = [np.zeros((120, 120), np.uint8)] * 2
    hog_runs(images, 0, -1.0)  # the worker thread now exists in this process
    with multiprocessing.get_context("fork").Pool(1) as pool:
        result = pool.apply_async(_hog_runs_count, (images,))
        assert result.get(timeout=60) == 2


def _hog_runs_count(images) -> int:
    from rekognition_mock.vision.hog import hog_runs

    return len(hog_runs(images, 0, -1.0))


def test_hog_prompts_the_upside_down_search_only_where_faces_are_upside_down() -> None:
    """A photo where no face was found is searched upside down by the network only when dlib's
    HOG sees a face in that copy: it does for the small-face scene turned upside down (each
    face 44-64 px), not for the scene upright nor for the face-free coffee photo."""
    from rekognition_mock.vision import decode_rgb
    from rekognition_mock.vision.detection import _upright_to_hog, analysis_scale

    scene = decode_rgb(imagefactory.small_faces_scene()[0])
    scale = analysis_scale(scene.shape[1], scene.shape[0], EngineConfig())
    assert _upright_to_hog(np.ascontiguousarray(np.rot90(scene, 2)), scale, 2)
    assert not _upright_to_hog(scene, scale, 2)
    coffee = decode_rgb(imagefactory.fixture_bytes("coffee.jpg"))
    scale = analysis_scale(coffee.shape[1], coffee.shape[0], EngineConfig())
    assert not any(_upright_to_hog(coffee, scale, turn) for turn in range(4))
