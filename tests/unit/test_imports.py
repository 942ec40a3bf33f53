"""The package's import structure: no module imports back into a module that imports it.

A cycle means neither module can be read or changed on its own, and Python may hand one
of them a half-initialised module depending on which is imported first.
"""

from __future__ import annotations

from pathlib import Path

from support_system.core.settings import PROJECT_ROOT
from tests.helpers.imports import cycles, import_graph


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
