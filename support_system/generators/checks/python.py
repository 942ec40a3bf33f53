"""Checks on a generated Python program: it compiles, and ruff finds no real mistakes.

Small local models write code that looks right and is not: a misspelt name, a
`def f(rows=[])` that leaks state between calls, `x == 1` where `x = 1` was meant. These
checks are cheap (milliseconds to ~0.1 s) and run before the program's own tests in
the sandbox, so the repair loop gets exact "file:line: CODE message" feedback first.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

from support_system.generators.base import CheckResult

# Correctness only. E9: the file cannot be read or parsed. F: pyflakes (undefined names,
# bad format strings, `return` outside a function, redefinitions). B: flake8-bugbear's
# likely bugs (mutable defaults, pointless comparisons, loop variables in closures).
# PLE: pylint's errors (`await` outside async, bad `__all__`, logging argument counts).
RUFF_SELECT: tuple[str, ...] = ("E9", "F", "B", "PLE")
# Cosmetic findings that would only burn repair attempts: they never change what the
# program does. An unused import (F401) is harmless at run time — and an import of a
# package that is not installed fails loudly in the sandbox run anyway; unused variables
# (F841, B007), placeholder-less f-strings (F541), call-in-default idioms (B008), raise
# chaining (B904), zip(strict=) (B905) and warning stack levels (B028) are style.
RUFF_IGNORE: tuple[str, ...] = ("F401", "F841", "F541", "B007", "B008", "B904", "B905", "B028")


def check_ast_files(paths: list[Path], root: Path) -> CheckResult:
    """`check_ast` on every file of a generated program, as one result (names relative
    to `root`, so a message says which file)."""
    results = [check_ast(path, filename=path.relative_to(root).as_posix()) for path in paths]
    return CheckResult(
        "ast",
        all(r.passed for r in results),
        [m for r in results for m in r.messages],
        round(sum(r.seconds for r in results), 3),
    )


def check_ast(path_or_source: str | Path, *, filename: str | None = None) -> CheckResult:
    """Compile the program (a Path is read; a str is the source itself).

    Uses `compile()`, not just `ast.parse`, so errors found after parsing — `return`
    outside a function, `nonlocal` at module level — fail here too. Syntax warnings
    (e.g. an invalid escape "\\d" in a normal string) are reported but pass.
    """
    started = time.perf_counter()
    if isinstance(path_or_source, Path):
        name = filename or path_or_source.name
        try:
            source = path_or_source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return CheckResult(
                "ast", False, [f"{name}: cannot read the file: {exc}"], _since(started)
            )
    else:
        name, source = filename or "<program>", path_or_source
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            compile(source, name, "exec", dont_inherit=True)
        except SyntaxError as exc:
            return CheckResult("ast", False, [_syntax_error(name, exc, source)], _since(started))
        except ValueError as exc:  # e.g. "source code string cannot contain null bytes"
            return CheckResult("ast", False, [f"{name}: {exc}"], _since(started))
    notes = [
        f"{name}:{w.lineno}: warning: {w.category.__name__}: {w.message}"
        for w in caught
        if issubclass(w.category, SyntaxWarning | DeprecationWarning)
    ]
    return CheckResult("ast", True, notes, _since(started))


def _syntax_error(name: str, exc: SyntaxError, source: str) -> str:
    where = f"{name}:{exc.lineno}" if exc.lineno else name
    lines = source.splitlines()
    text = exc.text or (
        lines[exc.lineno - 1] if exc.lineno and 0 < exc.lineno <= len(lines) else ""
    )
    text = text.strip()
    kind = type(exc).__name__  # SyntaxError, IndentationError, TabError
    return f"{where}: {kind}: {exc.msg}" + (f": {text}" if text else "")


def check_ruff(
    paths: Path | str | Sequence[Path | str],
    *,
    root: Path | None = None,
    select: Iterable[str] = RUFF_SELECT,
    ignore: Iterable[str] = RUFF_IGNORE,
    timeout: float = 60.0,
) -> CheckResult:
    """Run the pinned ruff on files or folders with the correctness rule set above.

    `--isolated` ignores any ruff configuration near the generated files (a model could
    write one to silence rules), `--no-cache` leaves nothing behind in the artifact. File
    names in messages are relative to `root` (default: the folder holding the files),
    which is how the model knows them: "program.py:12: F821 Undefined name `totl`".
    """
    started = time.perf_counter()
    targets = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not targets:
        return CheckResult("ruff", True, [], 0.0)
    base = (root or _common_folder(targets)).resolve()
    command = [
        sys.executable,
        "-m",
        "ruff",
        "check",
        "--output-format",
        "json",
        "--no-cache",
        "--isolated",
        "--exit-zero",
        "--target-version",
        "py311",
        "--select",
        ",".join(select),
    ]
    ignored = ",".join(ignore)
    if ignored:
        command += ["--ignore", ignored]
    command += [str(t) for t in targets]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return CheckResult(
            "ruff", False, [f"ruff did not finish within {timeout:.0f} s"], _since(started)
        )
    try:
        findings = json.loads(done.stdout.decode("utf-8"))
    except ValueError:
        detail = done.stderr.decode("utf-8", "replace").strip()[-500:]
        return CheckResult(
            "ruff",
            False,
            [f"ruff could not check the files (exit {done.returncode}): {detail}"],
            _since(started),
        )
    messages = [_finding(item, base) for item in sorted(findings, key=_order)]
    return CheckResult("ruff", not messages, messages, _since(started))


def _finding(item: dict, base: Path) -> str:
    """ "file:line: CODE message" (ruff reports unparsable code as code invalid-syntax)."""
    code = item.get("code") or "invalid-syntax"
    if code == "invalid-syntax":
        code = "SyntaxError"
    row = (item.get("location") or {}).get("row", "?")
    return f"{_relative(item.get('filename', ''), base)}:{row}: {code} {item.get('message', '')}"


def _order(item: dict) -> tuple[str, int, int]:
    location = item.get("location") or {}
    return item.get("filename", ""), location.get("row", 0), location.get("column", 0)


def _relative(filename: str, base: Path) -> str:
    path = Path(filename).resolve()
    return str(path.relative_to(base)) if path.is_relative_to(base) else filename


def _common_folder(targets: list[Path]) -> Path:
    folders = [t.resolve() if t.is_dir() else t.resolve().parent for t in targets]
    return Path(os.path.commonpath(folders))


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)
