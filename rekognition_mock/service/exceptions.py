"""AWS-shaped Rekognition errors.

Each class serialises to the JSON body Rekognition sends (``__type``, ``Code``,
``Message``, ``Logref``) so botocore raises the modeled exception, for example
``client.exceptions.InvalidImageFormatException``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from moto.core.exceptions import JsonRESTError


class RekognitionError(JsonRESTError):
    """Base class: a Rekognition error with AWS's JSON body and an HTTP status."""

    code = 400
    error_type = "InvalidParameterException"
    default_message = "Request has invalid parameters"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        message = message or self.default_message
        super().__init__(self.error_type, message, **kwargs)
        self.description = json.dumps(self.body(message))

    def body(self, message: str) -> dict[str, str]:
        """The JSON error body: Rekognition's modeled errors carry Code and Logref too."""
        return {"__type": self.error_type, "Code": self.error_type, "Logref": str(uuid.uuid4()), "Message": message}


class ConflictException(RekognitionError):
    error_type = "ConflictException"
    default_message = "A User with the same Id already exists within the collection, or the update or deletion of the User caused an inconsistent state."


class IdempotentParameterMismatchException(RekognitionError):
    error_type = "IdempotentParameterMismatchException"
    default_message = "A ClientRequestToken input parameter was reused with an operation, but at least one of the other input parameters is different from the previous call to the operation."


class ImageTooLargeException(RekognitionError):
    error_type = "ImageTooLargeException"
    default_message = "Image size is too large."


class InternalServerError(RekognitionError):
    code = 500
    error_type = "InternalServerError"
    default_message = "Internal server error."


class InvalidImageFormatException(RekognitionError):
    error_type = "InvalidImageFormatException"
    default_message = "Request has invalid image format"


class InvalidPaginationTokenException(RekognitionError):
    error_type = "InvalidPaginationTokenException"
    default_message = "Invalid pagination token"


class InvalidParameterException(RekognitionError):
    error_type = "InvalidParameterException"
    default_message = "Request has invalid parameters"


class InvalidS3ObjectException(RekognitionError):
    error_type = "InvalidS3ObjectException"
    default_message = "Unable to get object metadata from S3. Check object key, region and/or access permissions."


class ResourceAlreadyExistsException(RekognitionError):
    error_type = "ResourceAlreadyExistsException"
    default_message = "The resource already exists."


class ResourceNotFoundException(RekognitionError):
    error_type = "ResourceNotFoundException"
    default_message = "The resource does not exist."


class ServiceQuotaExceededException(RekognitionError):
    error_type = "ServiceQuotaExceededException"
    default_message = "The size of the resource exceeds the allowed limit."


class ValidationException(RekognitionError):
    """A request that breaks the API model's constraints (length, pattern, range, enum)."""

    error_type = "ValidationException"
    default_message = "1 validation error detected"

    def body(self, message: str) -> dict[str, str]:
        return {"__type": self.error_type, "message": message}  # Coral-style: lowercase key only


class SerializationException(RekognitionError):
    """A request body whose JSON does not match the model's types (string for an integer, ...)."""

    error_type = "SerializationException"
    default_message = "Unable to unmarshal request"

    def body(self, message: str) -> dict[str, str]:
        return {"__type": self.error_type, "Message": message}


def injected(error_type: str, status: int, message: str | None = None) -> RekognitionError:
    """The error a test author asked for with ``inject_error``: any AWS error code, with
    the HTTP status AWS answers it with (see ``controls.ERROR_STATUS``)."""
    error = RekognitionError.__new__(RekognitionError)
    error.error_type = error_type
    error.code = status
    RekognitionError.__init__(error, message or f"{error_type} injected by rekognition-mock")
    return error
