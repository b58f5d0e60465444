"""AWS's moderation taxonomy (version 7) and scripted moderation labels in its shape.

DetectModerationLabels answers a three-level taxonomy: each label has a ``ParentName``
(``""`` at the top) and a ``TaxonomyLevel`` (1–3), and "the list includes the top-level
label and each child label detected in the image" (the API reference), so a scripted
label brings its ancestors. Sources: the developer guide's "Using the image and video
moderation APIs" table and AWS's V6.1→V7 migration notes (aws-samples).
"""

from __future__ import annotations

import difflib
from typing import Any

# Level 1 → level 2 → level-3 names (an empty list: a level-2 label without children).
TAXONOMY: dict[str, dict[str, list[str]]] = {
    "Explicit": {
        "Explicit Nudity": ["Exposed Male Genitalia", "Exposed Female Genitalia", "Exposed Buttocks or Anus",
                            "Exposed Female Nipple"],
        "Explicit Sexual Activity": [],
        "Sex Toys": [],
    },
    "Non-Explicit Nudity of Intimate parts and Kissing": {
        "Non-Explicit Nudity": ["Bare Back", "Exposed Male Nipple", "Partially Exposed Buttocks",
                                "Partially Exposed Female Breast", "Implied Nudity"],
        "Obstructed Intimate Parts": ["Obstructed Female Nipple", "Obstructed Male Genitalia"],
        "Kissing on the Lips": [],
    },
    "Swimwear or Underwear": {
        "Female Swimwear or Underwear": [],
        "Male Swimwear or Underwear": [],
    },
    "Violence": {
        "Weapons": [],
        "Graphic Violence": ["Weapon Violence", "Physical Violence", "Self-Harm", "Blood & Gore", "Explosions and Blasts"],
    },
    "Visually Disturbing": {
        "Death and Emaciation": ["Emaciated Bodies", "Corpses"],
        "Crashes": ["Air Crash"],
    },
    "Drugs & Tobacco": {
        "Products": ["Pills"],
        "Drugs & Tobacco Paraphernalia & Use": ["Smoking"],
    },
    "Alcohol": {
        "Alcohol Use": ["Drinking"],
        "Alcoholic Beverages": [],
    },
    "Rude Gestures": {"Middle Finger": []},
    "Gambling": {},
    "Hate Symbols": {"Nazi Party": [], "White Supremacy": [], "Extremist": []},
}


def _places() -> dict[str, tuple[str, str, int]]:
    """Every name, lower-cased, as (name, parent, level)."""
    places: dict[str, tuple[str, str, int]] = {}
    for top, children in TAXONOMY.items():
        places[top.lower()] = (top, "", 1)
        for middle, leaves in children.items():
            places[middle.lower()] = (middle, top, 2)
            for leaf in leaves:
                places[leaf.lower()] = (leaf, middle, 3)
    return places


PLACES = _places()


def place(name: str) -> tuple[str, str, int]:
    """``(Name, ParentName, TaxonomyLevel)`` of a moderation label, its name matched without
    regard to case; ``ValueError`` naming the closest names for one outside the taxonomy."""
    found = PLACES.get(name.lower())
    if found is None:
        names = [canonical for canonical, _, _ in PLACES.values()]
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else \
            f"; the top-level names are {', '.join(repr(t) for t in TAXONOMY)}"
        raise ValueError(f"{name!r} is not in AWS's moderation taxonomy (version 7){hint}")
    return found


def with_ancestors(labels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Scripted moderation labels (each a dict with ``Name`` and ``Confidence``) placed in the
    taxonomy, each followed by those of its ancestors that were not scripted themselves,
    at the highest confidence of their scripted descendants. A ``ParentName`` or
    ``TaxonomyLevel`` that the taxonomy contradicts is refused."""
    placed = []
    for label in labels:
        name, parent, level = place(label["Name"])
        for key, right in (("ParentName", parent), ("TaxonomyLevel", level)):
            if key in label and label[key] != right:
                raise ValueError(f"{name!r} has {key} {right!r} in AWS's moderation taxonomy, not {label[key]!r}")
        placed.append({**label, "Name": name, "ParentName": parent, "TaxonomyLevel": level})
    scripted = {label["Name"] for label in placed}
    out: list[dict[str, Any]] = []
    added: dict[str, dict[str, Any]] = {}
    for label in placed:
        out.append(label)
        parent = label["ParentName"]
        while parent and parent not in scripted:
            if parent in added:
                added[parent]["Confidence"] = max(added[parent]["Confidence"], label["Confidence"])
            else:
                name, grandparent, level = place(parent)
                added[parent] = {"Name": name, "Confidence": label["Confidence"], "ParentName": grandparent,
                                 "TaxonomyLevel": level}
                out.append(added[parent])
            parent = place(parent)[1]
    return out
