"""The task analyzer with the real e5 model and the real classifier, on every labelled request.

A tune request is analysed with itself left out of the classifier's examples
(leave-one-out), so its figure is not a lookup; held-out requests are never examples.
One state dir for the module: e5 and the examples' vectors load once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from support_system.core.settings import Settings, get_settings
from support_system.intake import understand
from support_system.intake.labelled import LabelledRequest, load_requests
from support_system.intake.service import MODEL_MARGIN
from support_system.routing.analyzer import TaskAnalysis, analyze, skill_for_route
from tests.conftest import TEST_MODEL_DIR

TARGET = 0.95


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SUPPORT_SYSTEM_STATE_DIR", str(tmp_path_factory.mktemp("analyzer") / "state"))
        patch.setenv("SUPPORT_SYSTEM_MODEL_DIR", str(TEST_MODEL_DIR))
        get_settings.cache_clear()
        yield get_settings()
    get_settings.cache_clear()


def _left_out(request: LabelledRequest) -> frozenset[str]:
    return frozenset({request.id}) if request.split == "tune" else frozenset()


@pytest.fixture(scope="module")
def analysed(state: Settings) -> list[tuple[LabelledRequest, TaskAnalysis]]:
    return [(r, analyze(r.text, r.lang, exclude=_left_out(r))) for r in load_requests()]


def test_the_analyzer_names_the_skill_of_the_labelled_route(
    analysed: list[tuple[LabelledRequest, TaskAnalysis]],
) -> None:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses = []
    for request, found in analysed:
        expected = skill_for_route(request.route)
        assert expected is not None, f"{request.id}: route {request.route} has no skill"
        total[request.split] += 1
        if found.skill == expected:
            right[request.split] += 1
        else:
            misses.append(f"{request.id} ({request.split}): {expected} → {found.skill}")
    figures = ", ".join(
        f"{split} {right[split]}/{total[split]} = {right[split] / total[split]:.1%}"
        for split in ("tune", "heldout")
    )
    overall = sum(right.values()) / sum(total.values())
    print(f"\nskill accuracy: {figures}, overall {overall:.1%}")
    assert total["tune"] and total["heldout"]
    assert overall >= TARGET, f"{figures}, overall {overall:.1%}; misses: {misses}"


def test_the_analyzer_takes_the_route_home_takes_without_a_model(
    analysed: list[tuple[LabelledRequest, TaskAnalysis]],
) -> None:
    differing = []
    for request, found in analysed:
        understood = understand(
            request.text, request.lang, use_model=False, exclude=_left_out(request)
        )
        if (understood.route, understood.confidence) != (found.route, found.features["confidence"]):
            differing.append(f"{request.id}: {understood.route} ≠ {found.route}")
    assert differing == []


def test_an_attached_table_and_a_chart_make_a_data_question_with_chart_text(
    state: Settings,
) -> None:
    found = analyze(
        "which store sold the most in May? show it as a bar chart", "en", files=["s.csv"]
    )
    assert found.route == "data-question"
    assert found.skills[:2] == ["data-question", "chart-text"]
    assert found.features["files"] == 1 and found.features["asks_chart"] is True


def test_a_close_call_also_involves_intake_choice(
    analysed: list[tuple[LabelledRequest, TaskAnalysis]],
) -> None:
    close = [found for _, found in analysed if found.features["close_call"]]
    assert close, "no labelled request is a close call"
    assert all(found.skills[-1] == "intake-choice" for found in close)
    assert all(0 <= found.features["margin"] < MODEL_MARGIN for found in close)
