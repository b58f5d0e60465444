"""Image bytes to an RGB pixel array: format sniffing, EXIF orientation, mode conversion."""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import Image, JpegImagePlugin, PngImagePlugin

from . import png_bands

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BANDED_PIXELS = 4_000_000  # larger PNGs are decoded a band of rows at a time (Pillow holds 4+ bytes a pixel)
BAND_PIXELS = 2**20  # pixels converted to RGB at a time
EXIF_ORIENTATION = 0x0112


_OPENERS = {"JPEG": JpegImagePlugin.jpeg_factory, "PNG": PngImagePlugin.PngImageFile}
_HEADER_ERRORS = (OSError, SyntaxError, ValueError, IndexError, TypeError, struct.error)  # Pillow's, for bad headers


class ImageDecodeError(ValueError):
    """The bytes are not an image this engine can read.

    ``reason`` is ``"format"`` (not JPEG or PNG) or ``"corrupt"`` (truncated or damaged).
    Size is never a reason here: the decoder knows no limit (the service checks AWS's
    from :func:`read_size` before it asks for pixels).
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def sniff_format(data: bytes) -> str | None:
    """Return ``"JPEG"`` or ``"PNG"`` from the leading bytes, else ``None``."""
    if data.startswith(JPEG_MAGIC):
        return "JPEG"
    if data.startswith(PNG_MAGIC):
        return "PNG"
    return None


def _open(data: bytes, fmt: str) -> Image.Image:
    """The image with its header read and no pixel decoded. Pillow's plugin is called
    directly: ``Image.open`` would refuse a header beyond Pillow's decompression-bomb
    limit (a process-wide setting) before anyone could read its dimensions."""
    return _OPENERS[fmt](io.BytesIO(data), "")


def read_size(data: bytes) -> tuple[int, int]:
    """Width and height from the header only, without decoding pixels, whatever they are."""
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageDecodeError("format", "Image is neither JPEG nor PNG")
    try:
        with _open(data, fmt) as im:
            return im.size
    except _HEADER_ERRORS as exc:
        raise ImageDecodeError("corrupt", f"Unreadable {fmt}: {exc}") from None


def decode_rgb(data: bytes, reduce: int = 1) -> np.ndarray:
    """Decode JPEG/PNG bytes into an upright ``H×W×3`` uint8 array.

    EXIF orientation is applied; RGBA, palette, greyscale and 16-bit images become
    8-bit RGB (alpha is composited over white). Any size is decoded: limits are the
    caller's to check, from :func:`read_size`, before asking for the pixels.

    ``reduce`` > 1 returns the image about that many times smaller on each side, never
    holding it larger than it must: a JPEG is decoded at reduced size (Pillow's draft
    mode), a large PNG is decoded a band of rows at a time straight into the reduced
    array (:mod:`png_bands`), whatever its bit depth or colour type.
    """
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageDecodeError("format", "Image is neither JPEG nor PNG")
    try:
        with _open(data, fmt) as im:
            width, height = im.size  # the header only: no pixel decoded yet
            if fmt == "PNG" and (reduce > 1 or width * height > BANDED_PIXELS):
                rgb, orientation = png_bands.decode(data, reduce)
                if orientation is None:  # no eXIf chunk; Pillow also reads XMP's orientation
                    orientation = Image.Image.getexif(im).get(EXIF_ORIENTATION, 1)  # without decoding
                return upright(rgb, orientation)
            if reduce > 1:
                im.draft(im.mode, (max(1, width // reduce), max(1, height // reduce)))
            im.load()
            step = max(1, im.width // max(1, width // reduce))  # never smaller than asked
            orientation = im.getexif().get(EXIF_ORIENTATION, 1)
            rgb = _to_rgb(im.reduce(step) if step > 1 else im)
            im.close()  # frees Pillow's pixels before the array is turned upright
    except ImageDecodeError:
        raise
    except Exception as exc:  # Pillow raises many types for damaged files
        raise ImageDecodeError("corrupt", f"Unreadable {fmt}: {exc}") from None
    return upright(rgb, orientation)


_UPRIGHT = {  # EXIF orientation -> the stored pixels made upright (as ImageOps.exif_transpose)
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
    8: lambda a: np.rot90(a, 1),
}


def upright(rgb: np.ndarray, orientation: object) -> np.ndarray:
    """``rgb`` turned and flipped as its EXIF ``orientation`` (1 to 8) says."""
    turn = _UPRIGHT.get(orientation)  # type: ignore[call-overload]
    return np.ascontiguousarray(turn(rgb)) if turn else rgb


def _to_rgb(im: Image.Image) -> np.ndarray:
    """The pixels of a decoded image as 8-bit RGB, converted a band of rows at a time
    (Pillow holds 4 bytes a pixel: converting whole images would hold several copies)."""
    width, height = im.size
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    top = None
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        top = 65535.0 if im.getextrema()[1] > 255 else 255.0
    rows = max(1, BAND_PIXELS // max(1, width))
    for y in range(0, height, rows):
        rgb[y : y + rows] = _band_rgb(im.crop((0, y, width, min(height, y + rows))), top)
    return rgb


def _band_rgb(im: Image.Image, top: float | None) -> np.ndarray:
    if top is not None:
        arr = np.asarray(im, dtype=np.float64)
        grey = np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if im.mode == "F":
        grey = np.clip(np.asarray(im), 0, 255).astype(np.uint8)
        return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        im = Image.alpha_composite(background, rgba)
    return np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))
