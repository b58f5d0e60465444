"""Forced face attributes: FaceDetail members of one face of an image, in DetectFaces and
IndexFaces."""

from __future__ import annotations

from typing import Any

from .. import recorder
from .registry import Family, http_control, image_key, image_target, json_image, json_integer, row

FACE_ATTRIBUTES = Family(
    "face_attributes",
    lambda key, faces: [{"image": list(key), "face_index": index, "attributes": attributes}
                        for index, attributes in sorted(faces.items())],
    lambda key, faces: [row("face attributes", image_target(key), f"face {index}: " + ", ".join(sorted(attributes)))
                        for index, attributes in sorted(faces.items())],
)


def set_face_attributes(image: Any, face_index: int, attributes: dict[str, Any]) -> None:
    """Replace FaceDetail members of one face (``face_index`` in the response's order,
    largest face first) of ``image``, in every DetectFaces and IndexFaces that reports them."""
    from botocore.validate import ParamValidator

    from ..validation import service_model

    if not isinstance(face_index, int) or isinstance(face_index, bool) or face_index < 0:
        raise ValueError("face_index must be a non-negative integer")
    if not isinstance(attributes, dict) or not attributes:
        raise ValueError("attributes must be a non-empty dict of FaceDetail members")
    shape = service_model().shape_for("FaceDetail")
    unknown = sorted(set(attributes) - set(shape.members))
    if unknown:
        raise ValueError(f"not FaceDetail members: {', '.join(unknown)} (members: {', '.join(shape.members)})")
    report = ParamValidator().validate(attributes, shape)  # the types botocore will parse them as
    if report.has_errors():
        raise ValueError(f"not FaceDetail values: {report.generate_report()}")
    key = image_key(image)
    if key[0] == "sha256":
        check_face_index(bytes(image), face_index)

    def add(faces: dict[int, dict[str, Any]] | None) -> dict[int, dict[str, Any]]:
        faces = faces or {}
        faces.setdefault(face_index, {}).update(attributes)
        return faces

    FACE_ATTRIBUTES.edit(key, add)


def check_face_index(data: bytes, face_index: int) -> None:
    """ValueError if the image (given by its bytes) has no face ``face_index``: an override
    for a face the mock does not find would never apply. The analysis is the one DetectFaces
    will use (cached), so the check costs nothing later. An image the engine cannot read is
    not checked here: the API call will refuse it."""
    from ...settings import engine

    try:
        faces = len(engine().analyze(data).faces)
    except Exception:  # not an image the engine reads: the API call reports it
        return
    if not faces:
        raise ValueError(f"the mock finds no face in the image, so face_index {face_index} would never apply")
    if face_index >= faces:
        raise ValueError(f"the image has {faces} face{'s' if faces != 1 else ''} (face_index 0 to {faces - 1}); "
                         f"face_index {face_index} is not one of them")


def face_attributes(keys: list[tuple]) -> dict[int, dict[str, Any]]:
    """The face attribute overrides of the first of ``keys`` that has some."""
    return FACE_ATTRIBUTES.first(keys) or {}


def override(details: list[dict[str, Any]], overrides: dict[int, dict[str, Any]]) -> None:
    """Apply ``overrides`` to the FaceDetails of a response, for the members it reports."""
    for index, attributes in overrides.items():
        if index < len(details):
            for name, value in attributes.items():
                if name in details[index]:
                    details[index][name] = value
                    recorder.note(recorder.SCRIPTED_FACE_ATTRIBUTES, [name, value])


@http_control("face-attributes")
def _face_attributes_over_http(body: dict[str, Any]) -> None:
    set_face_attributes(json_image(body.get("image")), json_integer(body, "face_index", 0), body.get("attributes"))
