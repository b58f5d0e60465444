"""The faces ``scripts/compact_shape_predictor.py`` measures a landmark model on.

Every face the default engine finds in the development photos (``../shared/faces``, its
``groups/`` and ``wild/``) and the package's own photos, each in several copies: as found,
the photo scaled by 0.6 and 1.5, mirrored, turned by ±12°, with the box shifted by 2 px and
2 % larger, and cut by the image's left edge through a third of the face. The attribute
validation set is not used. Written once to an ``.npz`` (an RGB crop around each face, with
0.8 of the face's side around it, and the box in the crop's coordinates) so that every
candidate sees identical pixels.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _photos() -> list[Path]:
    shared = None
    for folder in ROOT.parents:
        if (folder / "shared" / "faces").is_dir():
            shared = folder / "shared" / "faces"
            break
    found = sorted(p for p in shared.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png")) if shared else []
    return found + sorted((ROOT / "rekognition_mock" / "photos").glob("*.jpg"))


def _crop(im: Image.Image, box: tuple[float, float, float, float], margin: float = 0.8):
    """The face with ``margin`` of its side around it (cut by the image), and the box in it."""
    left, top, right, bottom = box
    side = max(right - left, bottom - top)
    x0, y0 = max(0, int(left - margin * side)), max(0, int(top - margin * side))
    x1, y1 = min(im.width, int(right + margin * side)), min(im.height, int(bottom + margin * side))
    return np.asarray(im.crop((x0, y0, x1, y1)).convert("RGB")), (left - x0, top - y0, right - x0, bottom - y0)


def build(out: Path) -> int:
    from rekognition_mock.vision import EngineConfig, FaceEngine

    crops, boxes, names = [], [], []

    def add(name, im, box):
        crop, b = _crop(im, box)
        if min(b[2] - b[0], b[3] - b[1]) < 20:
            return
        crops.append(crop)
        boxes.append(b)
        names.append(name)

    engine = FaceEngine(EngineConfig())
    for path in _photos():
        im = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
        if max(im.size) > 2000:  # the engine measures large photos reduced; so do we
            s = 2000 / max(im.size)
            im = im.resize((round(im.width * s), round(im.height * s)), Image.BILINEAR)
        buf = __import__("io").BytesIO()
        im.save(buf, "PNG")
        faces = engine.analyze(buf.getvalue()).faces
        for k, f in enumerate(faces):
            box = (f.left, f.top, f.right, f.bottom)
            w = box[2] - box[0]
            tag = f"{path.name}#{k}"
            add(tag, im, box)
            for s in (0.6, 1.5):
                add(f"{tag} x{s}", im.resize((round(im.width * s), round(im.height * s)), Image.BILINEAR),
                    tuple(v * s for v in box))
            add(f"{tag} mirrored", ImageOps.mirror(im), (im.width - box[2], box[1], im.width - box[0], box[3]))
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            for angle in (12, -12):
                add(f"{tag} turned {angle}", im.rotate(angle, Image.BILINEAR, center=(cx, cy)), box)
            add(f"{tag} shifted", im, (box[0] + 2, box[1] - 2, box[2] + 2, box[3] - 2))
            g = 0.01 * w
            add(f"{tag} larger", im, (box[0] - g, box[1] - g, box[2] + g, box[3] + g))
            cut = int(box[0] + w / 3)
            if cut > 0:
                add(f"{tag} cut", im.crop((cut, 0, im.width, im.height)), (box[0] - cut, box[1], box[2] - cut, box[3]))
    np.savez_compressed(out, names=np.array(names), boxes=np.array(boxes),
                        **{f"crop{i}": c for i, c in enumerate(crops)})
    return len(crops)


if __name__ == "__main__":
    print(build(Path(sys.argv[1])), "faces")
