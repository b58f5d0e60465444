"""Check a response against botocore's output shape for a Rekognition operation."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from typing import Any

import botocore.session
from botocore.model import ServiceModel, Shape

__all__ = ["assert_output_shape"]


@functools.cache
def _service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("rekognition")


def assert_output_shape(operation_name: str, response: Mapping[str, Any]) -> None:
    """Assert ``response`` only carries modeled members of the right types, recursively.

    ``ResponseMetadata`` (added by botocore) is ignored. Strings with an enum must be
    one of its values; integers must not be booleans; floats may be ints.
    """
    shape = _service_model().operation_model(operation_name).output_shape
    assert shape is not None, f"{operation_name} has no output shape"
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    _check(shape, body, operation_name)


def _check(shape: Shape, value: Any, path: str) -> None:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), f"{path}: expected dict ({shape.name}), got {type(value).__name__}"
        members = shape.members
        for key, item in value.items():
            assert key in members, f"{path}: {key!r} is not a member of {shape.name} ({sorted(members)})"
            _check(members[key], item, f"{path}.{key}")
    elif kind == "list":
        assert isinstance(value, list), f"{path}: expected list, got {type(value).__name__}"
        for i, item in enumerate(value):
            _check(shape.member, item, f"{path}[{i}]")
    elif kind == "map":
        assert isinstance(value, dict), f"{path}: expected dict (map), got {type(value).__name__}"
        for key, item in value.items():
            _check(shape.key, key, f"{path}<key {key!r}>")
            _check(shape.value, item, f"{path}.{key}")
    elif kind == "string":
        assert isinstance(value, str), f"{path}: expected str, got {type(value).__name__}"
        enum = shape.enum
        if enum:
            assert value in enum, f"{path}: {value!r} not in enum {enum}"
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), (
            f"{path}: expected int, got {type(value).__name__}"
        )
    elif kind in ("float", "double"):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (
            f"{path}: expected number, got {type(value).__name__}"
        )
    elif kind == "boolean":
        assert isinstance(value, bool), f"{path}: expected bool, got {type(value).__name__}"
    elif kind == "blob":
        assert isinstance(value, (bytes, bytearray)), f"{path}: expected bytes, got {type(value).__name__}"
    elif kind == "timestamp":
        assert isinstance(value, datetime.datetime), f"{path}: expected datetime, got {type(value).__name__}"
    else:  # pragma: no cover - a shape type botocore does not use for Rekognition
        raise AssertionError(f"{path}: unknown shape type {kind!r}")
