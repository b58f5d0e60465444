"""service/colours.py: the CSS colours DominantColors names, and their simplified names."""

from __future__ import annotations

from PIL import ImageColor

from rekognition_mock.service import colours


def test_every_css3_colour_once_with_its_own_values() -> None:
    """Each distinct CSS3 colour appears once, under one of its CSS names, with that name's RGB
    (Pillow's table of the CSS names is the independent source)."""
    names = [name for name, _, _ in colours.CSS_COLOURS]
    assert names == sorted(names) and len(set(names)) == len(names)
    for name, rgb, _ in colours.CSS_COLOURS:
        assert ImageColor.getrgb(name)[:3] == rgb, name
    css3 = {ImageColor.getrgb(name)[:3] for name in ImageColor.colormap if name != "rebeccapurple"}  # CSS4's one
    assert set(colours.palette()) == css3 and len(colours.palette()) == len(css3) == 138


def test_simplified_names() -> None:
    """Twelve simplified names, each used; the pairs AWS's responses show hold."""
    assert len(colours.SIMPLIFIED_NAMES) == 12
    assert {simple for _, _, simple in colours.CSS_COLOURS} == set(colours.SIMPLIFIED_NAMES)
    table = {name: simple for name, _, simple in colours.CSS_COLOURS}
    assert {n: table[n] for n in ("black", "gray", "dimgrey", "darkslategrey", "darkolivegreen")} == {
        "black": "black", "gray": "grey", "dimgrey": "grey", "darkslategrey": "grey", "darkolivegreen": "green"}


def test_dominant_colour_shape() -> None:
    index = [name for name, _, _ in colours.CSS_COLOURS].index("darkslategrey")
    assert colours.dominant_colour(index, 39.453125) == {
        "Red": 47, "Blue": 79, "Green": 79, "HexCode": "#2f4f4f", "CSSColor": "darkslategrey",
        "SimplifiedColor": "grey", "PixelPercent": 39.453125}
