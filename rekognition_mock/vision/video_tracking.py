"""People followed across the sampled frames of a video: one index per person while on screen.

A face continues a track of the previous sampled frame (or of the one before, so that one
missed detection does not split a person) when its box overlaps the track's last box and
its descriptor is near the track's, or, whatever the boxes, when its descriptor is very near
(the same person after a cut to another shot). Each track is taken by at most one face, the
nearest pairs first. A face that continues no track starts a new one, with the next index:
a person who leaves the screen and comes back later gets a new index.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_OVERLAP = 0.3  # intersection over union of the boxes in neighbouring samples
NEAR = 0.6  # descriptor distance within which overlapping boxes are the same person (dlib's match threshold)
VERY_NEAR = 0.45  # descriptor distance within which two faces are the same person wherever they are
MAX_MISSED = 1  # sampled frames a track may miss and still continue

Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass
class _Track:
    index: int
    box: Box
    descriptor: np.ndarray | None
    last: int  # the sampled frame it was last seen in


def overlap(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def track(frames: list[list[tuple[Box, np.ndarray | None]]]) -> list[list[int]]:
    """The person index of every face of every sampled frame, given each face's box and
    descriptor (None: boxes alone decide), frame by frame in time order."""
    tracks: list[_Track] = []
    indices: list[list[int]] = []
    for k, faces in enumerate(frames):
        live = [t for t in tracks if k - t.last <= MAX_MISSED + 1]
        pairs = []
        for i, (box, descriptor) in enumerate(faces):
            for j, candidate in enumerate(live):
                iou = overlap(box, candidate.box)
                if descriptor is None or candidate.descriptor is None:
                    distance = 0.0 if iou >= MIN_OVERLAP else np.inf
                else:
                    distance = float(np.linalg.norm(descriptor - candidate.descriptor))
                if (iou >= MIN_OVERLAP and distance <= NEAR) or distance <= VERY_NEAR:
                    pairs.append((distance, -iou, i, j))
        pairs.sort()
        chosen: dict[int, _Track] = {}
        taken: set[int] = set()
        for _, _, i, j in pairs:
            if i in chosen or j in taken:
                continue
            chosen[i] = live[j]
            taken.add(j)
        row = []
        for i, (box, descriptor) in enumerate(faces):
            found = chosen.get(i)
            if found is None:
                found = _Track(len(tracks), box, descriptor, k)
                tracks.append(found)
            else:
                found.box, found.last = box, k
                if descriptor is not None:
                    found.descriptor = descriptor
            row.append(found.index)
        indices.append(row)
    return indices
