"""Small JPEG crops of indexed faces, made when IndexFaces stores them.

A collection keeps no pixels (AWS keeps none either), so the inspector keeps its own: for
each face an IndexFaces call stored, a crop of at most ``CROP_SIDE`` pixels made from the
image of that call, on a worker thread so the call does not wait for it. Crops live in
memory, the newest ``max_bytes`` of them, and with ``--state-dir`` also in their own
SQLite file there (``inspector-crops.sqlite3``), so faces restored after a restart keep
theirs. Crops of collections that no longer exist are dropped when collections are listed.

That file is checked when the server starts, as the state database is: a file that is empty,
damaged or not this table stops the server with one line naming it and the fix. Crops are a
convenience and cannot be made again (no pixels are kept), so the file is dropped and started
afresh only when asked (``--reset-face-crops``). Should it fail while the server runs, crops
are kept in memory from then on (one line in the log), and the inspector answers as before.
"""

from __future__ import annotations

import io
import logging
import queue
import sqlite3
import threading
from collections import OrderedDict
from pathlib import Path

from PIL import Image, ImageOps

from ..service.recorder import Entry
from ..store.statedir import StateError, open_checked

log = logging.getLogger("rekognition_mock.inspector")

CROP_SIDE = 96  # pixels, the longer side
MARGIN = 0.15  # of the box's size, on every side
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
FILE_NAME = "inspector-crops.sqlite3"
SCHEMA = ("CREATE TABLE IF NOT EXISTS crops (account TEXT NOT NULL, region TEXT NOT NULL, "
          "collection_id TEXT NOT NULL, face_id TEXT NOT NULL, jpeg BLOB NOT NULL, "
          "PRIMARY KEY (account, region, collection_id, face_id))")
COLUMNS = ["account", "region", "collection_id", "face_id", "jpeg"]

Key = tuple[str, str, str, str]  # account, region, collection id, face id


def crop_face(picture: Image.Image, box: dict[str, float]) -> bytes:
    """A JPEG of the face in ``box`` (AWS ratios) with a margin, at most ``CROP_SIDE`` px."""
    w, h = picture.size
    left, top = box.get("Left", 0) * w, box.get("Top", 0) * h
    bw, bh = box.get("Width", 0) * w, box.get("Height", 0) * h
    region = (
        max(0, int(left - MARGIN * bw)),
        max(0, int(top - MARGIN * bh)),
        min(w, int(left + bw + MARGIN * bw) + 1),
        min(h, int(top + bh + MARGIN * bh) + 1),
    )
    if region[2] <= region[0] or region[3] <= region[1]:
        region = (0, 0, w, h)
    face = picture.crop(region)
    face.thumbnail((CROP_SIDE, CROP_SIDE))
    out = io.BytesIO()
    face.save(out, format="JPEG", quality=85)
    return out.getvalue()


class CropStore:
    """Face crops by (account, region, collection, FaceId), made in the background."""

    def __init__(self, state_dir: str | Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 reset: bool = False) -> None:
        """``reset`` drops the crop file of ``state_dir`` first; a file that cannot be used
        is a :class:`~rekognition_mock.store.statedir.StateError` (one line)."""
        self.max_bytes = max_bytes
        self._memory: OrderedDict[Key, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self.path = Path(state_dir) / FILE_NAME if state_dir is not None else None
        if self.path is not None:
            self._db = open_crops(self.path, reset)
        self._jobs: queue.Queue[Entry | None] = queue.Queue()
        self._worker = threading.Thread(target=self._work, name="rekognition-mock-crops", daemon=True)
        self._worker.start()

    # -- making crops -------------------------------------------------------------

    def submit(self, entry: Entry) -> None:
        """Crop the faces a successful IndexFaces call stored (later, on the worker thread)."""
        self._jobs.put(entry)

    def wait(self) -> None:
        """Return once every crop submitted so far is made (for tests and shutdown)."""
        self._jobs.join()

    def _work(self) -> None:
        while True:
            entry = self._jobs.get()
            try:
                if entry is None:
                    return
                self._crop(entry)
            except Exception:  # a crop is a convenience: never take the server down for one
                log.exception("could not crop the faces of IndexFaces call %s", getattr(entry, "seq", "?"))
            finally:
                self._jobs.task_done()

    def _crop(self, entry: Entry) -> None:
        images = entry.images()
        if not images or images[0].data is None:
            return
        collection_id = entry.request().get("CollectionId")
        records = entry.response().get("FaceRecords") or []
        if not collection_id or not records:
            return
        with Image.open(io.BytesIO(images[0].data)) as im:
            # A JPEG decodes faster at a reduced scale; keep the smallest face at CROP_SIDE px.
            smallest = min((r.get("Face") or {}).get("BoundingBox", {}).get("Width", 1) for r in records)
            scale = max(1.0, smallest * min(im.size) / CROP_SIDE)
            im.draft("RGB", (int(im.width / scale) or 1, int(im.height / scale) or 1))
            picture = ImageOps.exif_transpose(im).convert("RGB")
        crops = []
        for record in records:
            face = record.get("Face") or {}
            if face.get("FaceId") and face.get("BoundingBox"):
                key = (entry.account, entry.region, collection_id, face["FaceId"])
                crops.append((key, crop_face(picture, face["BoundingBox"])))
        for key, jpeg in crops:
            self._remember(key, jpeg)
        if crops:
            with self._lock:
                self._stored(lambda db: db.executemany("INSERT OR REPLACE INTO crops VALUES (?, ?, ?, ?, ?)",
                                                       [(*k, j) for k, j in crops]))

    def _stored(self, use):  # type: ignore[no-untyped-def]
        """``use(db)``'s answer, or None without a file; a file that fails is given up (caller holds the lock)."""
        if self._db is None:
            return None
        try:
            return use(self._db)
        except sqlite3.Error as exc:
            log.error("%s failed (%s); face crops are kept in memory only from now on (restart with "
                      "--reset-face-crops to start the file afresh)", self.path, " ".join(str(exc).split()))
            self._db.close()
            self._db = None
            return None

    def _remember(self, key: Key, jpeg: bytes) -> None:
        with self._lock:
            old = self._memory.pop(key, None)
            if old is not None:
                self._bytes -= len(old)
            self._memory[key] = jpeg
            self._bytes += len(jpeg)
            while self._bytes > self.max_bytes and self._memory:
                _, dropped = self._memory.popitem(last=False)
                self._bytes -= len(dropped)

    # -- reading them back ----------------------------------------------------------

    def get(self, key: Key) -> bytes | None:
        with self._lock:
            jpeg = self._memory.get(key)
            if jpeg is not None:
                self._memory.move_to_end(key)
                return jpeg
            row = self._stored(lambda db: db.execute(
                "SELECT jpeg FROM crops WHERE account=? AND region=? AND collection_id=? AND face_id=?", key
            ).fetchone())
        if row is None:
            return None
        self._remember(key, bytes(row[0]))
        return bytes(row[0])

    def has(self, key: Key) -> bool:
        with self._lock:
            if key in self._memory:
                return True
            return self._stored(lambda db: db.execute(
                "SELECT 1 FROM crops WHERE account=? AND region=? AND collection_id=? AND face_id=?", key
            ).fetchone()) is not None

    def keep_only(self, collections: set[tuple[str, str, str]]) -> None:
        """Forget the crops of every collection not in ``collections`` (deleted, or reset)."""
        with self._lock:
            for key in [k for k in self._memory if k[:3] not in collections]:
                self._bytes -= len(self._memory.pop(key))
            stored = self._stored(lambda db: db.execute("SELECT DISTINCT account, region, collection_id FROM crops").fetchall())
            gone = [tuple(row) for row in stored or [] if tuple(row) not in collections]
            if gone:
                self._stored(lambda db: db.executemany("DELETE FROM crops WHERE account=? AND region=? AND collection_id=?", gone))

    @property
    def nbytes(self) -> int:
        return self._bytes

    def close(self) -> None:
        self._jobs.put(None)
        self._worker.join(timeout=30)
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None



def open_crops(path: Path, reset: bool = False) -> sqlite3.Connection:
    """The crop file at ``path``, created whole when absent and checked when present;
    ``reset`` drops it first. :class:`StateError` names the file and the fix."""
    fix = ("start the server with --reset-face-crops to drop it and keep crops afresh (faces indexed so far "
           "keep none), or with --no-face-crops")
    if reset:
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            try:
                name.unlink(missing_ok=True)
            except OSError as exc:
                raise StateError(f"cannot drop {name}: {exc.strerror or exc}") from None
        log.warning("dropped %s (--reset-face-crops): faces indexed so far have no crop", path)

    def prepare(db: sqlite3.Connection) -> None:
        db.execute("PRAGMA journal_mode=WAL")
        columns = [row[1] for row in db.execute("PRAGMA table_info(crops)")]
        if columns != COLUMNS:
            raise StateError(f"{path} is not a crop file of rekognition-mock (table crops has columns {columns}); {fix}")

    return open_checked(path, fix=fix, kind="a crop file of rekognition-mock", read_only_fix="start with --no-face-crops",
                        set_up=_set_up, prepare=prepare)


def _set_up(db: sqlite3.Connection) -> None:
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(SCHEMA)
