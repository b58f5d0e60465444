"""Rekognition Video on stored videos: StartFaceDetection/GetFaceDetection and
StartFaceSearch/GetFaceSearch, answered from the frames by the same engine as the images.

Start* checks what AWS checks at once (the token, the S3 object, the topic, the collection)
and hands the analysis to ``jobs``; the job samples the video (``vision.video``), analyses
each sampled frame as DetectFaces analyses an image, and keeps domain entries that Get*
pages through (the response layer writes them in AWS's shapes).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from moto.core.exceptions import HTTPException

from ...settings import engine
from ...store.facestore import StoredFace
from ...vision import Analysis, Face
from .. import jobs, shapes, video_input
from ..controls import video as video_controls
from ..exceptions import IdempotentParameterMismatchException, InvalidPaginationTokenException, ResourceNotFoundException
from ..limits import DEFAULT_SIMILARITY_THRESHOLD, MAX_FACES, UNSUPPORTED_VIDEO, VIDEO_PAGE
from ..pagination import decode_token, encode_token
from .faces import FacesMixin


@dataclass
class VideoFace:
    """A face in the frame at ``timestamp`` ms (GetFaceDetection's ``FaceDetection``)."""

    timestamp: int
    face: Face
    width: int
    height: int


@dataclass
class PersonSeen:
    """A tracked person at ``timestamp`` ms, and the collection's faces it matches
    (GetFaceSearch's ``PersonMatch``)."""

    timestamp: int
    index: int
    face: Face
    width: int
    height: int
    matches: list[tuple[StoredFace, float]]


def _thumbnail(timestamp: int, rgb: Any, analysis: Analysis) -> tuple[int, bytes, list[tuple[float, float, float, float]]]:
    """A sampled frame for the inspector's strip: a small JPEG and its faces' boxes as ratios."""
    from ...vision import video

    step = max(1, rgb.shape[1] // jobs.THUMBNAIL_WIDTH)
    boxes = [(f.left / analysis.width, f.top / analysis.height, f.width / analysis.width, f.height / analysis.height)
             for f in analysis.faces]
    return timestamp, video.jpeg(np.ascontiguousarray(rgb[::step, ::step]), quality=70), boxes


def _scripted(job: jobs.Job, scripted: dict[str, Any] | None) -> bool:
    """Apply ``controls.set_video_job``: wait its seconds, then fail the job if it says so
    (True: the job is done)."""
    if scripted is None:
        return False
    if scripted["seconds"]:
        time.sleep(scripted["seconds"])
    if scripted["status_message"] is not None:
        job.fail(scripted["status_message"])
        return True
    return False


@dataclass
class JobPage:
    """One Get* answer: the job and a page of its entries."""

    job: jobs.Job
    entries: list[Any]
    next_token: str | None


class VideoMixin(FacesMixin):
    """Video jobs of one account and region."""

    # -- Start ------------------------------------------------------------------------

    def _start_job(self, api: str, video: Any, token: str | None, job_tag: str | None, channel: Any,
                   params: dict[str, Any], work: Callable[[jobs.Job, bytes], None],
                   check: Callable[[], None] | None = None) -> str:
        """The JobId of a new job (or of the earlier one this ClientRequestToken started)."""
        request = json.dumps([video, job_tag, channel, params], sort_keys=True)
        with self._lock:
            if token is not None:
                seen = self._job_tokens.get((api, token))
                if seen is not None:
                    if seen[0] != request:
                        raise IdempotentParameterMismatchException()
                    return seen[1]
            video_input.require_pyav()
            data = video_input.video_bytes(video, self.account_id, self.region_name, self.partition)
            topic_arn = channel.get("SNSTopicArn") if isinstance(channel, dict) else None
            if topic_arn is not None:
                jobs.check_topic(topic_arn, self.account_id, self.region_name)
            if check is not None:
                check()
            s3_object = video["S3Object"]
            keys = [("s3", s3_object["Bucket"], s3_object["Name"]), ("sha256", hashlib.sha256(data).hexdigest())]
            scripted = video_controls.video_job(keys)
            job = jobs.Job(
                job_id=jobs.job_id(self.account_id, self.region_name, len(self.video_jobs), api, request),
                api=api, video=video, job_tag=job_tag, topic_arn=topic_arn, params=params, keys=keys,
            )
            self.video_jobs[job.job_id] = job
            if token is not None:
                self._job_tokens[(api, token)] = (request, job.job_id)
        jobs.submit(job, lambda j: _scripted(j, scripted) or work(j, data))
        return job.job_id

    def start_face_detection(self, video: Any, token: str | None, job_tag: str | None, channel: Any,
                             face_attributes: str | None) -> str:
        attributes = [face_attributes or "DEFAULT"]
        return self._start_job("StartFaceDetection", video, token, job_tag, channel, {"FaceAttributes": attributes[0]},
                               lambda job, data: self._detect_faces_in(job, data, attributes))

    def start_face_search(  # type: ignore[override]
        self, video: Any, token: str | None, job_tag: str | None, channel: Any, collection_id: str,
        threshold: float | None,
    ) -> str:
        threshold = DEFAULT_SIMILARITY_THRESHOLD if threshold is None else float(threshold)
        params = {"CollectionId": collection_id, "FaceMatchThreshold": threshold}
        return self._start_job("StartFaceSearch", video, token, job_tag, channel, params,
                               lambda job, data: self._search_faces_in(job, data, collection_id, threshold),
                               check=lambda: self._collection(collection_id))

    # -- the jobs' work ---------------------------------------------------------------

    def _frames(self, job: jobs.Job, data: bytes, descriptors: bool,
                attributes: list[str] | None = None) -> list[tuple[int, Analysis]] | None:
        """Every sampled frame's analysis, or None after failing the job (a video Rekognition
        Video does not take, or one that cannot be decoded)."""
        from ...settings import settings
        from ...vision import video

        try:
            job.metadata = video.probe(data)
            if not video_input.supported(job.metadata):
                job.fail(UNSUPPORTED_VIDEO)
                return None
            groups = shapes.attribute_groups(attributes)
            groups.discard(shapes.DESCRIPTOR)
            analysed = []
            job.sample_ms = settings.video_sample_ms
            expected = job.metadata.duration_ms // job.sample_ms + 1
            every = max(1, -(-int(expected) // jobs.THUMBNAILS))  # a strip of at most THUMBNAILS frames
            for index, (timestamp, rgb) in enumerate(video.frames(data, job.sample_ms)):
                frame = video.jpeg(rgb)
                analysis = self._analyze_bytes(frame, descriptors)
                if groups and analysis.faces:
                    engine().add_attributes(analysis, frame, groups)
                analysed.append((timestamp, analysis))
                if index % every == 0 and len(job.thumbnails) < jobs.THUMBNAILS:
                    job.thumbnails.append(_thumbnail(timestamp, rgb, analysis))
            return analysed
        except video.VideoDecodeError:
            job.fail(UNSUPPORTED_VIDEO)
        except HTTPException as error:  # the frames break an image limit (a side under 80 px, ...)
            job.fail(getattr(error, "message", None) or UNSUPPORTED_VIDEO)
        return None

    def _sampled_times(self, job: jobs.Job, data: bytes) -> list[int] | None:
        """The sampled frames' timestamps (for answers that are scripted, not measured), or
        None after failing the job as :meth:`_frames` would."""
        from ...settings import settings
        from ...vision import video

        try:
            job.metadata = video.probe(data)
            if not video_input.supported(job.metadata):
                job.fail(UNSUPPORTED_VIDEO)
                return None
            job.sample_ms = settings.video_sample_ms
            return [timestamp for timestamp, _ in video.frames(data, job.sample_ms)]
        except video.VideoDecodeError:
            job.fail(UNSUPPORTED_VIDEO)
            return None

    def _detect_faces_in(self, job: jobs.Job, data: bytes, attributes: list[str]) -> None:
        frames = self._frames(job, data, descriptors=False, attributes=attributes)
        if frames is not None:
            job.succeed([VideoFace(t, face, a.width, a.height) for t, a in frames for face in a.faces[:MAX_FACES]])

    def _search_faces_in(self, job: jobs.Job, data: bytes, collection_id: str, threshold: float) -> None:
        from ...vision.video_tracking import track

        frames = self._frames(job, data, descriptors=True)
        if frames is None:
            return
        collection = self.collections.get(collection_id)
        if collection is None:
            job.fail(f"The collection id: {collection_id} does not exist")
            return
        faces = [a.faces[:MAX_FACES] for _, a in frames]
        indices = track([[((f.left, f.top, f.right, f.bottom), f.descriptor) for f in row] for row in faces])
        seen = []
        for (timestamp, analysis), row, row_indices in zip(frames, faces, indices):
            for face, index in sorted(zip(row, row_indices), key=lambda pair: pair[1]):
                hits = self._matches(collection, face.descriptor, None, threshold)
                if hits:
                    seen.append(PersonSeen(timestamp, index, face, analysis.width, analysis.height, hits))
        job.succeed(seen)

    # -- Get --------------------------------------------------------------------------

    def _job(self, job_id: str, api: str) -> jobs.Job:
        job = self.video_jobs.get(job_id)
        if job is None or job.api != api:
            raise ResourceNotFoundException(f"The job id: {job_id} does not exist")
        return job

    @staticmethod
    def _page(job: jobs.Job, entries: list[Any], listing: str, max_results: int | None,
              next_token: str | None) -> JobPage:
        start = 0
        if next_token:
            position = decode_token(next_token, listing, job.job_id)
            if not isinstance(position, int) or isinstance(position, bool) or position < 0:
                raise InvalidPaginationTokenException()
            start = position
        limit = min(max_results or VIDEO_PAGE, VIDEO_PAGE)
        end = start + limit
        token = encode_token(listing, job.job_id, end) if end < len(entries) else None
        return JobPage(job, entries[start:end], token)

    def get_face_detection(self, job_id: str, max_results: int | None, next_token: str | None) -> JobPage:
        job = self._job(job_id, "StartFaceDetection")
        entries = job.results if job.status == jobs.SUCCEEDED else []
        return self._page(job, entries, "face-detection", max_results, next_token)

    def get_face_search(  # type: ignore[override]
        self, job_id: str, max_results: int | None, next_token: str | None, sort_by: str | None,
    ) -> JobPage:
        job = self._job(job_id, "StartFaceSearch")
        entries: list[PersonSeen] = job.results if job.status == jobs.SUCCEEDED else []
        if sort_by == "INDEX":
            entries = sorted(entries, key=lambda p: (p.index, p.timestamp))
        return self._page(job, entries, f"face-search-{sort_by or 'TIMESTAMP'}", max_results, next_token)
