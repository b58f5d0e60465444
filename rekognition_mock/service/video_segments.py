"""StartSegmentDetection's measurements: black frames and hard cuts, from every frame's luma.

- **Black frames** (technical cue ``BlackFrames``): a frame whose share of pixels at or
  below ``min + MaxPixelThreshold × (max − min)`` of its range (0–255 full, 16–235 limited,
  AWS's formula) is at least ``MinCoveragePercentage``; a run of them is one segment, with
  the run's lowest share as its confidence. Between them, ``Content`` cues (confidence 100).
- **Shots**: the frames that are not black, cut wherever the mean absolute change of the
  luma between two neighbouring frames is at least :data:`CUT_CHANGE` (of 255), and around
  black runs. A shot's confidence is 100 at the start of the video or after black frames,
  else 50 plus the change at its cut (at most 100).

Other technical cues (colour bars, credits, logos, slates) are not measured.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

CUT_CHANGE = 30.0


@dataclass
class Segment:
    """One detected segment, in frames and milliseconds (``end_ms`` is where its last frame ends)."""

    type: str  # "TECHNICAL_CUE" or "SHOT"
    first: int
    last: int
    start_ms: int
    end_ms: int
    confidence: float
    cue: str | None = None  # TechnicalCueSegment.Type
    shot: int | None = None  # ShotSegment.Index


def measure(frames: Iterator[tuple[int, int, np.ndarray, bool]], frame_ms: float, pixel_threshold: float,
            coverage: float) -> list[Segment]:
    """Technical cues and shots of a video, from ``vision.video.luma_frames``."""
    cues: list[Segment] = []
    shots: list[Segment] = []
    previous: np.ndarray | None = None
    run: Segment | None = None  # the technical cue being extended
    shot: Segment | None = None
    for number, t_ms, luma, full in frames:
        low, high = (0.0, 255.0) if full else (16.0, 235.0)
        share = float(np.mean(luma <= low + pixel_threshold * (high - low))) * 100
        black = share >= coverage
        change = float(np.mean(np.abs(luma.astype(np.int16) - previous))) * 255 / (high - low) if previous is not None else 0.0
        previous = luma.astype(np.int16)
        end = int(round(t_ms + frame_ms))
        cue = "BlackFrames" if black else "Content"
        if run is not None and run.cue == cue:
            run.last, run.end_ms = number, end
            if black:
                run.confidence = min(run.confidence, share)
        else:
            run = Segment("TECHNICAL_CUE", number, number, t_ms, end, share if black else 100.0, cue=cue)
            cues.append(run)
        if black:
            shot = None
            continue
        if shot is None or change >= CUT_CHANGE:
            confidence = 100.0 if shot is None else min(100.0, 50.0 + change)
            shot = Segment("SHOT", number, number, t_ms, end, confidence, shot=len(shots))
            shots.append(shot)
        else:
            shot.last, shot.end_ms = number, end
    return sorted(cues + shots, key=lambda s: (s.start_ms, s.type != "TECHNICAL_CUE"))


def with_scripted(found: list[Segment], scripted: list[dict], frame_ms: float, frames: int) -> list[Segment]:
    """``found`` with the segments a test scripted (``controls.video.scripted_segments``): a
    scripted technical cue replaces the measured cues over its frames (they are cut around
    it); scripted shots, if any, replace every measured shot and are numbered in time order."""
    if not scripted or frame_ms <= 0 or frames <= 0:
        return found

    def span(item: dict) -> tuple[int, int]:
        first = min(frames - 1, int(round(item["start_ms"] / frame_ms)))
        last = frames - 1 if item["end_ms"] is None else min(frames - 1, int(np.ceil(item["end_ms"] / frame_ms)) - 1)
        return first, last

    def segment(kind: str, first: int, last: int, confidence: float, cue: str | None = None) -> Segment:
        return Segment(kind, first, last, int(round(first * frame_ms)), int(round((last + 1) * frame_ms)), confidence, cue)

    cues = [(*span(item), item) for item in scripted if item["Type"] == "TECHNICAL_CUE"]
    shots = sorted((*span(item), item) for item in scripted if item["Type"] == "SHOT")
    covered = np.zeros(frames, dtype=bool)
    for first, last, _ in cues:
        covered[first:last + 1] = True
    out: list[Segment] = []
    for measured in found:
        if measured.type == "SHOT":
            if not shots:
                out.append(measured)
            continue
        keep = ~covered[measured.first:measured.last + 1]
        if keep.all():
            out.append(measured)
            continue
        start = None
        for offset, kept in enumerate([*keep, False]):  # the runs of frames no scripted cue covers
            if kept and start is None:
                start = offset
            elif not kept and start is not None:
                out.append(segment("TECHNICAL_CUE", measured.first + start, measured.first + offset - 1,
                                   measured.confidence, measured.cue))
                start = None
    out += [segment("TECHNICAL_CUE", first, last, item["Confidence"], item["Cue"]) for first, last, item in cues
            if first <= last]
    for index, (first, last, item) in enumerate((s for s in shots if s[0] <= s[1])):
        shot = segment("SHOT", first, last, item["Confidence"])
        shot.shot = index
        out.append(shot)
    return sorted(out, key=lambda s: (s.start_ms, s.type != "TECHNICAL_CUE"))


def timecode(frame: int, fps: float) -> str:
    """SMPTE ``HH:MM:SS:FF`` of a frame number (non-drop-frame, at the rounded frame rate)."""
    rate = max(1, round(fps))
    seconds, frames = divmod(frame, rate)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"
