"""Names that come from files rather than the catalogue, in the person's language.

The model list (config/models.yaml), the agent files and the knowledge base name
models, skills, roles and document scopes in English (the CLI and the prompts read
them too). Pages show them through these helpers: the catalogue's `names.*` entry in
the person's language when there is one, otherwise the name as the file writes it (a
model or a skill a person added themselves has no translation, and their own word is
the right thing to show).
"""

from __future__ import annotations

from typing import Any

from support_system.core.i18n import catalogue, t


def _named(key: str, fallback: str, lang: str) -> str:
    return catalogue(lang).get(key) or fallback


def model_label(spec: Any, lang: str) -> str:
    """A registry entry's name for people (`ModelSpec.label` for unknown models)."""
    return _named(f"names.models.{spec.name}", spec.label, lang)


def skill_name(skill: str, lang: str) -> str:
    """An agent's or model's skill ("copywriting") as a word in `lang`."""
    return _named(f"names.skills.{skill}", skill, lang)


def role_name(role: str, lang: str) -> str:
    """An agent's role ("customer_support") as a word in `lang`."""
    return _named(f"names.roles.{role}", role, lang)


def scope_name(scope: str, lang: str) -> str:
    """Whose a knowledge-base document is: "global", or "project:<id>" (rag.ingest)."""
    kind, _, project = scope.partition(":")
    if kind == "project" and project:
        return t("names.scopes.project", lang, project=project)
    return _named(f"names.scopes.{scope}", scope, lang)
