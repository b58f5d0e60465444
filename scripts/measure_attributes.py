"""Measure DetectFaces' attributes against faces labelled by eye, on a tuning and a validation half.

Run by hand (the photos are not part of the project; tests never read them):

    python scripts/build_attribute_set.py --out ../valset        # once: fetch the photos
    python scripts/measure_attributes.py ../valset                # per-attribute figures, both halves
    python scripts/measure_attributes.py ../valset --mistakes     # every wrong answer on the tuning half
    python scripts/measure_attributes.py ../valset --only tune    # the tuning half alone (the validation half not run)
    python scripts/measure_attributes.py ../valset --markdown     # the table in docs/how-it-works.md
    python scripts/measure_attributes.py ../valset --write-docs docs/how-it-works.md
    python scripts/measure_attributes.py ../valset --json /tmp/answers.json   # every face's labels and answers
    python scripts/measure_attributes.py --answers /tmp/answers.json --markdown  # tally a saved run again

The labels are ``scripts/attribute_set/labels.json`` (see its ``about``): faces of public
test photos, each read by a person, split once into a tuning half and a validation half.
Thresholds and choices are made on the tuning half only (``--mistakes`` shows that half
unless told otherwise); the validation half's figures are the ones to report.

Each labelled face is matched to the detected face whose box overlaps it most
(intersection over union at least :data:`MIN_IOU`); an attribute is judged only where the
label is not null. ``AgeRange`` is right when the middle of the labelled range lies
inside the answer's range or within its width of it; ``Emotions`` is right when the first
type is the labelled one, and ``CALM first`` counts the faces labelled CALM alone;
``Pose.Yaw`` and ``Pose.Pitch`` are right when the angle has the labelled sign and is at
least :data:`MIN_YAW` / :data:`MIN_PITCH` degrees.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # measure this checkout's package
sys.path.insert(0, str(ROOT / "scripts"))

from build_attribute_set import DEFAULT_OUT, LABELS, load, local_path  # noqa: E402

MIN_IOU = 0.3
MIN_YAW = 15.0
MIN_PITCH = 8.0
SPLITS = ("validate", "tune")

# Done-when figures of issue 22 for the validation half (per cent right).
TARGETS = {
    "AgeRange": 90, "Gender": 97, "CALM first": 80, "Smile": 93, "EyesOpen": 95, "MouthOpen": 90,
    "Beard": 93, "Mustache": 93, "Eyeglasses": 97, "Sunglasses": 98, "FaceOccluded": 95,
}

Judge = Callable[[dict[str, Any], Any], "tuple[bool, float | None]"]


def _flag(name: str) -> Judge:
    return lambda face, seen: (face[name]["Value"] is seen, face[name]["Confidence"])


def _age(face: dict[str, Any], seen: list[int]) -> tuple[bool, float | None]:
    low, high = face["AgeRange"]["Low"], face["AgeRange"]["High"]
    width, middle = high - low, (seen[0] + seen[1]) / 2
    return low - width <= middle <= high + width, None


def _emotion(face: dict[str, Any], seen: str) -> tuple[bool, float | None]:
    first = face["Emotions"][0]
    return first["Type"] == seen, first["Confidence"]


def _sign(name: str, least: float) -> Judge:
    def judge(face: dict[str, Any], seen: str) -> tuple[bool, float | None]:
        angle = face["Pose"][name]
        return (angle >= least) if seen == "+" else (angle <= -least), None

    return judge


# Rows of the table: (label key, judge, which labels count).
CHECKS: dict[str, tuple[str, Judge, Callable[[Any], bool]]] = {
    "AgeRange": ("AgeRange", _age, lambda seen: True),
    "Gender": ("Gender", lambda face, seen: (face["Gender"]["Value"] == seen, face["Gender"]["Confidence"]), lambda seen: True),
    "Emotions": ("Emotion", _emotion, lambda seen: True),
    "CALM first": ("Emotion", _emotion, lambda seen: seen == "CALM"),
    **{name: (name, _flag(name), lambda seen: True)
       for name in ("Smile", "EyesOpen", "MouthOpen", "Beard", "Mustache", "Eyeglasses", "Sunglasses", "FaceOccluded")},
    "Pose.Yaw": ("Yaw", _sign("Yaw", MIN_YAW), lambda seen: True),
    "Pose.Pitch": ("Pitch", _sign("Pitch", MIN_PITCH), lambda seen: True),
}


@dataclass
class Tally:
    right: int = 0
    wrong: int = 0
    confidence_right: list[float] = field(default_factory=list)
    confidence_wrong: list[float] = field(default_factory=list)

    def add(self, ok: bool, confidence: float | None) -> None:
        if ok:
            self.right += 1
        else:
            self.wrong += 1
        if confidence is not None:
            (self.confidence_right if ok else self.confidence_wrong).append(confidence)

    @property
    def judged(self) -> int:
        return self.right + self.wrong

    def share(self) -> str:
        return f"{100 * self.right / self.judged:.0f} %" if self.judged else "–"

    def confidences(self) -> str:
        if not self.confidence_right and not self.confidence_wrong:
            return "–"

        def mean(values: list[float]) -> str:
            return f"{sum(values) / len(values):.1f}" if values else "–"

        return f"{mean(self.confidence_right)} / {mean(self.confidence_wrong)}"


@dataclass
class Result:
    tallies: dict[str, dict[str, Tally]]  # split -> attribute -> tally
    faces: dict[str, int]  # split -> labelled faces
    unmatched: list[str]  # faces no detection overlaps
    mistakes: list[tuple[str, str]]  # (split, line)
    answers: list[dict[str, Any]]  # per face: where, labels, answer


def _iou(a: list[float], b: list[float]) -> float:
    left, top = max(a[0], b[0]), max(a[1], b[1])
    right, bottom = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0.0, right - left) * max(0.0, bottom - top)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter) if inter else 0.0


def _pixels(face: dict[str, Any], width: int, height: int) -> list[float]:
    box = face["BoundingBox"]
    return [box["Left"] * width, box["Top"] * height, box["Width"] * width, box["Height"] * height]


def describe(face: dict[str, Any]) -> str:
    def f(name: str) -> str:
        return f"{'Y' if face[name]['Value'] else 'n'}{face[name]['Confidence']:.0f}"

    pose = face["Pose"]
    return (
        f"age {face['AgeRange']['Low']}-{face['AgeRange']['High']} {face['Gender']['Value'][0]}{face['Gender']['Confidence']:.0f} "
        f"{face['Emotions'][0]['Type'][:5]}{face['Emotions'][0]['Confidence']:.0f} smile {f('Smile')} eyes {f('EyesOpen')} "
        f"mouth {f('MouthOpen')} beard {f('Beard')} must {f('Mustache')} glass {f('Eyeglasses')} sun {f('Sunglasses')} "
        f"occl {f('FaceOccluded')} pose r{pose['Roll']:.0f} y{pose['Yaw']:.0f} p{pose['Pitch']:.0f}"
    )


def _said(face: dict[str, Any], attribute: str) -> str:
    if attribute == "AgeRange":
        return f"{face['AgeRange']['Low']}-{face['AgeRange']['High']}"
    if attribute in ("Emotions", "CALM first"):
        return ", ".join(f"{e['Type']} {e['Confidence']:.0f}" for e in face["Emotions"][:3])
    if attribute.startswith("Pose."):
        return f"{face['Pose'][attribute[5:]]:.0f}"
    return f"{face[attribute]['Value']} ({face[attribute]['Confidence']:.1f})"


def measure(folder: Path, labels: dict[str, Any], detector: str, verbose: bool, only: str | None = None) -> list[dict[str, Any]]:
    """Every labelled face with the DetectFaces answer matched to it (``answer`` is None
    where no detected face overlaps it); of the ``only`` half alone when given."""
    import boto3

    import rekognition_mock

    rekognition_mock.configure(detector=detector, cache_dir=None)
    answers = []
    with rekognition_mock.mock_rekognition():
        client = boto3.client("rekognition", region_name="us-east-1")
        for image in labels["images"]:
            if only is not None and image["split"] != only:
                continue
            path = local_path(folder, image)
            if not path.is_file():
                raise SystemExit(f"{path} is missing: run scripts/build_attribute_set.py --out {folder}")
            found = client.detect_faces(Image={"Bytes": path.read_bytes()}, Attributes=["ALL"])["FaceDetails"]
            boxes = [_pixels(face, image["width"], image["height"]) for face in found]
            for number, seen in enumerate(image["faces"]):
                overlaps = [_iou(seen["box"], box) for box in boxes]
                best = max(range(len(boxes)), key=overlaps.__getitem__, default=None)
                face = found[best] if best is not None and overlaps[best] >= MIN_IOU else None
                answers.append({"split": image["split"], "repo": image["repo"], "path": image["path"], "face": number,
                                "labels": seen, "answer": face})
                if verbose:
                    print(f"{image['split']:8} {_where(answers[-1]):90} {describe(face) if face else 'not detected'}")
    return answers


def _where(entry: dict[str, Any]) -> str:
    return f"{entry['repo']}:{entry['path']} #{entry['face']} {entry['labels']['box']}"


def tally(answers: list[dict[str, Any]]) -> Result:
    """Per split and attribute, the right and wrong answers and their confidences."""
    result = Result({s: {a: Tally() for a in CHECKS} for s in SPLITS}, {s: 0 for s in SPLITS}, [], [], answers)
    for entry in answers:
        split, seen, face = entry["split"], entry["labels"], entry["answer"]
        result.faces[split] += 1
        if face is None:
            result.unmatched.append(f"{split}: {_where(entry)}")
            continue
        for attribute, (key, judge, counts) in CHECKS.items():
            if seen.get(key) is None or not counts(seen[key]):
                continue
            ok, confidence = judge(face, seen[key])
            result.tallies[split][attribute].add(ok, confidence)
            if not ok and attribute != "CALM first":
                result.mistakes.append((split, f"{split:8} {_where(entry):90} {attribute}: seen {seen[key]}, said {_said(face, attribute)}"))
    return result


def summary(result: Result) -> str:
    lines = [f"faces: {result.faces['validate']} validation, {result.faces['tune']} tuning"
             + (f"; {len(result.unmatched)} not detected" if result.unmatched else "")]
    lines.append(f"{'attribute':13} {'validation':>22} {'conf. right/wrong':>18}   {'tuning':>22} {'conf. right/wrong':>18}  target")
    for attribute in CHECKS:
        v, t = result.tallies["validate"][attribute], result.tallies["tune"][attribute]
        target = f"≥ {TARGETS[attribute]} %" if attribute in TARGETS else ""
        lines.append(
            f"{attribute:13} {v.right:>4}/{v.judged:<4} {v.share():>6}      {v.confidences():>18}   "
            f"{t.right:>4}/{t.judged:<4} {t.share():>6}      {t.confidences():>18}  {target}"
        )
    lines += [f"not detected: {u}" for u in result.unmatched]
    return "\n".join(lines)


def markdown(result: Result, detector: str) -> str:
    lines = [
        "| Attribute | validation: right | % | mean confidence right / wrong | tuning: right | % | mean confidence right / wrong | target (validation) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for attribute in CHECKS:
        v, t = result.tallies["validate"][attribute], result.tallies["tune"][attribute]
        target = f"≥ {TARGETS[attribute]} %" if attribute in TARGETS else ""
        name = f"`{attribute}`" if attribute != "CALM first" else "`Emotions`: CALM first on neutral faces"
        lines.append(
            f"| {name} | {v.right}/{v.judged} | {v.share()} | {v.confidences()} "
            f"| {t.right}/{t.judged} | {t.share()} | {t.confidences()} | {target} |"
        )
    lines.append(
        f"\n{result.faces['validate']} validation and {result.faces['tune']} tuning faces, {detector.upper()} detector"
        + (f"; {len(result.unmatched)} labelled faces not detected (left out)." if result.unmatched else "; every labelled face detected.")
    )
    return "\n".join(lines)


BEGIN = "<!-- measured by scripts/measure_attributes.py: begin -->"
END = "<!-- measured by scripts/measure_attributes.py: end -->"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="?", default=DEFAULT_OUT,
                        help=f"the set built by scripts/build_attribute_set.py (default {DEFAULT_OUT})")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--detector", choices=["cnn", "hog"], default="cnn")
    parser.add_argument("--verbose", action="store_true", help="print every face's answer")
    parser.add_argument("--mistakes", nargs="?", const="tune", choices=["tune", "validate", "all"],
                        help="print every wrong answer on this half (default: the tuning half)")
    parser.add_argument("--only", choices=SPLITS,
                        help="run DetectFaces on this half alone (--only tune: tune without reading the validation half)")
    parser.add_argument("--markdown", action="store_true", help="print the docs' table only")
    parser.add_argument("--write-docs", type=Path, help="replace the table between the markers in this file")
    parser.add_argument("--json", type=Path, help="write every face's labels and DetectFaces answer here")
    parser.add_argument("--answers", type=Path, help="tally the answers a --json run wrote instead of running DetectFaces")
    args = parser.parse_args(argv)
    if args.answers:
        answers = json.loads(args.answers.read_text())
    else:
        answers = measure(args.folder, load(args.labels), args.detector, verbose=args.verbose, only=args.only)
    if args.json:
        args.json.write_text(json.dumps(answers, indent=1))
    result = tally(answers)
    if args.mistakes:
        for split, line in result.mistakes:
            if args.mistakes in ("all", split):
                print(line)
        print()
    table = markdown(result, args.detector)
    if args.write_docs:
        text = args.write_docs.read_text()
        pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
        if not pattern.search(text):
            raise SystemExit(f"{args.write_docs} has no {BEGIN} ... {END} markers")
        args.write_docs.write_text(pattern.sub(lambda _: f"{BEGIN}\n{table}\n{END}", text))
    print(table if (args.markdown or args.write_docs) else summary(result))


if __name__ == "__main__":
    main()
