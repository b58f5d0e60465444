"""Rekognition Video from the faces: StartPersonTracking/GetPersonTracking and
StartLabelDetection/GetLabelDetection.

Both know what DetectLabels knows: a person per face (the box ``labels.person_boxes``
draws around it), ``Person``, ``Head`` and ``Face``. A person's ``Index`` comes from the
same tracking as face search. Labels are given per sampled frame (``AggregateBy``
TIMESTAMPS) or as segments: the runs of neighbouring samples where the label is seen, from
the first sample to the next sample after the last one (SEGMENTS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...vision import Face
from .. import jobs, labels
from ..controls import video as video_controls
from ..limits import (
    DEFAULT_MODERATION_MIN_CONFIDENCE,
    DEFAULT_VIDEO_LABEL_MIN_CONFIDENCE,
    MAX_FACES,
    MAX_LABELS,
)
from .video import JobPage, VideoMixin


@dataclass
class PersonTracked:
    """A tracked person at ``timestamp`` ms (GetPersonTracking's ``PersonDetection``)."""

    timestamp: int
    index: int
    face: Face
    box: tuple[float, float, float, float]  # the person, in pixels: left, top, right, bottom
    width: int
    height: int


@dataclass
class LabelSeen:
    """A label at ``timestamp`` ms, or over a segment of the video (``end`` is not None)."""

    timestamp: int
    label: dict[str, Any]  # AWS's Label, as DetectLabels answers it for the frame
    end: int | None = None


class VideoLabelsMixin(VideoMixin):
    """Person tracking and label detection jobs of one account and region."""

    def start_person_tracking(self, video: Any, token: str | None, job_tag: str | None, channel: Any) -> str:
        return self._start_job("StartPersonTracking", video, token, job_tag, channel, {}, self._track_people_in)

    def start_label_detection(  # type: ignore[override]
        self, video: Any, token: str | None, job_tag: str | None, channel: Any, min_confidence: float | None,
        features: list[str] | None, settings: dict[str, Any] | None,
    ) -> str:
        params = {
            "MinConfidence": DEFAULT_VIDEO_LABEL_MIN_CONFIDENCE if min_confidence is None else float(min_confidence),
            "Features": list(features or ["GENERAL_LABELS"]),
            "Settings": settings or {},
        }
        return self._start_job("StartLabelDetection", video, token, job_tag, channel, params,
                               lambda job, data: self._detect_labels_in(job, data, params))

    # -- the jobs' work ---------------------------------------------------------------

    def _track_people_in(self, job: jobs.Job, data: bytes) -> None:
        from ...vision.video_tracking import track

        frames = self._frames(job, data, descriptors=True)
        if frames is None:
            return
        bodies = [labels.person_boxes(a)[:MAX_FACES] for _, a in frames]
        indices = track([list(zip(rows, (f.descriptor for f in a.faces))) for rows, (_, a) in zip(bodies, frames)])
        people = []
        for (timestamp, analysis), rows, row_indices in zip(frames, bodies, indices):
            ordered = sorted(zip(row_indices, analysis.faces, rows), key=lambda seen: seen[0])
            people += [PersonTracked(timestamp, i, face, box, analysis.width, analysis.height) for i, face, box in ordered]
        job.succeed(people)

    def _detect_labels_in(self, job: jobs.Job, data: bytes, params: dict[str, Any]) -> None:
        frames = self._frames(job, data, descriptors=False)
        if frames is None:
            return
        seen = []
        for timestamp, analysis in frames:
            measured = labels.merge(labels.face_labels(analysis), video_controls.video_labels(job.keys, timestamp))
            found = labels.select(measured, params["MinConfidence"], MAX_LABELS, params["Settings"])
            seen += [LabelSeen(timestamp, label) for label in sorted(found, key=lambda label: label["Name"])]
        job.succeed(seen)

    def start_content_moderation(self, video: Any, token: str | None, job_tag: str | None, channel: Any,
                                 min_confidence: float | None) -> str:
        threshold = DEFAULT_MODERATION_MIN_CONFIDENCE if min_confidence is None else float(min_confidence)
        return self._start_job("StartContentModeration", video, token, job_tag, channel, {"MinConfidence": threshold},
                               lambda job, data: self._moderate(job, data, threshold))

    def _moderate(self, job: jobs.Job, data: bytes, threshold: float) -> None:
        """Nothing is measured: the moderation labels scripted for each sampled frame's time."""
        times = self._sampled_times(job, data)
        if times is None:
            return
        seen = []
        for timestamp in times:
            scripted = video_controls.video_labels(job.keys, timestamp, moderation=True) or []
            found = labels.detect_moderation_labels(scripted, threshold)["ModerationLabels"]
            seen += [LabelSeen(timestamp, label) for label in sorted(found, key=lambda label: label["Name"])]
        job.succeed(seen)

    # -- Get --------------------------------------------------------------------------

    def get_person_tracking(self, job_id: str, max_results: int | None, next_token: str | None,
                            sort_by: str | None) -> JobPage:
        job = self._job(job_id, "StartPersonTracking")
        entries: list[PersonTracked] = job.results if job.status == jobs.SUCCEEDED else []
        if sort_by == "INDEX":
            entries = sorted(entries, key=lambda p: (p.index, p.timestamp))
        return self._page(job, entries, f"person-tracking-{sort_by or 'TIMESTAMP'}", max_results, next_token)

    def get_content_moderation(self, job_id: str, max_results: int | None, next_token: str | None,
                               sort_by: str | None, aggregate_by: str | None) -> JobPage:
        return self.get_label_detection(job_id, max_results, next_token, sort_by, aggregate_by, "StartContentModeration")

    def get_label_detection(self, job_id: str, max_results: int | None, next_token: str | None, sort_by: str | None,
                            aggregate_by: str | None, api: str = "StartLabelDetection") -> JobPage:
        job = self._job(job_id, api)
        entries: list[LabelSeen] = job.results if job.status == jobs.SUCCEEDED else []
        if aggregate_by == "SEGMENTS":
            entries = _segments(entries, job.sample_ms, job.metadata.duration_ms if job.metadata else None)
        if sort_by == "NAME":
            entries = sorted(entries, key=lambda seen: (seen.label["Name"], seen.timestamp))
        listing = f"{api}-{sort_by or 'TIMESTAMP'}-{aggregate_by or 'TIMESTAMPS'}"
        return self._page(job, entries, listing, max_results, next_token)


def _segments(entries: list[LabelSeen], sample_ms: float, duration_ms: int | None) -> list[LabelSeen]:
    """Each label's runs of neighbouring samples, from the first sample to the next sample
    after the last (or the end of the video), with the run's highest confidence."""
    runs: dict[str, list[list[LabelSeen]]] = {}
    for seen in entries:
        name = seen.label["Name"]
        label_runs = runs.setdefault(name, [])
        if label_runs and seen.timestamp - label_runs[-1][-1].timestamp <= 1.5 * sample_ms:
            label_runs[-1].append(seen)
        else:
            label_runs.append([seen])
    segments = []
    for label_runs in runs.values():
        for run in label_runs:
            end = int(round(run[-1].timestamp + sample_ms))
            if duration_ms is not None:
                end = min(end, duration_ms)
            best = max(run, key=lambda seen: seen.label["Confidence"]).label
            label = {key: value for key, value in best.items() if key != "Instances"}
            segments.append(LabelSeen(run[0].timestamp, label, end))
    segments.sort(key=lambda seen: (seen.timestamp, seen.label["Name"]))
    return segments

