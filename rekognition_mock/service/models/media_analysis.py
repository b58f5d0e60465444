"""StartMediaAnalysisJob, GetMediaAnalysisJob and ListMediaAnalysisJobs (bulk analysis).

The job reads its JSON Lines manifest (``{"source-ref": "s3://bucket/key"}`` per image) from
moto's S3 when it starts, runs in the mock's clock (IN_PROGRESS, then SUCCEEDED or FAILED;
service/clock.py) and, when it ends, runs this backend's own DetectModerationLabels on each
image (scripted answers: ``rekognition_mock.set_moderation_labels``) and writes to the output
bucket, under ``<S3KeyPrefix>/<JobId>/``, ``results.jsonl`` (one line per valid image:
``{"source-ref": ..., "detect-moderation-labels": <the DetectModerationLabels response>}``) and
``manifest-summary.json`` (``version``, ``statistics`` and ``errors``, AWS's format).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from .. import clock
from ..exceptions import (
    IdempotentParameterMismatchException,
    InvalidManifestException,
    ResourceNotFoundException,
)
from ..limits import MODERATION_MODEL_VERSION
from .lifecycle import bucket_exists, page, read_s3, write_s3
from .liveness import LivenessMixin

DEFAULT_JOBS_PAGE = 100  # ListMediaAnalysisJobs without MaxResults (the model's maximum)
MAX_MANIFEST_LINES = 10000  # images in one bulk analysis manifest (AWS's quota)


@dataclass
class MediaAnalysisJob:
    job_id: str
    name: str | None
    operations: dict[str, Any]
    input: dict[str, Any]
    output: dict[str, Any]
    kms_key_id: str | None
    token: str | None
    created: float
    lines: list[str]
    timer: clock.Timer
    status: str = "IN_PROGRESS"
    completed: float | None = None
    failure: dict[str, str] | None = None
    results: dict[str, Any] = field(default_factory=dict)  # Results and ManifestSummary once written

    def same_request(self, other: tuple) -> bool:
        return (self.name, self.operations, self.input, self.output, self.kms_key_id) == other


class MediaAnalysisMixin(LivenessMixin):
    """Bulk analysis jobs of one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.media_analysis_jobs: dict[str, MediaAnalysisJob] = {}

    def start_media_analysis_job(self, token: str | None, name: str | None, operations: dict[str, Any],
                                 input_: dict[str, Any], output: dict[str, Any], kms_key_id: str | None) -> str:
        request = (name, operations, input_, output, kms_key_id)
        with self._lock:
            previous = next((j for j in self.media_analysis_jobs.values() if token and j.token == token), None)
            if previous is not None:
                if not previous.same_request(request):
                    raise IdempotentParameterMismatchException()
                return previous.job_id
        adapter = operations.get("DetectModerationLabels", {}).get("ProjectVersion")
        if adapter:
            self.check_adapter(adapter)  # type: ignore[attr-defined]
        s3_object = input_["S3Object"]
        text = read_s3(self.account_id, self.region_name, self.partition, s3_object.get("Bucket", ""),
                       s3_object.get("Name", ""), s3_object.get("Version"))
        lines = text.decode("utf-8", "replace").splitlines()
        if not any(line.strip() for line in lines) or len(lines) > MAX_MANIFEST_LINES:
            raise InvalidManifestException()
        job = MediaAnalysisJob(str(uuid.uuid4()), name, operations, input_, output, kms_key_id, token, clock.now(),
                               lines, clock.Timer.start("media_analysis"))
        with self._lock:
            self.media_analysis_jobs[job.job_id] = job
        return job.job_id

    def _refresh_job(self, job: MediaAnalysisJob) -> None:
        if job.status != "IN_PROGRESS" or not job.timer.look():
            return
        job.completed = job.timer.ended
        if not bucket_exists(self.account_id, self.region_name, self.partition, job.output["S3Bucket"]):
            job.status = "FAILED"
            job.failure = {"Code": "INVALID_OUTPUT_CONFIG",
                           "Message": f"The output S3 bucket {job.output['S3Bucket']} does not exist."}
            return
        self._write_results(job)
        job.status = "SUCCEEDED"

    def _write_results(self, job: MediaAnalysisJob) -> None:
        min_confidence = job.operations.get("DetectModerationLabels", {}).get("MinConfidence")
        results, errors, total = [], [], 0
        for number, line in enumerate(job.lines, 1):
            if not line.strip():
                continue
            total += 1
            try:
                ref = json.loads(line)["source-ref"]
                bucket, _, key = ref.removeprefix("s3://").partition("/")
                if not ref.startswith("s3://") or not key:
                    raise ValueError
            except (ValueError, KeyError, TypeError, AttributeError):
                errors.append({"line-number": number, "code": "INVALID_JSON_LINE",
                               "message": "The line is not a JSON object with an s3:// source-ref."})
                continue
            try:
                answer = self.detect_moderation_labels({"S3Object": {"Bucket": bucket, "Name": key}}, min_confidence)
            except Exception as exc:  # the error DetectModerationLabels would answer for this image
                code = getattr(exc, "error_type", "InternalServerError")
                errors.append({"line-number": number, "source-ref": ref, "code": code,
                               "message": getattr(exc, "message", None) or str(exc)})
                continue
            results.append(json.dumps({"source-ref": ref, "detect-moderation-labels": answer}))
        summary = {"version": "1.0", "statistics": {"total-json-lines": total, "valid-json-lines": len(results),
                                                    "invalid-json-lines": total - len(results)}, "errors": errors}
        prefix = job.output.get("S3KeyPrefix", "")
        base = f"{prefix}{'/' if prefix and not prefix.endswith('/') else ''}{job.job_id}/"
        bucket = job.output["S3Bucket"]
        write_s3(self.account_id, self.partition, bucket, base + "results.jsonl", "\n".join(results).encode())
        write_s3(self.account_id, self.partition, bucket, base + "manifest-summary.json", json.dumps(summary).encode())
        job.results = {"Results": {"S3Object": {"Bucket": bucket, "Name": base + "results.jsonl"},
                                   "ModelVersions": {"Moderation": MODERATION_MODEL_VERSION}},
                       "ManifestSummary": {"S3Object": {"Bucket": bucket, "Name": base + "manifest-summary.json"}}}

    def get_media_analysis_job(self, job_id: str) -> MediaAnalysisJob:
        job = self.media_analysis_jobs.get(job_id)
        if job is None:
            raise ResourceNotFoundException(f"The media analysis job {job_id} does not exist")
        with self._lock:
            self._refresh_job(job)
        return job

    def list_media_analysis_jobs(self, next_token: str | None,
                                 max_results: int | None) -> tuple[list[MediaAnalysisJob], str | None]:
        jobs = sorted(self.media_analysis_jobs.values(), key=lambda j: (j.created, j.job_id))
        chosen, token = page(jobs, lambda j: [j.created, j.job_id], "media-analysis-jobs",
                             f"{self.account_id}/{self.region_name}", next_token, max_results, DEFAULT_JOBS_PAGE)
        with self._lock:
            for job in chosen:
                self._refresh_job(job)
        return chosen, token
