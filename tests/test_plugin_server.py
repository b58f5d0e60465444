"""The pytest plugin's ``rekognition_server`` fixture, met the way a user meets it (pytester).

One server for the inner session, on a free port, answered by the face engine: boto3
reaches it at ``.url``, the AWS CLI (the venv's ``awscli``) with ``--endpoint-url`` or with
nothing but ``.env``; it is gone when the session ends. The inner runs are in-process; see
test_plugin.py for why the heavy modules are imported here first.
"""

from __future__ import annotations

import re
import socket
import textwrap

import boto3  # noqa: F401  (kept loaded across in-process runs)
import moto  # noqa: F401
import pytest

import rekognition_mock.server  # noqa: F401
import rekognition_mock.service.models  # noqa: F401

pytest_plugins = ["pytester"]


def refused(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) != 0


BOTO3 = """
    import boto3
    import pytest

    def client(server):
        return boto3.client("rekognition", endpoint_url=server.url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def test_1_detect_faces(rekognition_server, rekognition_calls, face_image):
        print("PORT", rekognition_server.port)
        assert rekognition_server.url == f"http://127.0.0.1:{rekognition_server.port}"
        faces = client(rekognition_server).detect_faces(Image={"Bytes": face_image("grace_hopper")})["FaceDetails"]
        assert len(faces) == 1  # the engine: moto has no DetectFaces
        assert rekognition_calls.operations == ["DetectFaces"]  # answered in this process, so recorded

    def test_2_same_server_and_state_until_reset(rekognition_server, face_image):
        print("PORT", rekognition_server.port)
        rekognition = client(rekognition_server)
        rekognition.create_collection(CollectionId="staff")
        assert rekognition.list_collections()["CollectionIds"] == ["staff"]
        rekognition_server.reset()
        assert rekognition.list_collections()["CollectionIds"] == []
        with pytest.raises(rekognition.exceptions.InvalidImageFormatException):  # the engine, whatever the ini says
            rekognition.compare_faces(SourceImage={"Bytes": b"fake"}, TargetImage={"Bytes": b"fake"})
"""


def test_boto3_reaches_one_server_for_the_session_and_it_stops_after(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=textwrap.dedent(BOTO3))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-s", "-o", "rekognition_plain_mock_aws=moto")
    result.assert_outcomes(passed=2)
    ports = {int(p) for p in re.findall(r"PORT (\d+)", result.stdout.str())}
    assert len(ports) == 1  # session-scoped
    assert refused(ports.pop())  # shut down at the session's end


CLI = """
    import json
    import subprocess
    import sys

    def aws(*args, env):
        done = subprocess.run([sys.executable, "-m", "awscli", "--output", "json", *args],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def test_the_aws_cli(rekognition_server, rekognition_calls, tmp_path):
        from rekognition_mock.fixtures import fixture_path

        photo = f"fileb://{fixture_path('grace_hopper')}"
        out = aws("--endpoint-url", rekognition_server.url, "rekognition", "detect-faces", "--image-bytes", photo,
                  env=rekognition_server.env)
        assert len(out["FaceDetails"]) == 1
        aws("rekognition", "create-collection", "--collection-id", "cli", env=rekognition_server.env)  # .env alone
        assert aws("rekognition", "list-collections", env=rekognition_server.env)["CollectionIds"] == ["cli"]
        assert rekognition_calls.operations == ["DetectFaces", "CreateCollection", "ListCollections"]
        rekognition_server.reset()
"""


def test_the_aws_cli_reaches_the_server(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "production")  # .env must not carry it to the CLI
    monkeypatch.setenv("AWS_ENDPOINT_URL_REKOGNITION", "https://rekognition.us-east-1.amazonaws.com")
    pytester.makepyfile(test_aws_cli_user=textwrap.dedent(CLI))  # not test_cli: the suite has a module of that name
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
