"""The inspector's HTTP side: WSGI middleware in front of the server's app.

It answers ``GET /_rekognition_mock/`` (the page) and everything under
``/_rekognition_mock/inspector/`` (its script, style sheet and JSON API); every other
request goes on to the app it wraps, untouched.

Nothing it serves can be read by another origin: it never sends CORS headers, refuses a
request whose ``Origin`` is not its own or that a browser marks as cross-site
(``Sec-Fetch-Site``), answers only to a ``Host`` that is an IP address, ``localhost``, the
address the server was started on or an ``--allow-host`` name (so a rebound DNS name
cannot reach it; the rule of :mod:`rekognition_mock._server.callers`), and sends
``Cross-Origin-Resource-Policy: same-origin``, a strict Content-Security-Policy and
``frame-ancestors 'none'``.
"""

from __future__ import annotations

import functools
import io
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

from PIL import Image

from .._server.callers import Hosts, from_another_site
from ..service import findings, recorder
from .crops import CropStore
from .jobs import frame_image, jobs_listing
from .summaries import NOT_AN_IMAGE, summary

PAGE = "/_rekognition_mock/"
BASE = "/_rekognition_mock/inspector/"
STATIC = {
    "inspector.js": "text/javascript; charset=utf-8",
    "inspector.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
THUMB_SIDE = 240
ANNOTATED_SIDE = 2048  # pixels, the longer side of an annotated PNG
FACES_PAGE = 500

SECURITY_HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Cross-Origin-Resource-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    ),
]

Response = tuple[str, list[tuple[str, str]], bytes]


class HTTPError(Exception):
    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class InspectorRing(recorder.Ring):
    """The server's ring: images captured at once; IndexFaces calls handed to the crop store."""

    def __init__(self, crops: CropStore | None, **bounds: Any) -> None:
        super().__init__(capture=True, **bounds)
        self.crops = crops

    def add(self, entry: recorder.Entry) -> None:
        super().add(entry)
        if self.crops is not None and entry.operation == "IndexFaces" and entry.status == 200:
            self.crops.submit(entry)


class Inspector:
    """WSGI middleware serving the inspector page; call :meth:`close` when the server stops."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        host: str = "127.0.0.1",
        state_dir: str | Path | None = None,
        face_crops: bool = True,
        max_requests: int = recorder.DEFAULT_MAX_ENTRIES,
        max_bytes: int = recorder.DEFAULT_MAX_BYTES,
        hosts: Hosts | None = None,
        reset_crops: bool = False,
    ) -> None:
        self.app = app
        self.hosts = hosts or Hosts(host)
        self.state_dir = Path(state_dir) if state_dir else None
        self.crops = CropStore(self.state_dir, reset=reset_crops) if face_crops else None
        self.ring = InspectorRing(self.crops, max_entries=max_requests, max_bytes=max_bytes)
        self.started = time.time()
        self._thumbs: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._thumbs_lock = threading.Lock()
        recorder.subscribe(self.ring)

    def close(self) -> None:
        recorder.unsubscribe(self.ring)
        if self.crops is not None:
            self.crops.close()

    # -- WSGI --------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in (PAGE, PAGE.rstrip("/")) and not path.startswith(BASE):
            return self.app(environ, start_response)
        try:
            self._check_caller(environ)
            status, headers, body = self._route(environ, path)
        except HTTPError as exc:
            status, headers, body = exc.status, [("Content-Type", "application/json")], _json({"error": exc.message})
        except Exception as exc:  # never a traceback to the browser
            import logging

            logging.getLogger("rekognition_mock.inspector").exception("inspector failed on %s", path)
            status, headers, body = "500 Internal Server Error", [("Content-Type", "application/json")], _json({"error": type(exc).__name__})
        headers = headers + SECURITY_HEADERS + [("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [body] if environ.get("REQUEST_METHOD") != "HEAD" else [b""]

    def _check_caller(self, environ: dict[str, Any]) -> None:
        """Refuse anything another web origin could send or read (see the module's docstring)."""
        host = environ.get("HTTP_HOST", "")
        if not self.hosts.known(host):
            raise HTTPError("403 Forbidden", f"the inspector answers only to its own address, not to Host {host[:200]!r}")
        origin = environ.get("HTTP_ORIGIN")
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{host}"
        if origin is not None and origin != own:
            raise HTTPError("403 Forbidden", f"requests from the web origin {origin[:200]} are refused")
        if from_another_site(environ):
            # A link from elsewhere may open the page itself (it holds no data), nothing more.
            navigating = environ.get("HTTP_SEC_FETCH_MODE") == "navigate" and environ.get("HTTP_SEC_FETCH_DEST") == "document"
            if not (navigating and environ.get("PATH_INFO", "").rstrip("/") == PAGE.rstrip("/")):
                raise HTTPError("403 Forbidden", "cross-site requests are refused")

    # -- routes --------------------------------------------------------------------------

    def _route(self, environ: dict[str, Any], path: str) -> Response:
        method = environ.get("REQUEST_METHOD", "GET")
        if path.rstrip("/") == PAGE.rstrip("/"):
            if path != PAGE:
                return "308 Permanent Redirect", [("Location", PAGE), ("Content-Type", "text/plain")], b""
            _only(method, "GET", "HEAD")
            return _ok("text/html; charset=utf-8", _static("index.html"))
        parts = [unquote(p) for p in path[len(BASE):].split("/")]
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if len(parts) == 2 and parts[0] == "static" and parts[1] in STATIC:
            _only(method, "GET", "HEAD")
            return _ok(STATIC[parts[1]], _static(parts[1]))
        if parts[0] != "api":
            raise HTTPError("404 Not Found", "no such inspector resource")
        api = parts[1:]
        if api == ["status"]:
            _only(method, "GET")
            return _json_ok(self.status())
        if api == ["requests"]:
            _only(method, "GET")
            return _json_ok(self.requests(_int(query.get("after", "0"))))
        if api == ["requests", "clear"]:
            _only(method, "POST")
            self.ring.clear()
            with self._thumbs_lock:
                self._thumbs.clear()
            return _json_ok({"cleared": True})
        if len(api) == 2 and api[0] == "requests":
            _only(method, "GET")
            return _json_ok(self.request_detail(self._entry(api[1])))
        if len(api) in (4, 5) and api[0] == "requests" and api[2] == "images":
            _only(method, "GET", "HEAD")
            entry = self._entry(api[1])
            return self.image(entry, _int(api[3]), api[4] if len(api) == 5 else None)
        if api == ["collections"]:
            _only(method, "GET")
            return _json_ok(self.collections())
        if len(api) == 5 and api[0] == "collections" and api[4] == "faces":
            _only(method, "GET")
            return _json_ok(self.faces(api[1], api[2], api[3], _int(query.get("after", "0"))))
        if len(api) == 5 and api[0] == "crops" and api[4].endswith(".jpg"):
            _only(method, "GET", "HEAD")
            return self.crop((api[1], api[2], api[3], api[4][: -len(".jpg")]))
        if api == ["jobs"]:
            _only(method, "GET")
            return _json_ok(jobs_listing(_backends()))
        if len(api) == 6 and api[0] == "jobs" and api[4] == "frames" and api[5].endswith(".jpg"):
            _only(method, "GET", "HEAD")
            jpeg = frame_image(_backends(), api[1], api[2], api[3], _int(api[5][: -len(".jpg")]))
            if jpeg is None:
                raise HTTPError("404 Not Found", "no such frame kept for this job")
            return _ok("image/jpeg", jpeg)
        if api == ["controls"]:
            _only(method, "GET")
            return _json_ok(controls_listing())
        if api == ["controls", "clear"]:
            _only(method, "POST")
            return _json_ok(clear_controls())
        raise HTTPError("404 Not Found", "no such inspector resource")

    # -- the API's answers ------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        from ..vision.engine import analysis_counts  # images analysed, described, read from the cache

        return {
            "started": self.started,
            "state_dir": str(self.state_dir) if self.state_dir else None,
            "face_crops": self.crops is not None,
            "max_requests": self.ring.max_entries,
            "max_bytes": self.ring.max_bytes,
            "engine": analysis_counts(),
        }

    def _entry(self, seq: str) -> recorder.Entry:
        entry = self.ring.get(_int(seq))
        if entry is None:
            raise HTTPError("404 Not Found", f"request {seq} is no longer kept")
        return entry

    def requests(self, after: int) -> dict[str, Any]:
        entries = self.ring.entries(after)
        return {
            "server": self.started,  # a page polling a restarted server starts over
            "requests": [summary(e) for e in reversed(entries)],
            "kept": len(self.ring),
            "bytes": self.ring.nbytes,
            "max_requests": self.ring.max_entries,
            "max_bytes": self.ring.max_bytes,
            "dropped": self.ring.dropped,
        }

    def request_detail(self, entry: recorder.Entry) -> dict[str, Any]:
        return {**summary(entry), "request": entry.request(), "response": entry.response()}

    def image(self, entry: recorder.Entry, index: int, variant: str | None) -> Response:
        images = entry.images()
        if not 0 <= index < len(images) or images[index].data is None:
            raise HTTPError("404 Not Found", "no such image")
        image = images[index]
        data = image.data
        assert data is not None
        if variant is None:
            return _ok(image.media_type, data)
        if variant not in ("thumb", "annotated.png"):
            raise HTTPError("404 Not Found", "no such image variant")
        if not image.drawable:
            raise HTTPError("404 Not Found", NOT_AN_IMAGE)
        try:
            if variant == "thumb":
                return _ok("image/jpeg", self._thumbnail(entry.seq, index, data))
            from ..drawing import draw_marks

            response = entry.response() if entry.status < 400 else {}
            marks = findings.marks(entry.operation, response, entry.notes).get(image.role, [])
            out = io.BytesIO()
            draw_marks(data, marks, ANNOTATED_SIDE).save(out, format="PNG")
            return _ok("image/png", out.getvalue())
        except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:  # PIL's errors for a bad image
            raise HTTPError("404 Not Found", "the image cannot be drawn (the service could not read it either)") from exc

    def _thumbnail(self, seq: int, index: int, data: bytes) -> bytes:
        key = (seq, index)
        with self._thumbs_lock:
            if key in self._thumbs:
                return self._thumbs[key]
        from ..drawing import upright

        picture = upright(data)
        picture.thumbnail((THUMB_SIDE, THUMB_SIDE))
        out = io.BytesIO()
        picture.save(out, format="JPEG", quality=80)
        thumb = out.getvalue()
        with self._thumbs_lock:
            self._thumbs[key] = thumb
            while len(self._thumbs) > 2 * self.ring.max_entries:
                self._thumbs.popitem(last=False)
        return thumb

    def collections(self) -> dict[str, Any]:
        found = []
        for account, region, backend in _backends():
            for collection in sorted(list(backend.collections.values()), key=lambda c: c.collection_id):
                found.append(
                    {
                        "account": account,
                        "region": region,
                        "id": collection.collection_id,
                        "arn": collection.arn,
                        "created": collection.created,
                        "face_count": len(collection.faces),
                        "user_count": len(collection.users),
                        "tags": dict(collection.tags),
                    }
                )
        if self.crops is not None:
            self.crops.keep_only({(c["account"], c["region"], c["id"]) for c in found})
        return {"collections": found}

    def faces(self, account: str, region: str, collection_id: str, after: int) -> dict[str, Any]:
        backend = dict(_backends_by_key()).get((account, region))
        collection = backend.collections.get(collection_id) if backend is not None else None
        if collection is None:
            raise HTTPError("404 Not Found", f"no collection {collection_id} in {account}/{region}")
        faces, last = collection.faces.page(after, FACES_PAGE)
        listed = []
        for face in faces:
            width, height, left, top = (round(float(v), 6) for v in face.box)
            key = (account, region, collection_id, face.face_id)
            listed.append(
                {
                    "face_id": face.face_id,
                    "image_id": face.image_id,
                    "external_image_id": face.external_image_id,
                    "user_id": face.user_id,
                    "box": {"Width": width, "Height": height, "Left": left, "Top": top},
                    "confidence": round(float(face.confidence), 6),
                    "crop": self.crops is not None and self.crops.has(key),
                }
            )
        return {"faces": listed, "next": last, "face_count": len(collection.faces)}

    def crop(self, key: tuple[str, str, str, str]) -> Response:
        jpeg = self.crops.get(key) if self.crops is not None else None
        if jpeg is None:
            raise HTTPError("404 Not Found", "no crop kept for this face")
        return _ok("image/jpeg", jpeg)


def _backends() -> list[tuple[str, str, Any]]:
    from ..service.models import rekognition_backends

    found = []
    for account, regions in list(rekognition_backends.items()):
        for region, backend in list(regions.items()):
            found.append((account, region, backend))
    return sorted(found, key=lambda t: (t[0], t[1]))


def _backends_by_key() -> list[tuple[tuple[str, str], Any]]:
    return [((a, r), b) for a, r, b in _backends()]


def controls_listing() -> dict[str, Any]:
    """The test-author controls in force (scripted answers, injected faults, latency)."""
    from ..service import controls

    rows = controls.inspector_rows()
    return {"available": True, "controls": rows}


def clear_controls() -> dict[str, Any]:
    from ..service import controls

    controls.reset()
    return {"available": True, "cleared": True}


def _static(name: str) -> bytes:
    return _read_static(name)


@functools.cache
def _read_static(name: str) -> bytes:
    return (resources.files("rekognition_mock.inspector") / "static" / name).read_bytes()


def _only(method: str, *allowed: str) -> None:
    if method not in allowed:
        raise HTTPError("405 Method Not Allowed", f"{method} is not allowed here")


def _int(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise HTTPError("400 Bad Request", f"not a number: {text!r}") from None


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _ok(content_type: str, body: bytes) -> Response:
    return "200 OK", [("Content-Type", content_type)], body


def _json_ok(value: Any) -> Response:
    return _ok("application/json", _json(value))
