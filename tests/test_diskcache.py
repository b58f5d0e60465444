"""The on-disk analysis cache: shared between processes, robust to damage, on under pytest."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import imagefactory
from helpers import child_env
from rekognition_mock.vision.diskcache import DiskCache
from rekognition_mock.vision.engine import FaceEngine

REPO = Path(__file__).resolve().parents[1]
HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")

# Analyse grace_hopper.jpg with descriptors in a fresh process; print the models that had
# to be loaded and the first descriptor values.
PROBE = textwrap.dedent(
    """
    import json, sys
    from rekognition_mock.settings import engine
    from rekognition_mock.vision import weights
    data = open(sys.argv[1], "rb").read()
    face = engine().analyze(data, descriptors=True).faces[0]
    print(json.dumps({"models": weights.loaded_models(), "descriptor": face.descriptor[:4].tolist(),
                      "box": [face.left, face.top, face.right, face.bottom]}))
    """
)


def probe(cache_dir: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(REPO / "rekognition_mock" / "photos" / "grace_hopper.jpg")],
        env=child_env(REKOGNITION_MOCK_CACHE_DIR=str(cache_dir)),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_second_process_reuses_the_analysis_without_loading_models(tmp_path: Path) -> None:
    first = probe(tmp_path)
    assert "mmod" in first["models"] and "resnet" in first["models"]
    assert list(tmp_path.rglob("*.pickle")), "the analysis was written to the cache"
    second = probe(tmp_path)
    assert second["models"] == []  # dlib never ran
    assert second["descriptor"] == first["descriptor"]
    assert second["box"] == first["box"]


def test_a_corrupt_entry_is_ignored_and_recomputed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rekognition_mock.vision import engine as engine_module

    monkeypatch.setattr(engine_module, "_DISK_CACHE", DiskCache(tmp_path))
    reference = FaceEngine().analyze(HOPPER)
    (entry,) = tmp_path.rglob("*.pickle")
    entry.write_bytes(b"\x80\x05 this is not a pickle")
    again = FaceEngine().analyze(HOPPER)  # a fresh engine: nothing in memory
    assert [f.left for f in again.faces] == [f.left for f in reference.faces]
    assert DiskCache(tmp_path).get(reference.key) is not None, "the entry was rewritten"
    entry.write_bytes(entry.read_bytes()[:40])  # truncated
    assert FaceEngine().analyze(HOPPER).faces[0].top == reference.faces[0].top


def _analyse_in_worker(cache_dir: str) -> list[float]:
    from rekognition_mock.vision import engine as engine_module

    engine_module.set_disk_cache(cache_dir)
    faces = FaceEngine().analyze(HOPPER, descriptors=True).faces
    return [faces[0].left, faces[0].top, float(np.asarray(faces[0].descriptor)[0])]


def test_several_processes_share_one_directory(tmp_path: Path) -> None:
    # Like pytest-xdist workers: they race to write the same entries, none reads a torn one.
    with ProcessPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(_analyse_in_worker, [str(tmp_path)] * 6))
    assert all(r == pytest.approx(results[0]) for r in results)
    assert not list(tmp_path.rglob(".tmp-*")), "no temporary file is left behind"
    key = FaceEngine().content_key(hashlib.sha256(HOPPER).hexdigest())
    assert DiskCache(tmp_path).get(key).has_descriptors


# Analyse grace_hopper.jpg with descriptors and the glasses group; print the models loaded.
RACER = textwrap.dedent(
    """
    import json, sys
    from rekognition_mock.settings import engine
    from rekognition_mock.vision import weights
    data = open(sys.argv[1], "rb").read()
    analysis = engine().analyze(data, descriptors=True)
    engine().add_attributes(analysis, data, ["glasses"])
    face = analysis.faces[0]
    print(json.dumps({"models": weights.loaded_models(), "glasses": repr(face.glasses)}))
    """
)


def test_processes_that_meet_the_same_image_analyse_it_once(tmp_path: Path) -> None:
    """pytest-xdist workers of a cold run meet the same photos at the same time: the disk
    cache's lock per key makes one analyse while the others wait and read its entry, and
    the same for each attribute group, so no network runs in two processes."""
    photo = REPO / "rekognition_mock" / "photos" / "grace_hopper.jpg"
    racers = [
        subprocess.Popen([sys.executable, "-c", RACER, str(photo)], env=child_env(REKOGNITION_MOCK_CACHE_DIR=str(tmp_path)),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    results = []
    for racer in racers:
        out, err = racer.communicate(timeout=300)
        assert racer.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    loaded = [model for r in results for model in r["models"]]
    assert {"mmod", "resnet", "glasses"} <= set(loaded)
    assert len(loaded) == len(set(loaded)), results  # no network ran in two processes
    assert len({r["glasses"] for r in results}) == 1  # the others read its attributes


PLUGIN_TEST = textwrap.dedent(
    """
    from rekognition_mock.vision import weights

    def test_detect(rekognition_client, face_image):
        faces = rekognition_client.detect_faces(Image={"Bytes": face_image("grace_hopper")})["FaceDetails"]
        assert len(faces) == 1
        print("MODELS", weights.loaded_models())
    """
)


def run_pytest(folder: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", *args],
        cwd=folder,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_pytest_plugin_keeps_analyses_in_pytest_cache(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(PLUGIN_TEST)
    first = run_pytest(tmp_path)
    assert "MODELS ['hog', 'hog_copy', 'mmod', 'sp68']" in first  # HOG votes on which way up the face is
    assert list((tmp_path / ".pytest_cache" / "d" / "rekognition-mock").rglob("*.pickle"))
    second = run_pytest(tmp_path)
    assert "MODELS []" in second  # the re-run did not run dlib


def test_the_disk_cache_can_be_turned_off_for_a_run(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(PLUGIN_TEST)
    run_pytest(tmp_path, "--rekognition-no-disk-cache")
    assert not list(tmp_path.rglob("*.pickle"))
