"""ProgramGenerator on the program jobs, on the shipped Japanese and English samples.

One generated folder per job is made once per module (`built`), because checking one
runs its tests in the sandbox (~10 s): the fallback must pass every check, and `run`
must give the right outputs on the Shift_JIS sample (numbers equal pandas' own groupby,
one letter per row with the values verbatim, a rename plan that renames nothing).
Tests marked `model` draft with the real embedded model; tests marked `browser` start
the generated Gradio app and audit it with axe in Chromium. The jobs of issue 13
(`NEW_JOBS`) are only rendered here (lint, regions, what their runs copy); their checks,
runs and apps are tested on the CLI's artifact in test_cli_generate.py.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from docx import Document

from support_system.generators.base import CheckResult, Draft, GenerationContext
from support_system.generators.program import ProgramGenerator
from support_system.generators.program import generator as program_generator
from support_system.generators.program.recipes import mirror_folder, program_job
from support_system.generators.program.skeleton import py_literal, strings
from support_system.generators.program.texts import ProgramTexts, screen_texts
from support_system.jobs.catalogue import SAMPLES_DIR, get_job

JOBS = ["csv-summary", "file-renamer", "form-letter"]
NEW_JOBS = ["dedupe-rows", "join-tables", "split-by-column", "table-convert", "folder-list",
            "text-replace"]  # fmt: skip
CHECKS = ["ast", "ruff", "tests"]


@dataclass
class Built:
    ctx: GenerationContext
    draft: Draft
    checks: list[CheckResult]
    run: CheckResult | None
    output: Path


def sample_context(job_id: str, lang: str, **answers: object) -> GenerationContext:
    job = get_job(job_id)
    return GenerationContext(
        job=job, answers={**job.samples[lang], **answers}, lang=lang, base_dir=SAMPLES_DIR
    )


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Names, kinds and modification times of everything under `folder`."""
    result = {}
    for path in sorted(folder.rglob("*")):
        kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
        result[path.relative_to(folder).as_posix()] = (kind, path.lstat().st_mtime_ns)
    return result


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """`built(job_id, lang)`: the fallback folder, its checks and its run, made once;
    with `checked=False` only the folder (no checks, no run: seconds saved per job)."""
    cache: dict[tuple[str, str, bool], Built] = {}
    generator = ProgramGenerator()

    def build(job_id: str, lang: str = "ja", checked: bool = True) -> Built:
        if (job_id, lang, checked) not in cache:
            ctx = sample_context(job_id, lang)
            root = tmp_path_factory.mktemp(f"{job_id}-{lang}")
            draft = generator.fallback(ctx, root / "program")
            checks = generator.check(ctx, draft) if checked else []
            output = root / "output"
            run = generator.run(ctx, draft, output) if checked else None
            cache[(job_id, lang, checked)] = Built(ctx, draft, checks, run, output)
        return cache[(job_id, lang, checked)]

    yield build


# --- the template always passes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("job_id", "lang"), [(job, "ja") for job in JOBS] + [("csv-summary", "en")]
)
def test_fallback_passes_every_check(built, job_id: str, lang: str) -> None:
    result = built(job_id, lang)
    assert [c.name for c in result.checks] == CHECKS
    failed = {c.name: c.messages for c in result.checks if not c.passed}
    assert not failed
    assert "passed" in result.checks[2].messages[-1]
    root = result.draft.root
    for name in ["program.py", "app.py", "tests/test_program.py", "README.md", "requirements.txt"]:
        assert (root / name).is_file(), name
    assert result.draft.main_file == root / "program.py"
    assert result.draft.kind == "program" and not result.draft.customised
    assert len(result.draft.not_customised) == 3


@pytest.mark.parametrize("job_id", JOBS + NEW_JOBS)
def test_generated_code_is_clean_under_its_own_lint_settings(built, job_id: str) -> None:
    """Beyond the correctness rules of the check: style (imports, line length, pyupgrade)."""
    root = built(job_id, checked=job_id in JOBS).draft.root
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("job_id", JOBS + NEW_JOBS)
def test_answers_and_texts_sit_in_marked_regions(built, job_id: str) -> None:
    result = built(job_id, checked=job_id in JOBS)
    source = (result.draft.root / "program.py").read_text(encoding="utf-8")
    answers = source.split("# BEGIN ANSWERS", 1)[1].split("# END ANSWERS", 1)[0]
    custom = source.split("# BEGIN CUSTOM: texts", 1)[1].split("# END CUSTOM: texts", 1)[0]
    settings = ast.literal_eval(answers.split("SETTINGS = ", 1)[1])
    texts = ast.literal_eval(custom.split("TEXTS = ", 1)[1])
    assert settings == result.draft.meta["settings"]
    assert texts == strings(job_id, "ja")["texts"]
    readme = (result.draft.root / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(f"# {texts['title']}\n") and "python app.py --port" in readme


# --- run on the user's inputs ----------------------------------------------------------------


def test_csv_summary_run_equals_pandas_groupby_on_the_shift_jis_sample(built) -> None:
    result = built("csv-summary")
    assert result.run is not None and result.run.passed, result.run
    answers = result.ctx.answers
    summary = result.output / "summary.csv"
    assert summary.read_bytes().startswith(b"\xef\xbb\xbf")
    produced = pd.read_csv(summary, encoding="utf-8-sig")
    source = pd.read_csv(SAMPLES_DIR / answers["input_file"], encoding="cp932", thousands=",")
    grouped = source.groupby(answers["group_by"])[answers["value_column"]]
    expected = grouped.agg(answers["operation"])
    assert produced.iloc[:, 0].tolist() == expected.index.tolist()
    assert produced.iloc[:, 1].tolist() == pytest.approx(expected.tolist())
    assert produced.columns.tolist() == ["店舗", "売上の合計"]
    assert "髙島台店" in produced.iloc[:, 0].tolist()  # a cp932-only character survived


def test_csv_summary_english_sample_mean(built) -> None:
    result = built("csv-summary", "en")
    assert result.run is not None and result.run.passed, result.run
    produced = pd.read_csv(result.output / "summary.csv", encoding="utf-8-sig")
    source = pd.read_csv(SAMPLES_DIR / "sales_en.csv", encoding="utf-8-sig")
    expected = source.groupby("Store")["Sales"].mean()
    assert produced.iloc[:, 1].tolist() == pytest.approx(expected.round(2).tolist())


def test_form_letter_run_writes_one_letter_per_row_with_values_verbatim(built) -> None:
    result = built("form-letter")
    assert result.run is not None and result.run.passed, result.run
    answers = result.ctx.answers
    rows = pd.read_csv(
        SAMPLES_DIR / answers["data_file"], dtype=str, keep_default_na=False
    ).to_dict("records")
    letters = result.output / "letters"
    texts = sorted(letters.glob("*.txt"))
    assert len(texts) == len(rows) == len(list(letters.glob("*.docx")))
    used = re.findall(r"\{([^{}]+)\}", answers["template_text"])
    for path, row in zip(texts, rows, strict=True):
        text = path.read_text(encoding="utf-8")
        for column in used:
            assert row[column] in text
        assert "{" not in text
        docx = "\n".join(p.text for p in Document(str(path.with_suffix(".docx"))).paragraphs)
        assert docx == text
    assert texts[0].name == "001_山田_花子.txt"
    assert "大阪府大阪市北区梅田1-2-3, 梅田グリーンビル3階" in texts[0].read_text(encoding="utf-8")


def test_renamer_run_plans_every_file_and_renames_nothing(built) -> None:
    before = snapshot(SAMPLES_DIR / "photos")
    result = built("file-renamer")
    assert result.run is not None and result.run.passed, result.run
    assert snapshot(SAMPLES_DIR / "photos") == before
    plan = pd.read_csv(result.output / "rename_plan.csv", encoding="utf-8-sig")
    assert plan.columns.tolist() == ["元の名前", "新しい名前", "処理", "理由"]
    assert sorted(plan["元の名前"]) == sorted(os.listdir(SAMPLES_DIR / "photos"))
    assert plan["新しい名前"].tolist() == ["旅行_001.jpg", "旅行_002.jpg", "旅行_003.jpg"]


def test_renamer_run_never_leaves_the_folder_and_handles_clashes(tmp_path: Path) -> None:
    folder = tmp_path / "写真"
    folder.mkdir()
    for name in ["b.jpg", "a.jpg", "旅行_002.jpg", ".hidden"]:
        (folder / name).write_text(name, encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "c.jpg").write_text("c", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("secret", encoding="utf-8")
    (folder / "link.jpg").symlink_to(secret)
    before = snapshot(folder)
    generator = ProgramGenerator()
    plans = {}
    for prefix in ["旅行", "../旅行"]:
        ctx = sample_context("file-renamer", "ja", folder=str(folder), prefix=prefix)
        draft = generator.fallback(ctx, tmp_path / prefix.replace("/", "_") / "program")
        output = tmp_path / prefix.replace("/", "_") / "output"
        run = generator.run(ctx, draft, output)
        assert run is not None and run.passed, run
        assert snapshot(folder) == before
        plan = pd.read_csv(output / "rename_plan.csv", encoding="utf-8-sig", keep_default_na=False)
        assert sorted(plan["元の名前"]) == sorted(os.listdir(folder))
        actions = dict(zip(plan["元の名前"], plan["処理"], strict=True))
        assert actions["sub"] == actions["link.jpg"] == actions[".hidden"] == "対象外"
        targets = [name for name in plan["新しい名前"] if name]
        assert len(targets) == len(set(targets)) == 3
        for name in targets:
            assert "/" not in name and "\\" not in name and (folder / name).parent == folder
        plans[prefix] = dict(zip(plan["元の名前"], plan["新しい名前"], strict=True))
    # b.jpg wanted 旅行_002.jpg, which exists: a suffix instead of an overwrite
    assert plans["旅行"] == {
        **plans["旅行"],
        "a.jpg": "旅行_001.jpg",
        "b.jpg": "旅行_002_2.jpg",
        "旅行_002.jpg": "旅行_003.jpg",
    }
    assert plans["../旅行"]["a.jpg"] == ".._旅行_001.jpg"  # "../" cannot climb out


def test_folder_list_mirror_has_the_real_sizes_but_none_of_the_content(tmp_path: Path) -> None:
    source = tmp_path / "写真"
    (source / "旅行").mkdir(parents=True)
    with (source / "旅行" / "動画.mp4").open("wb") as video:
        video.truncate(5 * 1024**3)  # 5 GB that take no disk space
    (source / "メモ.txt").write_text("秘密のメモ", encoding="utf-8")
    (source / "link.txt").symlink_to(source / "メモ.txt")
    os.utime(source / "旅行", (1_700_000_000, 1_700_000_000))
    assert mirror_folder(source, tmp_path / "mirror", recursive=True, sizes=True) == 4
    mirror = tmp_path / "mirror"
    assert (mirror / "旅行" / "動画.mp4").stat().st_size == 5 * 1024**3
    assert (mirror / "旅行" / "動画.mp4").stat().st_blocks == 0
    assert (mirror / "メモ.txt").read_bytes() == bytes(len("秘密のメモ".encode()))
    assert os.readlink(mirror / "link.txt") == "(link not followed)"
    assert snapshot(mirror) == snapshot(source) | {"link.txt": snapshot(mirror)["link.txt"]}


def test_runs_copy_only_the_files_the_program_reads(tmp_path: Path) -> None:
    for name in ["1月.csv", "2月.xlsx", "メモ.txt", "~$2月.xlsx", ".隠し.csv", "動画.mp4",
                 "中/3月.csv", "中/下/4月.txt", "中/表.docx"]:  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    tables = program_job("join-tables").settings({"folder": str(tmp_path)}, tmp_path)
    plan = program_job("join-tables").run_plan(tables)
    assert sorted(plan.inputs) == [f"input/{tmp_path.name}/{n}" for n in ["1月.csv", "2月.xlsx"]]
    answers = {"folder": str(tmp_path), "find_text": "x", "extensions": ["txt"]}
    texts = program_job("text-replace").settings(answers, tmp_path)
    plan = program_job("text-replace").run_plan(texts)
    copied = {name.split("/", 2)[2] for name, source in plan.inputs.items() if source != b""}
    assert copied == {"メモ.txt", "中/下/4月.txt"} and plan.outputs == ["replace_report.csv"]


def test_run_explains_a_missing_input(tmp_path: Path) -> None:
    ctx = sample_context("csv-summary", "ja", input_file=str(tmp_path / "無い.csv"))
    generator = ProgramGenerator()
    draft = generator.fallback(ctx, tmp_path / "program")  # the example falls back to the sample
    run = generator.run(ctx, draft, tmp_path / "output")
    assert run is not None and not run.passed
    assert "無い.csv" in run.messages[0]
    assert not (tmp_path / "output").exists()


def test_run_reports_the_program_error_for_a_missing_column(tmp_path: Path) -> None:
    ctx = sample_context("csv-summary", "en")
    generator = ProgramGenerator()
    draft = generator.fallback(ctx, tmp_path / "program")
    ctx.answers["group_by"] = "Region"  # not a column of sales_en.csv
    run = generator.run(ctx, draft, tmp_path / "output")
    assert run is not None and not run.passed
    joined = "\n".join(run.messages)
    assert 'There is no column "Region"' in joined and "Store" in joined
    assert "Traceback" not in joined


# --- the checks give exact feedback ----------------------------------------------------------


def test_checks_report_exact_failures_of_a_broken_program(built, tmp_path: Path) -> None:
    root = tmp_path / "broken"
    shutil.copytree(built("csv-summary").draft.root, root)
    program = root / "program.py"
    source = program.read_text(encoding="utf-8")
    program.write_text(source.replace(".agg(operation)", '.agg("sum")'), encoding="utf-8")
    draft = Draft(kind="program", root=root, main_file=program)
    checks = {c.name: c for c in ProgramGenerator().check(built("csv-summary").ctx, draft)}
    assert checks["ast"].passed and checks["ruff"].passed
    assert not checks["tests"].passed
    assert any(
        m.startswith("FAILED tests/test_program.py::test_example_matches_pandas_groupby[mean]")
        for m in checks["tests"].messages
    ), checks["tests"].messages

    program.write_text(source.replace("def summarize(", "def summarize(:"), encoding="utf-8")
    checks = {c.name: c for c in ProgramGenerator().check(built("csv-summary").ctx, draft)}
    assert not checks["ast"].passed and checks["ast"].messages[0].startswith("program.py:")
    assert not checks["ruff"].passed and not checks["tests"].passed


# --- what the model may write ----------------------------------------------------------------


def test_model_texts_are_screened_field_by_field() -> None:
    defaults = strings("csv-summary", "ja")["texts"]
    proposed = ProgramTexts(
        title="売上を店舗ごとに集計",
        description="毎日9時に自動で集計します。詳しくは https://example.com をご覧ください。",
        button="<b>集計</b>",
    )
    screened = screen_texts(proposed, defaults, "ja", ["店舗", "売上"])
    assert screened.customised == ["title"]
    assert screened.texts == {**defaults, "title": "売上を店舗ごとに集計"}
    assert 'invented time "9時"' in screened.rejected["description"]
    assert "invented URL" in screened.rejected["description"]
    assert "markup" in screened.rejected["button"]
    english = screen_texts({"title": "Sales by shop"}, defaults, "ja", [])
    assert english.rejected["title"] == "not Japanese"


@pytest.mark.parametrize("job_id", JOBS + NEW_JOBS)
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_standard_texts_pass_the_screen(job_id: str, lang: str) -> None:
    """A model that keeps the standard wording must not be rejected for it."""
    defaults = strings(job_id, lang)["texts"]
    screened = screen_texts(dict(defaults), defaults, lang, [])
    assert screened.rejected == {}


def test_answers_become_literals_never_code() -> None:
    for value in ['"); import os; os.system("x") #', "行1\n行2\u2028", "x" * 250, {"k": [1, None]}]:
        source = py_literal(value, 4)
        assert ast.literal_eval(source) == value
        assert all(len(line) <= 100 for line in source.splitlines())


@pytest.mark.model
def test_previous_failures_go_into_the_prompt(
    db, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The real model answers; the real prompt renderer is only watched (a spy)."""
    seen: list[str] = []
    real_render = program_generator.prompts.render

    def spy(name: str, *args: object, **kwargs: object) -> str:
        text = real_render(name, *args, **kwargs)
        seen.append(text)
        return text

    monkeypatch.setattr(program_generator.prompts, "render", spy)
    ctx = sample_context("csv-summary", "ja")
    ctx.feedback = [CheckResult("tests", False, ["FAILED tests/test_program.py::test_x - boom"])]
    ctx.attempt = 2
    draft = ProgramGenerator().draft(ctx, tmp_path / "program")
    assert "FAILED tests/test_program.py::test_x - boom" in seen[0]
    assert "店舗" in seen[0] and "売上" in seen[0]
    assert draft.models == ["qwen2.5-coder-0.5b"]
    assert (tmp_path / "program" / "program.py").is_file()


# --- the Gradio app -------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("job_id", JOBS)
def test_gradio_app_works_and_has_no_serious_accessibility_problems(
    built, start_app, job_id: str, tmp_path: Path
) -> None:
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    from support_system.generators.checks.axe import check_axe_url

    result = built(job_id)
    url = start_app(result.draft.root)
    client = Client(url, verbose=False)
    answers = result.ctx.answers
    if job_id == "csv-summary":
        table, path = client.predict(
            handle_file(str(SAMPLES_DIR / answers["input_file"])),
            answers["group_by"],
            answers["value_column"],
            answers["operation"],
            api_name="/summarize",
        )
        assert table["headers"] == ["店舗", "売上の合計"]
        assert [row[1] for row in table["data"]] == [4140, 6050, 2460]
        assert Path(path).read_bytes().startswith(b"\xef\xbb\xbf")
        with pytest.raises(AppError, match="使える列: 日付, 店舗, 商品, 数量, 売上"):
            client.predict(
                handle_file(str(SAMPLES_DIR / answers["input_file"])),
                "地域",
                answers["value_column"],
                answers["operation"],
                api_name="/summarize",
            )
    elif job_id == "file-renamer":
        folder = tmp_path / "photos"
        shutil.copytree(SAMPLES_DIR / "photos", folder)
        before = snapshot(folder)
        table, _, status = client.predict(str(folder), "prefix_number", "旅行", 3, api_name="/plan")
        assert [row[1] for row in table["data"]] == ["旅行_001.jpg", "旅行_002.jpg", "旅行_003.jpg"]
        assert snapshot(folder) == before and status
    else:
        preview, archive, status = client.predict(
            answers["template_text"],
            handle_file(str(SAMPLES_DIR / answers["data_file"])),
            api_name="/letters",
        )
        assert preview.startswith("山田 花子 様") and Path(archive).suffix == ".zip"
        assert "3" in status
    audit = check_axe_url(url, fail_on=("serious", "critical"))
    assert audit.passed, audit.messages
