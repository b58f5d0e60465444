"""The HTTP layer of the image operations answered from the engine and the controls:
RecognizeCelebrities, GetCelebrityInfo, DetectProtectiveEquipment and DetectText. A mixin
of :class:`~rekognition_mock.service.responses.RekognitionResponse`, which parses and
validates the request (``_request``) and finds the backend."""

from __future__ import annotations

import json
from typing import Any

from . import shapes
from .controls.celebrities import Celebrity


class ImageResponses:
    """Serialises what the backend found in AWS's response shapes."""

    _request: Any
    rekognition_backend: Any

    def recognize_celebrities(self) -> str:
        params = self._request()
        found = self.rekognition_backend.recognize_celebrities(params["Image"])
        width, height = found.analysis.width, found.analysis.height
        return json.dumps({
            "CelebrityFaces": [
                {**_celebrity(r.celebrity), "Face": shapes.compared_face(r.face, width, height),
                 "MatchConfidence": shapes.number(r.match_confidence)}
                for r in found.recognised
            ],
            "UnrecognizedFaces": [shapes.compared_face(face, width, height) for face in found.unrecognised],
        })

    def get_celebrity_info(self) -> str:
        params = self._request()
        celebrity = self.rekognition_backend.get_celebrity_info(params["Id"])
        info = _celebrity(celebrity)
        info.pop("Id")
        return json.dumps(info)

    def detect_protective_equipment(self) -> str:
        params = self._request()
        return json.dumps(self.rekognition_backend.detect_protective_equipment(
            params["Image"], params.get("SummarizationAttributes")))

    def detect_text(self) -> str:
        params = self._request()
        return json.dumps(self.rekognition_backend.detect_text(params["Image"], params.get("Filters")))


def _celebrity(celebrity: Celebrity) -> dict[str, Any]:
    """The members a ``Celebrity`` and GetCelebrityInfo share (KnownGender only when known)."""
    body: dict[str, Any] = {"Urls": list(celebrity.urls), "Name": celebrity.name, "Id": celebrity.celebrity_id}
    if celebrity.known_gender is not None:
        body["KnownGender"] = {"Type": celebrity.known_gender}
    return body
