"""Custom Labels: projects, datasets, project versions on the mock's clock, project policies,
tags and DetectCustomLabels, through boto3 in-process."""

from __future__ import annotations

import json
from typing import Any

import pytest

import imagefactory
import rekognition_mock
from helpers import expect
from shapecheck import assert_output_shape
from rekognition_mock.service import clock

COFFEE = imagefactory.fixture_bytes("coffee.jpg")
HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")
BUCKET = "training"


def manifest_line(ref: str, label: str | None = None, boxes: list[str] | None = None) -> dict[str, Any]:
    line: dict[str, Any] = {"source-ref": f"s3://{BUCKET}/{ref}"}
    if label:
        line["class"] = 1
        line["class-metadata"] = {"class-name": label, "confidence": 1, "type": "groundtruth/image-classification",
                                  "human-annotated": "yes", "creation-date": "2024-01-01T00:00:00", "job-name": "j"}
    if boxes:
        names = sorted(set(boxes))
        line["bounding-box"] = {"image_size": [{"width": 640, "height": 480, "depth": 3}], "annotations": [
            {"class_id": names.index(b), "top": 10, "left": 10, "width": 50, "height": 50} for b in boxes]}
        line["bounding-box-metadata"] = {"objects": [{"confidence": 1}] * len(boxes),
                                         "class-map": {str(i): n for i, n in enumerate(names)},
                                         "type": "groundtruth/object-detection", "human-annotated": "yes"}
    return line


def put_manifest(s3: Any, key: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    s3.put_object(Bucket=BUCKET, Key=key, Body="\n".join(json.dumps(x) for x in lines).encode())
    return {"GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": key}}}


@pytest.fixture
def project(rekognition: Any, s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    return rekognition.create_project(ProjectName="cups")["ProjectArn"]


def trained(rekognition: Any, s3: Any, project: str, name: str = "v1") -> str:
    train = [manifest_line(f"img{i}.jpg", "cup" if i % 2 else "mug") for i in range(10)]
    rekognition.create_dataset(ProjectArn=project, DatasetType="TRAIN", DatasetSource=put_manifest(s3, "train.jsonl", train))
    rekognition.create_dataset(ProjectArn=project, DatasetType="TEST", DatasetSource=put_manifest(s3, "test.jsonl", train[:2]))
    arn = rekognition.create_project_version(ProjectArn=project, VersionName=name,
                                             OutputConfig={"S3Bucket": BUCKET, "S3KeyPrefix": "out/"})["ProjectVersionArn"]
    rekognition.get_waiter("project_version_training_completed").wait(
        ProjectArn=project, VersionNames=[name], WaiterConfig={"Delay": 0, "MaxAttempts": 3})
    return arn


def test_projects_are_created_described_paged_and_deleted(rekognition: Any) -> None:
    arns = [rekognition.create_project(ProjectName=f"p{i}", Tags={"team": "a"})["ProjectArn"] for i in range(3)]
    assert arns[0].startswith("arn:aws:rekognition:us-east-1:123456789012:project/p0/")
    assert int(arns[0].rsplit("/", 1)[1]) > 1_600_000_000_000  # milliseconds, as AWS's
    adapter = rekognition.create_project(ProjectName="mod", Feature="CONTENT_MODERATION", AutoUpdate="ENABLED")
    pages = list(rekognition.get_paginator("describe_projects").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(p["ProjectDescriptions"]) for p in pages] == [2, 1]  # CUSTOM_LABELS unless Features says otherwise
    for p in pages:
        assert_output_shape("DescribeProjects", p)
    described = [d for p in pages for d in p["ProjectDescriptions"]]
    assert [d["ProjectArn"] for d in described] == arns and {d["Status"] for d in described} == {"CREATED"}
    [mod] = rekognition.describe_projects(Features=["CONTENT_MODERATION"])["ProjectDescriptions"]
    assert mod["ProjectArn"] == adapter["ProjectArn"] and mod["AutoUpdate"] == "ENABLED"
    assert rekognition.describe_projects(ProjectNames=["p1"])["ProjectDescriptions"][0]["ProjectArn"] == arns[1]
    assert rekognition.list_tags_for_resource(ResourceArn=arns[0])["Tags"] == {"team": "a"}
    expect(rekognition, "ResourceInUseException", lambda: rekognition.create_project(ProjectName="p0"))
    expect(rekognition, "InvalidParameterException",
           lambda: rekognition.create_project(ProjectName="x", Feature="CUSTOM_LABELS", AutoUpdate="ENABLED"))
    assert rekognition.delete_project(ProjectArn=arns[0])["Status"] == "DELETING"
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.delete_project(ProjectArn=arns[0]))
    expect(rekognition, "InvalidPaginationTokenException", lambda: rekognition.describe_projects(NextToken="bad"))


def test_datasets_from_a_manifest_list_filter_and_page(rekognition: Any, s3: Any, project: str) -> None:
    lines = [manifest_line("a/1.jpg", "cup"), manifest_line("a/2.jpg", boxes=["cup", "cup", "saucer"]),
             manifest_line("b/3.jpg"), {"source-ref": f"s3://{BUCKET}/b/4.jpg", "x": 1,
                                        "x-metadata": {"type": "groundtruth/unknown"}}]
    arn = rekognition.create_dataset(ProjectArn=project, DatasetType="TRAIN",
                                     DatasetSource=put_manifest(s3, "m.jsonl", lines))["DatasetArn"]
    assert arn.startswith(project.rsplit("/", 1)[0] + "/dataset/train/")
    described = rekognition.describe_dataset(DatasetArn=arn)
    assert_output_shape("DescribeDataset", described)
    description = described["DatasetDescription"]
    assert description["Status"] == "CREATE_COMPLETE" and description["StatusMessageCode"] == "SUCCESS"
    assert description["DatasetStats"] == {"LabeledEntries": 2, "TotalEntries": 4, "TotalLabels": 2, "ErrorEntries": 1}
    [metadata] = rekognition.describe_projects(ProjectNames=["cups"])["ProjectDescriptions"][0]["Datasets"]
    assert metadata["DatasetArn"] == arn and metadata["DatasetType"] == "TRAIN"

    refs = lambda **kw: [json.loads(e)["source-ref"].rsplit("/", 2)[-2] + "/" + json.loads(e)["source-ref"].rsplit("/", 1)[1]  # noqa: E731
                         for e in rekognition.list_dataset_entries(DatasetArn=arn, **kw)["DatasetEntries"]]
    assert refs(ContainsLabels=["saucer"]) == ["a/2.jpg"]
    assert refs(Labeled=False) == ["b/3.jpg", "b/4.jpg"]
    assert refs(SourceRefContains="b/") == ["b/3.jpg", "b/4.jpg"]
    assert refs(HasErrors=True) == ["b/4.jpg"]
    pages = list(rekognition.get_paginator("list_dataset_entries").paginate(DatasetArn=arn, PaginationConfig={"PageSize": 3}))
    assert [len(p["DatasetEntries"]) for p in pages] == [3, 1]
    labels = rekognition.list_dataset_labels(DatasetArn=arn)
    assert_output_shape("ListDatasetLabels", labels)
    assert labels["DatasetLabelDescriptions"] == [
        {"LabelName": "cup", "LabelStats": {"EntryCount": 2, "BoundingBoxCount": 2}},
        {"LabelName": "saucer", "LabelStats": {"EntryCount": 1, "BoundingBoxCount": 1}}]

    change = json.dumps(manifest_line("b/3.jpg", "mug")).encode()
    rekognition.update_dataset_entries(DatasetArn=arn, Changes={"GroundTruth": change})
    assert rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]["Status"] == "UPDATE_COMPLETE"
    assert refs(ContainsLabels=["mug"]) == ["b/3.jpg"]

    copy = rekognition.create_dataset(ProjectArn=project, DatasetType="TEST", DatasetSource={"DatasetArn": arn})["DatasetArn"]
    assert rekognition.describe_dataset(DatasetArn=copy)["DatasetDescription"]["DatasetStats"]["TotalEntries"] == 4
    expect(rekognition, "ResourceAlreadyExistsException",
           lambda: rekognition.create_dataset(ProjectArn=project, DatasetType="TRAIN"))
    expect(rekognition, "InvalidParameterException",  # the test dataset must be empty
           lambda: rekognition.distribute_dataset_entries(Datasets=[{"Arn": arn}, {"Arn": copy}]))
    rekognition.delete_dataset(DatasetArn=copy)
    empty = rekognition.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    rekognition.distribute_dataset_entries(Datasets=[{"Arn": arn}, {"Arn": empty}])
    totals = [rekognition.describe_dataset(DatasetArn=a)["DatasetDescription"]["DatasetStats"]["TotalEntries"]
              for a in (arn, empty)]
    assert totals == [3, 1]
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.describe_dataset(DatasetArn=copy))


def test_a_manifest_that_is_not_json_lines_fails_the_dataset(rekognition: Any, s3: Any, project: str) -> None:
    s3.put_object(Bucket=BUCKET, Key="bad.jsonl", Body=b'{"source-ref": "s3://b/1.jpg"}\nnot json\n')
    source = {"GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": "bad.jsonl"}}}
    arn = rekognition.create_dataset(ProjectArn=project, DatasetType="TRAIN", DatasetSource=source)["DatasetArn"]
    description = rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]
    assert description["Status"] == "CREATE_FAILED" and description["StatusMessageCode"] == "CLIENT_ERROR"
    assert "line 2" in description["StatusMessage"]
    expect(rekognition, "ResourceNotReadyException", lambda: rekognition.list_dataset_entries(DatasetArn=arn))
    missing = {"GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": "nothing.jsonl"}}}
    expect(rekognition, "InvalidS3ObjectException",
           lambda: rekognition.create_dataset(ProjectArn=project, DatasetType="TEST", DatasetSource=missing))


def test_training_completes_for_the_waiter_and_the_model_runs(rekognition: Any, s3: Any, project: str) -> None:
    arn = trained(rekognition, s3, project)
    [version] = rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"]
    assert version["Status"] == "TRAINING_COMPLETED" and version["EvaluationResult"]["F1Score"] == pytest.approx(1.0)
    assert version["BillableTrainingTimeInSeconds"] == clock.DURATIONS["training"]
    assert rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)["Status"] == "STARTING"
    expect(rekognition, "ResourceNotReadyException", lambda: rekognition.detect_custom_labels(
        ProjectVersionArn=arn, Image={"Bytes": COFFEE}))
    rekognition.get_waiter("project_version_running").wait(ProjectArn=project, VersionNames=["v1"],
                                                            WaiterConfig={"Delay": 0, "MaxAttempts": 3})
    rekognition_mock.set_custom_labels(arn, COFFEE, ["cup", {"Name": "saucer", "Confidence": 70.5,
                                                             "Geometry": {"BoundingBox": {"Width": 0.5, "Height": 0.4, "Left": 0.1, "Top": 0.2}}}])
    answer = rekognition.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": COFFEE})
    assert_output_shape("DetectCustomLabels", answer)
    assert [(x["Name"], x["Confidence"]) for x in answer["CustomLabels"]] == [("cup", pytest.approx(99.0)),
                                                                             ("saucer", pytest.approx(70.5))]
    assert answer["CustomLabels"][1]["Geometry"]["BoundingBox"]["Width"] == pytest.approx(0.5)
    assert [x["Name"] for x in rekognition.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": COFFEE},
                                                                MinConfidence=80)["CustomLabels"]] == ["cup"]
    assert len(rekognition.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": COFFEE}, MaxResults=1)["CustomLabels"]) == 1
    assert rekognition.detect_custom_labels(ProjectVersionArn=arn, Image={"Bytes": HOPPER})["CustomLabels"] == []
    expect(rekognition, "ResourceInUseException", lambda: rekognition.delete_project_version(ProjectVersionArn=arn))
    assert rekognition.stop_project_version(ProjectVersionArn=arn)["Status"] == "STOPPING"
    statuses = [rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"][0]["Status"]
                for _ in range(2)]
    assert statuses == ["STOPPING", "STOPPED"]
    expect(rekognition, "ResourceInUseException", lambda: rekognition.delete_project(ProjectArn=project))
    assert rekognition.delete_project_version(ProjectVersionArn=arn)["Status"] == "DELETING"
    rekognition.delete_project(ProjectArn=project)


def test_a_manual_clock_holds_training_until_it_is_advanced(rekognition: Any, s3: Any, project: str) -> None:
    rekognition_mock.manual_clock()
    rekognition.create_dataset(ProjectArn=project, DatasetType="TRAIN",
                               DatasetSource=put_manifest(s3, "t.jsonl", [manifest_line("1.jpg", "cup")]))
    rekognition.create_dataset(ProjectArn=project, DatasetType="TEST",
                               DatasetSource=put_manifest(s3, "u.jsonl", [manifest_line("2.jpg", "cup")]))
    created = clock.now()
    rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig={"S3Bucket": BUCKET})
    status = lambda: rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"][0]  # noqa: E731
    assert [status()["Status"] for _ in range(3)] == ["TRAINING_IN_PROGRESS"] * 3
    rekognition_mock.advance_clock(clock.DURATIONS["training"] - 5)
    assert status()["Status"] == "TRAINING_IN_PROGRESS"
    rekognition_mock.advance_clock(10)
    done = status()
    assert done["Status"] == "TRAINING_COMPLETED"
    assert done["TrainingEndTimestamp"].timestamp() == pytest.approx(created + clock.DURATIONS["training"], abs=2)


def test_training_fails_as_aws_does_without_labeled_data(rekognition: Any, s3: Any, project: str) -> None:
    rekognition.create_dataset(ProjectArn=project, DatasetType="TRAIN",
                               DatasetSource=put_manifest(s3, "t.jsonl", [manifest_line("1.jpg")]))
    rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig={"S3Bucket": BUCKET})
    from botocore.exceptions import WaiterError

    with pytest.raises(WaiterError, match="TRAINING_FAILED"):
        rekognition.get_waiter("project_version_training_completed").wait(
            ProjectArn=project, WaiterConfig={"Delay": 0, "MaxAttempts": 3})
    [version] = rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"]
    assert version["StatusMessage"] == "The training dataset has no labeled entries."
    other = rekognition.create_project(ProjectName="empty")["ProjectArn"]
    rekognition.create_project_version(ProjectArn=other, VersionName="v1", OutputConfig={"S3Bucket": "no-such-bucket"})
    pages = [rekognition.describe_project_versions(ProjectArn=other)["ProjectVersionDescriptions"][0] for _ in range(2)]
    assert [p["Status"] for p in pages] == ["TRAINING_IN_PROGRESS", "TRAINING_FAILED"]
    assert "no-such-bucket" in pages[1]["StatusMessage"]
    expect(rekognition, "ResourceInUseException", lambda: rekognition.create_project_version(
        ProjectArn=other, VersionName="v1", OutputConfig={"S3Bucket": BUCKET}))
    expect(rekognition, "ResourceInUseException", lambda: rekognition.start_project_version(
        ProjectVersionArn=pages[1]["ProjectVersionArn"], MinInferenceUnits=1))


def test_versions_page_newest_first_and_copy(rekognition: Any, s3: Any, project: str) -> None:
    first = trained(rekognition, s3, project, "v1")
    rekognition.create_project_version(ProjectArn=project, VersionName="v2", OutputConfig={"S3Bucket": BUCKET})
    pages = list(rekognition.get_paginator("describe_project_versions").paginate(
        ProjectArn=project, PaginationConfig={"PageSize": 1}))
    assert [p["ProjectVersionDescriptions"][0]["ProjectVersionArn"].split("/")[3] for p in pages] == ["v2", "v1"]
    for p in pages:
        assert_output_shape("DescribeProjectVersions", p)
    target = rekognition.create_project(ProjectName="copies")["ProjectArn"]
    copy = rekognition.copy_project_version(SourceProjectArn=project, SourceProjectVersionArn=first,
                                            DestinationProjectArn=target, VersionName="c1",
                                            OutputConfig={"S3Bucket": BUCKET})["ProjectVersionArn"]
    described = [rekognition.describe_project_versions(ProjectArn=target)["ProjectVersionDescriptions"][0] for _ in range(2)]
    assert [d["Status"] for d in described] == ["COPYING_IN_PROGRESS", "COPYING_COMPLETED"]
    assert described[1]["SourceProjectVersionArn"] == first
    rekognition_mock.set_custom_labels(first, COFFEE, ["cup"])
    rekognition.start_project_version(ProjectVersionArn=copy, MinInferenceUnits=2, MaxInferenceUnits=3)
    rekognition.get_waiter("project_version_running").wait(ProjectArn=target, WaiterConfig={"Delay": 0, "MaxAttempts": 3})
    assert rekognition.detect_custom_labels(ProjectVersionArn=copy, Image={"Bytes": COFFEE})["CustomLabels"][0]["Name"] == "cup"
    [running] = rekognition.describe_project_versions(ProjectArn=target)["ProjectVersionDescriptions"]
    assert (running["MinInferenceUnits"], running["MaxInferenceUnits"]) == (2, 3)
    expect(rekognition, "InvalidParameterException", lambda: rekognition.start_project_version(
        ProjectVersionArn=first, MinInferenceUnits=3, MaxInferenceUnits=2))
    rekognition.tag_resource(ResourceArn=copy, Tags={"stage": "prod"})
    rekognition.untag_resource(ResourceArn=first, TagKeys=["nothing"])
    assert rekognition.list_tags_for_resource(ResourceArn=copy)["Tags"] == {"stage": "prod"}
    expect(rekognition, "ResourceNotFoundException",
           lambda: rekognition.list_tags_for_resource(ResourceArn=copy.replace("/c1/", "/c9/")))


def test_project_policies_follow_revision_ids(rekognition: Any, project: str) -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                                                   "Action": "rekognition:CopyProjectVersion", "Resource": "*"}]})
    revision = rekognition.put_project_policy(ProjectArn=project, PolicyName="copy", PolicyDocument=document)["PolicyRevisionId"]
    assert int(revision, 16) >= 0
    expect(rekognition, "ResourceAlreadyExistsException", lambda: rekognition.put_project_policy(
        ProjectArn=project, PolicyName="copy", PolicyDocument=document))
    expect(rekognition, "InvalidPolicyRevisionIdException", lambda: rekognition.put_project_policy(
        ProjectArn=project, PolicyName="copy", PolicyDocument=document, PolicyRevisionId="abc123"))
    expect(rekognition, "MalformedPolicyDocumentException", lambda: rekognition.put_project_policy(
        ProjectArn=project, PolicyName="other", PolicyDocument="{not json"))
    second = rekognition.put_project_policy(ProjectArn=project, PolicyName="copy", PolicyDocument=document,
                                            PolicyRevisionId=revision)["PolicyRevisionId"]
    assert second != revision
    for i in range(4):
        rekognition.put_project_policy(ProjectArn=project, PolicyName=f"p{i}", PolicyDocument=document)
    expect(rekognition, "LimitExceededException", lambda: rekognition.put_project_policy(
        ProjectArn=project, PolicyName="p9", PolicyDocument=document))
    pages = list(rekognition.get_paginator("list_project_policies").paginate(ProjectArn=project, PaginationConfig={"PageSize": 2}))
    assert [len(p["ProjectPolicies"]) for p in pages] == [2, 2, 1]
    assert_output_shape("ListProjectPolicies", pages[0])
    expect(rekognition, "InvalidPolicyRevisionIdException", lambda: rekognition.delete_project_policy(
        ProjectArn=project, PolicyName="copy", PolicyRevisionId=revision))
    rekognition.delete_project_policy(ProjectArn=project, PolicyName="copy", PolicyRevisionId=second)
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.delete_project_policy(
        ProjectArn=project, PolicyName="copy"))


def test_set_custom_labels_refuses_bad_input() -> None:
    arn = "arn:aws:rekognition:us-east-1:123456789012:project/p/version/v/1"
    with pytest.raises(ValueError, match="project version"):
        rekognition_mock.set_custom_labels("arn:aws:rekognition:us-east-1:1:collection/x", COFFEE, ["cup"])
    with pytest.raises(ValueError, match="CustomLabel"):
        rekognition_mock.set_custom_labels(arn, COFFEE, [{"Name": "cup", "Confidence": "high"}])
    with pytest.raises(TypeError):
        rekognition_mock.set_custom_labels(arn, "not bytes", ["cup"])


def test_training_from_manifests_without_datasets(rekognition: Any, s3: Any, project: str) -> None:
    labeled = put_manifest(s3, "labeled.jsonl", [manifest_line("1.jpg", "cup"), manifest_line("2.jpg", "mug")])
    unlabeled = put_manifest(s3, "unlabeled.jsonl", [manifest_line("3.jpg")])
    runs = {"good": ({"Assets": [labeled]}, {"AutoCreate": True}),
            "unlabeled": ({"Assets": [unlabeled]}, {"AutoCreate": True}),
            "no-tests": ({"Assets": [labeled]}, {"Assets": []}),
            "missing": ({"Assets": [{"GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Name": "none.jsonl"}}}]},
                        {"AutoCreate": True})}
    for name, (training, testing) in runs.items():
        rekognition.create_project_version(ProjectArn=project, VersionName=name, OutputConfig={"S3Bucket": BUCKET},
                                           TrainingData=training, TestingData=testing)
    rekognition_mock.advance_clock(clock.DURATIONS["training"])
    described = {d["ProjectVersionArn"].split("/")[3]: d
                 for d in rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"]}
    assert described["good"]["Status"] == "TRAINING_COMPLETED"
    assert described["good"]["TrainingDataResult"]["Input"] == {"Assets": [labeled]}
    assert described["unlabeled"]["StatusMessage"] == "The training data has no labeled entries."
    assert described["no-tests"]["StatusMessage"] == "The testing data has no entries and AutoCreate is not set."
    assert described["missing"]["StatusMessage"] == f"The manifest s3://{BUCKET}/none.jsonl cannot be read."
    expect(rekognition, "InvalidParameterException", lambda: rekognition.create_project_version(
        ProjectArn=project, VersionName="half", OutputConfig={"S3Bucket": BUCKET}, TrainingData={"Assets": [labeled]}))
    rekognition.create_dataset(ProjectArn=project, DatasetType="TRAIN")
    expect(rekognition, "InvalidParameterException", lambda: rekognition.create_project_version(
        ProjectArn=project, VersionName="both", OutputConfig={"S3Bucket": BUCKET}, TrainingData={"Assets": [labeled]},
        TestingData={"AutoCreate": True}))


def test_botocore_waiters_finish_on_their_first_poll_without_a_delay(rekognition: Any, s3: Any, project: str) -> None:
    """A waiter's poll (User-Agent m/B) is the look that ends an in-progress state, so the
    default WaiterConfig (120 s and 30 s between polls) never sleeps; a plain Describe still
    sees the state first."""
    import time

    train = [manifest_line(f"img{i}.jpg", "cup") for i in range(2)]
    for kind in ("TRAIN", "TEST"):
        rekognition.create_dataset(ProjectArn=project, DatasetType=kind, DatasetSource=put_manifest(s3, "t.jsonl", train))
    arn = rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig={"S3Bucket": BUCKET})["ProjectVersionArn"]
    assert rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"][0]["Status"] == "TRAINING_IN_PROGRESS"
    started = time.monotonic()
    rekognition.get_waiter("project_version_training_completed").wait(ProjectArn=project)
    rekognition.start_project_version(ProjectVersionArn=arn, MinInferenceUnits=1)
    rekognition.get_waiter("project_version_running").wait(ProjectArn=project)
    assert time.monotonic() - started < 10  # no 120 s or 30 s sleep
    rekognition_mock.manual_clock()  # a manual clock is not moved by waiters
    rekognition.stop_project_version(ProjectVersionArn=arn)
    from botocore.exceptions import WaiterError

    with pytest.raises(WaiterError):
        rekognition.get_waiter("project_version_training_completed").wait(
            ProjectArn=project, WaiterConfig={"Delay": 0, "MaxAttempts": 2})
    assert rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"][0]["Status"] == "STOPPING"


def test_from_waiter_reads_the_user_agent_feature_ids() -> None:
    from rekognition_mock.service.custom_labels_responses import from_waiter

    assert from_waiter({"User-Agent": "Boto3/1.44.8 lang/python#3.11.7 m/B,Z,b,e,E cfg/retry-mode#standard"})
    assert from_waiter({"User-Agent": b"Botocore/1.44 m/B"})
    assert not from_waiter({"User-Agent": "Boto3/1.44.8 m/e,Z,b,E cfg/retry-mode#standard"})
    assert not from_waiter({"User-Agent": "aws-sdk-js/3 md/B"}) and not from_waiter({}) and not from_waiter(None)


def test_a_copy_across_accounts_needs_a_project_policy(rekognition: Any, s3: Any, project: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The trusting account (123456789012) trains; the trusted one (111122223333) copies once
    a project policy of the source project names it."""
    source = trained(rekognition, s3, project)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    s3.create_bucket(Bucket="copies-111122223333")
    target = rekognition.create_project(ProjectName="imported")["ProjectArn"]
    assert ":111122223333:" in target
    copy = dict(SourceProjectArn=project, SourceProjectVersionArn=source, DestinationProjectArn=target,
                VersionName="imported-v1", OutputConfig={"S3Bucket": "copies-111122223333"})
    expect(rekognition, "AccessDeniedException", lambda: rekognition.copy_project_version(**copy))
    monkeypatch.delenv("MOTO_ACCOUNT_ID")
    document = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "rekognition:CopyProjectVersion", "Resource": source}]})
    rekognition.put_project_policy(ProjectArn=project, PolicyName="share", PolicyDocument=document)
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "111122223333")
    arn = rekognition.copy_project_version(**copy)["ProjectVersionArn"]
    assert arn.startswith("arn:aws:rekognition:us-east-1:111122223333:project/imported/version/imported-v1/")
    [described] = rekognition.describe_project_versions(ProjectArn=target)["ProjectVersionDescriptions"]
    assert described["SourceProjectVersionArn"] == source and described["Status"] == "COPYING_IN_PROGRESS"


def test_a_dataset_cannot_be_deleted_while_a_model_trains_on_it(rekognition: Any, s3: Any, project: str) -> None:
    rekognition_mock.manual_clock()
    train = rekognition.create_dataset(ProjectArn=project, DatasetType="TRAIN",
                                       DatasetSource=put_manifest(s3, "t.jsonl", [manifest_line("1.jpg", "cup")]))["DatasetArn"]
    rekognition.create_project_version(ProjectArn=project, VersionName="v1", OutputConfig={"S3Bucket": BUCKET})
    expect(rekognition, "ResourceInUseException", lambda: rekognition.delete_dataset(DatasetArn=train))
    rekognition_mock.advance_clock(clock.DURATIONS["training"])  # the training ends (TRAINING_FAILED: no test dataset)
    rekognition.delete_dataset(DatasetArn=train)
    assert rekognition.describe_projects(ProjectNames=["cups"])["ProjectDescriptions"][0]["Datasets"] == []


def test_a_moderation_adapter_serves_detect_moderation_labels_once_trained(rekognition: Any, s3: Any) -> None:
    s3.create_bucket(Bucket=BUCKET)
    project = rekognition.create_project(ProjectName="mod", Feature="CONTENT_MODERATION", AutoUpdate="DISABLED")["ProjectArn"]
    labeled = put_manifest(s3, "mod.jsonl", [manifest_line("1.jpg", "Weapons")])
    adapter = rekognition.create_project_version(
        ProjectArn=project, VersionName="a1", OutputConfig={"S3Bucket": BUCKET}, TrainingData={"Assets": [labeled]},
        FeatureConfig={"ContentModeration": {"ConfidenceThreshold": 70.0}})["ProjectVersionArn"]
    expect(rekognition, "ResourceNotReadyException",
           lambda: rekognition.detect_moderation_labels(Image={"Bytes": COFFEE}, ProjectVersion=adapter))
    rekognition_mock.advance_clock(clock.DURATIONS["training"])
    [described] = rekognition.describe_project_versions(ProjectArn=project)["ProjectVersionDescriptions"]
    assert described["Status"] == "TRAINING_COMPLETED" and described["Feature"] == "CONTENT_MODERATION"
    assert described["FeatureConfig"] == {"ContentModeration": {"ConfidenceThreshold": 70.0}}
    rekognition_mock.set_moderation_labels(COFFEE, ["Weapons"])
    answer = rekognition.detect_moderation_labels(Image={"Bytes": COFFEE}, ProjectVersion=adapter)
    assert_output_shape("DetectModerationLabels", answer)
    assert answer["ProjectVersion"] == adapter
    assert sorted(x["Name"] for x in answer["ModerationLabels"]) == ["Violence", "Weapons"]  # with its parent
    expect(rekognition, "InvalidParameterException",  # an adapter is not a Custom Labels model
           lambda: rekognition.detect_custom_labels(ProjectVersionArn=adapter, Image={"Bytes": COFFEE}))
