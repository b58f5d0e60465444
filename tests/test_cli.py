"""The ``rekognition-mock`` command, run as a user runs it: ``python -m rekognition_mock.cli``.

Every test is a subprocess on the real models and the photos in ``rekognition_mock/photos/``. Results go
to stdout; progress lines and errors go to stderr, each starting with ``rekognition-mock:``,
and an error is a single line with a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import imagefactory
from helpers import child_env

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "rekognition_mock" / "photos"
PREFIX = "rekognition-mock:"
TIMEOUT = 300  # seconds; a hang guard, not a timing assertion

#: Where dlib finds the face in astronaut.jpg (left, top, right, bottom), rekognition_mock/photos/README.md.
ASTRONAUT_FACE = (175, 76, 265, 166)


def cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rekognition_mock.cli", *map(str, args)],
        cwd=REPO,
        env=env or child_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def ok_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON a successful run printed; its stderr holds only progress lines."""
    assert result.returncode == 0, result.stderr
    assert all(line.startswith(PREFIX) for line in result.stderr.splitlines()), result.stderr
    assert "error" not in result.stderr
    return json.loads(result.stdout)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single error line of a failed run (progress lines aside)."""
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert all(line.startswith(PREFIX) for line in lines), result.stderr
    errors = [line for line in lines if line.startswith(f"{PREFIX} error:")]
    assert len(errors) == 1, result.stderr
    assert result.stdout == ""
    return errors[0]


# -- detect ----------------------------------------------------------------------------------


def test_detect_prints_one_face() -> None:
    out = ok_json(cli("detect", "rekognition_mock/photos/grace_hopper.jpg"))
    assert list(out) == ["FaceDetails"]
    (face,) = out["FaceDetails"]
    assert face["Confidence"] >= 99
    assert {"BoundingBox", "Landmarks", "Pose", "Quality", "Confidence"} <= set(face)
    assert "Emotions" not in face  # DEFAULT attributes only


def test_detect_all_attributes() -> None:
    out = ok_json(cli("detect", FIXTURES / "grace_hopper.jpg", "--attributes", "ALL"))
    (face,) = out["FaceDetails"]
    assert len(face["Landmarks"]) == 30
    assert {"AgeRange", "Emotions", "Smile", "Gender", "EyesOpen"} <= set(face)


def test_detect_attributes_may_come_before_the_image() -> None:
    """``--attributes`` takes a list, so the image after it would be taken as an attribute;
    a last word that is no attribute name is the image."""
    out = ok_json(cli("detect", "--attributes", "ALL", FIXTURES / "grace_hopper.jpg"))
    (face,) = out["FaceDetails"]
    assert len(face["Landmarks"]) == 30 and "AgeRange" in face
    out = ok_json(cli("detect", "--attributes", "GENDER", "SMILE", "--", FIXTURES / "astronaut.jpg"))
    (face,) = out["FaceDetails"]
    assert {"Gender", "Smile"} <= set(face) and "AgeRange" not in face


def test_detect_without_an_image_says_where_it_goes() -> None:
    result = cli("detect", "--attributes", "ALL")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "IMAGE is required" in result.stderr and "--attributes ALL -- photo.jpg" in result.stderr


def test_detect_no_face() -> None:
    assert ok_json(cli("detect", "rekognition_mock/photos/coffee.jpg")) == {"FaceDetails": []}


def test_detect_with_cnn_detector() -> None:
    out = ok_json(cli("--detector", "cnn", "detect", "rekognition_mock/photos/astronaut.jpg"))
    (face,) = out["FaceDetails"]
    box = face["BoundingBox"]
    left, top, right, bottom = ASTRONAUT_FACE
    centre_x, centre_y = (box["Left"] + box["Width"] / 2) * 512, (box["Top"] + box["Height"] / 2) * 512
    assert left < centre_x < right and top < centre_y < bottom


# -- compare ---------------------------------------------------------------------------------


def test_compare_different_people() -> None:
    out = ok_json(cli("compare", "rekognition_mock/photos/grace_hopper.jpg", "rekognition_mock/photos/astronaut.jpg"))
    assert out["SourceImageFace"]["Confidence"] >= 99
    assert set(out["SourceImageFace"]["BoundingBox"]) == {"Width", "Height", "Left", "Top"}
    assert out["FaceMatches"] == []
    assert len(out["UnmatchedFaces"]) == 1


def test_compare_same_person(tmp_path: Path) -> None:
    copy = tmp_path / "hopper_augmented.jpg"
    copy.write_bytes(imagefactory.augmented())
    out = ok_json(cli("compare", "rekognition_mock/photos/grace_hopper.jpg", copy))
    assert len(out["FaceMatches"]) == 1
    assert out["FaceMatches"][0]["Similarity"] >= 90
    assert out["UnmatchedFaces"] == []


# -- draw ------------------------------------------------------------------------------------


def test_draw_writes_a_png_with_the_face_marked(tmp_path: Path) -> None:
    target = tmp_path / "out.png"
    result = cli("draw", "rekognition_mock/photos/astronaut.jpg", "-o", target)
    assert result.returncode == 0, result.stderr
    assert f"wrote {target}" in result.stderr
    assert "1 face(s)" in result.stderr

    with Image.open(target) as drawn:
        assert drawn.format == "PNG"
        assert drawn.size == (512, 512)
        out = np.asarray(drawn.convert("RGB"), dtype=np.int16)
    with Image.open(FIXTURES / "astronaut.jpg") as original:
        assert drawn.size == original.size
        src = np.asarray(original.convert("RGB"), dtype=np.int16)

    changed = np.abs(out - src).sum(axis=2) > 60
    r, g, b = out[..., 0], out[..., 1], out[..., 2]
    green = changed & (g >= 200) & (r <= 80) & (b <= 80)  # the box outline and the label
    red = changed & (r >= 200) & (g <= 110) & (b <= 110)  # the landmark dots
    left, top, right, bottom = ASTRONAUT_FACE
    margin = 40
    around_face = np.zeros_like(green)
    around_face[top - margin : bottom + margin, left - margin : right + margin] = True
    inside_face = np.zeros_like(green)
    inside_face[top:bottom, left:right] = True

    assert changed[inside_face].any()  # something was drawn on the face
    assert green[around_face].sum() >= 200  # a green box around it
    assert green.sum() - green[around_face].sum() < green[around_face].sum()  # mostly there
    assert red[inside_face].sum() >= 30  # landmarks on it


def test_draw_to_an_unwritable_path(tmp_path: Path) -> None:
    target = tmp_path / "no-such-dir" / "out.png"
    error = one_line_error(cli("draw", "rekognition_mock/photos/astronaut.jpg", "-o", target))
    assert f"cannot write {target}" in error
    assert not target.exists()


# -- errors ----------------------------------------------------------------------------------


def test_not_an_image() -> None:
    error = one_line_error(cli("detect", "README.md"))
    assert "InvalidImageFormatException" in error


def test_not_an_image_in_compare(tmp_path: Path) -> None:
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(imagefactory.text_named_jpeg())
    error = one_line_error(cli("compare", "rekognition_mock/photos/grace_hopper.jpg", fake))
    assert "InvalidImageFormatException" in error


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nobody.jpg"
    error = one_line_error(cli("detect", missing))
    assert str(missing) in error
    assert "No such file or directory" in error


def test_unknown_detector_is_a_usage_error() -> None:
    result = cli("--detector", "sift", "detect", "rekognition_mock/photos/coffee.jpg")
    assert result.returncode == 2
    assert "invalid choice: 'sift'" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_command_prints_help() -> None:
    result = cli()
    assert result.returncode != 0
    assert result.stdout.startswith("usage: rekognition-mock")


@pytest.mark.parametrize("command", [[], ["serve"], ["detect"], ["compare"], ["draw"]], ids=lambda c: c[0] if c else "top")
def test_help(command: list[str]) -> None:
    result = cli(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(" ".join(["usage: rekognition-mock", *command]))
    assert result.stderr == ""


# -- found while writing this module (the first since fixed) ------------------------------------


def test_bad_detector_variable_is_a_one_line_error() -> None:
    """An invalid REKOGNITION_MOCK_DETECTOR is reported once, by name.

    It used to surface inside the request: three logged tracebacks (boto3 retried the 500
    twice) and an error line that only said "InternalServerError: Internal server error".
    """
    result = cli("detect", "rekognition_mock/photos/coffee.jpg", env=child_env(REKOGNITION_MOCK_DETECTOR="bogus"))
    error = one_line_error(result)
    assert "REKOGNITION_MOCK_DETECTOR" in error
    assert "bogus" in error


def test_detector_flag_overrides_a_bad_detector_variable() -> None:
    """``--detector`` takes precedence over REKOGNITION_MOCK_DETECTOR (configure() beats
    the variable), so a bad value in the variable must not matter when the flag is given.
    main() validates settings.detector before _configure() applies the flag, and exits 2."""
    result = cli("--detector", "hog", "detect", "rekognition_mock/photos/coffee.jpg", env=child_env(REKOGNITION_MOCK_DETECTOR="bogus"))
    assert ok_json(result) == {"FaceDetails": []}


def test_serve_on_a_busy_port_is_a_one_line_error() -> None:
    """cli._serve catches OSError from the bind, but werkzeug's make_server handles
    EADDRINUSE itself: it prints two lines of its own (no "rekognition-mock: error:")
    and calls sys.exit(1), so the CLI's error path never runs."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        error = one_line_error(cli("serve", "--port", port))
    assert f"cannot listen on 127.0.0.1:{port}" in error


def test_serve_without_the_server_extra_names_the_extra() -> None:
    """``pip install rekognition-mock`` is the in-process mock: moto's server stack (Flask and
    its CloudFormation linting) comes with the ``server`` extra. Without it, serve says so in
    one line instead of an ImportError traceback. Flask is hidden the way a missing package
    looks to the import system (``sys.modules["flask"] = None``); .ci/release-check runs
    the same command in a real in-process install."""
    code = ("import sys; sys.modules['flask'] = None; from rekognition_mock.cli import main; "
            "sys.exit(main(['serve', '--port', '0']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=child_env(), stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=TIMEOUT)
    error = one_line_error(result)
    assert "pip install 'rekognition-mock[server]'" in error
    assert "flask" in error


def test_serve_with_an_unusable_state_dir_names_the_state_dir(tmp_path: Path) -> None:
    """A --state-dir that cannot be created is reported as "cannot listen on HOST:PORT"
    (cli._serve wraps every OSError of server._build(), the StateStore's mkdir included),
    which points the user at the wrong flag."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a directory")
    state_dir = a_file / "state"
    error = one_line_error(cli("serve", "--port", "0", "--state-dir", state_dir))
    assert str(state_dir) in error
    assert "cannot listen" not in error


def test_bad_user_update_seconds_is_a_one_line_error() -> None:
    result = cli("detect", "rekognition_mock/photos/coffee.jpg", env=child_env(REKOGNITION_MOCK_USER_UPDATE_SECONDS="soon"))
    line = one_line_error(result)
    assert "REKOGNITION_MOCK_USER_UPDATE_SECONDS must be a number of seconds, not 'soon'" in line
