"""Measure DetectFaces' attributes against what a person sees in the development photos.

Run by hand (the photos are not part of the project; tests never read them):

    python scripts/measure_attributes.py ../shared/faces/wild            # both detectors, per photo
    python scripts/measure_attributes.py ../shared/faces/wild --markdown # the table in docs/how-it-works.md
    python scripts/measure_attributes.py ../shared/faces/wild --write-docs docs/how-it-works.md

Each photo's largest face is compared with :data:`SEEN`, one person's reading of the photo
(see ``shared/faces/README.md``): the README's one known answer per photo plus what anyone
sees at a glance (a man or a woman, a beard, an open mouth). Attributes nobody can call
from the photo are left out rather than guessed.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # measure this checkout's package

MAN, WOMAN = "Male", "Female"

# What a person sees in each photo (the largest face). Ages are the plausible range of the
# person's age when photographed; pose entries are the sign a person reads
# ("+" towards the image's right / up / clockwise, as docs/how-it-works.md defines them).
SEEN: dict[str, dict[str, Any]] = {
    "angry.png": dict(Gender=MAN, Age=(25, 45), Beard=True, Mustache=True, Eyeglasses=False, Sunglasses=False,
                      EyesOpen=True, MouthOpen=True, Smile=False, Emotion="ANGRY", FaceOccluded=False),
    "happy.png": dict(Gender=MAN, Age=(20, 40), Beard=True, Mustache=True, Eyeglasses=False, Sunglasses=False,
                      EyesOpen=True, MouthOpen=True, Smile=True, Emotion="HAPPY", FaceOccluded=False),
    "sad.png": dict(Gender=WOMAN, Age=(20, 40), Beard=False, Mustache=False, Eyeglasses=False, Sunglasses=False,
                    EyesOpen=True, MouthOpen=False, Smile=False, Emotion="SAD", FaceOccluded=False),
    "eyes_closed.jpg": dict(Gender=WOMAN, Age=(18, 35), Beard=False, Mustache=False, Eyeglasses=False,
                            Sunglasses=False, EyesOpen=False, MouthOpen=False, FaceOccluded=False),
    "eyes_open.png": dict(Gender=WOMAN, Age=(18, 35), Beard=False, Mustache=False, Eyeglasses=False,
                          Sunglasses=False, EyesOpen=True, MouthOpen=True, Smile=False, FaceOccluded=False),
    "masked.jpg": dict(Gender=WOMAN, Age=(15, 35), Eyeglasses=False, Sunglasses=False, EyesOpen=True,
                       FaceOccluded=True),
    "profile_a.jpg": dict(Gender=WOMAN, Age=(18, 35), Beard=False, Mustache=False, Eyeglasses=False,
                          Sunglasses=False, MouthOpen=False, Smile=False, Yaw="-", FaceOccluded=False),
    "profile_b.png": dict(Gender=WOMAN, Age=(18, 35), Beard=False, Mustache=False, Eyeglasses=False,
                          Sunglasses=False, Yaw="+", FaceOccluded=False),
    "head_up.jpg": dict(Gender=WOMAN, Age=(18, 35), Beard=False, Mustache=False, Eyeglasses=False,
                        Sunglasses=False, EyesOpen=True, Smile=False, Pitch="+", FaceOccluded=False),
    "head_down.jpg": dict(Gender=WOMAN, Age=(18, 35), Beard=False, Mustache=False, Eyeglasses=False,
                          Sunglasses=False, Pitch="-", FaceOccluded=False),
    "head_tilted.png": dict(Gender=WOMAN, Age=(18, 35), Beard=False, Mustache=False, Eyeglasses=False,
                            Sunglasses=False, Smile=True, Roll="tilted", FaceOccluded=False),  # about 55° anticlockwise
    "rdj_1.jpg": dict(Gender=MAN, Age=(38, 55), Beard=True, Mustache=True, Eyeglasses=False, Sunglasses=False,
                      EyesOpen=True, MouthOpen=False, Smile=False, FaceOccluded=False),
    "rdj_2.jpg": dict(Gender=MAN, Age=(38, 55), Beard=True, Mustache=True, Eyeglasses=False, Sunglasses=False,
                      EyesOpen=True, MouthOpen=False, Smile=False, FaceOccluded=False),
    "rdj_3.jpg": dict(Gender=MAN, Age=(38, 55), Beard=True, Mustache=True, Eyeglasses=False, Sunglasses=False,
                      EyesOpen=True, MouthOpen=False, Smile=False, FaceOccluded=False),
    "lowe_1.jpg": dict(Gender=MAN, Age=(35, 55), Beard=False, Mustache=False, Eyeglasses=False, Sunglasses=False,
                       EyesOpen=True, MouthOpen=True, Smile=True, Emotion="HAPPY", FaceOccluded=False),
    "lowe_2.jpg": dict(Gender=MAN, Age=(30, 50), Beard=False, Mustache=False, Eyeglasses=False, Sunglasses=False,
                       EyesOpen=True, MouthOpen=False, Smile=False, FaceOccluded=False),
    "rot_0.png": dict(Gender=MAN, Age=(16, 32), Beard=False, Mustache=False, Eyeglasses=False, Sunglasses=False,
                      EyesOpen=True, MouthOpen=False, Smile=False, Roll="0", FaceOccluded=False),
    "rot_90.png": dict(Gender=MAN, Age=(16, 32), Beard=False, Mustache=False, Eyeglasses=False, Sunglasses=False,
                       EyesOpen=True, MouthOpen=False, Smile=False, Roll="90", FaceOccluded=False),
    "rot_180.png": dict(Gender=MAN, Age=(16, 32), Beard=False, Mustache=False, Eyeglasses=False, Sunglasses=False,
                        EyesOpen=True, MouthOpen=False, Smile=False, Roll="180", FaceOccluded=False),
    "rot_270.png": dict(Gender=MAN, Age=(16, 32), Beard=False, Mustache=False, Eyeglasses=False, Sunglasses=False,
                        EyesOpen=True, MouthOpen=False, Smile=False, Roll="270", FaceOccluded=False),
    "full_body_1.jpg": dict(Gender=WOMAN, Age=(18, 35), Beard=False, Mustache=False, Eyeglasses=False,
                            Sunglasses=False, FaceOccluded=False),
    "full_body_2.jpg": dict(Gender=WOMAN, Age=(18, 35), Beard=False, Mustache=False, Eyeglasses=False,
                            Sunglasses=False, FaceOccluded=False),
}

# rot_N is the portrait turned clockwise by N degrees (rot_90 lies with the top of the head
# to the image's right), so its Roll is N (clockwise positive): -90 for rot_270. The tilted
# head leans about 55° anticlockwise (the eye on the image's right is the higher one).
_ROLL = {"0": 0.0, "90": 90.0, "180": 180.0, "270": -90.0, "tilted": -55.0}


def _angle_gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


def _flag(name: str) -> Callable[[dict[str, Any], Any], bool]:
    return lambda face, seen: face[name]["Value"] is seen


def _sign(name: str, least: float) -> Callable[[dict[str, Any], Any], bool]:
    return lambda face, seen: (face["Pose"][name] >= least) if seen == "+" else (face["Pose"][name] <= -least)


def _roll(face: dict[str, Any], seen: str) -> bool:
    return _angle_gap(face["Pose"]["Roll"], _ROLL[seen]) <= 15


def _age(face: dict[str, Any], seen: tuple[int, int]) -> bool:
    """The reported range overlaps the plausible one."""
    return face["AgeRange"]["Low"] <= seen[1] and face["AgeRange"]["High"] >= seen[0]


# How each attribute is judged, in the order of the docs' table.
CHECKS: dict[str, tuple[str, Callable[[dict[str, Any], Any], bool]]] = {
    "AgeRange": ("Age", _age),
    "Gender": ("Gender", lambda face, seen: face["Gender"]["Value"] == seen),
    "Emotions": ("Emotion", lambda face, seen: face["Emotions"][0]["Type"] == seen),
    "Smile": ("Smile", _flag("Smile")),
    "EyesOpen": ("EyesOpen", _flag("EyesOpen")),
    "MouthOpen": ("MouthOpen", _flag("MouthOpen")),
    "Beard": ("Beard", _flag("Beard")),
    "Mustache": ("Mustache", _flag("Mustache")),
    "Eyeglasses": ("Eyeglasses", _flag("Eyeglasses")),
    "Sunglasses": ("Sunglasses", _flag("Sunglasses")),
    "FaceOccluded": ("FaceOccluded", _flag("FaceOccluded")),
    "Pose.Yaw": ("Yaw", _sign("Yaw", 30.0)),
    "Pose.Pitch": ("Pitch", _sign("Pitch", 8.0)),
    "Pose.Roll": ("Roll", _roll),
}


def describe(face: dict[str, Any]) -> str:
    def f(name: str) -> str:
        return f"{'Y' if face[name]['Value'] else 'n'}{face[name]['Confidence']:.0f}"

    pose = face["Pose"]
    return (
        f"age {face['AgeRange']['Low']}-{face['AgeRange']['High']} {face['Gender']['Value'][0]}{face['Gender']['Confidence']:.0f} "
        f"{face['Emotions'][0]['Type'][:5]}{face['Emotions'][0]['Confidence']:.0f} smile {f('Smile')} eyes {f('EyesOpen')} "
        f"mouth {f('MouthOpen')} beard {f('Beard')} must {f('Mustache')} glass {f('Eyeglasses')} sun {f('Sunglasses')} "
        f"occl {f('FaceOccluded')} pose r{pose['Roll']:.0f} y{pose['Yaw']:.0f} p{pose['Pitch']:.0f} "
        f"gaze y{face['EyeDirection']['Yaw']:.0f} p{face['EyeDirection']['Pitch']:.0f}"
    )


def measure(photos: Path, detector: str, verbose: bool) -> dict[str, list[tuple[str, bool]]]:
    """For each attribute, (photo, agrees) over the photos a person can call it on where a
    face is found (the photos where the detector finds none are listed under ``None``)."""
    import boto3

    import rekognition_mock

    rekognition_mock.configure(detector=detector, cache_dir=None)
    results: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    with rekognition_mock.mock_rekognition():
        client = boto3.client("rekognition", region_name="us-east-1")
        for name, seen in SEEN.items():
            path = photos / name
            if not path.is_file():
                print(f"{detector}: {name} missing", file=sys.stderr)
                continue
            faces = client.detect_faces(Image={"Bytes": path.read_bytes()}, Attributes=["ALL"])["FaceDetails"]
            if not faces:
                results[None].append((name, False))  # type: ignore[index]
                if verbose:
                    print(f"{detector:3} {name:16} no face")
                continue
            face = faces[0]
            misses = []
            for attribute, (key, check) in CHECKS.items():
                if key in seen:
                    agrees = check(face, seen[key])
                    results[attribute].append((name, agrees))
                    if not agrees:
                        misses.append(attribute)
            if verbose:
                print(f"{detector:3} {name:16} {describe(face)}" + (f"  MISSES {', '.join(misses)}" if misses else ""))
    return results


def markdown(by_detector: dict[str, dict[str, list[tuple[str, bool]]]]) -> str:
    detectors = list(by_detector)
    lines = [
        "| Attribute | " + " | ".join(f"agrees ({d.upper()})" for d in detectors) + " | misses |",
        "|---|" + "---:|" * len(detectors) + "---|",
    ]
    for attribute in CHECKS:
        cells, misses = [], []
        for detector in detectors:
            rows = by_detector[detector].get(attribute, [])
            agreed = sum(ok for _, ok in rows)
            cells.append(f"{agreed}/{len(rows)}")
            misses += [f"{name} ({detector.upper()})" for name, ok in rows if not ok]
        lines.append(f"| `{attribute}` | " + " | ".join(cells) + " | " + (", ".join(misses) or "none") + " |")
    for detector in detectors:
        missed = [name for name, _ in by_detector[detector].get(None, [])]  # type: ignore[call-overload]
        if missed:
            lines.append(f"\n{detector.upper()} finds no face in {', '.join(missed)}; they are left out of its column.")
    return "\n".join(lines)


BEGIN = "<!-- measured by scripts/measure_attributes.py: begin -->"
END = "<!-- measured by scripts/measure_attributes.py: end -->"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", type=Path, help="the folder of the development photos (shared/faces/wild)")
    parser.add_argument("--detector", choices=["cnn", "hog", "both"], default="both")
    parser.add_argument("--markdown", action="store_true", help="print the docs' table only")
    parser.add_argument("--write-docs", type=Path, help="replace the table between the markers in this file")
    args = parser.parse_args(argv)
    detectors = ["cnn", "hog"] if args.detector == "both" else [args.detector]
    quiet = args.markdown or args.write_docs is not None
    by_detector = {d: measure(args.photos, d, verbose=not quiet) for d in detectors}
    table = markdown(by_detector)
    if args.write_docs:
        text = args.write_docs.read_text()
        pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
        if not pattern.search(text):
            raise SystemExit(f"{args.write_docs} has no {BEGIN} ... {END} markers")
        args.write_docs.write_text(pattern.sub(lambda _: f"{BEGIN}\n{table}\n{END}", text))
    print(table)


if __name__ == "__main__":
    main()
