"""How well and how fast are Home requests understood? Top-1 route accuracy per split.

Runs every request of `data/requests/requests.yaml` through the real
`support_system.intake.understand` (real e5, the real embedded model for close calls)
and compares the route with the label. A tune request is understood with itself left
out of the examples (leave-one-out), so the tune figure is not a lookup; held-out
requests are never examples. Figures only; nothing here asserts.

Printed per split: top-1 accuracy of the whole method and without the model (rules,
e5 and cue words only), the misses as "right → chosen", the share of requests decided
by the rules, by e5 alone and by the model (and how often the model's say changed the
answer for better or worse), and seconds per request (median, p90). The first request
of a process also pays for loading e5 and the examples' vectors: printed apart.

    .venv/bin/python bench/request_routes.py [--split heldout] [--no-model] [--model NAME]
        [--jsonl results.jsonl]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# This file is named like the `requests` package (which LangChain imports): take its own
# folder off the path, or `import requests` would find this script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["tune", "heldout", "all"], default="all")
    parser.add_argument("--no-model", action="store_true", help="never ask the model")
    parser.add_argument("--model", help="the model for close calls (default: the configured)")
    parser.add_argument("--state", type=Path, help="state dir (default: a new temporary one)")
    parser.add_argument("--jsonl", type=Path, help="write one line per request here")
    args = parser.parse_args()

    state = args.state or Path(tempfile.mkdtemp(prefix="bench-requests-"))
    os.environ["SUPPORT_SYSTEM_STATE_DIR"] = str(state)
    os.environ.setdefault("SUPPORT_SYSTEM_MODEL_DIR", str(ROOT / ".state-test" / "models"))
    os.environ["SUPPORT_SYSTEM_LLM__CACHE_ENABLED"] = "false"  # time real generations

    from support_system.core.logging import configure_logging
    from support_system.data.migrate import upgrade

    configure_logging(state / "logs", "WARNING", to_stderr=False)
    upgrade()  # usage records of the model's calls need the tables

    cold = time.perf_counter()
    from support_system.intake import understand
    from support_system.intake.routes import is_job
    from support_system.intake.service import classifier, rank

    classifier()
    rank("warm-up")
    print(
        f"first request's set-up (import, e5 load, examples' vectors): "
        f"{time.perf_counter() - cold:.2f} s"
    )
    from support_system.intake.labelled import load_requests
    from support_system.jobs.catalogue import load_catalogue

    requests = [r for r in load_requests() if args.split in ("all", r.split)]
    catalogue = load_catalogue()
    missing = sorted({r.route for r in requests if is_job(r.route) and r.route not in catalogue})
    if missing:
        print(f"labelled jobs not in the catalogue (always missed): {', '.join(missing)}")

    rows: list[dict[str, Any]] = []
    for request in requests:
        exclude = frozenset({request.id}) if request.split == "tune" else frozenset()
        ranked = understand(request.text, request.lang, use_model=False, exclude=exclude).route
        started = time.perf_counter()
        found = understand(
            request.text,
            request.lang,
            use_model=not args.no_model,
            model=args.model,
            exclude=exclude,
        )
        seconds = time.perf_counter() - started
        rows.append(
            {
                "id": request.id,
                "split": request.split,
                "lang": request.lang,
                "route": request.route,
                "chosen": found.route,
                "ranked": ranked,
                "decided_by": found.decided_by,
                "seconds": round(seconds, 4),
            }
        )
    if args.jsonl:
        args.jsonl.write_text(
            "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
        )
    for split in ("tune", "heldout"):
        chosen = [row for row in rows if row["split"] == split]
        if chosen:
            report(split, chosen)


def report(split: str, rows: list[dict[str, Any]]) -> None:
    """Print the figures of one split."""
    n = len(rows)
    right = sum(row["chosen"] == row["route"] for row in rows)
    ranked = sum(row["ranked"] == row["route"] for row in rows)
    print(f"\n== {split}: {n} requests ({Counter(r['lang'] for r in rows)})")
    print(f"top-1 accuracy: {right}/{n} = {right / n:.1%}")
    print(f"  without the model (rules, e5, cue words): {ranked}/{n} = {ranked / n:.1%}")
    for lang in ("ja", "en"):
        part = [row for row in rows if row["lang"] == lang]
        if part:
            ok = sum(row["chosen"] == row["route"] for row in part)
            print(f"  {lang}: {ok}/{len(part)} = {ok / len(part):.1%}")
    deciders = Counter(row["decided_by"] for row in rows)
    print(
        "decided by: "
        + ", ".join(
            f"{name} {deciders[name]} ({deciders[name] / n:.0%})"
            for name in ("rules", "e5", "model")
        )
    )
    asked = [row for row in rows if row["decided_by"] == "model"]
    if asked:
        fixed = sum(r["ranked"] != r["route"] and r["chosen"] == r["route"] for r in asked)
        broke = sum(r["ranked"] == r["route"] and r["chosen"] != r["route"] for r in asked)
        ok = sum(r["chosen"] == r["route"] for r in asked)
        print(
            f"  the model's close calls: {ok}/{len(asked)} right; "
            f"fixed {fixed}, broke {broke} of the ranking's choices"
        )
    seconds = sorted(row["seconds"] for row in rows)
    p90 = seconds[min(len(seconds) - 1, int(0.9 * len(seconds)))]
    print(
        f"seconds per request: median {statistics.median(seconds):.3f}, p90 {p90:.3f}, "
        f"max {seconds[-1]:.3f}"
    )
    by_decider = {
        name: statistics.median([r["seconds"] for r in rows if r["decided_by"] == name])
        for name in deciders
    }
    print("  median by decider: " + ", ".join(f"{k} {v:.3f} s" for k, v in by_decider.items()))
    misses = Counter(
        f"{row['route']} → {row['chosen']}" for row in rows if row["chosen"] != row["route"]
    )
    if misses:
        print("misses (right → chosen):")
        for pair, count in misses.most_common():
            print(f"  {count} × {pair}")


if __name__ == "__main__":
    main()
