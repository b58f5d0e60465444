"""Time the numpy HOG detector (``vision/fhog.py``) against dlib's own, per kind of image the
engine gives it: ``python scripts/bench_fhog.py [--repeats N] [--quick]``.

Kinds (as the engine builds them, from ../shared/faces when present and the bundled photos):
- ``crops``: a face's surroundings with the face scaled to 100 px (``landmarks._surroundings``,
  about 200x200 grey), run at upsample 0 / floor -1 (the tilt vote) and upsample 1 / floor -2
  (the side check);
- ``photos``: a whole photo scaled grey for the smallest face and turned upside down
  (``detection._upright_to_hog``), upsample 0, floor 0;
- ``hog-mode``: the detector="hog" path (``detection._detect_hog``): scaled grey with an
  edge-replicated border, upsample 0, the configuration's floor.

dlib and numpy calls alternate on the same images in one process (which goes first alternates
too), every call repeated; a kind's figure is the ratio of the medians of its per-repeat
totals (numpy / dlib). Answers are compared as well: boxes and filter indices equal, scores
within 1e-4. Run with OPENBLAS_NUM_THREADS=1 to see one thread's figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rekognition_mock.vision import detection, landmarks
from rekognition_mock.vision.config import EngineConfig
from rekognition_mock.vision.fhog import FrontalFaceDetector

SHARED = ROOT.parent / "shared" / "faces"
PHOTOS = [
    SHARED / name
    for name in (
        "obama-480p.jpg",
        "obama_small.jpg",
        "two_people.jpg",
        "obama2.jpg",
        "groups/six_people.jpg",
        "groups/voc_2008_001009.jpg",
        "wild/head_tilted.png",
    )
] + [
    ROOT / "rekognition_mock" / "photos" / n
    for n in ("astronaut.jpg", "grace_hopper.jpg", "coffee.jpg")
]


def _rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def build_calls(
    dlib_detector, quick: bool
) -> dict[str, list[tuple[np.ndarray, int, float]]]:
    config = EngineConfig(detector="hog")
    paths = [p for p in PHOTOS if p.exists()]
    if quick:
        paths = paths[:4]
    kinds: dict[str, list] = {"crops": [], "photos": [], "hog-mode": []}
    for path in paths:
        rgb = _rgb(path)
        height, width = rgb.shape[:2]
        scale = detection.analysis_scale(width, height, config)
        grey = detection._resize(rgb, scale, grey=True)
        kinds["photos"].append(
            (np.ascontiguousarray(np.rot90(grey, 2)), 0, detection.HOG_PROMPT)
        )
        padded = np.pad(grey, detection.HOG_PAD, mode="edge")
        kinds["hog-mode"].append((padded, 0, config.score_floor))
        rects = dlib_detector(np.asarray(Image.fromarray(rgb).convert("L")), 1)
        for r in list(rects)[:3]:
            box = (r.left(), r.top(), r.right() + 1, r.bottom() + 1)
            small = np.ascontiguousarray(
                np.asarray(landmarks._surroundings(rgb, box)[-1])
            )
            kinds["crops"].append((small, 0, -1.0))
            kinds["crops"].append((small, 1, -2.0))
    return kinds


def _same(a, b) -> bool:
    boxes = [[(r.left(), r.top(), r.right(), r.bottom()) for r in x[0]] for x in (a, b)]
    return (
        boxes[0] == boxes[1]
        and list(a[2]) == list(b[2])
        and np.allclose(list(a[1]), list(b[1]), rtol=0, atol=1e-4)
    )


def main() -> None:
    import dlib

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--kinds", default="crops,photos,hog-mode")
    args = parser.parse_args()
    theirs, ours = dlib.get_frontal_face_detector(), FrontalFaceDetector()
    kinds = build_calls(theirs, args.quick)
    for kind in args.kinds.split(","):
        calls = kinds[kind]
        for image, up, adj in calls:  # warm up, and check the answers
            if not _same(theirs.run(image, up, adj), ours.run(image, up, adj)):
                print(
                    f"{kind}: DIFFERENT ANSWERS on a {image.shape} image, upsample {up}",
                    flush=True,
                )
        totals: dict[str, list[float]] = {"dlib": [], "numpy": []}
        for rep in range(args.repeats):
            spent = {"dlib": 0.0, "numpy": 0.0}
            for i, (image, up, adj) in enumerate(calls):
                order = (("dlib", theirs), ("numpy", ours))
                if (rep + i) % 2:
                    order = order[::-1]
                for name, det in order:
                    t0 = time.perf_counter()
                    det.run(image, up, adj)
                    spent[name] += time.perf_counter() - t0
            for name, value in spent.items():
                totals[name].append(value)
        d, n = statistics.median(totals["dlib"]), statistics.median(totals["numpy"])
        ratios = [b / a for a, b in zip(totals["dlib"], totals["numpy"])]
        pixels = sum(im.size for im, _, _ in calls)
        print(
            f"{kind:9s} {len(calls):3d} calls, {pixels / 1e6:6.2f} Mpx: dlib {d * 1e3:8.1f} ms, "
            f"numpy {n * 1e3:8.1f} ms, ratio {n / d:.2f} (median of per-repeat ratios "
            f"{statistics.median(ratios):.2f}, range {min(ratios):.2f}-{max(ratios):.2f})",
            flush=True,
        )


if __name__ == "__main__":
    main()
