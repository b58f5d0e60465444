"""Opaque NextToken values, each bound to one listing of one scope."""

from __future__ import annotations

import base64
import binascii
import json

from .exceptions import InvalidPaginationTokenException


def encode_token(kind: str, scope: str, position: object) -> str:
    """An opaque NextToken bound to one listing (``kind``) of one ``scope``."""
    raw = json.dumps([kind, scope, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, kind: str, scope: str) -> object:
    """The position stored in ``token``; InvalidPaginationTokenException if it is not ours."""
    try:
        padded = token + "=" * (-len(token) % 4)
        found_kind, found_scope, position = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidPaginationTokenException() from None
    if found_kind != kind or found_scope != scope:
        raise InvalidPaginationTokenException()
    return position
