"""What the inspector's request list shows of one recorded call: its images with the marks
the findings put on them, its status and timing, the matches it found. Made once per entry
(entries do not change) and kept while the entry lives."""

from __future__ import annotations

import threading
import weakref
from typing import Any

from ..service import findings, recorder

NOT_AN_IMAGE = "not a JPEG or PNG image"

_SUMMARIES: weakref.WeakKeyDictionary[recorder.Entry, dict[str, Any]] = weakref.WeakKeyDictionary()
_SUMMARIES_LOCK = threading.Lock()


def summary(entry: recorder.Entry) -> dict[str, Any]:
    """What the requests list shows of one call (made once per entry: entries do not change)."""
    with _SUMMARIES_LOCK:
        found = _SUMMARIES.get(entry)
    if found is None:
        found = _summary(entry)
        with _SUMMARIES_LOCK:
            _SUMMARIES[entry] = found
    return found


def _summary(entry: recorder.Entry) -> dict[str, Any]:
    response = entry.response() if entry.status < 400 else {}
    marks = findings.marks(entry.operation, response, entry.notes)
    images = []
    for index, image in enumerate(entry.images()):
        images.append(
            {
                "index": index,
                "role": image.role,
                "source": image.source,
                "available": image.drawable,
                "problem": image.problem or (None if image.data is None or image.drawable else NOT_AN_IMAGE),
                "bytes": len(image.data) if image.data is not None else None,
                "marks": [m.as_dict() for m in marks.get(image.role, [])],
            }
        )
    params = entry.request()
    return {
        "seq": entry.seq,
        "time": entry.started,
        "operation": entry.operation,
        "account": entry.account,
        "region": entry.region,
        "status": entry.status,
        "latency_ms": round(entry.latency_ms, 1),
        "error_code": entry.error_code,
        "error_message": entry.error_message,
        "collection_id": params.get("CollectionId"),
        "images": images,
        "matches": [m.as_dict() for m in findings.matches(entry.operation, response)],
    }
