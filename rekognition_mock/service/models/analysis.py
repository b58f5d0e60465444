"""Image operations: DetectFaces, CompareFaces, DetectLabels, DetectModerationLabels, and
the image analysis every family uses."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...settings import engine
from ...vision import Analysis, ImageDecodeError, read_size, similarity_from_distance
from .. import controls, images, labels, quality_filter, shapes
from ..exceptions import InvalidImageFormatException, InvalidParameterException
from ..limits import DEFAULT_SIMILARITY_THRESHOLD, MAX_FACES
from .base import BackendBase


class ImagesMixin(BackendBase):
    """Image operations answered by the face engine."""

    def analyze_image(self, image: Any, descriptors: bool = False, attributes: list[str] | None = None) -> Analysis:
        """Resolve an ``Image`` parameter and run the face engine on it; the attributes that
        ``attributes`` asks for (DetectFaces' ``Attributes``) are computed too, and only those."""
        data = images.image_bytes(image, self.account_id, self.region_name, self.partition)
        groups = shapes.attribute_groups(attributes)
        analysis = self._analyze_bytes(data, descriptors or shapes.DESCRIPTOR in groups)
        groups.discard(shapes.DESCRIPTOR)
        if groups and analysis.faces:
            engine().add_attributes(analysis, data, groups)
        return analysis

    def _analyze_bytes(self, data: bytes, descriptors: bool = False) -> Analysis:
        face_engine = engine()
        try:
            content_sha256, known = face_engine.peek(data)
            images.check_dimensions(*((known.width, known.height) if known is not None else read_size(data)))
            if known is not None and (known.has_descriptors or not descriptors):
                return known
            return face_engine.analyze(data, descriptors=descriptors, content_sha256=content_sha256)
        except ImageDecodeError:
            raise InvalidImageFormatException() from None

    # -- operations ---------------------------------------------------------------

    def detect_faces(self, image: Any, attributes: list[str] | None) -> dict[str, Any]:
        analysis = self.analyze_image(image, attributes=attributes)
        details = [shapes.face_detail(face, analysis.width, analysis.height, attributes) for face in analysis.faces[:MAX_FACES]]
        controls.override(details, self._face_overrides(image, analysis))
        return {"FaceDetails": details}

    def _face_overrides(self, image: Any, analysis: Analysis) -> dict[int, dict[str, Any]]:
        return controls.face_attributes(_image_keys(image, analysis))

    def compare_faces(  # type: ignore[override]
        self,
        source_image: Any,
        target_image: Any,
        similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD,
        quality_filter_level: str = "NONE",
    ) -> dict[str, Any]:
        source = self.analyze_image(source_image, descriptors=True)
        source_faces = [f for f in source.faces if quality_filter.passes(f, quality_filter_level)]
        if not source_faces:
            raise InvalidParameterException()
        probe = source_faces[0]  # faces are largest first
        target = self.analyze_image(target_image, descriptors=True, attributes=list(shapes.COMPARED_FACE_ATTRIBUTES))
        if not target.faces:  # "If no faces are detected in the source or target images" (API reference)
            raise InvalidParameterException()
        candidates = [f for f in target.faces[:MAX_FACES] if quality_filter.passes(f, quality_filter_level)]
        matches, unmatched = [], []
        if candidates:
            matrix = np.stack([f.descriptor for f in candidates])
            distances = np.linalg.norm(matrix - probe.descriptor, axis=1)
            similarities = similarity_from_distance(distances)
            for face, similarity in zip(candidates, similarities):
                described = shapes.compared_face(face, target.width, target.height)
                similarity = shapes.number(similarity)  # compare what the response reports
                if similarity >= similarity_threshold:
                    matches.append({"Similarity": similarity, "Face": described})
                else:
                    unmatched.append(described)
        matches.sort(key=lambda m: m["Similarity"], reverse=True)
        return {
            "SourceImageFace": {
                "BoundingBox": shapes.bounding_box(probe, source.width, source.height),
                "Confidence": shapes.number(probe.confidence),
            },
            "FaceMatches": matches,
            "UnmatchedFaces": unmatched,
        }

    def detect_labels(  # type: ignore[override]
        self, image: Any, max_labels: int | None, min_confidence: float | None, features: list[str] | None,
        settings: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Labels the faces imply plus the scripted ones; ``IMAGE_PROPERTIES`` from the pixels."""
        data = images.image_bytes(image, self.account_id, self.region_name, self.partition)
        analysis = self._analyze_bytes(data)
        return labels.detect_labels(
            analysis, lambda: engine().pixels(analysis, data), controls.scripted(controls.request_image_keys(image, data)),
            max_labels, min_confidence, features, settings,
        )

    def detect_moderation_labels(self, image: Any, min_confidence: float | None) -> dict[str, Any]:
        """Nothing is measured (there is no such model here): only scripted labels."""
        data = images.image_bytes(image, self.account_id, self.region_name, self.partition)
        self._analyze_bytes(data)  # the same image checks and errors as every image operation
        return labels.detect_moderation_labels(
            controls.scripted(controls.request_image_keys(image, data), moderation=True), min_confidence)



def _image_keys(image: Any, analysis: Analysis) -> list[tuple]:
    """The control keys of an analysed ``Image`` parameter: its S3 object, then its content."""
    keys: list[tuple] = [("sha256", analysis.content_sha256)]
    s3_object = image.get("S3Object") if isinstance(image, dict) else None
    if isinstance(s3_object, dict):
        keys.insert(0, ("s3", s3_object.get("Bucket"), s3_object.get("Name")))
    return keys
