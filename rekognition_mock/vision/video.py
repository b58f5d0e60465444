"""Video in, sampled frames out: container metadata and RGB frames at a rate of video time.

PyAV (FFmpeg bundled in its wheels, no system FFmpeg) is an optional extra,
``pip install "rekognition-mock[video]"``; it is imported only when a video is opened, so
``import rekognition_mock`` never loads it. No AWS knowledge here: the service decides what
is supported and which error answers what.

Frames are sampled at every ``interval_ms`` of video time (0, interval, 2·interval, ...):
the sample for time *t* is the first frame shown at or after *t*, and its own timestamp
is reported. Only sampled frames are converted to RGB; when the samples lie far apart the
decoder seeks to the key frame before each one, so the cost follows the number of samples
rather than the video's length.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

EXTRA = "video"  # pip install "rekognition-mock[video]"
SEEK_GAP_MS = 2000  # samples further apart than this are reached by seeking, not by decoding every frame
_HALF_FRAME = 0.5  # a frame within half its duration before a sample time stands for it


class VideoUnavailable(RuntimeError):
    """PyAV is not installed."""

    def __init__(self) -> None:
        super().__init__(f'video analysis needs PyAV: pip install "rekognition-mock[{EXTRA}]"')


class VideoDecodeError(ValueError):
    """The bytes are not a video FFmpeg can read, or hold no video stream."""


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about its first video stream."""

    container: str  # FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    format: str  # its long name, e.g. "QuickTime / MOV"
    codec: str  # e.g. "h264"
    duration_ms: int
    frame_rate: float
    width: int
    height: int
    full_range: bool  # JPEG (full) colour range rather than the MPEG (limited) one
    audio: tuple[tuple[str, int, int, int], ...] = ()  # each audio stream: codec, duration ms, sample rate, channels


def available() -> bool:
    """True when PyAV can be imported."""
    try:
        _av()
    except VideoUnavailable:
        return False
    return True


def _av() -> Any:
    try:
        import av
    except ImportError:
        raise VideoUnavailable() from None
    return av


def _open(data: bytes) -> tuple[Any, Any]:
    av = _av()
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise VideoDecodeError(f"not a readable video: {exc}") from None
    if not container.streams.video:
        container.close()
        raise VideoDecodeError("no video stream")
    return container, container.streams.video[0]


def _open_for_decoding(data: bytes) -> tuple[Any, Any, Any, float]:
    """The container and its video stream set up to decode frames on FFmpeg's threads, with
    the stream's time base and where its first frame sits (seconds of container time)."""
    container, stream = _open(data)
    stream.thread_type = "AUTO"
    return container, stream, stream.time_base, _start_seconds(stream)


def probe(data: bytes) -> VideoInfo:
    """The container's metadata, without decoding frames."""
    container, stream = _open(data)
    with container:
        return _info(container, stream)


def _info(container: Any, stream: Any) -> VideoInfo:
    ctx = stream.codec_context
    if stream.duration is not None and stream.time_base is not None:
        duration_ms = float(stream.duration * stream.time_base) * 1000
    elif container.duration is not None:
        duration_ms = container.duration / 1000  # AV_TIME_BASE is microseconds
    else:
        duration_ms = 0.0
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return VideoInfo(
        container=container.format.name,
        format=container.format.long_name,
        codec=ctx.name or "",
        duration_ms=int(round(duration_ms)),
        frame_rate=float(rate) if rate else 0.0,
        width=int(ctx.width),
        height=int(ctx.height),
        full_range=int(getattr(ctx, "color_range", 0) or 0) == 2,  # AVCOL_RANGE_JPEG
        audio=tuple(_audio(container, a) for a in container.streams.audio),
    )


def _audio(container: Any, stream: Any) -> tuple[str, int, int, int]:
    ctx = stream.codec_context
    if stream.duration is not None and stream.time_base is not None:
        duration_ms = float(stream.duration * stream.time_base) * 1000
    else:
        duration_ms = (container.duration or 0) / 1000
    channels = getattr(ctx, "channels", None) or getattr(getattr(ctx, "layout", None), "nb_channels", 0) or 0
    return (ctx.name or "", int(round(duration_ms)), int(ctx.sample_rate or 0), int(channels))


def frames(data: bytes, interval_ms: float = 200.0) -> Iterator[tuple[int, np.ndarray]]:
    """``(timestamp in ms, H×W×3 uint8 RGB)`` of the frame at every ``interval_ms`` of video
    time. Raises :class:`VideoDecodeError` if the video cannot be decoded (before the first
    frame or midway)."""
    if not interval_ms > 0:
        raise ValueError(f"interval_ms must be positive, not {interval_ms!r}")
    av = _av()
    container, stream, base, start = _open_for_decoding(data)
    with container:
        rate = stream.average_rate or stream.guessed_rate
        half_ms = (1000.0 / float(rate)) * _HALF_FRAME if rate else 0.0
        seek = interval_ms > SEEK_GAP_MS and base is not None
        target = 0.0
        decoded = container.decode(stream)
        last_ms = -math.inf
        try:
            while True:
                if seek and target - last_ms > SEEK_GAP_MS:
                    container.seek(int((start + target / 1000) / base), stream=stream, backward=True)
                    decoded = container.decode(stream)
                frame = None
                for candidate in decoded:
                    if candidate.pts is None:
                        continue
                    t_ms = (float(candidate.pts * base) - start) * 1000
                    last_ms = t_ms
                    if t_ms + half_ms >= target:
                        frame = candidate
                        break
                if frame is None:
                    return
                timestamp = max(0, int(round(last_ms)))
                yield timestamp, frame.to_ndarray(format="rgb24")
                target = (math.floor((timestamp + half_ms) / interval_ms) + 1) * interval_ms
        except av.error.FFmpegError as exc:
            raise VideoDecodeError(f"the video cannot be decoded: {exc}") from None


def jpeg(rgb: np.ndarray, quality: int = 95) -> bytes:
    """A sampled frame as JPEG bytes, for the image engine (which caches by content)."""
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=quality)
    return out.getvalue()


_PLANAR_8BIT = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "gray"}


def _start_seconds(stream: Any) -> float:
    """Where the stream's first frame sits in seconds of container time (0 when unknown)."""
    base = stream.time_base
    return float(stream.start_time * base) if stream.start_time is not None and base is not None else 0.0


def luma_frames(data: bytes, step: int = 8) -> Iterator[tuple[int, int, np.ndarray, bool]]:
    """Every frame, cheaply: ``(frame number, timestamp in ms, luma every step-th pixel, full
    range)``. The luma is the decoded Y plane as stored (16–235 for the usual limited range,
    0–255 for full range); nothing is converted to RGB. Raises :class:`VideoDecodeError`."""
    av = _av()
    container, stream, base, start = _open_for_decoding(data)
    with container:
        try:
            for number, frame in enumerate(container.decode(stream)):
                if frame.format.name not in _PLANAR_8BIT:
                    frame = frame.reformat(format="yuv420p")
                plane = frame.planes[0]
                luma = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[::step, :plane.width:step]
                full = frame.format.name.startswith("yuvj") or int(getattr(frame, "color_range", 0) or 0) == 2
                t_ms = (float(frame.pts * base) - start) * 1000 if frame.pts is not None and base is not None else 0.0
                yield number, max(0, int(round(t_ms))), luma.copy(), full
        except av.error.FFmpegError as exc:
            raise VideoDecodeError(f"the video cannot be decoded: {exc}") from None
