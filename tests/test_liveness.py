"""Face Liveness sessions: states on the mock's clock, the test's face image and confidence,
reference and audit images with the engine's face box, written to S3 as AWS names them."""

from __future__ import annotations

from typing import Any

import pytest

import imagefactory
import rekognition_mock
from helpers import expect
from shapecheck import assert_output_shape
from rekognition_mock.service.models.liveness import MAX_AUDIT_IMAGE_BYTES

HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
COFFEE = imagefactory.fixture_bytes("coffee.jpg")


def test_a_session_is_created_then_succeeds_with_the_scripted_face(rekognition: Any) -> None:
    session = rekognition.create_face_liveness_session(Settings={"AuditImagesLimit": 2})["SessionId"]
    first = rekognition.get_face_liveness_session_results(SessionId=session)
    assert_output_shape("GetFaceLivenessSessionResults", first)
    assert first["Status"] == "CREATED" and "Confidence" not in first
    rekognition_mock.set_liveness_result(session, HOPPER, confidence=98.5)
    answer = rekognition.get_face_liveness_session_results(SessionId=session)
    assert_output_shape("GetFaceLivenessSessionResults", answer)
    assert answer["Status"] == "SUCCEEDED" and answer["Confidence"] == pytest.approx(98.5)
    assert answer["Challenge"] == {"Type": "FaceMovementAndLightChallenge", "Version": "2.0.0"}
    reference = answer["ReferenceImage"]
    assert 0 < len(reference["Bytes"]) <= MAX_AUDIT_IMAGE_BYTES and reference["Bytes"][:2] == b"\xff\xd8"
    [face] = rekognition.detect_faces(Image={"Bytes": HOPPER})["FaceDetails"]
    for side in ("Width", "Height", "Left", "Top"):
        assert reference["BoundingBox"][side] == pytest.approx(face["BoundingBox"][side], abs=1e-4)
    assert len(answer["AuditImages"]) == 2 and answer["AuditImages"][0]["BoundingBox"] == reference["BoundingBox"]
    # the reference image is a face the rest of the API finds (what an app does next)
    [match] = rekognition.compare_faces(SourceImage={"Bytes": reference["Bytes"]}, TargetImage={"Bytes": HOPPER})["FaceMatches"]
    assert match["Similarity"] > 95


def test_a_spoof_a_failure_and_expiry(rekognition: Any) -> None:
    spoof, failed, faceless, running = (rekognition.create_face_liveness_session()["SessionId"] for _ in range(4))
    rekognition_mock.set_liveness_result(spoof, HOPPER, confidence=3.0)
    answer = rekognition.get_face_liveness_session_results(SessionId=spoof)
    assert answer["Status"] == "SUCCEEDED" and answer["Confidence"] == pytest.approx(3.0) and answer["AuditImages"] == []
    rekognition_mock.set_liveness_result(failed, HOPPER, status="FAILED")
    assert rekognition.get_face_liveness_session_results(SessionId=failed)["Status"] == "FAILED"
    rekognition_mock.set_liveness_result(faceless, COFFEE)
    assert rekognition.get_face_liveness_session_results(SessionId=faceless)["Status"] == "FAILED"
    rekognition_mock.set_liveness_result(running, HOPPER, status="IN_PROGRESS")
    assert rekognition.get_face_liveness_session_results(SessionId=running)["Status"] == "IN_PROGRESS"
    # the mock's clock is the wall clock plus the offset: leave the seconds this test spends
    # analysing its photos on a loaded machine some room before the 3 minutes
    rekognition_mock.advance_clock(170)
    assert rekognition.get_face_liveness_session_results(SessionId=spoof)["Status"] == "SUCCEEDED"
    rekognition_mock.advance_clock(10)  # AWS: a session expires 3 minutes after it was created
    for session in (spoof, failed, faceless, running):
        expired = rekognition.get_face_liveness_session_results(SessionId=session)
        assert expired["Status"] == "EXPIRED" and "ReferenceImage" not in expired
    expect(rekognition, "SessionNotFoundException", lambda: rekognition.get_face_liveness_session_results(
        SessionId="00000000-0000-4000-8000-000000000000"))
    expect(rekognition, "ValidationException", lambda: rekognition.get_face_liveness_session_results(SessionId="x" * 36))


def test_images_go_to_the_output_bucket(rekognition: Any, s3: Any) -> None:
    expect(rekognition, "InvalidParameterException", lambda: rekognition.create_face_liveness_session(
        Settings={"OutputConfig": {"S3Bucket": "no-such-bucket"}}))
    s3.create_bucket(Bucket="liveness")
    settings = {"OutputConfig": {"S3Bucket": "liveness", "S3KeyPrefix": "checks/"}, "AuditImagesLimit": 1,
                "ChallengePreferences": [{"Type": "FaceMovementChallenge"}]}
    session = rekognition.create_face_liveness_session(Settings=settings, ClientRequestToken="t1")["SessionId"]
    assert rekognition.create_face_liveness_session(Settings=settings, ClientRequestToken="t1")["SessionId"] == session
    rekognition_mock.set_liveness_result(session, HOPPER)
    answer = rekognition.get_face_liveness_session_results(SessionId=session)
    assert answer["Challenge"]["Type"] == "FaceMovementChallenge"
    assert answer["ReferenceImage"]["S3Object"] == {"Bucket": "liveness", "Name": f"checks/{session}/reference.jpg"}
    assert "Bytes" not in answer["ReferenceImage"]
    assert [a["S3Object"]["Name"] for a in answer["AuditImages"]] == [f"checks/{session}/audit_images/1.jpg"]
    stored = s3.get_object(Bucket="liveness", Key=f"checks/{session}/reference.jpg")["Body"].read()
    assert stored[:2] == b"\xff\xd8"
    [face] = rekognition.detect_faces(Image={"S3Object": {"Bucket": "liveness", "Name": f"checks/{session}/reference.jpg"}})["FaceDetails"]
    assert face["BoundingBox"]["Width"] == pytest.approx(answer["ReferenceImage"]["BoundingBox"]["Width"], abs=0.02)


def test_the_liveness_control_refuses_bad_values() -> None:
    for kwargs in ({"confidence": 101}, {"confidence": "high"}, {"status": "EXPIRED"}):
        with pytest.raises(ValueError):
            rekognition_mock.set_liveness_result("00000000-0000-4000-8000-000000000000", HOPPER, **kwargs)
    with pytest.raises(TypeError):
        rekognition_mock.set_liveness_result("00000000-0000-4000-8000-000000000000", ("bucket", "key"))
