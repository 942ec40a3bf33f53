"""WCAG contrast maths against known ratios, and the theme-colour adjustments built on it."""

from __future__ import annotations

import colorsys

import pytest

from support_system.generators.checks.contrast import (
    CSS_NAMED_COLORS,
    contrast_ratio,
    ensure_contrast,
    parse_color,
    readable_text_on,
    relative_luminance,
    to_hex,
)


@pytest.mark.parametrize(
    ("fg", "bg", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#777", "#fff", 4.48),  # the classic "almost AA" grey
        ("#767676", "white", 4.54),  # the lightest grey that passes AA on white
        ("#595959", "#ffffff", 7.0),  # AAA grey
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
        ("#aaaaaa", "#ffffff", 2.32),  # what axe reports for the test page's pale text
    ],
)
def test_known_contrast_ratios(fg: str, bg: str, ratio: float) -> None:
    assert contrast_ratio(fg, bg) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(bg, fg) == pytest.approx(ratio, abs=0.01)  # order does not matter


def test_relative_luminance_ends() -> None:
    assert relative_luminance("black") == 0.0
    assert relative_luminance("white") == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("text", "rgb"),
    [
        ("#abc", (0xAA, 0xBB, 0xCC)),
        ("#AABBCC", (0xAA, 0xBB, 0xCC)),
        ("#aabbccff", (0xAA, 0xBB, 0xCC)),
        ("  #fff ", (255, 255, 255)),
        ("rgb(10, 20, 30)", (10, 20, 30)),
        ("rgb(10 20 30)", (10, 20, 30)),
        ("rgba(10, 20, 30, 1)", (10, 20, 30)),
        ("rgb(100%, 50%, 0%)", (255, 128, 0)),
        ("hsl(0, 100%, 50%)", (255, 0, 0)),
        ("hsl(210deg 50% 40%)", (51, 102, 153)),
        ("RebeccaPurple", (0x66, 0x33, 0x99)),
        ("lightyellow", (0xFF, 0xFF, 0xE0)),
        ((1, 2, 3), (1, 2, 3)),
    ],
)
def test_parse_color_accepts_the_usual_forms(
    text: str | tuple[int, int, int], rgb: tuple[int, int, int]
) -> None:
    assert parse_color(text) == rgb


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "#ab",
        "#abcde",
        "#ggg",
        "blurple",
        "rgb(1, 2)",
        "rgb(a, b, c)",
        "rgba(0, 0, 0, 0.5)",
        "#00000080",
        "transparent",
        (256, 0, 0),
    ],
)
def test_parse_color_rejects_non_colours_and_translucency(bad: str | tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        parse_color(bad)


def test_to_hex_normalises() -> None:
    assert to_hex("#ABC") == "#aabbcc"
    assert to_hex("navy") == "#000080"
    assert to_hex((255, 0, 16)) == "#ff0010"
    assert len(CSS_NAMED_COLORS) == 148


@pytest.mark.parametrize(
    ("background", "text"),
    [
        ("#ffffff", "#000000"),
        ("#000000", "#ffffff"),
        ("#fff59d", "#000000"),
        ("#ff9800", "#000000"),
        ("#2f6f9f", "#ffffff"),
        ("navy", "#ffffff"),
        ("#777777", "#000000"),
    ],
)
def test_readable_text_on_picks_the_clearer_of_black_and_white(background: str, text: str) -> None:
    assert readable_text_on(background) == text
    other = "#ffffff" if text == "#000000" else "#000000"
    assert contrast_ratio(text, background) >= contrast_ratio(other, background)


def _hue(color: str) -> float:
    r, g, b = (c / 255 for c in parse_color(color))
    return colorsys.rgb_to_hls(r, g, b)[0]


@pytest.mark.parametrize(
    ("fg", "bg", "minimum"),
    [
        ("#fff59d", "#ffffff", 4.5),  # a user's pale yellow as link colour on white
        ("#fff59d", "#ffffff", 3.0),  # … as an accent border
        ("#ffeb3b", "#fffde7", 4.5),  # yellow on the pale-yellow page background
        ("#90caf9", "#ffffff", 4.5),  # light blue
        ("#e91e63", "#ffffff", 4.5),  # pink, just short of AA
        ("#1a237e", "#000000", 4.5),  # dark indigo on black must get lighter
        ("#777777", "#ffffff", 4.5),
    ],
)
def test_ensure_contrast_reaches_the_minimum_and_keeps_the_hue(
    fg: str, bg: str, minimum: float
) -> None:
    result = ensure_contrast(fg, bg, minimum)
    assert result.startswith("#") and len(result) == 7
    assert contrast_ratio(result, bg) >= minimum
    if parse_color(fg)[0] != parse_color(fg)[1] or parse_color(fg)[1] != parse_color(fg)[2]:
        assert _hue(result) == pytest.approx(_hue(fg), abs=0.02)


def test_ensure_contrast_changes_as_little_as_needed() -> None:
    # #777 misses AA on white by a hair: the answer is the next grey down, #767676.
    assert ensure_contrast("#777777", "#ffffff") == "#767676"
    # One more step of lightness towards the original would fall below the minimum again.
    result = ensure_contrast("#fff59d", "#ffffff", 4.5)
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in parse_color(result)))
    nudged = tuple(round(c * 255) for c in colorsys.hls_to_rgb(hue, lightness + 0.01, saturation))
    assert contrast_ratio(nudged, "#ffffff") < 4.5  # type: ignore[arg-type]


def test_ensure_contrast_leaves_good_colours_alone() -> None:
    assert ensure_contrast("#1d4f91", "#ffffff") == "#1d4f91"
    assert ensure_contrast("YELLOW", "black") == "#ffff00"


def test_ensure_contrast_falls_back_to_black_or_white_when_no_shade_can_reach_it() -> None:
    # On mid grey even pure black reaches only ~4.7:1, so 7:1 is impossible for any shade.
    assert ensure_contrast("#808080", "#777777", 7.0) == readable_text_on("#777777")
