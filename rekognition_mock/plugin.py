"""pytest plugin: Rekognition (and every other moto service) mocked per test.

Registered through the ``pytest11`` entry point, so installing ``rekognition-mock`` is
enough: no conftest needed. Importing this module stays cheap; moto, boto3 and the face
engine are imported inside the fixtures that need them. See ``docs/pytest.md``.

The fixtures always use the face engine. Who answers Rekognition inside a plain
``mock_aws`` (the engine, or moto's canned answers) is the ``rekognition_plain_mock_aws``
ini option, overridden per test by the ``moto_rekognition`` and ``rekognition_engine`` markers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .settings import PLAIN_MOCK_AWS, settings
from .vision.config import DETECTORS

if TYPE_CHECKING:
    from moto.core.models import MockAWS

    from .server import RekognitionMockServer
    from .service.calls import RecordedCalls
    from .service.models import RekognitionBackend

DEFAULT_REGION = "us-east-1"
MARKER = "rekognition_detector"
OPTION = "--rekognition-detector"
ARTIFACTS_OPTION = "--rekognition-artifacts"
PLAIN_INI = "rekognition_plain_mock_aws"  # engine | moto: who answers Rekognition in a plain mock_aws
MOTO_MARKER = "moto_rekognition"  # this test's plain mock_aws answers with moto's canned Rekognition
ENGINE_MARKER = "rekognition_engine"  # ... with the face engine (whatever the ini option says)
_CALLS = pytest.StashKey[Any]()  # the recorder.Ring of the running test
_REPORTED = pytest.StashKey[bool]()
_PLAIN_BEFORE = pytest.StashKey[Any]()  # settings._plain_mock_aws before the ini option applied


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--rekognition-detector {cnn,hog}``."""
    group = parser.getgroup("rekognition-mock")
    group.addoption(
        OPTION,
        dest="rekognition_detector",
        choices=DETECTORS,
        default=None,
        help=f"face detector for every test (default: REKOGNITION_MOCK_DETECTOR or {DETECTORS[0]}); "
        f"@pytest.mark.{MARKER}(...) overrides it per test",
    )
    group.addoption(
        "--rekognition-no-disk-cache",
        dest="rekognition_no_disk_cache",
        action="store_true",
        default=False,
        help="do not keep face-engine analyses in pytest's cache directory across runs",
    )
    group.addoption(
        ARTIFACTS_OPTION,
        dest="rekognition_artifacts",
        metavar="DIR",
        default=None,
        help="where a failed test's images go, annotated with the faces the mock found "
        "(default: rekognition-artifacts in pytest's cache directory)",
    )
    parser.addini(
        PLAIN_INI,
        f"who answers Rekognition inside a plain mock_aws: {' or '.join(PLAIN_MOCK_AWS)} (moto's canned answers); "
        f"default: REKOGNITION_MOCK_PLAIN_MOCK_AWS or {PLAIN_MOCK_AWS[0]}. The plugin's fixtures and "
        f"mock_rekognition always use the engine; @pytest.mark.{MOTO_MARKER} / {ENGINE_MARKER} choose per test",
        default="",
    )


def _share_cores_between_workers() -> None:
    """On a pytest-xdist worker, run each network on the worker's share of the cores (set
    before any network loads; a user's own REKOGNITION_MOCK_THREADS wins). Workers that each
    took every core would only wait for each other."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers and workers.isdigit() and int(workers) > 0:
        os.environ.setdefault("REKOGNITION_MOCK_THREADS", str(max(1, (os.cpu_count() or 1) // int(workers))))


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker; keep analyses in pytest's cache directory across runs.

    The disk cache is on unless ``--rekognition-no-disk-cache`` is given, pytest's
    cache provider is disabled (``-p no:cacheprovider``), or the user chose a directory
    already (``REKOGNITION_MOCK_CACHE_DIR`` or ``rekognition_mock.configure``).
    """
    config.addinivalue_line(
        "markers",
        f"{MARKER}(name): run this test with the face detector name ({' or '.join(DETECTORS)}; "
        f"overrides {OPTION})",
    )
    config.addinivalue_line(
        "markers",
        f"{MOTO_MARKER}: a plain mock_aws in this test answers Rekognition with moto's canned answers "
        f"(overrides the {PLAIN_INI} ini option; the rekognition fixtures and mock_rekognition keep the engine)",
    )
    config.addinivalue_line(
        "markers",
        f"{ENGINE_MARKER}: a plain mock_aws in this test answers Rekognition with the face engine "
        f"(overrides the {PLAIN_INI} ini option)",
    )
    _apply_plain_ini(config)
    _share_cores_between_workers()
    cache = getattr(config, "cache", None)
    if cache is None or config.getoption("rekognition_no_disk_cache", default=False):
        return
    if settings.cache_dir is None and not os.environ.get("REKOGNITION_MOCK_CACHE_DIR"):
        settings.cache_dir = cache.mkdir("rekognition-mock")
        config._rekognition_mock_set_cache = True  # type: ignore[attr-defined]


def _apply_plain_ini(config: pytest.Config) -> None:
    """The ini option ``rekognition_plain_mock_aws``, for the whole run (undone at its end)."""
    choice = str(config.getini(PLAIN_INI) or "").strip().lower()
    if not choice:
        try:
            settings.plain_mock_aws  # REKOGNITION_MOCK_PLAIN_MOCK_AWS: refused now, not inside a request
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None
        return
    if choice not in PLAIN_MOCK_AWS:
        raise pytest.UsageError(f"{PLAIN_INI} must be one of {', '.join(PLAIN_MOCK_AWS)}, not {choice!r}")
    config.stash[_PLAIN_BEFORE] = settings._plain_mock_aws
    settings.plain_mock_aws = choice


def pytest_unconfigure(config: pytest.Config) -> None:
    """Undo the disk cache and the ini option's choice (matters for in-process runs)."""
    if getattr(config, "_rekognition_mock_set_cache", False):
        settings.reset_cache_dir()
    if _PLAIN_BEFORE in config.stash:
        settings.plain_mock_aws = config.stash[_PLAIN_BEFORE]
        del config.stash[_PLAIN_BEFORE]


def _marked_plain_choice(item: pytest.Item) -> str | None:
    """``"moto"`` or ``"engine"`` from the closest of the two markers, or None."""
    for mark in item.iter_markers():  # the test's own first, then its class's, its module's
        if mark.name == MOTO_MARKER:
            return "moto"
        if mark.name == ENGINE_MARKER:
            return "engine"
    return None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    """Record the test's Rekognition calls (references only) while it runs, and apply its
    plain-mock_aws marker from setup to teardown (the previous choice comes back after)."""
    from .service import recorder

    calls = recorder.Ring()
    item.stash[_CALLS] = calls
    recorder.subscribe(calls)
    previous = settings._plain_mock_aws
    choice = _marked_plain_choice(item)
    if choice is not None:
        settings.plain_mock_aws = choice
    try:
        yield
    finally:
        settings.plain_mock_aws = previous
        recorder.unsubscribe(calls)
        del item.stash[_CALLS]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """The plain-mock_aws markers take no arguments: a test that gives some errors out."""
    for mark in item.iter_markers():
        if mark.name in (MOTO_MARKER, ENGINE_MARKER) and (mark.args or mark.kwargs):
            pytest.fail(f"@pytest.mark.{mark.name} takes no arguments (use @pytest.mark.{MOTO_MARKER} or "
                        f"@pytest.mark.{ENGINE_MARKER}), not {mark!r}", pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """When the test fails, add what the mock saw to its report (and the annotated images)."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed or report.when == "teardown" or item.stash.get(_REPORTED, False):
        return
    calls = item.stash.get(_CALLS, None)
    if calls is None or not len(calls):
        return
    from . import report as mock_report

    item.stash[_REPORTED] = True
    folder = mock_report.folder_for(_artifacts_root(item.config), item.nodeid)
    report.sections.append((mock_report.SECTION, mock_report.section(calls.entries(), folder)))


def _artifacts_root(config: pytest.Config) -> Path:
    chosen = config.getoption("rekognition_artifacts", default=None)
    if chosen:
        return Path(chosen).resolve()
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("rekognition-artifacts"))
    import tempfile

    return Path(tempfile.gettempdir()) / "rekognition-artifacts"


def _region() -> str:
    return os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def _requested_detector(request: pytest.FixtureRequest) -> str | None:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return request.config.getoption("rekognition_detector", default=None)
    well_formed = len(marker.args) + len(marker.kwargs) == 1 and set(marker.kwargs) <= {"detector"}
    if not well_formed:
        pytest.fail(f"use @pytest.mark.{MARKER}(name) with one of {DETECTORS}, not {marker!r}", pytrace=False)
    value = marker.args[0] if marker.args else marker.kwargs["detector"]
    if value not in DETECTORS:
        message = f"@pytest.mark.{MARKER}: detector must be one of {DETECTORS}, not {value!r}"
        pytest.fail(message, pytrace=False)
    return value


@pytest.fixture(autouse=True)
def _rekognition_detector(request: pytest.FixtureRequest) -> Iterator[None]:
    """Apply the ``rekognition_detector`` marker or ``--rekognition-detector`` to one test."""
    detector = _requested_detector(request)
    if detector is None:
        yield
        return
    from .settings import configure

    previous = settings._detector  # an explicit configure() made outside the test, or None
    configure(detector)
    try:
        yield
    finally:
        configure(previous)


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake AWS credentials and a region in the environment, so nothing can reach AWS.

    Sets ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN`` and
    ``AWS_SECURITY_TOKEN`` to ``testing`` and the AWS config and credentials files to
    the null device; keeps ``AWS_DEFAULT_REGION`` or sets ``us-east-1``; unsets
    profiles and endpoint overrides. Undone after the test.
    """
    from ._hook import fake_aws_environment

    unset, values = fake_aws_environment()
    for name in unset:
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", _region())


@pytest.fixture
def rekognition_mock_session(aws_credentials: None) -> Iterator[MockAWS]:
    """The mock itself: ``rekognition_mock.mock_rekognition()`` entered for this test.

    Every moto service is mocked, Rekognition by the face engine. State starts empty
    and is thrown away after the test. Yields moto's ``MockAWS`` object.
    """
    from . import mock_rekognition, reset_controls

    reset_controls()  # scripted labels and injected faults belong to one test
    try:
        with mock_rekognition() as mock:
            yield mock
    finally:
        reset_controls()


@pytest.fixture
def rekognition_client(rekognition_mock_session: MockAWS) -> Any:
    """A boto3 Rekognition client answered by the mock (region: AWS_DEFAULT_REGION)."""
    import boto3

    return boto3.client("rekognition", region_name=_region())


@pytest.fixture
def s3_client(rekognition_mock_session: MockAWS) -> Any:
    """A boto3 S3 client in the same mock, for ``Image={"S3Object": ...}``."""
    import boto3

    return boto3.client("s3", region_name=_region())


@pytest.fixture
def rekognition_backend(rekognition_mock_session: MockAWS) -> RekognitionBackend:
    """The mock's ``RekognitionBackend`` for moto's account and the region, to inspect state.

    For example ``rekognition_backend.collections["c1"]``. The account is
    ``MOTO_ACCOUNT_ID`` if set, else moto's default ``123456789012``.
    """
    from moto.core import DEFAULT_ACCOUNT_ID

    from .service.models import rekognition_backends

    account = os.environ.get("MOTO_ACCOUNT_ID") or DEFAULT_ACCOUNT_ID
    return rekognition_backends[account][_region()]


@pytest.fixture(scope="session")
def face_image() -> Callable[[str], bytes]:
    """A factory for the bundled photos' bytes: ``face_image("grace_hopper")``.

    Names: ``astronaut``, ``grace_hopper`` (one face each) and ``coffee`` (no face),
    with or without ``.jpg``. An unknown name raises ``KeyError`` listing them.
    """
    from .fixtures import face_image as load

    return load


@pytest.fixture
def rekognition_calls(request: pytest.FixtureRequest) -> RecordedCalls:
    """The Rekognition calls made since this test's setup began, in order, like ``responses.calls``.

    Each has ``operation``, ``params`` (images' bytes replaced by their size and SHA-256),
    ``response`` or ``error`` (``code``, ``message``), ``seconds``, ``images`` and
    ``image_digests``. Calls answered by ``rekognition_server`` count too. ``reset()``
    forgets the calls so far (the failure report keeps them).
    """
    from .service.calls import RecordedCalls

    return RecordedCalls(request.node.stash[_CALLS])


class ServedRekognition:
    """What ``rekognition_server`` yields: the in-process server's address, and the
    environment a subprocess needs to reach it."""

    def __init__(self, server: RekognitionMockServer) -> None:
        self.server = server

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, the endpoint for any SDK or the AWS CLI."""
        return self.server.url

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def env(self) -> dict[str, str]:
        """``os.environ`` for a subprocess: ``AWS_ENDPOINT_URL`` set to :attr:`url`, fake
        credentials, the region, and no profile or config file that could lead elsewhere."""
        from ._hook import fake_aws_environment

        unset, values = fake_aws_environment()
        env = {k: v for k, v in os.environ.items() if k not in unset and not k.startswith("AWS_ENDPOINT_URL_")}
        return {**env, **values, "AWS_ENDPOINT_URL": self.url, "AWS_DEFAULT_REGION": _region()}

    def reset(self) -> None:
        """Empty every backend (collections, S3 buckets...) and the scripted controls."""
        self.server.reset()

    def __repr__(self) -> str:
        return f"<ServedRekognition {self.url}>"


@pytest.fixture(scope="session")
def rekognition_server() -> Iterator[ServedRekognition]:
    """``rekognition-mock serve`` on a free port of 127.0.0.1, in this process, for the session:
    for clients that are not Python (``.url``, ``.port``, ``.env`` for a subprocess).

    Rekognition is answered by the face engine, as in the fixtures; every other moto service
    is served too. The state is the process's moto backends, shared by the tests that use the
    server and emptied whenever a mock starts or stops: ``.reset()`` empties it.
    """
    from .server import RekognitionMockServer

    server = RekognitionMockServer(port=0, inspector=False).start()
    try:
        yield ServedRekognition(server)
    finally:
        server.stop()
