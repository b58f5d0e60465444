"""Make the inspector and pytest-report screenshots in this folder with headless Chromium.

    python docs/images/screenshots.py

Needs Playwright (the ``test`` extra) and a Chromium (Debian's ``chromium`` package, or
``REKOGNITION_MOCK_CHROMIUM``). It starts an in-process server, sends the calls a small
test suite would send, photographs the page, then runs a failing pytest test and
photographs its report section next to the annotated image it wrote.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import boto3
from playwright.sync_api import sync_playwright

from rekognition_mock.fixtures import face_image
from rekognition_mock.server import RekognitionMockServer

HERE = Path(__file__).resolve().parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
VIEWPORT = {"width": 1400, "height": 860}

FAILING_TEST = '''
def test_the_id_photo_is_accepted(rekognition_client, face_image):
    faces = rekognition_client.detect_faces(
        Image={"Bytes": face_image("grace_hopper")}, Attributes=["EYES_OPEN", "EYEGLASSES", "SUNGLASSES"]
    )["FaceDetails"]
    assert len(faces) == 1, "an ID photo shows one face"
    face = faces[0]
    assert face["EyesOpen"]["Value"] and not face["Eyeglasses"]["Value"], "eyes open, no glasses"
'''


def populate(url: str) -> None:
    def client(service: str):  # noqa: ANN202
        return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    rekognition, s3 = client("rekognition"), client("s3")
    rekognition.detect_faces(Image={"Bytes": face_image("grace_hopper")}, Attributes=["ALL"])
    rekognition.create_collection(CollectionId="staff", Tags={"team": "qa"})
    rekognition.index_faces(CollectionId="staff", Image={"Bytes": face_image("astronaut")}, ExternalImageId="eileen")
    rekognition.index_faces(CollectionId="staff", Image={"Bytes": face_image("grace_hopper")}, ExternalImageId="grace")
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="visitor.jpg", Body=face_image("grace_hopper"))
    rekognition.compare_faces(SourceImage={"Bytes": face_image("astronaut")},
                              TargetImage={"Bytes": face_image("grace_hopper")})
    try:
        rekognition.describe_collection(CollectionId="visitors")
    except rekognition.exceptions.ResourceNotFoundException:
        pass
    rekognition.search_faces_by_image(CollectionId="staff", Image={"S3Object": {"Bucket": "photos", "Name": "visitor.jpg"}})


def inspector_shots(browser) -> None:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as state, RekognitionMockServer(port=0, state_dir=state) as server:
        populate(server.url)
        server._inspector.crops.wait()
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(server.url + "/_rekognition_mock/")
        page.click(".request[data-operation=SearchFacesByImage]")
        page.locator(".detail .stage img").evaluate("img => img.decode()")
        page.check("#landmarks")
        page.uncheck("#landmarks")
        page.screenshot(path=HERE / "inspector-requests.png")
        page.click(".request[data-operation=CompareFaces]")
        page.locator(".detail .stage img").first.evaluate("img => img.decode()")
        page.check("#landmarks")
        page.screenshot(path=HERE / "inspector-compare.png")
        page.click(".tab[data-view=collections]")
        page.click(".collection[data-collection=staff] summary")
        page.locator(".collection img.crop").first.evaluate("img => img.decode()")
        page.screenshot(path=HERE / "inspector-collections.png", clip={"x": 0, "y": 0, "width": 1400, "height": 360})
        page.close()
        server.reset()


def report_shot(browser) -> None:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as work:
        Path(work, "test_id_photo.py").write_text(textwrap.dedent(FAILING_TEST))
        artifacts = Path(work, "artifacts")
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=line",
             f"--rekognition-artifacts={artifacts}", "test_id_photo.py"],
            cwd=work, capture_output=True, text=True, env={**os.environ, "COLUMNS": "100"},
        )
        text = run.stdout.replace(work + "/", "")
        pngs = sorted(artifacts.rglob("*.png"))
        shutil.copy(pngs[-1], Path(work, "annotated.png"))
        page_html = f"""<!doctype html><meta charset="utf-8"><style>
            body {{ margin: 0; background: #1e1e1e; color: #ddd; display: flex; gap: 20px; padding: 18px; }}
            pre {{ font: 12.5px/1.45 "DejaVu Sans Mono", monospace; margin: 0; white-space: pre-wrap; width: 860px; }}
            figure {{ margin: 0; color: #aaa; font: 12px sans-serif; }} img {{ width: 440px; display: block; }}
        </style><pre>$ pytest test_id_photo.py\n{html.escape(text)}</pre>
        <figure><img src="annotated.png"><figcaption>{html.escape(pngs[-1].name)}</figcaption></figure>"""
        Path(work, "report.html").write_text(page_html)
        page = browser.new_page(viewport={"width": 1360, "height": 760})
        page.goto(Path(work, "report.html").as_uri())
        page.locator("img").evaluate("img => img.decode()")
        page.screenshot(path=HERE / "pytest-report.png", full_page=True)
        page.close()


def main() -> None:
    chromium = os.environ.get("REKOGNITION_MOCK_CHROMIUM") or shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            inspector_shots(browser)
            report_shot(browser)
        finally:
            browser.close()
    for name in sorted(HERE.glob("*.png")):
        print(name.relative_to(HERE.parent.parent), name.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
