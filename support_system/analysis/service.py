"""`ask`: a plain-language question about tables, answered by a program run on them.

The loop: describe the tables (never send them), have the first model write
`solve(df, tables)`, check the code, run it in the sandbox, check the result; on a
failure feed the exact error back (a repair) within a budget, then escalate to the
next, stronger model. The value shown is formatted here as the question asked, and the
sentence around it must state that value or it is replaced by a plain template.
"""

from __future__ import annotations

import ast
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from support_system.ai import generate, prompts
from support_system.analysis import checks, code_hints, formats, intent, plans, program, running
from support_system.analysis.answer import Answer, Change, Turn
from support_system.analysis.code_policy import inspect_code
from support_system.analysis.errors import (
    AnalysisTimeout,
    CodeBlocked,
    ColumnMissing,
    NotAboutData,
    NotAnswered,
    SheetChoiceNeeded,
)
from support_system.analysis.examples import examples
from support_system.analysis.linking import links
from support_system.analysis.schema import describe
from support_system.analysis.tables import Tables, load_tables
from support_system.core.errors import ModelError
from support_system.core.i18n import t
from support_system.core.languages import has_japanese
from support_system.core.logging import get_logger
from support_system.core.settings import get_settings
from support_system.routing.service import Route, choose, record

if TYPE_CHECKING:
    import pandas as pd

log = get_logger("support_system.analysis")
Progress = Callable[[str], None]
HISTORY_TURNS = 3
CROSS_CHECK_TEMPERATURE = 0.7
REPAIR_TEMPERATURE = 0.6
CROSS_CHECK_TOKENS = 160  # a sampled reply may ramble; a longer program is rarely right


def ask(
    files: Sequence[Path | str],
    question: str,
    lang: str,
    history: Sequence[Turn] | None = None,
    *,
    sheet: str | None = None,
    model: str | None = None,
    progress: Progress | None = None,
    user_id: int | None = None,
    alpha: float | None = None,
) -> Answer:
    """Answer `question` about `files` in `lang`; `model` alone, or the model routing
    picks (weighing quality against time by `alpha`) followed by the stronger ones of the
    configured chain. How the routed model did is recorded for the next choice.

    Raises InvalidUpload (unreadable file), SheetChoiceNeeded, NotAboutData,
    CodeBlocked, ColumnMissing, AnalysisTimeout or NotAnswered — all translated.
    """
    started = time.monotonic()
    say = progress or (lambda _line: None)
    history = list(history or [])[-HISTORY_TURNS:]
    names = ", ".join(Path(f).name for f in files)
    say(t("analysis.progress.reading", lang, files=names))
    # A follow-up ("add the growth column") is about the sheets its conversation named.
    context = " ".join([*(turn.question for turn in history), question])
    changed = _changed_table(history)  # "now only the months over 3.1" after a change
    read, sheet = ([changed], None) if changed else (files, sheet)
    tables = _tables_for(read, context, sheet, _reading_progress(say, lang))
    if not intent.is_about_data(question, tables.frames.values(), follow_up=bool(history)):
        raise NotAboutData(question[:80])
    fmt = formats.requested(question)
    change = intent.is_change_request(question) or bool(changed and intent.narrows(question))
    chart = intent.wants_chart(question) and not change
    examples_lang = _examples_language(tables.df)
    request = program.Request(
        question=question,
        tables=_schema(tables),
        fmt=fmt,
        change=change,
        chart=chart,
        history=history,
        on_changed_table=changed is not None,
        examples=examples(tables.df, examples_lang),
        links=[link.rule() for link in links(question, _linked_frames(tables))],
        form_examples=[
            (q, form.as_json()) for q, form in plans.plan_examples(tables.df, examples_lang)
        ]
        if get_settings().analysis.query_form
        else [],
    )
    dest = (
        get_settings().state_dir
        / "analysis"
        / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    )
    dest.mkdir(parents=True, exist_ok=True)
    tables_file = running.pickle_tables(tables, dest)
    route = choose("data-question", question, lang, model=model, alpha=alpha)
    try:
        solved = _solve(
            request, tables, tables_file, dest, _chain(route, model), lang, say, user_id
        )
    except NotAnswered:
        record(route, quality=0.0, seconds=time.monotonic() - started, text=question)
        raise
    finally:
        tables_file.unlink(missing_ok=True)
    answer = _answer(solved, request, tables, files, lang, dest, say, user_id)
    answer.seconds = round(time.monotonic() - started, 2)
    answer.routing = route.as_dict()
    record(route, quality=float(answer.model == route.model), seconds=answer.seconds, text=question)
    log.info(
        "analysis_answered",
        model=answer.model,
        attempts=answer.attempts,
        kind=answer.kind,
        seconds=answer.seconds,
    )
    return answer


def _examples_language(frame: pd.DataFrame) -> str:
    """The worked examples speak the table's language, not the question's: the prompt's
    beginning then stays the same whichever language the person asks in, and the model
    reuses it (and the examples' words match the column names either way)."""
    return "ja" if any(has_japanese(str(column)) for column in frame.columns) else "en"


@dataclass
class _Solved:
    """The program that passed, its outcome and who wrote it."""

    code: str
    outcome: running.Outcome
    model: str
    models: list[str]
    attempts: int
    form: str = ""  # the query form the code was compiled from, if any


def _changed_table(history: Sequence[Turn]) -> Path | None:
    """The new file the last turn made, when the conversation goes on from a change."""
    last = history[-1] if history else None
    if last is None or last.kind != "transform" or last.output_file is None:
        return None
    return last.output_file if last.output_file.is_file() else None


def _reading_progress(say: Progress, lang: str) -> Callable[[float, str], None]:
    """Reader progress as lines ("Reading big.csv… 35 %"), one per 5 % step of a big file."""
    last: dict[str, int] = {}

    def report(fraction: float, label: str) -> None:
        step = int(fraction * 20)
        if 0 < fraction < 1 and last.get(label) != step:
            last[label] = step
            say(t("analysis.progress.reading_part", lang, file=label, percent=step * 5))

    return report


def _tables_for(
    files: Sequence[Path | str],
    question: str,
    sheet: str | None,
    progress: Callable[[float, str], None] | None = None,
) -> Tables:
    tables = load_tables(files, sheet=sheet, progress=progress)
    sheets = tables.sheets()
    if sheet is None and len(sheets) > 1:
        if len(intent.named_sheets(question, sheets)) > 1:
            return tables  # "compare 2023 and 2024": every sheet is in `tables`
        chosen = intent.sheet_for(question, {name: tables.frames[name] for name in sheets})
        if chosen is None:
            raise SheetChoiceNeeded(question[:80], sheets=sheets)
        tables = load_tables(files, sheet=chosen)
    return tables


def _linked_frames(tables: Tables) -> list[pd.DataFrame]:
    """The frames whose words the question may use: every table, or the joined one."""
    return [tables.df, *(f for name, f in tables.frames.items() if name != tables.main)]


def _schema(tables: Tables) -> str:
    parts = [describe(tables.main, tables.df, variable="df")]
    if tables.join_keys:
        parts[0] += f"\n  (df joins every table on {', '.join(map(repr, tables.join_keys))})"
    if len(tables.frames) > 1:
        for name, frame in tables.frames.items():
            if name != tables.main:
                parts.append(describe(name, frame, variable=f"tables[{name!r}]"))
    return "\n\n".join(parts)


def _solve(
    request: program.Request,
    tables: Tables,
    tables_file: Path,
    dest: Path,
    chain: list[str],
    lang: str,
    say: Progress,
    user_id: int | None,
) -> _Solved:
    settings = get_settings().analysis
    inputs = frozenset(Path(p).name for p in tables.sources.values()) | frozenset(tables.frames)
    trial = _Trial(request, tables, tables_file, inputs)
    tried: list[str] = []
    attempts = 0
    unsure: _Solved | None = None  # an answer its own model did not repeat
    for position, name in enumerate(chain):
        tried.append(name)
        last = position == len(chain) - 1
        formed = None
        if _form_fits(request):
            attempts += 1
            formed = _by_form(trial, request, name, dest, lang, say, user_id)
            if formed is not None:
                formed.models, formed.attempts = list(tried), attempts
                if last or not settings.cross_check:
                    return formed
        code, feedback = "", ""
        for _ in range(settings.attempts_per_model):
            attempts += 1
            say(t("analysis.progress.writing", lang, model=name))
            try:
                code = _write(request, name, feedback, code, user_id)
            except ModelError as error:
                log.warning("analysis_model_failed", model=name, error=type(error).__name__)
                trial.problem = error.message(lang)
                break  # this model is down or too slow: the next one may answer
            say(t("analysis.progress.running", lang))
            outcome, feedback = trial.run(code, dest)
            if outcome is None:
                continue
            solved = _Solved(code, outcome, name, list(tried), attempts)
            if last or not settings.cross_check:
                return solved
            say(t("analysis.progress.checking", lang))
            if formed is not None:  # the form and the free program are two independent tries
                if checks.agree(formed.outcome.value, outcome.value):
                    formed.attempts = attempts
                    return formed
            elif _repeats(trial, request, name, outcome, dest, user_id):
                return solved
            log.info("analysis_unsure", model=name)
            unsure = unsure or formed or solved
            break  # a stronger model decides
        unsure = unsure or formed  # its form passed the checks, its program did not
    if unsure is not None:
        unsure.models, unsure.attempts = tried, attempts
        return unsure
    raise _failure(trial.last, trial.problem, tried, tables, request.question)


def _chain(route: Route, explicit: str | None) -> list[str]:
    """The models to try: an explicit choice alone; else the routed model, then the
    configured models stronger than it (those after it in `analysis.models`)."""
    if explicit:
        return [explicit]
    configured = list(get_settings().analysis.models)
    if route.model in configured:
        return configured[configured.index(route.model) :]
    return [route.model, *configured]


def _form_fits(request: program.Request) -> bool:
    """Whether the query form can answer: not a change to the table, not a question that
    dictates the program, and a follow-up only when every earlier answer had a form."""
    if not get_settings().analysis.query_form or request.change or request.on_changed_table:
        return False
    if intent.dictates_code(request.question):
        return False
    return all(turn.form for turn in request.history)


def _by_form(
    trial: _Trial,
    request: program.Request,
    model: str,
    dest: Path,
    lang: str,
    say: Progress,
    user_id: int | None,
) -> _Solved | None:
    """The answer of the model's filled-in query form, when it compiles and passes the checks."""
    say(t("analysis.progress.form", lang, model=model))
    try:
        form = program.write_form(
            request, model, plans.plan_schema(trial.tables.df), user_id=user_id
        )
        form = plans.with_stated_comparisons(form, request.question)
        form = plans.with_stated_emptiness(form, request.question)
        form = plans.with_stated_pick(form, request.question)
        code = plans.compile_plan(form, trial.tables.df)
    except ModelError as error:
        log.warning("analysis_form_failed", model=model, error=type(error).__name__)
        return None
    # compile_plan's refusal, or pydantic's ValidationError (a ValueError) for a form the
    # schema refuses: either way no program follows from it, and the model writes code.
    except ValueError as error:
        log.info("analysis_form_unfit", model=model, reason=str(error))
        return None
    say(t("analysis.progress.running", lang))
    outcome, problem = trial.run(code, dest / "form")
    if outcome is None:
        log.info("analysis_form_rejected", model=model, problem=problem)
        return None
    return _Solved(code, outcome, model, [model], 1, form=form.as_json())


def _write(
    request: program.Request, model: str, feedback: str, previous: str, user_id: int | None
) -> str:
    """A program, or a repair of `previous`; a repair that repeats it word for word is
    sampled again, since at temperature 0 a small model often copies the code it is shown."""
    code = program.write(request, model, feedback=feedback, previous_code=previous, user_id=user_id)
    if feedback and _same_code(code, previous):
        code = program.write(
            request,
            model,
            feedback=feedback,
            previous_code=previous,
            temperature=REPAIR_TEMPERATURE,
            user_id=user_id,
        )
    return code


def _same_code(first: str, second: str) -> bool:
    return first.split() == second.split()


@dataclass
class _Trial:
    """Checking and running one program; remembers the last failure for the report."""

    request: program.Request
    tables: Tables
    tables_file: Path
    inputs: frozenset[str]
    last: running.Outcome | None = None
    problem: str = ""
    columns: list[str] = field(init=False)
    shaping: dict[str, Any] = field(init=False)  # what the harness repairs, same every run

    @staticmethod
    def _repeats_previous(outcome: running.Outcome, request: program.Request) -> str | None:
        """A follow-up ("only Shibuya", 「上位3件だけ」) answered with exactly the previous
        answer has not applied what it asks: the model copied the last program."""
        if request.change or not request.history or outcome.value is None:
            return None
        previous = request.history[-1]
        if previous.kind == "transform" or not previous.shown_value:
            return None
        shown = formats.shown(formats.rounded(outcome.value, request.fmt), request.fmt)
        if shown != previous.shown_value:
            return None
        return (
            f"the result is exactly the previous answer ({_short(shown)}), but the new question "
            f"asks for something else: {request.question!r}. Change the program so that it "
            "answers the new question (filter, narrow or change what it returns)"
        )

    def __post_init__(self) -> None:
        request = self.request
        self.columns = [str(c) for c in self.tables.df.columns]
        self.shaping = {
            "chart": request.chart,
            "title": request.question,
            "keep_columns": request.change and intent.keeps_columns(request.question),
            "new_column": (
                intent.new_column_name(request.question, self.columns) if request.change else None
            ),
            "decimals": request.fmt.decimals,
            "order": None if request.change else intent.value_order(request.question),
        }

    def run(self, code: str, dest: Path) -> tuple[running.Outcome | None, str]:
        """The outcome when the program passes every check, else None and the repair hint."""
        request, tables = self.request, self.tables
        feedback = (
            _code_problem(code, self.inputs)
            or code_hints.unknown_values(code, tables.frames.values(), request.question)
            or code_hints.numbers_out_of_range(code, [tables.df])
            or code_hints.ignores_duplicates(code, request.question)
        )
        if feedback:
            self.problem = feedback
            return None, feedback
        outcome = running.run(code, self.tables_file, dest, **self.shaping)
        log.debug("analysis_attempt", code=code, error=outcome.error)
        if not outcome.ok:
            self.last = outcome
            self.problem = _explained(outcome, tables)
            return None, self.problem
        found = (
            checks.problem(outcome, change=request.change, chart=request.chart, rows=len(tables.df))
            or checks.against_question(
                outcome,
                question=request.question,
                columns=self.columns,
                change=request.change,
            )
            or checks.one_value_wanted(outcome, template=request.fmt.template)
            or self._repeats_previous(outcome, request)
        )
        if found:
            self.problem = found
            return None, found
        return outcome, ""


def _repeats(
    trial: _Trial,
    request: program.Request,
    model: str,
    outcome: running.Outcome,
    dest: Path,
    user_id: int | None,
) -> bool:
    """Whether a second, sampled program from the same model computes the same value.

    A small model's wrong answer is rarely repeated by a differently sampled program,
    while a right one usually is: disagreement is the cheapest sign that a stronger
    model should answer instead (self-consistency).
    """
    try:
        second = program.write(
            request,
            model,
            temperature=CROSS_CHECK_TEMPERATURE,
            max_tokens=CROSS_CHECK_TOKENS,
            user_id=user_id,
        )
    except ModelError:
        return False
    again, _ = trial.run(second, dest / "cross-check")
    shutil.rmtree(dest / "cross-check", ignore_errors=True)
    return again is not None and checks.agree(outcome.value, again.value)


def _code_problem(code: str, inputs: frozenset[str]) -> str:
    """A repair hint for code that cannot run as written; raises CodeBlocked for an attack."""
    try:
        ast.parse(code)
    except SyntaxError as error:
        return f"SyntaxError: {error.msg} at line {error.lineno}"
    if "def solve" not in code:
        return "the reply has no function solve(df, tables)"
    verdict = inspect_code(code, inputs)
    if verdict is None:
        return ""
    if verdict.block:
        log.warning("analysis_code_blocked", what=verdict.what, detail=verdict.detail)
        raise CodeBlocked(verdict.detail, what=verdict.what, code=code)
    return f"not allowed: the code {verdict.detail}; use df and tables, which are already loaded"


def _explained(outcome: running.Outcome, tables: Tables) -> str:
    """The run's error, with the real column names when the program used a wrong one."""
    feedback = outcome.feedback()
    columns = [str(c) for c in tables.df.columns]
    if outcome.error == "KeyError" and outcome.key is not None and outcome.key not in columns:
        feedback += f". There is no column {outcome.key!r}; the columns are: {columns}"
        derived = code_hints.date_part(outcome.key, tables.df)
        if derived:
            feedback += f". For the {outcome.key} use {derived}"
    return feedback


def _failure(
    last: running.Outcome | None,
    problem: str,
    tried: list[str],
    tables: Tables,
    question: str,
) -> Exception:
    if last is not None and not last.ok:
        if last.error in ("limit:wall_time", "limit:cpu_time"):
            return AnalysisTimeout(last.message)
        columns = [str(c) for c in tables.df.columns]
        if (
            last.error == "KeyError"
            and last.key is not None
            and last.key not in columns
            and intent.normalized(last.key) in intent.normalized(question)
            and not code_hints.date_part(last.key, tables.df)
        ):  # the person asked about it: the table lacks it (else the model invented it)
            return ColumnMissing(last.feedback(), column=last.key, columns=columns)
    return NotAnswered(problem, problem=problem or "-", models=tried)


def _answer(
    solved: _Solved,
    request: program.Request,
    tables: Tables,
    files: Sequence[Path | str],
    lang: str,
    dest: Path,
    say: Progress,
    user_id: int | None,
) -> Answer:
    outcome, fmt = solved.outcome, request.fmt
    value = formats.rounded(outcome.value, fmt)
    shown = formats.shown(value, fmt)
    answer = Answer(
        question=request.question,
        lang=lang,
        text="",
        value=value,
        shown_value=shown,
        table_csv=outcome.table_csv,
        chart_png=outcome.chart_png,
        code=solved.code,
        form=solved.form,
        columns_used=_columns_used(solved.code, tables),
        rows_used=len(tables.df),
        tables=list(tables.frames),
        models=solved.models,
        model=solved.model,
        attempts=solved.attempts,
    )
    if request.change and outcome.table_csv is not None:
        answer.kind = "transform"
        stem = Path(files[0]).stem
        answer.output_file = outcome.table_csv.rename(dest / f"{stem}-new.csv")
        answer.table_csv = answer.output_file
        rows_after = outcome.shape[0] if outcome.shape else len(value.get("rows", []))
        columns_after = value.get("columns", []) if isinstance(value, dict) else []
        answer.change = Change(
            rows_before=len(tables.df),
            rows_after=rows_after,
            columns_before=[str(c) for c in tables.df.columns],
            columns_after=[str(c) for c in columns_after],
        )
        answer.text = t(
            "analysis.sentence.transform", lang, before=len(tables.df), after=rows_after
        )
        return answer
    if outcome.chart_png is not None:
        answer.kind = "chart"
    elif isinstance(value, dict) and value.get("type") == "frame":
        answer.kind = "table"
    answer.text = _sentence(request, answer, lang, say, user_id)
    return answer


def _sentence(
    request: program.Request, answer: Answer, lang: str, say: Progress, user_id: int | None
) -> str:
    """One sentence stating the value, from the model when it states it exactly."""
    value = answer.value
    if answer.kind == "table":
        rows = len(value["rows"]) if isinstance(value, dict) else 0
        return t("analysis.sentence.table", lang, rows=rows)
    if answer.kind == "chart" and not answer.shown_value:
        return t("analysis.sentence.chart", lang)
    many = isinstance(value, dict | list) and len(answer.shown_value) > 80
    if many or request.fmt.template or not get_settings().analysis.sentence_by_model:
        return t(
            "analysis.sentence.value",
            lang,
            value=answer.shown_value,
            question=_short(request.question),
        )
    say(t("analysis.progress.explaining", lang))
    prompt = prompts.render(
        "analysis/sentence",
        language=lang,
        question=request.question,
        value=answer.shown_value,
        details="",
    )
    try:
        text = generate(
            prompt,
            answer.models[0],  # the head of the chain: fast, and the one asked for
            max_tokens=96,
            temperature=0.0,
            purpose="analysis",
            user_id=user_id,
        ).text.strip()
    except ModelError:
        text = ""
    text = text.strip().strip('"「」').splitlines()[0] if text.strip() else ""
    if checks.states_value(text, answer.shown_value) and len(text) <= 200:
        return text
    return t(
        "analysis.sentence.value", lang, value=answer.shown_value, question=_short(request.question)
    )


def _short(question: str, limit: int = 60) -> str:
    question = " ".join(question.split()).rstrip("?？。. ")
    return question if len(question) <= limit else question[: limit - 1] + "…"


def _columns_used(code: str, tables: Tables) -> list[str]:
    """Columns named in the program (string literals equal to a column name)."""
    try:
        literals = {
            n.value
            for n in ast.walk(ast.parse(code))
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }
    except SyntaxError:
        return []
    columns: list[str] = []
    for frame in tables.frames.values():
        columns.extend(
            str(c) for c in frame.columns if str(c) in literals and str(c) not in columns
        )
    return columns
