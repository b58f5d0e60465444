"""Large PNGs decoded a band of rows at a time, straight into the (reduced) RGB array.

Pillow decodes a PNG whole, at 4 bytes per pixel or more before any conversion: 400 MB
for a 10000×10000 image whose file is a few kilobytes. Here the compressed stream is
inflated a band of rows at a time; each band is unfiltered by Pillow itself (the band's
filtered rows, after the previous band's last row, in a small PNG of its own) and turned
into RGB, then box-reduced into the output. Memory is the output plus one band.

The result matches Pillow's decoding followed by :func:`decode._to_rgb`: alpha and
palette transparency composited over white, 16-bit samples cut to their high byte
(PNG's filters work byte by byte, so the high bytes are unfiltered on their own). A
PNG's EXIF orientation (an ``eXIf`` chunk) is applied.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image

SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAND_BYTES = 4 * 2**20  # at most this many filtered bytes inflated per band
BAND_PIXELS = 2**20  # and at most this many pixels (a quarter for interlaced passes, summed at 4 bytes a sample)
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type -> samples per pixel
ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


class PNGError(ValueError):
    """The PNG stream is damaged (the message says how)."""


def decode(data: bytes, reduce: int = 1) -> tuple[np.ndarray, int | None]:
    """The ``H×W×3`` uint8 pixels of PNG ``data`` as stored, ``reduce`` times smaller on
    each side (box filter, sizes rounded up as Pillow's ``reduce`` does), and the EXIF
    orientation of its ``eXIf`` chunk (None without one)."""
    png = _Chunks(data)
    width, height, depth, colour, interlaced = png.width, png.height, png.depth, png.colour, png.interlaced
    channels = CHANNELS[colour]
    out = _Reduced(width, height, reduce, interlaced)
    stream = _Inflater(png.idat)
    for x0, y0, dx, dy in ADAM7 if interlaced else ((0, 0, 1, 1),):
        cols, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if cols <= 0 or rows <= 0:
            continue  # an empty pass has no bytes at all
        row_bytes = -(-cols * channels * depth // 8)
        band = max(1, min(BAND_BYTES // (row_bytes + 1), BAND_PIXELS // cols // (4 if interlaced else 1)))
        if not interlaced:  # whole blocks of ``reduce`` rows in every band
            band = max(reduce, band // reduce * reduce)
        unfilter = _Unfilter(cols, channels, depth)
        xs = x0 + dx * np.arange(cols)
        for first in range(0, rows, band):
            n = min(band, rows - first)
            filtered = np.frombuffer(stream.read(n * (row_bytes + 1)), dtype=np.uint8).reshape(n, row_bytes + 1)
            samples = unfilter(filtered)
            out.add(_samples_8bit(samples, png, cols), y0 + dy * np.arange(first, first + n), xs)
    return out.result(), png.orientation()


class _Chunks:
    """The chunks of a PNG that decoding needs (Pillow has already checked the header)."""

    def __init__(self, data: bytes) -> None:
        if not data.startswith(SIGNATURE):
            raise PNGError("not a PNG")
        view = memoryview(data)
        self.idat: list[memoryview] = []
        self.palette = self.transparency = self.exif = None
        header = None
        at = len(SIGNATURE)
        while at + 8 <= len(data):
            length, kind = struct.unpack(">I4s", data[at : at + 8])
            body = view[at + 8 : at + 8 + length]
            if len(body) < length:
                raise PNGError(f"{kind!r} chunk cut short")
            if kind == b"IHDR":
                header = bytes(body)
            elif kind == b"PLTE":
                self.palette = bytes(body)
            elif kind == b"tRNS":
                self.transparency = bytes(body)
            elif kind == b"eXIf":
                self.exif = bytes(body)
            elif kind == b"IDAT":
                self.idat.append(body)
            elif kind == b"IEND":
                break
            at += 12 + length
        if header is None or len(header) != 13:
            raise PNGError("no IHDR chunk")
        self.width, self.height, self.depth, self.colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
        if self.colour not in CHANNELS or self.depth not in (1, 2, 4, 8, 16):
            raise PNGError(f"colour type {self.colour} at depth {self.depth}")
        if self.colour == 3 and not self.palette:
            raise PNGError("palette image without PLTE")
        self.interlaced = interlace == 1

    def orientation(self) -> int | None:
        if self.exif is None:
            return None
        exif = Image.Exif()
        exif.load(self.exif)
        return exif.get(0x0112, 1)


class _Inflater:
    """The IDAT stream, inflated on demand, never more than asked for.

    A stream that ends before the last row leaves the rest zero, as Pillow does; IDAT
    chunks that end before their stream does are a damaged file.
    """

    def __init__(self, chunks: list[memoryview]) -> None:
        self._chunks = iter(chunks)
        self._zlib = zlib.decompressobj()
        self._pending: bytes | memoryview | None = b""

    def read(self, size: int) -> bytearray:
        out = bytearray()
        while len(out) < size and not self._zlib.eof:
            if not self._pending:
                self._pending = next(self._chunks, None)
                if self._pending is None:
                    raise PNGError("image data cut short")
            try:
                out += self._zlib.decompress(self._pending, size - len(out))
            except zlib.error as exc:
                raise PNGError(f"damaged image data ({exc})") from None
            self._pending = self._zlib.unconsumed_tail
        out += bytes(size - len(out))
        return out


class _Unfilter:
    """Undoes PNG's row filters band after band, keeping the last row for the next band.

    Filters work on bytes, each against the byte one pixel to the left and the bytes
    above, so the bytes at one position of a pixel form a sequence of their own: 16-bit
    samples keep only their high bytes (a PNG of 8-bit samples with the same channels),
    and depths under 8 are unfiltered as bytes (a greyscale PNG one byte per pixel wide).
    Pillow does the unfiltering, on a small PNG made of the band.
    """

    def __init__(self, cols: int, channels: int, depth: int) -> None:
        self.depth = depth
        self.channels = channels if depth >= 8 else 1
        row_bytes = -(-cols * channels * depth // 8)
        self.width = cols if depth >= 8 else row_bytes  # pixels of the small PNG
        self.colour = {1: 0, 2: 4, 3: 2, 4: 6}[self.channels]
        self.prior = np.zeros(self.width * self.channels, dtype=np.uint8)

    def __call__(self, filtered: np.ndarray) -> np.ndarray:
        """Rows of raw samples (``n×width×channels`` bytes) from ``n`` filtered rows."""
        n = filtered.shape[0]
        body = filtered[:, 1:]
        if self.depth == 16:
            body = body.reshape(n, -1, 2)[:, :, 0]
        rows = np.empty((n + 1, 1 + self.width * self.channels), dtype=np.uint8)
        rows[0, 0], rows[0, 1:] = 0, self.prior
        rows[1:, 0], rows[1:, 1:] = filtered[:, 0], body
        header = struct.pack(">IIBBBBB", self.width, n + 1, 8, self.colour, 0, 0, 0)
        small = SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 0)) + _chunk(b"IEND", b"")
        with Image.open(io.BytesIO(small), formats=["PNG"]) as im:
            im.load()
            samples = np.asarray(im).reshape(n + 1, self.width, self.channels)
        self.prior = samples[-1].reshape(-1).copy()
        return samples[1:]


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _samples_8bit(samples: np.ndarray, png: _Chunks, cols: int) -> np.ndarray:
    """Raw samples of one band as 8-bit grey, grey+alpha, RGB or RGBA (``n×cols×channels``)."""
    depth, colour = png.depth, png.colour
    if depth < 8:  # unpack 8 / depth samples from every byte, the first in the high bits
        shifts = np.arange(8 - depth, -1, -depth, dtype=np.uint8)
        samples = ((samples.reshape(samples.shape[0], -1, 1) >> shifts) & ((1 << depth) - 1)).reshape(samples.shape[0], -1)
        samples = samples[:, :cols, None]
        if colour == 0:
            samples = samples * np.uint8(255 // ((1 << depth) - 1))
    if colour == 3:
        palette = np.zeros((256, 4), dtype=np.uint8)
        entries = np.frombuffer(png.palette, dtype=np.uint8)[: 256 * 3].reshape(-1, 3)
        palette[: len(entries), :3] = entries
        palette[:, 3] = 255
        if png.transparency:
            alpha = np.frombuffer(png.transparency, dtype=np.uint8)[:256]
            palette[: len(alpha), 3] = alpha
        return palette[samples[:, :, 0]] if png.transparency else palette[samples[:, :, 0], :3]
    return samples


def _over_white(samples: np.ndarray) -> np.ndarray:
    """8-bit grey, grey+alpha, RGB or RGBA pixels as RGB, alpha composited over white."""
    if samples.shape[2] in (2, 4):
        colour, alpha = samples[:, :, :-1].astype(np.uint16), samples[:, :, -1:].astype(np.uint16)
        samples = ((colour * alpha + 255 * (255 - alpha) + 127) // 255).astype(np.uint8)
    if samples.shape[2] == 1:
        samples = np.repeat(samples, 3, axis=2)
    return samples


class _Reduced:
    """The output, box-reduced ``factor`` times, filled band by band.

    A plain PNG's bands hold whole blocks of rows, so Pillow reduces each as it comes
    (transparency premultiplied, as in Pillow's own ``reduce``) before it is composited
    over white; an interlaced PNG's passes scatter over every block, so it is composited
    first and its sums are kept until the end.
    """

    def __init__(self, width: int, height: int, factor: int, interlaced: bool) -> None:
        self.factor, self.width, self.height = factor, width, height
        shape = (-(-height // factor), -(-width // factor), 3)
        self.pixels = np.zeros(shape, dtype=np.uint8)
        self.sums = None
        if factor > 1 and interlaced:
            self.sums = np.zeros(shape, dtype=np.uint16 if factor * factor * 255 < 2**16 else np.uint32)

    def add(self, samples: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> None:
        """Pixels (8-bit, 1 to 4 channels) at rows ``ys`` and columns ``xs`` of the image."""
        f = self.factor
        if f == 1:
            step_y = ys[1] - ys[0] if len(ys) > 1 else 1
            step_x = xs[1] - xs[0] if len(xs) > 1 else 1
            self.pixels[ys[0] : ys[-1] + 1 : step_y, xs[0] : xs[-1] + 1 : step_x] = _over_white(samples)
            return
        if self.sums is None:  # whole rows of a plain PNG, from a row that starts a block
            image = Image.fromarray(samples[:, :, 0] if samples.shape[2] == 1 else samples)
            reduced = np.asarray(image.reduce(f)).reshape(-(-len(ys) // f), self.pixels.shape[1], -1)
            top = ys[0] // f
            self.pixels[top : top + reduced.shape[0]] = _over_white(reduced)
            return
        rgb = _over_white(samples)
        row_block, col_block = ys // f, xs // f
        row_start = np.flatnonzero(np.r_[True, row_block[1:] != row_block[:-1]])
        col_start = np.flatnonzero(np.r_[True, col_block[1:] != col_block[:-1]])
        sums = np.add.reduceat(np.add.reduceat(rgb, row_start, axis=0, dtype=np.uint32), col_start, axis=1)
        rows, cols = row_block[row_start], col_block[col_start]
        self.sums[rows[:, None], cols[None, :]] += sums.astype(self.sums.dtype)

    def result(self) -> np.ndarray:
        if self.sums is not None:
            f = self.factor
            block_rows = np.minimum(f, self.height - f * np.arange(self.pixels.shape[0], dtype=np.int64))
            block_cols = np.minimum(f, self.width - f * np.arange(self.pixels.shape[1], dtype=np.int64))
            for top in range(0, self.pixels.shape[0], 256):  # a band at a time: no full-size temporaries
                counts = (block_rows[top : top + 256, None] * block_cols[None, :])[:, :, None].astype(np.uint32)
                self.pixels[top : top + 256] = (self.sums[top : top + 256] + counts // 2) // counts
            self.sums = None
        return self.pixels
