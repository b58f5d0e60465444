"""Compose FaceOccluded cases from the attribute set's tuning photos, labelled by construction.

The tuning half's clear faces are all easy for ``FaceOccluded`` (every one answered right), so
they cannot show the model where it errs, nor how sure it should be. This script cuts each
clear face of a tuning photo (``FaceOccluded`` false, at least :data:`MIN_WIDTH` px wide) out of
its photo with a margin and alters it in ways whose answer is known by construction:

occluded (true), after AWS's wording ("a face's eyes, nose, and mouth are partially captured
or covered by masks, dark sunglasses, cell phones, hands, or other objects"):

- ``cut_bottom``, ``cut_side``: the frame cuts the face through the mouth (the lower 30-45 %
  of the face gone) or through an eye (a side 30-45 % gone);
- ``hand_mouth``, ``hand_eye``: a skin-coloured hand (an ellipse of the face's own skin colour
  with the shading between fingers) over the mouth and chin, or over one eye;
- ``patch_mouth``, ``patch_eye``: a solid object (a phone, a card: a plain rectangle of some
  colour) over the mouth or one eye;
- ``hair_eye``: a dark lock of hair (dark strands) from the forehead down over one eye;
- ``scarf``: a striped scarf from below the chin up over the mouth;

not occluded (false), AWS's "common occurrences that do not impact face verification":

- ``fringe``: dark hair over the forehead that stops above the eyebrows;
- ``cut_top``, ``cut_chin``: the frame cuts the forehead above the eyebrows, or the tip of the
  chin below the lower lip (eyes, nose and mouth whole);
- ``blur``, ``dark``, ``small``, ``noisy``: the clear face blurred a little, darkened, made
  small (45 px wide) or grainy.

Where the features sit comes from the engine's 68 landmarks on the clear crop. Each face gets
two occluded and two clear variants, chosen in turn by its number, with a seeded random
generator, so a run writes the same files every time:

    python scripts/compose_occlusion_cases.py --set ../valset --out /tmp/occlusion-cases

It writes ``OUT/images/composed+occlusion/*.png`` and ``OUT/labels.json`` in the attribute
set's format (every case ``"split": "tune"``, labelled for ``FaceOccluded`` only, with the
photo it came from in ``"source"``), which ``scripts/fit_attribute_models.py --cases OUT`` fits
``FACE_OCCLUDED_CONFIDENCE`` on and ``scripts/measure_attributes.py OUT --labels
OUT/labels.json --only tune`` measures (DetectFaces refuses the few ``small`` cases below 80 px
on a side, as AWS does; the fit reads them through the engine). Only tuning photos are read.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from build_attribute_set import DEFAULT_OUT, LABELS, load, local_path  # noqa: E402

MIN_WIDTH = 56  # px: smaller faces leave too little to cover
MARGIN = 0.8  # of the face's width, on each side of the crop
LARGEST = 220  # px: larger faces are scaled down to this width (the engine's time)
REPO = "composed/occlusion"
OCCLUDED = ("cut_bottom", "cut_side", "hand_mouth", "hand_eye", "patch_mouth", "patch_eye", "hair_eye", "scarf")
CLEAR = ("fringe", "cut_top", "cut_chin", "blur", "dark", "small", "noisy")


def _iou(a: list[float], b: list[float]) -> float:
    left, top = max(a[0], b[0]), max(a[1], b[1])
    right, bottom = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, right - left) * max(0.0, bottom - top)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter) if inter else 0.0


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _skin(rgb: np.ndarray, points: np.ndarray) -> tuple[int, int, int]:
    """The median colour of the cheeks (between the eye's lower lid and the nose's side)."""
    spots = [(points[41] + points[31]) / 2, (points[46] + points[35]) / 2]
    h, w = rgb.shape[:2]
    r = max(2, int(np.linalg.norm(points[36] - points[45]) * 0.06))
    patch = np.concatenate([rgb[max(0, int(y) - r):int(y) + r + 1, max(0, int(x) - r):int(x) + r + 1].reshape(-1, 3)
                            for x, y in spots if 0 <= x < w and 0 <= y < h])
    return tuple(int(v) for v in np.median(patch, axis=0)) if len(patch) else (190, 150, 130)


def _hand(draw: ImageDraw.ImageDraw, box: tuple[float, float, float, float], skin: tuple[int, int, int],
          rng: np.random.Generator) -> None:
    """An ellipse of skin with the darker lines between four fingers across it."""
    draw.ellipse(box, fill=skin)
    left, top, right, bottom = box
    shade = tuple(int(c * 0.72) for c in skin)
    width = max(1, int((bottom - top) * 0.04))
    horizontal = rng.random() < 0.5
    for k in (1, 2, 3):
        if horizontal:
            y = top + (bottom - top) * k / 4
            draw.line([(left + (right - left) * 0.12, y), (right - (right - left) * 0.08, y)], fill=shade, width=width)
        else:
            x = left + (right - left) * k / 4
            draw.line([(x, top + (bottom - top) * 0.1), (x, bottom - (bottom - top) * 0.1)], fill=shade, width=width)


def _strands(draw: ImageDraw.ImageDraw, polygon: list[tuple[float, float]], rng: np.random.Generator) -> None:
    """Dark hair: a dark polygon with darker and lighter strands along it."""
    base = np.array([40, 28, 20]) * rng.uniform(0.5, 1.4)
    draw.polygon(polygon, fill=tuple(int(c) for c in base))
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    for _ in range(14):
        x0 = rng.uniform(min(xs), max(xs))
        tone = tuple(int(c) for c in np.clip(base * rng.uniform(0.4, 2.2), 0, 255))
        draw.line([(x0, min(ys)), (x0 + rng.uniform(-0.2, 0.2) * (max(xs) - min(xs)), max(ys))], fill=tone, width=1)


def compose(kind: str, crop: Image.Image, points: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """The clear face ``crop`` (its 68 landmarks ``points``) altered as ``kind`` says."""
    image = crop.copy()
    w, h = image.size
    rgb = np.asarray(image)
    draw = ImageDraw.Draw(image)
    brow = points[17:27, 1].min()
    chin = points[8, 1]
    left, right = points[0:17, 0].min(), points[0:17, 0].max()
    face_w, face_h = right - left, chin - brow
    eye = points[36:42] if rng.random() < 0.5 else points[42:48]
    eye_c, eye_r = eye.mean(axis=0), np.ptp(eye[:, 0]) * rng.uniform(0.9, 1.2)
    mouth = points[48:60]
    skin = _skin(rgb, points)
    colour = tuple(int(c) for c in rng.integers(0, 255, 3))
    if kind == "cut_bottom":  # through the mouth: the lower 30-45 % of brow-to-chin gone
        return image.crop((0, 0, w, int(chin - face_h * rng.uniform(0.3, 0.45))))
    if kind == "cut_side":  # through an eye
        cut = face_w * rng.uniform(0.3, 0.45)
        return image.crop((int(left + cut), 0, w, h)) if rng.random() < 0.5 else image.crop((0, 0, int(right - cut), h))
    if kind == "cut_top":  # the forehead above the eyebrows
        return image.crop((0, int(brow - (points[27, 1] - brow) * rng.uniform(0.2, 0.45)), w, h))
    if kind == "cut_chin":  # the tip of the chin, below the lower lip
        return image.crop((0, 0, w, int(chin - (chin - points[57, 1]) * rng.uniform(0.2, 0.45))))
    if kind == "hand_mouth":
        c, rx, ry = mouth.mean(axis=0), face_w * rng.uniform(0.38, 0.5), face_h * rng.uniform(0.25, 0.32)
        _hand(draw, (c[0] - rx, c[1] - ry * 0.8, c[0] + rx, c[1] + ry * 1.2), skin, rng)
    elif kind == "hand_eye":
        _hand(draw, (eye_c[0] - eye_r * 1.3, eye_c[1] - eye_r * 1.2, eye_c[0] + eye_r * 1.3, eye_c[1] + eye_r * 1.3), skin, rng)
    elif kind == "patch_mouth":
        c, rx, ry = mouth.mean(axis=0), np.ptp(mouth[:, 0]) * rng.uniform(0.75, 1.0), face_h * rng.uniform(0.14, 0.22)
        draw.rectangle((c[0] - rx, c[1] - ry, c[0] + rx, c[1] + ry), fill=colour)
    elif kind == "patch_eye":
        draw.rectangle((eye_c[0] - eye_r, eye_c[1] - eye_r * 0.9, eye_c[0] + eye_r, eye_c[1] + eye_r * 0.9), fill=colour)
    elif kind == "hair_eye":
        top = brow - face_h * 0.5
        side = eye_c[0] - eye_r * 1.2, eye_c[0] + eye_r * 1.4
        _strands(draw, [(side[0] - eye_r, top), (side[1] + eye_r * 0.6, top), (side[1], eye_c[1] + eye_r * 0.9),
                        (side[0], eye_c[1] + eye_r * 0.6)], rng)
    elif kind == "scarf":
        top = (points[33, 1] + points[51, 1]) / 2 + rng.uniform(-0.05, 0.05) * face_h
        polygon = [(left - face_w * 0.3, h), (left - face_w * 0.1, top), (right + face_w * 0.1, top), (right + face_w * 0.3, h)]
        draw.polygon(polygon, fill=colour)
        stripe = tuple(int(c * 0.6) for c in colour)
        for k in range(1, 6):
            y = top + (h - top) * k / 6
            draw.line([(left - face_w * 0.3, y), (right + face_w * 0.3, y)], fill=stripe, width=max(1, int(face_h * 0.03)))
    elif kind == "fringe":
        bottom = brow - (points[27, 1] - brow) * rng.uniform(0.25, 0.5)  # stops above the eyebrows
        _strands(draw, [(left - face_w * 0.1, 0), (right + face_w * 0.1, 0), (right, bottom), (left, bottom)], rng)
    elif kind == "blur":
        return image.filter(ImageFilter.GaussianBlur(float(face_w * rng.uniform(0.008, 0.02))))
    elif kind == "dark":
        return Image.fromarray(np.clip(255 * (rgb / 255.0) ** rng.uniform(1.5, 2.0) * rng.uniform(0.5, 0.8), 0, 255).astype(np.uint8))
    elif kind == "small":
        scale = 45.0 / face_w
        return image.resize((max(16, round(w * scale)), max(16, round(h * scale))), Image.LANCZOS)
    elif kind == "noisy":
        noise = rng.normal(0.0, rng.uniform(8, 16), rgb.shape)
        return Image.fromarray(np.clip(rgb + noise, 0, 255).astype(np.uint8))
    else:
        raise ValueError(kind)
    return image


def _cut_left(crop: Image.Image, made: Image.Image) -> bool:
    """Whether ``made`` is ``crop`` less a strip on the left (not on the right)."""
    right = np.asarray(crop)[:, crop.width - made.width:]
    return bool(np.array_equal(right, np.asarray(made)))


def sources(folder: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The tuning half's clear faces (photo, face) wide enough to cover, in labels.json's order."""
    return [(image, face) for image in load(LABELS)["images"] if image["split"] == "tune" for face in image["faces"]
            if face.get("FaceOccluded") is False and not face.get("Sunglasses") and face["box"][2] >= MIN_WIDTH]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=DEFAULT_OUT, help="the attribute set built by build_attribute_set.py")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args(argv)

    import rekognition_mock
    from rekognition_mock.vision.engine import get_engine

    rekognition_mock.configure(cache_dir=None)
    engine = get_engine()
    folder = args.out / "images" / REPO.replace("/", "+")
    folder.mkdir(parents=True, exist_ok=True)
    images, skipped = [], 0
    for number, (photo, seen) in enumerate(sources(args.set)):
        whole = ImageOps.exif_transpose(Image.open(local_path(args.set, photo))).convert("RGB")
        x, y, bw, bh = seen["box"]
        m = MARGIN * bw
        box = (max(0, int(x - m)), max(0, int(y - m * 1.1)), min(whole.width, int(x + bw + m)), min(whole.height, int(y + bh + m)))
        crop = whole.crop(box)
        if bw > LARGEST:
            crop = crop.resize((round(crop.width * LARGEST / bw), round(crop.height * LARGEST / bw)), Image.LANCZOS)
        scale = crop.width / (box[2] - box[0])
        target = [(x - box[0]) * scale, (y - box[1]) * scale, bw * scale, bh * scale]
        analysis = engine.analyze(_png(crop))
        found = [(f, _iou(target, [f.left, f.top, f.right - f.left, f.bottom - f.top])) for f in analysis.faces]
        found = [f for f, overlap in found if overlap >= 0.3]
        if not found:
            skipped += 1
            continue
        points = np.asarray(found[0].landmarks, dtype=float)
        rng = np.random.default_rng([args.seed, number])
        kinds = [OCCLUDED[(2 * number) % len(OCCLUDED)], OCCLUDED[(2 * number + 1) % len(OCCLUDED)],
                 CLEAR[(2 * number) % len(CLEAR)], CLEAR[(2 * number + 1) % len(CLEAR)]]
        source = f"{photo['repo']}:{photo['path']}"
        for kind in kinds:
            made = compose(kind, crop, points, rng)
            sx = made.width / crop.width if kind == "small" else 1.0
            # a cut from the left or the top moves the origin (the cuts keep the far sides)
            dx = crop.width - made.width if kind == "cut_side" and _cut_left(crop, made) else 0.0
            dy = crop.height - made.height if kind == "cut_top" else 0.0
            name = f"{number:03d}-{kind}-{hashlib.sha256(source.encode()).hexdigest()[:8]}.png"
            made.save(folder / name)
            images.append({
                "repo": REPO, "path": name, "split": "tune", "source": source, "kind": kind, "width": made.width,
                "height": made.height,
                "faces": [{"box": [round((target[0] - dx) * sx, 1), round((target[1] - dy) * sx, 1), round(target[2] * sx, 1),
                                   round(target[3] * sx, 1)], "FaceOccluded": kind in OCCLUDED}],
            })
    about = ["Composed by scripts/compose_occlusion_cases.py from the attribute set's tuning photos; "
             "FaceOccluded labelled by construction (see the script's docstring)."]
    (args.out / "labels.json").write_text(json.dumps({"about": about, "images": images}, indent=1))
    print(f"{len(images)} cases from {len(images) // 4} clear faces ({skipped} faces not found again) in {args.out}")


if __name__ == "__main__":
    main()
