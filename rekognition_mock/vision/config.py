"""Engine settings: which detector runs, how small a face it looks for, turned faces."""

from __future__ import annotations

from dataclasses import dataclass

DETECTORS = ("cnn", "hog")  # the first is the default
ROTATIONS = ("coarse", "full", "off")  # the first is the default


@dataclass(frozen=True)
class EngineConfig:
    """How the face engine looks at an image.

    ``detector``: ``"cnn"`` (dlib's MMOD network on onnxruntime: frontal and turned faces)
    or ``"hog"`` (dlib's HOG: the cheapest, frontal faces only).
    ``min_face_px``: the smallest face searched for in an image of up to 1920×1080
    (AWS documents 40 px); larger images need proportionally larger faces.
    ``min_face_ratio``: optionally, a larger minimum as a fraction of the image's longer
    side (0: none). Raising it skips small faces to save time.
    ``rotations``: faces turned by 90, 180 or 270 degrees in the image are looked for
    (CNN only) when at least a third of the image's shorter side (``"coarse"``), at every
    size (``"full"``, about twice the cost), or not at all (``"off"``).
    """

    detector: str = DETECTORS[0]
    min_face_px: int = 40
    min_face_ratio: float = 0.0
    rotations: str = ROTATIONS[0]

    def __post_init__(self) -> None:
        if self.detector not in DETECTORS:
            raise ValueError(f"detector must be one of {DETECTORS}, not {self.detector!r}")
        if self.rotations not in ROTATIONS:
            raise ValueError(f"rotations must be one of {ROTATIONS}, not {self.rotations!r}")

    @property
    def score_floor(self) -> float:
        """The detector score below which a candidate is not reported as a face.

        0.3 for HOG, 0.1 for the CNN: dlib's own threshold is 0, the weakest real faces on
        the development photos score 0.12–0.16, the one false detection in the fixtures 0.095.
        """
        return 0.3 if self.detector == "hog" else 0.1

    @property
    def cache_key(self) -> tuple:
        """A key that changes whenever the engine's answers could change."""
        return (self.detector, self.min_face_px, self.min_face_ratio, self.rotations, self.score_floor)
