"""The program generator: a tested skeleton per job, customised in marked regions only.

A generated program folder holds `program.py` (a CLI around one pure function),
`app.py` (a Gradio page around the *same* function), `README.md` for the person,
`tests/test_program.py` (the job's acceptance tests, run on an example input),
`ruff.toml`, `pytest.ini` and `requirements.txt`.

What comes from where:
- Every fact (paths, column names, the rule, the letter template) comes from the
  answers, rendered as Python literals into the `# BEGIN ANSWERS` region.
- The model writes three texts (title, description, button label) as schema-checked
  JSON, screened field by field (`texts.screen_texts`), rendered into the
  `# BEGIN CUSTOM: texts` region. It never writes code (see texts.py for why).
- `fallback` renders the same skeleton with the standard texts: no model, and it passes
  `check` by construction (the integration tests hold it to that for every job).

`check` compiles and lints the three Python files, then runs the generated tests inside
the sandbox on a copy of the folder; `run` runs program.py once in the sandbox on the
user's real inputs and copies what it wrote into the output folder.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from support_system.ai import prompts
from support_system.core.i18n import t
from support_system.core.logging import get_logger
from support_system.generators.base import (
    CheckResult,
    Draft,
    GenerationContext,
    ask_model,
    feedback_text,
)
from support_system.generators.checks.python import check_ast_files, check_ruff
from support_system.generators.errors import InputMissing
from support_system.generators.program import skeleton
from support_system.generators.program.recipes import ProgramJob, mirror_folder, program_job
from support_system.generators.program.texts import (
    TEXT_FIELDS,
    ProgramTexts,
    ScreenedTexts,
    screen_texts,
)
from support_system.generators.sandbox import SandboxLimits, run_sandboxed
from support_system.jobs.changes import change_notes

log = get_logger(__name__)

TEXTS_TOKENS = 200
TEST_LIMITS = SandboxLimits(wall_seconds=240, cpu_seconds=240, memory_mb=4096)
RUN_LIMITS = SandboxLimits(wall_seconds=120, cpu_seconds=120, memory_mb=4096)
PYTEST_ARGV = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfE", "--tb=short",
               "tests/"]  # fmt: skip
# The generated tests need pytest alone. Without this, pytest loads every plugin
# installed beside the app (schemathesis, locust, hypothesis, …): about 3.5 s of each
# check, paid by the person on every attempt.
PYTEST_ENV = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
MAX_MESSAGES = 20
_SUMMARY_LINE = re.compile(r"^(FAILED|ERROR) ")


class ProgramGenerator:
    """Generator for jobs of kind "program" (see generators.base.Generator)."""

    kind = "program"

    # --- making candidates --------------------------------------------------------------

    def draft(self, ctx: GenerationContext, out_dir: Path) -> Draft:
        """The skeleton with model-written texts; raises ModelError if the model fails."""
        adapter = program_job(ctx.job.id)
        settings = adapter.settings(ctx.answers, ctx.base_dir)
        defaults = skeleton.default_texts(ctx.job.id, ctx.lang)
        result = ask_model(
            ctx,
            prompts.render(
                "program/texts",
                language=ctx.lang,
                job_title=ctx.job.title.get(ctx.lang),
                facts=_facts_for_prompt(settings),
                defaults=json.dumps(defaults, ensure_ascii=False),
                changes="\n".join(f"- {note}" for note in change_notes(ctx.answers)),
                feedback=feedback_text(ctx.feedback),
            ),
            ProgramTexts,
            max_tokens=TEXTS_TOKENS,
        )
        screened = screen_texts(result.parsed, defaults, ctx.lang, adapter.allowed_facts(settings))
        draft = self._render(ctx, adapter, out_dir, screened)
        draft.models = [result.model]
        draft.tokens_in, draft.tokens_out = result.tokens_in, result.tokens_out
        return draft

    def fallback(self, ctx: GenerationContext, out_dir: Path) -> Draft:
        """The tested skeleton with the standard texts: no model involved."""
        adapter = program_job(ctx.job.id)
        screened = ScreenedTexts(texts=skeleton.default_texts(ctx.job.id, ctx.lang))
        return self._render(ctx, adapter, out_dir, screened)

    def _render(
        self, ctx: GenerationContext, adapter: ProgramJob, out_dir: Path, screened: ScreenedTexts
    ) -> Draft:
        settings = adapter.settings(ctx.answers, ctx.base_dir)
        example, example_files = adapter.example(ctx.job, ctx.answers, ctx.base_dir, ctx.lang)
        spec = skeleton.ProgramSpec(
            job_id=ctx.job.id,
            lang=ctx.lang,
            settings=settings,
            texts=screened.texts,
            example=example,
            example_files=example_files,
        )
        files = skeleton.render_program(spec, out_dir)
        not_customised = [f for f in TEXT_FIELDS if f not in screened.customised]
        notes = [
            f"model text for {field} not used: {why}" for field, why in screened.rejected.items()
        ]
        sources = [
            f"tests/{name} from {source}" if isinstance(source, Path) else f"tests/{name} (mirror)"
            for name, source in example_files.items()
        ]
        notes.append(f"example input: {', '.join(sources) or 'made by the tests themselves'}")
        return Draft(
            kind=self.kind,
            root=out_dir,
            main_file=out_dir / skeleton.PROGRAM_FILE,
            files=files,
            customised=[f"texts.{name}" for name in screened.customised],
            not_customised=[
                t(f"program.not_customised.{name}", ctx.lang) for name in not_customised
            ],
            notes=notes,
            meta={"texts": screened.texts, "settings": settings, "example": example},
        )

    # --- checking -----------------------------------------------------------------------

    def check(self, ctx: GenerationContext, draft: Draft) -> list[CheckResult]:
        """ast + ruff on the three Python files, then the generated tests in the sandbox.

        The tests are skipped (reported as failed, with the reason) when the code does
        not even compile: running them would only repeat the syntax error.
        """
        paths = [draft.root / name for name in skeleton.PYTHON_FILES]
        ast_result = check_ast_files(paths, draft.root)
        ruff_result = check_ruff(paths, root=draft.root)
        if not ast_result.passed:
            tests_result = CheckResult(
                "tests", False, ["not run: the program does not compile (see ast)"]
            )
        else:
            tests_result = run_generated_tests(draft.root)
        return [ast_result, ruff_result, tests_result]

    # --- running on the user's inputs ---------------------------------------------------

    def run(self, ctx: GenerationContext, draft: Draft, output_dir: Path) -> CheckResult | None:
        """Run program.py once in the sandbox on the user's inputs; copy its outputs.

        The renamer only plans here (no --apply) on a mirror of the folder; the person
        renames for real later, with the README's command or the app's second button.
        The plan's notes (e.g. "the run used 200 of 250 files") come first in the messages.
        """
        started = time.monotonic()
        adapter = program_job(ctx.job.id)
        settings = adapter.settings(ctx.answers, ctx.base_dir)
        try:
            plan = adapter.run_plan(settings)
        except InputMissing as missing:
            message = t("program.run.input_missing", ctx.lang, path=str(missing.path))
            return CheckResult("run", False, [message], _since(started))
        with tempfile.TemporaryDirectory(prefix="support-system-run-") as scratch:
            workdir = Path(scratch) / "work"
            workdir.mkdir()
            try:
                for name, folder in plan.shadows.items():
                    mirror_folder(
                        folder,
                        workdir / name,
                        limit=plan.mirror.limit,
                        recursive=plan.mirror.recursive,
                        sizes=plan.mirror.sizes,
                    )
            except (OSError, ValueError) as error:
                message = t("program.run.folder_unreadable", ctx.lang, detail=str(error))
                return CheckResult("run", False, [message], _since(started))
            inputs: dict[str, Path | bytes | str] = {
                skeleton.PROGRAM_FILE: draft.root / skeleton.PROGRAM_FILE,
                **plan.inputs,
            }
            result = run_sandboxed(plan.argv, workdir=workdir, inputs=inputs, limits=RUN_LIMITS)
            copied = _copy_outputs(workdir, plan.outputs, output_dir) if result.ok else []
        notes = [t(key, ctx.lang, **params) for key, params in plan.notes]
        messages = notes + _lines(result.stdout)[:MAX_MESSAGES]
        if not result.ok:
            why = t(
                "program.run.failed", ctx.lang, code=result.returncode, limit=result.limit or "-"
            )
            messages = [why, *_lines(result.stderr)[-MAX_MESSAGES:], *messages[-5:]]
        elif absent := [name for name in plan.outputs if name not in copied]:
            messages = [t("program.run.no_output", ctx.lang, files=", ".join(absent)), *messages]
            return CheckResult("run", False, messages, _since(started))
        return CheckResult("run", result.ok, messages, _since(started))


def run_generated_tests(
    root: Path,
    argv: list[str] = PYTEST_ARGV,
    limits: SandboxLimits = TEST_LIMITS,
) -> CheckResult:
    """`pytest` on a copy of the program folder inside the sandbox → CheckResult "tests".

    Messages are pytest's own "FAILED tests/test_program.py::test_x - AssertionError: …"
    lines (exact, and short enough for a repair prompt); when pytest could not even
    collect the tests, the tail of its output instead. `argv` and `limits` let a
    generator ask for more (e.g. `-vv`: untruncated messages) or less.
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="support-system-tests-") as scratch:
        workdir = Path(scratch) / "work"
        inputs: dict[str, Path | bytes | str] = {entry.name: entry for entry in root.iterdir()}
        result = run_sandboxed(argv, workdir=workdir, inputs=inputs, limits=limits, env=PYTEST_ENV)
    if result.ok:
        summary = _lines(result.stdout)[-1:]
        return CheckResult("tests", True, summary, _since(started))
    output = _lines(result.stdout) + _lines(result.stderr)
    messages = [line for line in output if _SUMMARY_LINE.match(line)]
    if result.limit:
        messages.insert(0, f"the tests were stopped by the sandbox limit: {result.limit}")
    if not messages or result.returncode not in (0, 1):
        messages += output[-MAX_MESSAGES:]
    return CheckResult("tests", False, messages[: MAX_MESSAGES * 2], _since(started))


def _facts_for_prompt(settings: dict[str, Any]) -> str:
    lines = []
    for key, value in settings.items():
        text = str(value).strip().replace("\n", " / ")
        lines.append(f"- {key}: {text[:200]}")
    return "\n".join(lines)


def _copy_outputs(workdir: Path, names: list[str], output_dir: Path) -> list[str]:
    """Copy each produced file or folder (no links: the sandbox removed outside links)."""
    output_dir.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in names:
        source = workdir / name
        if source.is_symlink():
            continue
        if source.is_dir():
            shutil.copytree(source, output_dir / name, symlinks=True, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copyfile(source, output_dir / name)
        else:
            continue
        copied.append(name)
    return copied


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)
