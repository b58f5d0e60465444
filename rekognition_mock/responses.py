"""The HTTP layer: parse and validate a Rekognition JSON request, call the backend, serialise."""

from __future__ import annotations

import json
import logging
from typing import Any

from moto.core.exceptions import HTTPException
from moto.rekognition.responses import RekognitionResponse as MotoRekognitionResponse

from .exceptions import InternalServerError, SerializationException
from .models import RekognitionBackend, rekognition_backends
from .validation import validate_input

log = logging.getLogger(__name__)


class RekognitionResponse(MotoRekognitionResponse):
    """Handler for Rekognition requests (AWS JSON 1.1 protocol)."""

    @property
    def rekognition_backend(self) -> RekognitionBackend:
        return rekognition_backends[self.current_account][self.region]

    def call_action(self) -> Any:
        try:
            return super().call_action()
        except (HTTPException, NotImplementedError):
            raise
        except Exception:  # a bug of ours must not leak a traceback into the response
            log.exception("rekognition-mock failed on %s", self._get_action())
            error = InternalServerError("Internal server error")
            return error.code, {"Content-Type": "application/x-amz-json-1.1"}, error.get_body()

    def _request(self) -> dict[str, Any]:
        """The JSON body as a dict, validated against botocore's model for this action."""
        try:
            params = json.loads(self.body) if self.body else {}
        except (TypeError, ValueError):
            raise SerializationException("Unable to parse request body as JSON") from None
        if not isinstance(params, dict):
            raise SerializationException("Request body must be a JSON object")
        validate_input(self._get_action(), params)
        return params

    def detect_faces(self) -> str:
        params = self._request()
        result = self.rekognition_backend.detect_faces(params["Image"], params.get("Attributes"))
        return json.dumps(result)

    def compare_faces(self) -> str:
        params = self._request()
        result = self.rekognition_backend.compare_faces(
            params["SourceImage"],
            params["TargetImage"],
            similarity_threshold=float(params.get("SimilarityThreshold", 80.0)),
            quality_filter_level=params.get("QualityFilter", "NONE"),
        )
        return json.dumps(result)
