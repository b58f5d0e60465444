"""Scripted labels: what DetectLabels and DetectModerationLabels find in an image."""

from __future__ import annotations

from typing import Any

from .. import recorder
from .registry import Family, http_control, image_key, image_target, json_image, row


def _listed(key: tuple, labels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"image": list(key), "labels": labels}]


def _shown(kind: str) -> Any:
    def rows(key: tuple, labels: list[dict[str, Any]]) -> list[dict[str, Any]]:
        names = ", ".join(f"{label['Name']} ({label['Confidence']:g})" for label in labels)
        return [row(kind, image_target(key), names)]

    return rows


LABELS = Family("labels", _listed, _shown("labels"))
MODERATION = Family("moderation_labels", _listed, _shown("moderation labels"))


def set_labels(image: Any, labels: list[Any], moderation: bool = False) -> None:
    """Script the labels DetectLabels (or DetectModerationLabels) finds in ``image``."""
    from ..labels import normalise_labels

    key = image_key(image)
    (MODERATION if moderation else LABELS).put(key, normalise_labels(labels, moderation))


def scripted(keys: list[tuple], moderation: bool = False) -> list[dict[str, Any]] | None:
    """The labels scripted for the first of ``keys`` that has some, else None."""
    found = (MODERATION if moderation else LABELS).first(keys)
    if found is not None:
        kind = recorder.SCRIPTED_MODERATION_LABELS if moderation else recorder.SCRIPTED_LABELS
        recorder.note(kind, [label["Name"] for label in found])
    return found


@http_control("labels")
def _labels_over_http(body: dict[str, Any]) -> None:
    set_labels(json_image(body.get("image")), body.get("labels"))


@http_control("moderation-labels")
def _moderation_labels_over_http(body: dict[str, Any]) -> None:
    set_labels(json_image(body.get("image")), body.get("labels"), moderation=True)
