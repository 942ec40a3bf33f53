"""Rendering a program skeleton: tested files per job with the user's choices filled in.

Each job has a folder in `skeletons/<job-id>/` with `program.py.j2`, `app.py.j2`,
`tests/test_program.py.j2`, `README.<lang>.md.j2` and `strings.yaml` (the program's own
texts in Japanese and English). `skeletons/common/` holds what every program shares:
the Gradio accessibility patch, the README frame, `ruff.toml` and `pytest.ini`, and code
several jobs include, such as `tables.py.j2` (reading CSV/Excel the way Japanese Excel
writes them) with its messages in `tables.strings.yaml`.

Why Jinja2 with `<< >>` / `<% %>` delimiters: the templates are Python, whose f-strings
and dicts use braces, so Jinja's default `{{ }}` would collide. Why `py_literal` for
every value put into Python code: a value (a column name, a path, a model-written title)
is written as a Python literal built by `repr`, so no answer and no model text can ever
become code, whatever quotes or backslashes it contains.
"""

from __future__ import annotations

import json
import shutil
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from support_system.generators.program.recipes import ExampleSource, copy_example

SKELETONS_DIR = Path(__file__).with_name("skeletons")
PROGRAM_FILE = "program.py"
APP_FILE = "app.py"
TESTS_FILE = "tests/test_program.py"
README_FILE = "README.md"
EXAMPLES_DIR = "tests/data"
PYTHON_FILES = (PROGRAM_FILE, APP_FILE, TESTS_FILE)
LINE_LENGTH = 100  # as in skeletons/common/ruff.toml
REQUIREMENTS = ("pandas", "openpyxl", "gradio", "python-docx", "pytest")  # openpyxl: .xlsx


def display_width(text: str) -> int:
    """Columns a line takes in an editor and for ruff's E501: wide (CJK) characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def quote(value: str) -> str:
    """A double-quoted Python string literal for `value` (what ruff's style prefers).

    JSON string syntax is valid Python; characters that are not printable (line
    separators, control characters) are escaped so the literal stays on one line.
    """
    text = json.dumps(value, ensure_ascii=False)
    return "".join(ch if ch.isprintable() or ch == " " else f"\\u{ord(ch):04x}" for ch in text)


_BREAKS = " 、。，,.)）」"


def _string_chunks(value: str, budget: int) -> list[str]:
    """Split a long string after newlines, else after a space or punctuation that keeps
    each piece within `budget` columns, for a wrapped literal."""
    chunks: list[str] = []
    current = ""
    for ch in value:
        if current and display_width(quote(current + ch)) > budget:
            cut = max(current.rfind(b) for b in _BREAKS)
            if cut >= len(current) // 2:
                chunks.append(current[: cut + 1])
                current = current[cut + 1 :]
            else:
                chunks.append(current)
                current = ""
        current += ch
        if ch == "\n":
            chunks.append(current)
            current = ""
    if current or not chunks:
        chunks.append(current)
    return chunks


def py_literal(value: Any, indent: int = 0, used: int = 12) -> str:
    """`value` as Python source that fits in 100 columns when placed at `indent`.

    `used` is what else shares the first line (e.g. `"key": ` and the trailing comma;
    for a value placed by a template, a margin). Only plain data is accepted (str,
    numbers, bool, None, lists, tuples, dicts with string keys): anything else is a
    programming error, never rendered.
    """
    pad = " " * indent
    inner = " " * (indent + 4)
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, str):
        single = quote(value)
        fits = indent + used + display_width(single) <= LINE_LENGTH
        if fits and "\n" not in value[:-1]:
            return single
        budget = LINE_LENGTH - len(inner) - 1
        parts = [f"{inner}{quote(chunk)}" for chunk in _string_chunks(value, budget)]
        return "(\n" + "\n".join(parts) + f"\n{pad})"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]" if isinstance(value, list) else "()"
        items = [f"{inner}{py_literal(item, indent + 4, used=1)}," for item in value]
        opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
        return opening + "\n" + "\n".join(items) + f"\n{pad}{closing}"
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"dict keys must be strings, not {type(key).__name__}")
            head = f"{quote(key)}: "
            literal = py_literal(item, indent + 4, used=display_width(head) + 1)
            lines.append(f"{inner}{head}{literal},")
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    raise TypeError(f"cannot write a {type(value).__name__} into a program")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment for skeletons (Python-friendly delimiters, strict names)."""
    env = Environment(
        loader=FileSystemLoader(str(SKELETONS_DIR)),
        undefined=StrictUndefined,
        autoescape=False,  # the output is Python, Markdown and INI, not HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        block_start_string="<%",
        block_end_string="%>",
        variable_start_string="<<",
        variable_end_string=">>",
        comment_start_string="<#",
        comment_end_string="#>",
    )
    env.filters["py"] = py_literal
    return env


@lru_cache(maxsize=32)
def _strings_file(relative: str) -> dict[str, Any]:
    path = SKELETONS_DIR / relative
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def strings(job_id: str, lang: str) -> dict[str, dict[str, Any]]:
    """The program's texts in `lang`: `texts` (default customisable texts), `messages`
    (fixed, shared ones merged in) and `doc` (template-only).

    A job's strings.yaml may list `shared: [name, …]`: the messages of
    `common/<name>.strings.yaml` are merged in too, for code the job includes from
    `common/<name>.py.j2` (e.g. the table reader), so those texts are written once.
    """
    lang = "ja" if lang == "ja" else "en"
    own = _strings_file(f"{job_id}/strings.yaml")
    parts = [
        _strings_file("common/strings.yaml"),
        *(_strings_file(f"common/{name}.strings.yaml") for name in own.get("shared", [])),
        own,
    ]
    messages: dict[str, Any] = {}
    doc: dict[str, Any] = {}
    for part in parts:
        messages.update(part.get("messages", {}).get(lang, {}))
        doc.update(part.get("doc", {}).get(lang, {}))
    return {"texts": dict(own["texts"][lang]), "messages": messages, "doc": doc}


def default_texts(job_id: str, lang: str) -> dict[str, str]:
    """Title, description and button label used when the model is not (or badly) used."""
    return strings(job_id, lang)["texts"]


def requirements_text() -> str:
    """The packages the generated program needs, pinned to the versions it was tested with."""
    lines = []
    for name in REQUIREMENTS:
        try:
            lines.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            lines.append(name)
    return "\n".join(lines) + "\n"


@dataclass
class ProgramSpec:
    """Everything a skeleton needs: all facts come from answers, `texts` may come from a model.

    `settings` become SETTINGS in program.py; `example` becomes EXAMPLE in the tests and
    names files under tests/ (e.g. "data/sales.csv"); `example_files` maps those names to
    the files copied there (or to functions that make them).
    """

    job_id: str
    lang: str
    settings: dict[str, Any]
    texts: dict[str, str]
    example: dict[str, Any]
    example_files: dict[str, ExampleSource] = field(default_factory=dict)


def settings_rows(job_id: str, lang: str, settings: dict[str, Any]) -> list[tuple[str, str]]:
    """The README's "settings" lines: (label, value as a person reads it)."""
    text = strings(job_id, lang)
    value_names = text["doc"].get("value_names", {})  # setting → {value: what it means}
    rows = []
    for key, label in text["doc"]["settings_labels"].items():
        value = settings[key]
        if value in ("", []):
            if key not in text["doc"].get("when_empty", {}):
                continue
            shown = text["doc"]["when_empty"][key]
        elif isinstance(value, bool):
            shown = text["doc"]["yes"] if value else text["doc"]["no"]
        elif isinstance(value, list):
            shown = ", ".join(str(item) for item in value)
        elif str(value) in value_names.get(key, {}):
            shown = value_names[key][str(value)]
        elif key == "rule":
            shown = text["messages"]["rule_names"].get(value, value)
        elif key == "operation":
            shown = f"{text['messages']['operations'].get(value, value)} ({value})"
        else:
            lines = str(value).strip().splitlines() or [""]
            shown = lines[0][:60] + (" …" if len(lines) > 1 or len(lines[0]) > 60 else "")
        rows.append((label, shown))
    return rows


def render_program(spec: ProgramSpec, out_dir: Path) -> list[Path]:
    """Write the program folder for `spec` into `out_dir`; return the files written."""
    env = environment()
    text = strings(spec.job_id, spec.lang)
    variables = {
        "lang": "ja" if spec.lang == "ja" else "en",
        "settings": spec.settings,
        "texts": spec.texts,
        "messages": text["messages"],
        "doc": text["doc"],
        "example": spec.example,
        "settings_rows": settings_rows(spec.job_id, spec.lang, spec.settings),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    readme = f"README.{variables['lang']}.md.j2"
    targets = {
        PROGRAM_FILE: "program.py.j2",
        APP_FILE: "app.py.j2",
        TESTS_FILE: "tests/test_program.py.j2",
        README_FILE: readme,
    }
    for target, source in targets.items():
        path = out_dir / target
        path.parent.mkdir(parents=True, exist_ok=True)
        content = env.get_template(f"{spec.job_id}/{source}").render(**variables)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    for name in ("ruff.toml", "pytest.ini"):
        shutil.copyfile(SKELETONS_DIR / "common" / name, out_dir / name)
        written.append(out_dir / name)
    (out_dir / "requirements.txt").write_text(requirements_text(), encoding="utf-8")
    written.append(out_dir / "requirements.txt")
    for name, source in spec.example_files.items():
        target = out_dir / "tests" / name
        copy_example(source, target)
        written.append(target)
    return written
