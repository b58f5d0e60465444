"""The Rekognition backend: per account and region, moto-style.

It subclasses moto's own (canned) Rekognition backend so that operations this project
does not model yet keep moto's behaviour, and replaces the face operations with ones
answered by the face engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from moto.core.base_backend import BackendDict
from moto.rekognition.models import RekognitionBackend as MotoRekognitionBackend

from . import image_source, quality_filter, shapes
from .exceptions import ImageTooLargeException, InvalidImageFormatException, InvalidParameterException
from .settings import engine
from .vision import Analysis, ImageDecodeError, similarity_from_distance

MIN_IMAGE_SIDE = 80  # Rekognition refuses images smaller than 80 px on a side
MAX_FACES = 100  # DetectFaces reports the 100 largest faces; CompareFaces compares 100


class RekognitionBackend(MotoRekognitionBackend):
    """State and logic for one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)

    # -- images -----------------------------------------------------------------

    def analyze_image(self, image: Any, descriptors: bool = False) -> Analysis:
        """Resolve an ``Image`` parameter and run the face engine on it."""
        data = image_source.image_bytes(image, self.account_id, self.partition)
        try:
            analysis = engine().analyze(data, descriptors=descriptors)
        except ImageDecodeError as exc:
            if exc.reason == "too_large":
                raise ImageTooLargeException("Image size is too large.") from None
            if exc.reason == "too_small":
                raise InvalidParameterException("Request has invalid parameters") from None
            raise InvalidImageFormatException("Request has invalid image format") from None
        if min(analysis.width, analysis.height) < MIN_IMAGE_SIDE:
            raise InvalidParameterException("Request has invalid parameters")
        return analysis

    # -- operations ---------------------------------------------------------------

    def detect_faces(self, image: Any, attributes: list[str] | None) -> dict[str, Any]:
        analysis = self.analyze_image(image)
        details = [
            shapes.face_detail(face, analysis.width, analysis.height, attributes)
            for face in analysis.faces[:MAX_FACES]
        ]
        return {"FaceDetails": details}

    def compare_faces(  # type: ignore[override]
        self,
        source_image: Any,
        target_image: Any,
        similarity_threshold: float = 80.0,
        quality_filter_level: str = "NONE",
    ) -> dict[str, Any]:
        source = self.analyze_image(source_image, descriptors=True)
        source_faces = [f for f in source.faces if quality_filter.passes(f, quality_filter_level)]
        if not source_faces:
            raise InvalidParameterException("Request has invalid parameters")
        probe = source_faces[0]  # faces are largest first
        target = self.analyze_image(target_image, descriptors=True)
        candidates = [f for f in target.faces[:MAX_FACES] if quality_filter.passes(f, quality_filter_level)]
        matches, unmatched = [], []
        if candidates:
            matrix = np.stack([f.descriptor for f in candidates])
            distances = np.linalg.norm(matrix - probe.descriptor, axis=1)
            similarities = similarity_from_distance(distances)
            for face, similarity in zip(candidates, similarities):
                described = shapes.compared_face(face, target.width, target.height)
                if similarity >= similarity_threshold:
                    matches.append({"Similarity": shapes.number(similarity), "Face": described})
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


rekognition_backends = BackendDict(RekognitionBackend, "rekognition")
