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


def _error(name: str, message: str, status: int = 400) -> type[RekognitionError]:
    return type(
        name,
        (RekognitionError,),
        {"error_type": name, "default_message": message, "code": status, "__doc__": message},
    )


AccessDeniedException = _error("AccessDeniedException", "You are not authorized to perform the action.")
ConflictException = _error("ConflictException", "The request conflicts with the current state.")
ImageTooLargeException = _error("ImageTooLargeException", "Image size is too large.")
InternalServerError = _error("InternalServerError", "Internal server error.", 500)
InvalidImageFormatException = _error(
    "InvalidImageFormatException", "Request has invalid image format"
)
InvalidPaginationTokenException = _error(
    "InvalidPaginationTokenException", "Invalid pagination token"
)
InvalidParameterException = _error("InvalidParameterException", "Request has invalid parameters")
InvalidS3ObjectException = _error(
    "InvalidS3ObjectException", "Unable to get object metadata from S3. Check object key, region and/or access permissions."
)
ProvisionedThroughputExceededException = _error(
    "ProvisionedThroughputExceededException", "Provisioned rate exceeded."
)
ResourceAlreadyExistsException = _error(
    "ResourceAlreadyExistsException", "The resource already exists."
)
ResourceNotFoundException = _error("ResourceNotFoundException", "The resource does not exist.")
ServiceQuotaExceededException = _error(
    "ServiceQuotaExceededException", "The service quota has been exceeded."
)
ThrottlingException = _error("ThrottlingException", "Slow down.", 500)


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
