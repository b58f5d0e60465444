"""The inspector's view of Rekognition Video: the jobs of every account and region
(``api/jobs``), and the video controls in force as rows of the Controls listing."""

from __future__ import annotations

from typing import Any


def jobs_listing(backends: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """The video jobs of ``backends`` (account, region, backend), newest first."""
    jobs = []
    for account, region, backend in backends:
        for job in list(getattr(backend, "video_jobs", {}).values()):
            s3_object = job.video.get("S3Object", {}) if isinstance(job.video, dict) else {}
            jobs.append({
                "account": account, "region": region, "job_id": job.job_id, "api": job.api, "status": job.status,
                "status_message": job.status_message, "job_tag": job.job_tag,
                "video": f"s3://{s3_object.get('Bucket')}/{s3_object.get('Name')}",
                "started": job.started, "finished": job.finished, "results": len(job.results),
                "duration_ms": job.metadata.duration_ms if job.metadata is not None else None,
                "sample_ms": job.sample_ms or None,
            })
    jobs.sort(key=lambda j: j["started"], reverse=True)
    return {"available": True, "jobs": jobs}


def video_control_rows(listed: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the Controls listing for ``set_video_job`` and the scripted video answers."""
    rows = []
    for job in listed.get("video_jobs", []):
        detail = f"fails: {job['status_message']}" if job["status_message"] else "runs"
        detail += f", {job['seconds']:g} s longer" if job["seconds"] else ""
        rows.append({"kind": "video job", "target": _target(job["video"]), "detail": detail, "remaining": None})
    for answer in listed.get("video_answers", []):
        span = f"{answer['start_ms']}–{answer['end_ms'] if answer['end_ms'] is not None else 'end'} ms"
        names = ", ".join(item.get("Name") or item.get("DetectedText", "") for item in answer["items"])
        rows.append({"kind": f"video {answer['kind'].replace('_', ' ')}", "target": _target(answer["video"]),
                     "detail": f"{span}: {names}", "remaining": None})
    return rows


def _target(key: list[str]) -> str:
    return f"s3://{key[1]}/{key[2]}" if key[0] == "s3" else f"video sha256 {key[1][:12]}..."
