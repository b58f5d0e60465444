"""Build test videos (H.264 in MP4 or MOV) from the bundled photos at run time, with PyAV.

A video is a list of shots: ``(duration in ms, frame)`` where a frame is an RGB array of the
video's size. Builders are memoised and deterministic (the same bytes each run: libx264
with one thread and fixed settings).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image

from imagefactory import _resize_to_height, _rgb

SIZE = (640, 360)  # width, height
FPS = 25


def canvas(colour: tuple[int, int, int] = (70, 90, 110)) -> Image.Image:
    """A plain background of the video's size."""
    return Image.new("RGB", SIZE, colour)


def with_people(*people: tuple[str, int], height: int = 300, background: tuple[int, int, int] = (70, 90, 110)) -> np.ndarray:
    """A frame with each ``(photo name, left x)`` pasted at ``height`` px tall, top-aligned."""
    frame = canvas(background)
    for name, left in people:
        portrait = _resize_to_height(_rgb(name), height)
        frame.paste(portrait, (left, (SIZE[1] - height) // 2))
    return np.asarray(frame)


def black() -> np.ndarray:
    return np.zeros((SIZE[1], SIZE[0], 3), dtype=np.uint8)


def empty() -> np.ndarray:
    return np.asarray(canvas())


def encode(shots: list[tuple[int, np.ndarray]], container: str = "mp4", codec: str = "libx264",
           fps: int = FPS, pix_fmt: str = "yuv420p") -> bytes:
    """The video of ``shots``; each shot's frame repeats for its duration (whole frames)."""
    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format=container) as video:
        stream = video.add_stream(codec, rate=fps)
        stream.width, stream.height = SIZE
        stream.pix_fmt = pix_fmt
        if codec == "libx264":
            stream.options = {"preset": "ultrafast", "crf": "18", "g": str(fps * 2), "threads": "1"}
        stream.codec_context.thread_count = 1
        index = 0
        for duration_ms, frame in shots:
            for _ in range(round(duration_ms * fps / 1000)):
                picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
                picture.pts = index
                index += 1
                for packet in stream.encode(picture):
                    video.mux(packet)
        for packet in stream.encode():
            video.mux(packet)
    return out.getvalue()


@lru_cache(maxsize=None)
def person_from_1s_to_3s() -> bytes:
    """4 s: an empty set, Grace Hopper from 1 s to 3 s, empty again."""
    return encode([(1000, empty()), (2000, with_people(("grace_hopper.jpg", 200))), (1000, empty())])


@lru_cache(maxsize=None)
def two_people_with_a_cut() -> bytes:
    """5 s: Grace Hopper alone (0–2 s), a hard cut to her and the astronaut side by side
    (2–3.6 s), a black frame stretch (3.6–4 s), then the astronaut alone (4–5 s)."""
    return encode([
        (2000, with_people(("grace_hopper.jpg", 40))),
        (1600, with_people(("grace_hopper.jpg", 20), ("astronaut.jpg", 360), height=260)),
        (400, black()),
        (1000, with_people(("astronaut.jpg", 300))),
    ])


@lru_cache(maxsize=None)
def with_sound() -> bytes:
    """1 s of the empty set with 1 s of silence: AAC, mono, 16 kHz."""
    import av

    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as video:
        stream = video.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        sound = video.add_stream("aac", rate=16000)
        sound.layout = "mono"
        for index in range(FPS):
            picture = av.VideoFrame.from_ndarray(empty(), format="rgb24")
            picture.pts = index
            for packet in stream.encode(picture):
                video.mux(packet)
        for index in range(16):
            samples = av.AudioFrame.from_ndarray(np.zeros((1, 1000), np.float32), format="fltp", layout="mono")
            samples.sample_rate, samples.pts = 16000, index * 1000
            for packet in sound.encode(samples):
                video.mux(packet)
        for packet in [*stream.encode(), *sound.encode()]:
            video.mux(packet)
    return out.getvalue()


def as_image(frame: np.ndarray) -> Image.Image:
    return Image.fromarray(frame)


def rekognition_with_video(bucket: str, key: str, video: bytes) -> Iterator[Any]:
    """For a fixture inside the mock: ``video`` uploaded to ``bucket``/``key`` in moto's S3,
    then a Rekognition client; once the test is done, its jobs are waited for."""
    import rekognition_mock
    from conftest import make_client

    s3 = make_client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=key, Body=video)
    yield make_client("rekognition")
    rekognition_mock.wait_for_jobs(300)
