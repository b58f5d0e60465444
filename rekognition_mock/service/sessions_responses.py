"""The wire format of stream processors, Face Liveness sessions and media analysis jobs:
a mixin of the response class in responses.py."""

from __future__ import annotations

import base64
import json
from typing import Any

from .models.liveness import LivenessImage, LivenessResult
from .models.media_analysis import MediaAnalysisJob
from .models.stream_processors import StreamProcessor


def _with_token(body: dict[str, Any], token: str | None) -> str:
    if token:
        body["NextToken"] = token
    return json.dumps(body)


def stream_processor(processor: StreamProcessor) -> dict[str, Any]:
    body = {"Name": processor.name, "StreamProcessorArn": processor.arn, "Status": processor.status,
            "CreationTimestamp": processor.created, "LastUpdateTimestamp": processor.updated, **processor.config}
    if processor.status_message:
        body["StatusMessage"] = processor.status_message
    return body


def media_analysis_job(job: MediaAnalysisJob) -> dict[str, Any]:
    body: dict[str, Any] = {"JobId": job.job_id, "OperationsConfig": job.operations, "Status": job.status,
                            "CreationTimestamp": job.created, "Input": job.input, "OutputConfig": job.output, **job.results}
    optional = {"JobName": job.name, "KmsKeyId": job.kms_key_id, "CompletionTimestamp": job.completed,
                "FailureDetails": job.failure}
    body.update({k: v for k, v in optional.items() if v is not None})
    return body


def audit_image(image: LivenessImage) -> dict[str, Any]:
    if image.data is not None:
        return {"Bytes": base64.b64encode(image.data).decode(), "BoundingBox": image.box}
    return {"S3Object": image.s3_object, "BoundingBox": image.box}


def liveness_result(result: LivenessResult) -> dict[str, Any]:
    body: dict[str, Any] = {"SessionId": result.session_id, "Status": result.status, "Challenge": result.challenge}
    if result.confidence is not None:
        body["Confidence"] = result.confidence
    if result.reference is not None:
        body["ReferenceImage"] = audit_image(result.reference)
        body["AuditImages"] = [audit_image(image) for image in result.audit]
    return body


class SessionsResponses:
    """Handlers of the stream processor, Face Liveness and media analysis operations."""

    _request: Any
    rekognition_backend: Any

    # -- stream processors -------------------------------------------------------------------

    def create_stream_processor(self) -> str:
        p = self._request()
        config = {k: v for k, v in p.items() if k not in ("Name", "Tags")}
        processor = self.rekognition_backend.create_stream_processor(p["Name"], config, p.get("Tags"))
        return json.dumps({"StreamProcessorArn": processor.arn})

    def describe_stream_processor(self) -> str:
        p = self._request()
        return json.dumps(stream_processor(self.rekognition_backend.describe_stream_processor(p["Name"])))

    def list_stream_processors(self) -> str:
        p = self._request()
        processors, token = self.rekognition_backend.list_stream_processors(p.get("NextToken"), p.get("MaxResults"))
        return _with_token({"StreamProcessors": [{"Name": x.name, "Status": x.status} for x in processors]}, token)

    def start_stream_processor(self) -> str:
        p = self._request()
        session = self.rekognition_backend.start_stream_processor(p["Name"], p.get("StartSelector"), p.get("StopSelector"))
        return json.dumps({"SessionId": session})

    def stop_stream_processor(self) -> str:
        p = self._request()
        self.rekognition_backend.stop_stream_processor(p["Name"])
        return "{}"

    def update_stream_processor(self) -> str:
        p = self._request()
        self.rekognition_backend.update_stream_processor(
            p["Name"], p.get("SettingsForUpdate"), p.get("RegionsOfInterestForUpdate"),
            p.get("DataSharingPreferenceForUpdate"), p.get("ParametersToDelete"))
        return "{}"

    def delete_stream_processor(self) -> str:
        p = self._request()
        self.rekognition_backend.delete_stream_processor(p["Name"])
        return "{}"

    # -- Face Liveness -----------------------------------------------------------------------

    def create_face_liveness_session(self) -> str:
        p = self._request()
        session = self.rekognition_backend.create_face_liveness_session(p.get("Settings"), p.get("ClientRequestToken"),
                                                                        p.get("KmsKeyId"))
        return json.dumps({"SessionId": session})

    def get_face_liveness_session_results(self) -> str:
        p = self._request()
        return json.dumps(liveness_result(self.rekognition_backend.get_face_liveness_session_results(p["SessionId"])))

    # -- media analysis ----------------------------------------------------------------------

    def start_media_analysis_job(self) -> str:
        p = self._request()
        job = self.rekognition_backend.start_media_analysis_job(
            p.get("ClientRequestToken"), p.get("JobName"), p["OperationsConfig"], p["Input"], p["OutputConfig"],
            p.get("KmsKeyId"))
        return json.dumps({"JobId": job})

    def get_media_analysis_job(self) -> str:
        p = self._request()
        return json.dumps(media_analysis_job(self.rekognition_backend.get_media_analysis_job(p["JobId"])))

    def list_media_analysis_jobs(self) -> str:
        p = self._request()
        jobs, token = self.rekognition_backend.list_media_analysis_jobs(p.get("NextToken"), p.get("MaxResults"))
        return _with_token({"MediaAnalysisJobs": [media_analysis_job(j) for j in jobs]}, token)
