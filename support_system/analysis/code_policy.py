"""What a model-written analysis program may do, checked before it runs.

The sandbox already stops a program from reaching files or the network; this check
exists so that the person is *told* when a program tried (a question crafted to read
/etc/passwd, a model that reaches for the internet), and so that the common, harmless
slip of a small model — reading the CSV again with `pd.read_csv("sales.csv")` instead
of using `df` — becomes a precise repair hint rather than a confusing runtime error.

`inspect_code` returns None when the program may run, else a `Verdict`: `block` means
stop and report (files outside the data, network, processes), otherwise the verdict is
a hint for the next attempt.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

ALLOWED_MODULES = frozenset(
    {
        "pandas",
        "numpy",
        "math",
        "statistics",
        "re",
        "datetime",
        "collections",
        "itertools",
        "functools",
        "decimal",
        "fractions",
        "string",
        "unicodedata",
        "calendar",
        "matplotlib",
        "operator",
        "typing",
    }
)
NETWORK_MODULES = frozenset(
    {"socket", "urllib", "http", "requests", "httpx", "ftplib", "smtplib", "ssl", "aiohttp"}
)
PROCESS_MODULES = frozenset({"subprocess", "multiprocessing", "pty", "signal", "ctypes"})
FILE_MODULES = frozenset({"os", "sys", "pathlib", "shutil", "io", "glob", "tempfile", "pickle"})
BLOCKED_CALLS = {
    "open": "file",
    "exec": "code",
    "eval": "code",
    "compile": "code",
    "__import__": "code",
    "input": "code",
    "breakpoint": "code",
    "globals": "code",
    "locals": "code",
    "vars": "code",
}
# pandas/numpy/matplotlib functions that read or write files (the harness does that).
FILE_METHODS = frozenset(
    {
        "to_csv",
        "to_excel",
        "to_pickle",
        "to_parquet",
        "to_feather",
        "to_hdf",
        "to_sql",
        "to_stata",
        "to_clipboard",
        "to_xml",
        "to_orc",
        "savefig",
        "save",
        "savetxt",
        "tofile",
        "load",
        "loadtxt",
        "fromfile",
        "genfromtxt",
    }
)


_PATH_LIKE = re.compile(r"[/\\]|\.[A-Za-z0-9]{1,5}$|^~")


@dataclass(frozen=True)
class Verdict:
    """Why the program may not run as written; `what` is file | network | process | code."""

    what: str
    detail: str
    block: bool


def inspect_code(code: str, input_names: frozenset[str] = frozenset()) -> Verdict | None:
    """Check `code` (already known to parse) for anything beyond computing on its tables."""
    tree = ast.parse(code)
    for node in ast.walk(tree):
        verdict = _import_verdict(node) or _call_verdict(node, input_names)
        if verdict is None and isinstance(node, ast.Attribute) and node.attr.startswith("__"):
            verdict = Verdict("code", f"uses the hidden attribute {node.attr}", block=True)
        if verdict is None and isinstance(node, ast.Name) and node.id == "__builtins__":
            verdict = Verdict("code", "uses __builtins__", block=True)
        if verdict:
            return verdict
    return None


def _import_verdict(node: ast.AST) -> Verdict | None:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        names = [node.module or ""]
    else:
        return None
    for name in names:
        top = name.split(".")[0]
        if top in ALLOWED_MODULES:
            continue
        if top in NETWORK_MODULES:
            return Verdict("network", f"imports {name}", block=True)
        if top in PROCESS_MODULES:
            return Verdict("process", f"imports {name}", block=True)
        if top in FILE_MODULES:
            return Verdict("file", f"imports {name}", block=True)
        return Verdict("code", f"imports {name}, which is not needed: use pd and np", block=False)
    return None


def _call_verdict(node: ast.AST, input_names: frozenset[str]) -> Verdict | None:
    if not isinstance(node, ast.Call):
        return None
    function = node.func
    if isinstance(function, ast.Name) and function.id in BLOCKED_CALLS:
        what = BLOCKED_CALLS[function.id]
        harmless = function.id == "open" and _paths(node) and _reads_inputs(node, input_names)
        return Verdict(what, f"calls {function.id}()", block=not harmless)
    if isinstance(function, ast.Attribute):
        name = function.attr
        if name.startswith("read_") or name in FILE_METHODS:
            return Verdict("file", f"calls {name}()", block=not _reads_inputs(node, input_names))
    return None


def _paths(call: ast.Call) -> list[str]:
    """String arguments that look like a file path or URL (not a separator or encoding)."""
    return [
        arg.value
        for arg in [*call.args, *(k.value for k in call.keywords)]
        if isinstance(arg, ast.Constant)
        and isinstance(arg.value, str)
        and _PATH_LIKE.search(arg.value)
    ]


def _reads_inputs(call: ast.Call, input_names: frozenset[str]) -> bool:
    """True when the call only names the person's own files (a slip, not an attack)."""
    texts = _paths(call)
    if not texts:
        return True  # no path at all: a method like df.to_csv() writing nowhere useful
    return all(text.rsplit("/", 1)[-1] in input_names for text in texts)
