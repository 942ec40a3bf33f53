"""Every layout of every webpage job passes every page check (template path, no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support_system.core.settings import PROJECT_ROOT
from support_system.generators.base import GenerationContext
from support_system.generators.webpage.generator import WebpageGenerator
from support_system.jobs.answers_file import validate_answers
from support_system.jobs.catalogue import get_job

SAMPLES = PROJECT_ROOT / "data" / "samples"
MARKERS = {"classic": "<table>", "card": 'class="cards"', "minimal": "40rem"}


@pytest.mark.browser
@pytest.mark.parametrize(
    ("job_id", "layout"),
    # Each layout and each job's own template at least once (the layouts differ only in
    # base.html.j2's widths and the card branches; the blocks of sectioned pages are
    # covered in every layout by test_section_pages.py).
    [
        ("profile-page", "classic"),
        ("shop-page", "classic"),
        ("shop-page", "card"),
        ("faq-page", "card"),
        ("faq-page", "minimal"),
    ],
)
def test_layout_renders_and_passes_every_check(
    settings, tmp_path: Path, job_id: str, layout: str
) -> None:
    job = get_job(job_id)
    lang = "en" if layout == "card" else "ja"  # both languages over the set
    answers = validate_answers({**job.samples[lang], "layout": layout}, job, lang, base_dir=SAMPLES)
    ctx = GenerationContext(job=job, answers=answers, lang=lang, base_dir=SAMPLES)
    generator = WebpageGenerator()
    draft = generator.fallback(ctx, tmp_path / "page")
    assert f"layout: {layout}" in draft.notes
    html = draft.main_file.read_text(encoding="utf-8")
    if job_id == "shop-page" or layout == "minimal":
        assert MARKERS[layout] in html
    failed = {c.name: c.messages for c in generator.check(ctx, draft) if not c.passed}
    assert not failed
