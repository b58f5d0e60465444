"""Read and write dlib's ``shape_predictor`` serialisation (``.dat``) as numpy arrays.

Layout (dlib/image_processing/shape_predictor.h, dlib/serialize.h, dlib/matrix/matrix.h):

- ``int`` version (1), ``matrix<float,0,1>`` initial shape (136 numbers for 68 points);
- ``vector<vector<regression_tree>>`` forests: per cascade, per tree, a ``vector<split_feature>``
  (``idx1``, ``idx2`` unsigned, ``thresh`` float) and a ``vector<matrix<float,0,1>>`` of leaves;
- ``vector<vector<unsigned long>>`` anchor indices and ``vector<vector<vector<float,2>>>``
  deltas (the feature pixels relative to the initial shape), per cascade.

Integers: a control byte (low nibble = byte count, bit 7 = negative) and the magnitude's
bytes, little-endian. Floats: two such integers, mantissa and exponent (value
``mantissa * 2**exponent``). A ``matrix`` writes ``-rows``, ``-cols`` then its elements;
a ``vector`` its size then its elements. Every tree here is full (leaves = splits + 1).

The reader assumes that every tree of the file has the same depth and every leaf the same
size (true of every predictor dlib's trainer writes) and checks it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class ShapePredictor:
    initial_shape: np.ndarray  # (2P,) float32
    idx1: np.ndarray  # (C, T, S) int64
    idx2: np.ndarray  # (C, T, S) int64
    thresh: np.ndarray  # (C, T, S) float32
    leaves: np.ndarray  # (C, T, S+1, 2P) float32
    anchor_idx: np.ndarray  # (C, F) int64
    deltas: np.ndarray  # (C, F, 2) float32


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def int(self) -> int:
        data, pos = self.data, self.pos
        control = data[pos]
        size = control & 0x0F
        value = int.from_bytes(data[pos + 1 : pos + 1 + size], "little")
        self.pos = pos + 1 + size
        return -value if control & 0x80 else value

    def floats(self, count: int) -> list[float]:
        data, pos = self.data, self.pos
        out = []
        ldexp, frombytes = math.ldexp, int.from_bytes
        for _ in range(count):
            c = data[pos]
            n = c & 0x0F
            m = frombytes(data[pos + 1 : pos + 1 + n], "little")
            if c & 0x80:
                m = -m
            pos += 1 + n
            c = data[pos]
            n = c & 0x0F
            e = frombytes(data[pos + 1 : pos + 1 + n], "little")
            if c & 0x80:
                e = -e
            pos += 1 + n
            out.append(ldexp(m, e))
        self.pos = pos
        return out

    def column(self) -> list[float]:
        rows, cols = -self.int(), -self.int()
        if cols != 1:
            raise ValueError(f"matrix of {rows}x{cols} where a column was expected at byte {self.pos}")
        return self.floats(rows)


def read(data: bytes) -> ShapePredictor:
    r = _Reader(data)
    if r.int() != 1:
        raise ValueError("not a dlib shape_predictor (version 1)")
    initial = np.array(r.column(), np.float32)
    cascades = r.int()
    idx1, idx2, thresh, leaves = [], [], [], []
    for _ in range(cascades):
        trees = r.int()
        i1, i2, th, lv = [], [], [], []
        for _ in range(trees):
            splits = r.int()
            for _ in range(splits):
                i1.append(r.int())
                i2.append(r.int())
                th.extend(r.floats(1))
            count = r.int()
            if count != splits + 1:
                raise ValueError("tree not full")
            for _ in range(count):
                lv.append(r.column())
        idx1.append(i1)
        idx2.append(i2)
        thresh.append(th)
        leaves.append(lv)
    trees = len(leaves[0]) // (splits + 1)
    shape3 = (cascades, trees, splits)
    anchors = []
    for _ in range(r.int()):
        anchors.append([r.int() for _ in range(r.int())])
    deltas = []
    for _ in range(r.int()):
        count = r.int()
        deltas.append(r.floats(2 * count))
    if r.pos != len(data):
        raise ValueError(f"{len(data) - r.pos} bytes left after the predictor")
    return ShapePredictor(
        initial,
        np.array(idx1, np.int64).reshape(shape3),
        np.array(idx2, np.int64).reshape(shape3),
        np.array(thresh, np.float32).reshape(shape3),
        np.array(leaves, np.float32).reshape(cascades, trees, splits + 1, initial.size),
        np.array(anchors, np.int64),
        np.array(deltas, np.float32).reshape(cascades, -1, 2),
    )


# -- writing: every number of the file as one token stream, encoded at once ---------------


def _float_tokens(values: np.ndarray) -> np.ndarray:
    """``values`` (float32) as dlib's (mantissa, exponent) pairs, interleaved, as dlib's
    float_details writes them: 24-bit mantissa with whole zero low bytes shifted off."""
    v = np.asarray(values, np.float32).astype(np.float64).reshape(-1)
    if not np.all(np.isfinite(v)):
        raise ValueError("non-finite value")
    frac, exp = np.frexp(v)
    mant = (frac * (1 << 24)).astype(np.int64)
    exp = exp.astype(np.int64) - 24
    for _ in range(8):
        shift = (mant & 0xFF) == 0
        mant = np.where(shift, mant >> 8, mant)
        exp = np.where(shift, exp + 8, exp)
    out = np.empty(2 * v.size, np.int64)
    out[0::2], out[1::2] = mant, exp
    return out


def _encode_ints(tokens: np.ndarray) -> bytes:
    t = np.asarray(tokens, np.int64)
    mag = np.abs(t).astype(np.uint64)
    size = np.ones(t.size, np.int64)
    for k in range(1, 8):
        size += mag >= (np.uint64(1) << np.uint64(8 * k))
    control = (size | np.where(t < 0, 0x80, 0)).astype(np.uint8)
    starts = np.concatenate([[0], np.cumsum(1 + size)[:-1]])
    out = np.zeros(int((1 + size).sum()), np.uint8)
    out[starts] = control
    for k in range(8):
        has = size > k
        out[starts[has] + 1 + k] = ((mag[has] >> np.uint64(8 * k)) & np.uint64(0xFF)).astype(np.uint8)
    return out.tobytes()


def tokens(sp: ShapePredictor) -> np.ndarray:
    """Every integer of the serialisation, in order."""
    points = sp.initial_shape.size
    C, T, S = sp.thresh.shape
    L = S + 1
    parts = [np.array([1, -points, -1], np.int64), _float_tokens(sp.initial_shape), np.array([C], np.int64)]
    split_w = 4  # idx1, idx2, mantissa, exponent
    leaf_w = 2 + 2 * points
    tree_w = 1 + S * split_w + 1 + L * leaf_w
    block = np.empty((C, T, tree_w), np.int64)
    block[:, :, 0] = S
    th = _float_tokens(sp.thresh).reshape(C, T, S, 2)
    sp_part = np.stack([sp.idx1, sp.idx2, th[..., 0], th[..., 1]], axis=-1).reshape(C, T, S * split_w)
    block[:, :, 1 : 1 + S * split_w] = sp_part
    block[:, :, 1 + S * split_w] = L
    lv = _float_tokens(sp.leaves).reshape(C, T, L, 2 * points)
    heads = np.broadcast_to(np.array([-points, -1], np.int64), (C, T, L, 2))
    block[:, :, 2 + S * split_w :] = np.concatenate([heads, lv], axis=-1).reshape(C, T, L * leaf_w)
    per_cascade = np.concatenate([np.full((C, 1), T, np.int64), block.reshape(C, -1)], axis=1)
    parts.append(per_cascade.reshape(-1))
    F = sp.anchor_idx.shape[1]
    parts.append(np.array([C], np.int64))
    parts.append(np.concatenate([np.full((C, 1), F, np.int64), sp.anchor_idx], axis=1).reshape(-1))
    parts.append(np.array([C], np.int64))
    dt = _float_tokens(sp.deltas).reshape(C, F * 4)
    parts.append(np.concatenate([np.full((C, 1), F, np.int64), dt], axis=1).reshape(-1))
    return np.concatenate(parts)


def write(sp: ShapePredictor) -> bytes:
    return _encode_ints(tokens(sp))
