"""The one function a program made by example gets from the model: its fixed signature
per spec, and clean code back from a reply.

The signature is fixed by the spec (`transform(text: str) -> str`,
`transform(df: pd.DataFrame) -> pd.DataFrame`, `transform(files: dict[str, str]) -> …`)
so the tested template around it (reading, writing, the app, the tests) never depends
on what the model chose. Small models wrap code in prose, add a demo call or rename a
parameter; the shape is repaired here (never the logic), so a repair attempt is spent
on a real mistake.
"""

from __future__ import annotations

import ast
import re
import textwrap

from support_system.jobs.program_specs import ProgramSpec

FUNCTION = "transform"
# What program.py already imports (and the prompt says so): a model's own copy of one
# would be a redefinition (ruff F811), not a mistake worth a repair attempt.
TEMPLATE_IMPORTS = frozenset(
    {"import pandas as pd", "import re", "import math", "from typing import Any"}
)
_FENCE = re.compile(r"```(?:python|py)?\s*\n(.*?)(?:```|\Z)", re.S)
_DEF = re.compile(rf"^def {FUNCTION}\([^)]*\)\s*(->[^:]*)?:", re.M)

PARAMETERS = {
    "text": ("text", "str"),
    "table": ("df", "pd.DataFrame"),
    "folder": ("files", "dict[str, str]"),
}
RETURNS = {"text": "str", "table": "pd.DataFrame", "files": "dict[str, str]"}
ARGUMENT_HELP = {
    "text": "`text` is the input text (a str).",
    "table": "`df` is the input table (a pandas DataFrame; its columns are the first line "
    "of the example CSV).",
    "folder": "`files` is the input folder: a dict mapping each file's path inside the "
    'folder (e.g. "notes/a.txt") to its text.',
}
RETURN_HELP = {
    "text": "Return the resulting text (a str).",
    "table": "Return a pandas DataFrame with exactly the columns and rows of the expected "
    "table, in that order.",
    "files": "Return a dict mapping each new file's name to its text (a str).",
}


def signature(spec: ProgramSpec) -> str:
    """The fixed first line of the function for `spec`."""
    name, annotation = PARAMETERS[spec.input]
    return f"def {FUNCTION}({name}: {annotation}) -> {RETURNS[spec.output]}:"


def function_finished(reply: str) -> bool:
    """Whether the function is complete in a reply still being written: its code block
    closed, or a line after it starts at the margin (a demo call, prose)."""
    lines = reply.split("\n")[:-1]  # the last line may still be growing
    start = next((i for i, line in enumerate(lines) if line.startswith(f"def {FUNCTION}")), None)
    if start is None:
        return False
    return any(
        line.startswith("```") or (line.strip() and not line[0].isspace())
        for line in lines[start + 1 :]
    )


def extract_function(reply: str, spec: ProgramSpec) -> str | None:
    """The imports and the `transform` function in a model's reply, with the fixed
    signature; None when the reply holds no such function."""
    blocks = _FENCE.findall(reply)
    code = max(blocks, key=lambda b: (f"def {FUNCTION}" in b, len(b))) if blocks else reply
    lines = textwrap.dedent(code).strip("\n").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(f"def {FUNCTION}")), None)
    if start is None:
        return None
    imports = [
        line.strip()
        for line in lines[:start]
        if line.startswith(("import ", "from ")) and line.strip() not in TEMPLATE_IMPORTS
    ]
    body = [lines[start]]
    for line in lines[start + 1 :]:
        if line.strip() and not line[0].isspace() and not line.lstrip().startswith("#"):
            break  # a demo call or prose after the function
        body.append(line)
    while body and (not body[-1].strip() or not body[-1][0].isspace()) and len(body) > 1:
        body.pop()  # blank lines and comments at the margin after the function
    function = "\n".join(body)
    function = _DEF.sub(lambda _: signature(spec), function, count=1)
    imports = [line for line in imports if _used(line, function)]
    return "\n".join([*imports, *([""] if imports else []), function])


def _used(import_line: str, function: str) -> bool:
    """Whether the function uses a name `import_line` binds. The 0.5B model puts
    `import os`, `import sys` and `from pathlib import Path` above almost any function
    about a folder, used or not; an unused import does nothing, so it is dropped rather
    than reported as an attempt to reach files. A used one stays (and the code policy
    stops it). Unreadable code keeps everything, for the checks to report."""
    try:
        statement = ast.parse(import_line).body[0]
        tree = ast.parse(function)
    except (SyntaxError, IndexError):
        return True
    if not isinstance(statement, ast.Import | ast.ImportFrom):
        return True
    bound = {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return "*" in bound or bool(bound & names)
