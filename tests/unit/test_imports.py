"""The package's import structure: no module imports back into a module that imports it.

A cycle means neither module can be read or changed on its own, and Python may hand one
of them a half-initialised module depending on which is imported first.
"""

from __future__ import annotations

from pathlib import Path

from support_system.core.settings import PROJECT_ROOT
from tests.helpers.imports import cycles, import_graph, imported_names, module_files


def test_support_system_has_no_import_cycles() -> None:
    graph = import_graph(PROJECT_ROOT / "support_system")
    assert len(graph) > 100  # the whole package was read, not an empty folder
    assert cycles(graph) == []


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_a_cycle_through_a_function_level_import_is_found(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import thing\n",
            "pkg/b.py": "def thing():\n    from pkg import a\n    return a\n",
            "pkg/c.py": "from . import a\n",  # depends on the cycle, is not part of it
        },
    )
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.b"]]


def test_relative_imports_and_package_attributes_resolve(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.sub.leaf import VALUE\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/leaf.py": "from ..other import helper\nVALUE = 1\n",
            "pkg/other.py": "from pkg import VALUE\n",  # an attribute of the package
        },
    )
    graph = import_graph(package)
    assert graph["pkg.sub.leaf"] == {"pkg.other"}
    assert graph["pkg.other"] == {"pkg"}
    assert cycles(graph) == [["pkg", "pkg.other", "pkg.sub.leaf"]]


# Which top-level parts of support_system each part may import: services (agents, jobs,
# generators, …) sit on ai, data and core; data only on core; core on nothing.
ALLOWED_BELOW = {
    "core": set(),
    "data": {"core"},
    "ai": {"core", "data"},
    "accounts": {"core", "data"},
}


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def test_the_lower_layers_import_nothing_above_them() -> None:
    graph = import_graph(PROJECT_ROOT / "support_system")
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if _part(module) in ALLOWED_BELOW
        for target in targets
        if _part(target) != _part(module) and _part(target) not in ALLOWED_BELOW[_part(module)]
    )
    assert upward == []


def _ui_files() -> list[Path]:
    files = sorted((PROJECT_ROOT / "ui").rglob("*.py"))
    assert len(files) > 10  # every page and component was read
    return files


def test_pages_reach_the_database_only_through_services() -> None:
    reaching = sorted(
        f"{path.relative_to(PROJECT_ROOT)} imports {name}"
        for path in _ui_files()
        for name in imported_names(path)
        if name == "support_system.data" or name.startswith(("support_system.data.", "sqlalchemy"))
    )
    assert reaching == []


def test_the_package_never_imports_streamlit() -> None:
    modules = module_files(PROJECT_ROOT / "support_system")
    importing = sorted(
        module
        for module, path in modules.items()
        if any(name.split(".")[0] == "streamlit" for name in imported_names(path, module))
    )
    assert importing == []


def test_only_the_data_layer_talks_to_a_database() -> None:
    """Every query goes through `support_system/data` (repositories, session scope)."""
    modules = module_files(PROJECT_ROOT / "support_system")
    drivers = ("sqlalchemy", "sqlite3", "psycopg")
    outside = sorted(
        f"{module} imports {name}"
        for module, path in modules.items()
        if not module.startswith("support_system.data")
        for name in imported_names(path, module)
        if name.split(".")[0] in drivers
    )
    assert outside == []
