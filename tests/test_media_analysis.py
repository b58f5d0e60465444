"""StartMediaAnalysisJob / GetMediaAnalysisJob / ListMediaAnalysisJobs: a manifest in S3,
DetectModerationLabels (scripted) per image, results and summary written in AWS's format."""

from __future__ import annotations

import json
from typing import Any

import imagefactory
import rekognition_mock
from helpers import expect
from shapecheck import assert_output_shape

COFFEE = imagefactory.fixture_bytes("coffee.jpg")
HOPPER = imagefactory.fixture_bytes("grace_hopper.jpg")


def start(rekognition: Any, **extra: Any) -> str:
    return rekognition.start_media_analysis_job(
        JobName="nightly", OperationsConfig={"DetectModerationLabels": {"MinConfidence": 60}},
        Input={"S3Object": {"Bucket": "media", "Name": "manifest.jsonl"}},
        OutputConfig={"S3Bucket": "media", "S3KeyPrefix": "out"}, **extra)["JobId"]


def test_a_job_runs_moderation_on_each_image_and_writes_aws_files(rekognition: Any, s3: Any) -> None:
    s3.create_bucket(Bucket="media")
    s3.put_object(Bucket="media", Key="a.jpg", Body=COFFEE)
    s3.put_object(Bucket="media", Key="b.jpg", Body=HOPPER)
    lines = ['{"source-ref": "s3://media/a.jpg"}', '{"source-ref": "s3://media/b.jpg"}', "not json",
             '{"source-ref": "s3://media/missing.jpg"}']
    s3.put_object(Bucket="media", Key="manifest.jsonl", Body="\n".join(lines).encode())
    rekognition_mock.set_moderation_labels(COFFEE, [{"Name": "Alcohol", "Confidence": 90}, {"Name": "Smoking", "Confidence": 40}])
    job = start(rekognition, ClientRequestToken="run-1")
    assert start(rekognition, ClientRequestToken="run-1") == job  # idempotent
    expect(rekognition, "IdempotentParameterMismatchException", lambda: rekognition.start_media_analysis_job(
        ClientRequestToken="run-1", OperationsConfig={"DetectModerationLabels": {}},
        Input={"S3Object": {"Bucket": "media", "Name": "manifest.jsonl"}}, OutputConfig={"S3Bucket": "media"}))
    first = rekognition.get_media_analysis_job(JobId=job)
    assert_output_shape("GetMediaAnalysisJob", first)
    assert first["Status"] == "IN_PROGRESS" and "Results" not in first
    done = rekognition.get_media_analysis_job(JobId=job)
    assert_output_shape("GetMediaAnalysisJob", done)
    assert done["Status"] == "SUCCEEDED" and done["CompletionTimestamp"] >= done["CreationTimestamp"]
    assert done["Results"] == {"S3Object": {"Bucket": "media", "Name": f"out/{job}/results.jsonl"},
                               "ModelVersions": {"Moderation": "7.0"}}
    assert done["ManifestSummary"]["S3Object"]["Name"] == f"out/{job}/manifest-summary.json"
    results = [json.loads(x) for x in s3.get_object(Bucket="media", Key=f"out/{job}/results.jsonl")["Body"].read().splitlines()]
    assert [r["source-ref"] for r in results] == ["s3://media/a.jpg", "s3://media/b.jpg"]
    assert [x["Name"] for x in results[0]["detect-moderation-labels"]["ModerationLabels"]] == ["Alcohol"]  # MinConfidence 60
    assert results[1]["detect-moderation-labels"]["ModerationLabels"] == []
    summary = json.loads(s3.get_object(Bucket="media", Key=f"out/{job}/manifest-summary.json")["Body"].read())
    assert summary["version"] == "1.0"
    assert summary["statistics"] == {"total-json-lines": 4, "valid-json-lines": 2, "invalid-json-lines": 2}
    assert [(e["line-number"], e["code"]) for e in summary["errors"]] == [(3, "INVALID_JSON_LINE"), (4, "InvalidS3ObjectException")]


def test_failures_and_listing(rekognition: Any, s3: Any) -> None:
    expect(rekognition, "InvalidS3ObjectException", lambda: start(rekognition))
    for partial in ({"Bucket": "media"}, {"Name": "manifest.jsonl"}, {}):  # S3Object's members are optional in the model
        expect(rekognition, "InvalidS3ObjectException", lambda: rekognition.start_media_analysis_job(
            OperationsConfig={"DetectModerationLabels": {}}, Input={"S3Object": partial}, OutputConfig={"S3Bucket": "media"}))
    s3.create_bucket(Bucket="media")
    s3.put_object(Bucket="media", Key="manifest.jsonl", Body=b"\n")
    expect(rekognition, "InvalidManifestException", lambda: start(rekognition))
    s3.put_object(Bucket="media", Key="manifest.jsonl", Body=b'{"source-ref": "s3://media/a.jpg"}')
    jobs = [start(rekognition) for _ in range(3)]
    failing = rekognition.start_media_analysis_job(
        OperationsConfig={"DetectModerationLabels": {}}, Input={"S3Object": {"Bucket": "media", "Name": "manifest.jsonl"}},
        OutputConfig={"S3Bucket": "gone"})["JobId"]
    rekognition_mock.advance_clock(60)  # every job's simulated duration
    failed = rekognition.get_media_analysis_job(JobId=failing)
    assert failed["Status"] == "FAILED" and failed["FailureDetails"]["Code"] == "INVALID_OUTPUT_CONFIG"
    pages = list(rekognition.get_paginator("list_media_analysis_jobs").paginate(PaginationConfig={"PageSize": 3})) \
        if rekognition.can_paginate("list_media_analysis_jobs") else None
    listed: list[dict[str, Any]] = []
    token = None
    while True:
        page = rekognition.list_media_analysis_jobs(MaxResults=3, **({"NextToken": token} if token else {}))
        assert_output_shape("ListMediaAnalysisJobs", page)
        listed += page["MediaAnalysisJobs"]
        token = page.get("NextToken")
        if not token:
            break
    assert pages is None or [j["JobId"] for p in pages for j in p["MediaAnalysisJobs"]] == [j["JobId"] for j in listed]
    assert [j["JobId"] for j in listed] == jobs + [failing]
    assert [j["Status"] for j in listed] == ["SUCCEEDED"] * 3 + ["FAILED"]
    expect(rekognition, "ResourceNotFoundException", lambda: rekognition.get_media_analysis_job(JobId="nope"))
    expect(rekognition, "InvalidPaginationTokenException", lambda: rekognition.list_media_analysis_jobs(NextToken="x"))
