"""Acceptance: with no network at all, the starter guides are ingested and ≥ 20 hand-
written ja/en questions find the right guide in the top 3 (recall@3 ≥ 0.9), and
questions the guides do not answer find nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
PAIRS = HERE / "recall_pairs.yaml"
# Belt and braces: even if a library tried a hub, it is told it is offline.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
}


def _no_network_prefix() -> list[str]:
    unshare = shutil.which("unshare")
    if (
        unshare is None
        or subprocess.run([unshare, "-n", "true"], capture_output=True).returncode != 0
    ):
        pytest.skip("`unshare -n` is not available here (needs root or user namespaces)")
    return [unshare, "-n"]


@pytest.fixture(scope="module")
def evaluation(tmp_path_factory: pytest.TempPathFactory) -> dict:
    state = tmp_path_factory.mktemp("offline-state")
    done = subprocess.run(
        [*_no_network_prefix(), sys.executable, str(HERE / "recall_eval.py"), str(PAIRS)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **OFFLINE_ENV, "SUPPORT_SYSTEM_STATE_DIR": str(state)},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_evaluation_really_ran_without_any_network(evaluation: dict) -> None:
    assert all("unreachable" in outcome for outcome in evaluation["network"].values()), evaluation[
        "network"
    ]


def test_every_starter_guide_is_ingested_in_both_languages(evaluation: dict) -> None:
    assert evaluation["failed"] == []
    by_language = {
        lang: [d for d in evaluation["documents"] if f"/{lang}/" in d] for lang in ("ja", "en")
    }
    assert len(by_language["ja"]) >= 6 and len(by_language["en"]) >= 6
    assert {Path(d).name for d in by_language["ja"]} == {Path(d).name for d in by_language["en"]}


def test_recall_at_3_is_at_least_0_9_on_japanese_and_english_questions(evaluation: dict) -> None:
    pairs = evaluation["pairs"]
    japanese = [p for p in pairs if not p["q"].isascii()]
    assert len(pairs) >= 20 and len(japanese) >= 10 and len(pairs) - len(japanese) >= 10
    misses = [(p["q"], p["topic"], p["got"]) for p in pairs if not p["at3"]]
    assert evaluation["recall_at_3"] >= 0.9, misses
    for subset in (japanese, [p for p in pairs if p["q"].isascii()]):
        assert sum(p["at3"] for p in subset) / len(subset) >= 0.9, misses


def test_questions_the_guides_do_not_answer_find_nothing(evaluation: dict) -> None:
    spec = yaml.safe_load(PAIRS.read_text(encoding="utf-8"))
    assert set(evaluation["unrelated"]) == set(spec["unrelated"])
    found = {q: hits for q, hits in evaluation["unrelated"].items() if hits}
    assert not found
