"""The request recorder: what one call leaves in a ring, the ring's bounds, and its cost when off."""

from __future__ import annotations

from typing import Any

import pytest

import imagefactory
from rekognition_mock.service import recorder

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
ASTRONAUT = imagefactory.fixture_bytes("astronaut.jpg")


@pytest.fixture
def ring() -> Any:
    ring = recorder.Ring(capture=True)
    recorder.subscribe(ring)
    yield ring
    recorder.unsubscribe(ring)


def test_a_call_is_recorded_with_its_images_and_answer(rekognition: Any, ring: recorder.Ring) -> None:
    rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=["ALL"])
    (entry,) = ring.entries()
    assert (entry.operation, entry.status, entry.account, entry.region) == ("DetectFaces", 200, "123456789012", "us-east-1")
    assert entry.error_code is None and entry.latency_ms > 0
    assert entry.request() == {"Image": {"Bytes": f"({len(HOPPER)} bytes)"}, "Attributes": ["ALL"]}
    (image,) = entry.images()
    assert (image.role, image.source, image.data, image.media_type) == ("Image", "bytes", HOPPER, "image/jpeg")
    assert len(entry.response()["FaceDetails"]) == 1
    assert entry.request_body == b""  # captured: the base64 request is not kept twice


def test_errors_are_recorded_with_their_code(rekognition: Any, ring: recorder.Ring) -> None:
    with pytest.raises(rekognition.exceptions.ResourceNotFoundException):
        rekognition.describe_collection(CollectionId="missing")
    (entry,) = ring.entries()
    assert entry.status == 400
    assert entry.error_code == "ResourceNotFoundException"
    assert entry.error_message == "The collection id: missing does not exist"


def compare_then_delete(rekognition: Any, s3: Any) -> None:
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="a.jpg", Body=ASTRONAUT)
    rekognition.compare_faces(SourceImage={"S3Object": {"Bucket": "photos", "Name": "a.jpg"}}, TargetImage={"Bytes": HOPPER})
    s3.delete_object(Bucket="photos", Key="a.jpg")


def test_a_capturing_ring_keeps_an_s3_image_after_the_object_is_gone(rekognition: Any, s3: Any, ring: recorder.Ring) -> None:
    compare_then_delete(rekognition, s3)
    source, target = ring.entries()[0].images()
    assert (source.role, source.source, source.data) == ("SourceImage", "s3://photos/a.jpg", ASTRONAUT)
    assert (target.role, target.data) == ("TargetImage", HOPPER)


def test_a_lazy_ring_reads_s3_only_when_asked(rekognition: Any, s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    lazy = recorder.Ring()
    monkeypatch.setattr(recorder, "_SINKS", (lazy,))
    compare_then_delete(rekognition, s3)
    gone, target = lazy.entries()[0].images()  # read only now, after the delete
    assert (gone.source, gone.data, gone.problem) == ("s3://photos/a.jpg", None, "the S3 object could not be read")
    assert target.data == HOPPER


def test_the_ring_is_bounded_by_count(rekognition: Any) -> None:
    ring = recorder.Ring(max_entries=3)
    recorder.subscribe(ring)
    try:
        for n in range(5):
            rekognition.create_collection(CollectionId=f"c{n}")
    finally:
        recorder.unsubscribe(ring)
    entries = ring.entries()
    assert [e.request()["CollectionId"] for e in entries] == ["c2", "c3", "c4"]
    assert ring.dropped == 2
    assert ring.entries(after=entries[1].seq) == [entries[2]]
    assert ring.get(entries[0].seq) is entries[0]


def test_the_ring_is_bounded_by_bytes(rekognition: Any) -> None:
    ring = recorder.Ring(max_bytes=len(HOPPER) + len(ASTRONAUT) + 20_000, capture=True)
    recorder.subscribe(ring)
    try:
        for image in (HOPPER, ASTRONAUT, HOPPER):
            rekognition.detect_faces(Image={"Bytes": image})
    finally:
        recorder.unsubscribe(ring)
    kept = [e.images()[0].data for e in ring.entries()]
    assert kept == [ASTRONAUT, HOPPER]
    assert ring.nbytes <= ring.max_bytes
    ring.clear()
    assert len(ring) == 0 and ring.nbytes == 0


def test_nothing_is_recorded_when_nobody_listens(rekognition: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("recorded with no sink")

    monkeypatch.setattr(recorder, "_SINKS", ())  # the pytest plugin's own ring too
    monkeypatch.setattr(recorder, "record", fail)
    monkeypatch.setattr(recorder, "now", fail)
    assert len(rekognition.detect_faces(Image={"Bytes": HOPPER})["FaceDetails"]) == 1


def test_image_parameters_come_from_botocores_model() -> None:
    assert recorder.image_members("CompareFaces") == ("SourceImage", "TargetImage")
    assert recorder.image_members("IndexFaces") == ("Image",)
    assert recorder.image_members("SearchFaces") == ()
    assert recorder.image_members("NoSuchOperation") == ()


def test_what_the_controls_did_is_noted_on_the_call(rekognition: Any, ring: recorder.Ring) -> None:
    import rekognition_mock

    rekognition_mock.set_labels(HOPPER, ["Dog"])
    rekognition_mock.set_moderation_labels(HOPPER, ["Violence"])
    rekognition_mock.set_face_attributes(HOPPER, 0, {"Smile": {"Value": True, "Confidence": 91.0}})
    rekognition_mock.inject_latency("ListCollections", 0.01)
    rekognition_mock.inject_error("DescribeCollection", "ThrottlingException", times=10, message="slow down")  # retries too
    rekognition.detect_labels(Image={"Bytes": HOPPER})
    rekognition.detect_moderation_labels(Image={"Bytes": HOPPER})
    rekognition.detect_faces(Image={"Bytes": HOPPER}, Attributes=["SMILE"])
    rekognition.detect_faces(Image={"Bytes": ASTRONAUT}, Attributes=["SMILE"])  # nothing scripted there
    rekognition.list_collections()
    with pytest.raises(rekognition.exceptions.ThrottlingException):
        rekognition.describe_collection(CollectionId="c")
    labels, moderation, hopper, astronaut, listing, throttled = ring.entries()[:6]
    assert labels.notes == {recorder.SCRIPTED_LABELS: [["Dog"]]}
    assert moderation.notes == {recorder.SCRIPTED_MODERATION_LABELS: [["Violence"]]}
    assert hopper.notes == {recorder.SCRIPTED_FACE_ATTRIBUTES: [["Smile", {"Value": True, "Confidence": 91.0}]]}
    assert astronaut.notes == {}
    assert listing.notes == {recorder.INJECTED_LATENCY: [0.01]}
    assert throttled.notes == {recorder.INJECTED_ERROR: [{"code": "ThrottlingException", "message": "slow down"}]}
    assert throttled.error_code == "ThrottlingException"


def test_notes_go_nowhere_when_no_call_is_recorded() -> None:
    recorder.note(recorder.INJECTED_LATENCY, 1.0)  # outside a recorded call: nothing to tell, no error
    with recorder.collecting_notes() as outer:
        with recorder.collecting_notes() as inner:
            recorder.note(recorder.INJECTED_LATENCY, 2.0)
        recorder.note(recorder.INJECTED_LATENCY, 3.0)
    assert (inner, outer) == ({recorder.INJECTED_LATENCY: [2.0]}, {recorder.INJECTED_LATENCY: [3.0]})


def test_scripted_text_and_equipment_are_noted_on_the_call(rekognition: Any, ring: recorder.Ring) -> None:
    import rekognition_mock

    rekognition_mock.set_text(HOPPER, ["US NAVY"])
    rekognition_mock.set_protective_equipment(HOPPER, 0, ["HEAD_COVER", {"BodyPart": "LEFT_HAND"}])
    rekognition.detect_text(Image={"Bytes": HOPPER})
    rekognition.detect_protective_equipment(Image={"Bytes": HOPPER})
    rekognition.detect_text(Image={"Bytes": ASTRONAUT})  # nothing scripted there
    text, equipment, astronaut = ring.entries()[:3]
    assert text.notes == {recorder.SCRIPTED_TEXT: [["US NAVY"]]}
    assert equipment.notes == {recorder.SCRIPTED_EQUIPMENT: [[[0, "HEAD_COVER"], [0, "LEFT_HAND"]]]}
    assert astronaut.notes == {}
