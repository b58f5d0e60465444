"""The photos bundled with the package: astronaut, grace_hopper and coffee.

They are package data (``rekognition_mock/photos/``, provenance and licences in its
README), read with :mod:`importlib.resources`, so they are found the same way in a source
checkout, an editable install and a wheel. Importing this module is cheap: no numpy, no dlib.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

SUFFIXES = (".jpg", ".jpeg", ".png")


def fixture_dir() -> Traversable:
    """The package directory holding the bundled photos."""
    return resources.files("rekognition_mock") / "photos"


def fixture_names() -> list[str]:
    """The bundled photos' file names, sorted (``["astronaut.jpg", ...]``)."""
    return sorted(p.name for p in fixture_dir().iterdir() if p.is_file() and p.name.lower().endswith(SUFFIXES))


def fixture_path(name: str) -> Traversable:
    """A bundled photo, named with or without its extension (a path in any install but a zip).

    Raises ``KeyError`` listing the available names if there is no such photo.
    """
    names = fixture_names()
    wanted = name.replace("\\", "/").rsplit("/", 1)[-1]
    if wanted not in names:
        stems = {n.rsplit(".", 1)[0]: n for n in names}
        if wanted not in stems:
            raise KeyError(f"no fixture photo {name!r}; available: {', '.join(names)}")
        wanted = stems[wanted]
    return fixture_dir() / wanted


def face_image(name: str) -> bytes:
    """The bytes of a bundled photo: ``face_image("grace_hopper")`` or ``"grace_hopper.jpg"``.

    Raises ``KeyError`` listing the available names if there is no such photo.
    """
    return fixture_path(name).read_bytes()
