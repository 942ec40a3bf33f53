"""Every prompt template renders with exactly the variables it declares."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from support_system.ai.prompts import declared_variables, render, template_names


def test_there_are_templates(settings) -> None:
    assert {"chat/system", "models/json_instruction", "models/smoke_test"} <= set(template_names())


@pytest.mark.parametrize("name", template_names())
@pytest.mark.parametrize("language", ["ja", "en"])
def test_template_renders_with_declared_variables(settings, name: str, language: str) -> None:
    variables = declared_variables(name)
    assert variables, f"{name} declares no variables (add a `vars:` comment)"
    values = {v: (language if v == "language" else f"<{v}>") for v in variables}
    text = render(name, **values)
    assert text.strip()
    for var, value in values.items():
        if var != "language":
            assert value in text, f"{name} does not use {var}"


@pytest.mark.parametrize("name", template_names())
def test_template_refuses_missing_variables(settings, name: str) -> None:
    with pytest.raises(UndefinedError):
        render(name)


def test_language_changes_the_prompt(settings) -> None:
    assert render("models/smoke_test", language="ja") != render("models/smoke_test", language="en")
