"""A server following a collection that other servers change (``serve --state-url``) reads
only the rows each change touched, not the collection: the face and user rows its store read
per refresh (``Store.rows_read``) are those of the change, whatever the collection's size."""

from __future__ import annotations

from typing import Any

import numpy as np

from rekognition_mock.service.models import load_state, refresh_state, rekognition_backends

A, R = "123456789012", "us-east-1"


def uface(n: int, user: str | None = None) -> tuple[Any, ...]:
    vec = np.random.default_rng(n).standard_normal(128).astype(np.float32)
    box = np.array([0.1, 0.2, 0.3, 0.4], dtype=np.float32)
    return (f"00000000-0000-4000-8000-{n:012d}", f"00000000-0000-4000-9000-{n:012d}", f"ext-{n}", user,
            box.tobytes(), 99.5, n, vec.tobytes())


def fid(n: int) -> str:
    return uface(n)[0]


def held(backend: Any, collection_id: str) -> tuple[dict[str, Any], list[str]]:
    collection = backend.collections[collection_id]
    page, _ = collection.faces.page(-(2**62), 1_000_000)
    return {f.face_id: (f.user_id, f.seq) for f in page}, [u.user_id for u in collection.users.in_order()]


def stored(store: Any, collection_id: str) -> tuple[dict[str, Any], list[str]]:
    return ({row[0]: (row[3], row[6]) for row in store.faces(A, R, collection_id)},
            [row[0] for row in store.users(A, R, collection_id)])


def test_a_refresh_reads_only_the_rows_a_change_touched(postgres_url: str) -> None:
    from rekognition_mock.store.postgres import PostgresStore

    other, mine = PostgresStore(postgres_url), PostgresStore(postgres_url)  # another server's store, and this one's
    backend = rekognition_backends[A][R]
    try:
        other.put_collection(A, R, "big", "arn:big", 1.0, {})
        other.add_faces(A, R, "big", [uface(n) for n in range(1, 5001)])
        load_state(mine)
        mine.changes()  # what it just loaded
        assert len(backend.collections["big"].faces) == 5000

        before = mine.rows_read
        other.add_faces(A, R, "big", [uface(n) for n in range(5001, 5004)])  # 3 new faces
        other.delete_faces(A, R, "big", [fid(10), fid(11)])  # 2 gone: nothing to read
        other.put_user(A, R, "big", "grace", 2.0, "token-1")  # 1 user row
        other.set_face_users(A, R, "big", [fid(20)], "grace")  # 1 face row
        refresh_state(mine)
        assert mine.rows_read - before == 3 + 1 + 1
        assert len(backend.collections["big"].faces) == 5001
        assert backend.collections["big"].users.get("grace").create_token == "token-1"

        before = mine.rows_read
        other.delete_user(A, R, "big", "grace")  # names the face it held: 1 face row, the user gone
        other.put_collection(A, R, "big", "arn:big", 1.0, {"team": "qa"})  # the collection's row only
        refresh_state(mine)
        assert mine.rows_read - before == 1
        assert backend.collections["big"].tags == {"team": "qa"}

        # the result equals a full read of the database
        before = mine.rows_read
        assert held(backend, "big") == stored(mine, "big")
        assert mine.rows_read - before == 5001

        # a collection deleted and made again elsewhere is read whole (it is another collection)
        other.delete_collection(A, R, "big")
        other.put_collection(A, R, "big", "arn:big", 3.0, {})
        other.add_faces(A, R, "big", [uface(7)])
        before = mine.rows_read
        refresh_state(mine)
        assert mine.rows_read - before == 1
        assert held(backend, "big") == ({fid(7): (None, 7)}, [])
    finally:
        backend.collections.clear()
        other.close()
        mine.close()
