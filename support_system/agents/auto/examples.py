"""Learning from success: finished runs whose checks passed are kept as examples, and a
new goal is seeded with the choices (layout, colour…) of the most similar one.

Examples live in `<state_dir>/auto/examples.jsonl` with the goal's embedding (the
knowledge base's model: multilingual e5 by default). Only non-fact answers are reused
(`planning.make_plan` drops facts), so an example never puts someone else's name on a
page. Any embedding trouble means "no example": it is a hint, never a requirement.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from support_system.core.logging import get_logger
from support_system.core.settings import get_settings

log = get_logger(__name__)

MIN_SIMILARITY = 0.85  # e5 scores sit close together; only a near paraphrase counts
_lock = threading.Lock()


def _path() -> Path:
    return get_settings().state_dir / "auto" / "examples.jsonl"


def _embed(text: str, *, query: bool) -> list[float] | None:
    try:
        from support_system.rag.embeddings import get_embedding

        model = get_embedding(get_settings())
        vector = model.get_query_embedding(text) if query else model.get_text_embedding(text)
        return [float(x) for x in vector]
    except Exception as exc:  # noqa: BLE001 - see the module doc
        log.info("auto_example_embedding_failed", error=type(exc).__name__, detail=str(exc)[:200])
        return None


def remember(goal: str, job_id: str, answers: dict[str, Any]) -> None:
    """Keep a successful run as an example (never raises)."""
    vector = _embed(goal, query=False)
    if vector is None:
        return
    line = json.dumps(
        {"goal": goal, "job_id": job_id, "answers": answers, "vector": vector},
        ensure_ascii=False,
        default=str,
    )
    path = _path()
    with _lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def closest(goal: str, job_id: str | None = None) -> dict[str, Any] | None:
    """The stored example most similar to `goal` (same job when given), or None."""
    path = _path()
    if not path.is_file():
        return None
    examples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue
        if job_id is None or item.get("job_id") == job_id:
            examples.append(item)
    if not examples:
        return None
    query = _embed(goal, query=True)
    if query is None:
        return None
    best, best_score = None, MIN_SIMILARITY
    for item in examples:
        vector = item.get("vector") or []
        norm = (sum(x * x for x in vector) * sum(x * x for x in query)) ** 0.5
        score = sum(a * b for a, b in zip(vector, query, strict=False)) / norm if norm else 0.0
        if score >= best_score:
            best, best_score = item, score
    if best is None:
        return None
    return {
        "goal": best["goal"],
        "job_id": best["job_id"],
        "answers": best["answers"],
        "similarity": round(best_score, 3),
    }
