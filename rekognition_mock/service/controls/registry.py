"""The one registry of the test-author controls: every family's scripted answers, cleared
together, listed together, and reached by moto's reset.

A family (labels, moderation labels, face attributes, faults, latency, celebrities, ...)
is a :class:`Family`: a table from a key (an image's :func:`image_key`, an operation name)
to what the test scripted, with how one entry is listed for the server's
``GET /_rekognition_mock/controls`` (:func:`listing`) and shown by the inspector
(:func:`inspector_rows`). Its module declares it once::

    _text = Family("text", lambda key, lines: [{"image": list(key), "lines": lines}],
                   lambda key, lines: [row("text", target(key), f"{len(lines)} lines")])

and writes through ``_text.put`` / reads through ``_text.first``. Every write makes sure
moto's reset reaches the registry (:func:`_reachable_by_reset`), without the backend:
the registry has a moto backend of its own, whose reset clears every family.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

ANY_OPERATION = "*"
MAX_HTTP_BODY = 16 * 2**20  # a control's JSON body (an image of 5 MB in base64 and its labels)

LOCK = threading.RLock()  # every family's table, so that a listing is one moment's
FAMILIES: dict[str, "Family"] = {}  # by listing name, in the order the families were declared

Listed = Callable[[Any, Any], Iterable[dict[str, Any]]]


class Family:
    """One family of controls: ``key -> scripted value``, under :data:`LOCK`.

    ``listed(key, value)`` gives its entries in :func:`listing` (under ``name``) and
    ``shown(key, value)`` its rows in the inspector (dicts of :func:`row`)."""

    def __init__(self, name: str, listed: Listed, shown: Listed) -> None:
        if name in FAMILIES:
            raise ValueError(f"a control family {name!r} exists already")
        self.name = name
        self.table: dict[Any, Any] = {}
        self._listed = listed
        self._shown = shown
        FAMILIES[name] = self

    def put(self, key: Any, value: Any) -> None:
        """Script ``value`` for ``key`` (replacing what was there)."""
        _reachable_by_reset()
        with LOCK:
            self.table[key] = value

    def edit(self, key: Any, change: Callable[[Any], Any]) -> None:
        """Replace the value of ``key`` (None when there is none) by ``change(value)``."""
        _reachable_by_reset()
        with LOCK:
            self.table[key] = change(self.table.get(key))

    def discard(self, key: Any) -> None:
        with LOCK:
            self.table.pop(key, None)

    def get(self, key: Any, default: Any = None) -> Any:
        """A copy of the value of ``key`` (the caller may change it)."""
        with LOCK:
            return copy.deepcopy(self.table.get(key, default))

    def first(self, keys: Iterable[Any]) -> Any:
        """A copy of the value of the first of ``keys`` that has one, else None."""
        with LOCK:
            for key in keys:
                if key in self.table:
                    return copy.deepcopy(self.table[key])
        return None

    def clear(self) -> None:
        with LOCK:
            self.table.clear()

    def listing(self) -> list[dict[str, Any]]:
        with LOCK:
            return [entry for key, value in self.table.items() for entry in self._listed(key, value)]

    def rows(self) -> list[dict[str, Any]]:
        with LOCK:
            return [shown for key, value in self.table.items() for shown in self._shown(key, value)]


def reset() -> None:
    """Forget every family's scripted answers."""
    with LOCK:
        for family in FAMILIES.values():
            family.clear()


def listing() -> dict[str, Any]:
    """The controls in force, as JSON-ready data (the server's GET), by family."""
    with LOCK:
        return copy.deepcopy({name: family.listing() for name, family in FAMILIES.items()})


def inspector_rows() -> list[dict[str, Any]]:
    """The controls in force as the inspector lists them: one row each (see :func:`row`)."""
    with LOCK:
        return copy.deepcopy([r for family in FAMILIES.values() for r in family.rows()])


def row(kind: str, target: str, detail: str, remaining: int | None = None) -> dict[str, Any]:
    """An inspector row: what kind of control, on what, what it does, how many uses remain."""
    return {"kind": kind, "target": target, "detail": detail, "remaining": remaining}


def image_key(image: Any) -> tuple:
    """The key of an image named by its bytes or by ``(bucket, key)``."""
    if isinstance(image, (bytes, bytearray, memoryview)):
        return ("sha256", hashlib.sha256(bytes(image)).hexdigest())
    if isinstance(image, tuple) and len(image) == 2 and all(isinstance(p, str) and p for p in image):
        return ("s3", image[0], image[1])
    raise TypeError("image must be the image's bytes or a (bucket, key) pair of strings")


def image_target(key: tuple) -> str:
    """An image key as the inspector shows it."""
    return f"s3://{key[1]}/{key[2]}" if key[0] == "s3" else f"image sha256 {key[1][:12]}..."


def request_image_keys(image: Any, data: bytes) -> list[tuple]:
    """The keys an API ``Image`` parameter answers to: its S3 object, if it names one, then
    its bytes (``data``, however they were sent)."""
    keys = []
    s3_object = image.get("S3Object") if isinstance(image, dict) else None
    if isinstance(s3_object, dict):
        keys.append(("s3", s3_object.get("Bucket"), s3_object.get("Name")))
    keys.append(image_key(data))
    return keys


# -- moto's reset ---------------------------------------------------------------------

_reach: Any = None  # the registry's own moto BackendDict, made on the first control set


def _reachable_by_reset() -> None:
    """moto's reset (a mock starting or stopping, ``/moto-api/reset``, the server's reset)
    resets the backends in use; the registry keeps one of its own in use from the first
    control set, so that a reset clears the controls even before any Rekognition call."""
    global _reach
    from moto.core import DEFAULT_ACCOUNT_ID

    if _reach is None:
        with LOCK:
            if _reach is None:
                _reach = _make_reach()
    _reach[DEFAULT_ACCOUNT_ID]["us-east-1"]  # (re)enters moto's list of backends in use


def _make_reach() -> Any:
    from moto.core.base_backend import BackendDict, BaseBackend

    class ControlsReset(BaseBackend):
        """Not a service: what moto's reset calls to clear the controls."""

        def reset(self) -> None:
            reset()

    return BackendDict(ControlsReset, "rekognition", use_boto3_regions=False, additional_regions=["us-east-1"])


# -- over HTTP (the standalone server) ----------------------------------------------------

HTTP_CONTROLS: dict[str, Callable[[dict[str, Any]], None]] = {}


def http_control(name: str) -> Callable[[Callable[[dict[str, Any]], None]], Callable[[dict[str, Any]], None]]:
    """Register the function answering ``POST /_rekognition_mock/<name>`` (a JSON object)."""

    def register(function: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
        HTTP_CONTROLS[name] = function
        return function

    return register


def handle_http(method: str, name: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    """The status and JSON answer of a control request: ``GET controls`` lists what is in
    force; a POST applies one control and answers the same listing, or 400 with
    ``{"error": ...}`` for a bad body, 404 for a control that does not exist."""
    if method == "GET" and name == "controls":
        return 200, listing()
    if method != "POST":
        return 405, {"error": "controls take POST (GET only for /_rekognition_mock/controls)"}
    control = HTTP_CONTROLS.get(name)
    if control is None:
        return 404, {"error": f"no control {name!r}; controls: {', '.join(sorted(HTTP_CONTROLS))}"}
    try:
        body = json.loads(raw or b"{}", parse_constant=_not_json)
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        control(body)
    except (ValueError, TypeError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return 400, {"error": str(exc)}
    return 200, listing()


def _not_json(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def json_image(value: Any, name: str = "image") -> Any:
    """An image a JSON control names: ``{"bytes": base64}`` or ``{"bucket": ..., "key": ...}``."""
    if isinstance(value, dict) and isinstance(value.get("bytes"), str):
        try:
            return base64.b64decode(value["bytes"], validate=True)
        except binascii.Error:
            raise ValueError(f"{name}.bytes is not base64") from None
    if isinstance(value, dict) and "bucket" in value and "key" in value:
        return (value["bucket"], value["key"])
    raise ValueError(f'{name} must be {{"bytes": "<base64>"}} or {{"bucket": "...", "key": "..."}}')


def json_integer(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


@http_control("reset")
def _reset_over_http(body: dict[str, Any]) -> None:
    reset()
