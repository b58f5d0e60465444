"""The HTTP layer: parse and validate a Rekognition JSON request, call the backend, serialise."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from moto.core.exceptions import HTTPException
from moto.rekognition.responses import RekognitionResponse as MotoRekognitionResponse

from ..store import state
from ..store.statedir import StateWriteError
from . import controls, recorder, shapes, shared_state
from .custom_labels_responses import CustomLabelsResponses
from .exceptions import InternalServerError, SerializationException
from .image_responses import ImageResponses
from .limits import (
    DEFAULT_ASSOCIATE_THRESHOLD,
    DEFAULT_SIMILARITY_THRESHOLD,
    DEFAULT_USER_SEARCH_THRESHOLD,
    FACE_MODEL_VERSION,
    MAX_JSON_DEPTH,
)
from .models import RekognitionBackend, refresh_state, rekognition_backends
from .sessions_responses import SessionsResponses
from .validation import validate_input
from .video_responses import VideoResponses

log = logging.getLogger(__name__)


def _without_nulls(value: Any) -> Any:
    """JSON ``null`` members mean "absent" to AWS; drop them at every depth."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _not_json(token: str) -> Any:
    """``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (RFC 8259); Python accepts them."""
    raise ValueError(f"{token} is not a JSON number")


_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_OPEN_RUN = re.compile(rb"[\[{]{%d}" % (MAX_JSON_DEPTH + 1))  # that many opened in a row: too deep


def _too_deep(body: bytes) -> bool:
    """True when arrays and objects nest deeper than MAX_JSON_DEPTH in ``body`` (brackets
    inside strings ignored), or it has more brackets than that and they do not pair up.

    Each round takes away the innermost pairs (a placeholder keeps a ``{}`` from forming
    where a ``[]`` went): at most MAX_JSON_DEPTH passes of ``bytes.replace`` over the
    brackets, whatever the body (a loop over each bracket took 85 s on 16 MB of them). A body
    with no more brackets than that is let through at once: taking the strings out of an
    image's base64 was a fifth of a warm DetectFaces.
    """
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False  # too few brackets to nest that deep; unpaired ones are json's to refuse
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    for _ in range(MAX_JSON_DEPTH):
        if not brackets:
            return False
        if _OPEN_RUN.search(brackets):
            return True
        inner = brackets.replace(b"[]", b"x").replace(b"{}", b"x").replace(b"x", b"")
        if len(inner) == len(brackets):
            return True  # no pair left to take away: they do not match
        brackets = inner
    return bool(brackets)


class RekognitionResponse(VideoResponses, ImageResponses, CustomLabelsResponses, SessionsResponses,
                          MotoRekognitionResponse):
    """Handler for Rekognition requests (AWS JSON 1.1 protocol)."""

    use_raw_body = True  # keep bytes: a body that is not UTF-8 gets a 400, not a crash

    def setup_class(self, request: Any, full_url: str, headers: Any, use_raw_body: bool = False) -> None:
        # moto 5.2 takes use_raw_body as an argument of setup_class and no longer reads
        # the class attribute: keep the bytes either way.
        super().setup_class(request, full_url, headers, use_raw_body=True)

    @property
    def rekognition_backend(self) -> RekognitionBackend:
        return rekognition_backends[self.current_account][self.region]

    def call_action(self) -> Any:
        if not recorder.sinks():  # neither the inspector nor the pytest report is listening
            return self._answer()
        started, clock = recorder.now()
        with recorder.collecting_notes() as notes:  # what the controls do to this call
            result = self._answer()
        latency_ms = (time.perf_counter() - clock) * 1000
        backend = self.rekognition_backend
        recorder.record(
            self._get_action(), backend.account_id, backend.region_name, backend.partition, self.body, result, started,
            latency_ms, notes,
        )
        return result

    def _answer(self) -> Any:
        try:
            controls.before(self._get_action())  # injected latency and faults first
        except HTTPException as fault:
            return fault.code, {"Content-Type": "application/x-amz-json-1.1"}, fault.get_body()
        try:
            store = state.active() or shared_state.attached()
            if store is not None:  # what other servers sharing the state changed, first
                refresh_state(store)
            return super().call_action()
        except (HTTPException, NotImplementedError):
            raise
        except StateWriteError as exc:  # logged by the store, once, with the file and the fix
            error = InternalServerError(f"{InternalServerError.default_message} {exc.short}")
            return error.code, {"Content-Type": "application/x-amz-json-1.1"}, error.get_body()
        except Exception:  # a bug of ours must not leak a traceback into the response
            log.exception("rekognition-mock failed on %s", self._get_action())
            error = InternalServerError()
            return error.code, {"Content-Type": "application/x-amz-json-1.1"}, error.get_body()

    def _request(self) -> dict[str, Any]:
        """The JSON body as a dict, validated against botocore's model for this action."""
        body = self.body or b"{}"
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogatepass")
        if _too_deep(body):
            raise SerializationException("Unable to parse request body as JSON: nested too deeply")
        try:
            params = json.loads(body, parse_constant=_not_json)
        except (TypeError, ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise SerializationException("Unable to parse request body as JSON") from None
        if not isinstance(params, dict):
            raise SerializationException("Request body must be a JSON object")
        params = _without_nulls(params)
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
            similarity_threshold=float(params.get("SimilarityThreshold", DEFAULT_SIMILARITY_THRESHOLD)),
            quality_filter_level=params.get("QualityFilter", "NONE"),
        )
        return json.dumps(result)

    def detect_labels(self) -> str:
        params = self._request()
        result = self.rekognition_backend.detect_labels(
            params["Image"], params.get("MaxLabels"), params.get("MinConfidence"), params.get("Features"),
            params.get("Settings"),
        )
        return json.dumps(result)

    def detect_moderation_labels(self) -> str:
        params = self._request()
        adapter = params.get("ProjectVersion")
        if adapter:  # a Custom Moderation adapter (service/models/project_versions.py)
            self.rekognition_backend.check_adapter(adapter)
        result = self.rekognition_backend.detect_moderation_labels(params["Image"], params.get("MinConfidence"))
        return json.dumps({**result, "ProjectVersion": adapter} if adapter else result)

    # -- collections ----------------------------------------------------------------

    def create_collection(self) -> str:
        params = self._request()
        collection = self.rekognition_backend.create_collection(params["CollectionId"], params.get("Tags"))
        return json.dumps(
            # AWS answers CreateCollection with the ARN minus its "arn:" prefix (DescribeCollection keeps it).
            {"StatusCode": 200, "CollectionArn": collection.arn.removeprefix("arn:"), "FaceModelVersion": FACE_MODEL_VERSION}
        )

    def describe_collection(self) -> str:
        params = self._request()
        collection = self.rekognition_backend.describe_collection(params["CollectionId"])
        return json.dumps(
            {
                "FaceCount": len(collection.faces),
                "FaceModelVersion": FACE_MODEL_VERSION,
                "CollectionARN": collection.arn,
                "CreationTimestamp": collection.created,
                "UserCount": len(collection.users),
            }
        )

    def list_collections(self) -> str:
        params = self._request()
        ids, token = self.rekognition_backend.list_collections(params.get("NextToken"), params.get("MaxResults"))
        body: dict[str, Any] = {"CollectionIds": ids, "FaceModelVersions": [FACE_MODEL_VERSION] * len(ids)}
        if token:
            body["NextToken"] = token
        return json.dumps(body)

    def delete_collection(self) -> str:
        params = self._request()
        self.rekognition_backend.delete_collection(params["CollectionId"])
        return json.dumps({"StatusCode": 200})

    def tag_resource(self) -> str:
        params = self._request()
        self.rekognition_backend.tag_resource(params["ResourceArn"], params["Tags"])
        return "{}"

    def untag_resource(self) -> str:
        params = self._request()
        self.rekognition_backend.untag_resource(params["ResourceArn"], params["TagKeys"])
        return "{}"

    def list_tags_for_resource(self) -> str:
        params = self._request()
        return json.dumps({"Tags": self.rekognition_backend.list_tags_for_resource(params["ResourceArn"])})

    # -- users ------------------------------------------------------------------------

    def create_user(self) -> str:
        params = self._request()
        self.rekognition_backend.create_user(params["CollectionId"], params["UserId"], params.get("ClientRequestToken"))
        return "{}"

    def delete_user(self) -> str:
        params = self._request()
        return json.dumps(self.rekognition_backend.delete_user(
            params["CollectionId"], params["UserId"], params.get("ClientRequestToken"),
        ))

    def list_users(self) -> str:
        params = self._request()
        return json.dumps(self.rekognition_backend.list_users(
            params["CollectionId"], params.get("NextToken"), params.get("MaxResults"),
        ))

    def associate_faces(self) -> str:
        params = self._request()
        return json.dumps(self.rekognition_backend.associate_faces(
            params["CollectionId"], params["UserId"], params["FaceIds"],
            float(params.get("UserMatchThreshold", DEFAULT_ASSOCIATE_THRESHOLD)), params.get("ClientRequestToken"),
        ))

    def disassociate_faces(self) -> str:
        params = self._request()
        return json.dumps(self.rekognition_backend.disassociate_faces(
            params["CollectionId"], params["UserId"], params["FaceIds"], params.get("ClientRequestToken"),
        ))

    def search_users(self) -> str:
        params = self._request()
        return json.dumps(self.rekognition_backend.search_users(
            params["CollectionId"], params.get("UserId"), params.get("FaceId"),
            float(params.get("UserMatchThreshold", DEFAULT_USER_SEARCH_THRESHOLD)), params.get("MaxUsers"),
        ))

    def search_users_by_image(self) -> str:
        params = self._request()
        return json.dumps(self.rekognition_backend.search_users_by_image(
            params["CollectionId"], params["Image"], float(params.get("UserMatchThreshold", DEFAULT_USER_SEARCH_THRESHOLD)),
            params.get("MaxUsers"), params.get("QualityFilter", "NONE"),
        ))

    # -- faces in collections --------------------------------------------------------

    def index_faces(self) -> str:
        params = self._request()
        result = self.rekognition_backend.index_faces(
            params["CollectionId"],
            params["Image"],
            params.get("ExternalImageId"),
            params.get("DetectionAttributes"),
            params.get("MaxFaces"),
            params.get("QualityFilter", "AUTO"),
        )
        return json.dumps(result)

    def list_faces(self) -> str:
        params = self._request()
        faces, token = self.rekognition_backend.list_faces(
            params["CollectionId"],
            params.get("NextToken"),
            params.get("MaxResults"),
            params.get("FaceIds"),
            params.get("UserId"),
        )
        body: dict[str, Any] = {
            "Faces": [shapes.stored_face(f, FACE_MODEL_VERSION) for f in faces],
            "FaceModelVersion": FACE_MODEL_VERSION,
        }
        if token:
            body["NextToken"] = token
        return json.dumps(body)

    def delete_faces(self) -> str:
        params = self._request()
        deleted, failed = self.rekognition_backend.delete_faces(params["CollectionId"], params["FaceIds"])
        return json.dumps({"DeletedFaces": deleted, "UnsuccessfulFaceDeletions": failed})

    def search_faces(self) -> str:
        params = self._request()
        hits = self.rekognition_backend.search_faces(
            params["CollectionId"],
            params["FaceId"],
            params.get("MaxFaces"),
            float(params.get("FaceMatchThreshold", DEFAULT_SIMILARITY_THRESHOLD)),
        )
        return json.dumps(
            {
                "SearchedFaceId": params["FaceId"],
                "FaceMatches": shapes.face_matches(hits, FACE_MODEL_VERSION),
                "FaceModelVersion": FACE_MODEL_VERSION,
            }
        )

    def search_faces_by_image(self) -> str:
        params = self._request()
        probe, analysis, hits = self.rekognition_backend.search_faces_by_image(
            params["CollectionId"],
            params["Image"],
            params.get("MaxFaces"),
            float(params.get("FaceMatchThreshold", DEFAULT_SIMILARITY_THRESHOLD)),
            params.get("QualityFilter", "NONE"),
        )
        return json.dumps(
            {
                "SearchedFaceBoundingBox": shapes.bounding_box(probe, analysis.width, analysis.height),
                "SearchedFaceConfidence": shapes.number(probe.confidence),
                "FaceMatches": shapes.face_matches(hits, FACE_MODEL_VERSION),
                "FaceModelVersion": FACE_MODEL_VERSION,
            }
        )
