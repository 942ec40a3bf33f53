"""Why a data question could not be answered, in words the person can act on.

Every error carries ja/en text from `core/locales/analysis.*.yaml`; none of them loses
the person's files or earlier answers (the original file is never written to).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from support_system.core.errors import SupportSystemError


class AnalysisError(SupportSystemError):
    """Base class of the errors below."""

    message_key = "errors.analysis.generic"


class NotAboutData(AnalysisError):
    """The question is not about the table (politely pointed to the chat page)."""

    message_key = "errors.analysis.not_about_data"


class ColumnMissing(AnalysisError):
    """The question needs a column the table does not have; `columns` lists those it has."""

    message_key = "errors.analysis.column_missing"

    def __init__(self, detail: str = "", *, column: str, columns: Sequence[str]) -> None:
        super().__init__(detail, column=column, columns="、".join(columns) or "-")
        self.column = column
        self.columns = list(columns)


class SheetChoiceNeeded(AnalysisError):
    """A workbook has several sheets and the question does not say which one it is about."""

    message_key = "errors.analysis.sheet_choice"

    def __init__(self, detail: str = "", *, sheets: Sequence[str]) -> None:
        super().__init__(detail, sheets="、".join(sheets))
        self.sheets = list(sheets)


class CodeBlocked(AnalysisError):
    """The program tried something outside its data (a file, the network, a process)."""

    message_key = "errors.analysis.code_blocked"

    def __init__(self, detail: str = "", *, what: str, code: str = "", **params: Any) -> None:
        super().__init__(detail, **params)
        self.what = what  # file | network | process | code (analysis.code_policy)
        self.code = code

    def message(self, lang: str | None = None) -> str:
        from support_system.core.i18n import t

        doing = t(f"analysis.blocked.{self.what}", lang)
        return t(self.message_key, lang, detail=self.detail, what=doing, **self.params)


class NotAnswered(AnalysisError):
    """Every model and every repair failed the checks; `problem` is the last one found."""

    message_key = "errors.analysis.not_answered"

    def __init__(self, detail: str = "", *, problem: str = "", models: Sequence[str] = ()) -> None:
        super().__init__(detail, problem=problem, models=", ".join(models))
        self.problem = problem
        self.models = list(models)


class AnalysisTimeout(AnalysisError):
    """The program ran past its time limit (the question may need a smaller table)."""

    message_key = "errors.analysis.timeout"
