"""Rekognition Video's StartSegmentDetection/GetSegmentDetection, measured from every
frame's luma (``service.video_segments``): black frames and content as technical cues, and
shots cut at hard cuts, with the segments a test scripted (``set_video_segments``). The
face engine is not involved."""

from __future__ import annotations

from typing import Any

from .. import jobs, video_input, video_segments
from ..controls import video as video_controls
from ..limits import (
    DEFAULT_BLACK_COVERAGE,
    DEFAULT_BLACK_PIXEL_THRESHOLD,
    DEFAULT_MIN_SEGMENT_CONFIDENCE,
    UNSUPPORTED_VIDEO,
)
from .video import JobPage
from .video_labels import VideoLabelsMixin


class VideoSegmentsMixin(VideoLabelsMixin):
    """Segment detection jobs of one account and region."""

    def start_segment_detection(self, video: Any, token: str | None, job_tag: str | None, channel: Any,
                                filters: dict[str, Any] | None, segment_types: list[str]) -> str:
        filters = filters or {}
        cue_filter = filters.get("TechnicalCueFilter") or {}
        black = cue_filter.get("BlackFrame") or {}
        params = {
            "SegmentTypes": sorted(set(segment_types)),
            "TechnicalCueConfidence": float(cue_filter.get("MinSegmentConfidence", DEFAULT_MIN_SEGMENT_CONFIDENCE)),
            "ShotConfidence": float((filters.get("ShotFilter") or {}).get("MinSegmentConfidence",
                                                                          DEFAULT_MIN_SEGMENT_CONFIDENCE)),
            "MaxPixelThreshold": float(black.get("MaxPixelThreshold", DEFAULT_BLACK_PIXEL_THRESHOLD)),
            "MinCoveragePercentage": float(black.get("MinCoveragePercentage", DEFAULT_BLACK_COVERAGE)),
        }
        return self._start_job("StartSegmentDetection", video, token, job_tag, channel, params,
                               lambda job, data: _detect_segments_in(job, data, params))

    def get_segment_detection(self, job_id: str, max_results: int | None, next_token: str | None) -> JobPage:
        job = self._job(job_id, "StartSegmentDetection")
        entries = job.results if job.status == jobs.SUCCEEDED else []
        return self._page(job, entries, "segment-detection", max_results, next_token)


def _detect_segments_in(job: jobs.Job, data: bytes, params: dict[str, Any]) -> None:
    from ...vision import video

    try:
        job.metadata = video.probe(data)
        if not video_input.supported(job.metadata):
            job.fail(UNSUPPORTED_VIDEO)
            return
        frame_ms = 1000.0 / job.metadata.frame_rate if job.metadata.frame_rate else 0.0
        found = video_segments.measure(video.luma_frames(data), frame_ms, params["MaxPixelThreshold"],
                                       params["MinCoveragePercentage"])
        frames = max((s.last + 1 for s in found), default=0)
        found = video_segments.with_scripted(found, video_controls.scripted_segments(job.keys), frame_ms, frames)
    except video.VideoDecodeError:
        job.fail(UNSUPPORTED_VIDEO)
        return
    least = {"TECHNICAL_CUE": params["TechnicalCueConfidence"], "SHOT": params["ShotConfidence"]}
    job.succeed([s for s in found if s.type in params["SegmentTypes"] and s.confidence >= least[s.type]])
