"""The inspector's view of Rekognition Video: the jobs of every account and region
(``api/jobs``) and their frames; the video controls are rows of the registry (``service.controls.video``)."""

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
                "frames": [{"timestamp": t, "faces": len(boxes)} for t, _, boxes in list(job.thumbnails)],
            })
    jobs.sort(key=lambda j: j["started"], reverse=True)
    return {"available": True, "jobs": jobs}


def frame_image(backends: list[tuple[str, str, Any]], account: str, region: str, job_id: str,
                index: int) -> bytes | None:
    """A JPEG of the job's strip frame ``index`` with its faces boxed, or None."""
    import io

    from PIL import Image, ImageDraw

    backend = next((b for a, r, b in backends if (a, r) == (account, region)), None)
    job = getattr(backend, "video_jobs", {}).get(job_id) if backend is not None else None
    strip = list(job.thumbnails) if job is not None else []
    if not 0 <= index < len(strip):
        return None
    _, jpeg, boxes = strip[index]
    with Image.open(io.BytesIO(jpeg)) as opened:
        image = opened.convert("RGB")
    draw = ImageDraw.Draw(image)
    for left, top, width, height in boxes:
        w, h = image.size
        draw.rectangle([left * w, top * h, (left + width) * w, (top + height) * h], outline=(40, 200, 90), width=2)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()
