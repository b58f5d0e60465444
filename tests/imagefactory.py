"""Build test images from the photos in ``rekognition_mock/photos/`` at run time.

Plain functions only (no pytest fixtures here), numpy + Pillow only.  Every
builder returns ``bytes`` and is memoised with :func:`functools.lru_cache`,
so tests may call them as often as they like.  All output is deterministic:
any randomness comes from a seeded ``numpy.random.default_rng``.

Nothing here touches the network; everything is derived from the three
photos in ``rekognition_mock/photos/`` (see ``rekognition_mock/photos/README.md`` for their provenance).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter, ImageOps

FIXTURES_DIR = Path(__file__).resolve().parents[1] / "rekognition_mock" / "photos"

#: Default portrait used by the single-face builders.
DEFAULT_FACE = "grace_hopper.jpg"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_EXIF_ORIENTATION = 0x0112
_PNG_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type -> samples per pixel
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def fixture_path(name: str) -> Path:
    """Path of a file in ``rekognition_mock/photos/``; raises if it does not exist."""
    path = FIXTURES_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"no fixture named {name!r} in {FIXTURES_DIR}")
    return path


@lru_cache(maxsize=None)
def fixture_bytes(name: str) -> bytes:
    """Raw bytes of a file in ``rekognition_mock/photos/``."""
    return fixture_path(name).read_bytes()


def _rgb(name: str) -> Image.Image:
    """A fresh, upright, RGB copy of a fixture photo (safe to mutate)."""
    with Image.open(io.BytesIO(fixture_bytes(name))) as im:
        im = ImageOps.exif_transpose(im)
        return im.convert("RGB")


def _encode(im: Image.Image, fmt: str, **params) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def _jpeg(im: Image.Image, quality: int = 90, **params) -> bytes:
    return _encode(im.convert("RGB") if im.mode not in ("RGB", "L") else im,
                   "JPEG", quality=quality, **params)


def _resize_to_height(im: Image.Image, height: int) -> Image.Image:
    width = max(1, round(im.width * height / im.height))
    return im.resize((width, height), Image.Resampling.LANCZOS)


# --------------------------------------------------------------------------
# faces / no faces
# --------------------------------------------------------------------------


@lru_cache(maxsize=None)
def two_person_composite(height: int = 512, gap: int = 32) -> bytes:
    """astronaut.jpg and grace_hopper.jpg side by side on one canvas (JPEG).

    Both photos are scaled to ``height`` pixels; the astronaut is on the left,
    Grace Hopper on the right, separated by a ``gap``-pixel mid-grey strip.
    """
    left = _resize_to_height(_rgb("astronaut.jpg"), height)
    right = _resize_to_height(_rgb("grace_hopper.jpg"), height)
    canvas = Image.new("RGB", (left.width + gap + right.width, height), (128, 128, 128))
    canvas.paste(left, (0, 0))
    canvas.paste(right, (left.width + gap, 0))
    return _jpeg(canvas, 90)


@lru_cache(maxsize=None)
def face_free() -> bytes:
    """A real photo with no face in it (coffee.jpg, unchanged)."""
    return fixture_bytes("coffee.jpg")


@lru_cache(maxsize=None)
def augmented(name: str = DEFAULT_FACE, mirror: bool = False) -> bytes:
    """The same person, made different: for "same person compares >= 90" tests.

    Slight asymmetric crop (the faces in the fixture photos stay well inside),
    resize to 90 %, brightness +10 %, Gaussian blur radius 0.5, JPEG q80.
    ``mirror=True`` also flips it left-right, for a larger (still same-person)
    descriptor distance.  Measured dlib descriptor distances to the original:
    grace_hopper 0.086 (0.147 mirrored), astronaut 0.126 (0.233 mirrored);
    different people are ~0.69 apart.
    """
    im = _rgb(name)
    if mirror:
        im = ImageOps.mirror(im)
    w, h = im.size
    # Fractions chosen so that the detected faces in astronaut.jpg
    # (x 34-52 %, y 15-32 %) and grace_hopper.jpg (x 35-71 %, y 23-54 %)
    # remain fully inside the crop.
    box = (round(w * 0.05), round(h * 0.04), round(w * 0.95), round(h * 0.94))
    im = im.crop(box)
    im = im.resize((round(im.width * 0.9), round(im.height * 0.9)), Image.Resampling.LANCZOS)
    im = ImageEnhance.Brightness(im).enhance(1.10)
    im = im.filter(ImageFilter.GaussianBlur(radius=0.5))
    return _jpeg(im, 80)


# --------------------------------------------------------------------------
# formats and encodings
# --------------------------------------------------------------------------


@lru_cache(maxsize=None)
def exif_rotated(name: str = DEFAULT_FACE, orientation: int = 6) -> bytes:
    """A JPEG stored sideways whose EXIF Orientation tag makes it upright.

    The pixels are rotated so that a viewer honouring the tag (e.g.
    :func:`PIL.ImageOps.exif_transpose`) shows the original upright photo.
    Supported orientations: 6 (stored rotated 90° counter-clockwise, viewer
    turns it clockwise) and 8 (the reverse).
    """
    upright = _rgb(name)
    if orientation == 6:
        stored = upright.transpose(Image.Transpose.ROTATE_90)  # 90° CCW
    elif orientation == 8:
        stored = upright.transpose(Image.Transpose.ROTATE_270)  # 90° CW
    else:
        raise ValueError("orientation must be 6 or 8")
    exif = Image.Exif()
    exif[_EXIF_ORIENTATION] = orientation
    data = _jpeg(stored, 90, exif=exif.tobytes())

    # Self-check: the raw pixels are sideways, the transposed view is upright.
    with Image.open(io.BytesIO(data)) as check:
        if check.getexif().get(_EXIF_ORIENTATION) != orientation:
            raise RuntimeError("EXIF orientation tag was not written")
        if check.size != (upright.height, upright.width):
            raise RuntimeError("stored image is not sideways")
        if ImageOps.exif_transpose(check).size != upright.size:
            raise RuntimeError("exif_transpose does not restore the upright size")
    return data


@lru_cache(maxsize=None)
def rgba_png(name: str = DEFAULT_FACE, border: int = 24, border_alpha: int = 96) -> bytes:
    """RGBA PNG: fully opaque except a semi-transparent ``border``-px frame."""
    im = _rgb(name)
    alpha = np.full((im.height, im.width), border_alpha, dtype=np.uint8)
    alpha[border:im.height - border, border:im.width - border] = 255
    im.putalpha(Image.fromarray(alpha, "L"))
    return _encode(im, "PNG")


@lru_cache(maxsize=None)
def grayscale_png(name: str = DEFAULT_FACE) -> bytes:
    """8-bit greyscale (mode "L") PNG."""
    return _encode(_rgb(name).convert("L"), "PNG")


@lru_cache(maxsize=None)
def png16(name: str = DEFAULT_FACE) -> bytes:
    """16-bit greyscale PNG (opens in Pillow as mode "I;16")."""
    grey = np.asarray(_rgb(name).convert("L"), dtype=np.uint16) * 257  # 0..65535
    im = Image.fromarray(grey.astype("<u2"))
    if im.mode != "I;16":  # older Pillow maps uint16 arrays to other modes
        im = Image.frombytes("I;16", (grey.shape[1], grey.shape[0]), grey.astype("<u2").tobytes())
    return _encode(im, "PNG")


@lru_cache(maxsize=None)
def gif_bytes(name: str = DEFAULT_FACE) -> bytes:
    """A real GIF of a photo (a format Rekognition does not accept)."""
    im = _rgb(name).quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    return _encode(im, "GIF")


@lru_cache(maxsize=None)
def one_pixel_jpeg() -> bytes:
    """A valid 1x1 JPEG."""
    return _jpeg(Image.new("RGB", (1, 1), (200, 150, 120)), 90)


# --------------------------------------------------------------------------
# broken or hostile input
# --------------------------------------------------------------------------


@lru_cache(maxsize=None)
def truncated_jpeg(name: str = DEFAULT_FACE, fraction: float = 0.6) -> bytes:
    """The first 60 % of a valid JPEG's bytes (no EOI marker)."""
    data = fixture_bytes(name)
    return data[: int(len(data) * fraction)]


@lru_cache(maxsize=None)
def corrupt_jpeg(name: str = DEFAULT_FACE, keep: int = 200, seed: int = 1234) -> bytes:
    """A JPEG whose first ``keep`` bytes are real (SOI, JFIF header) and the
    rest is seeded random garbage of the same total length.

    For grace_hopper.jpg the default ``keep=200`` cuts inside the quantisation
    tables, before the frame header, so ``PIL.Image.open`` raises
    ``UnidentifiedImageError``.  With ``keep=451`` (all headers up to and
    including SOS) the file opens as a 512x600 JPEG and ``load()`` fails with
    ``OSError``.
    """
    data = fixture_bytes(name)
    rng = np.random.default_rng(seed)
    garbage = rng.integers(0, 256, size=len(data) - keep, dtype=np.uint8).tobytes()
    return data[:keep] + garbage


@lru_cache(maxsize=None)
def not_an_image() -> bytes:
    """Plain text, no image format at all."""
    return b"hello, I am not an image"


@lru_cache(maxsize=None)
def text_named_jpeg() -> bytes:
    """Text content meant to be uploaded under a ``.jpg`` name / key.

    The point is that the content, not the name, decides what an image is.
    """
    return not_an_image()


@lru_cache(maxsize=None)
def big_jpeg(min_bytes: int = 6 * 1024 * 1024, seed: int = 42) -> bytes:
    """A valid JPEG of at least ``min_bytes`` (seeded RGB noise, quality 95)."""
    rng = np.random.default_rng(seed)
    side = max(64, int((min_bytes / 2.0) ** 0.5))  # noise at q95 ~ 3 bytes/px
    while True:
        noise = rng.integers(0, 256, size=(side, side, 3), dtype=np.uint8)
        data = _jpeg(Image.fromarray(noise, "RGB"), 95, subsampling=0)
        if len(data) >= min_bytes:
            return data
        side = int(side * 1.25) + 1


@lru_cache(maxsize=None)
def big_png(min_bytes: int = 6 * 1024 * 1024, seed: int = 43) -> bytes:
    """A valid PNG of at least ``min_bytes`` (seeded RGB noise, incompressible)."""
    rng = np.random.default_rng(seed)
    side = max(64, int((min_bytes / 3.0) ** 0.5) + 16)  # ~3 bytes/px
    while True:
        noise = rng.integers(0, 256, size=(side, side, 3), dtype=np.uint8)
        data = _encode(Image.fromarray(noise, "RGB"), "PNG", compress_level=1)
        if len(data) >= min_bytes:
            return data
        side = int(side * 1.25) + 1


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


@lru_cache(maxsize=None)
def decompression_bomb_png(width: int = 20000, height: int = 20000, bit_depth: int = 1, colour_type: int = 0,
                           interlaced: bool = False) -> bytes:
    """A small, valid PNG whose header declares ``width`` x ``height`` pixels.

    1-bit greyscale by default (``bit_depth``, ``colour_type`` as in PNG), all zero,
    optionally Adam7-interlaced.  The IDAT is produced by streaming the
    all-zero scanlines through :func:`zlib.compressobj`, so the ~50 MB of raw
    scanlines (for 20000x20000) are never held in memory at once.  For the
    default size the file is ~50 KB and ``PIL.Image.open`` raises
    ``PIL.Image.DecompressionBombError`` (400 Mpx > 2 x MAX_IMAGE_PIXELS).
    """
    channels = _PNG_CHANNELS[colour_type]
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 1 if interlaced else 0)
    comp = zlib.compressobj(9)
    parts = []
    for x0, y0, dx, dy in _ADAM7 if interlaced else ((0, 0, 1, 1),):
        cols, remaining = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if cols <= 0 or remaining <= 0:
            continue  # an empty pass has no scanlines
        row = b"\x00" * (1 + (cols * bit_depth * channels + 7) // 8)  # filter byte 0 + zero pixels
        rows_per_batch = max(1, (1 << 20) // len(row))  # feed ~1 MB at a time
        batch = row * rows_per_batch
        while remaining:
            n = min(rows_per_batch, remaining)
            parts.append(comp.compress(batch if n == rows_per_batch else row * n))
            remaining -= n
    parts.append(comp.flush())
    return (_PNG_SIGNATURE + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", b"".join(parts)) + _png_chunk(b"IEND", b""))


# --------------------------------------------------------------------------
# poor-quality faces (for quality filters)
# --------------------------------------------------------------------------


@lru_cache(maxsize=None)
def tiny_face(name: str = DEFAULT_FACE, width: int = 64) -> bytes:
    """The photo downscaled to ``width`` px wide, so the face is tiny (JPEG)."""
    im = _rgb(name)
    height = max(1, round(im.height * width / im.width))
    return _jpeg(im.resize((width, height), Image.Resampling.LANCZOS), 90)


@lru_cache(maxsize=None)
def dark(name: str = DEFAULT_FACE, factor: float = 0.08) -> bytes:
    """The photo at 8 % brightness (JPEG)."""
    return _jpeg(ImageEnhance.Brightness(_rgb(name)).enhance(factor), 90)


@lru_cache(maxsize=None)
def blurred(name: str = DEFAULT_FACE, radius: float = 8) -> bytes:
    """The photo with a Gaussian blur of ``radius`` 8 (JPEG)."""
    return _jpeg(_rgb(name).filter(ImageFilter.GaussianBlur(radius=radius)), 90)


# --------------------------------------------------------------------------
# faces cut by the image edge, padded files
# --------------------------------------------------------------------------

#: Where dlib finds the face in grace_hopper.jpg (left, top, right, bottom), see
#: rekognition_mock/photos/README.md.
GRACE_HOPPER_FACE = (180, 139, 366, 325)


@lru_cache(maxsize=None)
def face_cut_by_left_edge(outside: float = 0.3) -> bytes:
    """grace_hopper.jpg cropped so that ``outside`` of the face's width lies beyond
    the left edge of the image (JPEG q90).

    The crop keeps the full height and everything to the right of the cut, so the
    result is 276x600 for the default 30 %.  Rekognition reports such a face with a
    box that starts left of the image (negative ``Left``).
    """
    left, _, right, _ = GRACE_HOPPER_FACE
    cut = round(left + (right - left) * outside)
    im = _rgb("grace_hopper.jpg")
    return _jpeg(im.crop((cut, 0, im.width, im.height)), 90)


@lru_cache(maxsize=None)
def padded(data: bytes, total_bytes: int) -> bytes:
    """``data`` (a valid image) followed by zero bytes up to exactly ``total_bytes``.

    Decoders stop at the image's end marker, so the result still decodes to the
    same pixels; useful for size-limit tests.
    """
    if total_bytes < len(data):
        raise ValueError(f"image is already {len(data)} bytes, more than {total_bytes}")
    return data + b"\0" * (total_bytes - len(data))


# --------------------------------------------------------------------------
# small faces on a large canvas (quality filters)
# --------------------------------------------------------------------------


@lru_cache(maxsize=None)
def small_face_on_canvas(face_width: int = 45, canvas: tuple[int, int] = (640, 480),
                         brightness: float = 1.0) -> bytes:
    """grace_hopper.jpg scaled so that its face is about ``face_width`` px wide, pasted
    in the middle of a mid-grey ``canvas`` (default 640x480, JPEG q90).

    The image is well above Rekognition's 80 px minimum while the face itself is
    small: with the default 45 px the engine finds it with a box of roughly 50 px a
    side (under the HIGH quality filter's 80 px bar, over LOW's 30 px).
    ``brightness`` < 1 darkens the whole canvas afterwards (0.25 leaves the face at
    a brightness of about 11 out of 100, still detected).
    """
    left, _, right, _ = GRACE_HOPPER_FACE
    scale = face_width / (right - left)
    im = _rgb("grace_hopper.jpg")
    im = im.resize((round(im.width * scale), round(im.height * scale)), Image.Resampling.LANCZOS)
    out = Image.new("RGB", canvas, (128, 128, 128))
    out.paste(im, ((canvas[0] - im.width) // 2, (canvas[1] - im.height) // 2))
    if brightness != 1.0:
        out = ImageEnhance.Brightness(out).enhance(brightness)
    return _jpeg(out, 90)


# --------------------------------------------------------------------------
# scenes for recall: small and turned faces (detection tests)
# --------------------------------------------------------------------------

ASTRONAUT_FACE = (168, 69, 264, 165)  # where dlib's CNN finds the face in astronaut.jpg


def _face_patch(name: str, face_width: int, mirror: bool = False) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """The portrait cropped to twice its face box around the face, scaled so the face
    is ``face_width`` px wide; returns the patch and the face box inside it."""
    left, top, right, bottom = GRACE_HOPPER_FACE if name == "grace_hopper.jpg" else ASTRONAUT_FACE
    side = right - left
    im = _rgb(name)
    if mirror:
        im = ImageOps.mirror(im)
        left, right = im.width - right, im.width - left
    crop = im.crop((left - side // 2, top - side // 2, right + side // 2, bottom + side // 2))
    scale = face_width / side
    patch = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.LANCZOS)
    inner = round(side // 2 * scale)
    return patch, (inner, inner, inner + face_width, inner + round((bottom - top) * scale))


#: (portrait, face width, mirrored, x, y) of each face pasted into :func:`small_faces_scene`.
SMALL_SCENE_FACES = (
    ("grace_hopper.jpg", 44, False, 150, 600),
    ("astronaut.jpg", 48, False, 520, 420),
    ("grace_hopper.jpg", 52, True, 900, 700),
    ("astronaut.jpg", 56, True, 1300, 300),
    ("grace_hopper.jpg", 64, False, 1650, 820),
)


@lru_cache(maxsize=None)
def small_faces_scene() -> tuple[bytes, tuple[tuple[int, int, int, int], ...]]:
    """A 1920×1080 scene (coffee.jpg enlarged as background) with five faces of
    44–64 px pasted in, two of them mirrored: AWS documents detection from 40 px at
    this size. Returns the JPEG (q92) and each face's box (left, top, right, bottom)."""
    scene = _rgb("coffee.jpg").resize((1920, 1080), Image.Resampling.BICUBIC)
    boxes = []
    for name, width, mirror, x, y in SMALL_SCENE_FACES:
        patch, (l, t, r, b) = _face_patch(name, width, mirror)
        scene.paste(patch, (x - l, y - t))
        boxes.append((x, y, x + r - l, y + b - t))
    return _jpeg(scene, 92), tuple(boxes)


def pasted_face(seed: int, canvas: tuple[int, int] = (480, 360)) -> tuple[bytes, str]:
    """A new image for each ``seed``: one portrait's face (Grace Hopper or the astronaut, by
    the seed's parity), 100 to 160 px wide, mirrored for every other pair of seeds, pasted at
    a seeded place on a seeded background of smooth colour blobs (JPEG q88). Returns the bytes
    and the portrait's file name. No two seeds give the same bytes, so no analysis cache
    answers for another seed (benchmarks of new images)."""
    rng = np.random.default_rng(seed)
    name = ("grace_hopper.jpg", "astronaut.jpg")[seed % 2]
    width = int(rng.integers(100, 161))
    patch, _ = _face_patch(name, width, mirror=bool(seed // 2 % 2))
    blobs = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    scene = Image.fromarray(blobs, "RGB").resize(canvas, Image.Resampling.BICUBIC)
    x = int(rng.integers(0, max(1, canvas[0] - patch.width)))
    y = int(rng.integers(0, max(1, canvas[1] - patch.height)))
    scene.paste(patch, (x, y))
    return _jpeg(scene, 88), name


#: Each face of :func:`large_faces_jpeg`: portrait, face width as a multiple of the
#: smallest face AWS reports at that size, mirrored, and centre as fractions of the scene.
LARGE_SCENE_FACES = (
    ("grace_hopper.jpg", 1.1, False, 0.15, 0.3),
    ("astronaut.jpg", 1.3, False, 0.4, 0.7),
    ("grace_hopper.jpg", 1.7, True, 0.65, 0.35),
    ("astronaut.jpg", 2.5, True, 0.85, 0.65),
)


@lru_cache(maxsize=None)
def large_faces_jpeg(width: int, height: int) -> tuple[bytes, tuple[tuple[int, int, int, int], ...]]:
    """A ``width×height`` JPEG (q85): coffee.jpg enlarged under a diagonal gradient and
    seeded grain, with the four faces of :data:`LARGE_SCENE_FACES` pasted in, each sized
    from AWS's smallest face at this size (40 px up to 1920×1080, growing with the image:
    the larger of ``longer / 1920`` and ``shorter / 1080``). Returns the bytes and each
    face's box (left, top, right, bottom)."""
    longer, shorter = max(width, height), min(width, height)
    smallest = 40 * max(1.0, longer / 1920, shorter / 1080)
    scene = _rgb("coffee.jpg").resize((width, height), Image.Resampling.BILINEAR)
    ramp = np.add.outer(np.linspace(0, 60, height, dtype=np.float32), np.linspace(0, 60, width, dtype=np.float32))
    grain = np.random.default_rng(7).integers(-6, 7, size=(height, width), dtype=np.int16)
    pixels = np.asarray(scene, dtype=np.int16)
    pixels += (ramp.astype(np.int16) - 30 + grain)[:, :, None]
    del ramp, grain
    scene = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    del pixels
    boxes = []
    for name, factor, mirror, fx, fy in LARGE_SCENE_FACES:
        patch, (l, t, r, b) = _face_patch(name, round(smallest * factor), mirror)
        x, y = round(fx * width) - (r - l) // 2, round(fy * height) - (b - t) // 2
        scene.paste(patch, (x - l, y - t))
        boxes.append((x, y, x + r - l, y + b - t))
    return _jpeg(scene, 85), tuple(boxes)


@lru_cache(maxsize=None)
def turned(name: str = DEFAULT_FACE, quarter_turns: int = 1) -> bytes:
    """The photo turned ``quarter_turns`` × 90° counter-clockwise in its pixels (no EXIF), PNG."""
    im = _rgb(name)
    for _ in range(quarter_turns % 4):
        im = im.transpose(Image.Transpose.ROTATE_90)
    return _encode(im, "PNG")


def mirrored(name: str = DEFAULT_FACE) -> bytes:
    """The photo mirrored left-right in its pixels and nothing else, PNG."""
    return _encode(ImageOps.mirror(_rgb(name)), "PNG")


# --------------------------------------------------------------------------
# PNGs of every kind, written here (Pillow writes neither Adam7 nor 16-bit colour)
# --------------------------------------------------------------------------

def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _filter_row(kind: int, row: bytes, prior: bytes, bpp: int) -> bytes:
    """One scanline filtered with PNG filter ``kind`` (0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth)."""
    out = bytearray(len(row))
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prior[i]
        c = prior[i - bpp] if i >= bpp else 0
        predictor = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
        out[i] = (x - predictor) & 0xFF
    return bytes([kind]) + bytes(out)


def _pack_row(row: np.ndarray, depth: int) -> bytes:
    """Samples of one scanline (``width×channels`` ints) as PNG packs them."""
    flat = row.reshape(-1)
    if depth == 16:
        return flat.astype(">u2").tobytes()
    if depth == 8:
        return flat.astype(np.uint8).tobytes()
    per_byte = 8 // depth
    padded = np.zeros(-(-len(flat) // per_byte) * per_byte, dtype=np.uint8)
    padded[: len(flat)] = flat
    groups = padded.reshape(-1, per_byte)
    shifts = np.arange(8 - depth, -1, -depth, dtype=np.uint8)
    return (groups << shifts).sum(axis=1, dtype=np.uint16).astype(np.uint8).tobytes()


def png_from_samples(samples: np.ndarray, depth: int, colour: int, interlaced: bool = False,
                     palette: bytes | None = None, transparency: bytes | None = None,
                     exif: bytes | None = None, seed: int = 0) -> bytes:
    """A PNG of ``samples`` (``H×W×channels`` ints below ``2**depth``) with colour type
    ``colour``, every row filtered with a filter chosen at random (seeded), optionally
    Adam7-interlaced, with PLTE / tRNS / eXIf chunks when given. Small images only: the
    filters are computed in Python."""
    rng = np.random.default_rng(seed)
    height, width = samples.shape[:2]
    channels = _PNG_CHANNELS[colour]
    samples = samples.reshape(height, width, channels)
    bpp = max(1, channels * depth // 8)
    raw = bytearray()
    for x0, y0, dx, dy in _ADAM7 if interlaced else ((0, 0, 1, 1),):
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prior = bytes(len(_pack_row(sub[0], depth)))
        for row in sub:
            packed = _pack_row(row, depth)
            raw += _filter_row(int(rng.integers(0, 5)), packed, prior, bpp)
            prior = packed
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 1 if interlaced else 0)
    chunks = [_png_chunk(b"IHDR", ihdr)]
    if exif is not None:
        chunks.append(_png_chunk(b"eXIf", exif))
    if palette is not None:
        chunks.append(_png_chunk(b"PLTE", palette))
    if transparency is not None:
        chunks.append(_png_chunk(b"tRNS", transparency))
    compressed = zlib.compress(bytes(raw), 9)
    half = len(compressed) // 2  # two IDAT chunks: the stream crosses a chunk boundary
    chunks += [_png_chunk(b"IDAT", compressed[:half]), _png_chunk(b"IDAT", compressed[half:]), _png_chunk(b"IEND", b"")]
    return _PNG_SIGNATURE + b"".join(chunks)


def exif_orientation(orientation: int) -> bytes:
    """A minimal EXIF block (TIFF header and one IFD) holding only ``orientation``."""
    exif = Image.Exif()
    exif[_EXIF_ORIENTATION] = orientation
    return exif.tobytes()[len(b"Exif\x00\x00"):]  # a PNG eXIf chunk holds the TIFF data itself


# --------------------------------------------------------------------------
# things worn on the face (attributes): drawn on the astronaut's portrait
# --------------------------------------------------------------------------

#: Where the astronaut's features are in astronaut.jpg (pixels, read off the photo):
#: eye centres, nose tip, mouth corners, chin and the jaw's sides at mouth height.
ASTRONAUT_FEATURES = {
    "eye_left": (203, 102), "eye_right": (247, 104), "nose_tip": (225, 127),
    "mouth_left": (200, 139), "mouth_right": (246, 140), "chin": (220, 178),
    "jaw_left": (181, 127), "jaw_right": (268, 132),
}


def _worn(draw_on: Callable[[Any, dict[str, tuple[int, int]]], None], mirror: bool) -> bytes:
    """astronaut.jpg enlarged twice (a 200 px face), ``draw_on`` its features, JPEG q92."""
    from PIL import ImageDraw

    im = _rgb("astronaut.jpg")
    im = im.resize((im.width * 2, im.height * 2), Image.Resampling.LANCZOS)
    features = {k: (2 * x, 2 * y) for k, (x, y) in ASTRONAUT_FEATURES.items()}
    draw_on(ImageDraw.Draw(im), features)
    if mirror:
        im = ImageOps.mirror(im)
    return _jpeg(im, 92)


@lru_cache(maxsize=None)
def surgical_mask(mirror: bool = False) -> bytes:
    """The astronaut wearing a pale blue surgical mask over nose, mouth and chin."""

    def draw(d: Any, f: dict[str, tuple[int, int]]) -> None:
        top = (f["eye_left"][1] + f["nose_tip"][1]) // 2 + 16  # over the lower half of the nose
        (jl, _), (jr, _), (cx, cy) = f["jaw_left"], f["jaw_right"], f["chin"]
        d.polygon([(jl, top + 10), (cx, top - 4), (jr, top + 10), (jr - 6, cy - 30), (cx, cy + 14), (jl + 6, cy - 30)],
                  fill=(176, 208, 226))
        for k in (1, 2, 3):  # the pleats
            y = top + k * (cy - top) // 4
            d.line([(jl + 10, y), (jr - 10, y)], fill=(150, 184, 204), width=3)

    return _worn(draw, mirror)


@lru_cache(maxsize=None)
def hand_over_mouth(mirror: bool = False) -> bytes:
    """The astronaut with a hand over the mouth and chin: an ellipse of her own skin colour
    with the darker lines between four fingers (as scripts/compose_occlusion_cases.py draws
    one)."""

    def draw(d: Any, f: dict[str, tuple[int, int]]) -> None:
        (ml, my), (mr, _), (_, cy) = f["mouth_left"], f["mouth_right"], f["chin"]
        cx, skin, shade = (ml + mr) // 2, (226, 178, 152), (163, 128, 109)
        box = (cx - 80, my - 46, cx + 80, cy + 24)
        d.ellipse(box, fill=skin)
        for k in (1, 2, 3):
            y = box[1] + (box[3] - box[1]) * k // 4
            d.line([(box[0] + 20, y), (box[2] - 12, y)], fill=shade, width=4)

    return _worn(draw, mirror)


@lru_cache(maxsize=None)
def scarf_over_mouth(mirror: bool = False) -> bytes:
    """The astronaut with a striped red scarf wound up over her chin and mouth."""

    def draw(d: Any, f: dict[str, tuple[int, int]]) -> None:
        top = (f["nose_tip"][1] + f["mouth_left"][1]) // 2
        (jl, _), (jr, _) = f["jaw_left"], f["jaw_right"]
        d.polygon([(jl - 50, 1024), (jl - 10, top), (jr + 10, top), (jr + 50, 1024)], fill=(170, 30, 40))
        for y in range(top + 24, 1024, 24):
            d.line([(jl - 60, y), (jr + 60, y)], fill=(110, 20, 28), width=5)

    return _worn(draw, mirror)


@lru_cache(maxsize=None)
def sunglasses(mirror: bool = False) -> bytes:
    """The astronaut in dark sunglasses: two near-black lenses joined by a bridge."""

    def draw(d: Any, f: dict[str, tuple[int, int]]) -> None:
        for x, y in (f["eye_left"], f["eye_right"]):
            d.ellipse((x - 38, y - 26, x + 38, y + 30), fill=(18, 18, 22), outline=(5, 5, 5), width=4)
        (lx, ly), (rx, ry) = f["eye_left"], f["eye_right"]
        d.line([(lx + 36, ly - 8), (rx - 36, ry - 8)], fill=(5, 5, 5), width=6)

    return _worn(draw, mirror)


@lru_cache(maxsize=None)
def eyeglasses(mirror: bool = False) -> bytes:
    """The astronaut in clear glasses: thin dark frames around the eyes, a bridge, and the
    arms running from the frames' outer edges back over the temples towards the ears."""

    def draw(d: Any, f: dict[str, tuple[int, int]]) -> None:
        for x, y in (f["eye_left"], f["eye_right"]):
            d.rounded_rectangle((x - 38, y - 24, x + 38, y + 28), radius=14, outline=(25, 25, 30), width=5)
        (lx, ly), (rx, ry) = f["eye_left"], f["eye_right"]
        d.line([(lx + 38, ly - 6), (rx - 38, ry - 6)], fill=(25, 25, 30), width=5)
        d.line([(lx - 38, ly - 8), (f["jaw_left"][0] - 6, ly - 4)], fill=(25, 25, 30), width=5)
        d.line([(rx + 38, ry - 8), (f["jaw_right"][0] + 6, ry - 4)], fill=(25, 25, 30), width=5)

    return _worn(draw, mirror)


def moustache(name: str, points: np.ndarray, mirror: bool = False) -> bytes:
    """The photo ``name`` with a dark brown moustache painted over the upper lip of the face
    whose 68 landmarks are ``points``: from a quarter of the way below the nostrils (points
    31-35) down to the top of the upper lip (48-54), a little wider than the mouth, its
    colour noisy like hair (seeded) and its edge softened; mirrored after, if asked."""
    from PIL import ImageDraw

    im = _rgb(name)
    nose, lip = points[31:36], points[48:55]
    width = lip[-1] - lip[0]
    top = nose + (lip.mean(axis=0) - nose.mean(axis=0)) * 0.25
    outline = np.vstack([points[[48]] - width * 0.08, top, points[[54]] + width * 0.08, lip[::-1] - [0, 1.5]])
    mask = Image.new("L", im.size, 0)
    ImageDraw.Draw(mask).polygon([tuple(map(float, p)) for p in outline], fill=255)
    noise = np.random.default_rng(0).normal(0, 18, (im.height, im.width, 1))
    hair = Image.fromarray(np.clip(np.array([45.0, 30.0, 20.0]) + noise, 0, 255).astype(np.uint8))
    im = Image.composite(hair, im, mask.filter(ImageFilter.GaussianBlur(1.5)))
    if mirror:
        im = ImageOps.mirror(im)
    return _jpeg(im, 92)


@lru_cache(maxsize=None)
def head_turned(mirror: bool = False, squeeze: float = 0.55) -> bytes:
    """The astronaut's head seemingly turned to the image's left: the face's right half (as
    seen) keeps its width while its left half is squeezed to ``squeeze`` of it, as a head
    turning away foreshortens that side (a horizontal warp about the nose, JPEG q92).
    ``mirror=True`` flips the result: the same head turned the other way."""
    im = _rgb("astronaut.jpg")
    im = im.resize((im.width * 2, im.height * 2), Image.Resampling.LANCZOS)
    pixels = np.asarray(im).astype(np.float32)
    nose = 2 * ASTRONAUT_FEATURES["nose_tip"][0]
    jaw = 2 * ASTRONAUT_FEATURES["jaw_left"][0] - 40  # the squeezed side ends here
    x = np.arange(im.width, dtype=np.float32)
    # output column -> source column: [jaw', nose] in the output comes from [jaw, nose]
    new_jaw = nose - (nose - jaw) * squeeze
    source = np.where(x >= nose, x, np.where(x >= new_jaw, nose - (nose - x) / squeeze, jaw - (new_jaw - x)))
    source = np.clip(source, 0, im.width - 1)
    lo = np.floor(source).astype(int)
    hi = np.minimum(lo + 1, im.width - 1)
    t = (source - lo)[None, :, None]
    warped = pixels[:, lo] * (1 - t) + pixels[:, hi] * t
    out = Image.fromarray(np.clip(warped + 0.5, 0, 255).astype(np.uint8))
    if mirror:
        out = ImageOps.mirror(out)
    return _jpeg(out, 92)


@lru_cache(maxsize=None)
def tilted(name: str = DEFAULT_FACE, degrees: float = 50.0) -> bytes:
    """The portrait turned counter-clockwise by ``degrees`` (a head tilted towards the
    image's left shoulder: Roll about ``-degrees``), on a canvas large enough to keep it all,
    the corners filled with mid-grey (PNG)."""
    im = _rgb(name).rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(128, 128, 128))
    return _encode(im, "PNG")


# --------------------------------------------------------------------------
# turned faces and faces cut by the frame, from any photo (tests and bench/run.py)
# --------------------------------------------------------------------------

EDGES = ("left", "right", "top", "bottom")


def quarter_turned(im: Image.Image, quarter_turns: int) -> Image.Image:
    """``im`` turned ``quarter_turns`` × 90° counter-clockwise (``numpy.rot90``'s sense)."""
    return Image.fromarray(np.ascontiguousarray(np.rot90(np.asarray(im), quarter_turns % 4)))


def turned_bytes(data: bytes, quarter_turns: int) -> bytes:
    """An encoded photo turned ``quarter_turns`` × 90° counter-clockwise in its pixels, PNG."""
    return _encode(quarter_turned(Image.open(io.BytesIO(data)).convert("RGB"), quarter_turns), "PNG")


def turned_box(box: tuple[float, float, float, float], quarter_turns: int, width: int, height: int) -> tuple[float, float, float, float]:
    """Where ``box`` (left, top, right, bottom) of a ``width×height`` image lies in
    :func:`quarter_turned`'s image."""
    left, top, right, bottom = box
    for _ in range(quarter_turns % 4):  # one counter-clockwise quarter turn at a time
        left, top, right, bottom, width, height = top, width - right, bottom, width - left, height, width
    return left, top, right, bottom


def cut_by_edge(im: Image.Image, box: tuple[float, float, float, float], edge: str, fraction: float,
                sides: float = 4.0) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """A crop of ``im`` in which the face in ``box`` (left, top, right, bottom) has
    ``fraction`` of its width (``left``/``right``) or height (``top``/``bottom``) cut off by
    ``edge``: the crop is ``sides`` face widths on each side (less where ``im`` ends), the
    face centred along the edge. Returns the crop and the whole face's box in its
    coordinates (reaching past the crop's edge)."""
    left, top, right, bottom = box
    w, h = right - left, bottom - top
    cx, cy = (left + right) / 2, (top + bottom) / 2
    span = sides * w
    if edge == "left":
        x0 = left + fraction * w
        region = (x0, cy - span / 2, x0 + span, cy + span / 2)
    elif edge == "right":
        x1 = right - fraction * w
        region = (x1 - span, cy - span / 2, x1, cy + span / 2)
    elif edge == "top":
        y0 = top + fraction * h
        region = (cx - span / 2, y0, cx + span / 2, y0 + span)
    elif edge == "bottom":
        y1 = bottom - fraction * h
        region = (cx - span / 2, y1 - span, cx + span / 2, y1)
    else:
        raise ValueError(f"edge must be one of {EDGES}")
    x0, y0 = max(0, round(region[0])), max(0, round(region[1]))
    x1, y1 = min(im.width, round(region[2])), min(im.height, round(region[3]))
    return im.crop((x0, y0, x1, y1)), (left - x0, top - y0, right - x0, bottom - y0)


def overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two boxes (left, top, right, bottom)."""
    inner = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inner
    return inner / union if union > 0 else 0.0


def png_bytes(im: Image.Image) -> bytes:
    """``im`` as a PNG (lossless: a turned copy keeps every pixel)."""
    return _encode(im, "PNG", compress_level=1)
