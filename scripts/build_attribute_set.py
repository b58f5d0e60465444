"""Rebuild the attribute validation set's photos from the public repositories they come from.

The labels (one person's reading of each face) and the list of photos live in the project,
in ``scripts/attribute_set/labels.json``; the photos do not (they belong to their
repositories). This script fetches each photo at the commit recorded there, checks its
SHA-256 and writes it under ``OUT/images/<owner>+<name>/<path>``:

    python scripts/build_attribute_set.py                      # into ../valset (beside the project)
    python scripts/build_attribute_set.py --out /tmp/valset
    python scripts/build_attribute_set.py --mirrors /work/.mirror   # local git mirrors, no network
    python scripts/build_attribute_set.py --mirror deepinsight/insightface=/path/to/insightface/.git

A repository given by ``--mirror`` (a git directory or work tree holding the commit) or found
under ``--mirrors`` (``<owner>+<name>/repo``) is read locally; any other is fetched with git
at the recorded commit into ``OUT/git/`` (network use happens only here, never when the
project runs or is tested). ``scripts/measure_attributes.py`` then measures DetectFaces
on ``OUT/images``.

The split into a tuning half and a validation half was made once and is stored with each
photo (``"split"``); :func:`split_of` is the rule that made it, and ``--check`` verifies
that every stored split still follows it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "scripts" / "attribute_set" / "labels.json"
DEFAULT_OUT = ROOT.parent / "valset"

SPLIT_SALT = "0"


def unit_of(image: dict[str, Any]) -> str:
    """The unit that is split: photos of one person or one scene share a ``group``, so
    that no face has a near twin in the other half; any other photo is its own unit."""
    return image.get("group") or f"{image['repo']}/{image['path']}"


def split_of(unit: str, development: bool) -> str:
    """``tune`` or ``validate`` for a unit. A unit holding a development photo (one of
    ``shared/faces/wild``, on which the attribute thresholds were first set) or a photo
    added after the split (``"added"``) is always tuned on; any other goes by the parity of the SHA-256 of ``"<salt>:<unit>"``."""
    if development:
        return "tune"
    return "validate" if int(hashlib.sha256(f"{SPLIT_SALT}:{unit}".encode()).hexdigest(), 16) % 2 == 0 else "tune"


def assign_splits(images: list[dict[str, Any]]) -> dict[str, str]:
    """Each unit's split under the rule (a unit is tuned on if any of its photos is a development photo)."""
    development: dict[str, bool] = {}
    for image in images:
        unit = unit_of(image)
        # development photos, and photos added after the split ("added"), are tuned on only
        development[unit] = development.get(unit, False) or "development_photo" in image or "added" in image
    return {unit: split_of(unit, dev) for unit, dev in development.items()}


def load(path: Path = LABELS) -> dict[str, Any]:
    return json.loads(path.read_text())


def local_path(out: Path, image: dict[str, Any]) -> Path:
    return out / "images" / image["repo"].replace("/", "+") / image["path"]


def _git(*args: str, cwd: Path | None = None) -> bytes:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True).stdout


def _git_dir(path: Path) -> Path:
    return path / ".git" if (path / ".git").is_dir() else path


def _fetched(out: Path, repo: str, commit: str) -> Path:
    """A git directory holding ``commit`` of ``repo``, fetched once into ``out/git``."""
    git_dir = out / "git" / (repo.replace("/", "+") + ".git")
    if not git_dir.is_dir():
        git_dir.parent.mkdir(parents=True, exist_ok=True)
        _git("init", "--bare", "--quiet", str(git_dir))
    have = subprocess.run(["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{commit}^{{commit}}"],
                          capture_output=True).returncode == 0
    if not have:
        print(f"fetching {repo} at {commit[:10]}", file=sys.stderr)
        _git("--git-dir", str(git_dir), "fetch", "--quiet", "--depth", "1", f"https://github.com/{repo}.git", commit)
    return git_dir


def build(out: Path, mirrors: dict[str, Path], mirror_root: Path | None, labels: dict[str, Any]) -> int:
    """Write every photo of ``labels`` under ``out``; the number of photos written or already in place."""
    done = 0
    for image in labels["images"]:
        target = local_path(out, image)
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == image["sha256"]:
            done += 1
            continue
        repo, commit = image["repo"], image["commit"]
        source = mirrors.get(repo)
        if source is None and mirror_root is not None:
            candidate = mirror_root / repo.replace("/", "+") / "repo"
            if candidate.is_dir():
                source = candidate
        git_dir = _git_dir(source) if source is not None else _fetched(out, repo, commit)
        data = _git("--git-dir", str(git_dir), "show", f"{commit}:{image['path']}")
        digest = hashlib.sha256(data).hexdigest()
        if digest != image["sha256"]:
            raise SystemExit(f"{repo}:{image['path']} at {commit[:10]} has SHA-256 {digest}, not {image['sha256']}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        done += 1
    return done


def check(labels: dict[str, Any]) -> list[str]:
    """Problems with the stored splits and boxes (empty when all is well)."""
    problems = []
    expected = assign_splits(labels["images"])
    for image in labels["images"]:
        if image.get("split") != expected[unit_of(image)]:
            problems.append(f"{image['repo']}:{image['path']} is in {image.get('split')}, the rule says {expected[unit_of(image)]}")
        for face in image["faces"]:
            left, top, width, height = face["box"]
            if width < (40 if "added" in image else 50) or left + width <= 0 or top + height <= 0 or left >= image["width"] or top >= image["height"]:
                problems.append(f"{image['repo']}:{image['path']} box {face['box']} is off the image or too small")
    return problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"the set's folder (default {DEFAULT_OUT})")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--mirror", action="append", default=[], metavar="OWNER/NAME=PATH",
                        help="read this repository from a local git directory or work tree")
    parser.add_argument("--mirrors", type=Path, help="a folder of <owner>+<name>/repo git mirrors")
    parser.add_argument("--check", action="store_true", help="only check the stored splits and boxes")
    args = parser.parse_args(argv)
    labels = load(args.labels)
    problems = check(labels)
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.check:
        raise SystemExit(1 if problems else 0)
    mirrors = {}
    for item in args.mirror:
        repo, _, path = item.partition("=")
        mirrors[repo] = Path(path)
    count = build(args.out, mirrors, args.mirrors, labels)
    faces = sum(len(image["faces"]) for image in labels["images"])
    print(f"{count} photos, {faces} faces in {args.out / 'images'}")


if __name__ == "__main__":
    main()
