"""The photos bundled with the package: astronaut, grace_hopper and coffee.

They live in ``fixtures/`` next to the package in a source checkout or an editable
install, and in ``<prefix>/share/rekognition-mock/fixtures`` after a wheel install
(``[tool.setuptools.data-files]``). Importing this module is cheap: no numpy, no dlib.
"""

from __future__ import annotations

import sys
from pathlib import Path

import rekognition_mock

SUFFIXES = (".jpg", ".jpeg", ".png")


def _candidates() -> list[Path]:
    return [
        Path(rekognition_mock.__file__).resolve().parents[1] / "fixtures",
        Path(sys.prefix) / "share" / "rekognition-mock" / "fixtures",
    ]


def fixture_dir() -> Path:
    """The directory holding the bundled photos.

    Raises ``FileNotFoundError`` naming the places searched if none holds them.
    """
    candidates = _candidates()
    for candidate in candidates:
        if candidate.is_dir() and any(p.suffix.lower() in SUFFIXES for p in candidate.iterdir()):
            return candidate
    searched = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(f"rekognition-mock's fixture photos not found; searched: {searched}")


def fixture_names() -> list[str]:
    """The bundled photos' file names, sorted (``["astronaut.jpg", ...]``)."""
    paths = fixture_dir().iterdir()
    return sorted(p.name for p in paths if p.is_file() and p.suffix.lower() in SUFFIXES)


def fixture_path(name: str) -> Path:
    """The path of a bundled photo, named with or without its extension.

    Raises ``KeyError`` listing the available names if there is no such photo.
    """
    directory = fixture_dir()
    names = fixture_names()
    wanted = Path(name).name
    if wanted in names:
        return directory / wanted
    stems = {Path(n).stem: n for n in names}
    if wanted in stems:
        return directory / stems[wanted]
    raise KeyError(f"no fixture photo {name!r}; available: {', '.join(names)}")


def face_image(name: str) -> bytes:
    """The bytes of a bundled photo: ``face_image("grace_hopper")`` or ``"grace_hopper.jpg"``.

    Raises ``KeyError`` listing the available names if there is no such photo.
    """
    return fixture_path(name).read_bytes()
