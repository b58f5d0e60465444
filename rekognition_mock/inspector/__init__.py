"""The inspector page of ``rekognition-mock serve`` (``GET /_rekognition_mock/``).

Recent requests with their images and the faces found drawn on them, collections with
their faces (and small crops kept at index time), and the test-author controls in force.
Plain HTML, CSS and JavaScript served from this package (``static/``); see
``docs/server.md``.
"""

from .app import Inspector

__all__ = ["Inspector"]
