"""Routing by replay: every local model runs every task once, then routers are compared.

`collect` builds the labelled task set from the project's own work and runs each model
(0.5B and 1.5B by default) once on each task, appending one JSON line per run
(task, skill, split, model, quality 0/1, seconds) — a stopped run resumes where it was:

* intake-choice — every labelled Home request (data/requests/requests.yaml) whose right
  route is among the top three the classifier offers: the model picks one
  (`intake.choosing.model_choice`, the call Home makes on a close call); right or not;
* data-question — the "Ask your data" evaluation set (tests/data/questions), asked with
  that model alone (`analysis.ask(model=…)`); a follow-up gets its parent's reference
  program as history, so every task stands alone; graded against the hand-written
  pandas reference;
* page-copy, program-texts, chart-text — every catalogue job's Japanese and English
  sample answers through the real pipeline with one attempt and no fallback model; the
  model's draft passed every check (vnu, axe, facts, ruff, the program's tests and run)
  or not.

The split follows the source sets' own (tune / held-out); a job sample is held out when
its id hashes into the held-out quarter. Nothing in the router is tuned on held-out tasks.

`evaluate` embeds each task's text with e5, picks the number of clusters k by the APGR of
repeated 70/30 replays on the tune tasks, then prints for the tune tasks (repeated
splits) and for the held-out tasks (fit on all tune tasks): always-0.5B, always-1.5B,
random at the same share, the per-skill rule, the adaptive router at α = 0, 0.1, … 1, the
oracle, APGR, and the seconds saved at always-1.5B's quality and at 90 % of it.

    .venv/bin/python bench/routing.py collect --out outcomes.jsonl [--skill data-question]
        [--models qwen2.5-coder-0.5b qwen2.5-coder-1.5b] [--limit N]
    .venv/bin/python bench/routing.py evaluate outcomes.jsonl [--k 4] [--repeats 20]
    .venv/bin/python bench/routing.py fit data/routing/outcomes.jsonl --k 12

`fit` writes what the app starts from (`data/routing/clusters.json`, beside the outcomes):
the k-means centres over every recorded task's e5 vector and each task's cluster, so that
a new installation seeds its routing statistics without embedding a few hundred texts
(support_system/routing/service.py). Run it again after `collect`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODELS = ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]
SKILLS = ["intake-choice", "data-question", "page-copy", "program-texts", "chart-text"]
K_CHOICES = [1, 2, 3, 4, 6, 8, 12]


@dataclass
class Task:
    id: str
    skill: str
    split: str
    text: str  # what the router sees: the person's request or question
    run: Callable[[str], float]  # model name -> quality 0..1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    collect = commands.add_parser("collect")
    collect.add_argument("--out", type=Path, required=True)
    collect.add_argument("--skill", action="append", choices=SKILLS)
    collect.add_argument("--models", nargs="+", default=MODELS)
    collect.add_argument("--limit", type=int, default=0, help="at most N tasks per skill")
    evaluate = commands.add_parser("evaluate")
    evaluate.add_argument("outcomes", type=Path)
    evaluate.add_argument("--k", type=int, default=0, help="clusters (default: chosen on tune)")
    evaluate.add_argument("--repeats", type=int, default=20)
    evaluate.add_argument("--models", nargs=2, default=MODELS, metavar=("WEAK", "STRONG"))
    fit = commands.add_parser("fit")
    fit.add_argument("outcomes", type=Path)
    fit.add_argument("--k", type=int, default=12, help="clusters (what evaluate chose)")
    args = parser.parse_args()
    _environment()
    if args.command == "collect":
        _collect(args.out, args.skill or SKILLS, args.models, args.limit)
    elif args.command == "fit":
        _fit(args.outcomes, args.k)
    else:
        _evaluate(args.outcomes, args.k, args.repeats, *args.models)


def _environment() -> None:
    state = Path(tempfile.mkdtemp(prefix="bench-routing-"))
    os.environ["SUPPORT_SYSTEM_STATE_DIR"] = str(state)
    os.environ.setdefault("SUPPORT_SYSTEM_MODEL_DIR", str(ROOT / ".state-test" / "models"))
    os.environ["SUPPORT_SYSTEM_LLM__CACHE_ENABLED"] = "false"  # time real generations
    os.environ["SUPPORT_SYSTEM_LLM__FALLBACK_MODELS"] = "[]"  # the model asked, or nothing
    from support_system.core.logging import configure_logging
    from support_system.data.migrate import upgrade

    configure_logging(state / "logs", "INFO", to_stderr=False)
    upgrade()
    print(f"state dir (logs, outputs): {state}", flush=True)


# --- collect ------------------------------------------------------------------------------


def _collect(out: Path, skills: list[str], models: list[str], limit: int) -> None:
    done = set()
    if out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            done.add((row["task"], row["model"]))
    tasks = [task for skill in skills for task in _limited(SOURCES[skill](), limit)]
    print(f"{len(tasks)} tasks: {dict(Counter(t.skill for t in tasks))}", flush=True)
    for model in models:  # load each model before timing anything
        _warm_up(model)
    for task in tasks:
        for model in models:
            if (task.id, model) in done:
                continue
            started = time.monotonic()
            try:
                quality = task.run(model)
                error = ""
            except Exception as exc:  # noqa: BLE001 - a bench records every failure and goes on
                quality, error = 0.0, f"{type(exc).__name__}: {str(exc)[:200]}"
            seconds = round(time.monotonic() - started, 2)
            row = {
                "task": task.id,
                "skill": task.skill,
                "split": task.split,
                "text": task.text,
                "model": model,
                "quality": quality,
                "seconds": seconds,
                **({"error": error} if error else {}),
            }
            with out.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            mark = "ok " if quality >= 1 else "BAD"
            print(f"  {mark} {task.id:<28} {model:<20} {seconds:6.1f}s {error}", flush=True)


def _limited(tasks: list[Task], limit: int) -> list[Task]:
    """At most `limit` tasks, evenly spaced through the source's order (so each split and
    table keeps about its share)."""
    if not limit or len(tasks) <= limit:
        return tasks
    step = len(tasks) / limit
    return [tasks[int(i * step)] for i in range(limit)]


def _warm_up(model: str) -> None:
    from support_system.ai import generate

    generate("Say OK.", model, max_tokens=2, temperature=0.0, fallback=False, purpose="bench")


def _intake_tasks() -> list[Task]:
    from support_system.intake.choosing import model_choice
    from support_system.intake.labelled import load_requests
    from support_system.intake.service import MODEL_CHOICES, rank

    tasks = []
    for request in load_requests():
        exclude = frozenset({request.id}) if request.split == "tune" else frozenset()
        options = [s.route for s in rank(request.text, exclude=exclude).scores[:MODEL_CHOICES]]
        if request.route not in options:
            continue  # the model could not be right: not a question of the model's skill

        def run(model: str, request: Any = request, options: list[str] = options) -> float:
            return float(model_choice(request.text, options, model=model) == request.route)

        tasks.append(
            Task(f"intake/{request.id}", "intake-choice", request.split, request.text, run)
        )
    return tasks


def _data_tasks() -> list[Task]:
    from support_system.analysis import Turn, ask
    from support_system.analysis.evaluation import (
        TABLES_DIR,
        load_question_tables,
        load_questions,
        reference_answer,
        same_answer,
    )

    questions = load_questions()
    by_id = {q.id: q for q in questions}
    tasks = []
    for q in questions:

        def run(model: str, q: Any = q) -> float:
            history = []
            if q.after:
                parent = by_id[q.after]
                history = [Turn(question=parent.question, code=parent.reference, shown_value="")]
            files = [TABLES_DIR / name for name in q.files]
            answer = ask(files, q.question, q.lang, history, sheet=q.sheet, model=model)
            return float(same_answer(reference_answer(q, load_question_tables(q)), answer.value, q))

        tasks.append(Task(f"data/{q.id}", "data-question", q.split, q.question, run))
    return tasks


def _job_tasks(kind: str, skill: str) -> Callable[[], list[Task]]:
    def tasks() -> list[Task]:
        from support_system.jobs.catalogue import load_catalogue
        from support_system.routing.skills import job_request_text

        found = []
        for job in load_catalogue().values():
            if job.kind != kind:
                continue
            for sample in sorted(job.samples):
                task_id = f"{skill}/{job.id}-{sample}"
                # what the app's router embeds for a job: its title and short answers
                text = job_request_text(job, job.samples[sample], sample)
                found.append(
                    Task(task_id, skill, _held_out_by_hash(task_id), text, _pipeline(job, sample))
                )
        return found

    return tasks


def _held_out_by_hash(task_id: str) -> str:
    return "heldout" if hashlib.sha256(task_id.encode()).digest()[0] % 4 == 0 else "tune"


def _pipeline(job: Any, sample: str) -> Callable[[str], float]:
    def run(model: str) -> float:
        from support_system.generators.pipeline import Budget, run_pipeline

        folder = Path(tempfile.mkdtemp(prefix=f"routing-{job.id}-"))
        try:
            result = run_pipeline(
                job,
                dict(job.samples[sample]),
                folder / "out",
                lang=sample,
                model=model,
                budget=Budget(attempts=1),
                base_dir=ROOT / "data" / "samples",
                use_knowledge=False,
            )
            return float(result.ok and not result.fallback_used)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return run


SOURCES: dict[str, Callable[[], list[Task]]] = {
    "intake-choice": _intake_tasks,
    "data-question": _data_tasks,
    "page-copy": _job_tasks("webpage", "page-copy"),
    "program-texts": _job_tasks("program", "program-texts"),
    "chart-text": _job_tasks("data", "chart-text"),
}


# --- evaluate -----------------------------------------------------------------------------


def _evaluate(path: Path, k: int, repeats: int, weak: str, strong: str) -> None:
    from support_system.intake.vectors import embed
    from support_system.routing.replay import Outcome, Table, cross_validate, fit_then_test

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    outcomes = [
        Outcome(r["task"], r["skill"], r["split"], r["model"], float(r["quality"]), r["seconds"])
        for r in rows
        if r["model"] in (weak, strong)
    ]
    texts = {r["task"]: r["text"] for r in rows}
    ids = sorted(texts)
    vectors = dict(zip(ids, embed([texts[i] for i in ids]), strict=True))
    table = Table(outcomes, vectors)
    complete = table.complete_tasks([weak, strong])
    tune = [t for t in complete if table.split[t] == "tune"]
    heldout = [t for t in complete if table.split[t] == "heldout"]
    print(f"\n{len(complete)} tasks run by both models: {len(tune)} tune, {len(heldout)} held-out")
    for split, members in (("tune", tune), ("held-out", heldout)):
        print(f"  {split}: {dict(Counter(table.skill[t] for t in members))}")
    _print_models(table, complete, weak, strong)
    if not k:
        scored = {}
        for choice in K_CHOICES:
            report = cross_validate(
                table, tune, weak=weak, strong=strong, k=choice, repeats=repeats
            )
            scored[choice] = report.apgr if report.apgr is not None else float("-inf")
        print(
            "\nk chosen on tune (APGR of repeated 70/30 replays): "
            + ", ".join(f"k={c}: {v:.3f}" for c, v in scored.items())
        )
        k = max(scored, key=lambda c: (round(scored[c], 3), -c))
    tune_report = cross_validate(table, tune, weak=weak, strong=strong, k=k, repeats=repeats)
    _print_report(f"TUNE tasks, {repeats} random 70/30 splits, k={k}", tune_report)
    if heldout:
        held = fit_then_test(table, tune, heldout, weak=weak, strong=strong, k=k)
        _print_report(f"HELD-OUT tasks, router fitted on all tune tasks, k={k}", held)


def _fit(path: Path, k: int) -> None:
    from support_system.intake.vectors import MODEL_NAME, embed
    from support_system.routing.router import AdaptiveRouter

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    texts = {r["task"]: r["text"] for r in rows}
    ids = sorted(texts)
    vectors = embed([texts[i] for i in ids])
    router = AdaptiveRouter.fit(vectors, k, seed=0)
    clusters = {task: router.cluster_of(vector) for task, vector in zip(ids, vectors, strict=True)}
    out = path.with_name("clusters.json")
    document = {
        "embedding": MODEL_NAME,
        "outcomes": path.name,
        "k": len(router.centroids),
        "centroids": [[round(float(x), 6) for x in row] for row in router.centroids],
        "clusters": clusters,
    }
    out.write_text(json.dumps(document, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{out}: {len(ids)} tasks in {len(router.centroids)} clusters", flush=True)
    print(f"  tasks per cluster: {sorted(Counter(clusters.values()).items())}", flush=True)


def _print_models(table: Any, tasks: list[str], weak: str, strong: str) -> None:
    print("\nper skill and model: right, median seconds")
    for skill in sorted({table.skill[t] for t in tasks}):
        members = [t for t in tasks if table.skill[t] == skill]
        parts = []
        for model in (weak, strong):
            runs = [table.get(t, model) for t in members]
            right = sum(r.quality for r in runs)
            median = statistics.median(r.seconds for r in runs)
            parts.append(f"{model} {right:.0f}/{len(runs)} {median:5.1f}s")
        print(f"  {skill:<15} " + "   ".join(parts))


def _print_report(title: str, report: Any) -> None:
    print(f"\n== {title}: {report.tasks} test tasks per replay ==")
    print(f"  {'policy':<18} {'quality':>8} {'s/task':>8} {'strong':>7}")
    rows = [
        report.fixed["always-weak"],
        report.fixed["always-strong"],
        report.fixed["per-skill rule"],
        *report.adaptive,
        report.fixed["oracle"],
    ]
    for p in rows:
        print(
            f"  {p.name:<18} {100 * p.quality:7.1f}% {p.seconds:8.2f} {100 * p.strong_share:6.0f}%"
        )
    apgr, random_apgr = report.apgr, report.random_apgr
    print(
        f"  APGR adaptive {apgr:.3f} vs random {random_apgr:.3f}"
        if apgr is not None and random_apgr is not None
        else "  APGR undefined (both models equally good here)"
    )
    for share, label in ((1.0, "equal quality to always-1.5B"), (0.9, "90 % of its quality")):
        found = report.saving(share)
        if found is None:
            print(f"  {label}: not reached by any α")
        else:
            saved, point = found
            print(f"  {label}: {100 * saved:.0f} % less time ({point.name})")
    knee = report.knee()
    print(f"  knee of the curve (default α): {knee.alpha}")


if __name__ == "__main__":
    main()
