"""Asking a model for `solve(df, tables)` and getting clean code back from its reply.

Small models wrap code in prose, forget the function line or the `return`; rather
than failing those replies we repair the shape (never the logic) here, so a repair
attempt is spent only on a real mistake.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from support_system.ai import generate, prompts
from support_system.analysis import plans
from support_system.analysis.answer import Turn
from support_system.analysis.formats import Format

if TYPE_CHECKING:
    from pydantic import BaseModel

_FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)(?:```|\Z)", re.S)
SIGNATURE = "def solve(df, tables):"
MAX_TOKENS = 400
FORM_TOKENS = 260  # a filled form is ~60-120 tokens; the cap only stops a runaway list


@dataclass(frozen=True)
class Request:
    """Everything the program-writing prompt needs besides the feedback loop."""

    question: str
    tables: str  # the schema text (analysis.schema)
    fmt: Format
    change: bool
    chart: bool
    history: Sequence[Turn] = ()
    on_changed_table: bool = False  # df is the table the last turn's change made
    examples: Sequence[tuple[str, str]] = ()  # analysis.examples, on this table
    links: Sequence[str] = ()  # analysis.linking: the question's words found in the tables
    form_examples: Sequence[tuple[str, str]] = ()  # plans.plan_examples, compact JSON


def write(
    request: Request,
    model: str,
    *,
    feedback: str = "",
    previous_code: str = "",
    temperature: float = 0.0,
    max_tokens: int = MAX_TOKENS,
    user_id: int | None = None,
) -> str:
    """Ask `model` (no fallback: the caller escalates) for the program; return its code."""
    prompt = prompts.render(
        "analysis/code",
        context=context(request),
        history="\n".join(_turn(turn) for turn in request.history),
        rules="\n".join(f"- {rule}" for rule in _rules(request)),
        question=request.question,
        feedback=feedback,
        previous_code=previous_code,
    )
    stream = generate(
        prompt,
        model,
        stream=True,
        max_tokens=max_tokens,
        temperature=temperature,
        cache=False if temperature else None,  # a sample must be a new one
        fallback=False,
        purpose="analysis",
        user_id=user_id,
    )
    reply = ""
    try:
        for piece in stream:
            reply += piece
            if "\n" in piece and function_finished(reply):
                break  # the rest would be a demo call or prose, dropped anyway
    finally:
        stream.close()
    return extract_code(reply)


def write_form(
    request: Request,
    model: str,
    schema: type[BaseModel],
    *,
    user_id: int | None = None,
) -> plans.Plan:
    """Ask `model` to fill in the query form for the question (JSON held to `schema`)."""
    rules = list(request.links)
    if request.history:
        rules.append(
            "The question continues the conversation: start from the last form above and "
            "change only what the new question asks; keep its other fields."
        )
    prompt = prompts.render(
        "analysis/plan",
        context=context(request),
        history="\n".join(
            f"Question: {turn.question}\nForm: {turn.form}\nAnswer: {turn.shown_value}"
            for turn in request.history
        ),
        rules="\n".join(f"- {rule}" for rule in rules),
        question=request.question,
    )
    result = generate(
        prompt,
        model,
        schema=schema,
        schema_hint=False,  # the context describes the form; a schema message would come first
        max_tokens=FORM_TOKENS,
        temperature=0.0,
        fallback=False,
        purpose="analysis",
        user_id=user_id,
    )
    return plans.as_plan(result.parsed)


def context(request: Request) -> str:
    """The beginning every prompt about this table shares (see analysis/context.j2)."""
    return prompts.render(
        "analysis/context",
        tables=request.tables,
        code_examples="\n".join(f'- "{q}" -> return {line}' for q, line in request.examples),
        form_examples="\n".join(f'- "{q}" -> {form}' for q, form in request.form_examples),
    )


def function_finished(reply: str) -> bool:
    """Whether `solve` is complete in a reply still being written: its code block closed,
    or a line after it starts at the margin (`print(...)`, `# Example usage:`)."""
    lines = reply.split("\n")[:-1]  # the last line may still be growing
    start = next((i for i, line in enumerate(lines) if line.startswith("def solve")), None)
    if start is None:
        return False
    for line in lines[start + 1 :]:
        if line.startswith("```"):
            return True
        if line.strip() and not line[0].isspace():
            return True
    return False


def _turn(turn: Turn) -> str:
    return f"Question: {turn.question}\n```python\n{turn.code}\n```\nAnswer: {turn.shown_value}"


def _rules(request: Request) -> list[str]:
    """What this question adds to the fixed rules: the table words it uses, a follow-up,
    a change, a chart, a format."""
    rules = list(request.links)
    if request.on_changed_table:
        rules.append(
            "`df` is the new table the earlier request made (its changes are already in it): "
            "apply only what the new question asks to it."
        )
    elif request.history:
        rules.append(
            "The question continues the conversation: start from the last function above "
            "and change only what the new question asks; keep its filters, grouping and sorting."
        )
    if request.change:
        rules.append(
            "It asks to change the data: return the whole new DataFrame (all rows and "
            "columns that remain), not a summary. Never change `df` in place and return None."
        )
    if request.chart:
        rules.append(
            "A chart is wanted: return the Series of values to draw (labels as index); "
            "the chart is drawn for you."
        )
    return rules + request.fmt.instructions()


def extract_code(reply: str) -> str:
    """The `solve` function in a model's reply, shaped into one when it is not quite one."""
    blocks = _FENCE.findall(reply)
    code = max(blocks, key=lambda b: ("def solve" in b, len(b))) if blocks else reply
    code = textwrap.dedent(code).strip("\n")
    lines = code.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("def solve")), None)
    if start is not None:
        lines = _keep_imports(lines[:start]) + _function(lines[start:])
        code = "\n".join(lines)
        return _with_signature(code)
    return _wrap(code)


def _keep_imports(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith(("import ", "from "))]


def _function(lines: list[str]) -> list[str]:
    """The `def solve` block alone: a small model likes to add a demo call after it
    (`result = solve(df, {...})`, `print(...)`), which would run at import and fail."""
    body = [lines[0]]
    for line in lines[1:]:
        if line.strip() and not line[0].isspace() and not line.lstrip().startswith("#"):
            break
        body.append(line)
    while body and not body[-1].strip():
        body.pop()
    return body


def _with_signature(code: str) -> str:
    """Give `solve` the fixed signature when the model dropped or renamed a parameter."""
    return re.sub(r"^def solve\([^)]*\)\s*(->[^:]*)?:", SIGNATURE, code, count=1, flags=re.M)


def _wrap(code: str) -> str:
    """Turn loose statements into `solve`, returning the last expression (or `result`)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code  # reported with its line by the run; the model repairs it
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        lines = code.splitlines()
        start, end = last.lineno - 1, (last.end_lineno or last.lineno)
        expression = "\n".join(lines[start:end])
        code = "\n".join([*lines[:start], f"return {expression}", *lines[end:]])
    elif "result" in code:
        code = f"{code}\nreturn result"
    imports = [line for line in code.splitlines() if line.startswith(("import ", "from "))]
    body = [line for line in code.splitlines() if line not in imports]
    return "\n".join([*imports, SIGNATURE, textwrap.indent("\n".join(body), "    ")])
