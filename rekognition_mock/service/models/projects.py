"""Custom Labels projects and their policies: CreateProject, DescribeProjects, DeleteProject,
PutProjectPolicy, ListProjectPolicies, DeleteProjectPolicy (and tags on projects, datasets
and project versions)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from .. import clock
from ..exceptions import (
    InvalidParameterException,
    InvalidPolicyRevisionIdException,
    LimitExceededException,
    MalformedPolicyDocumentException,
    ResourceAlreadyExistsException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from .lifecycle import TaggedMixin, millis, page

DEFAULT_PROJECTS_PAGE = 100  # DescribeProjects / DescribeProjectVersions without MaxResults (the model's maximum)
MAX_PROJECT_POLICIES = 5  # project policies a project holds (AWS's quota; ListProjectPolicies pages up to 5)


@dataclass
class ProjectPolicy:
    name: str
    revision_id: str
    document: str
    created: float
    updated: float


@dataclass
class Project:
    arn: str
    name: str
    feature: str
    auto_update: str | None
    created: float
    datasets: dict[str, Any] = field(default_factory=dict)  # "train" / "test" -> datasets.Dataset
    versions: dict[str, Any] = field(default_factory=dict)  # version name -> project_versions.ProjectVersion
    policies: dict[str, ProjectPolicy] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    status: str = "CREATED"


class ProjectsMixin(TaggedMixin):
    """Custom Labels (and Custom Moderation adapter) projects of one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.projects: dict[str, Project] = {}  # by name

    @staticmethod
    def _project_key(arn: str) -> str:
        parts = arn.split(":", 5)
        return parts[5].split("/")[1] if len(parts) == 6 and parts[5].startswith("project/") else ""

    def _project(self, arn: str) -> Project:
        """The project of a project ARN, or of a dataset's or version's (which name the project
        without its creation number)."""
        project = self.projects.get(self._project_key(arn))
        nested = "/version/" in arn or "/dataset/" in arn
        if project is None or (project.arn != arn and not nested):
            raise ResourceNotFoundException(f"The project {arn} does not exist")
        return project

    def _tagged(self, arn: str) -> Any:
        if ":project/" not in arn:
            return super()._tagged(arn)
        project = self._project(arn)
        if "/version/" in arn:
            return self._version(arn)  # type: ignore[attr-defined]
        if "/dataset/" in arn:
            return self._dataset(arn)  # type: ignore[attr-defined]
        if project.arn != arn:
            raise ResourceNotFoundException(f"The resource {arn} does not exist")
        return project

    def create_project(self, name: str, feature: str | None, auto_update: str | None,
                       tags: dict[str, str] | None) -> Project:
        feature = feature or "CUSTOM_LABELS"
        if auto_update is not None and feature != "CONTENT_MODERATION":
            raise InvalidParameterException("AutoUpdate applies only to CONTENT_MODERATION projects")
        with self._lock:
            if name in self.projects:
                raise ResourceInUseException(f"The project {name} already exists")
            arn = f"arn:{self.partition}:rekognition:{self.region_name}:{self.account_id}:project/{name}/{millis()}"
            if feature == "CONTENT_MODERATION":
                auto_update = auto_update or "DISABLED"
            project = Project(arn, name, feature, auto_update, clock.now(), tags=dict(tags or {}))
            self.projects[name] = project
            return project

    def describe_projects(self, names: list[str] | None, features: list[str] | None, next_token: str | None,
                          max_results: int | None) -> tuple[list[Project], str | None]:
        projects = sorted(self.projects.values(), key=lambda p: p.created)
        if names:
            projects = [p for p in projects if p.name in set(names)]
        wanted = set(features or ["CUSTOM_LABELS"])  # AWS: CUSTOM_LABELS unless Features says otherwise
        projects = [p for p in projects if p.feature in wanted]
        return page(projects, lambda p: p.arn.rsplit("/", 1)[1], "projects", f"{self.account_id}/{self.region_name}",
                    next_token, max_results, DEFAULT_PROJECTS_PAGE)

    def delete_project(self, arn: str) -> str:
        with self._lock:
            project = self._project(arn)
            if project.versions:
                raise ResourceInUseException(f"The project {arn} has models; delete them first (DeleteProjectVersion)")
            del self.projects[project.name]
            return "DELETING"

    # -- project policies ------------------------------------------------------------------

    def put_project_policy(self, arn: str, name: str, revision_id: str | None, document: str) -> str:
        try:
            policy_json = json.loads(document)
        except ValueError:
            policy_json = None
        if not isinstance(policy_json, dict) or not policy_json.get("Statement"):
            raise MalformedPolicyDocumentException()
        with self._lock:
            project = self._project(arn)
            existing = project.policies.get(name)
            if existing is None and revision_id:
                raise InvalidPolicyRevisionIdException(f"The project policy {name} does not exist")
            if existing is not None and not revision_id:
                raise ResourceAlreadyExistsException(f"The project policy {name} already exists; give its PolicyRevisionId to update it")
            if existing is not None and existing.revision_id != revision_id:
                raise InvalidPolicyRevisionIdException()
            if existing is None and len(project.policies) >= MAX_PROJECT_POLICIES:
                raise LimitExceededException(f"A project holds at most {MAX_PROJECT_POLICIES} project policies")
            now = clock.now()
            policy = ProjectPolicy(name, uuid.uuid4().hex, document, existing.created if existing else now, now)
            project.policies[name] = policy
            return policy.revision_id

    def list_project_policies(self, arn: str, next_token: str | None,
                              max_results: int | None) -> tuple[list[ProjectPolicy], str | None]:
        project = self._project(arn)
        policies = sorted(project.policies.values(), key=lambda p: p.name)
        return page(policies, lambda p: p.name, "project-policies", arn, next_token, max_results, MAX_PROJECT_POLICIES)

    def delete_project_policy(self, arn: str, name: str, revision_id: str | None) -> None:
        with self._lock:
            project = self._project(arn)
            policy = project.policies.get(name)
            if policy is None:
                raise ResourceNotFoundException(f"The project policy {name} does not exist")
            if revision_id and revision_id != policy.revision_id:
                raise InvalidPolicyRevisionIdException()
            del project.policies[name]
