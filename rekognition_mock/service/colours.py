"""The colour names DetectLabels' ``DominantColors`` use: AWS's facts about colours.

Rekognition reports each dominant colour as a CSS named colour: in its responses the RGB
values and ``HexCode`` are those of the named colour (``darkslategrey`` is always
``#2f4f4f``), so pixels are counted against the CSS palette. ``SimplifiedColor`` is one
of 12 names; the CSS colours are grouped into them the way CSS colours are usually
grouped by family (AWS names ``darkslategrey`` and ``dimgrey`` "grey", and
``darkolivegreen`` "green", as this table does).

Where CSS has two names for one colour, the table keeps the spelling AWS's responses show
(``gray``, ``dimgrey``, ``darkslategrey``), the ``grey`` spelling for the other greys, and
``cyan`` and ``magenta`` over ``aqua`` and ``fuchsia``.
"""

from __future__ import annotations

import functools

SIMPLIFIED_NAMES = (
    "black", "white", "grey", "red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "brown",
)

# name, (red, green, blue), simplified name: the 138 distinct CSS3 named colours.
CSS_COLOURS: tuple[tuple[str, tuple[int, int, int], str], ...] = (
    ("aliceblue", (240, 248, 255), "white"),
    ("antiquewhite", (250, 235, 215), "white"),
    ("aquamarine", (127, 255, 212), "cyan"),
    ("azure", (240, 255, 255), "white"),
    ("beige", (245, 245, 220), "white"),
    ("bisque", (255, 228, 196), "brown"),
    ("black", (0, 0, 0), "black"),
    ("blanchedalmond", (255, 235, 205), "brown"),
    ("blue", (0, 0, 255), "blue"),
    ("blueviolet", (138, 43, 226), "purple"),
    ("brown", (165, 42, 42), "brown"),
    ("burlywood", (222, 184, 135), "brown"),
    ("cadetblue", (95, 158, 160), "blue"),
    ("chartreuse", (127, 255, 0), "green"),
    ("chocolate", (210, 105, 30), "brown"),
    ("coral", (255, 127, 80), "orange"),
    ("cornflowerblue", (100, 149, 237), "blue"),
    ("cornsilk", (255, 248, 220), "brown"),
    ("crimson", (220, 20, 60), "red"),
    ("cyan", (0, 255, 255), "cyan"),
    ("darkblue", (0, 0, 139), "blue"),
    ("darkcyan", (0, 139, 139), "green"),
    ("darkgoldenrod", (184, 134, 11), "brown"),
    ("darkgreen", (0, 100, 0), "green"),
    ("darkgrey", (169, 169, 169), "grey"),
    ("darkkhaki", (189, 183, 107), "yellow"),
    ("darkmagenta", (139, 0, 139), "purple"),
    ("darkolivegreen", (85, 107, 47), "green"),
    ("darkorange", (255, 140, 0), "orange"),
    ("darkorchid", (153, 50, 204), "purple"),
    ("darkred", (139, 0, 0), "red"),
    ("darksalmon", (233, 150, 122), "red"),
    ("darkseagreen", (143, 188, 143), "green"),
    ("darkslateblue", (72, 61, 139), "purple"),
    ("darkslategrey", (47, 79, 79), "grey"),
    ("darkturquoise", (0, 206, 209), "cyan"),
    ("darkviolet", (148, 0, 211), "purple"),
    ("deeppink", (255, 20, 147), "pink"),
    ("deepskyblue", (0, 191, 255), "blue"),
    ("dimgrey", (105, 105, 105), "grey"),
    ("dodgerblue", (30, 144, 255), "blue"),
    ("firebrick", (178, 34, 34), "red"),
    ("floralwhite", (255, 250, 240), "white"),
    ("forestgreen", (34, 139, 34), "green"),
    ("gainsboro", (220, 220, 220), "grey"),
    ("ghostwhite", (248, 248, 255), "white"),
    ("gold", (255, 215, 0), "yellow"),
    ("goldenrod", (218, 165, 32), "brown"),
    ("gray", (128, 128, 128), "grey"),
    ("green", (0, 128, 0), "green"),
    ("greenyellow", (173, 255, 47), "green"),
    ("honeydew", (240, 255, 240), "white"),
    ("hotpink", (255, 105, 180), "pink"),
    ("indianred", (205, 92, 92), "red"),
    ("indigo", (75, 0, 130), "purple"),
    ("ivory", (255, 255, 240), "white"),
    ("khaki", (240, 230, 140), "yellow"),
    ("lavender", (230, 230, 250), "purple"),
    ("lavenderblush", (255, 240, 245), "white"),
    ("lawngreen", (124, 252, 0), "green"),
    ("lemonchiffon", (255, 250, 205), "yellow"),
    ("lightblue", (173, 216, 230), "blue"),
    ("lightcoral", (240, 128, 128), "red"),
    ("lightcyan", (224, 255, 255), "cyan"),
    ("lightgoldenrodyellow", (250, 250, 210), "yellow"),
    ("lightgreen", (144, 238, 144), "green"),
    ("lightgrey", (211, 211, 211), "grey"),
    ("lightpink", (255, 182, 193), "pink"),
    ("lightsalmon", (255, 160, 122), "red"),
    ("lightseagreen", (32, 178, 170), "green"),
    ("lightskyblue", (135, 206, 250), "blue"),
    ("lightslategrey", (119, 136, 153), "grey"),
    ("lightsteelblue", (176, 196, 222), "blue"),
    ("lightyellow", (255, 255, 224), "yellow"),
    ("lime", (0, 255, 0), "green"),
    ("limegreen", (50, 205, 50), "green"),
    ("linen", (250, 240, 230), "white"),
    ("magenta", (255, 0, 255), "purple"),
    ("maroon", (128, 0, 0), "brown"),
    ("mediumaquamarine", (102, 205, 170), "green"),
    ("mediumblue", (0, 0, 205), "blue"),
    ("mediumorchid", (186, 85, 211), "purple"),
    ("mediumpurple", (147, 112, 219), "purple"),
    ("mediumseagreen", (60, 179, 113), "green"),
    ("mediumslateblue", (123, 104, 238), "purple"),
    ("mediumspringgreen", (0, 250, 154), "green"),
    ("mediumturquoise", (72, 209, 204), "cyan"),
    ("mediumvioletred", (199, 21, 133), "pink"),
    ("midnightblue", (25, 25, 112), "blue"),
    ("mintcream", (245, 255, 250), "white"),
    ("mistyrose", (255, 228, 225), "white"),
    ("moccasin", (255, 228, 181), "yellow"),
    ("navajowhite", (255, 222, 173), "brown"),
    ("navy", (0, 0, 128), "blue"),
    ("oldlace", (253, 245, 230), "white"),
    ("olive", (128, 128, 0), "brown"),
    ("olivedrab", (107, 142, 35), "green"),
    ("orange", (255, 165, 0), "orange"),
    ("orangered", (255, 69, 0), "orange"),
    ("orchid", (218, 112, 214), "purple"),
    ("palegoldenrod", (238, 232, 170), "yellow"),
    ("palegreen", (152, 251, 152), "green"),
    ("paleturquoise", (175, 238, 238), "cyan"),
    ("palevioletred", (219, 112, 147), "pink"),
    ("papayawhip", (255, 239, 213), "yellow"),
    ("peachpuff", (255, 218, 185), "yellow"),
    ("peru", (205, 133, 63), "brown"),
    ("pink", (255, 192, 203), "pink"),
    ("plum", (221, 160, 221), "purple"),
    ("powderblue", (176, 224, 230), "blue"),
    ("purple", (128, 0, 128), "purple"),
    ("red", (255, 0, 0), "red"),
    ("rosybrown", (188, 143, 143), "brown"),
    ("royalblue", (65, 105, 225), "blue"),
    ("saddlebrown", (139, 69, 19), "brown"),
    ("salmon", (250, 128, 114), "red"),
    ("sandybrown", (244, 164, 96), "brown"),
    ("seagreen", (46, 139, 87), "green"),
    ("seashell", (255, 245, 238), "white"),
    ("sienna", (160, 82, 45), "brown"),
    ("silver", (192, 192, 192), "grey"),
    ("skyblue", (135, 206, 235), "blue"),
    ("slateblue", (106, 90, 205), "purple"),
    ("slategrey", (112, 128, 144), "grey"),
    ("snow", (255, 250, 250), "white"),
    ("springgreen", (0, 255, 127), "green"),
    ("steelblue", (70, 130, 180), "blue"),
    ("tan", (210, 180, 140), "brown"),
    ("teal", (0, 128, 128), "green"),
    ("thistle", (216, 191, 216), "purple"),
    ("tomato", (255, 99, 71), "orange"),
    ("turquoise", (64, 224, 208), "cyan"),
    ("violet", (238, 130, 238), "purple"),
    ("wheat", (245, 222, 179), "brown"),
    ("white", (255, 255, 255), "white"),
    ("whitesmoke", (245, 245, 245), "white"),
    ("yellow", (255, 255, 0), "yellow"),
    ("yellowgreen", (154, 205, 50), "green"),
)


@functools.cache
def palette() -> tuple[tuple[int, int, int], ...]:
    """The RGB values of :data:`CSS_COLOURS`, in its order (what the pixels are counted against)."""
    return tuple(rgb for _, rgb, _ in CSS_COLOURS)


def dominant_colour(index: int, percent: float) -> dict[str, object]:
    """A ``DominantColor`` for entry ``index`` of the palette covering ``percent`` of a region."""
    from .shapes import number

    name, (red, green, blue), simplified = CSS_COLOURS[index]
    return {
        "Red": red,
        "Blue": blue,
        "Green": green,
        "HexCode": f"#{red:02x}{green:02x}{blue:02x}",
        "CSSColor": name,
        "SimplifiedColor": simplified,
        "PixelPercent": number(percent),
    }
