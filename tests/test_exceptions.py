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
        shape = modeled.get(cls.__name__)
        if shape is None:  # protocol-level errors of AWS JSON services, not in the model
            assert cls.__name__ in ("ValidationException", "SerializationException")
            assert cls.code == 400
            continue
        # The model carries no status codes; AWS answers 500 for its own failure, 400 otherwise.
        assert cls.code == (500 if cls.__name__ == "InternalServerError" else 400), cls.__name__


def test_default_message_and_body() -> None:
    for cls in error_classes():
        error = cls()
        body = json.loads(error.get_body())
        assert body["__type"] == cls.__name__
        assert cls.default_message in json.dumps(body)


def test_every_class_is_raised_somewhere() -> None:
    """No dead error classes: each one is raised (or built) by the service or store code."""
    from pathlib import Path

    package = Path(exceptions.__file__).resolve().parents[1]
    source = "\n".join(p.read_text() for p in package.rglob("*.py") if p.name != "exceptions.py")
    for cls in error_classes():
        assert f"{cls.__name__}(" in source, cls.__name__
