"""RecognizeCelebrities and GetCelebrityInfo, answered by the face engine from the
celebrities a test registered (``controls.celebrities``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...settings import engine
from ...vision import Analysis, Face, ImageDecodeError, similarity_from_distance
from .. import images, shapes
from ..controls import celebrities as registry
from ..exceptions import ImageTooLargeException, InvalidS3ObjectException, ResourceNotFoundException
from ..limits import CELEBRITY_MATCH_THRESHOLD, MAX_CELEBRITY_FACES
from .analysis import ImagesMixin

log = logging.getLogger(__name__)


@dataclass
class RecognisedCelebrity:
    celebrity: registry.Celebrity
    face: Face
    match_confidence: float


@dataclass
class CelebrityFaces:
    """What RecognizeCelebrities found: the celebrities recognised (in the order of their
    faces, largest first) and every other face."""

    analysis: Analysis
    recognised: list[RecognisedCelebrity]
    unrecognised: list[Face]


class CelebritiesMixin(ImagesMixin):
    """Celebrity recognition against the registered celebrities."""

    def recognize_celebrities(self, image: Any) -> CelebrityFaces:
        analysis = self.analyze_image(image, descriptors=True, attributes=list(shapes.COMPARED_FACE_ATTRIBUTES))
        faces = analysis.faces[:MAX_CELEBRITY_FACES]
        known = [(c, self._celebrity_descriptors(c)) for c in registry.registered()]
        known = [(c, d) for c, d in known if len(d)]
        best: dict[int, tuple[float, registry.Celebrity]] = {}  # face index -> its best match
        if faces and known:
            probes = np.stack([face.descriptor for face in faces])
            pairs = []  # (similarity, face index, celebrity): each celebrity to its best face
            for celebrity, descriptors in known:
                distances = np.linalg.norm(probes[:, None, :] - descriptors[None, :, :], axis=2).min(axis=1)
                similarities = similarity_from_distance(distances)
                pairs += [(float(s), i, celebrity) for i, s in enumerate(similarities) if s >= CELEBRITY_MATCH_THRESHOLD]
            taken: set[str] = set()
            for similarity, index, celebrity in sorted(pairs, key=lambda p: (-p[0], p[1])):
                if index not in best and celebrity.celebrity_id not in taken:
                    best[index] = (similarity, celebrity)
                    taken.add(celebrity.celebrity_id)
        recognised = [RecognisedCelebrity(best[i][1], face, best[i][0]) for i, face in enumerate(faces) if i in best]
        unrecognised = [face for i, face in enumerate(faces) if i not in best]
        return CelebrityFaces(analysis, recognised, unrecognised)

    def _celebrity_descriptors(self, celebrity: registry.Celebrity) -> np.ndarray:
        """The descriptors of the largest face of each of the celebrity's photos (a photo
        the mock cannot read now, such as a missing S3 object, is left out, with a warning)."""
        found = []
        for photo in celebrity.images:
            try:
                if isinstance(photo, tuple):
                    data = images.image_bytes({"S3Object": {"Bucket": photo[0], "Name": photo[1]}},
                                              self.account_id, self.region_name, self.partition)
                else:
                    data = photo
                faces = engine().analyze(data, descriptors=True).faces
            except (ImageDecodeError, InvalidS3ObjectException, ImageTooLargeException):
                log.warning("rekognition-mock: a photo registered for %s cannot be read; it is left out", celebrity.name)
                continue
            if faces:
                found.append(faces[0].descriptor)
        return np.stack(found) if found else np.empty((0, 128))

    def get_celebrity_info(self, celebrity_id: str) -> registry.Celebrity:
        celebrity = registry.by_id(celebrity_id)
        if celebrity is None:
            raise ResourceNotFoundException(f"Celebrity with id {celebrity_id} not found.")
        return celebrity
