"""The pytest plugin, exercised the way a user meets it: test files with no conftest.

The inner runs are in-process (``pytester.runpytest_inprocess``). pytester drops every
module first imported during an inner run when it ends, so the heavy modules are
imported here first: that keeps one numpy/dlib and one loaded face engine for all runs.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import boto3  # noqa: F401  (kept loaded across in-process runs, see above)
import moto  # noqa: F401
import pytest

import rekognition_mock
import rekognition_mock.service.models  # noqa: F401
from rekognition_mock import fixtures
from rekognition_mock.settings import settings

pytest_plugins = ["pytester"]


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester with the entry-point plugin autoloaded and the detector at its default."""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("REKOGNITION_MOCK_DETECTOR", raising=False)
    monkeypatch.setattr(settings, "_detector", None)
    return pytester


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_user=textwrap.dedent(source))
    return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)


def test_fixtures_work_without_conftest(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import os
        import pytest

        def test_detect(rekognition_client, face_image):
            r = rekognition_client.detect_faces(Image={"Bytes": face_image("grace_hopper")})
            assert len(r["FaceDetails"]) == 1

        def test_a_creates(rekognition_client, rekognition_backend):
            rekognition_client.create_collection(CollectionId="c1")
            assert "c1" in rekognition_backend.collections
            assert rekognition_backend.region_name == "us-east-1"

        def test_b_starts_empty(rekognition_client):
            assert rekognition_client.list_collections()["CollectionIds"] == []

        def test_s3_object(s3_client, rekognition_client, face_image):
            s3_client.create_bucket(Bucket="photos")
            s3_client.put_object(Bucket="photos", Key="gh.jpg", Body=face_image("grace_hopper.jpg"))
            image = {"S3Object": {"Bucket": "photos", "Name": "gh.jpg"}}
            r = rekognition_client.detect_faces(Image=image)
            assert len(r["FaceDetails"]) == 1

        def test_bucket_gone(s3_client):
            assert s3_client.list_buckets()["Buckets"] == []

        def test_unknown_photo(face_image):
            with pytest.raises(KeyError) as info:
                face_image("nope")
            for name in ("astronaut.jpg", "coffee.jpg", "grace_hopper.jpg"):
                assert name in str(info.value)

        def test_credentials(aws_credentials):
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                         "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
                assert os.environ[name] == "testing"
            assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"

        def test_registered(request):
            assert request.config.pluginmanager.hasplugin("rekognition_mock")
        """,
    )
    result.assert_outcomes(passed=8)


def test_region_comes_from_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    result = run(
        pytester,
        """
        def test_region(rekognition_client, rekognition_backend):
            rekognition_client.create_collection(CollectionId="c1")
            assert rekognition_client.meta.region_name == "eu-west-1"
            assert rekognition_backend.region_name == "eu-west-1"
            assert "c1" in rekognition_backend.collections
        """,
    )
    result.assert_outcomes(passed=1)


SETTING_CHECKS = """
    import pytest
    from rekognition_mock import settings

    @pytest.mark.rekognition_detector("cnn")
    def test_1_marker_cnn():
        assert settings.detector == "cnn"

    def test_2_default():
        assert settings.detector == DEFAULT

    @pytest.mark.rekognition_detector("hog")
    def test_3_marker_hog():
        assert settings.detector == "hog"
"""


def checks(default: str) -> str:
    """SETTING_CHECKS for a run whose detector outside the markers is ``default``."""
    return f"DEFAULT = {default!r}\n" + textwrap.dedent(SETTING_CHECKS)


def test_marker_sets_detector_for_one_test(pytester: pytest.Pytester) -> None:
    result = run(pytester, checks("cnn"), "--strict-markers")
    result.assert_outcomes(passed=3)
    assert settings.detector == "cnn"


def test_option_sets_detector_and_marker_wins(pytester: pytest.Pytester) -> None:
    result = run(pytester, checks("hog"), "--rekognition-detector", "hog")
    result.assert_outcomes(passed=3)
    assert settings._detector is None


def test_bad_marker_value_errors(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.rekognition_detector("fast")
        def test_x():
            pass
        """,
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*detector must be one of*fast*"])


def test_fixtures_and_marker_are_documented(pytester: pytest.Pytester) -> None:
    markers = pytester.runpytest_inprocess("--markers", "-p", "no:cacheprovider")
    markers.stdout.fnmatch_lines(["@pytest.mark.rekognition_detector(name): *"])
    result = pytester.runpytest_inprocess("--fixtures", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*fixtures defined from rekognition_mock.plugin*"])
    names = ("rekognition_mock_session", "rekognition_client", "s3_client")
    for name in names + ("rekognition_backend", "face_image"):
        assert any(line.startswith(name) for line in result.outlines), name


def test_importing_the_plugin_is_cheap() -> None:
    code = (
        "import sys, rekognition_mock.plugin, rekognition_mock.fixtures\n"
        "heavy = ('numpy', 'dlib', 'moto', 'boto3', 'botocore', 'PIL')\n"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    out = done.stdout
    assert out.strip() == "[]"


# -- rekognition_mock.fixtures -------------------------------------------------------


def test_photo_names_and_bytes() -> None:
    assert fixtures.fixture_names() == ["astronaut.jpg", "coffee.jpg", "grace_hopper.jpg"]
    data = fixtures.face_image("grace_hopper")
    assert data[:2] == b"\xff\xd8"
    assert fixtures.face_image("grace_hopper.jpg") == data
    assert data == (fixtures.fixture_dir() / "grace_hopper.jpg").read_bytes()


def test_unknown_photo_lists_names() -> None:
    with pytest.raises(KeyError, match="astronaut.jpg, coffee.jpg, grace_hopper.jpg"):
        fixtures.face_image("nope")


def test_photos_are_package_data() -> None:
    """The photos are read from the package itself, and the wheel's package-data lists them."""
    import tomllib

    package = Path(rekognition_mock.__file__).resolve().parent
    assert Path(str(fixtures.fixture_dir())) == package / "photos"
    pyproject = tomllib.loads((package.parent / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["rekognition_mock"]
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    assert {package / "photos" / name for name in fixtures.fixture_names()} <= shipped
    assert package / "photos" / "README.md" in shipped  # provenance and licences
