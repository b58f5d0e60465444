"""Benchmarks for rekognition-mock: `python bench/run.py [--quick] [--json FILE]`.

Every figure is a ratio against a baseline measured in the same run, or an absolute
latency/size where the issue sets one; these machines are shared and noisy. Nothing in
tests/ asserts a timing. Photos come from ../shared/faces when present, else fixtures/.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # imagefactory: turned and cut copies, composed as the tests compose them

import imagefactory  # noqa: E402
import numpy as np  # noqa: E402
from pg_scale import bench_pg_scale  # noqa: E402
from server_memory import bench_server_memory  # noqa: E402
from video_throughput import bench_video  # noqa: E402

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

TARGETS = {
    "hog_time_ratio": ("<=", 3.0),
    "faces_more_than_hog": (">=", 1),
    "dlib_cnn_speedup": (">=", 15.0),
    "dlib_cnn_faces_lost": ("<=", 0),
    "descriptor_speedup": (">=", 10.0),
    "recall_voc_faces": (">=", 41),
    "recall_scene_faces": (">=", 8),
    "recall_six_people_faces": (">=", 6),
    "no_face_false_faces": ("<=", 0),
    "warm_detect_ratio": ("<=", 2.0),
    "search_1m_p50_ms": ("<=", 50.0),
    "search_1m_recall_at_10": (">=", 1.0),
    "bytes_per_face": ("<=", 1000.0),
    "cnn_s_per_mp": ("<=", 5.0),
    "cnn_faces_lost": ("<=", 0),
    "import_ms": ("<=", 300.0),
    "turned_found_share": (">=", 0.99),
    "turned_roll_share": (">=", 0.99),
    "turned_match_share": (">=", 0.99),
    "cut_third_found_share": (">=", 0.95),
    "cut_half_found_share": (">=", 0.75),
    "cut_false_faces": ("<=", 0),
    "attributes_all_ratio": ("<=", 1.5),
    "similarity_identical": (">=", 100.0),
    "similarity_same_median": ("between", (98.5, 99.7)),
    "similarity_same_pair_median": ("between", (98.5, 99.7)),
    "similarity_same_min": (">=", 90.0),
    "similarity_strangers_max": ("<=", 50.0),
    "server_small16_peak_mb": ("<=", 600.0),
    "server_mixed16_peak_mb": ("<=", 600.0),
    "video_vs_jpeg_speed": (">=", 1.0),
    "pg_two_replicas_index_ratio": (">=", 1.7),
    "pg_two_replicas_search_ratio": (">=", 1.7),
    "pg_index_one_face_share": (">=", 1.0),
    "pg_search_first_match_share": (">=", 1.0),
    "pg_search_100k_planted_first_share": (">=", 1.0),
}

# Who is in which development photo, and which files are one photograph (resized, cut or
# re-encoded copies): pairs within one photograph are not "different photos of one person".
PEOPLE = {
    "obama": {"oval office": ["obama.jpg", "obama-1080p.jpg", "obama-720p.jpg", "obama-480p.jpg", "obama-240p.jpg",
                              "obama_small.jpg", "obama_partial_face.jpg", "obama_partial_face2.jpg"],
              "speech": ["obama2.jpg", "obama_rgba.png"]},
    "biden": {"portrait": ["biden.jpg"]},
    "rdj": {"1": ["wild/rdj_1.jpg"], "2": ["wild/rdj_2.jpg"], "3": ["wild/rdj_3.jpg"]},
    "lowe": {"1": ["wild/lowe_1.jpg"], "2": ["wild/lowe_2.jpg"]},
}


def _shared_photos() -> Path:
    """The development photos: $REKOGNITION_MOCK_PHOTOS, else ``shared/faces`` beside the
    checkout or beside any folder above it (a git worktree lives deeper than the clone)."""
    if os.environ.get("REKOGNITION_MOCK_PHOTOS"):
        return Path(os.environ["REKOGNITION_MOCK_PHOTOS"])
    for folder in ROOT.parents:
        if (folder / "shared" / "faces").is_dir():
            return folder / "shared" / "faces"
    return ROOT.parent / "shared" / "faces"


SHARED = _shared_photos()


def photos() -> list[Path]:
    """Every development photo (portraits, wild/, groups/), else the fixtures."""
    if not SHARED.is_dir():
        return sorted((ROOT / "rekognition_mock" / "photos").glob("*.jpg"))
    return sorted(p for p in SHARED.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))


def timed(fn, repeat: int = 1) -> float:
    """Median wall time of ``fn`` in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# -- the naive pipeline the issue compares against ----------------------------------------


def naive_pipeline(rgb, detector: str = "hog"):
    """dlib as a newcomer would run it: full resolution, upsample 1, then landmarks and
    descriptors. Returns the boxes whose detector score reaches the engine's floor for a
    face (dlib's own threshold of 0 also reports weak non-faces, such as the mission
    patch in the astronaut portrait, which Rekognition would not report)."""
    from rekognition_mock.vision import EngineConfig, weights

    if detector == "hog":
        rects, scores, _ = weights.dlib_hog_detector().model.run(rgb, 1, 0.0)
    else:
        found = weights.dlib_cnn_detector().model(rgb, 1)
        rects, scores = [d.rect for d in found], [d.confidence for d in found]
    floor = EngineConfig(detector=detector).score_floor
    out = []
    for rect, score in zip(rects, scores):
        shape = weights.dlib_shape_predictor_68().model(rgb, rect)
        weights.dlib_face_encoder().model.compute_face_descriptor(rgb, shape)
        if score >= floor:
            out.append((rect.left(), rect.top(), rect.right(), rect.bottom()))
    return out


def lost_faces(reference, found) -> int:
    """Reference boxes whose centre lies in none of the found boxes."""
    lost = 0
    for left, top, right, bottom in reference:
        cx, cy = (left + right) / 2, (top + bottom) / 2
        if not any(f.left <= cx <= f.right and f.top <= cy <= f.bottom for f in found):
            lost += 1
    return lost


# -- figures ---------------------------------------------------------------------------------


def bench_import() -> dict[str, float]:
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import rekognition_mock"], check=True, cwd=ROOT)
        runs.append(time.perf_counter() - start)
    base = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, cwd=ROOT)
        base.append(time.perf_counter() - start)
    return {"import_ms": 1000 * statistics.median(runs), "python_startup_ms": 1000 * statistics.median(base)}


def bench_first_call() -> dict[str, float]:
    code = (
        "import time, boto3; t=time.perf_counter();"
        "from rekognition_mock import mock_rekognition;"
        "m=mock_rekognition(); m.start();"
        "c=boto3.client('rekognition', region_name='us-east-1');"
        f"c.detect_faces(Image={{'Bytes': open({str(ROOT / 'rekognition_mock' / 'photos' / 'grace_hopper.jpg')!r},'rb').read()}});"
        "print((time.perf_counter()-t)*1000)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, capture_output=True, text=True)
    return {"first_call_ms": float(out.stdout.strip().splitlines()[-1])}


def bench_detect(paths: list[Path]) -> dict[str, float]:
    """The default detector against dlib's HOG at upsample 1 (``detector(img, 1)``), side
    by side on each photo: detection alone on the same decoded pixels (every face box, at
    any roll), and the engine's whole first analysis of the bytes (decoding, detection, 68
    landmarks, pose and quality of each face) against decoding plus HOG."""
    from rekognition_mock.vision import EngineConfig, FaceEngine, detection, weights
    from rekognition_mock.vision.decode import decode_rgb

    hog = weights.dlib_hog_detector().model
    FaceEngine(EngineConfig()).analyze((ROOT / "rekognition_mock" / "photos" / "grace_hopper.jpg").read_bytes())  # load the models
    decode_t = hog_t = detect_t = analysis_t = megapixels = 0.0
    hog_faces = our_faces = 0
    for path in paths:
        data = path.read_bytes()
        start = time.perf_counter()
        rgb = decode_rgb(data)
        d = time.perf_counter() - start
        start = time.perf_counter()
        found_hog = hog(rgb, 1)
        h = time.perf_counter() - start
        start = time.perf_counter()
        boxes = detection.detect(rgb, EngineConfig())
        o = time.perf_counter() - start
        start = time.perf_counter()
        found = FaceEngine(EngineConfig()).analyze(data).faces  # a fresh engine: nothing cached
        a = time.perf_counter() - start
        assert len(found) == len(boxes)
        decode_t, hog_t, detect_t, analysis_t = decode_t + d, hog_t + h, detect_t + o, analysis_t + a
        hog_faces, our_faces = hog_faces + len(found_hog), our_faces + len(found)
        megapixels += rgb.shape[0] * rgb.shape[1] / 1e6
        print(
            f"  {path.name:28s} hog(up 1) {h*1000:7.1f} ms {len(found_hog):2d} faces   ours {o*1000:7.1f} ms {len(found):2d} faces"
            f"   x{o/h:5.2f}   analysis x{a/(d + h):5.2f}",
            flush=True,
        )
    return {
        "hog_time_ratio": detect_t / hog_t,
        "analysis_time_ratio": analysis_t / (decode_t + hog_t),
        "faces_found": our_faces,
        "hog_faces_found": hog_faces,
        "faces_more_than_hog": our_faces - hog_faces,
        "cnn_s_per_mp": analysis_t / megapixels,
    }


def bench_attributes(paths: list[Path]) -> dict[str, float]:
    """A cold DetectFaces with ``Attributes=["ALL"]`` against one with DEFAULT: a fresh engine
    (nothing cached) analyses each photo, then computes every attribute group that ALL asks
    for; the networks are loaded first (a process loads them once)."""
    from rekognition_mock.service import shapes
    from rekognition_mock.vision import EngineConfig, FaceEngine

    groups = sorted(shapes.attribute_groups(["ALL"]))
    warm = (ROOT / "rekognition_mock" / "photos" / "grace_hopper.jpg").read_bytes()
    engine = FaceEngine(EngineConfig())
    engine.add_attributes(engine.analyze(warm), warm, groups)  # load every network
    default_t = all_t = 0.0
    faces = 0
    for path in paths:
        data = path.read_bytes()
        engine = FaceEngine(EngineConfig())
        start = time.perf_counter()
        analysis = engine.analyze(data)
        d = time.perf_counter() - start
        start = time.perf_counter()
        engine.add_attributes(analysis, data, groups)
        a = time.perf_counter() - start
        default_t, all_t, faces = default_t + d, all_t + d + a, faces + len(analysis.faces)
        print(f"  {path.name:28s} {len(analysis.faces):2d} faces   DEFAULT {d*1000:7.1f} ms   ALL {(d + a)*1000:7.1f} ms   x{(d + a)/d:5.2f}", flush=True)
    return {"attributes_all_ratio": all_t / default_t, "attributes_ms_per_face": 1000 * (all_t - default_t) / max(1, faces)}


def bench_recall() -> dict[str, float]:
    """Annotated faces found on ../shared/faces/groups, and none on the no-face photos."""
    from rekognition_mock.vision import EngineConfig, FaceEngine

    if not SHARED.is_dir():
        print(f"  recall skipped: no development photos at {SHARED} (set REKOGNITION_MOCK_PHOTOS)", flush=True)
        return {}
    groups = SHARED / "groups"
    annotated = json.loads((groups / "voc_boxes.json").read_text())
    annotated.update(json.loads((groups / "scene_boxes.json").read_text()))

    def found_of(name: str, boxes: list) -> int:
        faces = FaceEngine(EngineConfig()).analyze((groups / name).read_bytes()).faces
        hits = 0
        for b in boxes:
            l, t, w, h = (b["left"], b["top"], b["width"], b["height"]) if isinstance(b, dict) else b
            cx, cy = l + w / 2, t + h / 2
            hits += any(f.left <= cx <= f.right and f.top <= cy <= f.bottom for f in faces)
        return hits

    voc = sum(found_of(n, b) for n, b in annotated.items() if n.startswith("voc_"))
    scene = found_of("scene_small_faces.jpg", annotated["scene_small_faces.jpg"])
    six = len(FaceEngine(EngineConfig()).analyze((groups / "six_people.jpg").read_bytes()).faces)
    false = sum(len(FaceEngine(EngineConfig()).analyze(p.read_bytes()).faces) for p in (SHARED / "wild").glob("no_face_*"))
    print(f"  VOC {voc}/43   scene {scene}/8   six_people {six}/6   faces on no-face photos {false}", flush=True)
    return {"recall_voc_faces": voc, "recall_scene_faces": scene, "recall_six_people_faces": six, "no_face_false_faces": false}


def _faces_of(path: Path, descriptors: bool = False):
    """The upright image of ``path`` and what a fresh default engine finds in it."""
    from PIL import Image, ImageOps

    im = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    return im, fresh_engine().analyze(imagefactory.png_bytes(im), descriptors=descriptors)


def bench_similarity() -> dict[str, float]:
    """Similarity on the development photos' known people (``PEOPLE``): every pair of
    different photographs of one person, one pair per two photographs (the nearest copies),
    the same photograph resized or cut, strangers, and identical bytes. Prints the
    calibration table of docs/how-it-works.md."""
    from itertools import combinations

    from rekognition_mock.service.shapes import number
    from rekognition_mock.vision.similarity import similarity_from_distance

    if not SHARED.is_dir():
        return {}
    engine = fresh_engine()
    faces = {}  # (person, photograph, file) -> descriptor of the largest face
    for person, photographs in PEOPLE.items():
        for photograph, files in photographs.items():
            for name in files:
                found = engine.analyze((SHARED / name).read_bytes(), descriptors=True).faces
                if found:
                    largest = max(found, key=lambda f: (f.right - f.left) * (f.bottom - f.top))
                    faces[(person, photograph, name)] = largest.descriptor
    same, copies, strangers, pair_best = [], [], [], {}
    for a, b in combinations(faces, 2):
        d = float(np.linalg.norm(faces[a] - faces[b]))
        if a[0] != b[0]:
            strangers.append(d)
        elif a[1] == b[1]:
            copies.append(d)
        else:
            same.append(d)
            key = (a[0], *sorted((a[1], b[1])))
            pair_best[key] = min(d, pair_best.get(key, 9.0))
    print("| pairs | count | distance | similarity | median similarity |")
    print("|---|---:|---:|---:|---:|")
    for label, ds in (("identical image", [0.0]), ("one photograph resized or cut", copies),
                      ("different photos of one person, every pair", same),
                      ("different photos of one person, one pair per two photos", list(pair_best.values())),
                      ("strangers", strangers)):
        sims = [similarity_from_distance(d) for d in ds]
        print(f"| {label} | {len(ds)} | {min(ds):.3f}–{max(ds):.3f} | {min(sims):.2f}–{max(sims):.2f} "
              f"| {statistics.median(sims):.2f} |")
    identical = engine.analyze((SHARED / "obama.jpg").read_bytes(), descriptors=True).faces[0].descriptor
    return {
        "similarity_identical": number(similarity_from_distance(float(np.linalg.norm(identical - faces[("obama", "oval office", "obama.jpg")])))),
        "similarity_same_median": statistics.median(similarity_from_distance(d) for d in same),
        "similarity_same_pair_median": statistics.median(similarity_from_distance(d) for d in pair_best.values()),
        "similarity_same_min": min(similarity_from_distance(d) for d in same),
        "similarity_strangers_max": max(similarity_from_distance(d) for d in strangers),
    }


def _validation_photos() -> list[Path]:
    """The held-out photos: the attribute set's validation half (``scripts/attribute_set``),
    where it has been built (``$REKOGNITION_MOCK_VALSET``, default ``/work/valset``)."""
    labels = json.loads((ROOT / "scripts" / "attribute_set" / "labels.json").read_text())
    folder = Path(os.environ.get("REKOGNITION_MOCK_VALSET", "/work/valset")) / "images"
    found = []
    for image in labels["images"]:
        path = folder / image["repo"].replace("/", "+") / image["path"]
        if image.get("split") == "validate" and path.is_file():
            found.append(path)
    return found


def bench_turned(paths: list[Path], prefix: str = "turned") -> dict[str, float]:
    """Every face the engine finds upright, in the photo turned by 90, 180 and 270 degrees:
    found (its box overlaps the turned box), its Roll within 15 degrees of the upright
    face's turned, and its descriptor's similarity to the upright face's at least 99."""
    from rekognition_mock.vision.similarity import similarity_from_distance

    cases = found = roll = match = 0
    for path in paths:
        im, upright = _faces_of(path, descriptors=True)
        if not upright.faces:
            continue
        for turn in (1, 2, 3):
            seen = fresh_engine().analyze(imagefactory.png_bytes(imagefactory.quarter_turned(im, turn)), descriptors=True).faces
            for face in upright.faces:
                cases += 1
                box = imagefactory.turned_box((face.left, face.top, face.right, face.bottom), turn, im.width, im.height)
                best = max(seen, key=lambda f: imagefactory.overlap(box, (f.left, f.top, f.right, f.bottom)), default=None)
                if best is None or imagefactory.overlap(box, (best.left, best.top, best.right, best.bottom)) < 0.3:
                    continue
                found += 1
                roll += abs((best.roll - (face.roll - 90 * turn) + 180) % 360 - 180) <= 15
                match += similarity_from_distance(float(np.linalg.norm(best.descriptor - face.descriptor))) >= 99
        print(f"  {path.name:28s} {cases:4d} cases: found {found}, roll {roll}, match {match}", flush=True)
    cases = max(1, cases)
    return {f"{prefix}_cases": cases, f"{prefix}_found_share": found / cases, f"{prefix}_roll_share": roll / cases,
            f"{prefix}_match_share": match / cases}


def bench_cut(paths: list[Path], prefix: str = "cut") -> dict[str, float]:
    """The largest face the engine finds in each photo, cut by each edge of a crop four faces
    wide by a quarter, a third and a half of the face: found (a face's box overlaps the whole face's), its box
    reaching past the edge; and faces found on the no-face photos cut the same way."""
    cases = {0.25: [0, 0], 0.33: [0, 0], 0.5: [0, 0]}
    beyond = 0
    for path in paths:
        im, upright = _faces_of(path)
        for face in upright.faces[:1]:
            for edge in imagefactory.EDGES:
                for fraction, tally in cases.items():
                    crop, truth = imagefactory.cut_by_edge(im, (face.left, face.top, face.right, face.bottom), edge, fraction)
                    seen = fresh_engine().analyze(imagefactory.png_bytes(crop)).faces
                    hit = next((f for f in seen if imagefactory.overlap(truth, (f.left, f.top, f.right, f.bottom)) > 0.3), None)
                    tally[0] += 1
                    if hit is not None:
                        tally[1] += 1
                        beyond += hit.left < 0 or hit.top < 0 or hit.right > crop.width or hit.bottom > crop.height
        print(f"  {path.name:28s} " + "  ".join(f"{k:.0%} {v[1]}/{v[0]}" for k, v in cases.items()), flush=True)
    false = 0
    for path in (p for p in paths if p.name.startswith("no_face_")):
        im, _ = _faces_of(path)
        for edge in imagefactory.EDGES:  # the photo's halves, each against one edge
            box = {"left": (0, 0, im.width // 2, im.height), "right": (im.width // 2, 0, im.width, im.height),
                   "top": (0, 0, im.width, im.height // 2), "bottom": (0, im.height // 2, im.width, im.height)}[edge]
            false += len(fresh_engine().analyze(imagefactory.png_bytes(im.crop(box))).faces)
    third = [sum(v[i] for k, v in cases.items() if k <= 0.34) for i in (0, 1)]
    half = [sum(v[i] for v in cases.values()) for i in (0, 1)]
    return {f"{prefix}_third_found_share": third[1] / max(1, third[0]), f"{prefix}_half_found_share": half[1] / max(1, half[0]),
            f"{prefix}_found_beyond_edge": beyond / max(1, half[1]), f"{prefix}_false_faces": false}


def fresh_engine():
    """A fresh default engine (nothing cached)."""
    from rekognition_mock.vision import EngineConfig, FaceEngine

    return FaceEngine(EngineConfig())


def bench_dlib_cnn(paths: list[Path]) -> dict[str, float]:
    """The onnxruntime detector against dlib's own CNN at the same upsampling (1, i.e. 2x),
    end to end (upsampling, pyramid, network, non-max suppression), on the same photos."""
    from rekognition_mock.vision import weights
    from rekognition_mock.vision.decode import decode_rgb

    ours_model = weights.mmod_detector().model
    theirs_model = weights.dlib_cnn_detector().model
    theirs_t = ours_t = 0.0
    lost = 0
    for path in paths:
        rgb = decode_rgb(path.read_bytes())
        start = time.perf_counter()
        theirs = theirs_model(rgb, 1)
        t = time.perf_counter() - start
        start = time.perf_counter()
        ours = ours_model.detect(rgb, 2.0)
        o = time.perf_counter() - start
        theirs_t, ours_t = theirs_t + t, ours_t + o
        boxes = [(d.rect.left(), d.rect.top(), d.rect.right(), d.rect.bottom()) for d in theirs]
        lost += lost_faces(boxes, ours)
        print(f"  {path.name:28s} dlib cnn {t:6.2f} s {len(theirs)} faces   ours {o:6.2f} s {len(ours)} faces   x{t/o:5.1f}", flush=True)
    return {"dlib_cnn_speedup": theirs_t / ours_t, "dlib_cnn_faces_lost": lost}


def bench_descriptor(repeat: int) -> dict[str, float]:
    """Time per face of the 128-d descriptor: dlib's ResNet against the onnxruntime one."""
    import dlib

    from rekognition_mock.vision import EngineConfig, FaceEngine, weights
    from rekognition_mock.vision.decode import decode_rgb
    from rekognition_mock.vision.descriptors import face_chip

    data = (ROOT / "rekognition_mock" / "photos" / "grace_hopper.jpg").read_bytes()
    rgb = decode_rgb(data)
    face = FaceEngine(EngineConfig()).analyze(data).faces[0]
    rect = dlib.rectangle(round(face.left), round(face.top), round(face.right) - 1, round(face.bottom) - 1)
    shape = dlib.full_object_detection(rect, [dlib.point(round(x), round(y)) for x, y in face.landmarks])
    theirs = weights.dlib_face_encoder().model
    ours = weights.resnet_encoder().model
    ours.encode([face_chip(rgb, face.landmarks)])
    count = max(5, 5 * repeat)
    t = timed(lambda: [theirs.compute_face_descriptor(rgb, shape) for _ in range(count)]) / count
    o = timed(lambda: [ours.encode([face_chip(rgb, face.landmarks)]) for _ in range(count)]) / count
    return {"descriptor_ms_dlib": t * 1000, "descriptor_ms_ours": o * 1000, "descriptor_speedup": t / o}


def bench_warm_detect(repeat: int) -> dict[str, float]:
    """A repeated DetectFaces on the same bytes against moto's sts.get_caller_identity.

    Both clients are warmed up first, and the two calls alternate so that a slow or
    fast stretch of this shared machine affects both alike.
    """
    import boto3

    from rekognition_mock import mock_rekognition

    data = (ROOT / "rekognition_mock" / "photos" / "grace_hopper.jpg").read_bytes()
    with mock_rekognition():
        rek = boto3.client("rekognition", region_name="us-east-1")
        sts = boto3.client("sts", region_name="us-east-1")
        for _ in range(20):
            rek.detect_faces(Image={"Bytes": data})
            sts.get_caller_identity()
        detect_times, caller_times = [], []
        for _ in range(repeat):
            detect_times.append(timed(lambda: rek.detect_faces(Image={"Bytes": data})))
            caller_times.append(timed(lambda: sts.get_caller_identity()))
    detect, caller = statistics.median(detect_times), statistics.median(caller_times)
    return {"warm_detect_ms": detect * 1000, "sts_caller_identity_ms": caller * 1000, "warm_detect_ratio": detect / caller}


def bench_index(repeat: int) -> dict[str, float]:
    import boto3

    from rekognition_mock import mock_rekognition

    data = (ROOT / "rekognition_mock" / "photos" / "grace_hopper.jpg").read_bytes()
    with mock_rekognition():
        rek = boto3.client("rekognition", region_name="us-east-1")
        rek.create_collection(CollectionId="bench")
        rek.index_faces(CollectionId="bench", Image={"Bytes": data}, ExternalImageId="warm")
        count = max(20, repeat * 10)
        start = time.perf_counter()
        for i in range(count):
            rek.index_faces(CollectionId="bench", Image={"Bytes": data}, ExternalImageId=f"p{i}")
        elapsed = time.perf_counter() - start
    return {"index_faces_per_s": count / elapsed}


def bench_search(size: int, queries: int) -> dict[str, float]:
    import numpy as np

    from rekognition_mock.store.facestore import FaceStore

    rng = np.random.default_rng(7)
    before = _rss()
    store = FaceStore()
    chunk = 100_000
    for start in range(0, size, chunk):
        block = rng.standard_normal((min(chunk, size - start), 128), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        store.add_bulk(block)
    grown = _rss() - before
    store.search(store.descriptors[0], max_distance=10.0, limit=10)  # warm-up (compiles the kernel once)
    picks = rng.integers(0, size, queries)
    latencies, recall = [], []
    for row in picks:
        query = store.descriptors[row] + 0.05 * rng.standard_normal(128).astype(np.float32)
        query /= np.linalg.norm(query)
        start = time.perf_counter()
        hits = store.search(query, max_distance=10.0, limit=10)
        latencies.append(time.perf_counter() - start)
        exact = np.argsort(store.sq_norms[:size] - 2.0 * (store.descriptors[:size] @ query))[:10]
        truth = {int(r) for r in exact}
        got = {store._row(face.face_id) for face, _ in hits}
        recall.append(len(truth & got) / 10)
    label = "1m" if size == 1_000_000 else f"{size // 1000}k"
    return {
        f"search_{label}_p50_ms": 1000 * statistics.median(latencies),
        f"search_{label}_recall_at_10": float(np.mean(recall)),
        "bytes_per_face": grown / size,
    }


def _rss() -> int:
    """Current resident set size in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a reduced run, under 2 minutes")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--only", nargs="*", help="run only these benchmark groups")
    args = parser.parse_args(argv)
    paths = photos()
    repeat = 1 if args.quick else 3
    small = [p for p in paths if p.name in ("obama_small.jpg", "voc_2008_002470.jpg", "rot_90.png")] or paths[:1]
    groups = {
        "import": bench_import,
        "first_call": bench_first_call,
        "detect": lambda: bench_detect(paths),
        "recall": bench_recall,
        "attributes": lambda: bench_attributes(paths),
        "dlib_cnn": lambda: bench_dlib_cnn(small[:1] if args.quick else small),
        "descriptor": lambda: bench_descriptor(repeat),
        "warm_detect": lambda: bench_warm_detect(100 if args.quick else 300),
        "index": lambda: bench_index(repeat),
        "search": lambda: bench_search(1_000_000, 20 if args.quick else 100),
        "similarity": bench_similarity,
        "turned": lambda: bench_turned(paths),
        "cut": lambda: bench_cut(paths),
        "turned_validation": lambda: bench_turned(_validation_photos(), "turned_validation"),
        "cut_validation": lambda: bench_cut(_validation_photos(), "cut_validation"),
        "server_memory": bench_server_memory,
        "video": lambda: bench_video(args.quick),
        "pg_scale": lambda: bench_pg_scale(args.quick),
    }
    slow = ("turned", "cut", "turned_validation", "cut_validation", "server_memory", "pg_scale")  # minutes each: not in --quick unless named
    figures: dict[str, float] = {}
    for name, fn in groups.items():
        if args.only and name not in args.only:
            continue
        if args.quick and not args.only and name in slow:
            continue
        print(f"[{name}]", flush=True)
        figures.update(fn())
    print()
    print(f"{'figure':30s} {'value':>12s}  target")
    for name, value in figures.items():
        target = TARGETS.get(name)
        verdict = ""
        if target:
            op, bound = target
            if op == "between":
                ok = bound[0] <= value <= bound[1]
                verdict = f"in {bound[0]:g}–{bound[1]:g}  {'ok' if ok else 'MISSED'}"
            else:
                ok = value >= bound if op == ">=" else value <= bound
                verdict = f"{op} {bound:g}  {'ok' if ok else 'MISSED'}"
        print(f"{name:30s} {value:12.3f}  {verdict}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
