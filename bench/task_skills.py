"""How often does the task analyzer name the right skill? Accuracy per split and skill.

Runs every request of `data/requests/requests.yaml` through the real
`support_system.routing.analyzer.analyze` (real e5 and classifier, never a model) and
compares its skill with the skill of the request's labelled route (`skill_for_route`).
A tune request is analysed with itself left out of the examples (leave-one-out), so
the tune figure is not a lookup; held-out requests are never examples. Figures only;
nothing here asserts.

Printed per split: skill accuracy (and, beside it, route accuracy: a wrong route of the
right skill still routes the right model), accuracy per labelled skill, the confusion
pairs as "right → found" with the requests' ids, the share of requests with more skills
than the main one, and milliseconds per request.

    .venv/bin/python bench/task_skills.py [--split heldout]
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=["tune", "heldout", "all"], default="all")
    parser.add_argument("--state", type=Path, help="state dir (default: a new temporary one)")
    args = parser.parse_args()

    state = args.state or Path(tempfile.mkdtemp(prefix="bench-skills-"))
    os.environ["SUPPORT_SYSTEM_STATE_DIR"] = str(state)

    from support_system.core.logging import configure_logging

    configure_logging(state / "logs", "WARNING", to_stderr=False)

    cold = time.perf_counter()
    from support_system.intake.labelled import load_requests
    from support_system.routing.analyzer import analyze, skill_for_route

    analyze("warm-up", "en")
    print(f"set-up (import, e5 load, examples' vectors): {time.perf_counter() - cold:.2f} s")

    rows: list[dict[str, Any]] = []
    for request in load_requests():
        if args.split not in ("all", request.split):
            continue
        exclude = frozenset({request.id}) if request.split == "tune" else frozenset()
        started = time.perf_counter()
        found = analyze(request.text, request.lang, exclude=exclude)
        rows.append(
            {
                "id": request.id,
                "split": request.split,
                "route": request.route,
                "skill": skill_for_route(request.route) or "(none)",
                "found_route": found.route,
                "found": found.skill,
                "skills": found.skills,
                "ms": (time.perf_counter() - started) * 1000,
            }
        )
    for split in ("tune", "heldout"):
        chosen = [row for row in rows if row["split"] == split]
        if chosen:
            report(split, chosen)
    if args.split == "all" and rows:
        right = sum(row["found"] == row["skill"] for row in rows)
        print(f"\n== overall: skill accuracy {right}/{len(rows)} = {right / len(rows):.1%}")


def report(split: str, rows: list[dict[str, Any]]) -> None:
    """Print the figures of one split."""
    n = len(rows)
    right = sum(row["found"] == row["skill"] for row in rows)
    routes = sum(row["found_route"] == row["route"] for row in rows)
    print(f"\n== {split}: {n} requests")
    print(f"skill accuracy: {right}/{n} = {right / n:.1%}", end="  ")
    print(f"(route: {routes}/{n} = {routes / n:.1%})")
    per_skill: dict[str, list[bool]] = defaultdict(list)
    for row in rows:
        per_skill[row["skill"]].append(row["found"] == row["skill"])
    for skill, hits in sorted(per_skill.items()):
        print(f"  {skill:<15} {sum(hits):>3}/{len(hits):<3} = {sum(hits) / len(hits):.1%}")
    pairs: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["found"] != row["skill"]:
            pairs[f"{row['skill']} → {row['found']}"].append(row["id"])
    if pairs:
        print("confusion pairs (right → found):")
        for pair, ids in sorted(pairs.items(), key=lambda item: -len(item[1])):
            print(f"  {len(ids)} × {pair}: {', '.join(ids)}")
    more = Counter(skill for row in rows for skill in row["skills"][1:])
    print(
        f"more than one skill: {sum(len(row['skills']) > 1 for row in rows)}/{n}"
        + (f" ({', '.join(f'{k} {v}' for k, v in more.most_common())})" if more else "")
    )
    ms = sorted(row["ms"] for row in rows)
    p90 = ms[min(len(ms) - 1, int(0.9 * len(ms)))]
    print(f"ms per request: median {statistics.median(ms):.0f}, p90 {p90:.0f}, max {ms[-1]:.0f}")


if __name__ == "__main__":
    main()
