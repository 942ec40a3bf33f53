"""Questions and changes on a person's tables, answered by programs run in the sandbox.

`ask(files, question, lang, history)` returns an `Answer`; a follow-up passes the
earlier `Turn`s. The errors say, in ja/en, why a question could not be answered.
The names load on first use (PEP 562), so a page can import this package without
paying for pandas and the model layer before the first question.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from support_system.analysis.answer import Answer, Change, Turn
    from support_system.analysis.errors import (
        AnalysisError,
        AnalysisTimeout,
        CodeBlocked,
        ColumnMissing,
        NotAboutData,
        NotAnswered,
        SheetChoiceNeeded,
    )
    from support_system.analysis.service import ask

_HOMES = {
    "ask": "support_system.analysis.service",
    "Answer": "support_system.analysis.answer",
    "Change": "support_system.analysis.answer",
    "Turn": "support_system.analysis.answer",
    "AnalysisError": "support_system.analysis.errors",
    "AnalysisTimeout": "support_system.analysis.errors",
    "CodeBlocked": "support_system.analysis.errors",
    "ColumnMissing": "support_system.analysis.errors",
    "NotAboutData": "support_system.analysis.errors",
    "NotAnswered": "support_system.analysis.errors",
    "SheetChoiceNeeded": "support_system.analysis.errors",
}

__all__ = [
    "AnalysisError",
    "AnalysisTimeout",
    "Answer",
    "Change",
    "CodeBlocked",
    "ColumnMissing",
    "NotAboutData",
    "NotAnswered",
    "SheetChoiceNeeded",
    "Turn",
    "ask",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value
