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

    def start_face_detection(self) -> str:
        params = self._request()
        job_id = self.rekognition_backend.start_face_detection(
            params["Video"], params.get("ClientRequestToken"), params.get("JobTag"), params.get("NotificationChannel"),
            params.get("FaceAttributes"),
        )
        return json.dumps({"JobId": job_id})

    def get_face_detection(self) -> str:
        params = self._request()
        page = self.rekognition_backend.get_face_detection(params["JobId"], params.get("MaxResults"), params.get("NextToken"))
        attributes = [page.job.params["FaceAttributes"]]
        body = video_shapes.job_body(page)
        body["Faces"] = [video_shapes.face_detection(entry, attributes) for entry in page.entries]
        return json.dumps({**body, **video_shapes.job_tail(page)})

    def start_face_search(self) -> str:
        params = self._request()
        job_id = self.rekognition_backend.start_face_search(
            params["Video"], params.get("ClientRequestToken"), params.get("JobTag"), params.get("NotificationChannel"),
            params["CollectionId"], params.get("FaceMatchThreshold"),
        )
        return json.dumps({"JobId": job_id})

    def get_face_search(self) -> str:
        params = self._request()
        page = self.rekognition_backend.get_face_search(
            params["JobId"], params.get("MaxResults"), params.get("NextToken"), params.get("SortBy"),
        )
        body = video_shapes.job_body(page)
        body["Persons"] = [video_shapes.person_match(entry) for entry in page.entries]
        return json.dumps({**body, **video_shapes.job_tail(page)})

    def start_person_tracking(self) -> str:
        params = self._request()
        job_id = self.rekognition_backend.start_person_tracking(
            params["Video"], params.get("ClientRequestToken"), params.get("JobTag"), params.get("NotificationChannel"),
        )
        return json.dumps({"JobId": job_id})

    def get_person_tracking(self) -> str:
        params = self._request()
        page = self.rekognition_backend.get_person_tracking(
            params["JobId"], params.get("MaxResults"), params.get("NextToken"), params.get("SortBy"),
        )
        body = video_shapes.job_body(page)
        body["Persons"] = [video_shapes.person_detection(entry) for entry in page.entries]
        return json.dumps({**body, **video_shapes.job_tail(page)})

    def start_label_detection(self) -> str:
        params = self._request()
        job_id = self.rekognition_backend.start_label_detection(
            params["Video"], params.get("ClientRequestToken"), params.get("JobTag"), params.get("NotificationChannel"),
            params.get("MinConfidence"), params.get("Features"), params.get("Settings"),
        )
        return json.dumps({"JobId": job_id})

    def get_label_detection(self) -> str:
        params = self._request()
        sort_by, aggregate_by = params.get("SortBy", "TIMESTAMP"), params.get("AggregateBy", "TIMESTAMPS")
        page = self.rekognition_backend.get_label_detection(
            params["JobId"], params.get("MaxResults"), params.get("NextToken"), sort_by, aggregate_by,
        )
        body = video_shapes.job_body(page)
        body["Labels"] = [video_shapes.label_detection(entry) for entry in page.entries]
        body["LabelModelVersion"] = LABEL_MODEL_VERSION
        return json.dumps({**body, **video_shapes.job_tail(page),
                           "GetRequestMetadata": {"SortBy": sort_by, "AggregateBy": aggregate_by}})

    def start_segment_detection(self) -> str:
        params = self._request()
        job_id = self.rekognition_backend.start_segment_detection(
            params["Video"], params.get("ClientRequestToken"), params.get("JobTag"), params.get("NotificationChannel"),
            params.get("Filters"), params["SegmentTypes"],
        )
        return json.dumps({"JobId": job_id})

    def get_segment_detection(self) -> str:
        params = self._request()
        page = self.rekognition_backend.get_segment_detection(params["JobId"], params.get("MaxResults"),
                                                              params.get("NextToken"))
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
        params = self._request()
        job_id = self.rekognition_backend.start_content_moderation(
            params["Video"], params.get("ClientRequestToken"), params.get("JobTag"), params.get("NotificationChannel"),
            params.get("MinConfidence"),
        )
        return json.dumps({"JobId": job_id})

    def get_content_moderation(self) -> str:
        params = self._request()
        sort_by, aggregate_by = params.get("SortBy", "TIMESTAMP"), params.get("AggregateBy", "TIMESTAMPS")
        page = self.rekognition_backend.get_content_moderation(
            params["JobId"], params.get("MaxResults"), params.get("NextToken"), sort_by, aggregate_by,
        )
        body = video_shapes.job_body(page)
        body["ModerationLabels"] = [video_shapes.content_moderation(entry) for entry in page.entries]
        body["ModerationModelVersion"] = MODERATION_MODEL_VERSION
        return json.dumps({**body, **video_shapes.job_tail(page),
                           "GetRequestMetadata": {"SortBy": sort_by, "AggregateBy": aggregate_by}})

    def start_celebrity_recognition(self) -> str:
        params = self._request()
        job_id = self.rekognition_backend.start_celebrity_recognition(
            params["Video"], params.get("ClientRequestToken"), params.get("JobTag"), params.get("NotificationChannel"),
        )
        return json.dumps({"JobId": job_id})

    def get_celebrity_recognition(self) -> str:
        params = self._request()
        page = self.rekognition_backend.get_celebrity_recognition(
            params["JobId"], params.get("MaxResults"), params.get("NextToken"), params.get("SortBy"),
        )
        body = video_shapes.job_body(page)
        body["Celebrities"] = [video_shapes.celebrity_recognition(entry) for entry in page.entries]
        return json.dumps({**body, **video_shapes.job_tail(page)})

    def start_text_detection(self) -> str:
        params = self._request()
        job_id = self.rekognition_backend.start_text_detection(
            params["Video"], params.get("ClientRequestToken"), params.get("JobTag"), params.get("NotificationChannel"),
            params.get("Filters"),
        )
        return json.dumps({"JobId": job_id})

    def get_text_detection(self) -> str:
        params = self._request()
        page = self.rekognition_backend.get_text_detection(params["JobId"], params.get("MaxResults"),
                                                           params.get("NextToken"))
        body = video_shapes.job_body(page)
        body["TextDetections"] = [video_shapes.text_detection(entry) for entry in page.entries]
        body["TextModelVersion"] = TEXT_MODEL_VERSION
        return json.dumps({**body, **video_shapes.job_tail(page)})
