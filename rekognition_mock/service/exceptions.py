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

from .limits import MAX_IMAGE_SIDE


class RekognitionError(JsonRESTError):
    """Base class: a Rekognition error with AWS's JSON body and an HTTP status."""

    code = 400
    error_type = "InvalidParameterException"
    default_message = "Request has Invalid Parameters"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        message = message or self.default_message
        super().__init__(self.error_type, message, **kwargs)
        self.description = json.dumps(self.body(message))

    def body(self, message: str) -> dict[str, str]:
        """The JSON error body: Rekognition's modeled errors carry Code and Logref too."""
        return {"__type": self.error_type, "Code": self.error_type, "Logref": str(uuid.uuid4()), "Message": message}


class AccessDeniedException(RekognitionError):
    error_type = "AccessDeniedException"
    default_message = "You are not authorized to perform the action."


class ConflictException(RekognitionError):
    error_type = "ConflictException"
    default_message = "A User with the same Id already exists within the collection, or the update or deletion of the User caused an inconsistent state."


class HumanLoopQuotaExceededException(RekognitionError):
    error_type = "HumanLoopQuotaExceededException"
    default_message = "The number of in-progress human reviews you have has exceeded the number allowed."


class IdempotentParameterMismatchException(RekognitionError):
    error_type = "IdempotentParameterMismatchException"
    default_message = "A ClientRequestToken input parameter was reused with an operation, but at least one of the other input parameters is different from the previous call to the operation."


class ImageTooLargeException(RekognitionError):
    error_type = "ImageTooLargeException"
    default_message = "Image size is too large."

    @classmethod
    def detail(cls, detail: str) -> ImageTooLargeException:
        """AWS's message followed by what was too large (the mock's addition)."""
        return cls(f"{cls.default_message} {detail}")

    @classmethod
    def dimensions(cls, width: int, height: int) -> ImageTooLargeException:
        """AWS's answer, on every image operation, for an image above MAX_IMAGE_SIDE px on a side."""
        return cls(f"Input image dimensions {width} x {height} exceed maximum dimension size of {MAX_IMAGE_SIDE} pixels")


class InternalServerError(RekognitionError):
    code = 500
    error_type = "InternalServerError"
    default_message = "Internal server error."


class InvalidImageFormatException(RekognitionError):
    error_type = "InvalidImageFormatException"
    default_message = "Request has invalid image format"


class InvalidManifestException(RekognitionError):
    error_type = "InvalidManifestException"
    default_message = "Indicates that a provided manifest file is empty or larger than the allowed limit."


class InvalidPaginationTokenException(RekognitionError):
    error_type = "InvalidPaginationTokenException"
    default_message = "Invalid pagination token"


class InvalidParameterException(RekognitionError):
    error_type = "InvalidParameterException"
    default_message = "Request has Invalid Parameters"


class InvalidPolicyRevisionIdException(RekognitionError):
    error_type = "InvalidPolicyRevisionIdException"
    default_message = "The supplied revision id for the project policy is invalid."


class InvalidS3ObjectException(RekognitionError):
    error_type = "InvalidS3ObjectException"
    default_message = "Unable to get object metadata from S3. Check object key, region and/or access permissions."


class LimitExceededException(RekognitionError):
    error_type = "LimitExceededException"
    default_message = "An Amazon Rekognition service limit was exceeded."


class MalformedPolicyDocumentException(RekognitionError):
    error_type = "MalformedPolicyDocumentException"
    default_message = "The format of the project policy document that you supplied to PutProjectPolicy is incorrect."


class ProvisionedThroughputExceededException(RekognitionError):
    error_type = "ProvisionedThroughputExceededException"
    default_message = "Provisioned Rate exceeded."


class ResourceAlreadyExistsException(RekognitionError):
    error_type = "ResourceAlreadyExistsException"
    default_message = "The resource already exists."


class ResourceInUseException(RekognitionError):
    error_type = "ResourceInUseException"
    default_message = "Specified resource is in use."


class ResourceNotFoundException(RekognitionError):
    error_type = "ResourceNotFoundException"
    default_message = "The resource does not exist."


class ResourceNotReadyException(RekognitionError):
    error_type = "ResourceNotReadyException"
    default_message = "The requested resource isn't ready."


class ServiceQuotaExceededException(RekognitionError):
    error_type = "ServiceQuotaExceededException"
    default_message = "The size of the resource exceeds the allowed limit."


class SessionNotFoundException(RekognitionError):
    error_type = "SessionNotFoundException"
    default_message = "Occurs when a given sessionId is not found."


class ThrottlingException(RekognitionError):
    """AWS answers it with HTTP 500 (the API reference), so SDKs retry it as a server error too."""

    code = 500
    error_type = "ThrottlingException"
    default_message = "Service Unavailable"


class VideoTooLargeException(RekognitionError):
    error_type = "VideoTooLargeException"
    default_message = "The file size or duration of the supplied media is too large."


class ServiceUnavailable(RekognitionError):
    """AWS's common error for a service that cannot answer for now (not in Rekognition's model)."""

    code = 503
    error_type = "ServiceUnavailable"
    default_message = "The request has failed due to a temporary failure of the server."

    def body(self, message: str) -> dict[str, str]:
        return {"__type": self.error_type, "message": message}


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


def error_class(code: str) -> type[RekognitionError] | None:
    """The class of the AWS error named ``code`` (an exact, case-sensitive name), if any."""
    pending = list(RekognitionError.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls.error_type == code and cls.__name__ == code:
            return cls
        pending.extend(cls.__subclasses__())
    return None


def error_codes() -> list[str]:
    """Every AWS error this module has a class for, sorted."""
    found, pending = [], list(RekognitionError.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls.error_type)
        pending.extend(cls.__subclasses__())
    return sorted(found)
