"""Rekognition Video jobs: their record, the worker that runs them, their JobIds, and the
completion message published to the job's SNS topic.

A job runs on one daemon worker thread, in the order started (``settings.video_jobs =
"background"``, the default), so that Get* answers ``IN_PROGRESS`` until it is done; or
inside the Start* call (``"sync"``). :func:`wait_for_jobs` blocks until every job started so
far has finished (``rekognition_mock.wait_for_jobs()``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .exceptions import InvalidParameterException

log = logging.getLogger(__name__)

IN_PROGRESS, SUCCEEDED, FAILED = "IN_PROGRESS", "SUCCEEDED", "FAILED"
THUMBNAILS = 12  # sampled frames a face job keeps for the inspector's strip
THUMBNAIL_WIDTH = 160


@dataclass
class Job:
    """One video analysis: what was asked, and how far it got."""

    job_id: str
    api: str  # the Start operation: "StartFaceSearch", ...
    video: dict[str, Any]  # the request's Video
    job_tag: str | None
    topic_arn: str | None
    params: dict[str, Any]  # the operation's own parameters (CollectionId, FaceAttributes, ...)
    status: str = IN_PROGRESS
    status_message: str | None = None
    metadata: Any = None  # vision.video.VideoInfo once the container is read
    results: list[Any] = field(default_factory=list)  # the operation's entries, in time order
    keys: list[tuple] = field(default_factory=list)  # the video's control keys: its S3 object, its bytes
    sample_ms: float = 0.0
    # A strip of at most THUMBNAILS sampled frames for the inspector: (timestamp, small JPEG,
    # the faces found as (left, top, width, height) ratios of the frame).
    thumbnails: list[tuple[int, bytes, list[tuple[float, float, float, float]]]] = field(default_factory=list)  # video time between the frames analysed (settings.video_sample_ms when it ran)
    started: float = field(default_factory=time.time)
    finished: float | None = None
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def succeed(self, results: list[Any]) -> None:
        self.results = results
        self._end(SUCCEEDED, None)

    def fail(self, message: str) -> None:
        self._end(FAILED, message)

    def _end(self, status: str, message: str | None) -> None:
        self.finished = time.time()
        self.status_message = message
        self.status = status
        self.done.set()


def job_id(account_id: str, region: str, sequence: int, api: str, params: Any) -> str:
    """A JobId (64 hex digits, as AWS's look): the same sequence of Start calls in a fresh
    account and region gives the same ids on every run."""
    text = json.dumps([account_id, region, sequence, api, params], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# -- SNS ----------------------------------------------------------------------------


def check_topic(topic_arn: str, account_id: str, region: str) -> None:
    """The NotificationChannel's topic must exist in moto's SNS (in this region)."""
    if _topic(topic_arn) is None:
        raise InvalidParameterException(f"The SNS topic {topic_arn} does not exist or cannot be published to.")


def _topic(topic_arn: str) -> Any:
    from moto.sns.models import sns_backends

    parts = topic_arn.split(":")
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sns":
        return None
    region, account = parts[3], parts[4]
    try:
        return sns_backends[account][region].topics.get(topic_arn)
    except Exception:  # an account or region moto does not know
        return None


def completion_message(job: Job) -> dict[str, Any]:
    """AWS's completion notification (Reference: Video analysis results notification)."""
    s3_object = job.video.get("S3Object", {})
    message: dict[str, Any] = {"JobId": job.job_id, "Status": job.status, "API": job.api}
    if job.job_tag is not None:
        message["JobTag"] = job.job_tag
    message["Timestamp"] = int((job.finished or time.time()) * 1000)
    message["Video"] = {"S3ObjectName": s3_object.get("Name"), "S3Bucket": s3_object.get("Bucket")}
    return message


def notify(job: Job) -> None:
    """Publish the completion message to the job's topic, if it has one (and it still exists)."""
    if job.topic_arn is None:
        return
    topic = _topic(job.topic_arn)
    if topic is None:
        log.warning("video job %s: its SNS topic %s no longer exists; no notification sent", job.job_id, job.topic_arn)
        return
    topic.publish(json.dumps(completion_message(job)))


# -- the worker ---------------------------------------------------------------------


class _Runner:
    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[Job, Callable[[Job], None]]] = queue.Queue()
        self._pending = 0
        self._idle = threading.Condition()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: Job, work: Callable[[Job], None], background: bool) -> None:
        if not background:
            run(job, work)
            return
        with self._idle:
            self._pending += 1
        self._queue.put((job, work))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="rekognition-mock-video", daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            job, work = self._queue.get()
            try:
                run(job, work)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def wait(self, timeout: float | None) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)


_runner = _Runner()


def run(job: Job, work: Callable[[Job], None]) -> None:
    """Run ``work`` on ``job``; whatever happens the job ends and its topic hears of it."""
    try:
        work(job)
    except Exception:  # a bug of ours: the job fails, the traceback goes to the log only
        log.exception("rekognition-mock: video job %s (%s) failed", job.job_id, job.api)
        if not job.done.is_set():
            job.fail("Internal error of rekognition-mock while analysing the video (see its log).")
    if not job.done.is_set():
        job.fail("The job ended without a result.")
    try:
        notify(job)
    except Exception:
        log.exception("rekognition-mock: the completion message of video job %s was not published", job.job_id)


def submit(job: Job, work: Callable[[Job], None]) -> None:
    """Run ``work(job)`` as settings.video_jobs says: on the worker thread or now."""
    from ..settings import settings

    _runner.submit(job, work, background=settings.video_jobs == "background")


def wait_for_jobs(timeout: float | None = None) -> bool:
    """Block until every video job started so far has finished (and its SNS message is
    published); False if ``timeout`` seconds passed first."""
    return _runner.wait(timeout)
