"""vision/mesh_attributes.py: FaceOccluded's answer and how sure it is, on composed faces.

The answer (``FACE_OCCLUDED``) is fitted on the attribute set's tuning photos, its confidence
(``FACE_OCCLUDED_CONFIDENCE``) on those and on faces composed from them
(``scripts/compose_occlusion_cases.py``); these faces are composed from the bundled photos
instead, so the test never reads the attribute set.
"""

from __future__ import annotations

from typing import Any

import pytest

import imagefactory
from test_attributes import face_detail


def occluded(rekognition: Any, data: bytes) -> tuple[bool, float]:
    answer = face_detail(rekognition, data, ["FACE_OCCLUDED"])["FaceOccluded"]
    return answer["Value"], answer["Confidence"]


@pytest.mark.parametrize("name", ["astronaut.jpg", "grace_hopper.jpg"])
def test_a_clear_face_is_not_occluded_and_the_answer_is_sure(rekognition: Any, name: str) -> None:
    value, confidence = occluded(rekognition, imagefactory.fixture_bytes(name))
    assert not value and confidence > 95


@pytest.mark.parametrize("mirror", [False, True], ids=["drawn", "mirrored"])
def test_a_scarf_over_the_mouth_is_occluded(rekognition: Any, mirror: bool) -> None:
    value, confidence = occluded(rekognition, imagefactory.scarf_over_mouth(mirror))
    assert value and confidence > 80


@pytest.mark.parametrize("mirror", [False, True], ids=["drawn", "mirrored"])
def test_a_hand_over_the_mouth_is_occluded_or_the_answer_is_unsure(rekognition: Any, mirror: bool) -> None:
    """The answer comes from the model fitted on photos, which has seen few hands; how sure it
    is comes from the model that also learnt from hands composed over tuning faces. Where the
    two disagree the confidence is 50, so a missed hand is not a sure answer."""
    value, confidence = occluded(rekognition, imagefactory.hand_over_mouth(mirror))
    assert (value and confidence > 90) or (not value and confidence < 60)


def test_a_mildly_blurred_face_stays_clear(rekognition: Any) -> None:
    """Blur takes the edges the covered-mouth measure reads from the mouth and the eyes alike:
    still a clear face."""
    value, _ = occluded(rekognition, imagefactory.blurred("astronaut.jpg", radius=1.5))
    assert not value
