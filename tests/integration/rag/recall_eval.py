"""Ingest the starter guides and measure retrieval; prints one JSON object.

Run by test_rag_offline_recall.py inside `unshare -n` (no network at all), so it also
records what happens when it tries to reach the network: proof that the figures were
produced offline. Usage: recall_eval.py PAIRS.yaml (state dir from SUPPORT_SYSTEM_STATE_DIR).
"""

from __future__ import annotations

import json
import socket
import sys
import time
from pathlib import Path

import yaml

from support_system.core.settings import PROJECT_ROOT
from support_system.rag import KnowledgeBase


def network_probe() -> dict[str, str]:
    """Try the internet and loopback; under `unshare -n` both must fail."""
    results = {}
    for host, port in (("1.1.1.1", 443), ("127.0.0.1", 9)):
        try:
            socket.create_connection((host, port), timeout=2).close()
            results[host] = "connected"
        except OSError as exc:
            results[host] = f"{type(exc).__name__}: {exc.strerror or exc}"
    return results


def main(pairs_file: Path) -> dict:
    spec = yaml.safe_load(pairs_file.read_text(encoding="utf-8"))
    kb = KnowledgeBase()
    started = time.perf_counter()
    report = kb.add([PROJECT_ROOT / "data" / "knowledge"])
    ingest_seconds = time.perf_counter() - started
    results = []
    for pair in spec["pairs"]:
        hits = kb.search(pair["q"], k=3, all_scopes=True)
        topics = [Path(h.citation.file_name).stem for h in hits]
        results.append(
            {
                "q": pair["q"],
                "topic": pair["topic"],
                "got": topics,
                "at1": topics[:1] == [pair["topic"]],
                "at3": pair["topic"] in topics,
            }
        )
    unrelated = {
        q: [h.citation.label("en") for h in kb.search(q, all_scopes=True)]
        for q in spec["unrelated"]
    }
    return {
        "network": network_probe(),
        "documents": sorted(
            str(Path(o.path).relative_to(PROJECT_ROOT)) for o in report.with_status("added")
        ),
        "failed": [o.path.name for o in report.failed],
        "chunks": report.chunks_added,
        "ingest_seconds": round(ingest_seconds, 2),
        "recall_at_3": sum(r["at3"] for r in results) / len(results),
        "recall_at_1": sum(r["at1"] for r in results) / len(results),
        "pairs": results,
        "unrelated": unrelated,
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1])), ensure_ascii=False))
