"""Change requests after a preview make a new, checked version; every version can come
back. Real database, real generation with its checks (vnu, axe, facts), the real model
for the one request that needs it (a fact restated in the person's words)."""

from __future__ import annotations

import json

import pytest

from support_system.generators.pipeline import Budget
from support_system.generators.runs import start_generation
from support_system.jobs import wizard, workspace
from support_system.jobs.changes import describe_plan, request_change
from support_system.jobs.definitions import CHANGES_KEY
from support_system.jobs.errors import VersionNotFound
from support_system.jobs.versions import restore_version, versions
from tests.helpers.wizard import SHOP, answered_session

pytestmark = pytest.mark.usefixtures("db")


def _make(session_id: int) -> str:
    """The next version from the tested template (the model's part is tested elsewhere)."""
    run = start_generation(session_id, lang="en", budget=Budget(attempts=0))
    assert run.wait(180)
    assert run.result is not None and run.result.ok, run.result and run.result.failed_checks()
    artifact = workspace.latest_artifact(session_id)
    assert artifact is not None
    return (artifact.path / "index.html").read_text(encoding="utf-8")


def test_a_section_and_a_sort_make_a_checked_version_and_undo_brings_the_first_back() -> None:
    session_id = answered_session("shop-page", "en")
    first = _make(session_id)

    asked = request_change(session_id, "add a section about parking", "en")
    assert asked.needs_text == "Parking" and asked.is_empty  # nothing saved before the text
    assert CHANGES_KEY not in wizard.resume(session_id).answers
    added = request_change(
        session_id, "add a section about parking", "en", section_text="Two spaces behind the shop."
    )
    assert added.section is not None
    sorted_plan = request_change(session_id, "Sort the products by price, highest first", "en")
    assert sorted_plan.sort is not None
    assert describe_plan(SHOP, added, "ja") == ["新しい項目「Parking」を追加"]
    assert describe_plan(SHOP, sorted_plan, "en") == [
        "“List your main products and their prices.” sorted by Price, highest or newest first"
    ]
    second = _make(session_id)

    assert '<h2 id="added-1">Parking</h2>' in second
    assert "<p>Two spaces behind the shop.</p>" in second
    order = [second.index(name) for name in ("Sourdough loaf", "Cinnamon bun", "Croissant")]
    assert order == sorted(order)  # £4.50, £2.20, £1.80
    assert "Parking" not in first

    listed = versions(session_id)
    assert [v.version for v in listed] == [2, 1]
    assert listed[0].change == "Parking" and listed[0].restorable

    back = restore_version(session_id, 1)
    assert back.version == 3 and back.restored_from == 1
    assert (back.path / "index.html").read_text(encoding="utf-8") == first
    answers = wizard.resume(session_id).answers
    assert CHANGES_KEY not in answers
    assert [p["name"] for p in answers["products"]][0] == "Sourdough loaf"
    assert (
        answers["products"]
        == json.loads((listed[1].path / "result.json").read_text(encoding="utf-8"))["answers"][
            "products"
        ]
    )
    assert [v.version for v in versions(session_id)] == [3, 2, 1]  # nothing was deleted

    with pytest.raises(VersionNotFound) as missing:
        restore_version(session_id, 9)
    assert "9" in missing.value.message("ja") and "バージョン" in missing.value.message("ja")


def test_a_restated_fact_becomes_the_new_answer_and_other_words_a_wording_note() -> None:
    session_id = answered_session("shop-page", "en")
    plan = request_change(session_id, "The phone number is now 0117 496 0999.", "en")
    assert plan.answers == {"phone": "0117 496 0999"}
    assert describe_plan(SHOP, plan, "en") == [
        "“What is the shop's phone number?” is now: 0117 496 0999"
    ]
    assert wizard.resume(session_id).answers["phone"] == "0117 496 0999"

    listed = request_change(session_id, "The croissant's price is now £2.00", "en")
    assert listed.edit_instead == "products" and listed.is_empty  # never rebuilt from a sentence
    assert wizard.resume(session_id).answers["products"][1]["price"] == "£1.80"

    note = request_change(session_id, "Make it sound friendlier, like a neighbour.", "en")
    assert note.note == "Make it sound friendlier, like a neighbour." and not note.answers
    assert wizard.resume(session_id).answers[CHANGES_KEY]["notes"] == [note.note]
