"""Reading what the mock found back from a recorded response (service/findings.py).

The face operations are covered end to end by test_report.py and test_inspector.py with
the engine's real answers; here, the shapes those do not produce yet and odd responses.
"""

from __future__ import annotations

from rekognition_mock.service import findings

BOX = {"Width": 0.2, "Height": 0.3, "Left": 0.1, "Top": 0.15}


def test_detect_labels_instances_are_boxes_named_after_their_label() -> None:
    response = {
        "Labels": [
            {"Name": "Person", "Confidence": 99.1, "Instances": [{"BoundingBox": BOX, "Confidence": 98.5}]},
            {"Name": "Face", "Confidence": 97.0, "Instances": []},
        ]
    }
    (mark,) = findings.marks("DetectLabels", response)["Image"]
    assert (mark.kind, mark.box, mark.confidence, mark.label) == ("instance", BOX, 98.5, "Person")
    assert mark.caption() == "Person 98.5%"


def test_unindexed_faces_carry_their_reasons() -> None:
    response = {"FaceRecords": [], "UnindexedFaces": [{"Reasons": ["LOW_SHARPNESS"], "FaceDetail": {"BoundingBox": BOX, "Confidence": 91.0}}]}
    (mark,) = findings.marks("IndexFaces", response)["Image"]
    assert (mark.kind, mark.reasons) == ("unindexed", ["LOW_SHARPNESS"])
    assert "reasons LOW_SHARPNESS" in mark.describe()


def test_search_faces_matches_best_first_as_answered() -> None:
    response = {"FaceMatches": [{"Similarity": 99.5, "Face": {"FaceId": "f1", "ExternalImageId": "x"}}, {"Similarity": 91.0, "Face": {"FaceId": "f2"}}]}
    assert [(m.face_id, m.similarity, m.external_image_id) for m in findings.matches("SearchFaces", response)] == [
        ("f1", 99.5, "x"),
        ("f2", 91.0, None),
    ]
    assert findings.matches("CompareFaces", response) == []  # CompareFaces matches are image marks


def test_odd_or_empty_responses_give_no_marks() -> None:
    assert findings.marks("DetectFaces", {}) == {}
    assert findings.marks("DetectFaces", {"FaceDetails": "not a list"}) == {}
    assert findings.marks("DetectFaces", {"FaceDetails": [{"BoundingBox": BOX}]})["Image"][0].confidence is None
    assert findings.marks("ListCollections", {"CollectionIds": ["a"]}) == {}


def test_user_searches_by_image_mark_the_searched_and_unsearched_faces() -> None:
    response = {
        "UserMatches": [{"Similarity": 99.2, "User": {"UserId": "grace", "UserStatus": "ACTIVE"}}],
        "SearchedFace": {"FaceDetail": {"BoundingBox": BOX, "Confidence": 99.9}},
        "UnsearchedFaces": [{"FaceDetails": {"BoundingBox": BOX, "Confidence": 98.0}, "Reasons": ["FACE_NOT_LARGEST"]}],
    }
    searched, other = findings.marks("SearchUsersByImage", response)["Image"]
    assert (searched.kind, other.kind, other.reasons) == ("searched", "unsearched", ["FACE_NOT_LARGEST"])
    (match,) = findings.matches("SearchUsersByImage", response)
    assert (match.user_id, match.similarity, match.face_id) == ("grace", 99.2, None)
    assert match.describe() == "UserId grace similarity 99.2%"
