"""How well and how fast are data questions answered? Accuracy per split, level and kind.

Runs every question of `tests/data/questions/questions.yaml` through the real service
(`support_system.analysis.ask`: the embedded models, the real sandbox) and grades the
value against the question's hand-written pandas reference (`analysis.evaluation`).
Figures only; nothing here asserts.

Stacks (--stack, repeatable; default all three):
  * default  - the configured chain: Qwen2.5-Coder 0.5B first, 1.5B when its programs fail;
  * 0.5b     - qwen2.5-coder-0.5b alone;
  * 1.5b     - qwen2.5-coder-1.5b alone.
A follow-up is asked with the history of its parent's answer in the same stack; when the
parent failed, with the parent's reference program, so each question is graded on its own.
An error (not answered, blocked, timeout) counts as wrong. The held-out split is never
used to tune prompts: report both splits, tune only on `tune`.

    .venv/bin/python bench/data_questions.py [--stack default] [--split heldout] [--limit 10]
        [--ids sales-01 sales-02] [--jsonl results.jsonl]
    .venv/bin/python bench/data_questions.py --report results.jsonl   # figures of a past run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STACKS = {"default": None, "0.5b": "qwen2.5-coder-0.5b", "1.5b": "qwen2.5-coder-1.5b"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stack", action="append", choices=sorted(STACKS))
    parser.add_argument("--split", choices=["tune", "heldout", "all"], default="all")
    parser.add_argument("--limit", type=int, default=0, help="at most N questions")
    parser.add_argument("--ids", nargs="*", default=[])
    parser.add_argument("--jsonl", type=Path, help="append one line per question here")
    parser.add_argument("--report", type=Path, help="only print the figures of a --jsonl file")
    args = parser.parse_args()
    if args.report:
        rows = [json.loads(line) for line in args.report.read_text(encoding="utf-8").splitlines()]
        for stack in dict.fromkeys(row["stack"] for row in rows):
            report(stack, [row for row in rows if row["stack"] == stack])
        return

    state = Path(tempfile.mkdtemp(prefix="bench-data-questions-"))
    os.environ["SUPPORT_SYSTEM_STATE_DIR"] = str(state)
    os.environ.setdefault("SUPPORT_SYSTEM_MODEL_DIR", str(ROOT / ".state-test" / "models"))
    os.environ["SUPPORT_SYSTEM_LLM__CACHE_ENABLED"] = "false"  # time real generations

    from support_system.analysis.evaluation import load_questions
    from support_system.core.logging import configure_logging
    from support_system.data.migrate import upgrade

    # SUPPORT_SYSTEM_LOG_LEVEL=DEBUG keeps every program tried in logs/app.log
    level = os.environ.get("SUPPORT_SYSTEM_LOG_LEVEL", "INFO")
    configure_logging(state / "logs", level, to_stderr=False)
    upgrade()
    print(f"state dir (logs, answers): {state}")
    questions = load_questions()
    by_id = {q.id: q for q in questions}
    chosen = [
        q
        for q in questions
        if (args.split == "all" or q.split == args.split) and (not args.ids or q.id in args.ids)
    ]
    if args.limit:
        chosen = chosen[: args.limit]
    print(f"{len(chosen)} questions ({Counter(q.split for q in chosen)})", flush=True)
    for stack in args.stack or ["default", "0.5b", "1.5b"]:
        rows = []
        for q in chosen:
            rows.append(run_one(q, by_id, STACKS[stack], stack))
            if args.jsonl:  # as it goes, so a long run can be read while it runs
                with args.jsonl.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(rows[-1], ensure_ascii=False) + "\n")
        report(stack, rows)


_ANSWERS: dict[tuple[str, str], Any] = {}  # (stack, question id) -> Turn of its answer


def run_one(q: Any, by_id: dict[str, Any], model: str | None, stack: str) -> dict[str, Any]:
    from support_system.analysis import Turn, ask
    from support_system.analysis.evaluation import reference_answer, same_answer
    from support_system.analysis.tables import load_tables
    from support_system.core.errors import SupportSystemError

    files = [ROOT / "tests/data/questions/tables" / f for f in q.files]
    expected = reference_answer(q, load_tables(files, sheet=q.sheet))
    history = []
    if q.after:
        parent = by_id[q.after]
        history = [
            _ANSWERS.get((stack, parent.id))
            or Turn(question=parent.question, code=parent.reference, shown_value="")
        ]
    started = time.monotonic()
    row: dict[str, Any] = {
        "stack": stack,
        "id": q.id,
        "split": q.split,
        "level": q.level,
        "kind": q.kind,
        "lang": q.lang,
    }
    try:
        answer = ask(files, q.question, q.lang, history, sheet=q.sheet, model=model)
    except SupportSystemError as error:
        row.update(correct=False, error=type(error).__name__, detail=str(error)[:300], model="")
        row["models"] = getattr(error, "models", [])
    else:
        correct = same_answer(expected, answer.value, q)
        row.update(
            correct=correct,
            model=answer.model,
            models=answer.models,
            attempts=answer.attempts,
            by_form=bool(answer.form),
            shown=answer.shown_value[:200],
            text=answer.text[:200],
        )
        if not correct:
            row["code"] = answer.code
            row["form"] = answer.form
        _ANSWERS[(stack, q.id)] = Turn.from_answer(answer)
    row["seconds"] = round(time.monotonic() - started, 2)
    mark = "ok " if row["correct"] else "BAD"
    print(
        f"  [{stack}] {mark} {q.id:<14} {row['seconds']:6.1f}s {row.get('model', '')}", flush=True
    )
    return row


def _accuracy(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "-"
    right = sum(r["correct"] for r in rows)
    return f"{100 * right / len(rows):5.1f} % ({right}/{len(rows)})"


def report(stack: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n== stack {stack} ==")
    for split in ("tune", "heldout"):
        part = [r for r in rows if r["split"] == split]
        print(f"  {split:<8} {_accuracy(part)}")
        for field in ("level", "kind", "lang"):
            groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for row in part:
                groups[row[field]].append(row)
            cells = ", ".join(f"{k} {_accuracy(v).strip()}" for k, v in sorted(groups.items()))
            print(f"    by {field}: {cells}")
    seconds = sorted(r["seconds"] for r in rows)
    if seconds:
        p90 = seconds[min(len(seconds) - 1, int(round(0.9 * (len(seconds) - 1))))]
        print(f"  seconds per question: median {statistics.median(seconds):.1f}, p90 {p90:.1f}")
    models = Counter(r["model"] or "(not answered)" for r in rows)
    shares = ", ".join(f"{m} {100 * n / len(rows):.0f} %" for m, n in models.most_common())
    print(f"  answered by: {shares}")
    formed = [r for r in rows if r.get("by_form")]
    right = _accuracy(formed).strip()
    print(f"  answered by a query form: {len(formed)}/{len(rows)}, of them right {right}")
    errors = Counter(r.get("error") for r in rows if r.get("error"))
    if errors:
        print(f"  errors: {dict(errors)}")


if __name__ == "__main__":
    main()
