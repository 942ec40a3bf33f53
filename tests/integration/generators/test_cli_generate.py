"""`python -m support_system generate` for every job, on the real embedded model.

Each job runs on its realistic shipped sample answers (Japanese ones, with the
Shift_JIS CSV where the job reads a CSV), and the test checks what a user would:
the artifact is there, every check passed, their facts appear verbatim, and the
numbers a program computed equal pandas' on the same file.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from support_system.cli import app
from support_system.core.settings import PROJECT_ROOT
from support_system.jobs.catalogue import get_job, load_catalogue

SAMPLES = PROJECT_ROOT / "data" / "samples"
PAGES_FROM_SECTIONS = [
    "event-page",
    "menu-page",
    "gallery-page",
    "newsletter-page",
    "invitation-page",
    "recipe-page",
    "price-list-page",
    "service-page",
]
JOBS = [
    "profile-page",
    "shop-page",
    "faq-page",
    *PAGES_FROM_SECTIONS,
    "csv-summary",
    "file-renamer",
    "form-letter",
    "data-chart",
]

pytestmark = [pytest.mark.model, pytest.mark.browser]


def _answers_file(tmp_path: Path, job_id: str, sample: str) -> Path:
    """The job's sample answers in a YAML file beside copies of its input files."""
    answers = dict(get_job(job_id).samples[sample])
    folder = tmp_path / "answers"
    folder.mkdir()
    for _key, value in answers.items():
        if (
            isinstance(value, str)
            and "\n" not in value
            and len(value) < 200
            and (SAMPLES / value).exists()
        ):
            source = SAMPLES / value
            target = folder / value
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
    path = folder / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    return path


def _run(tmp_path: Path, job_id: str, sample: str, lang: str) -> tuple[Path, dict, dict, str]:
    answers_path = _answers_file(tmp_path, job_id, sample)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "--job",
            job_id,
            "--answers",
            str(answers_path),
            "--out",
            str(out),
            "--lang",
            lang,
        ],
    )
    assert (out / "result.json").exists(), result.output
    report = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert result.exit_code == 0, (result.output, report)
    answers = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    return out, report, answers, result.output


def test_every_required_job_is_in_the_catalogue(settings) -> None:
    assert set(JOBS) <= set(load_catalogue())


@pytest.mark.parametrize("job_id", JOBS)
def test_generate_makes_a_checked_artifact_from_japanese_answers(
    db, tmp_path: Path, job_id: str
) -> None:
    out, report, answers, output = _run(tmp_path, job_id, "ja", "ja")
    assert report["ok"] is True and report["job"] == job_id
    assert report["checks"] and all(check["passed"] for check in report["checks"])
    assert (out / report["main_file"]).is_file()
    names = {check["name"] for check in report["checks"]}
    kind = get_job(job_id).kind
    if kind == "webpage":
        assert {"html5lib", "vnu", "axe", "self_contained", "facts"} <= names
        _assert_facts_verbatim(job_id, answers, (out / "index.html").read_text(encoding="utf-8"))
    else:
        assert report["run"]["passed"] is True
        assert {"ast", "ruff"} <= names
        _assert_program_outputs(job_id, answers, out, tmp_path / "answers")
    assert "✓" in output


def test_generate_in_english(db, tmp_path: Path) -> None:
    out, report, answers, _ = _run(tmp_path, "shop-page", "en", "en")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    _assert_facts_verbatim("shop-page", answers, page)


def _assert_facts_verbatim(job_id: str, answers: dict, page: str) -> None:
    from markupsafe import escape

    from support_system.generators.webpage.generator import verbatim_facts

    facts = verbatim_facts(get_job(job_id), answers)
    assert facts
    for fact in facts:
        assert str(escape(fact)) in page, fact


def _assert_program_outputs(job_id: str, answers: dict, out: Path, inputs: Path) -> None:
    from support_system.jobs.tables import read_table

    produced = out / "output"
    if job_id == "csv-summary":
        import pandas as pd

        frame = read_table(inputs / answers["input_file"])
        expected = frame.groupby(answers["group_by"])[answers["value_column"]].agg(
            answers["operation"]
        )
        summary = pd.read_csv(produced / "summary.csv", encoding="utf-8-sig")
        got = dict(zip(summary.iloc[:, 0].astype(str), summary.iloc[:, 1], strict=True))
        assert got.keys() == {str(k) for k in expected.index}
        for key, value in expected.items():
            assert got[str(key)] == pytest.approx(float(value))
    elif job_id == "form-letter":
        rows = read_table(inputs / answers["data_file"])
        letters = sorted((produced / "letters").glob("*.txt"))
        assert len(letters) == len(rows)
        assert len(list((produced / "letters").glob("*.docx"))) == len(rows)
    elif job_id == "file-renamer":
        folder = inputs / answers["folder"]
        plan = (produced / "rename_plan.csv").read_text(encoding="utf-8-sig")
        for file in folder.iterdir():
            if file.is_file():
                assert file.name in plan
                assert file.exists()  # a dry run renames nothing
    elif job_id == "data-chart":
        png = produced / "chart.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (produced / "summary.md").read_text(encoding="utf-8").strip()
