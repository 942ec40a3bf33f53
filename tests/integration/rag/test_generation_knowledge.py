"""The person's documents reach the generation and "decide for me" prompts, with sources.

Real parts throughout: the e5 embedding model, embedded Chroma on the test's state dir,
the embedded 0.5B model, the real webpage generator and its checks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support_system.core.settings import get_settings
from support_system.generators.base import Draft, GenerationContext
from support_system.generators.pipeline import Budget, run_pipeline
from support_system.generators.webpage.generator import WebpageGenerator
from support_system.jobs.catalogue import get_job
from support_system.jobs.proposals import proposal_problem
from support_system.rag import project_scope
from support_system.rag.context import knowledge_for, source_labels

ABOUT = (
    "# About Sunflower Bakery\n\n"
    "Sunflower Bakery bakes sourdough with organic flour from a family mill in Somerset. "
    "Every loaf rises slowly overnight, and the bakers start at four in the morning.\n"
)
OTHER_PROJECT = (
    "# Greenfield Garage\n\nGreenfield Garage repairs bicycles and sells second-hand frames.\n"
)


class Recording(WebpageGenerator):
    """The real webpage generator, remembering the knowledge each draft was given."""

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def draft(self, ctx: GenerationContext, out_dir: Path) -> Draft:
        self.seen.append([hit.citation.file_name for hit in ctx.knowledge])
        return super().draft(ctx, out_dir)


def test_without_a_knowledge_base_nothing_is_opened_or_loaded(settings) -> None:
    assert knowledge_for("a page for my bakery", project=1) == []
    assert not (get_settings().state_dir / "rag").exists()


@pytest.mark.model
@pytest.mark.browser
def test_generation_uses_the_projects_documents_and_lists_them_as_sources(
    db, kb, tmp_path: Path
) -> None:
    from support_system.data.db import session_scope
    from support_system.data.repositories import ensure_local_user
    from support_system.jobs import workspace

    with session_scope() as s:
        user_id = ensure_local_user(s).id

    project, _ = workspace.create_project(user_id, "shop-page", "en")
    other, _ = workspace.create_project(user_id, "shop-page", "en")
    about = tmp_path / "about-us.md"
    about.write_text(ABOUT, encoding="utf-8")
    garage = tmp_path / "garage.md"
    garage.write_text(OTHER_PROJECT, encoding="utf-8")
    kb.add([about], scope=project_scope(project))
    kb.add([garage], scope=project_scope(other))

    generator = Recording()
    job = get_job("shop-page")
    result = run_pipeline(
        job,
        dict(job.samples["en"]),
        tmp_path / "out",
        lang="en",
        generator=generator,
        project_id=project,
        budget=Budget(attempts=3),
        run_outputs=False,
    )
    # Every model draft saw this project's document, never the other project's.
    assert generator.seen and all(names == ["about-us.md"] for names in generator.seen)
    written = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    if result.fallback_used:  # the template uses no model text, so it cites nothing
        assert written["sources"] == []
    else:
        assert written["sources"] == ["about-us.md (About Sunflower Bakery)"]


def test_facts_from_the_documents_count_as_given_in_a_proposal(db, kb, tmp_path: Path) -> None:
    price = tmp_path / "prices.md"
    price.write_text(
        "# Prices\n\nA sourdough loaf costs 4.5 pounds at Sunflower Bakery.\n", "utf-8"
    )
    kb.add([price])
    question = get_job("shop-page").question("tagline")
    hits = knowledge_for("How much is a sourdough loaf at Sunflower Bakery?")
    assert source_labels(hits, "en") == ["prices.md (Prices)"]
    proposal = "Sourdough for 4.5 pounds"
    # Without the document the price is invented; with it, it was given.
    answers = {"name": "Sunflower Bakery"}
    assert proposal_problem(question, proposal, answers) == "invented_facts"
    assert proposal_problem(question, proposal, answers, " ".join(h.text for h in hits)) is None
