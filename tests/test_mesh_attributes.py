"""vision/mesh_attributes.py: FaceOccluded's answer and how sure it is, on composed faces.

The model is fitted on the attribute set's tuning photos and on faces composed from them
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


@pytest.mark.parametrize("make", [imagefactory.hand_over_mouth, imagefactory.scarf_over_mouth], ids=["hand", "scarf"])
@pytest.mark.parametrize("mirror", [False, True], ids=["drawn", "mirrored"])
def test_a_covered_mouth_is_occluded(rekognition: Any, make: Any, mirror: bool) -> None:
    value, confidence = occluded(rekognition, make(mirror))
    assert value and confidence > 80


def test_a_mildly_blurred_face_stays_clear(rekognition: Any) -> None:
    """Blur takes the edges the covered-mouth measure reads from the mouth and the eyes alike:
    still a clear face."""
    value, _ = occluded(rekognition, imagefactory.blurred("astronaut.jpg", radius=1.5))
    assert not value
