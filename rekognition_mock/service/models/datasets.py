"""Custom Labels datasets: CreateDataset (from a SageMaker Ground Truth manifest in S3, empty,
or copied from another dataset), DescribeDataset, DeleteDataset, ListDatasetEntries,
ListDatasetLabels, DistributeDatasetEntries and UpdateDatasetEntries.

A dataset is ready (CREATE_COMPLETE, UPDATE_COMPLETE) when the call that made or changed it
returns: there is nothing to copy or validate in the background. A manifest line that is not
a JSON object with a ``source-ref`` makes the dataset CREATE_FAILED (or UPDATE_FAILED) with
StatusMessageCode CLIENT_ERROR; a line whose annotations do not parse is kept as an entry
with errors (``HasErrors``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .. import clock
from ..exceptions import (
    InvalidParameterException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
    ResourceNotReadyException,
)
from .lifecycle import millis, page, read_s3
from .projects import ProjectsMixin

DEFAULT_ENTRIES_PAGE = 100  # ListDatasetEntries / ListDatasetLabels without MaxResults (the model's maximum)
TEST_SHARE = 0.2  # DistributeDatasetEntries moves about 20% of the training entries to the test dataset
READY = ("CREATE_COMPLETE", "UPDATE_COMPLETE")


@dataclass
class Entry:
    """One JSON Line of a dataset."""

    source_ref: str
    line: str
    labels: dict[str, int] = field(default_factory=dict)  # label -> bounding boxes of it (0: image-level)
    has_errors: bool = False


@dataclass
class Dataset:
    arn: str
    project_arn: str
    dataset_type: str
    created: float
    updated: float
    status: str = "CREATE_COMPLETE"
    status_message: str = "The dataset was successfully created."
    status_code: str = "SUCCESS"
    entries: dict[str, Entry] = field(default_factory=dict)  # by source-ref, in arrival order
    tags: dict[str, str] = field(default_factory=dict)


def parse_entry(line: str) -> Entry:
    """An Entry from one Ground Truth line; ValueError if it is not an object with a source-ref."""
    value = json.loads(line)
    if not isinstance(value, dict) or not isinstance(value.get("source-ref"), str) or not value["source-ref"]:
        raise ValueError("each line must be a JSON object with a source-ref")
    entry = Entry(value["source-ref"], json.dumps(value, separators=(",", ":")))
    for name, annotation in value.items():
        metadata = value.get(f"{name}-metadata")
        if name == "source-ref" or name.endswith("-metadata") or not isinstance(metadata, dict):
            continue
        kind = str(metadata.get("type", ""))
        try:
            if kind == "groundtruth/image-classification":
                label = metadata["class-name"]
                entry.labels.setdefault(str(label), 0)
            elif kind == "groundtruth/image-classification-multilabel":
                for class_id in annotation:
                    entry.labels.setdefault(str(metadata["class-map"][str(class_id)]), 0)
            elif kind == "groundtruth/object-detection":
                for box in annotation["annotations"]:
                    label = str(metadata["class-map"][str(box["class_id"])])
                    entry.labels[label] = entry.labels.get(label, 0) + 1
            else:
                entry.has_errors = True
        except (KeyError, TypeError, AttributeError):
            entry.has_errors = True
    return entry


def parse_manifest(text: bytes) -> list[Entry]:
    """The entries of a JSON Lines manifest; ValueError naming the first bad line."""
    entries = []
    for number, line in enumerate(text.decode("utf-8", "replace").splitlines(), 1):
        if line.strip():
            try:
                entries.append(parse_entry(line))
            except ValueError as exc:
                raise ValueError(f"line {number} of the manifest is not valid: {exc}") from None
    return entries


class DatasetsMixin(ProjectsMixin):
    """The training and test datasets of Custom Labels projects."""

    def _dataset(self, arn: str) -> Dataset:
        project = self.projects.get(self._project_key(arn))
        found = project.datasets.get(arn.split("/")[-2]) if project else None
        if found is None or found.arn != arn:
            raise ResourceNotFoundException(f"The dataset {arn} does not exist")
        return found

    def _ready_dataset(self, arn: str) -> Dataset:
        dataset = self._dataset(arn)
        if dataset.status not in READY:
            raise ResourceNotReadyException(f"The dataset {arn} is {dataset.status}")
        return dataset

    def create_dataset(self, project_arn: str, dataset_type: str, source: dict[str, Any] | None,
                       tags: dict[str, str] | None) -> Dataset:
        with self._lock:
            project = self._project(project_arn)
            if project.feature != "CUSTOM_LABELS":
                raise InvalidParameterException("Datasets belong to CUSTOM_LABELS projects")
            if dataset_type.lower() in project.datasets:
                raise ResourceAlreadyExistsException(f"The project already has a {dataset_type} dataset")
            if source and ("GroundTruthManifest" in source) == ("DatasetArn" in source):
                raise InvalidParameterException("DatasetSource takes one of GroundTruthManifest and DatasetArn")
            now = clock.now()
            arn = f"{project.arn.rsplit('/', 1)[0]}/dataset/{dataset_type.lower()}/{millis()}"
            dataset = Dataset(arn, project.arn, dataset_type, now, now, tags=dict(tags or {}))
            if source and "DatasetArn" in source:
                original = self._ready_dataset(source["DatasetArn"])
                dataset.entries = {ref: Entry(e.source_ref, e.line, dict(e.labels), e.has_errors)
                                   for ref, e in original.entries.items()}
            elif source:
                s3_object = source["GroundTruthManifest"].get("S3Object") or {}
                text = read_s3(self.account_id, self.region_name, self.partition, s3_object.get("Bucket", ""),
                               s3_object.get("Name", ""), s3_object.get("Version"))
                self._load_entries(dataset, text, "CREATE")
            project.datasets[dataset_type.lower()] = dataset
            return dataset

    def _load_entries(self, dataset: Dataset, text: bytes, stage: str) -> None:
        try:
            entries = parse_manifest(text)
        except ValueError as exc:
            dataset.status, dataset.status_message, dataset.status_code = f"{stage}_FAILED", str(exc), "CLIENT_ERROR"
            return
        for entry in entries:
            dataset.entries.pop(entry.source_ref, None)
            dataset.entries[entry.source_ref] = entry
        dataset.status = f"{stage}_COMPLETE"
        dataset.status_message = f"The dataset was successfully {'created' if stage == 'CREATE' else 'updated'}."
        dataset.status_code = "SUCCESS"
        dataset.updated = clock.now()

    def describe_dataset(self, arn: str) -> Dataset:
        return self._dataset(arn)

    def delete_dataset(self, arn: str) -> None:
        with self._lock:
            dataset = self._dataset(arn)
            project = self._project(dataset.project_arn)
            for version in project.versions.values():
                version.refresh(counted=False)  # a training the clock has ended is over
            if any(v.status == "TRAINING_IN_PROGRESS" for v in project.versions.values()):
                raise ResourceInUseException(f"A model of the project is training on the dataset {arn}")
            del project.datasets[dataset.dataset_type.lower()]

    def list_dataset_entries(self, arn: str, contains_labels: list[str] | None, labeled: bool | None,
                             source_ref_contains: str | None, has_errors: bool | None, next_token: str | None,
                             max_results: int | None) -> tuple[list[str], str | None]:
        dataset = self._ready_dataset(arn)
        entries = list(dataset.entries.values())
        if contains_labels:
            entries = [e for e in entries if set(contains_labels) & set(e.labels)]
        if labeled is not None:
            entries = [e for e in entries if bool(e.labels) == labeled]
        if source_ref_contains:
            entries = [e for e in entries if source_ref_contains in e.source_ref]
        if has_errors is not None:
            entries = [e for e in entries if e.has_errors == has_errors]
        numbered = list(enumerate(entries))
        chosen, token = page(numbered, lambda pair: pair[0], "dataset-entries", arn, next_token, max_results,
                             DEFAULT_ENTRIES_PAGE)
        return [e.line for _, e in chosen], token

    def dataset_labels(self, dataset: Dataset) -> dict[str, tuple[int, int]]:
        """Each label of the dataset: (entries with it, its bounding boxes)."""
        found: dict[str, tuple[int, int]] = {}
        for entry in dataset.entries.values():
            for label, boxes in entry.labels.items():
                count, total = found.get(label, (0, 0))
                found[label] = (count + 1, total + boxes)
        return found

    def list_dataset_labels(self, arn: str, next_token: str | None,
                            max_results: int | None) -> tuple[list[tuple[str, int, int]], str | None]:
        dataset = self._ready_dataset(arn)
        labels = sorted((name, count, boxes) for name, (count, boxes) in self.dataset_labels(dataset).items())
        return page(labels, lambda row: row[0], "dataset-labels", arn, next_token, max_results, DEFAULT_ENTRIES_PAGE)

    def distribute_dataset_entries(self, arns: list[str]) -> None:
        with self._lock:
            datasets = [self._dataset(arn) for arn in arns]
            types = sorted(d.dataset_type for d in datasets)
            if types != ["TEST", "TRAIN"] or datasets[0].project_arn != datasets[1].project_arn:
                raise InvalidParameterException("Datasets must be the training and the test dataset of one project")
            for dataset in datasets:
                if dataset.status not in READY:
                    raise ResourceNotReadyException(f"The dataset {dataset.arn} is {dataset.status}")
            train, test = sorted(datasets, key=lambda d: d.dataset_type, reverse=True)
            if test.entries:
                raise InvalidParameterException("The test dataset must be empty")
            if len(train.entries) < 2:
                raise InvalidParameterException("The training dataset needs at least 2 entries to distribute")
            refs = list(train.entries)
            moved = refs[::round(1 / TEST_SHARE)][: max(1, round(len(refs) * TEST_SHARE))]
            for ref in moved:
                test.entries[ref] = train.entries.pop(ref)
            now = clock.now()
            for dataset in datasets:
                dataset.status, dataset.status_message, dataset.updated = "UPDATE_COMPLETE", "The dataset was successfully updated.", now

    def update_dataset_entries(self, arn: str, ground_truth: bytes) -> None:
        with self._lock:
            dataset = self._dataset(arn)
            if dataset.status not in READY and not dataset.status.endswith("_FAILED"):
                raise ResourceInUseException(f"The dataset {arn} is {dataset.status}")
            self._load_entries(dataset, ground_truth, "UPDATE")
