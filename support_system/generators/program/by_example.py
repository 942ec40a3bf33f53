"""The generator of programs made by example: tests from the person's examples first,
then one function from the model, checked, run in the sandbox, repaired.

There is no tested template for an arbitrary program, so this generator is honest in a
way the skeleton generators need not be:
- `draft` writes `tests/test_program.py` from the examples (our code, never the
  model's), then asks the model for the body of ONE function with a fixed signature
  (`function_code.signature`) and puts it into the tested template: `program.py` (the
  command line: reading the input, writing the output folder, never the input),
  `app.py` (Gradio around the same function), a README and requirements.txt.
- `check`: compiles and lints the files, holds the model's function to the code policy
  of `analysis.code_policy` (no files, network or processes: a function that tries is
  reported and never run), then runs the tests in the sandbox.
- The pipeline's repair loop feeds the failed examples back; after
  `custom_programs.attempts_per_model` attempts the next, stronger model
  (`custom_programs.models`) takes over with a fresh start.
- `fallback` has nothing to offer (None): the pipeline then says plainly which example
  failed and how (`describe_failure`), and delivers no program.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from support_system.ai import prompts
from support_system.analysis.code_policy import inspect_code
from support_system.core.i18n import t
from support_system.core.settings import get_settings
from support_system.generators.base import CheckResult, Draft, GenerationContext
from support_system.generators.checks.python import check_ast_files, check_ruff
from support_system.generators.errors import ExampleProblem
from support_system.generators.program import skeleton
from support_system.generators.program.example_tests import (
    NO_EXAMPLE,
    Example,
    contradictions,
    examples_from_answers,
)
from support_system.generators.program.function_code import (
    ARGUMENT_HELP,
    RETURN_HELP,
    extract_function,
    function_finished,
    signature,
)
from support_system.generators.program.generator import (
    PYTEST_ARGV,
    RUN_LIMITS,
    TEST_LIMITS,
    run_generated_tests,
)
from support_system.generators.sandbox import run_sandboxed
from support_system.jobs.definitions import Job
from support_system.jobs.program_plans import SOURCE
from support_system.jobs.program_specs import ProgramSpec

TEMPLATE = "by-example"
CODE_TOKENS = 320
REPEAT_TEMPERATURE = 0.6  # a repair that copied the rejected code word for word: sample
# -vv instead of -q: pytest writes each failed example's message in full (it trims it to
# the terminal width otherwise, cutting off the expected value the model needs to see).
TESTS_ARGV = ["-vv" if arg == "-q" else arg for arg in PYTEST_ARGV]
NO_FUNCTION = "the reply has no `def transform(...)` function in a ```python block"
_CONTRADICTION = re.compile(r"^examples (\d+) and (\d+) have the same input")
_FAILED_EXAMPLE = re.compile(r"::test_example_(\d+) - (?:\w+: )?(?:Example \d+: )?(.*)$")
_REACHES = {
    "file": "reading or writing files",
    "network": "the network",
    "process": "starting other programs",
    "code": "running hidden code",
}


def program_spec(job: Job) -> ProgramSpec:
    """The spec of a program-by-example job (its questions and examples follow it)."""
    if job.program is None:
        raise ValueError(f"job {job.id!r} has no program spec")
    return job.program


def model_chain(chosen: str | None) -> list[str]:
    """The models tried in order: the chosen (else the default) one, then the stronger
    ones of `custom_programs.models`."""
    settings = get_settings()
    first = chosen or settings.llm.default_model
    return [first, *(name for name in settings.custom_programs.models if name != first)]


def model_for_attempt(chosen: str | None, attempt: int) -> str:
    """Which model writes attempt `attempt` (1-based)."""
    chain = model_chain(chosen)
    per_model = get_settings().custom_programs.attempts_per_model
    return chain[min((attempt - 1) // per_model, len(chain) - 1)]


def _shown(value: Any, kind: str) -> str:
    return value.strip() if kind == "table" else repr(value)


def examples_for_prompt(spec: ProgramSpec, examples: list[Example]) -> str:
    """The examples as the model reads them: the argument, then the expected result
    (tables as CSV text, texts and files as Python literals)."""
    parts = []
    for example in examples:
        parts.append(
            f"Example {example.number}:\n"
            f"input{' (as CSV)' if spec.input == 'table' else ''}:\n"
            f"{_shown(example.input, spec.input)}\n"
            f"expected result{' (as CSV)' if spec.output == 'table' else ''}:\n"
            f"{_shown(example.expected, spec.output)}"
        )
    return "\n\n".join(parts)


class ExampleProgramGenerator:
    """Generator "example-program" (see generators.base.Generator and the module doc)."""

    kind = "program"

    def __init__(self) -> None:
        # The previous attempt's model and function. A repair gets the failed examples
        # (not the rejected code: shown it, the 0.5B model copied it, measured) and is
        # sampled again if it still repeats it; a stronger model starts afresh.
        self._previous: tuple[str, str] | None = None

    # --- making candidates --------------------------------------------------------------

    def draft(self, ctx: GenerationContext, out_dir: Path) -> Draft:
        """Tests from the examples, then the model's function in the tested template."""
        spec = program_spec(ctx.job)
        try:
            examples = examples_from_answers(spec, ctx.answers, ctx.base_dir)
        except ExampleProblem as problem:
            return self._without_model(ctx, out_dir, problem.detail)
        clash = contradictions(examples)
        if clash:
            first, second = clash[0]
            problem = (
                f"examples {first} and {second} have the same input but different "
                "expected results: no program can give both"
            )
            return self._without_model(ctx, out_dir, problem)
        model = model_for_attempt(ctx.model, ctx.attempt)
        feedback, previous = "", ""
        if self._previous is not None and self._previous[0] == model and ctx.feedback:
            previous = self._previous[1]
            feedback = "\n".join(
                message
                for check in ctx.feedback
                if not check.passed
                for message in check.messages[:6]
            )
        prompt = prompts.render(
            "program/by_example",
            request=ctx.job.description.get(ctx.lang),
            signature=signature(spec),
            argument=ARGUMENT_HELP[spec.input],
            returns=RETURN_HELP[spec.output],
            examples=examples_for_prompt(spec, examples),
            feedback=feedback,
        )
        code, used, tokens = self._write(ctx, prompt, model, repair=bool(feedback))
        if feedback and code is not None and code.split() == previous.split():
            code, used, more = self._write(ctx, prompt, model, repair=True, sample=True)
            tokens = (tokens[0] + more[0], tokens[1] + more[1])
        self._previous = (model, code or "")
        draft = self._render(ctx, spec, examples, code, out_dir)
        draft.models = [used]
        draft.tokens_in, draft.tokens_out = tokens
        return draft

    def _write(
        self, ctx: GenerationContext, prompt: str, model: str, *, repair: bool, sample: bool = False
    ) -> tuple[str | None, str, tuple[int, int]]:
        """(the function, the model that wrote it, tokens in/out). Temperature 0 (the
        same examples give the same first program); a repair is a new prompt anyway."""
        from support_system.ai import generate

        stream = generate(
            prompt,
            model,
            stream=True,
            max_tokens=CODE_TOKENS,
            temperature=REPEAT_TEMPERATURE if sample else 0.0,
            cache=False if (sample or repair) else None,
            fallback=False,  # escalation is ours: see model_for_attempt
            purpose=f"program:{ctx.job.id}",
            user_id=ctx.user_id,
        )
        reply = ""
        try:
            for piece in stream:
                reply += piece
                if ctx.on_text is not None:
                    ctx.on_text(piece)
                if "\n" in piece and function_finished(reply):
                    break  # the rest would be a demo call or prose, dropped anyway
        finally:
            stream.close()
        result = stream.result
        tokens = (
            (result.tokens_in, result.tokens_out) if result else (len(prompt) // 4, len(reply) // 4)
        )
        return extract_function(reply, program_spec(ctx.job)), stream.model or model, tokens

    def _without_model(self, ctx: GenerationContext, out_dir: Path, problem: str) -> Draft:
        """A draft that is only the problem with the examples: checked as failed."""
        out_dir.mkdir(parents=True, exist_ok=True)
        return Draft(
            kind=self.kind,
            root=out_dir,
            main_file=out_dir / skeleton.PROGRAM_FILE,
            meta={"problem": problem},
        )

    def fallback(self, ctx: GenerationContext, out_dir: Path) -> Draft | None:
        """No tested template can do what an arbitrary request asks: nothing is delivered
        instead, and the pipeline says which example failed (`describe_failure`)."""
        return None

    def _render(
        self,
        ctx: GenerationContext,
        spec: ProgramSpec,
        examples: list[Example],
        code: str | None,
        out_dir: Path,
    ) -> Draft:
        text = skeleton.strings(TEMPLATE, ctx.lang)
        texts = {
            "title": ctx.job.title.get(ctx.lang),
            "description": spec.summary,
            "button": text["texts"]["button"],
        }
        # No function in the reply: the template still renders, and the tests report
        # "transform is not defined" with the reply's problem in the format check.
        function = code if code is not None else f"{signature(spec)}\n    raise NotImplementedError"
        variables = {
            "lang": "ja" if ctx.lang == "ja" else "en",
            "spec": spec.model_dump(),
            "texts": texts,
            "messages": text["messages"],
            "doc": text["doc"],
            "code": function,
            "examples": [example.literal() for example in examples],
            "examples_count": len(examples),
            "settings_rows": [
                (text["doc"]["input_label"], text["doc"]["kinds"][spec.input]),
                (text["doc"]["output_label"], text["doc"]["kinds"][spec.output]),
                (text["doc"]["examples_label"], str(len(examples))),
            ],
        }
        env = skeleton.environment()
        readme = f"README.{variables['lang']}.md.j2"
        targets = {
            skeleton.TESTS_FILE: "tests/test_program.py.j2",  # the tests first
            skeleton.PROGRAM_FILE: "program.py.j2",
            skeleton.APP_FILE: "app.py.j2",
            skeleton.README_FILE: readme,
        }
        out_dir.mkdir(parents=True, exist_ok=True)
        files = []
        for target, source in targets.items():
            path = out_dir / target
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(env.get_template(f"{TEMPLATE}/{source}").render(**variables), "utf-8")
            files.append(path)
        for name in ("ruff.toml", "pytest.ini"):
            shutil.copyfile(skeleton.SKELETONS_DIR / "common" / name, out_dir / name)
            files.append(out_dir / name)
        (out_dir / "requirements.txt").write_text(skeleton.requirements_text(), encoding="utf-8")
        files.append(out_dir / "requirements.txt")
        return Draft(
            kind=self.kind,
            root=out_dir,
            main_file=out_dir / skeleton.PROGRAM_FILE,
            files=files,
            customised=["program.transform"] if code is not None else [],
            meta={"code": code, "examples": len(examples)},
        )

    # --- checking -----------------------------------------------------------------------

    def check(self, ctx: GenerationContext, draft: Draft) -> list[CheckResult]:
        """The examples, ast + ruff, the code policy, then the tests in the sandbox; the
        tests only run when everything before them passed."""
        if "problem" in draft.meta:
            return [CheckResult("examples", False, [draft.meta["problem"]])]
        code: str | None = draft.meta.get("code")
        if code is None:
            return [CheckResult("format", False, [NO_FUNCTION])]
        paths = [draft.root / name for name in skeleton.PYTHON_FILES]
        ast_result = check_ast_files(paths, draft.root)
        ruff_result = check_ruff(paths, root=draft.root)
        policy = (
            policy_check(code)
            if ast_result.passed
            else CheckResult(
                "policy", False, ["not checked: the program does not compile (see ast)"]
            )
        )
        if not (ast_result.passed and policy.passed):
            tests = CheckResult("tests", False, ["not run: see the checks before"])
        else:
            tests = run_generated_tests(draft.root, TESTS_ARGV, TEST_LIMITS)
        return [ast_result, ruff_result, policy, tests]

    def describe_failure(self, ctx: GenerationContext, checks: list[CheckResult]) -> list[str]:
        """The last attempt's failures in the person's words: which example failed and
        how, a blocked function, or a problem with the examples themselves."""
        lines = []
        for check in checks:
            if check.passed:
                continue
            for message in check.messages:
                found = _FAILED_EXAMPLE.search(message)
                clash = _CONTRADICTION.match(message)
                if check.name == "examples" and clash:
                    first, second = clash.groups()
                    key = "custom_program.failure.contradiction"
                    lines.append(t(key, ctx.lang, first=first, second=second))
                elif check.name == "examples" and message.startswith(NO_EXAMPLE):
                    lines.append(t("custom_program.failure.no_example", ctx.lang))
                elif check.name == "tests" and found:
                    lines.append(
                        t(
                            "custom_program.failure.example",
                            ctx.lang,
                            number=found.group(1),
                            detail=found.group(2),
                        )
                    )
                elif check.name in ("policy", "examples", "format") and not message.startswith(
                    "not "
                ):
                    lines.append(
                        t(f"custom_program.failure.{check.name}", ctx.lang, detail=message)
                    )
        if not lines:
            lines = [
                f"{check.name}: {message}"
                for check in checks
                if not check.passed
                for message in check.messages[:3]
            ]
        return lines[:6]

    # --- running on the person's input --------------------------------------------------

    def run(self, ctx: GenerationContext, draft: Draft, output_dir: Path) -> CheckResult | None:
        """program.py once in the sandbox on the person's real input (a copy of it);
        what it saved is copied into `output_dir`."""
        started = time.monotonic()
        spec = program_spec(ctx.job)
        source = ctx.answers.get(SOURCE)
        inputs: dict[str, Path | bytes | str] = {
            skeleton.PROGRAM_FILE: draft.root / skeleton.PROGRAM_FILE
        }
        if spec.input == "text":
            name = "input.txt"
            inputs[name] = str(source or "")
        else:
            path = Path(str(source or ""))
            path = path if path.is_absolute() else ctx.base_dir / path
            if not path.exists():
                message = t("program.run.input_missing", ctx.lang, path=str(path))
                return CheckResult("run", False, [message], _since(started))
            name = "input" if spec.input == "folder" else f"input{path.suffix.lower()}"
            inputs[name] = path
        argv = ["python", skeleton.PROGRAM_FILE, name, "--output-dir", "output"]
        with tempfile.TemporaryDirectory(prefix="support-system-run-") as scratch:
            workdir = Path(scratch) / "work"
            result = run_sandboxed(argv, workdir=workdir, inputs=inputs, limits=RUN_LIMITS)
            produced = workdir / "output"
            if result.ok and produced.is_dir():
                shutil.copytree(produced, output_dir, symlinks=True, dirs_exist_ok=True)
        lines = [
            line for line in (result.stdout + "\n" + result.stderr).splitlines() if line.strip()
        ]
        if not result.ok:
            why = t(
                "program.run.failed", ctx.lang, code=result.returncode, limit=result.limit or "-"
            )
            return CheckResult("run", False, [why, *lines[-10:]], _since(started))
        return CheckResult("run", True, lines[:20], _since(started))


def policy_check(code: str) -> CheckResult:
    """The model's function held to `analysis.code_policy`: no files, network, processes
    or hidden tricks. Its message names what was tried, for the person and the model."""
    started = time.monotonic()
    try:
        verdict = inspect_code(code)
    except SyntaxError as error:
        return CheckResult("policy", False, [f"cannot read the function: {error}"], _since(started))
    if verdict is None:
        return CheckResult("policy", True, [], _since(started))
    kind = "blocked" if verdict.block else "not allowed"
    reaches = _REACHES.get(verdict.what, verdict.what)
    message = (
        f"{kind}: the function {verdict.detail} ({reaches} is not allowed); "
        "compute the result from the argument only"
    )
    return CheckResult("policy", False, [message], _since(started))


def _since(started: float) -> float:
    return round(time.monotonic() - started, 3)
