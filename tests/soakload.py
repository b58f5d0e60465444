"""The mixed workload of tests/test_soak_postgres.py, and its bookkeeping.

Each client thread owns what it writes, so what must hold afterwards follows from what the
thread was answered, whatever the other threads did meanwhile:

- it indexes into the two shared collections with an ``ExternalImageId`` of its own for every
  call (``t<thread>-<n>``), deletes only its own faces, and associates only its own faces with
  its own users (CreateUser and AssociateFaces carry a ``ClientRequestToken``);
- it creates, fills and deletes collections of its own (``t<thread>-c<n>``).

A write is *acknowledged* when the client got its answer. botocore's standard retry mode
resends a request whose connection was cut by the kill; the first attempt may have committed
on the dead replica before it died. Such a retried write is recorded as retried
(``RetryAttempts`` > 0): a retried IndexFaces may leave one more face with the same
ExternalImageId than the answer returned (an *unacknowledged face*, counted and reported, as
AWS's IndexFaces is not idempotent either); a retried CreateCollection may be answered
ResourceAlreadyExistsException and a retried DeleteCollection ResourceNotFoundException (the
first attempt did it). Any other exception is an error.

Each thread also checks, as it goes, through the load balancer (so often through the other
replica): after an acknowledged IndexFaces or DeleteFaces, ListFaces holds every face of its
own it was answered for and none it deleted; SearchFacesByImage never finds a face it deleted.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

SHARED = ("shared-0", "shared-1")
WRITES = {"IndexFaces", "DeleteFaces", "CreateUser", "AssociateFaces", "CreateCollection", "DeleteCollection"}


def list_faces(rek: Any, collection: str, retries: list[int] | None = None,
               **extra: Any) -> dict[str, dict[str, Any]]:
    """Every face of ``collection``, page by page: FaceId -> face (each page's RetryAttempts
    appended to ``retries``)."""
    faces: dict[str, dict[str, Any]] = {}
    token = None
    while True:
        paging = {"NextToken": token} if token else {}
        page = rek.list_faces(CollectionId=collection, MaxResults=1000, **extra, **paging)
        assert "Faces" in page, f"a ListFaces answer without Faces (a required field): {page}"
        if retries is not None:
            retries.append(page["ResponseMetadata"].get("RetryAttempts", 0))
        faces.update((f["FaceId"], f) for f in page["Faces"])
        token = page.get("NextToken")
        if not token:
            return faces


@dataclass
class Ledger:
    """What one thread was answered."""

    thread: int
    # ExternalImageId -> (collection, FaceIds answered, RetryAttempts)
    indexed: dict[str, tuple[str, list[str], int]] = field(default_factory=dict)
    deleted: dict[str, str] = field(default_factory=dict)  # face id -> collection
    users: dict[str, str] = field(default_factory=dict)  # user id -> collection
    associated: dict[str, str] = field(default_factory=dict)  # face id -> user id
    collections_made: set[str] = field(default_factory=set)  # own collections acknowledged created, not deleted
    collections_gone: set[str] = field(default_factory=set)  # own collections acknowledged deleted
    calls: dict[str, int] = field(default_factory=dict)
    retried: dict[str, int] = field(default_factory=dict)  # operation -> calls answered after a retry
    retried_conflicts: list[str] = field(default_factory=list)  # a retried create/delete the first attempt did
    errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)  # seen during the run: lost or ghost

    def live(self, collection: str) -> list[str]:
        """Own faces acknowledged in ``collection`` and not deleted, oldest first."""
        return [fid for col, fids, _ in self.indexed.values() if col == collection for fid in fids
                if fid not in self.deleted]


class Worker:
    """One client thread of the workload, until ``deadline`` (monotonic seconds)."""

    def __init__(self, thread: int, rek: Any, images: list[bytes], deadline: float, pause: float) -> None:
        self.rek = rek
        self.images = images
        self.deadline = deadline
        self.pause = pause
        self.ledger = Ledger(thread)
        self.random = random.Random(thread)
        self._n = 0

    def _call(self, operation: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
        """``fn``'s answer, or None after recording why not (an error, or a retried create or
        delete whose first attempt had done it)."""
        ledger = self.ledger
        ledger.calls[operation] = ledger.calls.get(operation, 0) + 1
        try:
            answer = fn()
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            retries = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
            if retries and (operation, code) in (("CreateCollection", "ResourceAlreadyExistsException"),
                                                 ("DeleteCollection", "ResourceNotFoundException")):
                ledger.retried_conflicts.append(f"{operation} answered {code} after {retries} retries")
                ledger.retried[operation] = ledger.retried.get(operation, 0) + 1
                return {}
            ledger.errors.append(f"{operation}: {code} after {retries} retries: {exc}")
            return None
        except BotoCoreError as exc:
            ledger.errors.append(f"{operation}: {type(exc).__name__}: {exc}")
            return None
        if answer["ResponseMetadata"].get("RetryAttempts", 0):
            ledger.retried[operation] = ledger.retried.get(operation, 0) + 1
        return answer

    def run(self) -> None:
        ops = [(self.index, 34), (self.search, 20), (self.list, 14), (self.delete, 16), (self.user, 7), (self.churn, 9)]
        actions = [op for op, _ in ops]
        weights = [w for _, w in ops]
        while time.monotonic() < self.deadline:
            self.random.choices(actions, weights)[0]()
            time.sleep(self.pause)

    def _external(self) -> str:
        self._n += 1
        return f"t{self.ledger.thread}-{self._n}"

    def index(self, collection: str | None = None) -> None:
        collection = collection or self.random.choice(SHARED)
        external = self._external()
        image = self.random.choice(self.images)
        answer = self._call("IndexFaces", lambda: self.rek.index_faces(
            CollectionId=collection, Image={"Bytes": image}, ExternalImageId=external, MaxFaces=4))
        if answer is None:
            return
        faces = [r["Face"]["FaceId"] for r in answer["FaceRecords"]]
        self.ledger.indexed[external] = (collection, faces, answer["ResponseMetadata"].get("RetryAttempts", 0))
        if collection in SHARED:
            self._check_listed(collection)

    def _check_listed(self, collection: str) -> None:
        retries: list[int] = []
        answer = self._call("ListFaces", lambda: {"Faces": list_faces(self.rek, collection, retries),
                                                  "ResponseMetadata": {"RetryAttempts": sum(retries)}})
        if answer is None:
            return
        listed = answer["Faces"]
        lost = [fid for fid in self.ledger.live(collection) if fid not in listed]
        ghosts = [fid for fid, col in self.ledger.deleted.items() if col == collection and fid in listed]
        if lost:
            self.ledger.violations.append(f"ListFaces {collection} lacks acknowledged faces {lost}")
        if ghosts:
            self.ledger.violations.append(f"ListFaces {collection} still lists deleted faces {ghosts}")

    def list(self) -> None:
        self._check_listed(self.random.choice(SHARED))

    def search(self) -> None:
        collection = self.random.choice(SHARED)
        image = self.random.choice(self.images)
        answer = self._call("SearchFacesByImage", lambda: self.rek.search_faces_by_image(
            CollectionId=collection, Image={"Bytes": image}, MaxFaces=4096, FaceMatchThreshold=0))
        if answer is None:
            return
        ghosts = [m["Face"]["FaceId"] for m in answer["FaceMatches"] if m["Face"]["FaceId"] in self.ledger.deleted]
        if ghosts:
            self.ledger.violations.append(f"SearchFacesByImage {collection} found deleted faces {ghosts}")

    def delete(self) -> None:
        collection = self.random.choice(SHARED)
        doomed = [fid for fid in self.ledger.live(collection) if fid not in self.ledger.associated]
        doomed = doomed[: self.random.randint(1, 3)]
        if len(self.ledger.live(collection)) < 6 or not doomed:
            return self.index(collection)
        answer = self._call("DeleteFaces", lambda: self.rek.delete_faces(CollectionId=collection, FaceIds=doomed))
        if answer is None:
            return
        if answer["ResponseMetadata"].get("RetryAttempts", 0) == 0 and sorted(answer["DeletedFaces"]) != sorted(doomed):
            self.ledger.violations.append(f"DeleteFaces {doomed} deleted only {answer['DeletedFaces']}: "
                                          f"{answer['UnsuccessfulFaceDeletions']}")
        for fid in doomed:  # a retried delete may answer FACE_NOT_FOUND: the first attempt deleted it
            self.ledger.deleted[fid] = collection
        self._check_listed(collection)

    def user(self) -> None:
        collection = self.random.choice(SHARED)
        free = [fid for fid in self.ledger.live(collection) if fid not in self.ledger.associated]
        if not free:
            return self.index(collection)
        user_id = f"u{self.ledger.thread}-{self._external()}"
        token = f"create-{user_id}"
        if self._call("CreateUser", lambda: self.rek.create_user(
                CollectionId=collection, UserId=user_id, ClientRequestToken=token)) is None:
            return
        self.ledger.users[user_id] = collection
        face = free[0]
        answer = self._call("AssociateFaces", lambda: self.rek.associate_faces(
            CollectionId=collection, UserId=user_id, FaceIds=[face], ClientRequestToken=f"associate-{user_id}"))
        if answer is None:
            return
        if answer["UnsuccessfulFaceAssociations"]:
            failed = answer["UnsuccessfulFaceAssociations"]
            self.ledger.violations.append(f"AssociateFaces {face} to {user_id}: {failed}")
        self.ledger.associated[face] = user_id

    def churn(self) -> None:
        collection = f"t{self.ledger.thread}-c{self._external()}"
        if self._call("CreateCollection", lambda: self.rek.create_collection(CollectionId=collection)) is None:
            return
        self.ledger.collections_made.add(collection)
        self.index(collection)
        if self._call("DeleteCollection", lambda: self.rek.delete_collection(CollectionId=collection)) is None:
            return
        self.ledger.collections_made.discard(collection)
        self.ledger.collections_gone.add(collection)


class CheckedThread(threading.Thread):
    """A thread that keeps the exception it died of (``error``) for the test to fail with,
    where a plain thread's would only be printed (pytest: a warning, the test passing)."""

    def __init__(self, target: Callable[[], None], name: str) -> None:
        super().__init__(target=target, name=name)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            super().run()
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread by check()
            self.error = exc


def check(threads: list[CheckedThread]) -> None:
    """Raise the exception a thread of ``threads`` died of (the first, the others noted)."""
    died = [t for t in threads if t.error is not None]
    if died:
        others = ", ".join(f"{t.name}: {type(t.error).__name__}: {t.error}" for t in died[1:])
        raise AssertionError(f"thread {died[0].name} died" + (f" (and {others})" if others else "")) from died[0].error


def run_workers(workers: list[Worker]) -> None:
    """Run each worker on a thread of its own until its deadline; raise if one died."""
    threads = [CheckedThread(w.run, f"soak-{w.ledger.thread}") for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check(threads)
