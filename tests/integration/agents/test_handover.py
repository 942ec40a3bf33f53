"""Handover from a dialog to the wizard, with the embedded model reading the conversation."""

from __future__ import annotations

import json

import pytest

from support_system.agents.dialog import history
from support_system.agents.handover import handover, jobs_for_handover
from support_system.core.errors import UnknownJob, UnknownModel
from support_system.core.settings import get_settings
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.data.schema import MessageType
from support_system.jobs import wizard
from support_system.jobs.catalogue import load_catalogue

QWEN = "qwen2.5-coder-0.5b"


@pytest.fixture
def conversation(db, monkeypatch: pytest.MonkeyPatch) -> int:
    """A conversation in which the person plainly states their shop's name, and nothing else."""
    monkeypatch.setenv("SUPPORT_SYSTEM_LLM__FALLBACK_MODELS", "[]")
    get_settings.cache_clear()
    with session_scope() as session:
        user_id = repo.ensure_local_user(session).id
        conversation_id = repo.create_conversation(session, user_id, title="bakery").id
        for sender, text in [
            ("user", "I would like a web page for my bakery."),
            ("guide", "Happy to help! What is your shop called?"),
            ("user", "My shop is called Sunflower Bakery."),
        ]:
            repo.add_message(session, conversation_id, sender=sender, content=text)
    return conversation_id


@pytest.mark.model
def test_handover_fills_what_the_person_said_and_leaves_the_rest(conversation: int) -> None:
    result = handover(conversation, "shop-page", language="en", model=QWEN)
    assert result.error is None
    assert result.filled.get("name") == "Sunflower Bakery"
    # Never said: whatever the model proposed for these was not used.
    for never_said in ("address", "phone", "opening_hours", "products"):
        assert never_said not in result.filled and never_said in result.unfilled
    assert set(result.filled).isdisjoint(result.unfilled)

    state = wizard.resume(result.session_id)
    assert state.job_id == "shop-page" and state.language == "en"
    assert state.answers == result.filled
    assert state.question is not None and state.question.id == result.unfilled[0]

    [event] = [m for m in history(conversation, events=True) if m.type == MessageType.EVENT]
    assert json.loads(event.content) == {
        "event": "handover", "job_id": "shop-page", "wizard_session_id": result.session_id,
        "filled": sorted(result.filled),
    }  # fmt: skip


def test_a_failing_model_still_starts_the_wizard_with_nothing_filled(conversation: int) -> None:
    result = handover(conversation, "shop-page", language="ja", model="no-such-model")
    assert isinstance(result.error, UnknownModel)
    assert result.filled == {} and result.unfilled[0] == "name"
    assert wizard.resume(result.session_id).answers == {}


def test_an_unknown_job_is_refused_before_anything_is_created(conversation: int) -> None:
    with pytest.raises(UnknownJob):
        handover(conversation, "no-such-job", language="en")
    assert [m.type for m in history(conversation, events=True)] == [MessageType.TEXT] * 3


def test_the_job_the_person_asked_for_is_offered_first(conversation: int) -> None:
    offered = [job.id for job in jobs_for_handover(conversation)]
    assert offered[0] == "shop-page"  # "a web page for my bakery", "my shop"
    assert sorted(offered) == sorted(load_catalogue())  # every job, once
    assert [job.id for job in jobs_for_handover(None)] == list(load_catalogue())
