"""Custom Labels models (project versions): CreateProjectVersion, DescribeProjectVersions,
StartProjectVersion, StopProjectVersion, DeleteProjectVersion, CopyProjectVersion and
DetectCustomLabels, with AWS's states moved by the mock's clock (service/clock.py).

Nothing is trained: training checks what AWS would refuse (no training or test data, no
labeled image, an output bucket that does not exist) and ends TRAINING_FAILED with a
StatusMessage for it, otherwise TRAINING_COMPLETED. DetectCustomLabels answers the labels a
test scripted for the model and the image (``rekognition_mock.set_custom_labels``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...vision import ImageDecodeError, read_size
from .. import clock, images
from ..controls import lifecycle as lifecycle_controls
from ..exceptions import (
    AccessDeniedException,
    InvalidImageFormatException,
    InvalidParameterException,
    ResourceInUseException,
    ResourceNotFoundException,
    ResourceNotReadyException,
)
from .datasets import DatasetsMixin, parse_manifest
from .lifecycle import arn_account_region, bucket_exists, millis, page, read_s3
from .projects import DEFAULT_PROJECTS_PAGE

TRAINED = ("TRAINING_COMPLETED", "COPYING_COMPLETED", "STARTING", "RUNNING", "STOPPING", "STOPPED")
BUSY = ("TRAINING_IN_PROGRESS", "COPYING_IN_PROGRESS", "STARTING", "RUNNING", "STOPPING")
F1_SCORE = 1.0  # EvaluationResult.F1Score of a completed training: the mock evaluates nothing


@dataclass
class ProjectVersion:
    arn: str
    project_arn: str
    name: str
    feature: str
    created: float
    output_config: dict[str, Any]
    status: str
    status_message: str
    timer: clock.Timer | None = None
    then: tuple[str, str] = ("", "")  # the status (and message) the timer leads to
    training_data: dict[str, Any] | None = None
    testing_data: dict[str, Any] | None = None
    kms_key_id: str | None = None
    description: str | None = None
    feature_config: dict[str, Any] | None = None
    min_units: int | None = None
    max_units: int | None = None
    source_arn: str | None = None
    training_end: float | None = None
    billable_seconds: int | None = None
    tags: dict[str, str] = field(default_factory=dict)

    def move(self, status: str, message: str, kind: str | None = None, then: tuple[str, str] = ("", "")) -> None:
        self.status, self.status_message = status, message
        self.timer = clock.Timer.start(kind) if kind else None
        self.then = then

    def refresh(self, counted: bool = True, last: bool = False) -> None:
        """Follow the clock: an in-progress state that has ended becomes the next one."""
        if self.timer is not None and self.timer.look(counted, last):
            ended, was = self.timer.ended, self.status
            self.status, self.status_message = self.then
            self.timer = None
            if was == "TRAINING_IN_PROGRESS":
                self.training_end = ended
                self.billable_seconds = int(clock.DURATIONS["training"])


class ProjectVersionsMixin(DatasetsMixin):
    """Project versions (models and adapters) and DetectCustomLabels."""

    def _version(self, arn: str) -> ProjectVersion:
        project = self.projects.get(self._project_key(arn))
        version = project.versions.get(arn.split("/version/")[-1].split("/")[0]) if project and "/version/" in arn else None
        if version is None or version.arn != arn:
            raise ResourceNotFoundException(f"The project version {arn} does not exist")
        return version

    def create_project_version(self, project_arn: str, name: str, output_config: dict[str, Any],
                               training_data: dict[str, Any] | None, testing_data: dict[str, Any] | None,
                               tags: dict[str, str] | None, kms_key_id: str | None, description: str | None,
                               feature_config: dict[str, Any] | None) -> ProjectVersion:
        with self._lock:
            project = self._project(project_arn)
            if name in project.versions:
                raise ResourceInUseException(f"The project version {name} already exists")
            if training_data and project.datasets:
                raise InvalidParameterException("The project has datasets: train without TrainingData and TestingData")
            if project.feature == "CUSTOM_LABELS" and bool(training_data) != bool(testing_data):
                raise InvalidParameterException("TrainingData and TestingData go together")
            arn = f"{project.arn.rsplit('/', 1)[0]}/version/{name}/{millis()}"
            version = ProjectVersion(arn, project.arn, name, project.feature, clock.now(), dict(output_config), "", "",
                                     training_data=training_data, testing_data=testing_data, kms_key_id=kms_key_id,
                                     description=description, feature_config=feature_config, tags=dict(tags or {}))
            problem = self._training_problem(project, version)
            then = ("TRAINING_FAILED", problem) if problem else ("TRAINING_COMPLETED", "The model is ready to run.")
            version.move("TRAINING_IN_PROGRESS", "The model is being trained.", "training", then)
            project.versions[name] = version
            return version

    def _training_problem(self, project: Any, version: ProjectVersion) -> str | None:
        """Why AWS's training would fail, or None."""
        bucket = version.output_config.get("S3Bucket", "")
        if not bucket_exists(self.account_id, self.region_name, self.partition, bucket):
            return f"The output S3 bucket {bucket} does not exist."
        if version.training_data:
            training = self._manifest_entries(version.training_data.get("Assets", []))
            if isinstance(training, str):
                return training
            if not any(entry.labels for entry in training):
                return "The training data has no labeled entries."
            testing = version.testing_data or {}
            tests = self._manifest_entries(testing.get("Assets", []))
            if isinstance(tests, str):
                return tests
            if not tests and not testing.get("AutoCreate") and project.feature == "CUSTOM_LABELS":
                return "The testing data has no entries and AutoCreate is not set."  # adapters need none
            return None
        if project.feature != "CUSTOM_LABELS":
            return "The adapter has no training data (TrainingData)."
        for kind in ("train", "test"):
            dataset = project.datasets.get(kind)
            if dataset is None:
                return f"The project has no {'training' if kind == 'train' else 'test'} dataset."
            if not any(entry.labels for entry in dataset.entries.values()):
                return f"The {'training' if kind == 'train' else 'test'} dataset has no labeled entries."
        return None

    def _manifest_entries(self, assets: list[dict[str, Any]]) -> list[Any] | str:
        """The entries of the manifests of ``assets``, or why training cannot use them."""
        entries: list[Any] = []
        for asset in assets:
            s3_object = asset.get("GroundTruthManifest", {}).get("S3Object", {})
            where = f"s3://{s3_object.get('Bucket')}/{s3_object.get('Name')}"
            try:
                text = read_s3(self.account_id, self.region_name, self.partition, s3_object.get("Bucket", ""),
                               s3_object.get("Name", ""), s3_object.get("Version"))
                entries += parse_manifest(text)
            except ValueError as exc:
                return f"The manifest {where} is not valid: {exc}"
            except Exception:
                return f"The manifest {where} cannot be read."
        return entries

    def describe_project_versions(self, project_arn: str, names: list[str] | None, next_token: str | None,
                                  max_results: int | None, waiter: bool = False) -> tuple[list[ProjectVersion], str | None]:
        """The versions, newest first; a ``waiter``'s poll ends their in-progress states
        (service/clock.py)."""
        project = self._project(project_arn)
        if project.arn != project_arn:
            raise ResourceNotFoundException(f"The project {project_arn} does not exist")
        versions = sorted(project.versions.values(), key=lambda v: v.created, reverse=True)  # newest first
        if names:
            versions = [v for v in versions if v.name in set(names)]
        chosen, token = page(versions, lambda v: -int(v.arn.rsplit("/", 1)[1]), "project-versions", project_arn,
                             next_token, max_results, DEFAULT_PROJECTS_PAGE)
        with self._lock:
            for version in chosen:
                version.refresh(last=waiter)
        return chosen, token

    def start_project_version(self, arn: str, min_units: int, max_units: int | None) -> str:
        if max_units is not None and max_units < min_units:
            raise InvalidParameterException("MaxInferenceUnits must be at least MinInferenceUnits")
        with self._lock:
            version = self._version(arn)
            version.refresh(counted=False)
            if version.status not in ("TRAINING_COMPLETED", "STOPPED", "COPYING_COMPLETED"):
                raise ResourceInUseException(f"The project version is {version.status}; it cannot start")
            version.min_units, version.max_units = min_units, max_units
            version.move("STARTING", "The model is being started.", "starting", ("RUNNING", "The model is running."))
            return version.status

    def stop_project_version(self, arn: str) -> str:
        with self._lock:
            version = self._version(arn)
            version.refresh(counted=False)
            if version.status not in ("STARTING", "RUNNING"):
                raise ResourceInUseException(f"The project version is {version.status}; it is not running")
            version.move("STOPPING", "The model is being stopped.", "stopping", ("STOPPED", "The model is stopped."))
            return version.status

    def delete_project_version(self, arn: str) -> str:
        with self._lock:
            version = self._version(arn)
            version.refresh(counted=False)
            if version.status in BUSY:
                raise ResourceInUseException(f"The project version is {version.status}; stop it before deleting it")
            del self._project(arn).versions[version.name]
            return "DELETING"

    def copy_project_version(self, source_project_arn: str, source_arn: str, destination_project_arn: str,
                             name: str, output_config: dict[str, Any], tags: dict[str, str] | None,
                             kms_key_id: str | None) -> ProjectVersion:
        source_backend = self._backend_of(source_arn)
        with source_backend._lock:
            source_project = source_backend._project(source_project_arn)
            source = source_backend._version(source_arn)
            if source.project_arn != source_project.arn:
                raise InvalidParameterException("SourceProjectVersionArn is not a version of SourceProjectArn")
            if source_backend is not self and not any(self.account_id in p.document for p in source_project.policies.values()):
                raise AccessDeniedException(f"No project policy of {source_project_arn} lets account {self.account_id} copy it")
            source.refresh(counted=False)
            if source.status not in TRAINED:
                raise ResourceInUseException(f"The source project version is {source.status}")
        with self._lock:
            project = self._project(destination_project_arn)
            if name in project.versions:
                raise ResourceInUseException(f"The project version {name} already exists")
            arn = f"{project.arn.rsplit('/', 1)[0]}/version/{name}/{millis()}"
            version = ProjectVersion(arn, project.arn, name, source.feature, clock.now(), dict(output_config), "", "",
                                     training_data=source.training_data, testing_data=source.testing_data,
                                     kms_key_id=kms_key_id, description=source.description,
                                     feature_config=source.feature_config, source_arn=source.arn, tags=dict(tags or {}),
                                     training_end=source.training_end, billable_seconds=source.billable_seconds)
            version.move("COPYING_IN_PROGRESS", "The model is being copied.", "copying",
                         ("COPYING_COMPLETED", "The model is copied."))
            project.versions[name] = version
            return version

    def _backend_of(self, arn: str) -> ProjectVersionsMixin:
        account, region = arn_account_region(arn)
        if (account, region) == (self.account_id, self.region_name):
            return self
        from . import rekognition_backends  # the backend of another account (a copy across accounts)

        return rekognition_backends[account][region]

    def check_adapter(self, arn: str) -> None:
        """DetectModerationLabels' ``ProjectVersion``: a trained Custom Moderation adapter.
        Its answers are the scripted moderation labels, as without an adapter."""
        with self._lock:
            version = self._version(arn)
            version.refresh(counted=False)
            if version.feature != "CONTENT_MODERATION":
                raise InvalidParameterException("ProjectVersion must be a Custom Moderation adapter")
            if version.status not in ("TRAINING_COMPLETED", "COPYING_COMPLETED"):
                raise ResourceNotReadyException(f"The adapter is {version.status}")

    def detect_custom_labels(self, arn: str, image: Any, max_results: int | None,  # type: ignore[override]
                             min_confidence: float | None) -> list[dict[str, Any]]:
        with self._lock:
            version = self._version(arn)
            version.refresh(counted=False)
            if version.feature != "CUSTOM_LABELS":
                raise InvalidParameterException("DetectCustomLabels takes a Custom Labels model, not an adapter")
            if version.status != "RUNNING":
                raise ResourceNotReadyException(f"The project version is {version.status}, not RUNNING")
        data = images.image_bytes(image, self.account_id, self.region_name, self.partition)
        try:
            images.check_dimensions(*read_size(data))
        except ImageDecodeError:
            raise InvalidImageFormatException() from None
        labels = lifecycle_controls.custom_labels(arn, data)
        if not labels and version.source_arn:
            labels = lifecycle_controls.custom_labels(version.source_arn, data)
        if min_confidence is not None:
            labels = [label for label in labels if label["Confidence"] >= min_confidence]
        labels.sort(key=lambda label: label["Confidence"], reverse=True)
        return labels if max_results is None else labels[:max_results]
