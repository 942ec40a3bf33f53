"""The format a question asks for ("two decimals", "as a percentage", 「小数第1位まで」,
"answer as @product[name]"), read from its words, and values shown that way.

Formatting is done here, not by the model: a small model rounds and templates
unreliably, and the person asked for an exact form.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "zero": 0, "一": 1, "二": 2, "三": 3}
_DECIMALS = (
    re.compile(r"\b(\d|one|two|three|four)\s+decimal(?:s| places?| digits?)?\b", re.I),
    re.compile(r"小数(?:点以下)?(?:第)?\s*([0-9一二三])\s*(?:位|桁)"),
    re.compile(r"\bto\s+(\d|one|two|three)\s+places\b", re.I),
)
_WHOLE = re.compile(
    r"whole (?:number|yen|dollars?)|nearest (?:whole|integer|yen)|no decimals|"
    r"整数|四捨五入して円|円単位|小数(?:点)?(?:以下)?(?:を)?(?:切り捨て|四捨五入)",
    re.I,
)
_PERCENT = re.compile(r"%|％|percent|percentage|割合|何割|パーセント|比率", re.I)
_TEMPLATE = re.compile(r"@(\w+)\[([^\]]*)\]")


@dataclass(frozen=True)
class Format:
    """How the answer should look; None/False where the question says nothing."""

    decimals: int | None = None
    percent: bool = False
    template: str | None = None  # e.g. "@product[{value}]"

    def instructions(self) -> list[str]:
        """Lines for the program-writing prompt (the model computes, we format)."""
        lines = []
        if self.percent:
            lines.append("Return a percentage as a number from 0 to 100 (not a fraction).")
        if self.decimals is not None:
            lines.append("Do not round; the answer is rounded afterwards.")
        return lines


def requested(question: str) -> Format:
    """The format `question` asks for."""
    text = unicodedata.normalize("NFKC", question)
    decimals = None
    for pattern in _DECIMALS:
        match = pattern.search(text)
        if match:
            word = match.group(1).lower()
            decimals = int(word) if word.isdigit() else _WORD_NUMBERS.get(word)
            break
    if decimals is None and _WHOLE.search(text):
        decimals = 0
    template = None
    found = _TEMPLATE.search(text)
    if found:
        template = f"@{found.group(1)}[{{value}}]"
    return Format(decimals=decimals, percent=bool(_PERCENT.search(text)), template=template)


def shown(value: Any, fmt: Format) -> str:
    """`value` (a JSON value from the harness) as the person should read it."""
    if isinstance(value, dict) and value.get("type") == "series":
        pairs = zip(value["index"], value["values"], strict=False)
        body = ", ".join(f"{label}: {_one(v, fmt)}" for label, v in list(pairs)[:20])
    elif isinstance(value, dict) and value.get("type") == "frame":
        body = f"{len(value['rows'])} × {len(value['columns'])}"
    elif isinstance(value, list):
        body = ", ".join(_one(v, fmt) for v in value[:20])
    else:
        body = _one(value, fmt)
    return fmt.template.format(value=body) if fmt.template else body


def rounded(value: Any, fmt: Format) -> Any:
    """The exact value rounded as asked (numbers only; the rest unchanged)."""
    if fmt.decimals is None or not _is_number(value):
        return value
    result = round(float(value), fmt.decimals)
    return int(result) if fmt.decimals == 0 else result


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _one(value: Any, fmt: Format) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if not _is_number(value):
        return str(value)
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        return "-"
    if fmt.decimals is not None:
        text = f"{number:,.{fmt.decimals}f}"
    elif number.is_integer():
        text = f"{int(number):,}"
    else:
        text = f"{number:,.4f}".rstrip("0").rstrip(".")
        if text in ("0", "-0"):
            text = f"{number:.3g}"
    return f"{text}%" if fmt.percent else text
