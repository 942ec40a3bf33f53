"""WCAG 2.x colour contrast, so a user's theme colour never produces unreadable text.

People pick a colour for their page ("pale yellow, like our shop sign"). The page uses
it for backgrounds and accents, and text on it must still reach WCAG AA (4.5:1 for body
text, 3:1 for large text and UI parts). These pure functions do the maths:

- `parse_color` / `to_hex` — "#abc", "#aabbcc", "rgb(…)", "hsl(…)", CSS colour names;
- `relative_luminance` / `contrast_ratio` — the WCAG 2.x definitions;
- `ensure_contrast(fg, bg, minimum)` — the smallest lightness change of `fg`, keeping
  its hue and saturation, that reaches `minimum` against `bg`;
- `readable_text_on(bg)` — black or white, whichever is more readable on `bg`.

The sRGB linearisation threshold is 0.04045 (the sRGB standard's value; WCAG 2.0's
printed 0.03928 differs only for channel value 10 and never changes a rounded ratio).
"""

from __future__ import annotations

import colorsys
import math
import re

RGB = tuple[int, int, int]
AA_TEXT = 4.5
AA_LARGE_TEXT = 3.0
AAA_TEXT = 7.0

_NAMED = dict(
    pair.split(":")
    for pair in (
        "aliceblue:f0f8ff antiquewhite:faebd7 aqua:00ffff aquamarine:7fffd4 azure:f0ffff "
        "beige:f5f5dc bisque:ffe4c4 black:000000 blanchedalmond:ffebcd blue:0000ff "
        "blueviolet:8a2be2 brown:a52a2a burlywood:deb887 cadetblue:5f9ea0 chartreuse:7fff00 "
        "chocolate:d2691e coral:ff7f50 cornflowerblue:6495ed cornsilk:fff8dc crimson:dc143c "
        "cyan:00ffff darkblue:00008b darkcyan:008b8b darkgoldenrod:b8860b darkgray:a9a9a9 "
        "darkgreen:006400 darkgrey:a9a9a9 darkkhaki:bdb76b darkmagenta:8b008b "
        "darkolivegreen:556b2f darkorange:ff8c00 darkorchid:9932cc darkred:8b0000 "
        "darksalmon:e9967a darkseagreen:8fbc8f darkslateblue:483d8b darkslategray:2f4f4f "
        "darkslategrey:2f4f4f darkturquoise:00ced1 darkviolet:9400d3 deeppink:ff1493 "
        "deepskyblue:00bfff dimgray:696969 dimgrey:696969 dodgerblue:1e90ff firebrick:b22222 "
        "floralwhite:fffaf0 forestgreen:228b22 fuchsia:ff00ff gainsboro:dcdcdc "
        "ghostwhite:f8f8ff gold:ffd700 goldenrod:daa520 gray:808080 green:008000 "
        "greenyellow:adff2f grey:808080 honeydew:f0fff0 hotpink:ff69b4 indianred:cd5c5c "
        "indigo:4b0082 ivory:fffff0 khaki:f0e68c lavender:e6e6fa lavenderblush:fff0f5 "
        "lawngreen:7cfc00 lemonchiffon:fffacd lightblue:add8e6 lightcoral:f08080 "
        "lightcyan:e0ffff lightgoldenrodyellow:fafad2 lightgray:d3d3d3 lightgreen:90ee90 "
        "lightgrey:d3d3d3 lightpink:ffb6c1 lightsalmon:ffa07a lightseagreen:20b2aa "
        "lightskyblue:87cefa lightslategray:778899 lightslategrey:778899 "
        "lightsteelblue:b0c4de lightyellow:ffffe0 lime:00ff00 limegreen:32cd32 linen:faf0e6 "
        "magenta:ff00ff maroon:800000 mediumaquamarine:66cdaa mediumblue:0000cd "
        "mediumorchid:ba55d3 mediumpurple:9370db mediumseagreen:3cb371 "
        "mediumslateblue:7b68ee mediumspringgreen:00fa9a mediumturquoise:48d1cc "
        "mediumvioletred:c71585 midnightblue:191970 mintcream:f5fffa mistyrose:ffe4e1 "
        "moccasin:ffe4b5 navajowhite:ffdead navy:000080 oldlace:fdf5e6 olive:808000 "
        "olivedrab:6b8e23 orange:ffa500 orangered:ff4500 orchid:da70d6 palegoldenrod:eee8aa "
        "palegreen:98fb98 paleturquoise:afeeee palevioletred:db7093 papayawhip:ffefd5 "
        "peachpuff:ffdab9 peru:cd853f pink:ffc0cb plum:dda0dd powderblue:b0e0e6 "
        "purple:800080 rebeccapurple:663399 red:ff0000 rosybrown:bc8f8f royalblue:4169e1 "
        "saddlebrown:8b4513 salmon:fa8072 sandybrown:f4a460 seagreen:2e8b57 seashell:fff5ee "
        "sienna:a0522d silver:c0c0c0 skyblue:87ceeb slateblue:6a5acd slategray:708090 "
        "slategrey:708090 snow:fffafa springgreen:00ff7f steelblue:4682b4 tan:d2b48c "
        "teal:008080 thistle:d8bfd8 tomato:ff6347 turquoise:40e0d0 violet:ee82ee "
        "wheat:f5deb3 white:ffffff whitesmoke:f5f5f5 yellow:ffff00 yellowgreen:9acd32"
    ).split()
)
CSS_NAMED_COLORS: dict[str, str] = {name: f"#{value}" for name, value in _NAMED.items()}

_FUNCTION = re.compile(r"^(rgba?|hsla?)\(\s*(.*?)\s*\)$", re.IGNORECASE)


def parse_color(color: str | RGB) -> RGB:
    """Any colour a person or a template may give, as an (r, g, b) tuple of 0-255 ints.

    Accepts "#abc", "#aabbcc", "#aabbccff", "rgb(1, 2, 3)", "rgb(1 2 3)", percentages,
    "hsl(210 50% 40%)", CSS colour names (case-insensitive) and RGB tuples. Translucent
    colours raise ValueError: their contrast depends on what lies beneath them.
    """
    if isinstance(color, tuple):
        if len(color) != 3 or not all(isinstance(c, int) and 0 <= c <= 255 for c in color):
            raise ValueError(f"not an RGB colour: {color!r}")
        return color
    text = color.strip().lower()
    if text in CSS_NAMED_COLORS:
        text = CSS_NAMED_COLORS[text]
    if text.startswith("#"):
        return _parse_hex(text, color)
    match = _FUNCTION.match(text)
    if not match:
        raise ValueError(f"not a colour: {color!r}")
    kind, args = match.group(1), re.split(r"[\s,/]+", match.group(2))
    if len(args) == 4:
        _require_opaque(args.pop(), color)
    if len(args) != 3:
        raise ValueError(f"not a colour: {color!r}")
    if kind.startswith("rgb"):
        return tuple(_channel(arg, color) for arg in args)  # type: ignore[return-value]
    hue = float(args[0].removesuffix("deg")) % 360 / 360
    saturation, lightness = (_percent(arg, color) for arg in args[1:])
    return _from_unit(colorsys.hls_to_rgb(hue, lightness, saturation))


def to_hex(color: str | RGB) -> str:
    """The colour as lowercase "#rrggbb", the one form templates and CSS always accept."""
    r, g, b = parse_color(color)
    return f"#{r:02x}{g:02x}{b:02x}"


def relative_luminance(color: str | RGB) -> float:
    """WCAG 2.x relative luminance: 0 for black, 1 for white."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = parse_color(color)
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(a: str | RGB, b: str | RGB) -> float:
    """WCAG 2.x contrast ratio between two colours, from 1.0 to 21.0 (order does not matter)."""
    la, lb = relative_luminance(a), relative_luminance(b)
    lighter, darker = max(la, lb), min(la, lb)
    return (lighter + 0.05) / (darker + 0.05)


def readable_text_on(background: str | RGB) -> str:
    """ "#000000" or "#ffffff", whichever contrasts more with `background`.

    Black wins more often than intuition says: on mid tones such as #2f6f9f-ish blues
    white wins, but on saturated yellows, oranges and light greens black is far clearer.
    """
    black = contrast_ratio("#000000", background)
    white = contrast_ratio("#ffffff", background)
    return "#000000" if black >= white else "#ffffff"


def ensure_contrast(foreground: str | RGB, background: str | RGB, minimum: float = AA_TEXT) -> str:
    """`foreground` changed as little as possible so it reaches `minimum` against `background`.

    Only HLS lightness moves, so the user's hue (and saturation) survive: a pale yellow
    accent on white becomes a dark golden yellow, not grey. Both directions are tried
    (darker and lighter) and the smaller change wins. When neither direction can reach the
    ratio (e.g. 7:1 on a mid grey), the best of black and white is returned. The result is
    "#rrggbb"; the search judges colours after rounding to 8-bit channels, so rounding can
    never push it back under the minimum.
    """
    fg = parse_color(foreground)
    if contrast_ratio(fg, background) >= minimum:
        return to_hex(fg)
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in fg))

    def colour_at(level: float) -> RGB:
        return _from_unit(colorsys.hls_to_rgb(hue, level, saturation))

    def meets(level: float) -> bool:
        return contrast_ratio(colour_at(level), background) >= minimum

    candidates: list[tuple[float, RGB]] = []
    # Darker: lightness in [0, current]; passing levels form [0, a]. Find a.
    if meets(0.0):
        low, high = 0.0, lightness
        for _ in range(40):
            middle = (low + high) / 2
            low, high = (middle, high) if meets(middle) else (low, middle)
        candidates.append((lightness - low, colour_at(low)))
    # Lighter: lightness in [current, 1]; passing levels form [b, 1]. Find b.
    if meets(1.0):
        low, high = lightness, 1.0
        for _ in range(40):
            middle = (low + high) / 2
            low, high = (low, middle) if meets(middle) else (middle, high)
        candidates.append((high - lightness, colour_at(high)))
    # `meets` judges the colour after rounding to 8 bits and the searches only ever keep
    # passing levels, so every candidate meets the ratio as returned.
    if not candidates:
        return readable_text_on(background)
    return to_hex(min(candidates)[1])


# --- parsing helpers ---------------------------------------------------------------------


def _parse_hex(text: str, original: str) -> RGB:
    digits = text[1:]
    if not re.fullmatch(r"[0-9a-f]{3,8}", digits) or len(digits) not in (3, 4, 6, 8):
        raise ValueError(f"not a colour: {original!r}")
    if len(digits) in (3, 4):
        digits = "".join(d * 2 for d in digits)
    if len(digits) == 8:
        if digits[6:] != "ff":
            raise ValueError(
                f"translucent colour {original!r}: its contrast depends on the background"
            )
        digits = digits[:6]
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _channel(arg: str, original: str) -> int:
    try:
        value = float(arg[:-1]) / 100 * 255 if arg.endswith("%") else float(arg)
    except ValueError:
        raise ValueError(f"not a colour: {original!r}") from None
    return _byte(value)


def _percent(arg: str, original: str) -> float:
    try:
        return max(0.0, min(1.0, float(arg.removesuffix("%")) / 100))
    except ValueError:
        raise ValueError(f"not a colour: {original!r}") from None


def _require_opaque(alpha: str, original: str) -> None:
    try:
        value = float(alpha[:-1]) / 100 if alpha.endswith("%") else float(alpha)
    except ValueError:
        raise ValueError(f"not a colour: {original!r}") from None
    if value < 1:
        raise ValueError(f"translucent colour {original!r}: its contrast depends on the background")


def _from_unit(rgb: tuple[float, float, float]) -> RGB:
    r, g, b = (_byte(c * 255) for c in rgb)
    return r, g, b


def _byte(value: float) -> int:
    """Round half up, as CSS does (Python's round() would send 127.5 to 128 but 126.5 to 126)."""
    return max(0, min(255, math.floor(value + 0.5)))
