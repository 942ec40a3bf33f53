"""Jinja2 prompt templates loaded by name from the prompts directory.

Each template declares the variables it needs in a leading comment block:
`{#- vars: persona, message -#}`; `render()` refuses to render when one is missing
(StrictUndefined), so a typo in a prompt fails loudly in the template test, not
silently in front of a user.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

from support_system.core.errors import ConfigError
from support_system.core.settings import get_settings

_VARS = re.compile(r"\{#-?\s*vars:\s*(?P<names>[^#]*?)\s*-?#\}")
SUFFIX = ".j2"


@lru_cache(maxsize=4)
def _environment(directory: Path) -> Environment:
    return Environment(
        loader=FileSystemLoader(str(directory)),
        undefined=StrictUndefined,
        autoescape=False,  # prompts are plain text for a model, not HTML
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _directory(directory: Path | None) -> Path:
    return directory or get_settings().prompts_dir


def template_names(directory: Path | None = None) -> list[str]:
    """All template names (path without suffix, '/'-separated), sorted."""
    root = _directory(directory)
    return sorted(p.relative_to(root).with_suffix("").as_posix() for p in root.rglob(f"*{SUFFIX}"))


def declared_variables(name: str, directory: Path | None = None) -> list[str]:
    """The variables a template declares in its `vars:` comment."""
    source = (_directory(directory) / f"{name}{SUFFIX}").read_text(encoding="utf-8")
    match = _VARS.search(source)
    if not match:
        return []
    return [v for v in re.split(r"[,\s]+", match.group("names")) if v]


def render(name: str, directory: Path | None = None, **variables: Any) -> str:
    """Render template `name` (e.g. "chat/system") with `variables`."""
    try:
        template = _environment(_directory(directory)).get_template(f"{name}{SUFFIX}")
    except TemplateNotFound as exc:
        raise ConfigError(
            detail=f"prompt template not found: {name}", source=str(_directory(directory))
        ) from exc
    return template.render(**variables).strip()
