"""What kind of question this is, read from its words before any model runs.

Cheap word rules, because they decide things a person must be able to predict: a
question that names nothing in the table and asks nothing a table can answer is sent to
the chat page instead of producing a made-up computation; a change request ("remove the
duplicates") yields a new file; a workbook question that fits several sheets is asked
back rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

import pandas as pd

# English words match whole words only ("row" is not in "tomorrow"); Japanese has no word
# breaks, so only words of two or more characters, or a character with its counter
# (何件, 何月), which do not hide inside everyday words (日 is in 明日, 行 in 旅行).
_DATA_WORDS = re.compile(
    r"\b(?:total|sum|average|mean|median|how (?:many|much)|which|what (?:is|was|are|were) the|"
    r"most|least|highest|lowest|largest|smallest|max(?:imum)?|min(?:imum)?|count|number of|"
    r"percent(?:age)?|share|ratio|rate|rows?|columns?|remove|delete|drop|duplicates?|sort|"
    r"order|chart|graph|plot|table|list|top|bottom|rank(?:ing)?|correlation|correlated|related|"
    r"trend|growth|increase|decrease|per|each|group|split|keep|only|filter|fill|missing|blank|"
    r"empty|rename|convert|save|excel|csv|file|data|compare|difference|distinct|unique|monthly|"
    r"month|year|yearly|week|weekly|daily|date|range)\b|"
    r"合計|平均|中央値|何[件人個月日回年％%割位番行]|いくつ|いくら|件数|人数|個数|一番|最も|最大|最小|"
    r"最高|最低|多い|少な|割合|比率|の率|比べ|表に|表を|の表|グラフ|行を|行だけ|行数|列を|列の|削除|"
    r"消して|重複|並べ|上位|下位|ランキング|相関|関係|傾向|推移|増え|減っ|ごと|別の|月別|年別|日別|"
    r"分けて|分割|残して|だけ|のみ|絞って|埋めて|空欄|欠損|変換|保存|ファイル|データ|の差|一覧|集計|"
    r"数量|金額|売上",
    re.I,
)
_CHANGE_WORDS = re.compile(
    r"\b(?:remove|delete|drop|dedupe|deduplicate|split|keep only|keep rows|keep the rows|"
    r"fill (?:in|the)|replace|rename|convert|add a column|add a .*column|save (?:it|as|the)|"
    r"clean|give me the file|new file|sort the (?:table|file|rows))\b|^sort\b|"
    r"削除|消して|取り除|除いて|除外|重複をなく|分けて|分割|だけ残|のみ残|残して|埋めて|置き換|"
    r"名前を変|列名を|変換|列を追加|列を足|保存|ファイルにして|並べ替え|整えて|きれいに",
    re.I,
)
# In a question ("…の合計は？重複は除いて") only these words still ask for a new file.
_STRONG_CHANGE_WORDS = re.compile(
    r"\b(?:remove|delete|drop|save|give me the file|new file)\b|削除して|消して|保存|ファイルにして"
)

_RENAME_WORDS = re.compile(r"rename|header|列名|見出し|名前を変", re.I)
_COLUMN_REMOVAL = re.compile(
    r"(?:column|列).*(?:only|remove|delete|drop|だけ|のみ|消|削除|除)|"
    r"(?:only|remove|delete|drop|keep).*column",
    re.I,
)
_ADD_COLUMN = re.compile(r"add .*column|new column|列を(?:追加|足)|列も(?:追加|足)|列を作", re.I)
_QUOTED = re.compile(r"[「『\"“]([^」』\"”]{1,40})[」』\"”]")

_CHART_WORDS = re.compile(r"chart|graph|plot|グラフ|図にして|図で", re.I)


def normalized(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def is_change_request(question: str) -> bool:
    """True for a request to change the data (the answer is a new file)."""
    text = normalized(question)
    if "?" in text:  # NFKC made ？ a ?: a question asks for a value unless it says otherwise
        return bool(_STRONG_CHANGE_WORDS.search(text))
    return bool(_CHANGE_WORDS.search(text))


_NARROW_WORDS = re.compile(r"\bonly\b|だけ|のみ|絞", re.I)


def narrows(question: str) -> bool:
    """Whether a request keeps part of the table ("only the first 5", 「3.1以上の月だけにして」)."""
    text = normalized(question)
    return "?" not in text and bool(_NARROW_WORDS.search(text))


_DESCENDING = re.compile(
    r"(?:highest|largest|biggest|most|top) first|descending|多い順|高い順|大きい順|降順|上位",
    re.I,
)
_ASCENDING = re.compile(
    r"(?:lowest|smallest|least|fewest) first|ascending|少ない順|低い順|小さい順|昇順|下位", re.I
)


def value_order(question: str) -> str | None:
    """ "desc" or "asc" when the question asks for its values in an order (「多い順に」)."""
    text = normalized(question)
    if _DESCENDING.search(text):
        return "desc"
    if _ASCENDING.search(text):
        return "asc"
    return None


def keeps_columns(question: str) -> bool:
    """Whether a change keeps every column: it neither renames nor removes columns."""
    text = normalized(question)
    return not _RENAME_WORDS.search(text) and not _COLUMN_REMOVAL.search(text)


def new_column_name(question: str, columns: Sequence[str]) -> str | None:
    """The name a request to add a column gives it (「1人あたりPV」の列を追加して), if any."""
    if not _ADD_COLUMN.search(normalized(question)):
        return None
    names = [name for name in _QUOTED.findall(question) if name not in columns]
    return names[0] if len(names) == 1 else None


_DICTATED_CODE = re.compile(
    r"\bsolve\b|\bimport\b|\bopen\s*\(|\bsocket\b|subprocess|\bos\.|/etc/|[a-z]:\\|"
    r"\bexec\b|\beval\b",
    re.I,
)


def dictates_code(question: str) -> bool:
    """Whether the question tells the program what to do ("write solve so that it opens
    /etc/passwd"): it gets a written program, checked and blocked when it reaches out,
    never a query form that would quietly compute something else."""
    return _DICTATED_CODE.search(question) is not None


def wants_chart(question: str) -> bool:
    return bool(_CHART_WORDS.search(normalized(question)))


def mentions(question: str, frame: pd.DataFrame) -> list[str]:
    """The columns of `frame` the question names (by header or by one of its values)."""
    text = normalized(question)
    named = [
        str(c) for c in frame.columns if len(normalized(str(c))) > 1 and normalized(str(c)) in text
    ]
    for column in frame.columns:
        if str(column) in named or not _is_label_column(frame[column]):
            continue
        if any(len(v) > 1 and v in text for v in _labels(frame[column])):
            named.append(str(column))
    return named


def is_about_data(question: str, frames: Iterable[pd.DataFrame], *, follow_up: bool) -> bool:
    """False for a question that names nothing in the tables and asks nothing of one."""
    text = normalized(question)
    if not text:
        return False
    if _DATA_WORDS.search(text) or is_change_request(question):
        return True
    if any(mentions(question, frame) for frame in frames):
        return True
    return follow_up and len(text) <= 40  # "and for Tokyo?" right after a data answer


def sheet_for(question: str, sheets: dict[str, pd.DataFrame]) -> str | None:
    """The one sheet the question is about, or None when it fits several or none.

    A sheet named in the question wins; otherwise the sheet with the most mentioned
    columns and values, when no other sheet ties with it.
    """
    named = named_sheets(question, sheets)
    if len(named) == 1:
        return named[0]
    scores = {name: len(mentions(question, frame)) for name, frame in sheets.items()}
    best = max(scores.values(), default=0)
    winners = [name for name, score in scores.items() if score == best]
    return winners[0] if best > 0 and len(winners) == 1 else None


def named_sheets(question: str, sheets: Iterable[str]) -> list[str]:
    """The sheets whose names the question contains ("2024の売上" names sheet "2024")."""
    text = normalized(question)
    return [name for name in sheets if normalized(name.split(":")[-1]) in text]


def _is_label_column(column: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(column) or isinstance(column.dtype, pd.CategoricalDtype)


def _labels(column: pd.Series, limit: int = 200) -> Sequence[str]:
    values = column.dropna().astype(str).unique()[:limit]
    return [normalized(v) for v in values]


_TIME_GROUPS = {
    "monthly": "month",
    "daily": "day",
    "weekly": "week",
    "yearly": "year",
    "annual": "year",
    "月別": "month",
    "月ごと": "month",
    "毎月": "month",
    "日別": "day",
    "日ごと": "day",
    "週別": "week",
    "週ごと": "week",
    "年別": "year",
    "年ごと": "year",
    "年度別": "year",
}
_TIME_NOUNS = {"month": "month", "day": "day", "date": "day", "week": "week", "year": "year"}
_EN_GROUP = re.compile(r"\b(?:per|each|every|by)\s+([a-z_]+)(?:\s+([a-z_]+))?")
_STOP_WORDS = {"the", "and", "for", "with", "from", "all", "its", "their", "one"}
_JA_GROUP = re.compile(r"([^\s、。,.?？!！のをはがにでと]{2,}?)(?:ごと|別|毎)")


def grouped_by(question: str, columns: Sequence[str]) -> str | None:
    """The column or time unit a question wants one result for each of, or None.

    "Total per month", 「店舗別の売上」, "each student's rate": each asks for a labelled
    result, not one number. Only a word that is a column (or part of one) or a time unit
    counts, so "the average amount per receipt" (one number) is not mistaken for one.
    """
    text = normalized(question)
    for word, unit in _TIME_GROUPS.items():
        if word in text:
            return unit
    names = [normalized(str(c)) for c in columns]
    words: list[str] = []
    for found in _EN_GROUP.finditer(text):  # "per customer city": the last noun is the group
        words += [w for w in (found.group(2), found.group(1)) if w]
    words += [m.group(1) for m in _JA_GROUP.finditer(text)]
    for word in words:
        if word in _TIME_NOUNS:
            return _TIME_NOUNS[word]
        if word.isascii() and (len(word) < 3 or word in _STOP_WORDS):
            continue
        stem = word.rstrip("s") if word.isascii() and len(word) > 3 else word
        matches = [
            str(column)
            for column, name in zip(columns, names, strict=True)
            if len(stem) >= 2 and (stem in name or (len(name) >= 2 and name in stem))
        ]
        if matches:
            return matches[0] if len(matches) == 1 else word
    return None
