"""Wizard sessions with answers already given, for the wizard's pages and its runs."""

from __future__ import annotations

from support_system.core.settings import PROJECT_ROOT
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


def answered_session(job_id: str, lang: str) -> int:
    """A new project of the local user's with every sample answer of `job_id` given
    (files from data/samples), as a person who went through the questions."""
    from support_system.data.db import session_scope
    from support_system.data.repositories import ensure_local_user

    with session_scope() as session:
        user = ensure_local_user(session).id
    _, session_id = workspace.create_project(user, job_id, lang)
    for question_id, value in get_job(job_id).samples[lang].items():
        wizard.answer(
            session_id, question_id, value, lang, base_dir=PROJECT_ROOT / "data" / "samples"
        )
    return session_id
