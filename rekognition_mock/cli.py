"""The ``rekognition-mock`` command: serve, detect, compare, draw."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any

from . import __version__
from ._server import DEFAULT_MAX_CONNECTIONS, DEFAULT_READ_TIMEOUT
from .service.recorder import DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES
from .vision.config import DETECTORS

PROG = "rekognition-mock"


class CommandError(Exception):
    """A failure to report on one line with a non-zero exit status."""


def _image_after_attributes(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """``detect --attributes ALL photo.jpg``: the list took the image too. Its last word is
    the image when it is no attribute name; otherwise say where IMAGE goes."""
    from .service.shapes import attribute_keys

    names = {"DEFAULT", "ALL", *attribute_keys()}
    if len(args.attributes) > 1 and args.attributes[-1] not in names:
        args.image = args.attributes.pop()
        return
    parser.error("detect: IMAGE is required (give it before --attributes, or end the list with --: "
                 "rekognition-mock detect --attributes ALL -- photo.jpg)")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    if args.command == "detect" and args.image is None:
        _image_after_attributes(parser, args)
    try:
        from .settings import settings

        _configure(args)  # an explicit --detector wins over the environment
        settings.check()  # a bad REKOGNITION_MOCK_* variable is reported here, on one line
    except ValueError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except CommandError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Amazon Rekognition for tests, answered by a real face engine (dlib's networks).")
    parser.add_argument("--detector", choices=DETECTORS, help=f"face detector (default: $REKOGNITION_MOCK_DETECTOR or {DETECTORS[0]})")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser("serve", help="run a moto server with this Rekognition", description="Run moto's server (every moto service) with Rekognition answered by the face engine.")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")
    serve.add_argument("--port", type=int, default=5000, help="port (default: 5000; 0 picks a free one)")
    where = serve.add_mutually_exclusive_group()
    where.add_argument("--state-dir", metavar="DIR", help="keep collections, faces and tags in SQLite under DIR across restarts")
    where.add_argument("--state-url", metavar="URL",
                       help="keep them in PostgreSQL instead (postgresql://user@host/db), which several servers "
                            "may share; needs pip install 'rekognition-mock[postgres]'")
    serve.add_argument("--quiet", action="store_true", help="do not log one line per request")
    serve.add_argument("--cors-origin", metavar="ORIGIN", action="append", default=[],
                       help="let a web page from ORIGIN (e.g. http://localhost:3000) call the server; repeatable "
                            "(default: requests sent by browsers from any origin are refused)")
    serve.add_argument("--moto-api", action="store_true",
                       help="also serve moto's own /moto-api/ routes (reset, dashboard, recorder); off by default")
    serve.add_argument("--no-inspector", dest="inspector", action="store_false",
                       help="do not serve the inspector page at /_rekognition_mock/ (and record no requests for it)")
    serve.add_argument("--no-face-crops", dest="face_crops", action="store_false",
                       help="do not keep a small crop of each indexed face for the inspector (for many faces)")
    serve.add_argument("--inspector-requests", type=_positive, default=None, metavar="N",
                       help=f"how many recent requests the inspector keeps (default: {DEFAULT_MAX_ENTRIES}; "
                            f"at most {DEFAULT_MAX_BYTES // 2**20} MB of images)")
    serve.add_argument("--reset-face-crops", action="store_true",
                       help="drop the inspector's crop file in --state-dir and start it afresh "
                            "(when the server says it is damaged; faces indexed so far keep no crop)")
    serve.add_argument("--read-timeout", type=_seconds, default=DEFAULT_READ_TIMEOUT, metavar="SECONDS",
                       help="a request's line and headers must arrive within it, and its body may pause no "
                            f"longer (default: {DEFAULT_READ_TIMEOUT:g})")
    serve.add_argument("--max-connections", type=_positive, default=DEFAULT_MAX_CONNECTIONS, metavar="N",
                       help=f"connections served at once; one more is answered 503 (default: {DEFAULT_MAX_CONNECTIONS})")
    serve.add_argument("--allow-host", metavar="NAME", action="append", default=[],
                       help="a Host name (e.g. a container's) the controls, the inspector and moto's /moto-api/ "
                            "answer to besides IP addresses, localhost and --host; repeatable")
    serve.set_defaults(run=_serve)

    detect = sub.add_parser("detect", help="print the DetectFaces JSON for an image", description="Print the DetectFaces response the mock returns for IMAGE.")
    detect.add_argument("image", metavar="IMAGE", nargs="?", help="JPEG or PNG file")
    detect.add_argument("--attributes", nargs="+", default=["DEFAULT"], metavar="ATTR", help="DEFAULT, ALL or attribute names (default: DEFAULT)")
    detect.set_defaults(run=_detect)

    compare = sub.add_parser("compare", help="print the CompareFaces JSON for two images", description="Print the CompareFaces response for the largest face of SOURCE against the faces of TARGET.")
    compare.add_argument("source", metavar="SOURCE", help="JPEG or PNG file")
    compare.add_argument("target", metavar="TARGET", help="JPEG or PNG file")
    compare.add_argument("--similarity-threshold", type=float, default=80.0, metavar="N", help="default: 80")
    compare.set_defaults(run=_compare)

    draw = sub.add_parser("draw", help="draw the faces the mock sees", description="Write IMAGE with face boxes, landmarks and confidence drawn on it.")
    draw.add_argument("image", metavar="IMAGE", help="JPEG or PNG file")
    draw.add_argument("-o", "--output", required=True, metavar="OUT.png", help="PNG file to write")
    draw.set_defaults(run=_draw)
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(f"must be more than 0 and less than a day, not {text}")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _configure(args: argparse.Namespace) -> None:
    if args.detector:
        from . import configure

        configure(detector=args.detector)


def _read_image(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None


def _call(operation: str, **params: Any) -> dict[str, Any]:
    """Run one Rekognition call through the mock, exactly as a test would."""
    import os

    from ._hook import FAKE_CREDENTIALS

    for name in FAKE_CREDENTIALS[:2]:  # a key pair, unless the user has one
        os.environ.setdefault(name, "testing")
    import boto3
    from botocore.exceptions import ClientError

    from . import mock_rekognition

    started = time.monotonic()
    _status("analysing with the face engine (models load on first use)...")
    with mock_rekognition():
        client = boto3.client("rekognition", region_name="us-east-1")
        try:
            response = getattr(client, operation)(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise CommandError(f"{error.get('Code')}: {error.get('Message')}") from None
    _status(f"done in {time.monotonic() - started:.1f} s")
    response.pop("ResponseMetadata", None)
    return response


def _status(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def _detect(args: argparse.Namespace) -> int:
    _configure(args)
    response = _call("detect_faces", Image={"Bytes": _read_image(args.image)}, Attributes=args.attributes)
    print(json.dumps(response, indent=2))
    return 0


def _compare(args: argparse.Namespace) -> int:
    _configure(args)
    response = _call(
        "compare_faces",
        SourceImage={"Bytes": _read_image(args.source)},
        TargetImage={"Bytes": _read_image(args.target)},
        SimilarityThreshold=args.similarity_threshold,
    )
    print(json.dumps(response, indent=2))
    return 0


def _draw(args: argparse.Namespace) -> int:
    _configure(args)
    data = _read_image(args.image)
    response = _call("detect_faces", Image={"Bytes": data}, Attributes=["ALL"])
    from .drawing import draw_faces

    picture = draw_faces(data, response["FaceDetails"])
    try:
        picture.save(args.output, format="PNG")
    except OSError as exc:
        raise CommandError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    _status(f"wrote {args.output} ({picture.width}x{picture.height}, {len(response['FaceDetails'])} face(s))")
    return 0


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _serve(args: argparse.Namespace) -> int:
    _configure(args)
    from .server import RekognitionMockServer, ServerExtraMissing, StateDirError, require_server_extra
    from .vision.memory import tune_for_server

    try:
        require_server_extra()
    except ServerExtraMissing as exc:
        raise CommandError(str(exc)) from None

    tune_for_server()  # this process is the server's own: one heap, no onnxruntime arenas

    server = RekognitionMockServer(
        args.host, args.port, state_dir=args.state_dir, state_url=args.state_url, verbose=not args.quiet,
        cors_origins=args.cors_origin, moto_api=args.moto_api,
        inspector=args.inspector, face_crops=args.face_crops, inspector_requests=args.inspector_requests,
        read_timeout=args.read_timeout, max_connections=args.max_connections, allowed_hosts=args.allow_host,
        reset_face_crops=args.reset_face_crops,
    )
    if not _is_loopback(args.host):
        _status(f"warning: {args.host} is not a loopback address: other machines can reach the mock "
                "and its state (there is no authentication)")
    try:
        server._build()
    except StateDirError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None

    def _stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)  # also when started in the background, where SIGINT is ignored
    state = (f"state in {server.state_dir}" if server.state_dir else
             f"state in {server._store.location}" if server.state_url else "state in memory")
    print(f"{PROG} listening on {server.url} ({state}); Ctrl-C to stop", flush=True)
    if server.inspector:
        print(f"{PROG} inspector: {server.url}/_rekognition_mock/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    print(f"{PROG} stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
