"""Replicas on PostgreSQL: ``python bench/run.py --only pg_scale``.

A throwaway PostgreSQL cluster (tests/pgcluster.py: Debian's ``postgresql`` binaries; as root
it runs as the ``postgres`` user) and ``rekognition-mock serve --state-url`` replicas, each
pinned to a core of its own (``taskset -c N``) with its engine
on one thread (``REKOGNITION_MOCK_THREADS=1``, ``OMP_NUM_THREADS=1``) and no disk cache.

- **Throughput for new images, one replica against two.** The baseline is one replica on
  core 0 with two client threads; against it, two replicas (cores 0 and 1) with two client
  threads each; each run on a database of its own, in the order one, two, two, one (``--quick``:
  one, two) so a drift of the machine's load meets both alike. Each run does IndexFaces and
  then SearchFacesByImage of 640x480 images no replica has seen (``imagefactory.pasted_face``:
  a face pasted at a seeded size and place on a seeded background; every image is different
  bytes, so no analysis cache answers), 16 a replica (``--quick``: 8). Figures: images per second, the ratio two/one (target >= 1.7), and
  beside each its accuracy: the share of images where IndexFaces indexed exactly the one
  pasted face, and where SearchFacesByImage's first match is a face of the pasted person.
  PostgreSQL and the clients run on the same two cores, unpinned.
- **Search on 100,000 faces through a replica that did not index them.** The faces are
  written through the store layer (``PostgresStore.add_faces``, 10,000 a transaction): one
  planted true match (Grace Hopper's descriptor from grace_hopper.jpg) and 99,999
  distractors (descriptors of the astronaut and of the development photos' people, with
  Gaussian noise of 0.05 a dimension). A replica started afterwards answers
  SearchFacesByImage with a query of Grace Hopper pasted, mirrored, on another background
  (analysed once before the timing); p50 of the timed calls, against the p50 of the same
  query on a one-face collection through the same replica, and the share of calls whose
  first match is the planted face.

The load average (``/proc/loadavg``) before and after is reported with the figures: on a
machine other work shares, the ratio is only as good as the quiet it was measured in.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
NO_RETRIES = {"mode": "standard", "total_max_attempts": 1}
CANVAS = (640, 480)  # the new images' size: a small photo


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


class Replica:
    """``rekognition-mock serve --state-url url`` on ``core`` with a one-thread engine."""

    def __init__(self, url: str, core: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("REKOGNITION_MOCK_")}
        env.update(REKOGNITION_MOCK_THREADS="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
                   PYTHONUNBUFFERED="1", PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen(
            ["taskset", "-c", str(core), sys.executable, "-m", "rekognition_mock.cli", "serve", "--port", "0", "--quiet",
             "--state-url", url],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        assert self.proc.stdout is not None
        lines = []
        for line in self.proc.stdout:
            lines.append(line)
            found = re.search(r"listening on (http://[^\s;]+)", line)
            if found:
                self.url = found.group(1).rstrip("/")
                break
        else:
            raise RuntimeError("serve did not start:\n" + "".join(lines))
        threading.Thread(target=lambda: [None for _ in self.proc.stdout], daemon=True).start()  # type: ignore[union-attr]

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client("rekognition", endpoint_url=self.url, region_name="us-east-1",
                            config=Config(retries=NO_RETRIES, read_timeout=600, max_pool_connections=4))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _images(first: int, count: int) -> list[tuple[bytes, str]]:
    import imagefactory

    return [imagefactory.pasted_face(seed, CANVAS) for seed in range(first, first + count)]


def _run(replicas: list[Replica], jobs: list[tuple[bytes, str]], work: Any, per_replica: int = 2) -> tuple[float, list[Any]]:
    """``work(client, image, name)`` for every job on ``per_replica`` client threads a replica;
    wall time and the results in job order."""
    clients = [replica.client() for replica in replicas for _ in range(per_replica)]
    lanes: list[list[int]] = [list(range(n, len(jobs), len(clients))) for n in range(len(clients))]
    results: list[Any] = [None] * len(jobs)

    def lane(n: int) -> None:
        for j in lanes[n]:
            results[j] = work(clients[n], *jobs[j])

    start = time.perf_counter()
    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(lane, range(len(clients))))
    return time.perf_counter() - start, results


def _throughput(cluster: Any, cores: list[int], count: int, first_seed: int) -> dict[str, float]:
    url = cluster.new_database()
    replicas = [Replica(url, core) for core in cores]
    try:
        warm = replicas[0].client()
        warm.create_collection(CollectionId="bench")
        warm.create_collection(CollectionId="warm")
        picture, _ = _images(first_seed - 1, 1)[0]
        for replica in replicas:  # the models loaded before the clock starts
            replica.client().index_faces(CollectionId="warm", Image={"Bytes": picture})
        index_jobs = _images(first_seed, count)
        search_jobs = _images(first_seed + count, count)

        def index(rek: Any, picture: bytes, name: str) -> int:
            return len(rek.index_faces(CollectionId="bench", Image={"Bytes": picture}, ExternalImageId=name)["FaceRecords"])

        def search(rek: Any, picture: bytes, name: str) -> bool:
            matches = rek.search_faces_by_image(CollectionId="bench", Image={"Bytes": picture}, MaxFaces=1)["FaceMatches"]
            return bool(matches) and matches[0]["Face"]["ExternalImageId"] == name

        index_s, indexed = _run(replicas, index_jobs, index)
        search_s, found = _run(replicas, search_jobs, search)
    finally:
        for replica in replicas:
            replica.stop()
    return {"images": count, "index_s": index_s, "index_one_face_share": sum(n == 1 for n in indexed) / count,
            "search_s": search_s, "search_first_match_share": sum(found) / count}


def _pooled(runs: list[dict[str, float]]) -> dict[str, float]:
    """Runs of one configuration together: images over total seconds, the worst share."""
    return {"index_per_s": sum(r["images"] for r in runs) / sum(r["index_s"] for r in runs),
            "search_per_s": sum(r["images"] for r in runs) / sum(r["search_s"] for r in runs),
            "index_one_face_share": min(r["index_one_face_share"] for r in runs),
            "search_first_match_share": min(r["search_first_match_share"] for r in runs)}


def _planted_faces(size: int) -> tuple[np.ndarray, int]:
    """``size`` descriptors: distractors around other people's, and Grace Hopper's at a seeded row."""
    from rekognition_mock.vision import EngineConfig, FaceEngine

    engine = FaceEngine(EngineConfig())
    bases = [engine.analyze((ROOT / "rekognition_mock" / "photos" / "astronaut.jpg").read_bytes(), descriptors=True).faces[0].descriptor]
    shared = Path(os.environ.get("REKOGNITION_MOCK_PHOTOS", ROOT.parent / "shared" / "faces"))
    for name in ("obama.jpg", "biden.jpg", "wild/rdj_1.jpg", "wild/lowe_1.jpg"):
        if (shared / name).is_file():
            found = engine.analyze((shared / name).read_bytes(), descriptors=True).faces
            bases.extend(f.descriptor for f in found[:1])
    rng = np.random.default_rng(100_000)
    picks = rng.integers(0, len(bases), size)
    out = np.stack(bases).astype(np.float32)[picks] + rng.normal(0, 0.05, (size, 128)).astype(np.float32)
    planted = int(rng.integers(0, size))
    hopper = engine.analyze((ROOT / "rekognition_mock" / "photos" / "grace_hopper.jpg").read_bytes(), descriptors=True)
    out[planted] = hopper.faces[0].descriptor
    return out, planted


def _search_100k(cluster: Any, size: int, queries: int) -> dict[str, float]:
    import imagefactory

    from rekognition_mock.store.postgres import PostgresStore

    url = cluster.new_database()
    descriptors, planted = _planted_faces(size)
    store = PostgresStore(url)
    box = np.asarray([0.2, 0.2, 0.3, 0.4], dtype=np.float32).tobytes()
    ids = [str(uuid.UUID(int=n + 1)) for n in range(size)]
    try:
        for name in ("big", "small"):
            store.put_collection("123456789012", "us-east-1", name,
                                 f"aws:rekognition:us-east-1:123456789012:collection/{name}", time.time(), {})
        start = time.perf_counter()
        for first in range(0, size, 10_000):
            rows = [(ids[n], ids[n], "planted" if n == planted else f"d{n}", None, box, 99.9, n, descriptors[n].tobytes())
                    for n in range(first, min(size, first + 10_000))]
            store.add_faces("123456789012", "us-east-1", "big", rows)
        written = time.perf_counter() - start
        store.add_faces("123456789012", "us-east-1", "small",
                        [(ids[planted], ids[planted], "planted", None, box, 99.9, 0, descriptors[planted].tobytes())])
    finally:
        store.close()
    print(f"  {size} faces written through PostgresStore.add_faces in {written:.1f} s", flush=True)
    replica = Replica(url, 0)
    try:
        rek = replica.client()
        query = imagefactory.pasted_face(2)[0]  # Grace Hopper, mirrored, on a background of its own
        timings = {}
        firsts = []
        for name in ("small", "big", "small", "big"):  # the first round warms (analysis, loading)
            latencies = []
            for _ in range(queries):
                start = time.perf_counter()
                matches = rek.search_faces_by_image(CollectionId=name, Image={"Bytes": query}, MaxFaces=10)["FaceMatches"]
                latencies.append(time.perf_counter() - start)
                if name == "big":
                    firsts.append(bool(matches) and matches[0]["Face"]["ExternalImageId"] == "planted")
            timings[name] = statistics.median(latencies)
    finally:
        replica.stop()
    label = f"{size // 1000}k"
    return {f"pg_search_{label}_p50_ms": 1000 * timings["big"], "pg_search_1_face_p50_ms": 1000 * timings["small"],
            f"pg_search_{label}_vs_1_face": timings["big"] / timings["small"],
            f"pg_search_{label}_planted_first_share": sum(firsts) / len(firsts)}


def bench_pg_scale(quick: bool) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "tests"))
    import pgcluster

    reason = pgcluster.unavailable()
    if reason is not None:
        print(f"  pg_scale skipped: {reason}", flush=True)
        return {}
    if shutil.which("taskset") is None:
        print("  pg_scale skipped: no taskset (util-linux) to pin the replicas", flush=True)
        return {}
    if len(os.sched_getaffinity(0)) < 2:
        print("  pg_scale skipped: two cores are needed to pin two replicas", flush=True)
        return {}
    count = 8 if quick else 16
    before = load()
    print(f"  uptime: {subprocess.run(['uptime'], check=False, capture_output=True, text=True).stdout.strip()}", flush=True)
    cluster = pgcluster.Cluster()
    try:
        # one, two, two, one (--quick: one, two): a drift of the machine's load meets both alike
        order = [[0], [0, 1]] if quick else [[0], [0, 1], [0, 1], [0]]
        runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
        for n, cores in enumerate(order):
            figures = _throughput(cluster, cores, count * len(cores), 1000 * (n + 1))
            print(f"  {len(cores)} replica(s), {count * len(cores)} new images: {figures}", flush=True)
            runs[len(cores)].append(figures)
        one, two = _pooled(runs[1]), _pooled(runs[2])
        middle = load()
        search = _search_100k(cluster, 100_000, 20 if quick else 50)
        print(f"  {search}", flush=True)
    finally:
        cluster.stop()
    print(f"  uptime: {subprocess.run(['uptime'], check=False, capture_output=True, text=True).stdout.strip()}", flush=True)
    return {
        "pg_one_replica_index_per_s": one["index_per_s"], "pg_two_replicas_index_per_s": two["index_per_s"],
        "pg_two_replicas_index_ratio": two["index_per_s"] / one["index_per_s"],
        "pg_index_one_face_share": min(one["index_one_face_share"], two["index_one_face_share"]),
        "pg_one_replica_search_per_s": one["search_per_s"], "pg_two_replicas_search_per_s": two["search_per_s"],
        "pg_two_replicas_search_ratio": two["search_per_s"] / one["search_per_s"],
        "pg_search_first_match_share": min(one["search_first_match_share"], two["search_first_match_share"]),
        **search,
        "pg_load_before": before, "pg_load_after_throughput": middle, "pg_load_after": load(),
    }
