"""The "no invented facts" rule, shared by every generator that lets a model write prose.

Small local models invent opening hours, prices and phone numbers (DESIGN §5: asked
for a bakery introduction, the 0.5B model wrote 「営業時間：9:00-17:00」). Facts must come
from the user's answers or data, rendered by a template. This module finds every
fact-like token in the model's text — numbers (full-width digits, comma thousands,
decimals), times (9:00, 9時30分), dates (2024-04-01, 2024年4月1日, 4/1), prices (¥1,200,
1200円), phone numbers, e-mail addresses and URLs — and fails the check for each one that
is absent from the allowed values, naming it so the repair prompt can remove it.

Matching is by meaning, not by spelling: "９：００" equals "9:00", "1,200" equals 1200,
"+81 3-1234-5678" equals "03-1234-5678", and a number may be a rounding of an allowed
one (a mean of 123.456 may be written 123.5 or 123).
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from support_system.generators.base import CheckResult

__all__ = ["Fact", "allowed_from", "extract_facts", "facts_check"]

# Order matters: the more specific patterns claim their characters first so that
# "03-1234-5678" is one phone number, not three numbers.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'、。「」（）()]+", re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_PHONE = re.compile(
    r"(?<![\d.])(?:\+\d{1,3}[\s-]?)?(?:\(\d{1,4}\)[\s-]?|\d{1,4}[\s-])\d{1,4}[\s-]\d{3,4}(?![\d])"
    r"|(?<![\d.,])0\d{9,10}(?![\d])"
)
_DATE = re.compile(
    r"(?P<y1>\d{4})\s*[-/.年]\s*(?P<m1>\d{1,2})\s*[-/.月]\s*(?P<d1>\d{1,2})\s*日?"
    r"|(?P<y2>\d{4})\s*年\s*(?P<m2>\d{1,2})\s*月"
    r"|(?P<m3>\d{1,2})\s*月\s*(?P<d3>\d{1,2})\s*日"
    r"|(?<![\d.,/])(?P<m4>\d{1,2})/(?P<d4>\d{1,2})(?![\d/])"
)
_TIME = re.compile(
    r"(?<![\d.,])(?P<h1>\d{1,2}):(?P<mi1>\d{2})(?::\d{2})?(?![\d])"
    r"|(?P<h2>\d{1,2})\s*時(?:\s*(?P<mi2>\d{1,2})\s*分|半)?"
)
_PRICE = re.compile(
    r"[¥$€£]\s?(?P<p1>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<p2>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?(?:円|yen|ドル|dollars?|euros?)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_ORDER: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("url", _URL),
    ("email", _EMAIL),
    ("date", _DATE),
    ("phone", _PHONE),
    ("time", _TIME),
    ("price", _PRICE),
    ("number", _NUMBER),
)
_TRAILING = ".,;:!?)]}'\"、。"


@dataclass(frozen=True)
class Fact:
    """One fact-like token: its kind, the text as written and a comparable key."""

    kind: str  # url | email | phone | date | time | price | number
    text: str
    key: Any


def _normalise(text: str) -> str:
    """NFKC turns full-width digits, colons and @ into ASCII (「９：００」 → "9:00")."""
    return unicodedata.normalize("NFKC", text)


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _key(kind: str, match: re.Match[str]) -> Any:
    text = match.group(0)
    if kind == "url":
        url = text.rstrip(_TRAILING).lower()
        url = re.sub(r"^https?://", "", url)
        return url.removeprefix("www.").rstrip("/")
    if kind == "email":
        return text.lower()
    if kind == "phone":
        digits = re.sub(r"\D", "", text)
        if text.strip().startswith("+"):  # +81 3 1234 5678 → 0312345678 (Japan); others kept
            digits = "0" + digits[2:] if digits.startswith("81") else digits
        return digits
    if kind == "date":
        groups = match.groupdict()
        year = groups["y1"] or groups["y2"]
        month = groups["m1"] or groups["m2"] or groups["m3"] or groups["m4"]
        day = groups["d1"] or groups["d3"] or groups["d4"]
        return (int(year) if year else None, int(month), int(day) if day else None)
    if kind == "time":
        groups = match.groupdict()
        hour = int(groups["h1"] or groups["h2"])
        minute = groups["mi1"] or groups["mi2"]
        minute_value = 30 if text.endswith("半") else int(minute) if minute else 0
        return (hour, minute_value)
    value_text = (
        (match.groupdict().get("p1") or match.groupdict().get("p2")) if kind == "price" else text
    )
    return _decimal(value_text or "")


def extract_facts(text: str) -> list[Fact]:
    """Every fact-like token in `text`, in order of appearance.

    Each character belongs to at most one fact: a phone number's digits are not also
    reported as numbers, and the year of a date is not also a number.
    """
    normalised = _normalise(text)
    taken = [False] * len(normalised)
    found: list[tuple[int, Fact]] = []
    for kind, pattern in _ORDER:
        for match in pattern.finditer(normalised):
            start, end = match.span()
            written = match.group(0).rstrip(_TRAILING) if kind == "url" else match.group(0)
            end = start + len(written.rstrip())
            if any(taken[start:end]):
                continue
            key = _key(kind, match)
            if key is None:
                continue
            for i in range(start, end):
                taken[i] = True
            found.append((start, Fact(kind, normalised[start:end], key)))
    return [fact for _, fact in sorted(found, key=lambda item: item[0])]


@dataclass
class _Allowed:
    numbers: set[Decimal]
    facts: dict[str, set[Any]]
    texts: list[str]


def allowed_from(values: Iterable[Any]) -> _Allowed:
    """Index the allowed values: numbers by value, other facts by key, texts for substrings.

    Values may be strings (answers, column names, cells), numbers, dates, or nested
    lists/dicts of those; every fact found inside a string is allowed too, so an answer
    "03-1234-5678" allows that phone number and an answer "9:00-17:00" both times.
    """
    allowed = _Allowed(numbers=set(), facts={}, texts=[])

    def add_fact(fact: Fact) -> None:
        allowed.facts.setdefault(fact.kind, set()).add(fact.key)
        if fact.kind in ("number", "price") and isinstance(fact.key, Decimal):
            allowed.numbers.add(fact.key)

    def visit(value: Any) -> None:
        if value is None or isinstance(value, bool):
            return
        if isinstance(value, dict):
            for k, v in value.items():
                visit(k)
                visit(v)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                visit(item)
        elif isinstance(value, (datetime, date)):
            allowed.facts.setdefault("date", set()).add((value.year, value.month, value.day))
            if isinstance(value, datetime):
                allowed.facts.setdefault("time", set()).add((value.hour, value.minute))
            visit(value.isoformat())
        elif isinstance(value, (int, float, Decimal)):
            if isinstance(value, float) and not math.isfinite(value):
                return
            number = Decimal(str(value))
            allowed.numbers.add(number)
            if number == number.to_integral_value():
                allowed.numbers.add(number.to_integral_value())
        else:
            text = _normalise(str(value))
            if text.strip():
                allowed.texts.append(text.lower())
            for fact in extract_facts(text):
                add_fact(fact)
            # Numbers inside dates, times and phone numbers are allowed on their own too:
            # an answer "9:00" allows "9時", an answer "2024-04-01" allows "2024年".
            for number in _NUMBER.finditer(text):
                parsed = _decimal(number.group(0))
                if parsed is not None:
                    allowed.numbers.add(parsed)
                    allowed.numbers.add(abs(parsed))

    visit(list(values))
    return allowed


def _places(text: str) -> int:
    digits = text.replace(",", "")
    return len(digits.split(".", 1)[1]) if "." in digits else 0


def _number_allowed(value: Decimal, written: str, allowed: _Allowed) -> bool:
    """Equal to an allowed number, or that number rounded to the places written."""
    if value in allowed.numbers or abs(value) in allowed.numbers:
        return True
    places = _places(written)
    quantum = Decimal(1).scaleb(-places)
    for number in allowed.numbers:
        try:
            if number.quantize(quantum, rounding="ROUND_HALF_UP") == value:
                return True
        except InvalidOperation:
            continue
    return False


def _is_allowed(fact: Fact, allowed: _Allowed) -> bool:
    if fact.kind in ("number", "price"):
        return isinstance(fact.key, Decimal) and _number_allowed(fact.key, fact.text, allowed)
    keys = allowed.facts.get(fact.kind, set())
    if fact.key in keys:
        return True
    if fact.kind == "date":
        year, month, day = fact.key
        # "4月1日" is allowed by an answer "2024-04-01"; "2024年4月" by any date that month.
        return any(
            (year is None or y is None or y == year)
            and m == month
            and (day is None or d is None or d == day)
            for y, m, d in keys
        )
    if fact.kind == "time":
        return False
    return any(fact.text.lower() in text for text in allowed.texts)


_LABELS = {
    "url": "URL",
    "email": "e-mail address",
    "phone": "phone number",
    "date": "date",
    "time": "time",
    "price": "price",
    "number": "number",
}


def facts_check(text: str, allowed_values: Iterable[Any], *, name: str = "facts") -> CheckResult:
    """Fail when `text` states a fact that is not in `allowed_values`.

    One message per invented fact, exact enough to paste into a repair prompt:
    `invented time "9:00": it is not in the user's answers or data; remove it.`
    """
    started = time.perf_counter()
    allowed = allowed_from(allowed_values)
    messages: list[str] = []
    seen: set[tuple[str, str]] = set()
    for fact in extract_facts(text):
        if _is_allowed(fact, allowed) or (fact.kind, fact.text) in seen:
            continue
        seen.add((fact.kind, fact.text))
        messages.append(
            f'invented {_LABELS[fact.kind]} "{fact.text}": it is not in the user\'s answers or '
            "data; remove it or use only values given by the user."
        )
    return CheckResult(
        name=name, passed=not messages, messages=messages, seconds=time.perf_counter() - started
    )
