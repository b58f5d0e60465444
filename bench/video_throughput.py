"""Rekognition Video throughput: seconds of analysis per minute of 720p video at the default
sampling rate, and frames analysed per second against DetectFaces's engine on the same
frames as JPEG bytes (issue 26's target: at least as fast).

The video is composed here (H.264, 1280×720, 25 frames a second): two bundled portraits
drift across the frame, so that no two sampled frames are the same image and no cache
answers for the engine. The baseline runs first, on a fresh engine of its own.
"""

from __future__ import annotations

import io
import time
from typing import Any

import numpy as np

SIZE = (1280, 720)
FPS = 25


def compose(seconds: float) -> bytes:
    import av
    from PIL import Image

    from rekognition_mock.fixtures import face_image

    people = [Image.open(io.BytesIO(face_image(name))).convert("RGB") for name in ("grace_hopper", "astronaut")]
    people = [p.resize((round(p.width * 420 / p.height), 420)) for p in people]
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as video:
        stream = video.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = *SIZE, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "20"}
        for i in range(round(seconds * FPS)):
            frame = Image.new("RGB", SIZE, (60, 70, 80))
            frame.paste(people[0], (80 + i, 150))
            frame.paste(people[1], (760 - i, 150))
            picture = av.VideoFrame.from_ndarray(np.asarray(frame), format="rgb24")
            picture.pts = i
            for packet in stream.encode(picture):
                video.mux(packet)
        for packet in stream.encode():
            video.mux(packet)
    return out.getvalue()


def bench_video(quick: bool = False) -> dict[str, float]:
    import boto3

    import rekognition_mock
    from rekognition_mock.settings import settings
    from rekognition_mock.vision import EngineConfig, FaceEngine, video

    seconds = 4.0 if quick else 12.0
    data = compose(seconds)
    settings.cache_dir = None  # no disk cache: every frame is analysed
    sample_ms = settings.video_sample_ms

    # Baseline: the sampled frames as JPEG bytes, each analysed as DetectFaces analyses an image.
    frames = [video.jpeg(rgb) for _, rgb in video.frames(data, sample_ms)]
    baseline = FaceEngine(EngineConfig())
    baseline.analyze(frames[0])  # models loaded before the clock starts
    started = time.perf_counter()
    found = sum(len(baseline.analyze(frame).faces) for frame in frames)
    jpeg_s = time.perf_counter() - started

    rekognition_mock.configure(video_jobs="sync")
    try:
        with rekognition_mock.mock_rekognition():
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="bench")
            s3.put_object(Bucket="bench", Key="720p.mp4", Body=data)
            client = boto3.client("rekognition", region_name="us-east-1")
            client.detect_faces(Image={"Bytes": video.jpeg(np.zeros((720, 1280, 3), np.uint8))})  # models loaded
            started = time.perf_counter()
            job_id = client.start_face_detection(Video={"S3Object": {"Bucket": "bench", "Name": "720p.mp4"}})["JobId"]
            video_s = time.perf_counter() - started
            answer: dict[str, Any] = client.get_face_detection(JobId=job_id)
    finally:
        rekognition_mock.configure(video_jobs=None)
        settings.reset_cache_dir()
    assert answer["JobStatus"] == "SUCCEEDED", answer.get("StatusMessage")
    return {
        "video_720p_s_per_min": video_s / seconds * 60,
        "video_frames_per_s": len(frames) / video_s,
        "video_jpeg_frames_per_s": len(frames) / jpeg_s,
        "video_vs_jpeg_speed": jpeg_s / video_s,
        "video_faces_found": float(len(answer["Faces"])),
        "video_jpeg_faces_found": float(found),
    }
