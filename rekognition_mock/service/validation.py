"""Validate Rekognition requests against botocore's service model, the way AWS does.

The request arrives as decoded AWS JSON 1.1 (blobs are base64 text). Two passes
happen in one walk over the value, driven by the model's shapes:

* wrong JSON types raise :class:`SerializationException` at once, like Coral's
  unmarshaller, before any constraint is looked at;
* constraint violations (required, length, range, pattern, enum) are collected
  and raised together as one Coral-style :class:`ValidationException`.

Constraints are read from the model, never written here.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import botocore.session
from botocore.model import OperationNotFoundError, ServiceModel, Shape

from .exceptions import SerializationException, ValidationException

__all__ = ["service_model", "shortened", "validate_input"]

MAX_LISTED_ERRORS = 10  # AWS lists at most this many violations but counts all
SHOWN_CHARS = 256  # of a value a message names: a longer one is cut there, followed by "..."

_INT_BOUNDS = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
_EXPECTED = {  # type_name -> the JSON type named in a SerializationException
    "structure": "object",
    "map": "object",
    "list": "array",
    "string": "string",
    "integer": "integer",
    "long": "integer",
    "float": "number",
    "double": "number",
    "boolean": "boolean",
    "blob": "base64-encoded string",
    "timestamp": "timestamp",
}
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")

@functools.cache
def service_model() -> ServiceModel:
    """Botocore's Rekognition model, loaded on first use and then shared."""
    return botocore.session.get_session().get_service_model("rekognition")


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str] | None:
    """Compile a model pattern once; ``None`` if Python's ``re`` cannot express it.

    The patterns are Java regexes. ``re.ASCII`` gives ``\\d``, ``\\w`` and ``\\s``
    Java's ASCII meaning. Java's Unicode classes (TagKey, TagValue) are rewritten for
    Python: ``\\p{L}`` and ``\\p{N}`` (letters, numbers) become ``\\w`` and ``\\p{Z}``
    (separators) becomes ``\\s``, compiled with Unicode semantics. That accepts a little
    more (``_`` and tabs, where ``_`` is allowed anyway) and keeps what matters, such as
    the ``^(?!aws:)`` guard on tag keys. A pattern that still does not compile is skipped.
    """
    if "\\p{" in pattern:
        unicode_pattern = pattern.replace("\\p{L}", "\\w").replace("\\p{N}", "\\w").replace("\\p{Z}", "\\s")
        try:
            return re.compile(unicode_pattern)
        except re.error:
            return None
    try:
        return re.compile(pattern, re.ASCII)
    except re.error:
        return None


def validate_input(operation_name: str, params: Mapping[str, Any]) -> None:
    """Check ``params`` (the decoded JSON body) against ``operation_name``'s input shape.

    Raises ``ValueError`` for an unknown operation, ``SerializationException`` for
    a value of the wrong JSON type and ``ValidationException`` for constraint
    violations. Unknown members are ignored, as AWS does.
    """
    try:
        shape = service_model().operation_model(operation_name).input_shape
    except OperationNotFoundError:
        raise ValueError(f"Unknown Rekognition operation: {operation_name!r}") from None
    if not isinstance(params, Mapping):
        raise SerializationException(
            "Unable to unmarshal request: expected object for the request body"
        )
    if shape is None:
        return
    errors: list[str] = []
    _check_structure(shape, params, "", "", errors)
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise ValidationException(
            f"{count} validation {noun} detected: " + "; ".join(errors[:MAX_LISTED_ERRORS])
        )


# --- walking ---------------------------------------------------------------------------


def _check_structure(
    shape: Shape, value: Mapping[str, Any], path: str, where: str, errors: list[str]
) -> None:
    required = shape.required_members
    for name, member in shape.members.items():
        sub_path = _join(path, name[:1].lower() + name[1:])
        sub_where = f"{where}.{name}" if where else name
        item = value.get(name)
        if item is None:  # JSON null is the same as absent
            if name in required:
                errors.append(_violation(None, sub_path, "Member must not be null"))
            continue
        _check(member, item, sub_path, sub_where, errors)


def _check(shape: Shape, value: Any, path: str, where: str, errors: list[str]) -> None:
    """Type-check ``value`` and append its violations (with path ``path``) to ``errors``."""
    kind = shape.type_name
    if kind == "structure":
        _type_check(isinstance(value, Mapping), shape, where)
        _check_structure(shape, value, path, where, errors)
    elif kind == "list":
        _check_list(shape, value, path, where, errors)
    elif kind == "map":
        _check_map(shape, value, path, where, errors)
    else:
        size = _scalar_size(shape, value, where)
        errors.extend(_violation(value, path, c, shape) for c in _constraints(shape, value, size))


def _check_list(shape: Shape, value: Any, path: str, where: str, errors: list[str]) -> None:
    _type_check(isinstance(value, (list, tuple)), shape, where)
    errors.extend(_violation(value, path, c, shape) for c in _length(shape, len(value)))
    member = shape.member
    failed: dict[str, None] = {}  # ordered set of element constraint texts
    for i, item in enumerate(value):
        item_where = f"{where}[{i}]"
        if member.type_name in ("structure", "list", "map"):
            # Coral names nested elements "<list>.<1-based index>.member".
            if item is None:
                errors.append(_violation(None, f"{path}.{i + 1}.member", "Member must not be null"))
            else:
                _check(member, item, f"{path}.{i + 1}.member", item_where, errors)
        elif item is None:
            failed["Member must not be null"] = None
        else:
            size = _scalar_size(member, item, item_where)
            failed.update(dict.fromkeys(_constraints(member, item, size)))
    if failed:
        inner = ", ".join(failed)
        errors.append(
            _violation(value, path, f"Member must satisfy constraint: [{inner}]", shape)
        )


def _check_map(shape: Shape, value: Any, path: str, where: str, errors: list[str]) -> None:
    _type_check(isinstance(value, Mapping), shape, where)
    errors.extend(_violation(value, path, c, shape) for c in _length(shape, len(value)))
    key_failed: dict[str, None] = {}
    value_failed: dict[str, None] = {}
    for key, item in value.items():
        item_where = f"{where}.{key}"
        key_size = _scalar_size(shape.key, key, item_where)
        key_failed.update(dict.fromkeys(_constraints(shape.key, key, key_size)))
        if shape.value.type_name in ("structure", "list", "map"):
            if item is not None:
                _check(shape.value, item, f"{path}.{key}", item_where, errors)
        elif item is None:
            value_failed["Member must not be null"] = None
        else:
            size = _scalar_size(shape.value, item, item_where)
            value_failed.update(dict.fromkeys(_constraints(shape.value, item, size)))
    for label, failed in (("Map keys", key_failed), ("Map value", value_failed)):
        if failed:
            inner = ", ".join(failed)
            errors.append(
                _violation(value, path, f"{label} must satisfy constraint: [{inner}]", shape)
            )


def _scalar_size(shape: Shape, value: Any, where: str) -> int | None:
    """Type-check a scalar; return its length for strings and (decoded) blobs."""
    kind = shape.type_name
    if kind == "string":
        _type_check(isinstance(value, str), shape, where)
        return len(value)
    if kind == "blob":
        _type_check(isinstance(value, str), shape, where)
        return _decoded_length(value, where)
    if kind == "boolean":
        _type_check(isinstance(value, bool), shape, where)
    elif kind in _INT_BOUNDS:
        low, high = _INT_BOUNDS[kind]
        _type_check(isinstance(value, int) and not isinstance(value, bool), shape, where)
        _type_check(low <= value <= high, shape, where)
    elif kind in ("float", "double", "timestamp"):  # JSON 1.1 timestamps are epoch seconds
        _type_check(isinstance(value, (int, float)) and not isinstance(value, bool), shape, where)
    return None


def _decoded_length(text: str, where: str) -> int:
    """Byte length of strict base64 ``text``, worked out without decoding it."""
    if len(text) % 4 or not _BASE64.fullmatch(text):
        raise SerializationException(
            f"Unable to unmarshal request: expected base64-encoded string for '{shortened(where)}'"
        )
    return len(text) // 4 * 3 - (len(text) - len(text.rstrip("=")))


def _type_check(ok: bool, shape: Shape, where: str) -> None:
    if not ok:
        raise SerializationException(
            f"Unable to unmarshal request: expected {_EXPECTED[shape.type_name]} for '{shortened(where)}'"
        )


# --- constraints -----------------------------------------------------------------------


def _constraints(shape: Shape, value: Any, size: int | None) -> list[str]:
    """Constraint texts that the scalar ``value`` (of length ``size``) breaks."""
    meta = shape.metadata
    if size is not None:  # strings and blobs
        failed = _length(shape, size)
    else:
        failed = []
        if "max" in meta and value > meta["max"]:
            failed.append(f"Member must have value less than or equal to {meta['max']}")
        if "min" in meta and value < meta["min"]:
            failed.append(f"Member must have value greater than or equal to {meta['min']}")
    if isinstance(value, str) and shape.type_name == "string":
        regex = _pattern(meta["pattern"]) if "pattern" in meta else None
        if regex is not None and not regex.fullmatch(value):
            failed.append(f"Member must satisfy regular expression pattern: {meta['pattern']}")
        if "enum" in meta and value not in meta["enum"]:
            failed.append(f"Member must satisfy enum value set: [{', '.join(meta['enum'])}]")
    return failed


def _length(shape: Shape, size: int) -> list[str]:
    """Length violations, a blob's counted in decoded bytes: ``Image.Bytes`` over the
    model's 5242880 is AWS's ValidationException (Coral checks it with the others)."""
    meta = shape.metadata
    failed = []
    if "max" in meta and size > meta["max"]:
        failed.append(f"Member must have length less than or equal to {meta['max']}")
    if "min" in meta and size < meta["min"]:
        failed.append(f"Member must have length greater than or equal to {meta['min']}")
    return failed


# --- messages --------------------------------------------------------------------------


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def shortened(text: str, most: int = SHOWN_CHARS) -> str:
    """``text`` as a message shows a value a client sent: whole up to ``most`` characters,
    else its first ``most`` and "..." (a 1 MB CollectionId made a 2 MB answer)."""
    return text if len(text) <= most else text[:most] + "..."


def _violation(value: Any, path: str, constraint: str, shape: Shape | None = None) -> str:
    shown = "null" if value is None else f"'{shortened(_render(value, shape))}'"
    return f"Value {shown} at '{shortened(path)}' failed to satisfy constraint: {constraint}"


def _render(value: Any, shape: Shape | None) -> str:
    """Render a value the way Coral's Java ``toString`` does (``[A, B]``, ``{k=v}``)."""
    kind = shape.type_name if shape is not None else None
    if value is None:
        return "null"
    if kind == "blob":
        size = _decoded_length(value, "")
        return f"java.nio.HeapByteBuffer[pos=0 lim={size} cap={size}]"
    if kind in ("float", "double"):
        return _java_float(float(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if kind == "list":
        return "[" + ", ".join(_render(v, shape.member) for v in value) + "]"
    if kind == "map":
        return "{" + ", ".join(f"{k}={_render(v, shape.value)}" for k, v in value.items()) + "}"
    if kind == "structure":
        members = shape.members
        return "{" + ", ".join(f"{k}={_render(v, members.get(k))}" for k, v in value.items()) + "}"
    return str(value)


def _java_float(x: float) -> str:
    """Java's ``Float.toString``: ``101.0``, ``0.5``, ``1.0E7``, ``NaN``, ``Infinity``."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        return repr(x)
    sign, digits, exponent = Decimal(repr(x)).normalize().as_tuple()
    text = "".join(map(str, digits))
    power = len(text) - 1 + exponent
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{power}"
