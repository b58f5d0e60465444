"""The HTTP handlers of Rekognition Video's operations (a mixin of ``responses.RekognitionResponse``)."""

from __future__ import annotations

import json
from typing import Any

from . import video_shapes
from .limits import LABEL_MODEL_VERSION, MODERATION_MODEL_VERSION, TEXT_MODEL_VERSION


class VideoResponses:
    """Start* answers the JobId; Get* the job's status, its video and a page of its entries."""

    rekognition_backend: Any

    def _request(self) -> dict[str, Any]:  # pragma: no cover - RekognitionResponse's
        raise NotImplementedError

    def _start_job(self, operation: str, *names: str) -> str:
        """A Start* operation: the video, token, tag and channel every one takes, then its own parameters."""
        params = self._request()
        start = getattr(self.rekognition_backend, operation)
        job_id = start(params["Video"], params.get("ClientRequestToken"), params.get("JobTag"),
                       params.get("NotificationChannel"), *(params.get(name) for name in names))
        return json.dumps({"JobId": job_id})

    def _page(self, operation: str, *names: str) -> Any:
        """A Get* operation's page of its job's entries (after the JobId, MaxResults and NextToken, its own parameters)."""
        params = self._request()
        get = getattr(self.rekognition_backend, operation)
        return get(params["JobId"], params.get("MaxResults"), params.get("NextToken"), *(params.get(name) for name in names))

    @staticmethod
    def _job_answer(page: Any, key: str, entries: list[dict[str, Any]], **more: Any) -> str:
        return json.dumps({**video_shapes.job_body(page), key: entries, **more, **video_shapes.job_tail(page)})

    def start_face_detection(self) -> str:
        return self._start_job("start_face_detection", "FaceAttributes")

    def get_face_detection(self) -> str:
        page = self._page("get_face_detection")
        attributes = [page.job.params["FaceAttributes"]]
        return self._job_answer(page, "Faces", [video_shapes.face_detection(entry, attributes) for entry in page.entries])

    def start_face_search(self) -> str:
        return self._start_job("start_face_search", "CollectionId", "FaceMatchThreshold")

    def get_face_search(self) -> str:
        page = self._page("get_face_search", "SortBy")
        return self._job_answer(page, "Persons", [video_shapes.person_match(entry) for entry in page.entries])

    def start_person_tracking(self) -> str:
        return self._start_job("start_person_tracking")

    def get_person_tracking(self) -> str:
        page = self._page("get_person_tracking", "SortBy")
        return self._job_answer(page, "Persons", [video_shapes.person_detection(entry) for entry in page.entries])

    def start_label_detection(self) -> str:
        return self._start_job("start_label_detection", "MinConfidence", "Features", "Settings")

    def get_label_detection(self) -> str:
        return self._aggregated("get_label_detection", "Labels", video_shapes.label_detection,
                                LabelModelVersion=LABEL_MODEL_VERSION)

    def start_segment_detection(self) -> str:
        return self._start_job("start_segment_detection", "Filters", "SegmentTypes")

    def get_segment_detection(self) -> str:
        page = self._page("get_segment_detection")
        job = page.job
        body = video_shapes.job_body(page)
        fps = job.metadata.frame_rate if job.metadata is not None else 0.0
        if "VideoMetadata" in body:  # a list here, one entry per video stream analysed
            body["VideoMetadata"] = [body["VideoMetadata"]]
        if job.status != "IN_PROGRESS":
            body["AudioMetadata"] = video_shapes.audio_metadata(job.metadata)
        body["Segments"] = [video_shapes.segment_detection(entry, fps) for entry in page.entries]
        body["SelectedSegmentTypes"] = video_shapes.segment_types(job.params["SegmentTypes"])
        return json.dumps({**body, **video_shapes.job_tail(page)})

    def start_content_moderation(self) -> str:
        return self._start_job("start_content_moderation", "MinConfidence")

    def get_content_moderation(self) -> str:
        return self._aggregated("get_content_moderation", "ModerationLabels", video_shapes.content_moderation,
                                ModerationModelVersion=MODERATION_MODEL_VERSION)

    def _aggregated(self, operation: str, key: str, shape: Any, **more: Any) -> str:
        """Labels and moderation: pages sorted and aggregated as asked, which the answer repeats."""
        params = self._request()
        sort_by, aggregate_by = params.get("SortBy", "TIMESTAMP"), params.get("AggregateBy", "TIMESTAMPS")
        get = getattr(self.rekognition_backend, operation)
        page = get(params["JobId"], params.get("MaxResults"), params.get("NextToken"), sort_by, aggregate_by)
        return self._job_answer(page, key, [shape(entry) for entry in page.entries], **more,
                            GetRequestMetadata={"SortBy": sort_by, "AggregateBy": aggregate_by})

    def start_celebrity_recognition(self) -> str:
        return self._start_job("start_celebrity_recognition")

    def get_celebrity_recognition(self) -> str:
        page = self._page("get_celebrity_recognition", "SortBy")
        return self._job_answer(page, "Celebrities", [video_shapes.celebrity_recognition(entry) for entry in page.entries])

    def start_text_detection(self) -> str:
        return self._start_job("start_text_detection", "Filters")

    def get_text_detection(self) -> str:
        page = self._page("get_text_detection")
        return self._job_answer(page, "TextDetections", [video_shapes.text_detection(entry) for entry in page.entries],
                            TextModelVersion=TEXT_MODEL_VERSION)
