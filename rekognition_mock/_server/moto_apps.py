"""moto's Flask apps, one per service, as moto makes them, with one error handler added.

A change that cannot be saved in the state directory (:class:`StateWriteError`, raised by
a backend's write outside Rekognition's own responses, such as ``POST /moto-api/reset``)
is answered with AWS's ``InternalServerError``, not Flask's HTML page and a traceback (the
store has logged why, on one line).
"""

from __future__ import annotations

from typing import Any

from ..store.statedir import StateWriteError


def create_backend_app(service: Any) -> Any:
    """moto's app for ``service``, Rekognition's made on the face engine whatever a plain
    ``mock_aws`` is set to answer (:func:`.._hook.create_engine_backend_app`)."""
    from .._hook import create_engine_backend_app

    app = create_engine_backend_app(service)
    app.register_error_handler(StateWriteError, _not_saved)
    return app


def _not_saved(error: StateWriteError) -> Any:
    from flask import Response

    from .connections import json_error_body

    return Response(json_error_body("InternalServerError", f"Internal server error. {error.short}"), status=500,
                    content_type="application/x-amz-json-1.1")
