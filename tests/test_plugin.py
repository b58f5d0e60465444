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
from rekognition_mock import _hook, fixtures
from rekognition_mock.settings import settings

pytest_plugins = ["pytester"]


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
    markers.stdout.fnmatch_lines(["@pytest.mark.moto_rekognition: *"])
    markers.stdout.fnmatch_lines(["@pytest.mark.rekognition_engine: *"])
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


# -- plain mock_aws: the engine or moto's canned Rekognition -----------------------------

LEGACY_SUITE = """
    # written against moto's canned Rekognition: placeholder bytes, moto's numbers
    import boto3
    import pytest
    from moto import mock_aws

    FAKE = {"Bytes": b"fake"}

    @mock_aws
    def test_compare_faces_matches():
        client = boto3.client("rekognition", region_name="us-east-1")
        response = client.compare_faces(SourceImage=FAKE, TargetImage=FAKE)
        assert response["FaceMatches"][0]["Similarity"] == 100.0
        assert response["SourceImageOrientationCorrection"] == "ROTATE_90"

    @mock_aws
    def test_detect_labels_finds_a_phone():
        client = boto3.client("rekognition", region_name="us-east-1")
        assert client.detect_labels(Image=FAKE)["Labels"][0]["Name"] == "Mobile Phone"

    @mock_aws
    class TestText:
        def test_detect_text(self):
            client = boto3.client("rekognition", region_name="us-east-1")
            assert client.detect_text(Image=FAKE)["TextDetections"]

    @pytest.fixture
    def rekognition():
        with mock_aws():
            yield boto3.client("rekognition", region_name="us-east-1")

    def test_a_key_never_uploaded(rekognition):
        response = rekognition.compare_faces(SourceImage={"S3Object": {"Bucket": "photos", "Name": "never-uploaded.jpg"}}, TargetImage=FAKE)
        assert len(response["UnmatchedFaces"]) == 1
"""

NEW_SUITE = """
    import boto3
    import pytest
    from rekognition_mock import mock_rekognition

    FAKE = {"Bytes": b"fake"}

    def test_the_fixtures_use_the_engine(rekognition_client, face_image):
        assert len(rekognition_client.detect_faces(Image={"Bytes": face_image("grace_hopper")})["FaceDetails"]) == 1
        with pytest.raises(rekognition_client.exceptions.InvalidImageFormatException):
            rekognition_client.compare_faces(SourceImage=FAKE, TargetImage=FAKE)

    @mock_rekognition
    def test_mock_rekognition_uses_the_engine():
        client = boto3.client("rekognition", region_name="us-east-1")
        with pytest.raises(client.exceptions.InvalidImageFormatException):
            client.compare_faces(SourceImage=FAKE, TargetImage=FAKE)
"""


def legacy_and_new(pytester: pytest.Pytester, legacy_conftest: str | None = None) -> None:
    pytester.makepyfile(**{"legacy/test_legacy": textwrap.dedent(LEGACY_SUITE), "test_new": textwrap.dedent(NEW_SUITE)})
    if legacy_conftest:
        pytester.makeconftest("")  # rootdir conftest (none of the switch's business)
        (pytester.path / "legacy" / "conftest.py").write_text(textwrap.dedent(legacy_conftest))


def test_a_suite_written_against_motos_canned_answers_passes_with_the_ini_option(pytester: pytest.Pytester) -> None:
    legacy_and_new(pytester)
    without = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    # the engine refuses b"fake" and a missing object as AWS does (DetectText included)
    without.assert_outcomes(passed=2, failed=4)
    without.stdout.fnmatch_lines(["*InvalidImageFormatException*"])

    pytester.makeini("[pytest]\nrekognition_plain_mock_aws = moto\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=6)  # unchanged legacy tests on moto, the fixtures on the engine
    assert settings._plain_mock_aws is None and _hook._held == 0  # the run's choice ended with it


def test_a_directory_conftest_marks_its_tests_for_moto(pytester: pytest.Pytester) -> None:
    legacy_and_new(pytester, legacy_conftest="""
        from pathlib import Path

        import pytest

        HERE = Path(__file__).parent

        def pytest_collection_modifyitems(items):
            for item in items:
                if HERE in item.path.parents:
                    item.add_marker(pytest.mark.moto_rekognition)
    """)
    pytester.makepyfile(test_plain="""
        import boto3
        import pytest
        from moto import mock_aws

        @mock_aws
        def test_outside_the_directory_plain_mock_aws_is_the_engine():
            client = boto3.client("rekognition", region_name="us-east-1")
            with pytest.raises(client.exceptions.InvalidImageFormatException):
                client.compare_faces(SourceImage={"Bytes": b"fake"}, TargetImage={"Bytes": b"fake"})
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=7)


MARKED = """
    import boto3
    import pytest
    from moto import mock_aws
    from rekognition_mock import configure, settings

    FAKE = {"Bytes": b"fake"}

    def canned():
        client = boto3.client("rekognition", region_name="us-east-1")
        try:
            return client.compare_faces(SourceImage=FAKE, TargetImage=FAKE)["FaceMatches"][0]["Similarity"] == 100.0
        except client.exceptions.InvalidImageFormatException:
            return False

    @pytest.mark.moto_rekognition
    @mock_aws
    def test_1_marked_moto():
        assert canned()

    @mock_aws
    def test_2_unmarked_after_a_marked_one():
        assert canned() is UNMARKED_CANNED

    @pytest.mark.moto_rekognition
    class TestMarkedClass:
        @mock_aws
        def test_3_in_the_class(self):
            assert canned()

        @pytest.mark.rekognition_engine
        @mock_aws
        def test_4_the_closest_marker_wins(self):
            assert not canned()

    @pytest.mark.moto_rekognition
    def test_5_the_fixtures_keep_the_engine(rekognition_client):
        assert not canned()

    @pytest.mark.moto_rekognition
    def test_6_a_test_changes_its_mind():
        configure(plain_mock_aws="engine")
        with mock_aws():
            assert not canned()

    @mock_aws
    def test_7_nothing_leaked():
        assert settings.plain_mock_aws == ("moto" if UNMARKED_CANNED else "engine")
        assert canned() is UNMARKED_CANNED
"""


@pytest.mark.parametrize("ini", ["", "moto", "engine"])
def test_markers_choose_per_test_and_nothing_leaks(pytester: pytest.Pytester, ini: str) -> None:
    source = f"UNMARKED_CANNED = {ini == 'moto'}\n" + textwrap.dedent(MARKED)
    args = ["--strict-markers"] + (["-o", f"rekognition_plain_mock_aws={ini}"] if ini else [])
    result = run(pytester, source, *args)
    result.assert_outcomes(passed=7)
    assert settings._plain_mock_aws is None and _hook._held == 0


def test_a_bad_ini_value_variable_or_marker_argument_is_refused(pytester: pytest.Pytester,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makeini("[pytest]\nrekognition_plain_mock_aws = canned\n")
    bad_ini = run(pytester, "def test_x():\n    pass\n")
    assert bad_ini.ret == pytest.ExitCode.USAGE_ERROR
    bad_ini.stderr.fnmatch_lines(["*rekognition_plain_mock_aws must be one of engine, moto, not 'canned'*"])
    pytester.makeini("[pytest]\n")
    with monkeypatch.context() as patched:
        patched.setenv("REKOGNITION_MOCK_PLAIN_MOCK_AWS", "canned")
        bad_variable = run(pytester, "def test_x():\n    pass\n")
    assert bad_variable.ret == pytest.ExitCode.USAGE_ERROR
    bad_variable.stderr.fnmatch_lines(["*REKOGNITION_MOCK_PLAIN_MOCK_AWS must be one of*'canned'*"])
    source = "import pytest\n\n@pytest.mark.moto_rekognition(False)\ndef test_x():\n    pass\n"
    bad_marker = run(pytester, source)
    bad_marker.assert_outcomes(errors=1)
    bad_marker.stdout.fnmatch_lines(["*@pytest.mark.moto_rekognition takes no arguments*"])


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
