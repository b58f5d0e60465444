"""The wire format of the Custom Labels family (projects, datasets, project versions,
project policies, DetectCustomLabels): a mixin of the response class in responses.py."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

from .models.datasets import Dataset
from .models.project_versions import F1_SCORE, ProjectVersion
from .models.projects import Project, ProjectPolicy


_FEATURES = re.compile(r"(?:^|\s)m/([A-Za-z0-9+,-]+)")


def from_waiter(headers: Any) -> bool:
    """True for a botocore waiter's poll: its User-Agent lists the WAITER feature id (``B``)
    in its ``m/`` metadata."""
    agent = headers.get("User-Agent", "") if headers is not None else ""
    if isinstance(agent, bytes):
        agent = agent.decode("latin-1")
    match = _FEATURES.search(agent)
    return bool(match) and "B" in match.group(1).split(",")


def _with_token(body: dict[str, Any], token: str | None) -> str:
    if token:
        body["NextToken"] = token
    return json.dumps(body)


def dataset_metadata(dataset: Dataset) -> dict[str, Any]:
    return {"CreationTimestamp": dataset.created, "DatasetType": dataset.dataset_type, "DatasetArn": dataset.arn,
            "Status": dataset.status, "StatusMessage": dataset.status_message,
            "StatusMessageCode": dataset.status_code}


def project_description(project: Project) -> dict[str, Any]:
    body = {"ProjectArn": project.arn, "CreationTimestamp": project.created, "Status": project.status,
            "Datasets": [dataset_metadata(d) for d in project.datasets.values()], "Feature": project.feature}
    if project.auto_update:
        body["AutoUpdate"] = project.auto_update
    return body


def dataset_description(dataset: Dataset, labels: int) -> dict[str, Any]:
    entries = list(dataset.entries.values())
    return {
        "CreationTimestamp": dataset.created, "LastUpdatedTimestamp": dataset.updated, "Status": dataset.status,
        "StatusMessage": dataset.status_message, "StatusMessageCode": dataset.status_code,
        "DatasetStats": {"LabeledEntries": sum(1 for e in entries if e.labels), "TotalEntries": len(entries),
                         "TotalLabels": labels, "ErrorEntries": sum(1 for e in entries if e.has_errors)},
    }


def version_description(version: ProjectVersion) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ProjectVersionArn": version.arn, "CreationTimestamp": version.created, "Status": version.status,
        "StatusMessage": version.status_message, "OutputConfig": version.output_config, "Feature": version.feature,
    }
    optional = {"MinInferenceUnits": version.min_units, "MaxInferenceUnits": version.max_units,
                "KmsKeyId": version.kms_key_id, "VersionDescription": version.description,
                "SourceProjectVersionArn": version.source_arn, "FeatureConfig": version.feature_config,
                "TrainingEndTimestamp": version.training_end, "BillableTrainingTimeInSeconds": version.billable_seconds}
    body.update({k: v for k, v in optional.items() if v is not None})
    if version.training_data:
        body["TrainingDataResult"] = {"Input": version.training_data, "Output": version.training_data}
    if version.testing_data:
        body["TestingDataResult"] = {"Input": version.testing_data, "Output": version.testing_data}
    if version.status in ("TRAINING_COMPLETED", "STARTING", "RUNNING", "STOPPING", "STOPPED", "COPYING_COMPLETED") \
            and version.feature == "CUSTOM_LABELS":
        body["EvaluationResult"] = {"F1Score": F1_SCORE}
    return body


def project_policy(project_arn: str, policy: ProjectPolicy) -> dict[str, Any]:
    return {"ProjectArn": project_arn, "PolicyName": policy.name, "PolicyRevisionId": policy.revision_id,
            "PolicyDocument": policy.document, "CreationTimestamp": policy.created,
            "LastUpdatedTimestamp": policy.updated}


class CustomLabelsResponses:
    """Handlers of the Custom Labels operations (``_request`` and ``rekognition_backend``
    come from the response class)."""

    _request: Any
    rekognition_backend: Any

    def create_project(self) -> str:
        p = self._request()
        project = self.rekognition_backend.create_project(p["ProjectName"], p.get("Feature"), p.get("AutoUpdate"),
                                                          p.get("Tags"))
        return json.dumps({"ProjectArn": project.arn})

    def describe_projects(self) -> str:
        p = self._request()
        projects, token = self.rekognition_backend.describe_projects(
            p.get("ProjectNames"), p.get("Features"), p.get("NextToken"), p.get("MaxResults"))
        return _with_token({"ProjectDescriptions": [project_description(x) for x in projects]}, token)

    def delete_project(self) -> str:
        p = self._request()
        return json.dumps({"Status": self.rekognition_backend.delete_project(p["ProjectArn"])})

    def create_dataset(self) -> str:
        p = self._request()
        dataset = self.rekognition_backend.create_dataset(p["ProjectArn"], p["DatasetType"], p.get("DatasetSource"),
                                                          p.get("Tags"))
        return json.dumps({"DatasetArn": dataset.arn})

    def describe_dataset(self) -> str:
        p = self._request()
        backend = self.rekognition_backend
        dataset = backend.describe_dataset(p["DatasetArn"])
        return json.dumps({"DatasetDescription": dataset_description(dataset, len(backend.dataset_labels(dataset)))})

    def delete_dataset(self) -> str:
        p = self._request()
        self.rekognition_backend.delete_dataset(p["DatasetArn"])
        return "{}"

    def list_dataset_entries(self) -> str:
        p = self._request()
        entries, token = self.rekognition_backend.list_dataset_entries(
            p["DatasetArn"], p.get("ContainsLabels"), p.get("Labeled"), p.get("SourceRefContains"), p.get("HasErrors"),
            p.get("NextToken"), p.get("MaxResults"))
        return _with_token({"DatasetEntries": entries}, token)

    def list_dataset_labels(self) -> str:
        p = self._request()
        labels, token = self.rekognition_backend.list_dataset_labels(p["DatasetArn"], p.get("NextToken"),
                                                                     p.get("MaxResults"))
        return _with_token({"DatasetLabelDescriptions": [
            {"LabelName": name, "LabelStats": {"EntryCount": count, "BoundingBoxCount": boxes}}
            for name, count, boxes in labels]}, token)

    def distribute_dataset_entries(self) -> str:
        p = self._request()
        self.rekognition_backend.distribute_dataset_entries([d["Arn"] for d in p["Datasets"]])
        return "{}"

    def update_dataset_entries(self) -> str:
        p = self._request()
        blob = p["Changes"]["GroundTruth"]
        self.rekognition_backend.update_dataset_entries(p["DatasetArn"], base64.b64decode(blob))
        return "{}"

    def create_project_version(self) -> str:
        p = self._request()
        version = self.rekognition_backend.create_project_version(
            p["ProjectArn"], p["VersionName"], p["OutputConfig"], p.get("TrainingData"), p.get("TestingData"),
            p.get("Tags"), p.get("KmsKeyId"), p.get("VersionDescription"), p.get("FeatureConfig"))
        return json.dumps({"ProjectVersionArn": version.arn})

    def describe_project_versions(self) -> str:
        p = self._request()
        versions, token = self.rekognition_backend.describe_project_versions(
            p["ProjectArn"], p.get("VersionNames"), p.get("NextToken"), p.get("MaxResults"), from_waiter(self.headers))
        return _with_token({"ProjectVersionDescriptions": [version_description(v) for v in versions]}, token)

    def start_project_version(self) -> str:
        p = self._request()
        return json.dumps({"Status": self.rekognition_backend.start_project_version(
            p["ProjectVersionArn"], p["MinInferenceUnits"], p.get("MaxInferenceUnits"))})

    def stop_project_version(self) -> str:
        p = self._request()
        return json.dumps({"Status": self.rekognition_backend.stop_project_version(p["ProjectVersionArn"])})

    def delete_project_version(self) -> str:
        p = self._request()
        return json.dumps({"Status": self.rekognition_backend.delete_project_version(p["ProjectVersionArn"])})

    def copy_project_version(self) -> str:
        p = self._request()
        version = self.rekognition_backend.copy_project_version(
            p["SourceProjectArn"], p["SourceProjectVersionArn"], p["DestinationProjectArn"], p["VersionName"],
            p["OutputConfig"], p.get("Tags"), p.get("KmsKeyId"))
        return json.dumps({"ProjectVersionArn": version.arn})

    def put_project_policy(self) -> str:
        p = self._request()
        revision = self.rekognition_backend.put_project_policy(p["ProjectArn"], p["PolicyName"],
                                                               p.get("PolicyRevisionId"), p["PolicyDocument"])
        return json.dumps({"PolicyRevisionId": revision})

    def list_project_policies(self) -> str:
        p = self._request()
        policies, token = self.rekognition_backend.list_project_policies(p["ProjectArn"], p.get("NextToken"),
                                                                         p.get("MaxResults"))
        return _with_token({"ProjectPolicies": [project_policy(p["ProjectArn"], x) for x in policies]}, token)

    def delete_project_policy(self) -> str:
        p = self._request()
        self.rekognition_backend.delete_project_policy(p["ProjectArn"], p["PolicyName"], p.get("PolicyRevisionId"))
        return "{}"

    def detect_custom_labels(self) -> str:
        p = self._request()
        labels = self.rekognition_backend.detect_custom_labels(p["ProjectVersionArn"], p["Image"], p.get("MaxResults"),
                                                               p.get("MinConfidence"))
        return json.dumps({"CustomLabels": labels})
