"""The pytest report section of a failed test: each image it sent and what the mock found.

The plugin records every Rekognition call a test makes (references only: nothing is
decoded or drawn while the test runs). Only when the test fails does :func:`section`
decode its images, write them annotated as PNGs (``rekognition-mock draw`` style, see
``drawing``) into a folder of its own, and return the text pytest shows under the
failure: for each call its status and time, the faces with the attributes the request
asked for, the labels and moderation labels, what was scripted and what was injected.
Passing tests never reach this module.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .service.findings import BOXING, LABELLING, SEARCHES, finds_faces, labels, marks, matches
from .service.recorder import INJECTED_ERROR, INJECTED_LATENCY, Entry, RecordedImage

SECTION = "rekognition-mock"
MAX_MATCHES_LISTED = 10
MAX_SIDE = 2048  # annotated images larger than this are scaled down (pixels, longer side)
INJECTED = "[injected]"  # a fault or a latency a test injected (service/controls/)


def folder_for(root: Path, nodeid: str) -> Path:
    """A folder name for one test: its node id made safe for a file system, kept short."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", nodeid).strip("_.") or "test"
    if len(safe) > 100:
        safe = f"{safe[:90]}-{hashlib.sha1(nodeid.encode()).hexdigest()[:8]}"
    return root / safe


def section(entries: Sequence[Entry], folder: Path) -> str:
    """Write the annotated images under ``folder`` (emptied first) and describe each call."""
    shutil.rmtree(folder, ignore_errors=True)
    lines = [f"{len(entries)} Rekognition call(s); annotated images in {folder}"]
    written = 0
    for number, entry in enumerate(entries, 1):
        lines.append(_head(number, entry))
        injected_latency = sum(entry.notes.get(INJECTED_LATENCY, []))
        if injected_latency:
            lines.append(f"   latency {injected_latency:g} s {INJECTED} by inject_latency")
        asked = entry.request().get("Attributes") or entry.request().get("DetectionAttributes")
        if isinstance(asked, list) and asked:
            lines.append(f"   attributes asked: {', '.join(map(str, asked))}")
        response = entry.response() if entry.status < 400 else {}
        found = marks(entry.operation, response, entry.notes)
        found_labels = labels(entry.operation, response, entry.notes)
        for image in entry.images():
            image_marks = found.get(image.role, [])
            lines.append(f"   {image.role}: {_describe_image(image)}")
            if entry.status < 400 and finds_faces(entry.operation):
                lines.append(f"      {_count(len(image_marks), 'face')} found")
                for mark in image_marks:
                    lines.append(f"      - {mark.describe()}")
                    if mark.attributes:
                        lines.append(f"        {', '.join(mark.attributes)}")
            elif entry.status < 400 and entry.operation in BOXING:
                lines.append(f"      {len(image_marks)} box{'' if len(image_marks) == 1 else 'es'} found")
                lines.extend(f"      - {mark.describe()}" for mark in image_marks)
            elif entry.status < 400 and entry.operation in LABELLING:
                noun = "moderation label" if entry.operation == "DetectModerationLabels" else "label"
                lines.append(f"      {_count(len(found_labels), noun)} found")
                for label in found_labels:
                    unboxed = ", no box" if entry.operation == "DetectLabels" and not label.boxes else ""
                    lines.append(f"      - {label.describe()}{unboxed}")
                    lines.extend(f"        {box.describe()}" for box in label.boxes)
            if image.data is not None:
                path = folder / f"{number:02d}-{entry.operation}-{image.role}.png"
                problem = _write(image.data, image_marks, [lb.describe() for lb in found_labels if not lb.boxes], path)
                if problem:
                    lines.append(f"      (not drawn: {problem})")
                else:
                    lines.append(f"      annotated: {path}")
                    written += 1
        hits = matches(entry.operation, response)
        if entry.operation in SEARCHES and entry.status < 400:
            what = "user(s)" if "Users" in entry.operation else "collection face(s)"
            lines.append(f"   {len(hits)} {what} matched")
            for hit in hits[:MAX_MATCHES_LISTED]:
                lines.append(f"      - {hit.describe()}")
            if len(hits) > MAX_MATCHES_LISTED:
                lines.append(f"      ... and {len(hits) - MAX_MATCHES_LISTED} more")
    if not written:
        lines[0] = f"{len(entries)} Rekognition call(s); no image to draw"
    return "\n".join(lines)


def _head(number: int, entry: Entry) -> str:
    """``3. DetectFaces -> 400 ThrottlingException: Rate exceeded. [injected] (0.002 s)``"""
    head = f"{number}. {entry.operation} -> {entry.status}"
    if entry.error_code:
        head += f" {entry.error_code}: {entry.error_message or ''}".rstrip()
    if any(fault.get("code") == entry.error_code for fault in entry.notes.get(INJECTED_ERROR, [])):
        head += f" {INJECTED} by inject_error"
    return head + f" ({entry.latency_ms / 1000:.3f} s)"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _describe_image(image: RecordedImage) -> str:
    if image.data is None:
        return f"{image.source} ({image.problem})"
    digest = hashlib.sha256(image.data).hexdigest()[:12]
    return f"{image.source}, {len(image.data)} bytes, {_size(image.data)} (sha256 {digest}...)"


def _size(data: bytes) -> str:
    """Format and dimensions from the header, whatever they are (a 20000 px image too)."""
    from .vision.decode import ImageDecodeError, read_size, sniff_format

    try:
        width, height = read_size(data)
    except ImageDecodeError:
        return "not an image the mock can read"
    return f"{sniff_format(data)} {width}x{height}"


def _write(data: bytes, image_marks: list, notes: list[str], path: Path) -> str | None:
    from .drawing import draw_marks

    try:
        picture = draw_marks(data, image_marks, MAX_SIDE, notes)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        return type(exc).__name__
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        picture.save(path, format="PNG")
    except OSError as exc:
        return f"cannot write {path}: {exc.strerror or exc}"
    return None
