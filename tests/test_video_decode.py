"""vision/video.py: container metadata and frames sampled at a rate of video time, on videos
composed from the bundled photos (videofactory)."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np
import pytest

import videofactory as vf
from rekognition_mock.vision import video


def test_probe_reads_the_container() -> None:
    info = video.probe(vf.person_from_1s_to_3s())
    assert info == video.VideoInfo(
        container="mov,mp4,m4a,3gp,3g2,mj2", format="QuickTime / MOV", codec="h264", duration_ms=4000,
        frame_rate=25.0, width=640, height=360, full_range=False,
    )
    mov = video.probe(vf.encode([(400, vf.empty())], container="mov"))
    assert (mov.container, mov.codec, mov.duration_ms) == ("mov,mp4,m4a,3gp,3g2,mj2", "h264", 400)
    other = video.probe(vf.encode([(400, vf.empty())], container="matroska", codec="mpeg4"))
    assert (other.container, other.codec) == ("matroska,webm", "mpeg4")


def test_frames_every_200_ms_by_default() -> None:
    sampled = list(video.frames(vf.person_from_1s_to_3s()))
    assert [t for t, _ in sampled] == list(range(0, 4000, 200))
    assert all(rgb.shape == (360, 640, 3) and rgb.dtype == np.uint8 for _, rgb in sampled)
    # The portrait is on screen from 1 s to 3 s: those frames differ from the empty set.
    empty = vf.empty().astype(int)
    on_screen = [t for t, rgb in sampled if np.abs(rgb.astype(int) - empty).mean() > 20]
    assert on_screen == list(range(1000, 3000, 200))


@pytest.mark.parametrize("interval, expected", [
    (1000, [0, 1000, 2000, 3000]),
    (3000, [0, 3000]),  # far apart: reached by seeking
    (333, [0, 320, 680, 1000, 1320, 1680, 2000, 2320, 2680, 3000, 3320, 3680]),  # the first frame at or after each
])
def test_frames_at_other_rates(interval: int, expected: list[int]) -> None:
    assert [t for t, _ in video.frames(vf.person_from_1s_to_3s(), interval)] == expected


def test_a_seek_lands_on_the_frame_of_its_time() -> None:
    """After a seek the decoder restarts at a key frame; the frame given for 3 s is the one
    shown at 3 s (the empty set after the portrait), not the key frame's."""
    (t0, first), (t3, later) = video.frames(vf.person_from_1s_to_3s(), 3000)
    assert (t0, t3) == (0, 3000)
    near = dict(video.frames(vf.person_from_1s_to_3s(), 200))
    assert np.abs(later.astype(int) - near[3000].astype(int)).mean() < 2
    assert np.abs(later.astype(int) - near[2800].astype(int)).mean() > 20


def test_not_a_video() -> None:
    with pytest.raises(video.VideoDecodeError):
        video.probe(b"not a video at all" * 50)
    with pytest.raises(video.VideoDecodeError):
        list(video.frames(vf.person_from_1s_to_3s()[:3000]))  # cut before its index (moov at the end)


def test_bad_interval() -> None:
    with pytest.raises(ValueError):
        list(video.frames(vf.person_from_1s_to_3s(), 0))


def test_without_pyav_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_av(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "av" or name.startswith("av."):
            raise ImportError("No module named 'av'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_av)
    monkeypatch.delitem(__import__("sys").modules, "av", raising=False)
    assert video.available() is False
    with pytest.raises(video.VideoUnavailable, match=r'pip install "rekognition-mock\[video\]"'):
        video.probe(b"\x00" * 100)


def test_full_range_video() -> None:
    """A full-range (JPEG levels) H.264 video: ColorRange FULL, and its luma is 0 where black."""
    data = vf.encode([(200, vf.black()), (200, vf.empty())], pix_fmt="yuvj420p")
    assert video.probe(data).full_range is True
    lumas = list(video.luma_frames(data))
    assert len(lumas) == 10 and all(full for _, _, _, full in lumas)
    assert lumas[0][2].max() <= 2 and lumas[-1][2].min() > 50
    assert [(n, t) for n, t, _, _ in lumas] == [(n, 40 * n) for n in range(10)]
