"""vision/decode.py and vision/png_bands.py: image bytes to RGB pixels, in memory that
follows the decoded size, not the size a header declares.

Large PNGs are decoded a band of rows at a time (png_bands); each kind of PNG (every
colour type and bit depth, Adam7 or not, every row filter) must give the pixels Pillow
gives, so the two paths answer alike. The memory tests decode small-on-disk PNGs of
10000×10000 pixels in a child process and read its peak RSS.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

import imagefactory
from helpers import child_env
from rekognition_mock.vision import decode, png_bands
from rekognition_mock.vision.decode import ImageDecodeError, decode_rgb

PHOTO = np.asarray(
    Image.open(io.BytesIO(imagefactory.fixture_bytes("grace_hopper.jpg"))).convert("RGB").resize((37, 29))
).astype(np.int64)
DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}  # colour type -> bit depths
KINDS = [(colour, depth) for colour, depths in DEPTHS.items() for depth in depths]


def samples_of(colour: int, depth: int) -> tuple[np.ndarray, bytes | None, bytes | None]:
    """The photo as samples of a PNG of ``colour`` type at ``depth`` bits (with a
    palette and palette transparency for colour type 3), alpha varying pixel by pixel."""
    rng = np.random.default_rng(colour * 100 + depth)
    top = (1 << depth) - 1
    grey = np.round(PHOTO.mean(axis=2) / 255 * top)[..., None]
    rgb = np.round(PHOTO / 255 * top)
    alpha = rng.integers(0, top + 1, PHOTO.shape[:2])[..., None]
    if colour == 3:
        palette = bytes(rng.integers(0, 256, 3 * (top + 1)).astype(np.uint8))
        transparency = bytes(rng.integers(0, 256, min(top + 1, 7)).astype(np.uint8))
        return grey.astype(np.int64), palette, transparency
    samples = {0: grey, 2: rgb, 4: np.concatenate([grey, alpha], axis=2), 6: np.concatenate([rgb, alpha], axis=2)}
    return samples[colour].astype(np.int64), None, None


def pillow_rgb(data: bytes, reduce: int = 1) -> np.ndarray:
    """Pillow's decoding, the way decode_rgb converts small images, then Pillow's reduce."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        rgb = decode._to_rgb(ImageOps.exif_transpose(im))
    return rgb if reduce == 1 else np.asarray(Image.fromarray(rgb).reduce(reduce))


@pytest.mark.parametrize("interlaced", [False, True], ids=["plain", "adam7"])
@pytest.mark.parametrize(("colour", "depth"), KINDS, ids=[f"type{c}-{d}bit" for c, d in KINDS])
def test_banded_png_matches_pillow(colour: int, depth: int, interlaced: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every kind of PNG, every row filter, in bands of a few rows: Pillow's pixels
    (16-bit samples keep their high byte; reduced images within Pillow's rounding)."""
    monkeypatch.setattr(png_bands, "BAND_BYTES", 60)  # bands of one to a few rows
    samples, palette, transparency = samples_of(colour, depth)
    data = imagefactory.png_from_samples(samples, depth, colour, interlaced, palette, transparency, seed=depth)
    for reduce in (1, 2, 3):
        mine, orientation = png_bands.decode(data, reduce)
        expected = pillow_rgb(data, reduce)
        assert orientation is None
        assert mine.shape == expected.shape and mine.dtype == np.uint8
        # 16-bit grey: Pillow scales by 255/65535, the bands keep the high byte
        assert np.abs(mine.astype(int) - expected).max() <= (0 if reduce == 1 and depth < 16 else 2)


def test_a_large_png_goes_through_the_bands(monkeypatch: pytest.MonkeyPatch) -> None:
    """decode_rgb sends PNGs above BANDED_PIXELS (or to be reduced) to png_bands."""
    data = imagefactory.png_from_samples(samples_of(6, 16)[0], 16, 6)
    small = decode_rgb(data)
    calls = []
    real = png_bands.decode

    def spy(*args):
        calls.append(args[1:])
        return real(*args)

    monkeypatch.setattr(png_bands, "decode", spy)
    monkeypatch.setattr(decode, "BANDED_PIXELS", 100)
    banded = decode_rgb(data)
    assert calls == [(1,)]
    assert np.abs(banded.astype(int) - small).max() <= 1


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_of_a_png_is_applied_in_both_paths(orientation: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = imagefactory.png_from_samples(PHOTO, 8, 2, exif=imagefactory.exif_orientation(orientation))
    expected = pillow_rgb(data)
    assert np.array_equal(decode_rgb(data), expected)
    monkeypatch.setattr(decode, "BANDED_PIXELS", 0)
    assert np.array_equal(decode_rgb(data), expected)


def test_exif_orientation_of_a_jpeg_is_applied() -> None:
    data = imagefactory.exif_rotated()
    with Image.open(io.BytesIO(data)) as im:
        expected = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    assert np.array_equal(decode_rgb(data), expected)


@pytest.mark.parametrize(("colour", "depth"), [(0, 16), (4, 16), (0, 1), (3, 4)], ids=["grey16", "la16", "bit1", "palette4"])
def test_every_png_kind_can_be_reduced(colour: int, depth: int) -> None:
    """Pillow cannot reduce 16-bit greyscale ("image has wrong mode"): the bands can."""
    samples, palette, transparency = samples_of(colour, depth)
    data = imagefactory.png_from_samples(samples, depth, colour, False, palette, transparency)
    assert decode_rgb(data, reduce=2).shape == (15, 19, 3)


def png_of_rows(raw: bytes, width: int = 100, height: int = 80) -> bytes:
    """An 8-bit RGB PNG whose image data is ``raw`` (filter bytes and samples), compressed."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (imagefactory._PNG_SIGNATURE + imagefactory._png_chunk(b"IHDR", ihdr)
            + imagefactory._png_chunk(b"IDAT", zlib.compress(raw)) + imagefactory._png_chunk(b"IEND", b""))


DAMAGED = {
    "cut-short": png_of_rows((b"\x00" + bytes(300)) * 80)[:60],  # the file ends inside the image data
    "bad-filter": png_of_rows((b"\x05" + bytes(300)) * 80),  # PNG has filters 0 to 4
    "bad-zlib": png_of_rows(b"")[:41] + b"\x78\x9c\xff\xff\xff\xff" + png_of_rows(b"")[47:],
}


def test_image_data_ending_early_leaves_the_rest_zero_in_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """A complete zlib stream with too few rows: Pillow leaves the missing rows zero."""
    grey = b"".join(b"\x00" + bytes([100]) * 300 for _ in range(40))  # half the rows
    data = png_of_rows(grey)
    expected = decode_rgb(data)
    assert (expected[:40] == 100).all() and (expected[40:] == 0).all()
    monkeypatch.setattr(decode, "BANDED_PIXELS", 0)
    assert np.array_equal(decode_rgb(data), expected)


@pytest.mark.parametrize("banded", [False, True], ids=["pillow", "bands"])
@pytest.mark.parametrize("name", DAMAGED)
def test_damaged_image_data_is_a_decode_error(name: str, banded: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if banded:
        monkeypatch.setattr(decode, "BANDED_PIXELS", 0)
    with pytest.raises(ImageDecodeError) as info:
        decode_rgb(DAMAGED[name])
    assert info.value.reason == "corrupt"


def test_read_size_reads_any_header(monkeypatch: pytest.MonkeyPatch) -> None:
    """The header's dimensions come back whatever they are, beyond Pillow's
    decompression-bomb limit too (even one a caller lowered): the service needs them to
    answer AWS's dimension errors."""
    assert decode.read_size(imagefactory.decompression_bomb_png(20000, 30000)) == (20000, 30000)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert decode.read_size(imagefactory.fixture_bytes("grace_hopper.jpg")) == (512, 600)


def test_decoding_knows_no_aws_limit() -> None:
    """Size limits are the service's (service/limits.py), never the decoder's."""
    rgb = decode_rgb(imagefactory.decompression_bomb_png(10240, 90))
    assert rgb.shape == (90, 10240, 3) and not rgb.any()


MEMORY_PROBE = """
import gc, re, sys
sys.path.insert(0, {tests!r})
import imagefactory
from rekognition_mock.vision.decode import decode_rgb

def status(field):
    return int(re.search(field + r":\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) / 1024

data = imagefactory.decompression_bomb_png(*{args!r})
decode_rgb(imagefactory.png_from_samples(imagefactory.np.zeros((8, 8, 4), int), 16, 6), reduce=2)  # warm
gc.collect()
idle = status("VmRSS")
with open("/proc/self/clear_refs", "w") as handle:  # the peak from here on
    handle.write("5")
rgb = decode_rgb(data, reduce={reduce})
print(status("VmHWM") - idle, rgb.nbytes / 2**20)
"""


@pytest.mark.parametrize(
    ("args", "reduce"),
    [
        pytest.param((10000, 10000, 16, 6), 4, id="16bit-rgba-reduced"),
        pytest.param((10000, 10000, 8, 2, True), 4, id="adam7-rgb-reduced"),
        pytest.param((10000, 10000, 16, 0), 4, id="16bit-grey-reduced"),
        pytest.param((10000, 10000, 1, 0), 4, id="1bit-reduced"),
        pytest.param((7600, 4300, 16, 6), 1, id="16bit-rgba-7600x4300-full"),
        pytest.param((7600, 4300, 8, 6, True), 1, id="adam7-rgba-7600x4300-full"),
    ],
)
def test_a_huge_png_decodes_in_memory_that_follows_the_output(args: tuple, reduce: int) -> None:
    """Peak RSS of decoding (a child process) stays within the output array plus 64 MB of
    bands; Pillow alone would hold 400 MB for the 10000×10000 ones before converting."""
    code = MEMORY_PROBE.format(tests=str(Path(__file__).parent), args=args, reduce=reduce)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         env=child_env(), timeout=600, cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    peak, output = (float(v) for v in out.stdout.split())
    assert peak < output + 64, f"decoding peaked {peak:.0f} MB above idle for a {output:.0f} MB result"
