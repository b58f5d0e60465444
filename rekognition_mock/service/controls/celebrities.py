"""Registered celebrities: who RecognizeCelebrities can recognise (by the engine, from the
photos registered for them) and what GetCelebrityInfo answers for their ids."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from .registry import Family, http_control, image_key, image_target, json_image, row

KNOWN_GENDERS = ("Male", "Female", "Nonbinary", "Unlisted")
ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ID_LENGTH = 8  # AWS's celebrity ids are short base-62 strings (7 or 8 characters, e.g. "1SK7cR8M")
_ID_PATTERN = re.compile(r"[0-9A-Za-z]+")  # the model's pattern for Celebrity.Id
MAX_URLS = 255  # the model's limit on Urls


@dataclass(frozen=True)
class Celebrity:
    """A registered celebrity: ``images`` are bytes or ``(bucket, key)`` pairs."""

    name: str
    celebrity_id: str
    images: tuple[Any, ...]
    urls: tuple[str, ...] = ()
    known_gender: str | None = None
    image_keys: tuple[tuple, ...] = field(default=(), compare=False)


def _listed(celebrity_id: str, celebrity: Celebrity) -> list[dict[str, Any]]:
    return [{"id": celebrity_id, "name": celebrity.name, "urls": list(celebrity.urls),
             "known_gender": celebrity.known_gender, "images": [list(key) for key in celebrity.image_keys]}]


def _shown(celebrity_id: str, celebrity: Celebrity) -> list[dict[str, Any]]:
    photos = ", ".join(image_target(key) for key in celebrity.image_keys)
    return [row("celebrity", f"{celebrity.name} ({celebrity_id})", photos)]


CELEBRITIES = Family("celebrities", _listed, _shown)


def celebrity_id(name: str) -> str:
    """The id a celebrity gets from its name: stable across runs and processes."""
    number = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    digits = []
    for _ in range(ID_LENGTH):
        number, digit = divmod(number, len(ID_ALPHABET))
        digits.append(ID_ALPHABET[digit])
    return "".join(digits)


def set_celebrities(celebrities: dict[str, Any]) -> None:
    """Register celebrities by name: ``{"Name": [image, ...]}``, or ``{"Name": {"Images":
    [...], "Urls": [...], "KnownGender": "Female", "Id": "..."}}`` (a name registered again
    is replaced). Each image is the photo's bytes or an S3 ``(bucket, key)``; the largest
    face of each photo stands for the celebrity."""
    if not isinstance(celebrities, dict) or not celebrities:
        raise ValueError('celebrities must be a non-empty dict: {"Name": [image, ...], ...}')
    parsed = [_celebrity(name, value) for name, value in celebrities.items()]
    ids = [c.celebrity_id for c in parsed]
    if len(set(ids)) != len(ids):
        raise ValueError("two celebrities have the same Id")
    for celebrity in parsed:
        for image in celebrity.images:
            if not isinstance(image, tuple):
                _check_face(bytes(image), celebrity.name)
    names = {c.name for c in parsed}
    kept = [other for other in registered() if other.name not in names]  # a name registered again is replaced
    for celebrity in parsed:
        for other in kept:
            if other.celebrity_id == celebrity.celebrity_id:
                raise ValueError(f"the Id {celebrity.celebrity_id!r} is {other.name!r}'s already")
    for other in registered():
        if other.name in names:
            CELEBRITIES.discard(other.celebrity_id)
    for celebrity in parsed:
        CELEBRITIES.put(celebrity.celebrity_id, celebrity)


def _celebrity(name: Any, value: Any) -> Celebrity:
    if not isinstance(name, str) or not name:
        raise ValueError("a celebrity's name must be a non-empty string")
    if isinstance(value, dict):
        unknown = sorted(set(value) - {"Images", "Urls", "KnownGender", "Id"})
        if unknown:
            raise ValueError(f"{name}: unknown members {', '.join(unknown)} (Images, Urls, KnownGender, Id)")
        images, urls, gender, given_id = value.get("Images"), value.get("Urls", []), value.get("KnownGender"), value.get("Id")
    else:
        images, urls, gender, given_id = value, [], None, None
    if isinstance(images, (bytes, bytearray, memoryview, tuple)):
        images = [images]
    if not isinstance(images, list) or not images:
        raise ValueError(f"{name}: give a list of one or more images (bytes or (bucket, key))")
    images = [bytes(image) if isinstance(image, (bytearray, memoryview)) else image for image in images]
    keys = tuple(image_key(image) for image in images)  # TypeError for anything else
    if not isinstance(urls, list) or len(urls) > MAX_URLS or not all(isinstance(u, str) for u in urls):
        raise ValueError(f"{name}: Urls must be a list of at most {MAX_URLS} strings")
    if isinstance(gender, dict):
        gender = gender.get("Type")
    if gender is not None and gender not in KNOWN_GENDERS:
        raise ValueError(f"{name}: KnownGender must be one of {', '.join(KNOWN_GENDERS)}")
    if given_id is None:
        given_id = celebrity_id(name)
    if not isinstance(given_id, str) or not _ID_PATTERN.fullmatch(given_id):
        raise ValueError(f"{name}: Id must be letters and digits ([0-9A-Za-z]+)")
    return Celebrity(name, given_id, tuple(images), tuple(urls), gender, keys)


def _check_face(data: bytes, name: str) -> None:
    """ValueError unless the engine finds a face in the photo (which it keeps, analysed)."""
    from ...settings import engine
    from ...vision import ImageDecodeError

    try:
        found = engine().analyze(data, descriptors=True).faces
    except ImageDecodeError:
        raise ValueError(f"{name}: a photo is not an image the mock can read") from None
    if not found:
        raise ValueError(f"{name}: the mock finds no face in a photo, so it could never recognise them by it")


def registered() -> list[Celebrity]:
    """The celebrities registered, in the order they were."""
    return [CELEBRITIES.get(key) for key in list(CELEBRITIES.table)]


def by_id(celebrity_id: str) -> Celebrity | None:
    return CELEBRITIES.get(celebrity_id)


@http_control("celebrities")
def _celebrities_over_http(body: dict[str, Any]) -> None:
    """``{"celebrities": {"Name": [image, ...] | {"Images": [...], "Urls": ..., ...}}}``, each
    image as the other controls take one (``{"bytes": base64}`` or ``{"bucket", "key"}``)."""
    given = body.get("celebrities")
    if not isinstance(given, dict) or not given:
        raise ValueError('celebrities must be a non-empty object: {"Name": [image, ...], ...}')
    decoded: dict[str, Any] = {}
    for name, value in given.items():
        if isinstance(value, dict) and "Images" in value:
            images = value["Images"]
            value = {**value, "Images": [json_image(i, f"{name}.Images[]") for i in _list(images, name)]}
        else:
            value = [json_image(i, f"{name}[]") for i in _list(value, name)]
        decoded[name] = value
    set_celebrities(decoded)


def _list(value: Any, name: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"{name}: give a list of one or more images")
    return value
