"""service/exceptions.py: one class per AWS error, named like it, with AWS's status."""

from __future__ import annotations

import inspect
import json

from rekognition_mock.service import exceptions
from rekognition_mock.service.validation import service_model


def error_classes() -> list[type[exceptions.RekognitionError]]:
    return [
        cls
        for _, cls in inspect.getmembers(exceptions, inspect.isclass)
        if issubclass(cls, exceptions.RekognitionError) and cls is not exceptions.RekognitionError
    ]


def test_each_class_is_the_aws_error_of_its_name() -> None:
    modeled = {shape.name: shape for shape in service_model().error_shapes}
    for cls in error_classes():
        assert cls.error_type == cls.__name__
        assert exceptions.error_class(cls.__name__) is cls
        shape = modeled.get(cls.__name__)
        if shape is None:  # protocol-level and common errors of AWS JSON services, not in the model
            assert cls.code == {"ValidationException": 400, "SerializationException": 400, "ServiceUnavailable": 503}[
                cls.__name__
            ]
            continue
        # The model carries no status codes; the API reference lists 500 for InternalServerError and
        # ThrottlingException, 400 for every other error.
        assert cls.code == (500 if cls.__name__ in ("InternalServerError", "ThrottlingException") else 400), cls.__name__


def test_every_modeled_error_has_a_class() -> None:
    """inject_error can raise any error the model lists, each with its class's status and message."""
    assert {shape.name for shape in service_model().error_shapes} <= set(exceptions.error_codes())
    assert exceptions.error_class("ThrottledException") is None


def test_default_message_and_body() -> None:
    for cls in error_classes():
        error = cls()
        body = json.loads(error.get_body())
        assert body["__type"] == cls.__name__
        assert cls.default_message in json.dumps(body)


def test_every_class_is_raised_somewhere() -> None:
    """No dead error classes: each one is raised (or built) by the service or store code, or is
    an error of the model (or AWS's ServiceUnavailable) that only inject_error raises."""
    from pathlib import Path

    package = Path(exceptions.__file__).resolve().parents[1]
    source = "\n".join(p.read_text() for p in package.rglob("*.py") if p.name != "exceptions.py")
    modeled = {shape.name for shape in service_model().error_shapes} | {"ServiceUnavailable"}
    for cls in error_classes():
        assert f"{cls.__name__}(" in source or cls.__name__ in modeled, cls.__name__
