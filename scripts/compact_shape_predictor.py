"""Compact representations of dlib's 68-point shape predictor, and what each one costs.

    python scripts/compact_shape_predictor.py faceset OUT.npz        # the faces to measure on
    python scripts/compact_shape_predictor.py measure FACESET.npz STRATEGY... [--json FILE]

A strategy names how the leaves (16.3 million float32 numbers, 99.7 % of the 100 MB file) are
stored; every strategy also snaps each split threshold to ``floor(t) + 0.5``, which is exact:
the predictor compares differences of 8-bit pixel intensities (integers) with the
threshold, and ``d > t`` and ``d > floor(t) + 0.5`` agree for every integer ``d``.

- ``exact``: the file as it is (the reference; its pack stores float32 leaves);
- ``f16``: leaves as float16;
- ``raw:STEP``: each leaf value rounded to a multiple of STEP;
- ``tree:BITS``: per tree, a scale (its largest value) and BITS-bit codes;
- ``pca:STEP[:STEP_LAST[:BASIS]]``: per cascade, the leaves in the eigenbasis of their
  second-moment matrix (136×136, stored as BASIS = f32 or f16), each coefficient rounded to a
  multiple of STEP (STEP_LAST for the last cascade when given: the last cascade's error is
  not corrected by any later one);
- ``drop:K`` followed by another strategy: the K smallest trees (by their largest leaf
  value) of each of the last three cascades removed (their leaves set to zero).

For each strategy: the size of its pack (the arrays it needs, xz-compressed, from which
the ``.dat`` is written again), the points' error against the exact model on the face set
(% of the box's width, per face the mean over the 68 points), the share of faces with every
point unchanged, and the change of the face descriptor (dlib's ResNet on the chip aligned on
the landmarks, as the engine computes it).
"""

from __future__ import annotations

import argparse
import glob
import io
import json
import lzma
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import shape_predictor_format as spf  # noqa: E402

from rekognition_mock.vision.shape_cascade import leaves_from_codes  # noqa: E402


def original_path() -> str:
    import face_recognition_models

    return face_recognition_models.pose_predictor_model_location()


def load_original(cache: Path | None = None) -> spf.ShapePredictor:
    if cache and cache.is_file():
        d = np.load(cache)
        return spf.ShapePredictor(**{k: d[k] for k in d.files})
    sp = spf.read(Path(original_path()).read_bytes())
    if cache:
        np.savez(cache, **sp.__dict__)
    return sp


def xz_size(arrays: dict[str, np.ndarray]) -> int:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return len(lzma.compress(buf.getvalue(), preset=9 | lzma.PRESET_EXTREME))


def _small_ints(codes: np.ndarray) -> np.ndarray:
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if codes.min() >= info.min and codes.max() <= info.max:
            return codes.astype(dtype)
    raise ValueError("codes too large")


def common_arrays(sp: spf.ShapePredictor) -> dict[str, np.ndarray]:
    """What every pack stores besides the leaves."""
    return {
        "initial_shape": sp.initial_shape,
        "idx1": sp.idx1.astype(np.uint16),
        "idx2": sp.idx2.astype(np.uint16),
        "thresh_floor": np.floor(sp.thresh).astype(np.int8),
        "anchor_idx": sp.anchor_idx.astype(np.uint8),
        "deltas": sp.deltas,
    }


def pca_basis(leaves: np.ndarray) -> np.ndarray:
    x = leaves.reshape(-1, leaves.shape[-1]).astype(np.float64)
    w, v = np.linalg.eigh(x.T @ x)
    return v[:, ::-1]


def apply(sp: spf.ShapePredictor, strategy: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The leaves as ``strategy`` stores them (float32) and the arrays its pack holds."""
    parts = strategy.split("+")
    leaves = sp.leaves.copy()
    arrays: dict[str, np.ndarray] = {}
    for part in parts:
        kind, *args = part.split(":")
        if kind == "drop":
            k = int(args[0])
            size = np.abs(leaves).reshape(*leaves.shape[:2], -1).max(-1)
            for c in range(leaves.shape[0] - 3, leaves.shape[0]):
                leaves[c, np.argsort(size[c])[:k]] = 0.0
        elif kind == "exact":
            arrays["leaves"] = leaves
        elif kind == "f16":
            leaves = leaves.astype(np.float16).astype(np.float32)
            arrays["leaves"] = leaves.astype(np.float16)
        elif kind == "raw":
            step = float(args[0])
            codes = _small_ints(np.round(leaves / step).astype(np.int64))
            leaves = (codes.astype(np.float64) * step).astype(np.float32)
            arrays["codes"] = np.moveaxis(codes, -1, 1)
        elif kind == "tree":
            bits = int(args[0])
            top = (1 << (bits - 1)) - 1
            scale = np.abs(leaves).reshape(*leaves.shape[:2], -1).max(-1).astype(np.float32)[..., None, None] / top
            scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
            codes = _small_ints(np.round(leaves / scale).astype(np.int64))
            leaves = (codes * scale).astype(np.float32)
            arrays["codes"], arrays["scale"] = np.moveaxis(codes, -1, 1), scale.reshape(leaves.shape[:2])
        elif kind == "pca":
            step = float(args[0])
            last = float(args[1]) if len(args) > 1 and args[1] else step
            basis_dtype = np.float16 if len(args) > 2 and args[2] == "f16" else np.float32
            out = np.empty_like(leaves)
            codes_all, bases = [], []
            for c in range(leaves.shape[0]):
                s = last if c == leaves.shape[0] - 1 else step
                v = pca_basis(leaves[c]).astype(basis_dtype).astype(np.float64)
                x = leaves[c].reshape(-1, leaves.shape[-1]).astype(np.float64)
                codes = np.round(x @ np.linalg.pinv(v.T) / s).astype(np.int64)  # v may be rounded: solve, not transpose
                out[c] = leaves_from_codes(codes, s, v).reshape(leaves[c].shape)
                codes_all.append(_small_ints(codes).T)  # component-major: alike numbers together
                bases.append(v.astype(basis_dtype))
            leaves = out
            for c, codes in enumerate(codes_all):
                arrays[f"codes{c}"] = codes
            arrays["basis"] = np.stack(bases)
            arrays["steps"] = np.array([step] * (leaves.shape[0] - 1) + [last])
        else:
            raise ValueError(f"unknown strategy part {part!r}")
    return leaves, arrays


def compact(sp: spf.ShapePredictor, strategy: str) -> tuple[spf.ShapePredictor, int]:
    """The predictor as ``strategy`` stores it, and its pack's xz-compressed size in bytes."""
    leaves, arrays = apply(sp, strategy)
    arrays.update(common_arrays(sp))
    out = spf.ShapePredictor(sp.initial_shape, sp.idx1, sp.idx2, (np.floor(sp.thresh) + 0.5).astype(np.float32),
                             leaves, sp.anchor_idx, sp.deltas)
    return out, xz_size(arrays)


# -- measuring ---------------------------------------------------------------------------


class FaceSet:
    def __init__(self, path: Path) -> None:
        d = np.load(path)
        self.names = list(d["names"])
        self.boxes = d["boxes"]
        self.crops = [d[f"crop{i}"] for i in range(len(self.names))]

    def landmarks(self, predictor, jitter: int = 0) -> np.ndarray:
        import dlib

        out = np.empty((len(self.crops), 68, 2))
        for i, (crop, (l, t, r, b)) in enumerate(zip(self.crops, self.boxes)):
            rect = dlib.rectangle(round(l) + jitter, round(t) + jitter, round(r) - 1 + jitter, round(b) - 1 + jitter)
            shape = predictor(crop, rect)
            out[i] = [(p.x, p.y) for p in shape.parts()]
        return out

    def descriptors(self, points: np.ndarray, only: np.ndarray | None = None) -> np.ndarray:
        from rekognition_mock.vision import weights
        from rekognition_mock.vision.descriptors import face_chip

        encoder = weights.resnet_encoder().model
        out = np.full((len(self.crops), 128), np.nan, np.float32)
        todo = np.arange(len(self.crops)) if only is None else np.flatnonzero(only)
        for start in range(0, len(todo), 32):
            batch = todo[start : start + 32]
            chips = [face_chip(self.crops[i], points[i]) for i in batch]
            out[batch] = encoder.encode(chips)
        return out


def compare(faces: FaceSet, points: np.ndarray, exact: np.ndarray, exact_desc: np.ndarray) -> dict[str, float]:
    width = faces.boxes[:, 2] - faces.boxes[:, 0]
    err = np.linalg.norm(points - exact, axis=-1).mean(-1) / width * 100
    moved = np.any(points != exact, axis=(1, 2))
    desc = exact_desc.copy()
    if moved.any():
        desc[moved] = faces.descriptors(points, moved)[moved]
    dd = np.linalg.norm(desc - exact_desc, axis=1)
    return {
        "faces": len(width), "unchanged_share": float(1 - moved.mean()),
        "point_err_mean_pct": float(err.mean()), "point_err_p95_pct": float(np.percentile(err, 95)),
        "point_err_max_pct": float(err.max()),
        "descriptor_change_mean": float(dd.mean()), "descriptor_change_p95": float(np.percentile(dd, 95)),
        "descriptor_change_max": float(dd.max()),
    }


def load_dat(sp: spf.ShapePredictor):
    import dlib

    with tempfile.NamedTemporaryFile(suffix=".dat") as f:
        f.write(spf.write(sp))
        f.flush()
        return dlib.shape_predictor(f.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    fs = sub.add_parser("faceset")
    fs.add_argument("out", type=Path)
    me = sub.add_parser("measure")
    me.add_argument("faceset", type=Path)
    me.add_argument("strategies", nargs="+")
    me.add_argument("--json", type=Path)
    me.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "compact-sp68")
    wr = sub.add_parser("write", help="write the .dat of one strategy (and its pack's size)")
    wr.add_argument("strategy")
    wr.add_argument("out", type=Path)
    wr.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "compact-sp68")
    args = parser.parse_args(argv)
    if args.command == "faceset":
        from landmark_faceset import build

        print(build(args.out), "faces")
        return 0
    args.work.mkdir(parents=True, exist_ok=True)
    sp = load_original(args.work / "sp68.npz")
    if args.command == "write":
        out, size = compact(sp, args.strategy)
        args.out.write_bytes(spf.write(out))
        print(f"{args.strategy}: pack {size / 1e6:.2f} MB, .dat written to {args.out}")
        return 0
    import dlib

    faces = FaceSet(args.faceset)
    exact_file = args.work / "exact.npz"
    if exact_file.is_file():
        d = np.load(exact_file)
        exact, exact_desc, jitter = d["points"], d["desc"], d["jitter"]
    else:
        original = dlib.shape_predictor(original_path())
        exact, jitter = faces.landmarks(original), faces.landmarks(original, jitter=1)
        exact_desc = faces.descriptors(exact)
        np.savez(exact_file, points=exact, desc=exact_desc, jitter=jitter)
    results = {"box shifted by 1 px (exact model)": compare(faces, jitter, exact, exact_desc)}
    print(json.dumps(results, indent=1), flush=True)
    for strategy in args.strategies:
        start = time.time()
        out, size = compact(sp, strategy)
        points = faces.landmarks(load_dat(out))
        results[strategy] = {"pack_mb": size / 1e6, **compare(faces, points, exact, exact_desc)}
        print(strategy, json.dumps(results[strategy]), f"({time.time() - start:.0f} s)", flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
