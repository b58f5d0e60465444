"""The engine room: ``rekognition_mock.vision`` used directly, without AWS around it."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import subprocess
import threading
import sys
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest

import imagefactory
import rekognition_mock
from rekognition_mock import mock_rekognition, settings
from rekognition_mock.vision import EngineConfig, FaceEngine, decode_rgb, detection, get_engine, weights
from rekognition_mock.vision import engine as engine_module
from rekognition_mock.vision import memory
from rekognition_mock.vision.detection import confidence_from_score
from rekognition_mock.vision.similarity import similarity_from_distance
from shapecheck import assert_output_shape

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
HOPPER_FACE = imagefactory.GRACE_HOPPER_FACE
BLURRED = imagefactory.blurred(radius=3)  # still detected, visibly soft
DARK = imagefactory.dark(factor=0.2)  # 20 % brightness: still detected
REPO = Path(__file__).resolve().parents[1]


def engine() -> FaceEngine:
    return get_engine(EngineConfig())


def the_face(data: bytes) -> Any:
    faces = engine().analyze(data).faces
    assert len(faces) == 1
    return faces[0]


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (same virtualenv), from the repo root."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("REKOGNITION_MOCK_")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=environ, capture_output=True, text=True, timeout=120
    )


# --- decoding ----------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", [6, 8])
def test_decode_applies_exif_orientation(orientation: int) -> None:
    data = imagefactory.exif_rotated(orientation=orientation)
    rgb = decode_rgb(data)
    assert rgb.shape == (600, 512, 3)  # upright, although stored 600 wide and 512 high
    upright = decode_rgb(HOPPER)
    # Same picture, not merely the same size (JPEG re-encoding allows small differences).
    assert np.abs(rgb.astype(int) - upright.astype(int)).mean() < 4


@pytest.mark.parametrize(
    "builder",
    [imagefactory.rgba_png, imagefactory.grayscale_png, imagefactory.png16, imagefactory.exif_rotated],
    ids=["rgba", "greyscale", "16-bit", "exif"],
)
def test_decode_gives_rgb_uint8(builder: Any) -> None:
    rgb = decode_rgb(builder())
    assert rgb.shape == (600, 512, 3)
    assert rgb.dtype == np.uint8
    assert rgb.flags["C_CONTIGUOUS"]
    assert 40 < rgb.mean() < 200  # not black, not white: the photo survived the conversion


def test_decode_16_bit_and_greyscale_agree() -> None:
    grey8 = decode_rgb(imagefactory.grayscale_png())
    grey16 = decode_rgb(imagefactory.png16())
    assert np.array_equal(grey8, grey16)
    assert np.array_equal(grey8[..., 0], grey8[..., 1]) and np.array_equal(grey8[..., 1], grey8[..., 2])


def test_rgba_border_is_composited_over_white() -> None:
    rgb = decode_rgb(imagefactory.rgba_png())
    opaque = decode_rgb(HOPPER)
    # The 24-px border is 96/255 opaque over white, so it is lighter than the photo there.
    assert rgb[:24].mean() > opaque[:24].mean()
    assert np.abs(rgb[100:500, 100:400].astype(int) - opaque[100:500, 100:400].astype(int)).mean() < 1


# --- caching --------------------------------------------------------------------------------


def test_same_bytes_are_analysed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real_detect = detection.detect

    def counting_detect(rgb: np.ndarray, config: EngineConfig) -> Any:
        calls.append(1)
        return real_detect(rgb, config)

    monkeypatch.setattr(detection, "detect", counting_detect)
    monkeypatch.setattr(engine_module, "_DISK_CACHE", None)  # count in-process caching only
    fresh = FaceEngine(EngineConfig())  # its own, empty cache
    first = fresh.analyze(HOPPER)
    second = fresh.analyze(bytes(HOPPER))  # equal content, different object
    assert second is first
    assert len(calls) == 1
    assert len(first.faces) == 1
    # Other bytes are analysed on their own.
    other = fresh.analyze(imagefactory.fixture_bytes("astronaut.jpg"))
    assert other is not first and len(calls) == 2


def test_caches_are_bounded_in_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decoded pixels and analyses are kept up to a number of bytes, least recently used
    first out; an image larger than the whole pixel cache is not kept at all."""
    monkeypatch.setattr(engine_module, "_DISK_CACHE", None)
    images = [HOPPER, imagefactory.exif_rotated(orientation=6), imagefactory.exif_rotated(orientation=8)]
    sizes = [decode_rgb(data).nbytes for data in images]
    assert len(set(sizes)) == 1  # three different images of one size
    fresh = FaceEngine(EngineConfig(), cache_bytes=3 * engine_module._FACE_BYTES, pixel_cache_bytes=2 * sizes[0])
    analyses = [fresh.analyze(data) for data in images]
    assert all(len(a.faces) == 1 for a in analyses)
    keys = [a.key for a in analyses]
    assert fresh._pixels.nbytes == 2 * sizes[0]  # the two most recent images' pixels
    assert fresh._pixels.get(keys[0]) is None and fresh._pixels.get(keys[2]) is not None
    assert fresh._cache.nbytes <= 3 * engine_module._FACE_BYTES  # two analyses of one face each
    assert fresh.peek(images[0])[1] is None  # the oldest analysis went first
    assert fresh.peek(images[2])[1] is analyses[2]
    large = imagefactory.two_person_composite(height=1400)
    assert decode_rgb(large).nbytes > 2 * sizes[0]
    fresh.analyze(large)
    assert fresh._pixels.get(fresh.analyze(large).key) is None  # larger than the whole cache: not kept
    assert fresh._pixels.get(keys[2]) is not None and fresh._pixels.nbytes == 2 * sizes[0]


def test_defaults_bound_both_caches() -> None:
    fresh = FaceEngine(EngineConfig())
    assert fresh._cache.budget == engine_module.ANALYSIS_CACHE_BYTES <= 64 * 2**20
    assert fresh._pixels.budget == engine_module.PIXEL_CACHE_BYTES <= 64 * 2**20


class RecordingBudget(memory.Budget):
    """The analysis budget, recording what was reserved and the most ever in use at once."""

    def __init__(self, capacity: int) -> None:
        super().__init__(capacity)
        self.reserved: list[int] = []
        self.in_use = self.most = 0
        self.passes = self.most_passes = 0  # reservations held at once

    @contextlib.contextmanager
    def reserve(self, amount: int) -> Any:
        with super().reserve(amount):
            with self._cond:
                self.reserved.append(min(amount, self.capacity))
                self.in_use += self.reserved[-1]
                self.most = max(self.most, self.in_use)
                self.passes += 1
                self.most_passes = max(self.most_passes, self.passes)
            try:
                yield
            finally:
                with self._cond:
                    self.in_use -= min(amount, self.capacity)
                    self.passes -= 1


def test_concurrent_analyses_share_one_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three images analysed at once: what the analyses hold together never passes the
    budget, and an image at AWS's reference size takes the whole of it."""
    monkeypatch.setattr(engine_module, "_DISK_CACHE", None)
    budget = RecordingBudget(memory.ANALYSIS_BUDGET_PIXELS)
    monkeypatch.setattr(engine_module, "_BUDGET", budget)
    fresh = FaceEngine(EngineConfig())
    images = [imagefactory.small_faces_scene()[0], HOPPER, imagefactory.fixture_bytes("astronaut.jpg")]
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        found = list(pool.map(lambda data: len(fresh.analyze(data, descriptors=True).faces), images))
    assert found[0] >= 1 and found[1:] == [1, 1]
    assert sorted(budget.reserved)[-1] == budget.capacity  # 1920×1080: the detector sees 3840×2160
    assert sum(budget.reserved) > budget.capacity and budget.most <= budget.capacity
    assert budget.in_use == 0 and budget._free == budget.capacity


def test_passes_over_small_images_run_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory follows the pixels analysed, not the number of requests (issue 25: sixteen
    small images at once took a server to 1.1 GB): detection, attributes and late
    descriptors of small images each reserve what any pass holds, so they run one at a time."""
    monkeypatch.setattr(engine_module, "_DISK_CACHE", None)
    budget = RecordingBudget(memory.ANALYSIS_BUDGET_PIXELS)
    monkeypatch.setattr(engine_module, "_BUDGET", budget)
    fresh = FaceEngine(EngineConfig())
    images = [HOPPER, imagefactory.fixture_bytes("astronaut.jpg"), imagefactory.augmented()]

    def serve(data: bytes) -> None:
        analysis = fresh.analyze(data)
        fresh.add_attributes(analysis, data, ["age_gender"])
        fresh.analyze(data, descriptors=True)

    with concurrent.futures.ThreadPoolExecutor(len(images)) as pool:
        list(pool.map(serve, images))
    assert len(budget.reserved) == 3 * len(images)  # a detection, an attribute pass and a descriptor pass each
    assert min(budget.reserved) > budget.capacity // 2 and budget.most_passes == 1
    assert budget.in_use == 0 and budget._free == budget.capacity


def test_the_budget_serves_in_order_and_lets_small_ones_share() -> None:
    budget = memory.Budget(10)
    events: list[str] = []
    entered = threading.Event()
    release = threading.Event()

    def hold(name: str, amount: int, wait: bool) -> None:
        with budget.reserve(amount):
            events.append(name)
            entered.set()
            if wait:
                release.wait()

    first = threading.Thread(target=hold, args=("big", 10, True))
    first.start()
    entered.wait()
    waiting = [threading.Thread(target=hold, args=(name, amount, False)) for name, amount in (("small-1", 3), ("small-2", 3))]
    for queued, thread in enumerate(waiting, start=1):
        thread.start()
        while True:  # until it is queued behind the big one (in this order)
            with budget._cond:
                if len(budget._queue) == queued:
                    break
            release.wait(0.01)
    assert events == ["big"]  # nothing passes a full budget
    release.set()
    for thread in [first, *waiting]:
        thread.join()
    assert events == ["big", "small-1", "small-2"] and budget._free == 10


def test_engines_are_shared_per_configuration() -> None:
    assert get_engine(EngineConfig()) is get_engine(EngineConfig(detector="cnn"))
    assert get_engine(EngineConfig()) is not get_engine(EngineConfig(detector="cnn", min_face_ratio=0.5))
    assert EngineConfig().cache_key != EngineConfig(min_face_ratio=0.5).cache_key
    assert EngineConfig().cache_key != EngineConfig(detector="hog").cache_key
    assert EngineConfig().cache_key != EngineConfig(rotations="off").cache_key


def test_descriptors_are_128_float32_and_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "_DISK_CACHE", None)  # count in-process caching only
    fresh = FaceEngine(EngineConfig())
    plain = fresh.analyze(HOPPER)
    assert plain.faces[0].descriptor is None  # not computed unless asked for

    calls: list[int] = []
    real_describe = FaceEngine._describe

    def counting_describe(self: FaceEngine, analysis: Any, rgb: np.ndarray) -> None:
        calls.append(1)
        real_describe(self, analysis, rgb)

    monkeypatch.setattr(FaceEngine, "_describe", counting_describe)
    described = fresh.analyze(HOPPER, descriptors=True)
    assert described is plain
    vector = described.faces[0].descriptor
    assert isinstance(vector, np.ndarray)
    assert vector.shape == (128,) and vector.dtype == np.float32
    assert np.isfinite(vector).all() and 0.5 < np.linalg.norm(vector) < 2
    again = fresh.analyze(HOPPER, descriptors=True)
    assert again.faces[0].descriptor is vector
    assert len(calls) == 1


def test_descriptor_distances() -> None:
    def vector(data: bytes) -> np.ndarray:
        return engine().analyze(data, descriptors=True).faces[0].descriptor

    hopper = vector(HOPPER)
    same = np.linalg.norm(hopper - vector(imagefactory.augmented()))
    other = np.linalg.norm(hopper - vector(imagefactory.fixture_bytes("astronaut.jpg")))
    assert same < 0.3 < 0.6 < other


def test_no_faces_no_descriptors() -> None:
    analysis = engine().analyze(imagefactory.face_free(), descriptors=True)
    assert analysis.faces == []
    assert (analysis.width, analysis.height) == (600, 400)


# --- lazy loading ---------------------------------------------------------------------------


def test_import_loads_no_model_and_no_dlib() -> None:
    result = run_python(
        "import sys, rekognition_mock\n"
        "from rekognition_mock.vision import weights\n"
        "assert weights.loaded_models() == [], weights.loaded_models()\n"
        "assert 'dlib' not in sys.modules\n"
        "import moto.rekognition\n"
        "assert type(moto.rekognition.rekognition_backends).__module__.startswith('moto')\n"
        "from rekognition_mock.service.models import rekognition_backends\n"
        "assert moto.rekognition.rekognition_backends is rekognition_backends\n"
        "assert weights.loaded_models() == [] and 'dlib' not in sys.modules\n"
        "print('ok')\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_models_load_on_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "_DISK_CACHE", None)
    before = set(weights.loaded_models())  # the parity tests may have loaded dlib's CNN already
    FaceEngine(EngineConfig()).analyze(HOPPER, descriptors=True)
    assert {"mmod", "sp68", "resnet"} <= set(weights.loaded_models())
    assert "dlib-cnn" not in set(weights.loaded_models()) - before  # dlib's own CNN is only a reference
    assert weights.mmod_detector() is weights.mmod_detector()  # loaded once, then shared


# --- detector choice ------------------------------------------------------------------------


@pytest.fixture
def reset_detector() -> Any:
    yield
    rekognition_mock.configure(detector=None)


def test_hog_detector_finds_the_face(reset_detector: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cheapest mode, dlib's HOG, still answers through the API."""
    monkeypatch.setattr(engine_module, "_DISK_CACHE", None)  # really run it
    monkeypatch.setattr(settings, "_applied_cache_dir", settings.cache_dir)  # and keep it off
    rekognition_mock.configure(detector="hog")
    assert settings.detector == "hog"
    with mock_rekognition():
        client = boto3.client("rekognition", region_name="us-east-1")
        response = client.detect_faces(Image={"Bytes": HOPPER})
    assert "hog" in weights.loaded_models()
    assert_output_shape("DetectFaces", response)
    faces = response["FaceDetails"]
    assert len(faces) == 1
    box = faces[0]["BoundingBox"]
    cx = (box["Left"] + box["Width"] / 2) * 512
    cy = (box["Top"] + box["Height"] / 2) * 600
    assert abs(cx - (HOPPER_FACE[0] + HOPPER_FACE[2]) / 2) < 25
    assert abs(cy - (HOPPER_FACE[1] + HOPPER_FACE[3]) / 2) < 25
    assert faces[0]["Confidence"] >= 90


def test_detector_from_environment(monkeypatch: pytest.MonkeyPatch, reset_detector: None) -> None:
    rekognition_mock.configure(detector=None)
    monkeypatch.delenv("REKOGNITION_MOCK_DETECTOR", raising=False)
    assert settings.detector == "cnn"
    monkeypatch.setenv("REKOGNITION_MOCK_DETECTOR", " HOG ")
    assert settings.detector == "hog"
    assert settings.engine_config().detector == "hog"
    # configure() wins over the environment.
    rekognition_mock.configure(detector="cnn")
    assert settings.engine_config() == EngineConfig(detector="cnn")


@pytest.mark.parametrize("name", ["fast", "HOG ", "", "mmod"])
def test_invalid_detector_name(name: str, reset_detector: None) -> None:
    before = settings.detector
    with pytest.raises(ValueError):
        rekognition_mock.configure(detector=name)
    with pytest.raises(ValueError):
        EngineConfig(detector=name)
    assert settings.detector == before  # a refused value changes nothing


def test_invalid_detector_in_environment(monkeypatch: pytest.MonkeyPatch, reset_detector: None) -> None:
    monkeypatch.setenv("REKOGNITION_MOCK_DETECTOR", "bogus")
    with pytest.raises(ValueError, match="REKOGNITION_MOCK_DETECTOR"):
        _ = settings.detector


# --- measurements ---------------------------------------------------------------------------


def test_confidence_from_score_is_monotonic() -> None:
    scores = np.linspace(-2.0, 3.0, 501)
    for detector in ("hog", "cnn"):
        values = [confidence_from_score(float(s), detector) for s in scores]
        assert all(0 <= v <= 100 for v in values)
        assert all(a <= b for a, b in zip(values, values[1:]))
        assert values[0] < 1 and values[-1] > 99.9
    for score in (0.7, 0.8, 1.0, 1.27, 2.0, 5.0):
        assert confidence_from_score(score, "hog") >= 99
    assert confidence_from_score(0.1, "hog") == pytest.approx(50)
    assert confidence_from_score(0.0, "cnn") == pytest.approx(50)  # the CNN's curve is centred at 0
    assert confidence_from_score(0.6, "cnn") >= 99


def test_hopper_face_measurements() -> None:
    face = the_face(HOPPER)
    # Near the box dlib's detector reports for this photo (rekognition_mock/photos/README.md); the
    # engine's box may be a little larger (forehead, jaw, chin).
    cx, cy = (face.left + face.right) / 2, (face.top + face.bottom) / 2
    assert abs(cx - (HOPPER_FACE[0] + HOPPER_FACE[2]) / 2) < 20
    assert abs(cy - (HOPPER_FACE[1] + HOPPER_FACE[3]) / 2) < 20
    assert 0.75 * 186 < face.width < 1.4 * 186 and 0.75 * 186 < face.height < 1.4 * 186
    # The eyes, nose and mouth are inside it.
    for x, y in face.landmarks[27:68]:
        assert face.left <= x <= face.right and face.top <= y <= face.bottom
    assert face.landmarks.shape == (68, 2)
    assert face.confidence >= 99 and face.score >= 0.7
    assert face.confidence == pytest.approx(confidence_from_score(face.score))


def test_frontal_pose_is_near_zero() -> None:
    face = the_face(HOPPER)
    assert abs(face.roll) < 15
    assert abs(face.yaw) < 15
    assert abs(face.pitch) < 25


def test_blur_lowers_sharpness() -> None:
    sharp = the_face(HOPPER)
    soft = the_face(BLURRED)
    assert soft.sharpness < sharp.sharpness - 30
    # Blur keeps the light; only the dark hat bleeding into the box shifts it a little.
    assert soft.brightness == pytest.approx(sharp.brightness, abs=8)


def test_darkness_lowers_brightness() -> None:
    bright = the_face(HOPPER)
    dark = the_face(DARK)
    assert dark.brightness < bright.brightness / 4
    assert 0 <= dark.brightness <= 100 and 0 <= bright.brightness <= 100


def test_min_face_ratio_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from rekognition_mock.settings import settings
    from rekognition_mock.vision.detection import analysis_scale

    monkeypatch.delenv("REKOGNITION_MOCK_MIN_FACE_RATIO", raising=False)
    default = settings.engine_config()
    assert default.min_face_ratio == 0  # by default only AWS's 40 px limit applies
    assert analysis_scale(1920, 1080, default) == pytest.approx(2.0)  # 40 px faces fill the 80 px window
    monkeypatch.setenv("REKOGNITION_MOCK_MIN_FACE_RATIO", "0.0625")
    coarser = settings.engine_config()
    assert coarser.min_face_ratio == pytest.approx(0.0625)
    assert analysis_scale(1920, 1080, coarser) == pytest.approx(80 / 120)
    for bad in ("zero", "-0.1", "1.5"):
        monkeypatch.setenv("REKOGNITION_MOCK_MIN_FACE_RATIO", bad)
        with pytest.raises(ValueError, match="REKOGNITION_MOCK_MIN_FACE_RATIO"):
            settings.engine_config()


def test_rotations_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REKOGNITION_MOCK_ROTATIONS", raising=False)
    assert settings.engine_config().rotations == "coarse"
    monkeypatch.setenv("REKOGNITION_MOCK_ROTATIONS", "Full")
    assert settings.engine_config().rotations == "full"
    monkeypatch.setenv("REKOGNITION_MOCK_ROTATIONS", "sideways")
    with pytest.raises(ValueError, match="REKOGNITION_MOCK_ROTATIONS"):
        settings.engine_config()


def test_smallest_face_follows_aws() -> None:
    """40 px up to 1920×1080; proportionally larger faces in larger images."""
    from rekognition_mock.vision.detection import smallest_face

    config = EngineConfig()
    assert smallest_face(1920, 1080, config) == 40
    assert smallest_face(1080, 1920, config) == 40  # orientation does not matter
    assert smallest_face(500, 375, config) == 40
    assert smallest_face(3840, 2160, config) == pytest.approx(80)
    assert smallest_face(4000, 3000, config) == pytest.approx(40 * 3000 / 1080)


# --- large images: reduced decoding, bounded memory -------------------------------------------


def large_scene() -> tuple[bytes, tuple[int, int, int, int]]:
    """An 8000×6000 JPEG (the coffee photo enlarged) with Grace Hopper's portrait pasted in
    at 900×1055 px; returns the bytes and where the portrait is (left, top, right, bottom)."""
    import io

    from PIL import Image

    scene = Image.open(io.BytesIO(imagefactory.fixture_bytes("coffee.jpg"))).convert("RGB").resize((8000, 6000))
    portrait = Image.open(io.BytesIO(HOPPER)).convert("RGB").resize((900, 1055))
    scene.paste(portrait, (5200, 1400))
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=80)
    return out.getvalue(), (5200, 1400, 6100, 2455)


def test_a_large_image_is_decoded_smaller_and_answered_in_its_own_pixels() -> None:
    """AWS's smallest face grows with the image beyond 1920×1080, so an 8000×6000 photo is
    decoded at half size (JPEG draft mode); boxes, landmarks and descriptors still refer to
    the photo itself."""
    data, (left, top, right, bottom) = large_scene()
    assert len(data) < 5 * 1024 * 1024
    analysis = FaceEngine(EngineConfig()).analyze(data, descriptors=True)
    assert (analysis.width, analysis.height) == (8000, 6000)
    assert analysis._pixel_scale == (2.0, 2.0)
    [face] = analysis.faces
    assert left < face.left < face.right < right and top < face.top < face.bottom < bottom
    assert left < face.landmarks[:, 0].min() and face.landmarks[:, 0].max() < right
    reference = FaceEngine(EngineConfig()).analyze(HOPPER, descriptors=True).faces[0].descriptor
    distance = float(np.linalg.norm(face.descriptor - reference))
    assert similarity_from_distance(distance) >= 99


MEMORY_PROBE = """
import json, os, sys
sys.path.insert(0, {tests!r})
import imagefactory
from rekognition_mock.vision import EngineConfig, FaceEngine

def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

def peak():  # this process's own high-water mark: ru_maxrss would report the parent's when larger
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:")) / 1024

data = {builder}
engine = FaceEngine(EngineConfig())
engine.analyze(imagefactory.fixture_bytes("grace_hopper.jpg"), descriptors=True)  # models loaded: idle
idle = max(rss(), peak())
faces = engine.analyze(data, descriptors=True).faces
print(peak() - idle, rss() - idle)
print(json.dumps([[f.left, f.top, f.right, f.bottom] for f in faces]))
"""


@pytest.mark.parametrize(
    "builder",
    [
        pytest.param("imagefactory.small_faces_scene()[0]", id="1920x1080-jpeg"),
        pytest.param("imagefactory.decompression_bomb_png(10000, 10000)", id="10000x10000-1bit-png"),
    ],
)
def test_memory_follows_the_work_not_the_image(builder: str) -> None:
    """Peak RSS of one analysis stays under 400 MB above the idle process, and the process
    comes back within 100 MB of its idle size (measured in a child process)."""
    peak, after, _ = memory_probe(builder)
    assert peak < 400, f"peak {peak:.0f} MB above idle"
    assert after < 100, f"{after:.0f} MB still held after the request"


def memory_probe(builder: str) -> tuple[float, float, list[list[float]]]:
    """Peak and final RSS (MB above the idle process) of one analysis, with descriptors, of
    the image ``builder`` (Python, run in the child) gives, and the face boxes found."""
    import json

    from helpers import child_env

    code = MEMORY_PROBE.format(tests=str(Path(__file__).parent), builder=builder)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=child_env(), timeout=600,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    sizes, boxes = out.stdout.splitlines()[-2:]
    peak, after = (float(v) for v in sizes.split())
    return peak, after, json.loads(boxes)


@pytest.mark.parametrize(
    "size",
    [
        pytest.param((5759, 3239), id="5759x3239-largest-decoded-whole"),
        pytest.param((7679, 4319), id="7679x4319-decoded-at-half"),
        pytest.param((4319, 7679), id="4319x7679-portrait"),
    ],
)
def test_memory_of_large_jpegs_follows_the_work(size: tuple[int, int], tmp_path: Path) -> None:
    """JPEGs of up to 4x AWS's 1920x1080 whose faces are just above the smallest AWS reports
    at that size: every face is found, peak RSS stays under 400 MB above the idle process and
    the process comes back within 100 MB (the JPEG is composed here: the child only analyses)."""
    data, pasted = imagefactory.large_faces_jpeg(*size)
    assert len(data) <= 5 * 1024 * 1024  # an image AWS accepts as bytes
    path = tmp_path / "scene.jpg"
    path.write_bytes(data)
    peak, after, boxes = memory_probe(f"open({str(path)!r}, 'rb').read()")
    assert peak < 400, f"peak {peak:.0f} MB above idle"
    assert after < 100, f"{after:.0f} MB still held after the request"
    assert len(boxes) == len(pasted)
    for left, top, right, bottom in pasted:
        cx, cy = (left + right) / 2, (top + bottom) / 2
        assert any(l < cx < r and t < cy < b and 0.7 < (r - l) / (right - left) < 1.5 for l, t, r, b in boxes), (left, top)


@pytest.mark.parametrize("detector", ["cnn", "hog"])
def test_a_mirrored_head_turn_flips_yaw(detector: str) -> None:
    """A head turned to the image's left has a negative Yaw, its mirror image the opposite,
    whichever detector found it (pose is read from the landmarks and their mirror's)."""
    engine = FaceEngine(EngineConfig(detector=detector))
    [turned] = engine.analyze(imagefactory.head_turned()).faces
    [mirrored] = engine.analyze(imagefactory.head_turned(mirror=True)).faces
    assert turned.yaw < -10 and mirrored.yaw > 10
    assert abs(turned.yaw + mirrored.yaw) < 6 and abs(turned.roll + mirrored.roll) < 3


def test_a_head_tilted_past_the_shape_predictor_is_turned_upright_first() -> None:
    """The astronaut turned 60° counter-clockwise: the shape predictor alone leans her the
    wrong way; HOG's vote turns her upright for it, and Roll is her tilt."""
    engine = FaceEngine(EngineConfig())
    [face] = engine.analyze(imagefactory.tilted("astronaut.jpg", 60)).faces
    assert abs(face.roll + 60) < 12
    points = face.landmarks
    assert points[36:42, 1].mean() > points[42:48, 1].mean()  # the eye on the image's left is lower
    [upright] = engine.analyze(imagefactory.fixture_bytes("astronaut.jpg")).faces
    assert abs(upright.roll) < 10


def test_upright_landmarks_are_left_as_they_are() -> None:
    from rekognition_mock.vision.landmarks import landmarks_68, untilted_landmarks_68

    astronaut = imagefactory.fixture_bytes("astronaut.jpg")
    engine = FaceEngine(EngineConfig())
    analysis = engine.analyze(astronaut)
    [face] = analysis.faces
    rgb = engine.pixels(analysis, astronaut)
    box = (face.left, face.top, face.right, face.bottom)
    found = landmarks_68(rgb, box)
    assert untilted_landmarks_68(rgb, box, found) is found


def test_a_face_hog_sees_from_the_side_is_posed_in_hogs_box() -> None:
    """When HOG's side filter clearly finds a turned head, Yaw is read from the landmarks
    found in HOG's box (the boxes the shape predictor was trained on), whatever the
    landmarks in the CNN's box said; the head and its mirror image turn opposite ways."""
    from rekognition_mock.vision.landmarks import side_view_yaw

    found = []
    for mirror in (False, True):
        data = imagefactory.head_turned(mirror=mirror, squeeze=0.3)
        engine = FaceEngine(EngineConfig())
        analysis = engine.analyze(data)
        [face] = analysis.faces
        rgb = engine.pixels(analysis, data)
        box = (face.left, face.top, face.right, face.bottom)
        yaws = {side_view_yaw(rgb, box, guess) for guess in (25.0, -25.0, 40.0)}
        assert len(yaws) == 1
        found.append(yaws.pop())
    turned, mirrored = found
    assert turned < -10 and mirrored > 10 and abs(turned + mirrored) < 4


def test_hogs_side_view_filters_overrule_only_a_clear_disagreement() -> None:
    """A near-frontal face gives HOG's side filters no clear say: whatever sign the landmarks
    give a turn, it is kept (the profile it corrects is among the development photos)."""
    from rekognition_mock.vision.landmarks import side_view_yaw

    data = imagefactory.head_turned()
    engine = FaceEngine(EngineConfig())
    analysis = engine.analyze(data)
    [face] = analysis.faces
    rgb = engine.pixels(analysis, data)
    box = (face.left, face.top, face.right, face.bottom)
    assert side_view_yaw(rgb, box, 25.0) == 25.0 and side_view_yaw(rgb, box, -25.0) == -25.0
    assert side_view_yaw(rgb, box, 12.0) == 12.0  # small turns are not checked at all
