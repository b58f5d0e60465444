"""The HTTP side of ``rekognition-mock serve`` (:mod:`rekognition_mock.server` assembles it).

- :mod:`.connections`: the threaded server and its request handler: a cap on concurrent
  connections, a read timeout, and AWS's JSON error shape for requests http.server refuses.
- :mod:`.guard`: what the server refuses before moto's app sees a request (other web
  origins and sites, foreign ``Host`` names on its own routes, unknown operations,
  oversized or malformed bodies), and the test-author controls over HTTP.
- :mod:`.body`: a request's body read whole before any app runs, within a bound.
- :mod:`.callers`: who may call: ``Host`` names and ``Sec-Fetch-Site`` (the inspector's rules too).
- :mod:`.gate`: requests in flight counted, so that stopping never cuts one short.
"""

DEFAULT_READ_TIMEOUT = 30.0  # seconds: a request's head must arrive within it, its body never pause longer
DEFAULT_MAX_CONNECTIONS = 128  # served at once; one more is answered 503
