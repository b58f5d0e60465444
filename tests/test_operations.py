"""Every operation of botocore's Rekognition model, in-process: called with valid parameters
(its resources created first) it answers what botocore parses into the modeled output shape;
called with invalid parameters it answers one of AWS's modeled errors. No operation may raise
NotImplementedError or UnknownOperationException, and docs/operations.md states each one's
status as the code has it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

import imagefactory
import rekognition_mock
from shapecheck import assert_output_shape
from rekognition_mock.service.validation import service_model

OPERATIONS = service_model().operation_names
HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
COFFEE = imagefactory.fixture_bytes("coffee.jpg")
BUCKET = "ops"
VIDEO = {"S3Object": {"Bucket": BUCKET, "Name": "clip.mp4"}}
ROLE = "arn:aws:iam::123456789012:role/rekognition"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                             "Action": "rekognition:CopyProjectVersion", "Resource": "*"}]})
GROUND_TRUTH = "\n".join(json.dumps({
    "source-ref": f"s3://{BUCKET}/img{i}.jpg", "class": 1,
    "class-metadata": {"class-name": "cup" if i % 2 else "mug", "type": "groundtruth/image-classification"}})
    for i in range(6))
MISSING_ARN = "arn:aws:rekognition:us-east-1:123456789012:project/missing/1"


@dataclass
class World:
    """Every kind of resource, created in dependency order, for the operation under test."""

    client: Any
    s3: Any
    ids: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.ids[name]
        except KeyError:
            raise AttributeError(name) from None


def build_world(client: Any, s3: Any) -> World:
    w = World(client, s3)
    s3.create_bucket(Bucket=BUCKET)
    for key, body in (("hopper.jpg", HOPPER), ("coffee.jpg", COFFEE), ("clip.mp4", a_video()),
                      ("train.jsonl", GROUND_TRUTH.encode()),
                      ("media.jsonl", json.dumps({"source-ref": f"s3://{BUCKET}/coffee.jpg"}).encode())):
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    w.ids["collection_arn"] = "arn:" + client.create_collection(CollectionId="ops")["CollectionArn"]
    w.ids["faces"] = [client.index_faces(CollectionId="ops", Image={"Bytes": HOPPER})["FaceRecords"][0]["Face"]["FaceId"]
                      for _ in range(3)]
    for user in ("u1", "u2"):
        client.create_user(CollectionId="ops", UserId=user)
    client.associate_faces(CollectionId="ops", UserId="u1", FaceIds=w.faces[:1])
    # Custom Labels: a project with datasets, a running model (v1) and a trained one (v2)
    w.ids["project"] = client.create_project(ProjectName="ops")["ProjectArn"]
    w.ids["target"] = client.create_project(ProjectName="target")["ProjectArn"]
    source = {"GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": "train.jsonl"}}}
    w.ids["train"] = client.create_dataset(ProjectArn=w.project, DatasetType="TRAIN", DatasetSource=source)["DatasetArn"]
    w.ids["test"] = client.create_dataset(ProjectArn=w.project, DatasetType="TEST", DatasetSource=source)["DatasetArn"]
    waiter = {"Delay": 0, "MaxAttempts": 3}
    for name in ("v1", "v2"):
        w.ids[name] = client.create_project_version(ProjectArn=w.project, VersionName=name,
                                                    OutputConfig={"S3Bucket": BUCKET})["ProjectVersionArn"]
        client.get_waiter("project_version_training_completed").wait(ProjectArn=w.project, VersionNames=[name],
                                                                     WaiterConfig=waiter)
    client.start_project_version(ProjectVersionArn=w.v1, MinInferenceUnits=1)
    client.get_waiter("project_version_running").wait(ProjectArn=w.project, VersionNames=["v1"], WaiterConfig=waiter)
    rekognition_mock.set_custom_labels(w.v1, COFFEE, ["cup"])
    w.ids["policy"] = client.put_project_policy(ProjectArn=w.project, PolicyName="p1", PolicyDocument=POLICY)["PolicyRevisionId"]
    # stream processors: a stopped one and a running one
    home = dict(Input={"KinesisVideoStream": {"Arn": "arn:aws:kinesisvideo:us-east-1:123456789012:stream/s/1"}},
                Output={"S3Destination": {"Bucket": BUCKET}}, RoleArn=ROLE,
                NotificationChannel={"SNSTopicArn": "arn:aws:sns:us-east-1:123456789012:t"},
                Settings={"ConnectedHome": {"Labels": ["PERSON"]}})
    w.ids["processor"] = client.create_stream_processor(Name="sp", **home)["StreamProcessorArn"]
    client.create_stream_processor(Name="sp-run", **home)
    client.start_stream_processor(Name="sp-run", StartSelector={"KVSStreamStartSelector": {"ProducerTimestamp": 1}})
    # a Face Liveness session and a media analysis job
    w.ids["session"] = client.create_face_liveness_session()["SessionId"]
    rekognition_mock.set_liveness_result(w.session, HOPPER)
    w.ids["job"] = client.start_media_analysis_job(
        OperationsConfig={"DetectModerationLabels": {}}, Input={"S3Object": {"Bucket": BUCKET, "Name": "media.jsonl"}},
        OutputConfig={"S3Bucket": BUCKET})["JobId"]
    return w


def empty_test_dataset(w: World) -> str:
    """The project's test dataset replaced by an empty one (DistributeDatasetEntries fills it)."""
    w.client.delete_dataset(DatasetArn=w.test)
    return w.client.create_dataset(ProjectArn=w.project, DatasetType="TEST")["DatasetArn"]


def a_video() -> bytes:
    """A video for the video operations (tests/videofactory.py)."""
    import videofactory

    return videofactory.person_from_1s_to_3s()


def a_celebrity_id(w: World) -> str:
    """The id RecognizeCelebrities gives Grace Hopper, registered with the image branch's
    set_celebrities once it is merged."""
    if hasattr(rekognition_mock, "set_celebrities"):
        rekognition_mock.set_celebrities({"Grace Hopper": [HOPPER]})
    return w.client.recognize_celebrities(**IMAGE)["CelebrityFaces"][0]["Id"]


IMAGE = {"Image": {"Bytes": HOPPER}}
S3_IMAGE = {"Image": {"S3Object": {"Bucket": BUCKET, "Name": "hopper.jpg"}}}
NOT_AN_IMAGE = {"Image": {"Bytes": b"not an image at all"}}
Params = Callable[[World], dict[str, Any]]


def _video_job(start: str, **extra: Any) -> Params:
    return lambda w: {"JobId": getattr(w.client, start)(Video=VIDEO, **extra)["JobId"]}


# The valid call of each operation, and an invalid one with the modeled error it must get.
VALID: dict[str, Params] = {
    "AssociateFaces": lambda w: {"CollectionId": "ops", "UserId": "u2", "FaceIds": w.faces[1:2]},
    "CompareFaces": lambda w: {"SourceImage": {"Bytes": HOPPER}, "TargetImage": {"Bytes": HOPPER}},
    "CopyProjectVersion": lambda w: {"SourceProjectArn": w.project, "SourceProjectVersionArn": w.v2,
                                     "DestinationProjectArn": w.target, "VersionName": "copy",
                                     "OutputConfig": {"S3Bucket": BUCKET}},
    "CreateCollection": lambda w: {"CollectionId": "another"},
    "CreateDataset": lambda w: {"ProjectArn": w.target, "DatasetType": "TRAIN"},
    "CreateFaceLivenessSession": lambda w: {"Settings": {"AuditImagesLimit": 1}},
    "CreateProject": lambda w: {"ProjectName": "another"},
    "CreateProjectVersion": lambda w: {"ProjectArn": w.project, "VersionName": "v3", "OutputConfig": {"S3Bucket": BUCKET}},
    "CreateStreamProcessor": lambda w: {
        "Name": "faces", "Input": {"KinesisVideoStream": {"Arn": "arn:aws:kinesisvideo:us-east-1:123456789012:stream/s/1"}},
        "Output": {"KinesisDataStream": {"Arn": "arn:aws:kinesis:us-east-1:123456789012:stream/k"}}, "RoleArn": ROLE,
        "Settings": {"FaceSearch": {"CollectionId": "ops"}}},
    "CreateUser": lambda w: {"CollectionId": "ops", "UserId": "u3"},
    "DeleteCollection": lambda w: {"CollectionId": "ops"},
    "DeleteDataset": lambda w: {"DatasetArn": w.test},
    "DeleteFaces": lambda w: {"CollectionId": "ops", "FaceIds": w.faces[2:]},
    "DeleteProject": lambda w: {"ProjectArn": w.target},
    "DeleteProjectPolicy": lambda w: {"ProjectArn": w.project, "PolicyName": "p1"},
    "DeleteProjectVersion": lambda w: {"ProjectVersionArn": w.v2},
    "DeleteStreamProcessor": lambda w: {"Name": "sp"},
    "DeleteUser": lambda w: {"CollectionId": "ops", "UserId": "u2"},
    "DescribeCollection": lambda w: {"CollectionId": "ops"},
    "DescribeDataset": lambda w: {"DatasetArn": w.train},
    "DescribeProjectVersions": lambda w: {"ProjectArn": w.project},
    "DescribeProjects": lambda w: {},
    "DescribeStreamProcessor": lambda w: {"Name": "sp"},
    "DetectCustomLabels": lambda w: {"ProjectVersionArn": w.v1, "Image": {"Bytes": COFFEE}},
    "DetectFaces": lambda w: {**IMAGE, "Attributes": ["ALL"]},
    "DetectLabels": lambda w: S3_IMAGE,
    "DetectModerationLabels": lambda w: IMAGE,
    "DetectProtectiveEquipment": lambda w: IMAGE,
    "DetectText": lambda w: IMAGE,
    "DisassociateFaces": lambda w: {"CollectionId": "ops", "UserId": "u1", "FaceIds": w.faces[:1]},
    "DistributeDatasetEntries": lambda w: {"Datasets": [{"Arn": w.train}, {"Arn": empty_test_dataset(w)}]},
    "GetCelebrityInfo": lambda w: {"Id": a_celebrity_id(w)},
    "GetCelebrityRecognition": _video_job("start_celebrity_recognition"),
    "GetContentModeration": _video_job("start_content_moderation"),
    "GetFaceDetection": _video_job("start_face_detection"),
    "GetFaceLivenessSessionResults": lambda w: {"SessionId": w.session},
    "GetFaceSearch": _video_job("start_face_search", CollectionId="ops"),
    "GetLabelDetection": _video_job("start_label_detection"),
    "GetMediaAnalysisJob": lambda w: {"JobId": w.job},
    "GetPersonTracking": _video_job("start_person_tracking"),
    "GetSegmentDetection": _video_job("start_segment_detection", SegmentTypes=["SHOT"]),
    "GetTextDetection": _video_job("start_text_detection"),
    "IndexFaces": lambda w: {"CollectionId": "ops", **IMAGE, "ExternalImageId": "hopper"},
    "ListCollections": lambda w: {},
    "ListDatasetEntries": lambda w: {"DatasetArn": w.train, "ContainsLabels": ["cup"]},
    "ListDatasetLabels": lambda w: {"DatasetArn": w.train},
    "ListFaces": lambda w: {"CollectionId": "ops"},
    "ListMediaAnalysisJobs": lambda w: {},
    "ListProjectPolicies": lambda w: {"ProjectArn": w.project},
    "ListStreamProcessors": lambda w: {},
    "ListTagsForResource": lambda w: {"ResourceArn": w.v1},
    "ListUsers": lambda w: {"CollectionId": "ops"},
    "PutProjectPolicy": lambda w: {"ProjectArn": w.project, "PolicyName": "p2", "PolicyDocument": POLICY},
    "RecognizeCelebrities": lambda w: IMAGE,
    "SearchFaces": lambda w: {"CollectionId": "ops", "FaceId": w.faces[0]},
    "SearchFacesByImage": lambda w: {"CollectionId": "ops", **IMAGE},
    "SearchUsers": lambda w: {"CollectionId": "ops", "FaceId": w.faces[0]},
    "SearchUsersByImage": lambda w: {"CollectionId": "ops", **IMAGE},
    "StartCelebrityRecognition": lambda w: {"Video": VIDEO},
    "StartContentModeration": lambda w: {"Video": VIDEO},
    "StartFaceDetection": lambda w: {"Video": VIDEO},
    "StartFaceSearch": lambda w: {"Video": VIDEO, "CollectionId": "ops"},
    "StartLabelDetection": lambda w: {"Video": VIDEO},
    "StartMediaAnalysisJob": lambda w: {"OperationsConfig": {"DetectModerationLabels": {"MinConfidence": 50}},
                                        "Input": {"S3Object": {"Bucket": BUCKET, "Name": "media.jsonl"}},
                                        "OutputConfig": {"S3Bucket": BUCKET, "S3KeyPrefix": "out"}},
    "StartPersonTracking": lambda w: {"Video": VIDEO},
    "StartProjectVersion": lambda w: {"ProjectVersionArn": w.v2, "MinInferenceUnits": 1},
    "StartSegmentDetection": lambda w: {"Video": VIDEO, "SegmentTypes": ["SHOT", "TECHNICAL_CUE"]},
    "StartStreamProcessor": lambda w: {"Name": "sp", "StartSelector": {"KVSStreamStartSelector": {"ProducerTimestamp": 1}}},
    "StartTextDetection": lambda w: {"Video": VIDEO},
    "StopProjectVersion": lambda w: {"ProjectVersionArn": w.v1},
    "StopStreamProcessor": lambda w: {"Name": "sp-run"},
    "TagResource": lambda w: {"ResourceArn": w.processor, "Tags": {"team": "ops"}},
    "UntagResource": lambda w: {"ResourceArn": w.collection_arn, "TagKeys": ["team"]},
    "UpdateDatasetEntries": lambda w: {"DatasetArn": w.train, "Changes": {"GroundTruth": GROUND_TRUTH.encode()}},
    "UpdateStreamProcessor": lambda w: {"Name": "sp", "SettingsForUpdate": {"ConnectedHomeForUpdate": {"Labels": ["PET"]}}},
}

NO_SUCH_JOB = {"JobId": "no-such-job"}
INVALID: dict[str, Params] = {
    "AssociateFaces": lambda w: {"CollectionId": "ops", "UserId": "nobody", "FaceIds": w.faces[1:2]},
    "CompareFaces": lambda w: {"SourceImage": NOT_AN_IMAGE["Image"], "TargetImage": {"Bytes": HOPPER}},
    "CopyProjectVersion": lambda w: {**VALID["CopyProjectVersion"](w), "DestinationProjectArn": MISSING_ARN},
    "CreateCollection": lambda w: {"CollectionId": "ops"},
    "CreateDataset": lambda w: {"ProjectArn": w.project, "DatasetType": "TRAIN"},
    "CreateFaceLivenessSession": lambda w: {"Settings": {"OutputConfig": {"S3Bucket": "no-such-bucket"}}},
    "CreateProject": lambda w: {"ProjectName": "ops"},
    "CreateProjectVersion": lambda w: {"ProjectArn": w.project, "VersionName": "v1", "OutputConfig": {"S3Bucket": BUCKET}},
    "CreateStreamProcessor": lambda w: {**VALID["CreateStreamProcessor"](w), "Settings": {"FaceSearch": {"CollectionId": "none"}}},
    "CreateUser": lambda w: {"CollectionId": "none", "UserId": "u3"},
    "DeleteCollection": lambda w: {"CollectionId": "none"},
    "DeleteDataset": lambda w: {"DatasetArn": w.test.rsplit("/", 1)[0] + "/1"},
    "DeleteFaces": lambda w: {"CollectionId": "none", "FaceIds": w.faces[2:]},
    "DeleteProject": lambda w: {"ProjectArn": w.project},  # it has models
    "DeleteProjectPolicy": lambda w: {"ProjectArn": w.project, "PolicyName": "p1", "PolicyRevisionId": "abc"},
    "DeleteProjectVersion": lambda w: {"ProjectVersionArn": w.v1},  # running
    "DeleteStreamProcessor": lambda w: {"Name": "sp-run"},  # running
    "DeleteUser": lambda w: {"CollectionId": "none", "UserId": "u2"},
    "DescribeCollection": lambda w: {"CollectionId": "none"},
    "DescribeDataset": lambda w: {"DatasetArn": w.train.rsplit("/", 1)[0] + "/1"},
    "DescribeProjectVersions": lambda w: {"ProjectArn": MISSING_ARN},
    "DescribeProjects": lambda w: {"NextToken": "not-a-token"},
    "DescribeStreamProcessor": lambda w: {"Name": "none"},
    "DetectCustomLabels": lambda w: {"ProjectVersionArn": w.v2, "Image": {"Bytes": COFFEE}},  # not running
    "DetectFaces": lambda w: NOT_AN_IMAGE,
    "DetectLabels": lambda w: {"Image": {"S3Object": {"Bucket": BUCKET, "Name": "missing.jpg"}}},
    "DetectModerationLabels": lambda w: NOT_AN_IMAGE,
    "DetectProtectiveEquipment": lambda w: NOT_AN_IMAGE,
    "DetectText": lambda w: NOT_AN_IMAGE,
    "DisassociateFaces": lambda w: {"CollectionId": "ops", "UserId": "nobody", "FaceIds": w.faces[:1]},
    "DistributeDatasetEntries": lambda w: {"Datasets": [{"Arn": w.train}, {"Arn": w.train}]},
    "GetCelebrityInfo": lambda w: {"Id": "nobody"},
    "GetCelebrityRecognition": lambda w: NO_SUCH_JOB,
    "GetContentModeration": lambda w: NO_SUCH_JOB,
    "GetFaceDetection": lambda w: NO_SUCH_JOB,
    "GetFaceLivenessSessionResults": lambda w: {"SessionId": "00000000-0000-4000-8000-000000000000"},
    "GetFaceSearch": lambda w: NO_SUCH_JOB,
    "GetLabelDetection": lambda w: NO_SUCH_JOB,
    "GetMediaAnalysisJob": lambda w: NO_SUCH_JOB,
    "GetPersonTracking": lambda w: NO_SUCH_JOB,
    "GetSegmentDetection": lambda w: NO_SUCH_JOB,
    "GetTextDetection": lambda w: NO_SUCH_JOB,
    "IndexFaces": lambda w: {"CollectionId": "none", **IMAGE},
    "ListCollections": lambda w: {"NextToken": "not-a-token"},
    "ListDatasetEntries": lambda w: {"DatasetArn": w.train, "NextToken": "not-a-token"},
    "ListDatasetLabels": lambda w: {"DatasetArn": w.train.rsplit("/", 1)[0] + "/1"},
    "ListFaces": lambda w: {"CollectionId": "none"},
    "ListMediaAnalysisJobs": lambda w: {"NextToken": "not-a-token"},
    "ListProjectPolicies": lambda w: {"ProjectArn": MISSING_ARN},
    "ListStreamProcessors": lambda w: {"NextToken": "not-a-token"},
    "ListTagsForResource": lambda w: {"ResourceArn": MISSING_ARN},
    "ListUsers": lambda w: {"CollectionId": "none"},
    "PutProjectPolicy": lambda w: {"ProjectArn": w.project, "PolicyName": "p2", "PolicyDocument": "{not json"},
    "RecognizeCelebrities": lambda w: NOT_AN_IMAGE,
    "SearchFaces": lambda w: {"CollectionId": "none", "FaceId": w.faces[0]},
    "SearchFacesByImage": lambda w: {"CollectionId": "none", **IMAGE},
    "SearchUsers": lambda w: {"CollectionId": "none", "FaceId": w.faces[0]},
    "SearchUsersByImage": lambda w: {"CollectionId": "none", **IMAGE},
    "StartCelebrityRecognition": lambda w: {"Video": {"S3Object": {"Bucket": BUCKET, "Name": "missing.mp4"}}},
    "StartContentModeration": lambda w: {"Video": {"S3Object": {"Bucket": BUCKET, "Name": "missing.mp4"}}},
    "StartFaceDetection": lambda w: {"Video": {"S3Object": {"Bucket": BUCKET, "Name": "missing.mp4"}}},
    "StartFaceSearch": lambda w: {"Video": VIDEO, "CollectionId": "none"},
    "StartLabelDetection": lambda w: {"Video": {"S3Object": {"Bucket": BUCKET, "Name": "missing.mp4"}}},
    "StartMediaAnalysisJob": lambda w: {**VALID["StartMediaAnalysisJob"](w),
                                        "Input": {"S3Object": {"Bucket": BUCKET, "Name": "missing.jsonl"}}},
    "StartPersonTracking": lambda w: {"Video": {"S3Object": {"Bucket": BUCKET, "Name": "missing.mp4"}}},
    "StartProjectVersion": lambda w: {"ProjectVersionArn": w.v1, "MinInferenceUnits": 1},  # already running
    "StartSegmentDetection": lambda w: {"Video": {"S3Object": {"Bucket": BUCKET, "Name": "missing.mp4"}},
                                        "SegmentTypes": ["SHOT"]},
    "StartStreamProcessor": lambda w: {"Name": "none"},
    "StartTextDetection": lambda w: {"Video": {"S3Object": {"Bucket": BUCKET, "Name": "missing.mp4"}}},
    "StopProjectVersion": lambda w: {"ProjectVersionArn": w.v2},  # not running
    "StopStreamProcessor": lambda w: {"Name": "sp"},  # not running
    "TagResource": lambda w: {"ResourceArn": MISSING_ARN, "Tags": {"team": "ops"}},
    "UntagResource": lambda w: {"ResourceArn": MISSING_ARN, "TagKeys": ["team"]},
    "UpdateDatasetEntries": lambda w: {"DatasetArn": w.train.rsplit("/", 1)[0] + "/1", "Changes": {"GroundTruth": b"{}"}},
    "UpdateStreamProcessor": lambda w: {"Name": "none"},
}


def _ours(operation: str) -> bool:
    """True when this project's response class (not moto's canned one) answers ``operation``."""
    from rekognition_mock.service.responses import RekognitionResponse

    owner = next((c for c in RekognitionResponse.__mro__ if xform_name(operation) in c.__dict__), None)
    return owner is not None and not owner.__module__.startswith("moto")


@pytest.fixture
def world(rekognition: Any, s3: Any) -> World:
    return build_world(rekognition, s3)


def test_every_operation_has_a_valid_and_an_invalid_call() -> None:
    assert set(VALID) == set(INVALID) == set(OPERATIONS)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_valid_call_answers_the_modeled_shape(operation: str, world: World) -> None:
    assert _ours(operation), f"{operation} is not answered by this project's backend"
    response = getattr(world.client, xform_name(operation))(**VALID[operation](world))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert_output_shape(operation, response)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_an_invalid_call_answers_a_modeled_error(operation: str, world: World) -> None:
    assert _ours(operation), f"{operation} is not answered by this project's backend"
    modeled = {shape.name for shape in service_model().operation_model(operation).error_shapes}
    with pytest.raises(ClientError) as info:
        getattr(world.client, xform_name(operation))(**INVALID[operation](world))
    error = info.value.response["Error"]["Code"]
    assert error in modeled, f"{operation} answered {error}, not one of its modeled errors {sorted(modeled)}"
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_call_missing_its_required_members_is_a_validation_error(operation: str, unvalidated_rekognition: Any) -> None:
    """What AWS answers a request its model refuses (a required member missing, or a value
    out of the model's range when nothing is required)."""
    assert _ours(operation), f"{operation} is not answered by this project's backend"
    shape = service_model().operation_model(operation).input_shape
    params: dict[str, Any] = {}
    if not shape.required_members:
        numbers = [n for n, m in shape.members.items() if m.type_name == "integer" and "min" in m.metadata]
        strings = [n for n, m in shape.members.items() if m.type_name == "string" and "max" in m.metadata]
        if numbers:
            params[numbers[0]] = shape.members[numbers[0]].metadata["min"] - 1
        else:
            params[strings[0]] = "x" * (shape.members[strings[0]].metadata["max"] + 1)
    with pytest.raises(ClientError) as info:
        getattr(unvalidated_rekognition, xform_name(operation))(**params)
    assert info.value.response["Error"]["Code"] == "ValidationException"


# -- docs/operations.md ------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "operations.md"
NOT_OURS = {"not implemented", "moto (canned)"}


def _rows() -> dict[str, str]:
    rows = re.findall(r"^\| ([A-Z][A-Za-z]+) \| ([^|]+?) \|", DOCS.read_text(), re.MULTILINE)
    return {name: status for name, status in rows if name in OPERATIONS}


def test_operations_md_lists_every_operation_with_the_status_the_code_has() -> None:
    rows = _rows()
    assert set(rows) == set(OPERATIONS), set(OPERATIONS) ^ set(rows)
    assert f"({len(OPERATIONS)} of them" in DOCS.read_text()
    for operation, status in rows.items():
        assert status not in NOT_OURS, (operation, status)
        assert _ours(operation), f"operations.md says {operation} is {status!r}; moto answers it"


# -- over HTTP -----------------------------------------------------------------------------------

def test_no_modeled_operation_is_unknown_to_the_server() -> None:
    """``rekognition-mock serve`` answers every operation of the model with AWS's JSON, never UnknownOperationException: an empty request gets the
    ValidationException for its required members, or an answer."""
    from serverprocess import ServerProcess, free_port, raw_post

    server = ServerProcess("--port", str(free_port()))
    try:
        unknown = []
        for operation in OPERATIONS:
            status, _, body = raw_post(server.url, f"RekognitionService.{operation}")
            answer = json.loads(body or b"{}")
            code = answer.get("__type", "").rsplit("#", 1)[-1]
            if code == "UnknownOperationException":
                unknown.append(operation)
            else:
                assert status in (200, 400), (operation, status, answer)
                required = service_model().operation_model(operation).input_shape.required_members
                assert (code == "ValidationException") == bool(required), (operation, answer)
        assert unknown == []
    finally:
        server.close()
