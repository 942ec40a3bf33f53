"""Every service function a page calls is exercised by a test that runs without Streamlit.

Pages are thin (ui/app.py): what they call must be checkable on its own, faster and more
precisely than through a browser. This test reads which `support_system` functions the
pages and components import and requires each to be named in a test outside the UI
tests (tests/e2e, tests/integration/ui). It checks that a test names the function, not
what the test asserts; it is the reminder, review is the judge.
"""

from __future__ import annotations

import importlib
import inspect
import re

from support_system.core.settings import PROJECT_ROOT
from tests.helpers.imports import imported_names

UI_TESTS = ("tests/e2e/", "tests/integration/ui/")


def _page_functions() -> dict[str, str]:
    """Function name → dotted path, for every support_system function ui/ imports."""
    found: dict[str, str] = {}
    for path in sorted((PROJECT_ROOT / "ui").rglob("*.py")):
        for name in imported_names(path):
            module_name, _, attribute = name.rpartition(".")
            if not module_name.startswith("support_system"):
                continue
            value = getattr(importlib.import_module(module_name), attribute, None)
            if inspect.isfunction(value):
                found[attribute] = name
    return found


def _non_ui_test_text() -> str:
    texts = []
    for path in sorted((PROJECT_ROOT / "tests").rglob("test_*.py")):
        relative = path.relative_to(PROJECT_ROOT).as_posix()
        if not relative.startswith(UI_TESTS) and path.name != "test_page_services.py":
            texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(texts)


def test_every_function_a_page_calls_is_tested_without_streamlit() -> None:
    functions = _page_functions()
    assert len(functions) > 30  # the pages were read
    tests = _non_ui_test_text()
    untested = sorted(
        dotted for name, dotted in functions.items() if not re.search(rf"\b{name}\b", tests)
    )
    assert untested == []
