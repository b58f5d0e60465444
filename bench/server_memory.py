"""Peak memory of a ``rekognition-mock serve`` process under concurrent small images.

``python bench/run.py --only server_memory`` starts a server (defaults: inspector on,
state in memory), loads its models with one call of each kind, then measures its peak
resident size (``VmHWM`` from ``/proc``, reset between rounds) while

- 16 threads each send one DetectFaces (``Attributes=["ALL"]``) with a different small
  image (400 to 700 px on a side) at the same moment;
- 16 threads each run a mixed sequence (DetectFaces default and ALL, IndexFaces,
  SearchFacesByImage, CompareFaces, DetectLabels) on images of their own.

Every image is different bytes, so nothing is answered from the analysis cache. Linux only.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
THREADS = 16


def _variants(count: int, salt: int) -> list[bytes]:
    """``count`` different JPEGs of 400-700 px cut and scaled from the fixture photos."""
    from PIL import Image

    names = ["grace_hopper.jpg", "astronaut.jpg", "coffee.jpg"]
    out = []
    for i in range(count):
        with Image.open(ROOT / "rekognition_mock" / "photos" / names[i % 2 if i % 5 else 2]) as im:
            rgb = im.convert("RGB")
        cut = (i * 3 + salt) % 17
        rgb = rgb.crop((cut, cut // 2, rgb.width - (cut // 3), rgb.height - cut))
        scale = 0.8 + 0.4 * ((i * 7 + salt) % 11) / 10
        rgb = rgb.resize((int(rgb.width * scale), int(rgb.height * scale)))
        buffer = io.BytesIO()
        rgb.save(buffer, format="JPEG", quality=85 + (i + salt) % 10)
        out.append(buffer.getvalue())
    return out


def _memory_mb(pid: int, field: str) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(rf"{field}:\s+(\d+) kB", status)
    assert found, status
    return int(found.group(1)) / 1024


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _client(service: str, url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing",
                        config=Config(retries={"total_max_attempts": 1}, read_timeout=600, max_pool_connections=32))


def _start(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "rekognition_mock.cli", "serve", "--port", "0", "--quiet", *args],
                            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"listening on (http://\S+?)[ ;]", line)
        if found:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
            return proc, found.group(1)
    raise RuntimeError(f"the server did not start (exit {proc.wait()})")


def _together(work: list[Any]) -> None:
    """Run every callable of ``work`` on its own thread, all released at once."""
    gate = threading.Barrier(len(work))

    def run(job: Any) -> None:
        gate.wait()
        job()

    with ThreadPoolExecutor(len(work)) as pool:
        for future in [pool.submit(run, job) for job in work]:
            future.result()


def bench_server_memory(extra_args: list[str] | None = None) -> dict[str, float]:
    proc, url = _start(extra_args or [])
    try:
        rek = _client("rekognition", url)
        warm = _variants(2, salt=99)
        rek.detect_faces(Image={"Bytes": warm[0]}, Attributes=["ALL"])
        rek.create_collection(CollectionId="bench")
        rek.index_faces(CollectionId="bench", Image={"Bytes": warm[1]})
        rek.detect_labels(Image={"Bytes": warm[1]})
        time.sleep(1)
        idle = _memory_mb(proc.pid, "VmRSS")

        small = _variants(THREADS, salt=1)
        _reset_peak(proc.pid)
        started = time.perf_counter()
        _together([lambda data=data: rek.detect_faces(Image={"Bytes": data}, Attributes=["ALL"]) for data in small])
        small_seconds = time.perf_counter() - started
        small_peak = _memory_mb(proc.pid, "VmHWM")

        mixed = _variants(THREADS * 3, salt=2)

        def sequence(k: int) -> None:
            from botocore.exceptions import ClientError

            a, b, c = mixed[3 * k : 3 * k + 3]
            calls = [
                lambda: rek.detect_faces(Image={"Bytes": a}),
                lambda: rek.detect_faces(Image={"Bytes": b}, Attributes=["ALL"]),
                lambda: rek.index_faces(CollectionId="bench", Image={"Bytes": c}, ExternalImageId=f"t{k}"),
                lambda: rek.search_faces_by_image(CollectionId="bench", Image={"Bytes": a}),
                lambda: rek.compare_faces(SourceImage={"Bytes": b}, TargetImage={"Bytes": c}, SimilarityThreshold=0),
                lambda: rek.detect_labels(Image={"Bytes": c}),
            ]
            for call in calls:
                try:
                    call()
                except ClientError as exc:  # a photo without a face: answered 400, as AWS does
                    assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400, exc

        time.sleep(1)
        _reset_peak(proc.pid)
        started = time.perf_counter()
        _together([lambda k=k: sequence(k) for k in range(THREADS)])
        mixed_seconds = time.perf_counter() - started
        mixed_peak = _memory_mb(proc.pid, "VmHWM")
        time.sleep(1)
        after = _memory_mb(proc.pid, "VmRSS")
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return {
        "server_idle_mb": idle,
        "server_small16_peak_mb": small_peak,
        "server_small16_seconds": small_seconds,
        "server_mixed16_peak_mb": mixed_peak,
        "server_mixed16_seconds": mixed_seconds,
        "server_after_mb": after,
    }


if __name__ == "__main__":
    for name, value in bench_server_memory(sys.argv[1:]).items():
        print(f"{name:28s} {value:10.1f}")
