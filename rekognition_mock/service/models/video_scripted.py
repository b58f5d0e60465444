"""Rekognition Video answers that are scripted per video and time range (``video_controls``):
StartCelebrityRecognition/GetCelebrityRecognition (a scripted celebrity is a face the
engine finds in the frame) and StartTextDetection/GetTextDetection (scripted lines, split
into words). These replace moto's canned text detection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...vision import Face
from .. import jobs
from ..controls import video as video_controls
from .video import JobPage
from .video_cues import VideoSegmentsMixin


@dataclass
class CelebritySeen:
    """A scripted celebrity on a face of the frame at ``timestamp`` ms."""

    timestamp: int
    celebrity: dict[str, Any]
    face: Face
    width: int
    height: int


@dataclass
class TextSeen:
    """A ``TextDetection`` (a line or one of its words) in the frame at ``timestamp`` ms."""

    timestamp: int
    detection: dict[str, Any]


class VideoScriptedMixin(VideoSegmentsMixin):
    """Celebrity recognition and text detection jobs of one account and region."""

    def start_celebrity_recognition(self, video: Any, token: str | None, job_tag: str | None, channel: Any) -> str:
        return self._start_job("StartCelebrityRecognition", video, token, job_tag, channel, {}, self._celebrities_in)

    def _celebrities_in(self, job: jobs.Job, data: bytes) -> None:
        frames = self._frames(job, data, descriptors=False)
        if frames is None:
            return
        seen = []
        for timestamp, analysis in frames:
            for celebrity in video_controls.scripted(job.keys, timestamp, "celebrities") or []:
                index = celebrity["face_index"]
                if index < len(analysis.faces):
                    seen.append(CelebritySeen(timestamp, celebrity, analysis.faces[index], analysis.width, analysis.height))
        job.succeed(seen)

    def get_celebrity_recognition(self, job_id: str, max_results: int | None, next_token: str | None,
                                  sort_by: str | None) -> JobPage:
        job = self._job(job_id, "StartCelebrityRecognition")
        entries: list[CelebritySeen] = job.results if job.status == jobs.SUCCEEDED else []
        if sort_by == "ID":
            entries = sorted(entries, key=lambda seen: (seen.celebrity["Id"], seen.timestamp))
        return self._page(job, entries, f"celebrities-{sort_by or 'TIMESTAMP'}", max_results, next_token)

    def start_text_detection(  # type: ignore[override]
        self, video: Any, token: str | None, job_tag: str | None, channel: Any, filters: dict[str, Any] | None,
    ) -> str:
        params = {"Filters": filters or {}}
        return self._start_job("StartTextDetection", video, token, job_tag, channel, params,
                               lambda job, data: self._text_in(job, data, params["Filters"]))

    def _text_in(self, job: jobs.Job, data: bytes, filters: dict[str, Any]) -> None:
        times = self._sampled_times(job, data)
        if times is None:
            return
        seen = []
        for timestamp in times:
            detections = _detections(video_controls.scripted(job.keys, timestamp, "text") or [])
            seen += [TextSeen(timestamp, d) for d in detections if _kept(d, filters)]
        job.succeed(seen)

    def get_text_detection(  # type: ignore[override]
        self, job_id: str, max_results: int | None, next_token: str | None,
    ) -> JobPage:
        job = self._job(job_id, "StartTextDetection")
        entries = job.results if job.status == jobs.SUCCEEDED else []
        return self._page(job, entries, "text-detection", max_results, next_token)


def _geometry(box: dict[str, float]) -> dict[str, Any]:
    left, top, width, height = box["Left"], box["Top"], box["Width"], box["Height"]
    corners = [(left, top), (left + width, top), (left + width, top + height), (left, top + height)]
    return {"BoundingBox": dict(box), "Polygon": [{"X": x, "Y": y} for x, y in corners]}


def _detections(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each scripted line as a LINE and its WORDs (boxes shared out by their length), with
    ids in order through the frame: all the lines first, then the words, as AWS lists them."""
    out_lines, out_words = [], []
    for line in lines:
        line_id = len(out_lines)
        box = line["BoundingBox"]
        out_lines.append({"DetectedText": line["DetectedText"], "Type": "LINE", "Id": line_id,
                          "Confidence": line["Confidence"], "Geometry": _geometry(box)})
        words = line["DetectedText"].split()
        total = sum(len(w) + 1 for w in words) - 1
        left = box["Left"]
        for word in words:
            width = box["Width"] * len(word) / total
            out_words.append({"DetectedText": word, "Type": "WORD", "ParentId": line_id,
                              "Confidence": line["Confidence"],
                              "Geometry": _geometry({"Width": width, "Height": box["Height"], "Left": left,
                                                     "Top": box["Top"]})})
            left += box["Width"] * (len(word) + 1) / total
    for index, word in enumerate(out_words):
        word["Id"] = len(out_lines) + index
    return out_lines + out_words


def _kept(detection: dict[str, Any], filters: dict[str, Any]) -> bool:
    """StartTextDetection's ``Filters``: WordFilter (confidence and box size) and
    RegionsOfInterest (the box's centre inside one of them)."""
    word = filters.get("WordFilter") or {}
    box = detection["Geometry"]["BoundingBox"]
    if detection["Confidence"] < word.get("MinConfidence", 0) or box["Height"] < word.get("MinBoundingBoxHeight", 0) \
            or box["Width"] < word.get("MinBoundingBoxWidth", 0):
        return False
    regions = filters.get("RegionsOfInterest") or []
    if not regions:
        return True
    x, y = box["Left"] + box["Width"] / 2, box["Top"] + box["Height"] / 2
    for region in regions:
        if "BoundingBox" in region:
            r = region["BoundingBox"]
            left, top = r.get("Left", 0.0), r.get("Top", 0.0)
            right, bottom = left + r.get("Width", 0.0), top + r.get("Height", 0.0)
        elif region.get("Polygon"):
            xs, ys = [p.get("X", 0.0) for p in region["Polygon"]], [p.get("Y", 0.0) for p in region["Polygon"]]
            left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
        else:
            continue
        if left <= x <= right and top <= y <= bottom:
            return True
    return False
