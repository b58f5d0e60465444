"""Reading what the mock found back from a recorded response (service/findings.py).

The face operations are covered end to end by test_report.py and test_inspector.py with
the engine's real answers; here, the shapes those do not produce yet and odd responses.
"""

from __future__ import annotations

from rekognition_mock.service import findings, recorder

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


def test_a_face_lists_the_attributes_asked_for_and_marks_the_scripted_ones() -> None:
    detail = {
        "BoundingBox": BOX, "Confidence": 99.9, "Landmarks": [], "Pose": {"Roll": 1.0, "Yaw": 2.0, "Pitch": 3.0},
        "Quality": {"Brightness": 80.0, "Sharpness": 90.0}, "AgeRange": {"Low": 25, "High": 33},
        "EyesOpen": {"Value": False, "Confidence": 98.6}, "Gender": {"Value": "Female", "Confidence": 99.21},
        "Emotions": [{"Type": "CALM", "Confidence": 12.0}, {"Type": "HAPPY", "Confidence": 97.14}],
        "EyeDirection": {"Yaw": -0.8, "Pitch": 5.2, "Confidence": 99.9},
    }
    notes = {recorder.SCRIPTED_FACE_ATTRIBUTES: [["EyesOpen", {"Value": False, "Confidence": 98.6}],
                                                 ["Pose", {"Roll": 1.0, "Yaw": 2.0, "Pitch": 3.0}]]}
    (mark,) = findings.marks("DetectFaces", {"FaceDetails": [detail]}, notes)["Image"]
    assert mark.attributes == [
        "Pose roll 1.0 yaw 2.0 pitch 3.0 (scripted)",  # a default member is listed only when scripted
        "AgeRange 25-33",
        "EyesOpen false 98.6 (scripted)",
        "Gender Female 99.2",
        "Emotions HAPPY 97.1",  # the strongest
        "EyeDirection yaw -0.8 pitch 5.2 confidence 99.9",
    ]
    (unscripted,) = findings.marks("DetectFaces", {"FaceDetails": [detail]})["Image"]
    assert "EyesOpen false 98.6" in unscripted.attributes and not any("Pose" in a for a in unscripted.attributes)


def test_labels_boxed_or_not_with_the_scripted_ones_marked() -> None:
    response = {
        "Labels": [
            {"Name": "Person", "Confidence": 99.1, "Instances": [{"BoundingBox": BOX, "Confidence": 98.5}]},
            {"Name": "Dog", "Confidence": 99.0, "Instances": []},
        ]
    }
    notes = {recorder.SCRIPTED_LABELS: [["Dog"]]}
    person, dog = findings.labels("DetectLabels", response, notes)
    assert (person.describe(), len(person.boxes), dog.describe(), dog.boxes) == ("Person 99.1%", 1, "Dog 99.0% (scripted)", [])
    moderation = {"ModerationLabels": [{"Name": "Weapons", "Confidence": 87.5, "ParentName": "Violence"}]}
    (weapons,) = findings.labels("DetectModerationLabels", moderation, {recorder.SCRIPTED_MODERATION_LABELS: [["Weapons"]]})
    assert weapons.describe() == "Weapons 87.5% under Violence (scripted)"
    assert findings.marks("DetectModerationLabels", moderation) == {"Image": []}  # no boxes, and no faces
    assert not findings.finds_faces("DetectModerationLabels") and findings.finds_faces("CompareFaces")
    assert findings.labels("DetectFaces", response) == [] and findings.labels("DetectLabels", {"Labels": "odd"}) == []


def test_a_scripted_labels_instances_say_so_on_the_image() -> None:
    response = {"Labels": [{"Name": "Hat", "Confidence": 99.0, "Instances": [{"BoundingBox": BOX, "Confidence": 99.0}]}]}
    (mark,) = findings.marks("DetectLabels", response, {recorder.SCRIPTED_LABELS: [["Hat"]]})["Image"]
    assert mark.caption() == "Hat (scripted) 99.0%"


def test_celebrities_equipment_and_text_are_marked() -> None:
    face = {"BoundingBox": BOX, "Confidence": 99.9}
    celebrities = findings.marks("RecognizeCelebrities", {
        "CelebrityFaces": [{"Name": "Grace Hopper", "Id": "3Ir0du6", "MatchConfidence": 99.2, "Face": face}],
        "UnrecognizedFaces": [face]})["Image"]
    assert [(m.kind, m.label, m.similarity) for m in celebrities] == [("match", "Grace Hopper", 99.2), ("unmatched", None, None)]
    assert findings.finds_faces("RecognizeCelebrities")

    persons = findings.marks("DetectProtectiveEquipment", {"Persons": [{"Id": 0, "Confidence": 99.0, "BoundingBox": BOX, "BodyParts": [
        {"Name": "FACE", "Confidence": 99.0, "EquipmentDetections": [
            {"Type": "FACE_COVER", "Confidence": 97.0, "BoundingBox": BOX, "CoversBodyPart": {"Value": False, "Confidence": 90.0}}]}]}]})["Image"]
    assert [m.label for m in persons] == ["person 0", "FACE_COVER on FACE (not covering)"]
    assert not findings.finds_faces("DetectProtectiveEquipment")

    words = findings.marks("DetectText", {"TextDetections": [
        {"DetectedText": "EXIT", "Type": "LINE", "Id": 0, "Confidence": 99.0, "Geometry": {"BoundingBox": BOX}},
        {"DetectedText": "EXIT", "Type": "WORD", "Id": 1, "ParentId": 0, "Confidence": 98.0, "Geometry": {"BoundingBox": BOX}}]})["Image"]
    assert [(m.kind, m.label, m.confidence, m.box) for m in words] == [("instance", "EXIT", 98.0, BOX)]


def test_scripted_words_and_equipment_say_so() -> None:
    words = {"TextDetections": [{"DetectedText": "EXIT", "Type": "WORD", "Id": 0, "ParentId": 0, "Confidence": 99.0,
                                 "Geometry": {"BoundingBox": BOX}}]}
    [word] = findings.marks("DetectText", words, {recorder.SCRIPTED_TEXT: [["EXIT"]]})["Image"]
    assert word.label == "EXIT (scripted)"
    person = {"Persons": [{"Id": 0, "Confidence": 99.0, "BoundingBox": BOX, "BodyParts": [{"Name": "HEAD", "Confidence": 99.0,
              "EquipmentDetections": [{"Type": "HEAD_COVER", "Confidence": 99.0, "BoundingBox": BOX,
                                       "CoversBodyPart": {"Value": True, "Confidence": 99.0}}]}]}]}
    marked = findings.marks("DetectProtectiveEquipment", person, {recorder.SCRIPTED_EQUIPMENT: [[[0, "HEAD_COVER"]]]})["Image"]
    assert [m.label for m in marked] == ["person 0", "HEAD_COVER on HEAD (scripted)"]


def test_custom_labels_are_labels_with_their_geometry_boxes() -> None:
    response = {"CustomLabels": [{"Name": "cup", "Confidence": 91.5, "Geometry": {"BoundingBox": BOX}},
                                 {"Name": "saucer", "Confidence": 70.0}]}
    cup, saucer = findings.labels("DetectCustomLabels", response, {recorder.SCRIPTED_LABELS: [["cup", "saucer"]]})
    assert (cup.describe(), len(cup.boxes), saucer.describe(), saucer.boxes) == (
        "cup 91.5% (scripted)", 1, "saucer 70.0% (scripted)", [])
    (mark,) = findings.marks("DetectCustomLabels", response, {recorder.SCRIPTED_LABELS: [["cup"]]})["Image"]
    assert mark.caption() == "cup (scripted) 91.5%"
    assert not findings.finds_faces("DetectCustomLabels")
