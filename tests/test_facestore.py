"""FaceStore (rekognition_mock.store.facestore) on synthetic descriptors: no images, no engine."""

from __future__ import annotations

import uuid

import numpy as np
import pytest

from rekognition_mock.store import kernels, persistence
from rekognition_mock.store.facestore import DIM, FaceStore

IMAGE_ID = "0b7e3b0c-3f38-5d7c-9a3e-2b1c0d4e5f60"


def unit_vectors(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(count, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def face_ids(count: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [str(uuid.UUID(bytes=rng.bytes(16))) for _ in range(count)]


def boxes(count: int) -> np.ndarray:
    return np.tile(np.array([0.2, 0.3, 0.1, 0.15], dtype=np.float32), (count, 1))


def filled(count: int, seed: int = 0, external: str | None = "ext") -> tuple[FaceStore, list[str], np.ndarray]:
    store = FaceStore()
    ids = face_ids(count, seed)
    vectors = unit_vectors(count, seed)
    fresh = store.add(ids, IMAGE_ID, external, vectors, boxes(count), np.full(count, 99.5, dtype=np.float32))
    assert fresh == [True] * count
    return store, ids, vectors


def brute_force(vectors: np.ndarray, live: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the live vectors by distance to ``query``, and the distances."""
    distances = np.linalg.norm(vectors.astype(np.float64) - query.astype(np.float64), axis=1)
    distances[~live] = np.inf
    order = np.argsort(distances, kind="stable")
    return order, distances


# --- add / get / delete ----------------------------------------------------------------


def test_add_and_get() -> None:
    store, ids, vectors = filled(5)
    assert len(store) == 5
    for i, fid in enumerate(ids):
        face = store.get(fid)
        assert face is not None
        assert face.face_id == fid
        assert face.image_id == IMAGE_ID
        assert face.external_image_id == "ext"
        assert face.user_id is None
        assert face.seq == i + 1
        assert face.confidence == pytest.approx(99.5)
        assert face.box == pytest.approx((0.2, 0.3, 0.1, 0.15))
        assert np.array_equal(store.descriptor(fid), vectors[i])
    assert store.get(str(uuid.uuid4())) is None
    assert store.get("not-a-uuid") is None
    assert store.descriptor(str(uuid.uuid4())) is None


def test_descriptor_is_a_copy() -> None:
    store, ids, vectors = filled(2)
    got = store.descriptor(ids[0])
    got[:] = 0
    assert np.array_equal(store.descriptor(ids[0]), vectors[0])


def test_adding_an_existing_id_keeps_the_first() -> None:
    store, ids, vectors = filled(3)
    others = unit_vectors(3, seed=99)
    fresh = store.add([ids[1], str(uuid.UUID(int=7))], IMAGE_ID, "new", others[:2], boxes(2), np.ones(2, np.float32))
    assert fresh == [False, True]
    assert len(store) == 4
    assert np.array_equal(store.descriptor(ids[1]), vectors[1])
    assert store.get(ids[1]).external_image_id == "ext"
    assert store.get(str(uuid.UUID(int=7))).seq == 4


def test_external_ids_are_kept_per_face() -> None:
    store = FaceStore()
    vectors = unit_vectors(3, seed=1)
    a, b, c = face_ids(3, seed=1)
    store.add([a], IMAGE_ID, "alpha", vectors[:1], boxes(1), np.ones(1, np.float32))
    store.add([b], IMAGE_ID, None, vectors[1:2], boxes(1), np.ones(1, np.float32))
    store.add([c], IMAGE_ID, "alpha", vectors[2:], boxes(1), np.ones(1, np.float32))
    assert [store.get(x).external_image_id for x in (a, b, c)] == ["alpha", None, "alpha"]


def test_delete() -> None:
    store, ids, _ = filled(5)
    unknown = str(uuid.uuid4())
    assert store.delete([ids[1], unknown, ids[3]]) == [ids[1], ids[3]]
    assert len(store) == 3
    assert store.get(ids[1]) is None and store.descriptor(ids[3]) is None
    assert store.delete([ids[1]]) == []
    assert len(store) == 3
    faces, last = store.page(0, 100)
    assert [f.face_id for f in faces] == [ids[0], ids[2], ids[4]]
    assert last is None


# --- page ------------------------------------------------------------------------------


def test_page_walks_in_insertion_order() -> None:
    store, ids, _ = filled(10)
    store.delete([ids[4]])
    walked, after, pages = [], 0, 0
    while True:
        faces, last = store.page(after, 3)
        assert len(faces) <= 3
        walked.extend(f.face_id for f in faces)
        pages += 1
        if last is None:
            break
        assert last == faces[-1].seq
        after = last
    assert walked == [fid for i, fid in enumerate(ids) if i != 4]
    assert pages == 3

    exact, last = store.page(0, 9)
    assert len(exact) == 9 and last is None  # nothing left, no position


def test_page_face_ids_filter() -> None:
    store, ids, _ = filled(8)
    wanted = [ids[6], ids[1], str(uuid.uuid4()), ids[3]]
    faces, last = store.page(0, 100, face_ids=wanted)
    assert [f.face_id for f in faces] == [ids[1], ids[3], ids[6]]
    assert last is None
    first, last = store.page(0, 2, face_ids=wanted)
    assert [f.face_id for f in first] == [ids[1], ids[3]]
    rest, end = store.page(last, 2, face_ids=wanted)
    assert [f.face_id for f in rest] == [ids[6]] and end is None


# --- search ----------------------------------------------------------------------------


def test_search_matches_brute_force() -> None:
    store, ids, vectors = filled(500, seed=3)
    live = np.ones(500, dtype=bool)
    queries = unit_vectors(10, seed=4)
    for query in queries:
        order, distances = brute_force(vectors, live, query)
        hits = store.search(query, max_distance=10.0, limit=25)
        assert [f.face_id for f, _ in hits] == [ids[i] for i in order[:25]]
        assert [d for _, d in hits] == pytest.approx(distances[order[:25]], abs=1e-4)
        got = [d for _, d in hits]
        assert got == sorted(got)

        # A distance bar (in the widest gap between the 30th and 50th nearest, so float32
        # rounding cannot put a face on the wrong side): exactly the faces within it.
        ranked = np.sort(distances)
        gap = 30 + int(np.argmax(np.diff(ranked[30:51])))
        bar = float(ranked[gap] + ranked[gap + 1]) / 2
        within = store.search(query, max_distance=bar, limit=1000)
        assert {f.face_id for f, _ in within} == {ids[i] for i in np.flatnonzero(distances <= bar)}
        assert all(d <= bar + 1e-5 for _, d in within)


def test_search_finds_a_stored_vector_first() -> None:
    store, ids, vectors = filled(200, seed=5)
    for i in (0, 57, 199):
        [(face, distance)] = store.search(vectors[i], max_distance=0.01, limit=10)
        assert face.face_id == ids[i]
        assert distance == pytest.approx(0, abs=1e-3)


def test_search_excludes_and_skips_deleted() -> None:
    store, ids, vectors = filled(50, seed=6)
    store.delete(ids[10:20])
    live = np.ones(50, dtype=bool)
    live[10:20] = False
    query = vectors[0]
    hits = store.search(query, max_distance=10.0, limit=100, exclude=ids[0])
    order, _ = brute_force(vectors, live, query)
    expected = [ids[i] for i in order if live[i] and i != 0]
    assert [f.face_id for f, _ in hits] == expected
    for deleted in ids[10:20]:
        [(nearest, _)] = store.search(vectors[ids.index(deleted)], max_distance=10.0, limit=1)
        assert nearest.face_id != deleted


def test_search_with_no_distance_bar_still_excludes() -> None:
    """``max_distance=inf`` is what a similarity threshold of 0 maps to."""
    store, ids, vectors = filled(20, seed=7)
    store.delete(ids[5:8])
    hits = store.search(vectors[0], max_distance=float("inf"), limit=100, exclude=ids[0])
    found = [f.face_id for f, _ in hits]
    assert ids[0] not in found
    assert not set(ids[5:8]) & set(found)
    assert sorted(found) == sorted(ids[1:5] + ids[8:])
    assert all(np.isfinite(d) for _, d in hits)


def test_search_empty_store() -> None:
    store = FaceStore()
    assert store.search(unit_vectors(1, seed=8)[0], max_distance=10.0, limit=5) == []
    store2, ids, vectors = filled(3)
    store2.delete(ids)
    assert store2.search(vectors[0], max_distance=10.0, limit=5) == []


# --- compaction, memory ----------------------------------------------------------------


def test_compaction_keeps_survivors_and_shrinks() -> None:
    count = 2000
    store, ids, vectors = filled(count, seed=9)
    before = store.nbytes()
    rng = np.random.default_rng(10)
    survivors = np.sort(rng.choice(count, size=150, replace=False))
    doomed = [ids[i] for i in range(count) if i not in set(survivors.tolist())]
    assert len(store.delete(doomed)) == count - 150
    assert len(store) == 150
    assert store.nbytes() < before / 4

    for i in survivors:
        face = store.get(ids[i])
        assert face is not None and face.seq == i + 1
        [(nearest, distance)] = store.search(vectors[i], max_distance=10.0, limit=1)
        assert nearest.face_id == ids[i] and distance == pytest.approx(0, abs=1e-3)
    assert store.get(doomed[0]) is None
    faces, last = store.page(0, 1000)
    assert [f.face_id for f in faces] == [ids[i] for i in survivors] and last is None

    query = unit_vectors(1, seed=11)[0]
    live = np.zeros(count, dtype=bool)
    live[survivors] = True
    order, _ = brute_force(vectors, live, query)
    hits = store.search(query, max_distance=10.0, limit=10)
    assert [f.face_id for f, _ in hits] == [ids[i] for i in order[:10]]

    # The store keeps working after compacting: new faces get later seqs.
    extra = face_ids(1, seed=12)
    store.add(extra, IMAGE_ID, None, unit_vectors(1, seed=12), boxes(1), np.ones(1, np.float32))
    assert store.get(extra[0]).seq == count + 1


def test_add_bulk_memory_per_face() -> None:
    count = 100_000
    vectors = unit_vectors(count, seed=13)
    store = FaceStore()
    store.add_bulk(vectors)
    assert len(store) == count
    assert store.nbytes() / len(store) <= 1000
    unsearched = store.nbytes()

    # Searching a collection this large still returns the exact nearest faces.
    query = vectors[1234] + 0.05 * unit_vectors(1, seed=14)[0]
    order, distances = brute_force(vectors, np.ones(count, dtype=bool), query)
    hits = store.search(query, max_distance=10.0, limit=5)
    assert [f.seq for f, _ in hits] == [int(i) + 1 for i in order[:5]]
    assert [d for _, d in hits] == pytest.approx(distances[order[:5]], abs=1e-3)
    # With numba (the fast-search extra, part of the test extra) the first search built
    # the int8 copy: one byte per dimension and a scale per row.
    assert kernels.available()
    assert store.nbytes() - unsearched >= count * (DIM + 4)

    # Faces added later are encoded too, and found by the int8 scan.
    extra = face_ids(1, seed=15)
    planted = unit_vectors(1, seed=15)
    store.add(extra, IMAGE_ID, None, planted, boxes(1), np.ones(1, np.float32))
    hits = store.search(planted[0], max_distance=0.1, limit=1)
    assert [f.face_id for f, _ in hits] == extra


def test_small_collections_keep_no_int8_copy() -> None:
    store = FaceStore()
    store.add_bulk(unit_vectors(1000, seed=16))
    before = store.nbytes()
    store.search(unit_vectors(1, seed=17)[0], max_distance=10.0, limit=5)
    assert store.nbytes() == before


# --- export / load ---------------------------------------------------------------------


def test_export_load_round_trip() -> None:
    store, ids, vectors = filled(30, seed=15)
    more = face_ids(5, seed=16)
    store.add(more, "9a9a9a9a-0000-4000-8000-000000000001", None, unit_vectors(5, seed=16), boxes(5),
              np.full(5, 97.0, dtype=np.float32))
    store.delete(ids[3:9])  # gaps in seq
    live_ids = [f.face_id for f in store.page(0, 1000)[0]]
    exported = store.export(live_ids + [str(uuid.uuid4())])
    assert [face.face_id for face, _ in exported] == live_ids
    rows = [persistence.face_row(face, vector) for face, vector in exported]

    copy = FaceStore()
    copy.load(rows)
    assert len(copy) == len(store) == 29
    for face, vector in exported:
        loaded = copy.get(face.face_id)
        assert loaded == face  # ids, image id, external id, box, confidence, seq
        assert np.array_equal(copy.descriptor(face.face_id), vector)
    assert [f.face_id for f in copy.page(0, 1000)[0]] == live_ids
    assert [f.seq for f in copy.page(0, 1000)[0]] == [f.seq for f in store.page(0, 1000)[0]]

    query = unit_vectors(1, seed=17)[0]
    assert [(f.face_id, pytest.approx(d, abs=1e-5)) for f, d in copy.search(query, 10.0, 8)] == [
        (f.face_id, d) for f, d in store.search(query, 10.0, 8)
    ]

    # A face added after loading comes after every loaded one.
    extra = face_ids(1, seed=18)
    copy.add(extra, IMAGE_ID, None, unit_vectors(1, seed=18), boxes(1), np.ones(1, np.float32))
    assert copy.get(extra[0]).seq == 36
