"""The import graph of a package, read from the source (no module is imported).

Every import counts, including those inside functions and under `TYPE_CHECKING`: a
function-level import is still a dependency a newcomer has to understand, and hiding a
cycle inside a function is how cycles usually creep back in.
"""

from __future__ import annotations

import ast
from pathlib import Path


def module_files(package_dir: Path) -> dict[str, Path]:
    """Dotted module name → file, for every .py file under `package_dir`."""
    root = package_dir.parent
    modules: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The module that defines `name` (a module, or a package holding the attribute)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imported_names(path: Path, package: str = "") -> set[str]:
    """Every dotted name the file imports: `import a.b` → a.b; `from a import b` → a.b.

    Relative imports resolve against `package` (the dotted package the file is in).
    """
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def imported_modules(path: Path, module: str, modules: dict[str, Path]) -> set[str]:
    """The modules of `modules` that `module` (stored at `path`) imports.

    `from pkg import sub` depends on the submodule `sub`, not on `pkg/__init__.py`: the
    package's own start-up is implied by every import below it and would make any
    package that re-exports its submodules look like a cycle.
    """
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    owners = {_owner(name, modules) for name in imported_names(path, package)}
    return {owner for owner in owners if owner is not None and owner != module}


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module → the modules of the same package it imports."""
    modules = module_files(package_dir)
    return {module: imported_modules(path, module, modules) for module, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other (strongly connected, size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's algorithm; the package is small enough to recurse
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found
