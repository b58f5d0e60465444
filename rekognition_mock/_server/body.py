"""A request's body, read whole before any app sees the request.

moto's app (Flask) reads bodies itself: a malformed chunked framing, a body shorter than
its ``Content-Length`` or a client that stops sending reached it as an exception, which
Flask answered with an HTML 500 and a traceback in the log. Here the body is read first,
within a bound, and each of those is an AWS-shaped 4xx; the app then reads a complete,
seekable copy (in memory up to :data:`IN_MEMORY` bytes, in a temporary file past that).
"""

from __future__ import annotations

import re
import tempfile
from typing import Any

CHUNK = 1 << 20  # bytes read at a time
IN_MEMORY = 16 * 2**20 + 1  # a body larger than this is copied to a temporary file
_DIGITS = re.compile(r"[0-9]{1,20}")


class BodyError(Exception):
    """A body that cannot be read: answered with ``status`` and AWS's JSON error shape."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


class TooLarge(Exception):
    """The body is longer than the bound: ``length`` is its declared length, or None
    when it was sent in chunks and more than the bound has arrived (the rest is left unread)."""

    def __init__(self, length: int | None) -> None:
        super().__init__(length)
        self.length = length


def declared_length(environ: dict[str, Any]) -> int | None:
    """The ``Content-Length`` (None when absent or when the body is chunked); a value that
    is not a number is a :class:`BodyError`."""
    if environ.get("wsgi.input_terminated"):
        return None
    text = environ.get("CONTENT_LENGTH")
    if text is None or text == "":
        return None
    if not _DIGITS.fullmatch(text.strip()):
        raise BodyError(400, "BadRequestException", f"Content-Length {_cut(text)!r} is not a number of bytes")
    return int(text)


def read_whole(environ: dict[str, Any], limit: int | None = None) -> None:
    """Read the body of ``environ`` now (its ``Content-Length`` bytes, or every chunk of a
    chunked one) and put a complete copy in its place, or raise.

    :class:`TooLarge` when it is longer than ``limit`` (a declared length is refused before
    anything is read); :class:`BodyError` for a length that is not a number, a chunked
    framing that cannot be read, a body that ends early (400) or a client that stops
    sending for the read timeout (408).
    """
    length = declared_length(environ)
    chunked = bool(environ.get("wsgi.input_terminated"))
    if length is None and not chunked:
        return  # no body
    if length is not None and limit is not None and length > limit:
        raise TooLarge(length)
    stream = environ["wsgi.input"]
    read = getattr(stream, "read1", stream.read)  # what has arrived, so that a stall says how much did
    copy = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)  # noqa: SIM115 - handed on in environ
    size = 0
    try:
        try:
            while length is None or size < length:
                want = CHUNK if length is None else min(CHUNK, length - size)
                if chunked and limit is not None:
                    want = min(want, limit + 1 - size)
                part = read(want)
                if not part:
                    if length is not None:
                        raise BodyError(400, "BadRequestException",
                                        f"The request body ended after {size} of its {length} bytes (Content-Length).")
                    break
                copy.write(part)
                size += len(part)
                if chunked and limit is not None and size > limit:
                    raise TooLarge(None)
        except TimeoutError:
            raise BodyError(408, "RequestTimeoutException", f"The request body stopped arriving after {size} bytes: "
                            "nothing came within the read timeout.") from None
        except ConnectionError:
            raise
        except OSError as exc:  # werkzeug's chunk reader: "Invalid chunk header", "Missing chunk terminating newline"
            raise BodyError(400, "BadRequestException",
                            f"The request body's chunked framing cannot be read: {exc} (after {size} bytes).") from None
    except BaseException:
        copy.close()
        raise
    copy.seek(0)
    environ["wsgi.input"] = copy
    environ["wsgi.input_terminated"] = True  # the copy ends where the body does
    environ["CONTENT_LENGTH"] = str(size)


def _cut(text: str, most: int = 40) -> str:
    return text if len(text) <= most else text[:most] + "..."
