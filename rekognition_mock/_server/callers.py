"""Who may call the server: the ``Host`` names it answers to on its own routes, and what a
browser's ``Sec-Fetch-Site`` header says about where a request comes from.

A web page on another site can make the browser send requests without an ``Origin`` header
(``<img src>``, ``<script src>``, a link), and a DNS name rebound to this machine reaches it
under a foreign ``Host``. Both rules are shared by the guard in front of moto's app and by
the inspector.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

_HOST = re.compile(r"\[([0-9a-fA-F:.]+)\](?::\d+)?|([^:\[\]]*)(?::\d+)?")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class Hosts:
    """The ``Host`` names the server answers to on its own routes: any IP address,
    ``localhost`` (and ``*.localhost``), the address it was started on, and the names it
    was told to allow (``--allow-host``)."""

    def __init__(self, bound: str = "127.0.0.1", allowed: Iterable[str] = ()) -> None:
        self.names = {bound.strip("[]").lower(), "localhost", *(name.strip("[]").lower() for name in allowed)}

    def known(self, host_header: str) -> bool:
        match = _HOST.fullmatch(host_header)
        if not match:
            return False
        name = (match.group(1) or match.group(2) or "").lower()
        if name in self.names or name.endswith(".localhost"):
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True


def from_another_site(environ: dict) -> bool:
    """True when a browser says the request was made by a page of another origin
    (``Sec-Fetch-Site: cross-site``, or ``same-site``: another port or subdomain)."""
    return environ.get("HTTP_SEC_FETCH_SITE", "").strip().lower() in ("cross-site", "same-site")
