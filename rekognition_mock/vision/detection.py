"""Face detection: dlib's MMOD CNN on onnxruntime (default) or dlib's HOG.

Which faces are looked for follows Amazon Rekognition's documentation: faces down to
40×40 pixels in a 1920×1080 image, and proportionally larger ones in larger images. The
detectors see faces of about 80 pixels, so the image is scaled by ``80 / smallest face``
first: a 1920×1080 photo is analysed at twice its size, a 4000×3000 one at 0.72.

The CNN also looks at the image turned by 90, 180 and 270 degrees, so faces at any roll
are found (:data:`EngineConfig.rotations` says how small a turned face may be).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from . import hog, weights
from .orientation import quarter_turn, unrotate_box
from .config import EngineConfig

WINDOW = 80  # both detectors look for faces about 80 pixels wide
DECODED_FACE = 60  # large images are decoded smaller while their smallest face keeps this many pixels
HOG_PAD = WINDOW // 2  # edge-replicated border so faces cut by the edge still score
AWS_REFERENCE_SIZE = (1920, 1080)  # the image size AWS's 40-pixel minimum is stated for
COARSE_ROTATED_FACE = 1 / 3  # "coarse": turned faces at least this share of the shorter side
COARSE_TURNS = (1, 2, 3)  # the quarter turns searched for them (without 2, a development face turned upside down is lost)


class BoxSize:
    """Width, height and area of anything with ``left``/``top``/``right``/``bottom``."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)


@dataclass(frozen=True)
class Detection(BoxSize):
    """A face box in original-image pixels (may extend past the edges) and its score.

    ``turn``: how many quarter turns counter-clockwise (``numpy.rot90``) make the face
    upright; 0 for faces found in the image as it is.
    """

    left: float
    top: float
    right: float
    bottom: float
    score: float
    turn: int = 0


def smallest_face(width: int, height: int, config: EngineConfig) -> float:
    """The smallest face side, in pixels, that is searched for in a ``width×height`` image.

    ``config.min_face_px`` (40) up to 1920×1080, growing with the image beyond that (by
    its longer side against 1920 or its shorter side against 1080, whichever is more);
    ``config.min_face_ratio`` of the longer side when that is larger.
    """
    longer, shorter = max(width, height), min(width, height)
    growth = max(1.0, longer / AWS_REFERENCE_SIZE[0], shorter / AWS_REFERENCE_SIZE[1])
    return max(config.min_face_px * growth, config.min_face_ratio * longer)


def analysis_scale(width: int, height: int, config: EngineConfig) -> float:
    """The factor applied to the image so that the smallest face fills the window."""
    return WINDOW / smallest_face(width, height, config)


def reduction(width: int, height: int, config: EngineConfig) -> int:
    """How many times smaller an image may be decoded and still show every face searched
    for at :data:`DECODED_FACE` pixels or more (the detector scales it up to its window):
    1 up to three times AWS's reference size (5760×3240), 2 up to six times, and so on.

    Never so small that the decoded image's own :func:`smallest_face` would be larger than
    the image's smallest face reduced (``config.min_face_px`` holds below 1920×1080).
    """
    return max(1, int(smallest_face(width, height, config) // max(DECODED_FACE, config.min_face_px)))


def confidence_from_score(score: float, detector: str = "cnn") -> float:
    """Map a dlib detector score to Rekognition's 0–100 confidence.

    A logistic curve ``100 / (1 + exp(-8 (score - centre)))``. For HOG the centre is 0.1:
    score 0.1 → 50, 0.3 → 83, 0.7 → 99.2, 1.0 and above → ≥ 99.9. The MMOD CNN's scores
    run lower for the same evidence (clear faces score about 1), so its centre is 0:
    0 → 50, 0.3 → 91.7, 0.6 → 99.2.
    """
    centre = 0.1 if detector == "hog" else 0.0
    value = 100.0 / (1.0 + math.exp(-8.0 * (score - centre)))
    return min(100.0, max(0.0, value))


def detect(rgb: np.ndarray, config: EngineConfig) -> list[Detection]:
    """All faces in an RGB image, strongest first, boxes in original pixel coordinates."""
    found = _detect_hog(rgb, config) if config.detector == "hog" else _detect_cnn(rgb, config)
    found.sort(key=lambda d: d.score, reverse=True)
    return found


# -- CNN ------------------------------------------------------------------------------------


def _detect_cnn(rgb: np.ndarray, config: EngineConfig) -> list[Detection]:
    """The MMOD network on the image scaled for the smallest face, plus turned copies.

    Each face's quarter turn is then decided on its own surroundings (:func:`quarter_turn`).
    When most faces need one turn, the image itself is turned (a photo taken sideways or
    upside down): that turned copy is then searched for faces of every size too. When no
    face was found at all, the image is searched on its sides for faces of
    :data:`UNPROMPTED_FACE` of the shorter side (the network answers to some faces on their
    side in the image as it is) and, when none is found there, upside down at the full
    scale where dlib's HOG sees a face in that copy (the network answers to no upside-down
    face); a face scoring :data:`UNPROMPTED_FLOOR` there says which way the image is turned.
    """
    height, width = rgb.shape[:2]
    scale = analysis_scale(width, height, config)
    floor = config.score_floor
    found = [Detection(*_box(w), w.score) for w in _run_mmod([rgb], scale, floor)[0]]
    found += _edge_pass(rgb, scale, floor)
    if config.rotations == "off":
        return _suppress(found, rgb, decide=False)
    votes: dict = {}  # each face's vote, kept across the merges below (a vote is the costly part)
    turned_scale = scale
    if config.rotations == "coarse":
        turned_scale = min(scale, WINDOW / (COARSE_ROTATED_FACE * min(width, height)))
    found += _turned_passes(rgb, turned_scale, COARSE_TURNS, floor)
    faces = _suppress(found, rgb, votes)
    if turned_scale < scale:
        if not faces:  # nothing says the image is turned: clear faces in a further search may
            blind_scale = min(scale, WINDOW / (UNPROMPTED_FACE * min(width, height)))
            clear = [d for d in _turned_passes(rgb, blind_scale, (1, 3), floor) if d.score >= UNPROMPTED_FLOOR]
            if not clear and _upright_to_hog(rgb, scale, 2):
                clear = [d for d in _turned_passes(rgb, scale, (2,), floor) if d.score >= UNPROMPTED_FLOOR]
            faces = _suppress(found + clear, rgb, votes) if clear else []
            found += clear
        turns = _image_turns(faces)
        if turns:
            found += _turned_passes(rgb, scale, turns, floor)
            faces = _suppress(found, rgb, votes)
    return faces


def _image_turns(faces: list[Detection]) -> tuple[int, ...]:
    """The quarter turn in which the whole image is searched again for faces of every size
    (a photo taken sideways or upside down): the turn of most faces when at least as many
    are turned that way as stand upright."""
    if not faces:
        return ()
    counts = [sum(d.turn == turn for d in faces) for turn in range(4)]
    turn = max((1, 2, 3), key=counts.__getitem__)
    return (turn,) if counts[turn] >= max(1, counts[0]) else ()


UNPROMPTED_FACE = 1 / 8  # with no face found, the copies on their sides are searched for faces of this share of the shorter side
UNPROMPTED_FLOOR = 0.5  # and a face that clear there says which way the image is turned
HOG_PROMPT = 0.0  # dlib's own threshold: a HOG face this clear in the upside-down copy prompts the network's search there


def _upright_to_hog(rgb: np.ndarray, scale: float, turn: int) -> bool:
    """Whether dlib's HOG sees a face in the image scaled by ``scale`` and turned by ``turn``
    quarter turns: it costs less than half the network's search at the same scale, and
    finds upright faces down to the same size (the network then searches that turn)."""
    grey = np.ascontiguousarray(np.rot90(_resize(rgb, scale, grey=True), turn))
    rects, scores, _ = hog.hog_run(weights.hog_detector(), grey, 0, HOG_PROMPT)
    return any(s >= HOG_PROMPT for s in scores)


EDGE_FACE = 1 / 4  # faces cut by the frame are looked for down to this share of the shorter side (a fifth cost 6 % more for the same figures)
EDGE_PAD = WINDOW // 2  # the border added for them: half the detector's window


def _edge_pass(rgb: np.ndarray, scale: float, floor: float) -> list[Detection]:
    """Faces cut by the frame: the image scaled so that faces of :data:`EDGE_FACE` of its
    shorter side fill the detector's window, inside a border of half a window that repeats
    the edge's pixels, so that a face half outside the image still fills a window. Only
    faces the frame cuts are kept (their boxes reach past the image's edge); the others
    are the main pass's. (On faces of the development photos cut by a third, the network
    scores 0.1 or more for 79 % with the edge repeated, 45 % with a black border.)"""
    height, width = rgb.shape[:2]
    edge_scale = min(scale, WINDOW / (EDGE_FACE * min(width, height)))
    if edge_scale < 1.0:
        base, run_scale = _resize(rgb, edge_scale), 1.0
        pad = EDGE_PAD
    else:
        base, run_scale = rgb, edge_scale
        pad = math.ceil(EDGE_PAD / edge_scale)
    sx, sy = width / base.shape[1], height / base.shape[0]
    padded = np.pad(base, ((pad, pad), (pad, pad), (0, 0)), mode="edge")
    found = []
    for w in _run_mmod([padded], run_scale, floor)[0]:
        left, top, right, bottom = (w.left - pad) * sx, (w.top - pad) * sy, (w.right - pad) * sx, (w.bottom - pad) * sy
        if left < 0 or top < 0 or right > width or bottom > height:
            found.append(Detection(left, top, right, bottom, w.score))
    return found


def _turned_passes(rgb: np.ndarray, scale: float, turns: tuple[int, ...], floor: float) -> list[Detection]:
    """Faces found in the quarter turns ``turns`` of the image scaled by ``scale``, in the
    image's own coordinates, each with the turn it was found in."""
    height, width = rgb.shape[:2]
    # reduced once, then turned (a quarter turn of the small copy, not of the image)
    base = _resize(rgb, scale) if scale < 1.0 else rgb
    sx, sy = width / base.shape[1], height / base.shape[0]
    found = []
    for batch in (tuple(t for t in turns if t % 2), tuple(t for t in turns if not t % 2)):  # one shape a batch
        if not batch:
            continue
        turned = [np.ascontiguousarray(np.rot90(base, turn)) for turn in batch]
        for turn, windows in zip(batch, _run_mmod(turned, max(1.0, scale), floor)):
            for w in windows:
                left, top, right, bottom = unrotate_box(_box(w), turn, base.shape[1], base.shape[0])
                found.append(Detection(left * sx, top * sy, right * sx, bottom * sy, w.score, turn))
    return found


def _run_mmod(images: list[np.ndarray], scale: float, floor: float) -> list[list]:
    """MMOD windows at ``scale`` of each image (all of one size, run as one batch when small);
    a reduction is done by Pillow (area-averaging) first."""
    detector = weights.mmod_detector().model
    rows, cols = images[0].shape[:2]
    if round(rows * scale) == rows and round(cols * scale) == cols:
        scale = 1.0  # a resize to the same size changes no pixel: not worth a float copy of the image
    if scale >= 1.0:
        return detector.detect_all(images, scale, floor)
    small = [_resize(rgb, scale) for rgb in images]
    sx, sy = cols / small[0].shape[1], rows / small[0].shape[0]
    return [[type(w)(w.left * sx, w.top * sy, w.right * sx, w.bottom * sy, w.score) for w in windows] for windows in detector.detect_all(small, 1.0, floor)]


def _box(w) -> tuple[float, float, float, float]:
    return (w.left, w.top, w.right, w.bottom)


def _suppress(found: list[Detection], rgb: np.ndarray, votes: dict | None = None, decide: bool = True) -> list[Detection]:
    """Merge the detections of all passes with dlib's overlap rule, strongest first, and
    decide each face's quarter turn (:func:`_orientation`; ``votes`` keeps the votes already
    taken on the same box with the same turns seen, so a merge repeated with more passes
    votes only on what changed).

    The network also answers to faces lying on their side (a face at 90° scores 0.6-1.0
    in the image and 1.1 in the turned copy), so neither the pass that saw a face nor the
    strongest score says which way up it is.
    """
    from .mmod_windows import overlaps, rounded

    nms = weights.mmod_detector().model.nms  # the overlap rule stored with the network
    groups: list[tuple[tuple[int, int, int, int], list[Detection]]] = []
    for d in sorted(found, key=lambda d: d.score, reverse=True):
        box = rounded(d)
        for kept_box, members in groups:
            if overlaps(kept_box, box, nms["iou"], nms["covered"]):
                members.append(d)
                break
        else:
            groups.append((box, [d]))
    if not decide:
        return [members[0] for _, members in groups]
    votes = {} if votes is None else votes
    return [_orientation(rgb, members, votes) for _, members in groups]


def _orientation(rgb: np.ndarray, members: list[Detection], votes: dict) -> Detection:
    """One face, seen by one or more passes, with its quarter turn decided by
    :func:`quarter_turn` on the face's own surroundings; its box is the one a pass found in
    that turn (the box the landmarks are fitted in), else the one the vote found."""
    strongest = members[0]
    boxed = frozenset(d.turn for d in members)
    key = (strongest.left, strongest.top, strongest.right, strongest.bottom, boxed)
    if key not in votes:
        votes[key] = quarter_turn(rgb, strongest, boxed)
    turn, box = votes[key]
    same = next((d for d in members if d.turn == turn), None)
    if same is not None:
        return same
    if box is None:
        return strongest
    return Detection(*box, strongest.score, turn)


# -- HOG ------------------------------------------------------------------------------------


def _detect_hog(rgb: np.ndarray, config: EngineConfig) -> list[Detection]:
    """dlib's HOG on a luminance copy scaled by :func:`analysis_scale`.

    Luminance: dlib's colour HOG takes the strongest channel gradient per pixel, which
    costs about 1.6x more for near-identical detections. An edge-replicated border
    gives faces cut by the image's edge the context the detector's window needs.
    """
    height, width = rgb.shape[:2]
    scale = analysis_scale(width, height, config)
    grey = np.pad(_resize(rgb, scale, grey=True), HOG_PAD, mode="edge")
    sy, sx = height / (grey.shape[0] - 2 * HOG_PAD), width / (grey.shape[1] - 2 * HOG_PAD)
    floor = config.score_floor
    rects, scores, _ = hog.hog_run(weights.hog_detector(), grey, 0, floor)
    return [
        Detection(
            (r.left() - HOG_PAD) * sx,
            (r.top() - HOG_PAD) * sy,
            (r.right() + 1 - HOG_PAD) * sx,
            (r.bottom() + 1 - HOG_PAD) * sy,
            float(s),
        )
        for r, s in zip(rects, scores)
        if s >= floor
    ]


def _resize(rgb: np.ndarray, scale: float, grey: bool = False) -> np.ndarray:
    image = Image.fromarray(rgb)
    if grey:
        image = image.convert("L")
    if abs(scale - 1.0) >= 1e-3:
        height, width = rgb.shape[:2]
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        resample = Image.Resampling.BILINEAR if scale > 1 else Image.Resampling.BOX
        image = image.resize(size, resample)
    return np.asarray(image)
