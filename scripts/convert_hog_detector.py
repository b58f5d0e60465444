"""Write dlib's frontal HOG face detector's parameters to ``rekognition_mock/vision/data/hog_frontal.npz``.

Run once where dlib is installed (the dev/test environment): ``python scripts/convert_hog_detector.py``.
The detector is read from dlib's own serialisation (``save``): the scanner's configuration
(cell size, padding, detection window, smallest pyramid layer), the overlap test used to drop
overlapping detections, and each of the 5 filters' weights (31 fhog planes of 10x10 cells and a
bias, the detection threshold). dlib scores with a separable approximation of each filter
plane (its SVD with singular values below ``max(1e-4, 0.001 * largest)`` dropped, unless the
filter would need too many terms); the same truncation is applied here so the stored planes
are the ones dlib's scan uses. The weights are dlib's (Boost Software License, see
``vision/data/LICENSE-dlib-hog.txt``).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np

OUT = (
    Path(__file__).resolve().parent.parent
    / "rekognition_mock"
    / "vision"
    / "data"
    / "hog_frontal.npz"
)


class Reader:
    """dlib's portable serialisation: integers as a size/sign byte then little-endian bytes;
    floating point numbers as an integer mantissa and an integer exponent (base 2)."""

    def __init__(self, data: bytes) -> None:
        self.stream = io.BytesIO(data)

    def int(self) -> int:
        head = self.stream.read(1)[0]
        size, negative = head & 0x0F, bool(head & 0x80)
        value = int.from_bytes(self.stream.read(size), "little") if size else 0
        return -value if negative else value

    def float(self) -> float:
        mantissa, exponent = self.int(), self.int()
        return float(mantissa) * 2.0**exponent

    def column(self) -> np.ndarray:
        rows, cols = -self.int(), -self.int()
        return np.array([self.float() for _ in range(rows * cols)], dtype=np.float64)


def parse(data: bytes) -> dict:
    r = Reader(data)
    assert r.int() == 2, "object_detector version"
    assert r.int() == 1, "scan_fhog_pyramid version"
    assert r.int() == 0 and r.int() == 0, "no stored feature pyramid"
    cell, padding, window_w, window_h = r.int(), r.int(), r.int(), r.int()
    max_levels, min_w, min_h = r.int(), r.int(), r.int()
    r.float()  # nuclear norm regularisation strength (training only)
    dims = r.int()
    iou, covered = r.float(), r.float()
    weights = [r.column() for _ in range(r.int())]
    return {
        "cell": cell,
        "padding": padding,
        "window": (window_h, window_w),
        "max_levels": max_levels,
        "min_layer": (min_h, min_w),
        "dims": dims,
        "overlap": (iou, covered),
        "weights": weights,
    }


def separable_planes(w: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """The 31 filter planes as dlib's scan applies them (see the module's docstring)."""
    planes = w[:-1].reshape(31, rows, cols)
    kept, terms = [], 0
    for plane in planes:
        u, s, vt = np.linalg.svd(plane)
        s = np.where(s < max(1e-4, s.max() * 0.001), 0.0, s)  # dlib's round_zeros
        terms += int(np.count_nonzero(s))
        kept.append((u * s) @ vt)
    if terms > 31 * min(rows, cols) / 3.0:  # dlib then filters with the full planes
        return planes.astype(np.float32), terms
    return np.array(kept).astype(np.float32), terms


def main() -> None:
    import dlib

    path = Path("/tmp/_frontal_face_detector.svm")
    dlib.get_frontal_face_detector().save(str(path))
    p = parse(path.read_bytes())
    path.unlink()
    cell = p["cell"]
    window_h, window_w = p["window"]
    rows = (window_h + cell - 1) // cell + 2 * p["padding"]
    cols = (window_w + cell - 1) // cell + 2 * p["padding"]
    assert rows * cols * 31 == p["dims"], (rows, cols, p["dims"])
    filters, biases = [], []
    for w in p["weights"]:
        planes, terms = separable_planes(w, rows, cols)
        print(
            f"filter {len(filters)}: {terms} separable terms, bias {w[-1]:.6f}",
            file=sys.stderr,
        )
        filters.append(planes.transpose(1, 2, 0))  # rows, cols, 31 planes
        biases.append(w[-1])
    np.savez_compressed(
        OUT,
        filters=np.array(filters, dtype=np.float32),  # (5, rows, cols, 31)
        thresholds=np.array(biases, dtype=np.float64),
        cell_size=np.int64(cell),
        padding=np.int64(p["padding"]),
        window=np.array(p["window"], dtype=np.int64),
        min_layer=np.array(p["min_layer"], dtype=np.int64),
        max_levels=np.int64(p["max_levels"]),
        overlap=np.array(p["overlap"], dtype=np.float64),
        pyramid_down=np.int64(6),
    )
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
