"""ONNX files stored with their weights as byte planes, which compress about 5 % smaller.

A network's weights are runs of float16 or float32 numbers whose high bytes (sign and
exponent) repeat and whose low bytes are nearly random; a compressor sees them interleaved.
:func:`pack` moves each initializer's ``raw_data`` to the end of the file, its bytes
regrouped by position within the number (every first byte, then every second, ...), and
:func:`unpack` puts them back: the ONNX bytes come back exactly (:func:`pack` checks it), so
the networks answer exactly as before. Only :func:`pack` reads the ONNX protobuf (a few
fields of its wire format, so neither ``onnx`` nor ``protobuf`` is needed);
:func:`unpack` reads the packed file's own header.

Packed layout: ``MAGIC``, the count of segments and the ONNX file's length (two
little-endian uint64), per segment its offset and length in the ONNX file and the size of its
numbers (uint64, uint64, uint8), the ONNX file without the segments, then each segment's
planes. ONNX files begin with the byte 0x08 (field 1, ``ir_version``), never with ``MAGIC``.
"""

from __future__ import annotations

import struct

import numpy as np

MAGIC = b"RMBP1\n"
_HEADER = struct.Struct("<QQ")
_SEGMENT = struct.Struct("<QQB")
# TensorProto.DataType -> bytes per number, for the types whose numbers span several bytes
_ITEMSIZE = {1: 4, 4: 2, 5: 2, 6: 4, 7: 8, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2}
_SMALLEST = 64  # shorter raw_data stays in place


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, i
        shift += 7


def _fields(buf: bytes, start: int, end: int):
    """(field number, wire type, start, end) of each field of the message in ``buf[start:end]``
    (for a varint, ``start`` is its value and ``end`` is None)."""
    i = start
    while i < end:
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
            yield field, wire, value, None
        elif wire == 2:
            length, i = _varint(buf, i)
            yield field, wire, i, i + length
            i += length
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            yield field, wire, i, i + width
            i += width
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def segments(onnx_bytes: bytes) -> list[tuple[int, int, int]]:
    """(offset, length, bytes per number) of the ``raw_data`` of each initializer of the
    main graph (ModelProto field 7, GraphProto field 5, TensorProto fields 2 and 9) whose
    numbers span several bytes."""
    found = []
    for field, wire, start, end in _fields(onnx_bytes, 0, len(onnx_bytes)):
        if (field, wire) != (7, 2):
            continue
        for g_field, g_wire, t_start, t_end in _fields(onnx_bytes, start, end):
            if (g_field, g_wire) != (5, 2):
                continue
            data_type, raw = None, None
            for t_field, t_wire, a, b in _fields(onnx_bytes, t_start, t_end):
                if (t_field, t_wire) == (2, 0):
                    data_type = a
                elif (t_field, t_wire) == (9, 2):
                    raw = (a, b)
            size = _ITEMSIZE.get(data_type or 0, 1)
            if raw and size > 1 and raw[1] - raw[0] >= _SMALLEST and (raw[1] - raw[0]) % size == 0:
                found.append((raw[0], raw[1] - raw[0], size))
    return sorted(found)


def pack(onnx_bytes: bytes) -> bytes:
    """``onnx_bytes`` with each initializer's numbers moved to the end as byte planes."""
    parts = segments(onnx_bytes)
    if not parts:
        return onnx_bytes
    header = [MAGIC, _HEADER.pack(len(parts), len(onnx_bytes))]
    skeleton, planes, at = [], [], 0
    for offset, length, size in parts:
        header.append(_SEGMENT.pack(offset, length, size))
        skeleton.append(onnx_bytes[at:offset])
        numbers = np.frombuffer(onnx_bytes, np.uint8, length, offset).reshape(-1, size)
        planes.append(numbers.T.tobytes())
        at = offset + length
    skeleton.append(onnx_bytes[at:])
    packed = b"".join(header + skeleton + planes)
    if unpack(packed) != onnx_bytes:
        raise AssertionError("byte planes do not give the ONNX file back")
    return packed


def unpack(data: bytes) -> bytes:
    """The ONNX file's bytes from :func:`pack`'s (an unpacked ONNX file is returned as it is)."""
    if not data.startswith(MAGIC):
        return data
    count, total = _HEADER.unpack_from(data, len(MAGIC))
    at = len(MAGIC) + _HEADER.size
    parts = [_SEGMENT.unpack_from(data, at + i * _SEGMENT.size) for i in range(count)]
    skeleton_at = at + count * _SEGMENT.size
    planes_at = skeleton_at + total - sum(length for _, length, _ in parts)
    out = bytearray(total)
    written = 0  # bytes of the ONNX file rebuilt so far
    for offset, length, size in parts:
        gap = offset - written
        out[written:offset] = data[skeleton_at : skeleton_at + gap]
        skeleton_at += gap
        planes = np.frombuffer(data, np.uint8, length, planes_at).reshape(size, -1)
        out[offset : offset + length] = planes.T.tobytes()
        planes_at += length
        written = offset + length
    out[written:] = data[skeleton_at : skeleton_at + total - written]
    return bytes(out)
