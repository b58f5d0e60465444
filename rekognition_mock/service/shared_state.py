"""The in-process mock on a state database: ``settings.state_url`` (``REKOGNITION_MOCK_STATE_URL``).

With a ``postgresql://`` URL set, the first Rekognition request of an in-process mock
(``mock_rekognition``, the pytest fixtures, an engine-answered ``mock_aws``) opens the database
``serve --state-url`` uses, loads its collections, faces and users, and shares the engine's
analyses through it: the process then answers as one more replica (every write committed
there, other replicas' changes read before each request, an image analysed anywhere not
analysed again).

moto's reset (a mock starting or stopping) empties this process's memory only: the database
is left as it is (other processes share it), and the next request loads it again. A server
(``serve``) opens its own state and ignores this setting.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..store import state

log = logging.getLogger("rekognition_mock")
_LOCK = threading.Lock()
_OPEN: dict[str, Any] = {"url": None, "store": None, "analyses": None}


def attached() -> "state.Store | None":
    """The store of ``settings.state_url`` for this process (opened and loaded on first use;
    closed again when the setting changes); None without a URL. A server's own store wins."""
    from ..settings import settings

    url = settings.state_url
    store = _OPEN["store"]
    if url == _OPEN["url"] and (store is None or state.active() is store):
        return store
    with _LOCK:
        current = state.active()
        if current is not None and current is not _OPEN["store"]:
            return current  # a server's --state-dir or --state-url
        if url != _OPEN["url"] or _OPEN["store"] is None:
            _detach()
            if url:
                _attach(url)
        return _OPEN["store"]


def _attach(url: str) -> None:
    from ..settings import settings
    from ..store.analyses import PostgresAnalyses
    from ..store.postgres import PostgresStore
    from .models import load_state

    store = PostgresStore(url)
    try:
        restored = load_state(store)
    except BaseException:
        store.close()
        raise
    store.changes()  # what was just loaded
    analyses = PostgresAnalyses(url, store.location)
    state.activate(store)
    settings.share_analyses(analyses)
    _OPEN.update(url=url, store=store, analyses=analyses)
    log.info("in-process mock on %s: %d collection(s) loaded", store.location, restored)


def _detach() -> None:
    from ..settings import settings

    store, analyses = _OPEN["store"], _OPEN["analyses"]
    _OPEN.update(url=None, store=None, analyses=None)
    if analyses is not None:
        if settings._shared_analyses is analyses:
            settings.share_analyses(None)
        analyses.close()
    if store is not None:
        if state.active() is store:
            state.activate(None)
        store.close()


def is_attached(store: object) -> bool:
    """True when ``store`` is the in-process mock's (not a server's)."""
    return store is not None and store is _OPEN["store"]


def forget() -> None:
    """Close the in-process store, leaving the database as it is (moto's reset): the next
    request opens and loads it again."""
    with _LOCK:
        _detach()


def close() -> None:
    """Close the in-process store (and stop sharing analyses through it)."""
    forget()
