"""Test-author controls no real service has: scripted answers and injected faults.

Process-wide state, thread-safe, cleared by :func:`reset`; moto's reset clears it too (the
registry keeps a moto backend of its own for that reset to reach: no Rekognition backend
is needed). Images are named by their bytes (matched by SHA-256, however they are sent) or
by an S3 ``(bucket, key)`` pair. Every Rekognition call passes through :func:`before`
first, in ``responses.call_action``, so an injected fault or latency applies to any operation.

Each family of controls is a module here, declaring its :class:`~.registry.Family` (its
table and how it is listed) in the one :mod:`.registry`, its in-process function and its
``@http_control("name")`` for ``POST /_rekognition_mock/<name>``. Adding a family is a new
module like ``labels.py``, imported below, and its function re-exported by
``rekognition_mock/__init__.py``.
"""

from __future__ import annotations

from . import labels  # isort: skip  (the families list in this order)
from . import faults  # isort: skip
from . import faces  # isort: skip
from . import celebrities  # isort: skip
from . import equipment  # isort: skip
from . import text  # isort: skip
from . import video  # isort: skip
from . import lifecycle  # isort: skip
from .celebrities import set_celebrities
from .equipment import scripted_equipment, set_protective_equipment
from .faces import face_attributes, override, set_face_attributes
from .faults import before, inject_error, inject_latency, operation_name
from .labels import scripted, set_labels
from .text import scripted_text, set_text
from .registry import (
    ANY_OPERATION,
    FAMILIES,
    HTTP_CONTROLS,
    MAX_HTTP_BODY,
    handle_http,
    http_control,
    image_key,
    inspector_rows,
    listing,
    request_image_keys,
    reset,
)

__all__ = [
    "ANY_OPERATION", "FAMILIES", "HTTP_CONTROLS", "MAX_HTTP_BODY", "before", "celebrities", "equipment",
    "face_attributes", "faces", "faults", "handle_http", "http_control", "image_key", "inject_error",
    "inject_latency", "inspector_rows", "labels", "listing", "operation_name", "override", "request_image_keys",
    "reset", "scripted", "scripted_equipment", "scripted_text", "set_celebrities", "set_face_attributes",
    "set_labels", "set_protective_equipment", "set_text", "lifecycle", "text", "video",
]
