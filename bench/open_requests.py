"""Do open requests become a page or a program that passes every check? (issue 13)

Runs each request of `data/requests/open_requests.yaml` the way Home does, headless:
`understand` picks the route; a catalogue job is answered with what the request states
and its sample answers for the rest, a custom page or program is planned by the model
and its questions are answered from the request's scripted facts or examples; then the
real pipeline builds it with every check (vnu, axe, facts for pages; ast, ruff, the code
policy and the example tests in the sandbox for programs) and the repair loop. Figures
only; nothing here asserts.

Printed per request: split, route, planner, model(s), attempts (and "template" when
the tested template was delivered after the model's attempts failed), seconds, whether
every check passed, and for a failure the plain explanation the person would read. A
request routed to a catalogue job is answered as Home starts it (`intake.answers_for`:
what the request itself states, e.g. the couple's names, grounded in its words), and
with the job's sample answers for everything else; the row lists the answers that came
from the request. Then the pass rate per split and kind (target: ≥ 80 % with the default
stack on the held-out quarter), and seconds (median, p90).

Copy score (issue 13): for every page whose welcome and closing a model wrote, the
stronger model scores that copy against the request and the answers the page was made
from (`generators.copy_rubric`: specific, natural, no filler, faithful; 1–5 each, the
row shows the mean and each score). "template" when the tested template's standard
sentences were delivered instead (nothing to score). The summary gives the mean per
model that wrote the copy, for the tune and held-out parts separately. `--no-copy-score`
skips it (one 1.5B call per page, 10–20 s on 2 cores).

    .venv/bin/python bench/open_requests.py [--split heldout] [--only page-01,prog-03]
        [--kind page|program] [--model NAME] [--jsonl results.jsonl]
        [--no-copy-score] [--judge NAME] [--reasons]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REQUESTS = ROOT / "data" / "requests" / "open_requests.yaml"
SAMPLES = ROOT / "data" / "samples"


def _page_answers(job: Any, facts: dict[str, Any]) -> dict[str, Any]:
    """A planned page's questions answered from the request's facts, by kind of question
    (the plan chooses its blocks; the person would answer each from what they know)."""
    from support_system.jobs.definitions import QuestionType

    answers: dict[str, Any] = {"title": facts["title"]}
    sections = {s.source: s.kind for s in job.sections if getattr(s, "source", None)}
    for question in job.questions:
        qid, kind = question.id, sections.get(question.id)
        if qid in answers or qid == "tagline":
            continue
        if qid.endswith("_contact"):
            answers[qid] = facts["contact"]
        elif qid.endswith("_address"):
            answers[qid] = facts["address"]
        elif qid.endswith("_target"):
            answers[qid] = facts["url"]
        elif question.type == QuestionType.LONG_TEXT:
            answers[qid] = facts["text"]
        elif question.type == QuestionType.LIST:
            answers[qid] = list(facts["items"])
        elif question.type == QuestionType.RECORDS:
            answers[qid] = _rows(question, kind, facts)
        elif question.type == QuestionType.TEXT and question.required:
            answers[qid] = facts["address"]  # a map block's address
    return answers


def _rows(question: Any, kind: str | None, facts: dict[str, Any]) -> list[dict[str, str]]:
    source = {"prices": "prices", "qa": "qa"}.get(kind or "", "rows")
    fields = [f.id for f in question.fields]
    return [dict(zip(fields, row, strict=False)) for row in facts[source]]


def _csv_file(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return name


def _side(value: Any, kind: str, folder: Path, name: str) -> Any:
    """One example side (or the real input) in the form the program's question takes."""
    if kind == "folder":
        if not isinstance(value, dict):
            raise ValueError(f"the plan wants a folder, the script has {type(value).__name__}")
        root = folder / name
        root.mkdir(parents=True, exist_ok=True)
        for file_name, content in value.items():
            (root / file_name).write_text(content, encoding="utf-8")
        return str(root)
    if kind == "files":
        if not isinstance(value, dict):
            return [{"name": "result.txt", "content": str(value)}]
        return [{"name": k, "content": v} for k, v in value.items()]
    if isinstance(value, dict):
        raise ValueError(f"the plan wants a {kind}, the script has a folder")
    return str(value)


def _program_answers(job: Any, entry: dict[str, Any], folder: Path) -> dict[str, Any]:
    from support_system.jobs.program_plans import SOURCE, example_ids

    spec = job.program
    answers: dict[str, Any] = {}
    if spec.input == "table":
        answers[SOURCE] = _csv_file(folder, "input.csv", str(entry["input"]))
    elif spec.input == "folder":
        answers[SOURCE] = _side(entry["input"], "folder", folder, "input")
    else:
        answers[SOURCE] = _side(entry["input"], "text", folder, "input")
    for number, (given, expected) in enumerate(entry["examples"], start=1):
        input_id, output_id = example_ids(number)
        # An example folder is typed as its files (name, content), not a path.
        example_kind = "files" if spec.input == "folder" else spec.input
        answers[input_id] = _side(given, example_kind, folder, f"example{number}")
        answers[output_id] = _side(expected, spec.output, folder, f"expected{number}")
    return answers


class _CopyKeeper:
    """The job's generator, keeping the copy and the models of its latest draft.

    The pipeline stops at the first draft that passes every check, or else delivers the
    template (`fallback`), so the latest draft is always the one delivered."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.copy: dict[str, str] | None = None
        self.models: list[str] = []
        self.template = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def draft(self, ctx: Any, out_dir: Path) -> Any:
        self.copy, self.models, self.template = None, [], False
        draft = self.inner.draft(ctx, out_dir)
        self.copy, self.models = draft.meta.get("copy"), list(draft.models)
        return draft

    def fallback(self, ctx: Any, out_dir: Path) -> Any:
        draft = self.inner.fallback(ctx, out_dir)
        self.copy, self.models, self.template = None, [], True
        return draft


def _stated_answers(
    job: Any, request: str, lang: str, model: str | None, user_id: int
) -> dict[str, str]:
    """What the request itself answers for a catalogue job, as Home's `start_job` keeps
    it: the intake's grounded extraction, then only answers the question accepts."""
    from support_system.core.errors import AnswerInvalid
    from support_system.intake import answers_for
    from support_system.jobs.answers import validate_answer

    stated = answers_for(job.id, request, lang, model=model, user_id=user_id)
    kept: dict[str, str] = {}
    for question_id, raw in stated.answers.items():
        try:
            validate_answer(job.question(question_id), raw, lang, base_dir=SAMPLES)
        except AnswerInvalid:
            continue
        kept[question_id] = raw
    return kept


def _judge_copy(
    row: dict[str, Any], request: str, facts: dict[str, Any], judge: str, user_id: int
) -> None:
    """The copy rubric's score for the row's model-written copy (in place)."""
    from support_system.core.errors import ModelError
    from support_system.generators.copy_rubric import score_copy

    copy = row["copy"]
    started = time.monotonic()
    try:
        score = score_copy(
            f"{copy.get('lead', '')}\n{copy.get('closing', '')}",
            request=request,
            facts=facts,
            lang=row["lang"],
            model=judge,
            user_id=user_id,
        )
    except ModelError as error:
        row["copy_error"] = f"{type(error).__name__}: {error.message('en')}"
    else:
        row["copy_score"] = score.as_dict()
    row["judge_seconds"] = round(time.monotonic() - started, 1)


def run_one(
    entry: dict[str, Any],
    user_id: int,
    work: Path,
    model: str | None,
    judge: str | None = None,
) -> dict[str, Any]:
    """Understand, plan or pick, answer, build: one row of the report; with `judge`,
    the model-written copy of a page is scored by that model (after the seconds)."""
    from support_system.core.errors import SupportSystemError
    from support_system.generators import get_generator
    from support_system.generators.pipeline import run_pipeline
    from support_system.intake import understand
    from support_system.jobs.answers_file import validate_answers
    from support_system.jobs.catalogue import get_job
    from support_system.jobs.page_planner import plan_custom_page
    from support_system.jobs.program_planner import plan_custom_program

    lang, request = entry["lang"], entry["request"]
    folder = work / entry["id"]
    folder.mkdir(parents=True)
    started = time.monotonic()
    row: dict[str, Any] = {k: entry[k] for k in ("id", "split", "lang", "kind", "request")}
    understood = understand(request, lang, model=model, user_id=user_id)
    row["route"] = understood.route
    row["planner"] = None
    try:
        if understood.job_id is not None:
            job = get_job(understood.job_id)
            row["from_request"] = _stated_answers(job, request, lang, model, user_id)
            raw, base = {**job.samples[lang], **row["from_request"]}, SAMPLES
        elif understood.route == "custom-page":
            planned = plan_custom_page(request, lang, user_id=user_id, model=model)
            job, row["planner"] = planned.job, planned.model or "standard plan"
            raw, base = _page_answers(job, entry.get("facts") or {}), folder
        elif understood.route == "custom-program":
            planned = plan_custom_program(request, lang, user_id=user_id, model=model)
            job, row["planner"] = planned.job, planned.model or "standard spec"
            row["spec"] = f"{planned.spec.input} → {planned.spec.output}"
            raw, base = _program_answers(job, entry, folder), folder
        elif understood.route == "data-question" and "data-question" in entry.get("accept", []):
            return _finish(_ask_data(row, entry, folder, model), started)
        else:
            row.update(ok=False, why=f"routed to {understood.route}: nothing was made")
            return _finish(row, started)
        if entry["kind"] == "program" and job.generator != "example-program":
            if job.id not in entry.get("accept", []):
                row.update(job=job.id, ok=False, why=f"routed to {job.id}, which does not do this")
                return _finish(row, started)
        made = "page" if job.kind == "webpage" else "program"
        if made != entry["kind"]:
            row["why_route"] = f"asked for a {entry['kind']}, made a {made}"
        answers = validate_answers(raw, job, lang, base_dir=base)
        keeper = _CopyKeeper(get_generator(job.generator)) if job.kind == "webpage" else None
        result = run_pipeline(
            job,
            answers,
            folder / "out",
            lang=lang,
            model=model,
            base_dir=base,
            user_id=user_id,
            generator=keeper,
        )
    except (SupportSystemError, ValueError, KeyError) as error:
        detail = error.message("en") if isinstance(error, SupportSystemError) else str(error)
        row.update(ok=False, why=f"{type(error).__name__}: {detail}")
        return _finish(row, started)
    row.update(
        job=job.id,
        ok=result.ok and made == entry["kind"],
        fallback=result.fallback_used,
        models=result.models,
        attempts=len(result.attempts),
        why=None if result.ok else (result.explanation or _failed(result)),
    )
    if row.get("why_route") and result.ok:
        row["why"] = row["why_route"]
    _finish(row, started)
    if keeper is not None and (keeper.copy or keeper.template):
        row["copy_by"] = "template" if keeper.template else ",".join(keeper.models)
        row["copy"] = keeper.copy
        if judge is not None and keeper.copy:
            _judge_copy(row, request, answers, judge, user_id)
    return row


def _ask_data(
    row: dict[str, Any], entry: dict[str, Any], folder: Path, model: str | None
) -> dict[str, Any]:
    """A change to a table routed to "Ask your data": the real service on the table."""
    from support_system.analysis import ask
    from support_system.core.errors import SupportSystemError

    table = folder / "input.csv"
    table.write_text(str(entry["input"]), encoding="utf-8")
    try:
        answer = ask([table], entry["request"], entry["lang"], model=model)
    except SupportSystemError as error:
        return row | {"ok": False, "why": error.message("en")}
    made = answer.output_file is not None or answer.kind != "transform"
    return row | {
        "job": "ask",
        "ok": made,
        "models": answer.models,
        "attempts": answer.attempts,
        "why": None if made else "no new file was made",
    }


def _failed(result: Any) -> str:
    return "; ".join(f"{c.name}: {' '.join(c.messages[:2])}" for c in result.failed_checks())


def _finish(row: dict[str, Any], started: float) -> dict[str, Any]:
    row["seconds"] = round(time.monotonic() - started, 1)
    return row


def _summary(rows: list[dict[str, Any]]) -> None:
    print()
    for split in ("tune", "heldout"):
        for kind in ("page", "program", None):
            chosen = [
                r for r in rows if r["split"] == split and (kind is None or r["kind"] == kind)
            ]
            if not chosen:
                continue
            passed = sum(1 for r in chosen if r["ok"])
            label = f"{split:8s} {kind or 'all':8s}"
            print(f"{label} passed {passed}/{len(chosen)} = {100 * passed / len(chosen):5.1f} %")
    seconds = sorted(r["seconds"] for r in rows)
    if seconds:
        p90 = seconds[min(len(seconds) - 1, int(0.9 * len(seconds)))]
        print(f"seconds per request: median {statistics.median(seconds):.1f}, p90 {p90:.1f}")
    used: dict[str, int] = {}
    for r in rows:
        for name in r.get("models") or []:
            used[name] = used.get(name, 0) + 1
    print("builds per model:", ", ".join(f"{k} {v}" for k, v in sorted(used.items())) or "-")
    template = sum(1 for r in rows if r.get("fallback"))
    print(f"passed on the tested template after the model's attempts: {template}")
    print("target: ≥ 80 % passed on the held-out quarter with the default stack")
    _copy_summary(rows)


_SHORT = {"specific": "spec", "natural": "nat", "no_filler": "fill", "faithful": "faith"}


def _copy_cell(row: dict[str, Any]) -> str:
    """The row's copy score as printed: "copy=3.75 (spec 4 nat 4 fill 3 faith 4)"."""
    if row.get("copy_by") == "template":
        return "copy=template"
    score = row.get("copy_score")
    if score is None:
        return "copy=not scored" if row.get("copy") else ""
    parts = " ".join(f"{_SHORT[k]} {c['score']}" for k, c in score["criteria"].items())
    return f"copy={score['mean']:.2f} ({parts})"


def _copy_summary(rows: list[dict[str, Any]]) -> None:
    """The copy score per split and per model that wrote the copy (issue 13)."""
    from support_system.generators.copy_rubric import CopyScore, summarise

    pages = [r for r in rows if r.get("copy_by")]
    if not pages:
        return
    judges = sorted({r["copy_score"]["model"] for r in pages if r.get("copy_score")})
    print(f"\ncopy score (1–5, judged by {', '.join(judges) or '-'}):")
    for split in ("tune", "heldout"):
        chosen = [r for r in pages if r["split"] == split]
        writers = sorted({r["copy_by"] for r in chosen})
        for writer in writers:
            mine = [r for r in chosen if r["copy_by"] == writer]
            if writer == "template":
                print(
                    f"{split:8s} template   {len(mine)} pages: the standard sentences, not scored"
                )
                continue
            scores = [CopyScore.from_dict(r["copy_score"]) for r in mine if r.get("copy_score")]
            summary = summarise(scores)
            unscored = len(mine) - len(scores)
            tail = f", {unscored} not scored (the judge failed)" if unscored else ""
            if summary is None:
                print(f"{split:8s} {writer}: {len(mine)} pages{tail}")
                continue
            parts = " ".join(f"{_SHORT[k]} {v:.2f}" for k, v in summary.criteria.items())
            count = f"over {summary.count} pages"
            print(f"{split:8s} {writer}: mean {summary.mean:.2f} {count} ({parts}){tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["tune", "heldout"])
    parser.add_argument("--kind", choices=["page", "program"])
    parser.add_argument("--only", help="comma-separated request ids")
    parser.add_argument("--model", help="one model for everything (default: the stack)")
    parser.add_argument("--jsonl", type=Path, help="write one JSON line per request")
    parser.add_argument(
        "--no-copy-score", action="store_true", help="do not score the pages' copy (faster)"
    )
    parser.add_argument("--judge", help="the model that scores the copy (default: the 1.5B)")
    parser.add_argument("--reasons", action="store_true", help="print the judge's reasons")
    args = parser.parse_args()

    entries = yaml.safe_load(REQUESTS.read_text(encoding="utf-8"))["requests"]
    only = set(args.only.split(",")) if args.only else None
    entries = [
        e
        for e in entries
        if (args.split is None or e["split"] == args.split)
        and (args.kind is None or e["kind"] == args.kind)
        and (only is None or e["id"] in only)
    ]
    work = Path(tempfile.mkdtemp(prefix="open-requests-"))
    os.environ["SUPPORT_SYSTEM_STATE_DIR"] = str(work / "state")
    from support_system.core.settings import get_settings
    from support_system.data.db import session_scope
    from support_system.data.migrate import upgrade
    from support_system.data.repositories import ensure_local_user

    get_settings.cache_clear()
    upgrade()
    with session_scope() as session:
        user_id = ensure_local_user(session).id
    from support_system.generators.copy_rubric import JUDGE_MODEL

    judge = None if args.no_copy_score else (args.judge or JUDGE_MODEL)
    rows = []
    out = args.jsonl.open("w", encoding="utf-8") if args.jsonl else None
    for entry in entries:
        row = run_one(entry, user_id, work, args.model, judge)
        rows.append(row)
        mark = "PASS" if row["ok"] else "FAIL"
        models = ",".join(row.get("models") or []) or "-"
        print(
            f"{mark} {row['id']:8s} {row['split']:7s} {row['route']:15s} "
            f"planner={row.get('planner') or '-'} models={models} "
            f"attempts={row.get('attempts', 0)}{' (template)' if row.get('fallback') else ''} "
            f"{row['seconds']:6.1f}s {row.get('spec', '')}{_copy_cell(row)}",
            flush=True,
        )
        if row.get("from_request") is not None:
            stated = ", ".join(f"{k}={v!r}" for k, v in row["from_request"].items())
            print(f"     from the request: {stated or 'nothing'}; the rest: sample answers")
        if row.get("copy"):
            copy = row["copy"]
            print(f"     copy: {copy.get('lead', '')} / {copy.get('closing', '')}", flush=True)
        if args.reasons and row.get("copy_score"):
            for name, judged in row["copy_score"]["criteria"].items():
                print(f"       {name} {judged['score']}: {judged['reason']}")
        if row.get("copy_error"):
            print(f"     copy not scored: {row['copy_error']}")
        if not row["ok"]:
            why = " / ".join(line.strip() for line in (row.get("why") or "").splitlines())
            print(f"     why: {why[:500]}", flush=True)
        if out is not None:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
    if out is not None:
        out.close()
    _summary(rows)


if __name__ == "__main__":
    main()
