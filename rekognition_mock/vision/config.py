"""Engine settings: which detector runs and at what scale."""

from __future__ import annotations

from dataclasses import dataclass

DETECTORS = ("hog", "cnn")


@dataclass(frozen=True)
class EngineConfig:
    """How the face engine looks at an image.

    ``detector``: ``"hog"`` (dlib HOG, fast, frontal faces) or ``"cnn"`` (dlib MMOD CNN,
    slower, also finds faces in profile).
    ``min_face_ratio``: the smallest face searched for, as a fraction of the image's
    longer side (never below ``min_face_px``). Detection runs on a copy scaled so that
    this size maps to the detector's window, which keeps the cost per image bounded.
    ``min_score``: detector scores below this are not reported as faces.
    """

    detector: str = "hog"
    min_face_ratio: float = 1 / 16
    min_face_px: int = 40
    min_score: float | None = None

    def __post_init__(self) -> None:
        if self.detector not in DETECTORS:
            raise ValueError(f"detector must be one of {DETECTORS}, not {self.detector!r}")

    @property
    def score_floor(self) -> float:
        """The detector score below which a candidate is dropped."""
        if self.min_score is not None:
            return self.min_score
        return 0.3 if self.detector == "hog" else 0.0

    @property
    def cache_key(self) -> tuple:
        """A key that changes whenever the engine's answers could change."""
        return (self.detector, self.min_face_ratio, self.min_face_px, self.score_floor)
