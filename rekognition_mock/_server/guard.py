"""What the server refuses before moto's app sees a request, and the controls over HTTP.

- Requests a browser sends from a web page (they carry ``Origin``) are refused unless that
  origin was allowed (``--cors-origin``): moto's app would answer any origin, so any page
  open in the developer's browser could read or wipe the mock's state.
- Requests a browser marks as made by another site (``Sec-Fetch-Site: cross-site`` or
  ``same-site``) are refused, with or without ``Origin``, wherever they could change
  something: every method but GET, HEAD and OPTIONS, and every request to moto's
  ``/moto-api/`` routes (the recorder starts on a GET) and to the server's own routes.
- The server's own routes (``/_rekognition_mock/``) and moto's answer only to a ``Host``
  that is an IP address, ``localhost``, the ``--host`` address or an ``--allow-host``
  name, so a DNS name rebound to this machine cannot reach them.
- moto's own ``/moto-api/`` routes (reset, dashboard, recorder, which writes files)
  answer only when asked for.
- A Rekognition operation the service does not have, or this mock does not implement,
  gets AWS's JSON error (400, not retried) instead of an HTML 500 that SDKs retry.
- Every body is read whole first (:mod:`.body`), within 16 MB for Rekognition and 5 GB
  (S3's largest single upload) for moto's other services.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from . import body as bodies
from .callers import SAFE_METHODS, Hosts, from_another_site
from .connections import json_error_body, printable

CONTROLS_PREFIX = "/_rekognition_mock/"
MOTO_API = "/moto-api"
MAX_OTHER_BODY = 5 * 2**30  # bytes: the largest body another service takes (S3's largest single PUT)


class Guard:
    """WSGI middleware in front of moto's app (see the module's docstring)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], cors_origins: Iterable[str], moto_api: bool,
                 hosts: Hosts | None = None) -> None:
        self.app = app
        self.origins = {o.rstrip("/") for o in cors_origins}
        self.moto_api = moto_api
        self.hosts = hosts or Hosts()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        refused = self._refusal(environ)
        if refused is not None:
            status, error, message = refused
            return json_error(start_response, status, error, message)
        path = environ.get("PATH_INFO", "")
        is_control = path.startswith(CONTROLS_PREFIX) and environ.get("REQUEST_METHOD") == "POST" or path == CONTROLS_PREFIX + "controls"
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        rekognition = target == "RekognitionService" or target.startswith("RekognitionService.")
        if rekognition:
            problem = _unanswerable(target.partition(".")[2])
            if problem:
                return json_error(start_response, 400, "UnknownOperationException", problem)
        try:
            bodies.read_whole(environ, _body_limit(rekognition, is_control))
        except bodies.TooLarge as exc:
            return _too_large(start_response, exc.length, rekognition, is_control)
        except bodies.BodyError as exc:
            return json_error(start_response, exc.status, exc.error_type, exc.message)
        if is_control:
            return _control(environ, start_response)
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:  # not from a web page: no CORS headers at all (moto's app adds "*")
            return self.app(environ, _without_cors(start_response, []))
        if environ.get("REQUEST_METHOD") == "OPTIONS" and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
            return _preflight(environ, start_response, origin)
        return self.app(environ, _without_cors(start_response, [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]))

    def _refusal(self, environ: dict[str, Any]) -> tuple[int, str, str] | None:
        """Why the request is refused from its headers alone, as (status, type, message), or None."""
        origin = environ.get("HTTP_ORIGIN")
        allowed = origin is not None and origin.rstrip("/") in self.origins
        if origin is not None and not allowed:
            return (403, "AccessDeniedException", f"requests from the web origin {printable(origin)} are refused; start "
                    f"the server with --cors-origin {printable(origin)} to allow them")
        path = environ.get("PATH_INFO", "")
        own = path.startswith(CONTROLS_PREFIX) or path.startswith(MOTO_API)
        changes = environ.get("REQUEST_METHOD", "GET") not in SAFE_METHODS or own
        if changes and not allowed and from_another_site(environ):
            return (403, "AccessDeniedException", "requests a web page of another site makes the browser send are "
                    "refused (Sec-Fetch-Site); start the server with --cors-origin ORIGIN to allow a page's own")
        if own and not self.hosts.known(environ.get("HTTP_HOST", "")):
            return (403, "AccessDeniedException", f"{path.split('/')[1]} answers only to the server's own address, not "
                    f"to Host {printable(environ.get('HTTP_HOST', ''))!r}; use its IP address or localhost "
                    "(or start it with --allow-host NAME)")
        if path.startswith(MOTO_API) and not self.moto_api:
            return (404, "ResourceNotFoundException",
                    "moto's /moto-api/ routes are off; start the server with --moto-api to use them")
        return None


def _body_limit(rekognition: bool, control: bool) -> int | None:
    from ..service import controls
    from ..service.limits import MAX_REQUEST_BYTES

    if rekognition:
        return MAX_REQUEST_BYTES
    if control:
        return controls.MAX_HTTP_BODY
    return MAX_OTHER_BODY


def _too_large(start_response: Callable[..., Any], length: int | None, rekognition: bool, control: bool) -> list[bytes]:
    from ..service import controls
    from ..service.exceptions import ImageTooLargeException
    from ..service.limits import MAX_REQUEST_BYTES

    if control:
        return _json_answer(start_response, 400, {"error": f"a control's body is JSON of at most {controls.MAX_HTTP_BODY} bytes"})
    if not rekognition:
        size = f"{length} bytes" if length is not None else f"more than {MAX_OTHER_BODY} bytes"
        return json_error(start_response, 400, "EntityTooLarge", f"Your proposed upload exceeds the maximum allowed "
                          f"size: the request body is {size}; the maximum is {MAX_OTHER_BODY}.")
    size = f"{length} bytes" if length is not None else f"more than {MAX_REQUEST_BYTES} bytes"
    error = ImageTooLargeException.detail(f"The request body is {size}; the maximum is {MAX_REQUEST_BYTES}.")
    body = error.description.encode()
    start_response(f"{error.code} {HTTPStatus(error.code).phrase}",
                   [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))])
    return [body]


def _control(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """The test-author controls over HTTP (docs/scripting.md), answered by service/controls/."""
    from ..service import controls

    name = environ["PATH_INFO"][len(CONTROLS_PREFIX):].strip("/")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    status, value = controls.handle_http(environ.get("REQUEST_METHOD", "GET"), name, raw)
    return _json_answer(start_response, status, value)


def _json_answer(start_response: Callable[..., Any], status: int, value: Any) -> list[bytes]:
    body = json.dumps(value).encode()
    start_response(f"{status} {HTTPStatus(status).phrase}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def json_error(start_response: Callable[..., Any], status: int, error_type: str, message: str) -> list[bytes]:
    """AWS's JSON error shape (``__type`` and ``message``) with ``status``."""
    body = json_error_body(error_type, message)
    start_response(f"{status} {HTTPStatus(status).phrase}",
                   [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(body)))])
    return [body]


def _without_cors(start_response: Callable[..., Any], cors: list[tuple[str, str]]) -> Callable[..., Any]:
    """``start_response`` with moto's CORS headers replaced by ``cors``."""

    def replaced(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
        added = {k.lower() for k, _ in cors}
        kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-") and k.lower() not in added]
        return start_response(status, kept + cors, *rest)

    return replaced


def _preflight(environ: dict[str, Any], start_response: Callable[..., Any], origin: str) -> list[bytes]:
    """A browser's CORS preflight from an allowed origin: 200 with what it asks for
    (the SDKs' JSON requests are never "simple", so every call from a page starts here)."""
    method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "POST")
    requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
    headers = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Methods", method),
        ("Access-Control-Max-Age", "600"),
        ("Vary", "Origin"),
        ("Content-Length", "0"),
    ]
    if requested:
        headers.append(("Access-Control-Allow-Headers", requested))
    start_response("200 OK", headers)
    return [b""]


def _unanswerable(operation: str) -> str | None:
    """Why ``operation`` cannot be answered (unknown to the service or not implemented), or None."""
    from botocore import xform_name

    from ..service.responses import RekognitionResponse
    from ..service.validation import service_model, shortened

    if operation not in service_model().operation_names:
        return f"Unknown operation {shortened(operation)}"
    if not callable(getattr(RekognitionResponse, xform_name(operation), None)):
        return f"rekognition-mock does not implement {operation} (see docs/operations.md)"
    return None
