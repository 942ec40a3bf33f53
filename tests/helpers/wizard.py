"""A shop-page project with some questions already answered, for the wizard's pages."""

from __future__ import annotations

from support_system.jobs import wizard, workspace
from support_system.jobs.catalogue import get_job

SHOP = get_job("shop-page")
PROGRESS_1 = {"ja": "8 問中 1 問目", "en": "Question 1 of 8"}


def answer_first(session_id: int, lang: str, count: int) -> dict:
    """Answer the first `count` shop-page questions with the job's sample answers."""
    samples = dict(list(SHOP.samples[lang].items())[:count])
    for question_id, value in samples.items():
        wizard.answer(session_id, question_id, value, lang)
    return samples


def shop_session(user_id: int, lang: str, answered: int = 0) -> int:
    """A new shop-page project whose first `answered` questions are answered."""
    _, session_id = workspace.create_project(user_id, "shop-page", lang)
    answer_first(session_id, lang, answered)
    return session_id
