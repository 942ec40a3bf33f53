"""Agent definitions: Markdown files with YAML front matter, checked by a pydantic model.

A file looks like this (the body after the second `---` is extra persona text that
the prompt shows the model as the agent's own instructions):

    ---
    name: guide                      # id: lower case, digits, - and _; equals the file name
    display_name: {ja: ハナ, en: Hana}
    description: {ja: …, en: …}      # what the agent is for, shown on its card
    gender: female                   # optional, free text
    background: A librarian who …    # optional
    personalities: [patient, curious]
    roles: [guide, customer_support] # the first role with a prompt template picks it
    tones: [polite, cheerful]        # from TONES; each becomes explicit instructions
    skills: [chat, webpage]
    preferred_model: qwen2.5-coder-0.5b   # optional; a registry name
    language: null                   # null = answer in the person's language; ja/en = always
    ---
    Body: extra instructions in plain words.

Everything a person sees (display name, description) exists in Japanese and English.
A bad file raises `AgentFileError` naming the file and the field, with the reason in
both languages (`locales/agents.<lang>.yaml`), never a pydantic traceback.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from support_system.agents.errors import AgentFileError
from support_system.core.languages import Text
from support_system.core.settings import PROJECT_ROOT

SUFFIX = ".md"
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"

TONES: tuple[str, ...] = (
    "polite",
    "casual",
    "formal",
    "cheerful",
    "calm",
    "warm",
    "patient",
    "encouraging",
    "concise",
    "strict",
    "humorous",
)
"""Tones an agent may have; `prompts/agents/tone.j2` turns each into explicit sentences."""

Tone = Literal[TONES]  # type: ignore[valid-type]
Id = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=50)]
Trait = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
_FRONT_MATTER = re.compile(
    r"\A\ufeff?---[ \t]*\r?\n(?P<yaml>.*?)^---[ \t]*(?:\r?\n|\Z)(?P<body>.*)\Z",
    re.DOTALL | re.MULTILINE,
)


# --- errors -----------------------------------------------------------------------------


# --- the model --------------------------------------------------------------------------


class AgentDefinition(BaseModel):
    """One agent, as written in its file (the body is `instructions`)."""

    model_config = ConfigDict(extra="forbid")  # "tone:" instead of "tones:" must fail

    name: str = Field(pattern=NAME_PATTERN, max_length=100)
    display_name: Text
    description: Text
    gender: str = Field("", max_length=50)
    background: str = Field("", max_length=2000)
    personalities: list[Trait] = Field(default_factory=list, max_length=12)
    roles: list[Id] = Field(default_factory=lambda: ["default"], min_length=1, max_length=8)
    tones: list[Tone] = Field(default_factory=list, max_length=6)
    skills: list[Id] = Field(default_factory=list, max_length=20)
    preferred_model: str | None = Field(None, max_length=100)
    language: Literal["ja", "en"] | None = None
    instructions: str = Field("", max_length=8000, exclude=True)

    def answer_language(self, person_language: str) -> str:
        """The language replies are written in: the agent's own, else the person's."""
        return self.language or person_language


# --- reading and writing ----------------------------------------------------------------


def shown_path(path: Path) -> str:
    """A path as people know it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def _problem(file: str, field: str, reason: str, detail: str = "", **params: Any) -> AgentFileError:
    return AgentFileError(
        detail or f"{file}: {field}: {reason} {params}".strip(),
        file=file,
        field=field,
        reason=f"agents.errors.reasons.{reason}",
        **params,
    )


def _from_validation(exc: ValidationError, file: str) -> AgentFileError:
    """The first problem pydantic found, as a translated reason (all of them in `detail`)."""
    errors = exc.errors()
    detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
    first = errors[0]
    # "tones" rather than "tones.0": the value is named in the message anyway.
    field = ".".join(str(part) for part in first["loc"] if not isinstance(part, int))
    field = field or "(front matter)"
    kind, ctx = first["type"], first.get("ctx") or {}
    if kind == "missing":
        return _problem(file, field, "missing", f"{file}: {detail}")
    if kind == "extra_forbidden":
        return _problem(file, field, "unknown_field", f"{file}: {detail}")
    if kind == "literal_error":
        return _problem(
            file,
            field,
            "not_allowed",
            f"{file}: {detail}",
            allowed=", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", "")))),
            value=str(first.get("input", "")),
        )
    if kind == "string_too_long":
        return _problem(
            file, field, "too_long", f"{file}: {detail}", max=ctx.get("max_length", "?")
        )
    if kind == "too_long":
        return _problem(
            file, field, "too_many", f"{file}: {detail}", max=ctx.get("max_length", "?")
        )
    if kind in ("string_too_short", "too_short"):
        return _problem(file, field, "empty", f"{file}: {detail}")
    if kind == "string_pattern_mismatch":
        return _problem(
            file, field, "bad_id", f"{file}: {detail}", value=str(first.get("input", ""))
        )
    return _problem(file, field, "wrong_type", f"{file}: {detail}", problem=first["msg"])


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """ "mapping values are not allowed here (line 4)": the line counts the file's own lines."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem} (line {mark.line + 2})" if mark is not None else problem


def parse_agent(text: str, *, file: str = "", stem: str | None = None) -> AgentDefinition:
    """Check one agent file's text; AgentFileError names `file` and the field at fault.

    With `stem` (the file name without `.md`), `name` must equal it, so the file an
    agent lives in can always be found from its name.
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        raise _problem(file, "", "no_front_matter", f"{file}: no front matter")
    try:
        raw = yaml.safe_load(match.group("yaml"))
    except yaml.YAMLError as exc:
        raise _problem(file, "", "yaml", f"{file}: {exc}", problem=_yaml_problem(exc)) from exc
    if not isinstance(raw, dict):
        raise _problem(file, "", "not_mapping", f"{file}: front matter is not a mapping")
    if "instructions" in raw:
        raise _problem(file, "instructions", "unknown_field", f"{file}: instructions is the body")
    try:
        agent = AgentDefinition.model_validate({**raw, "instructions": match.group("body").strip()})
    except ValidationError as exc:
        raise _from_validation(exc, file) from exc
    if stem is not None and agent.name != stem:
        raise _problem(
            file,
            "name",
            "name_mismatch",
            f"{file}: name {agent.name!r} != {stem!r}",
            value=agent.name,
            stem=stem,
        )
    return agent


def load_agent_file(path: Path) -> AgentDefinition:
    """Read and check one agent file (its `name` must equal the file name)."""
    shown = shown_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _problem(shown, "", "unreadable", f"{shown}: {exc}", problem=str(exc)) from exc
    return parse_agent(text, file=shown, stem=path.name.removesuffix(SUFFIX))


def to_markdown(agent: AgentDefinition) -> str:
    """The file text for `agent` (front matter in field order, then the body)."""
    front = agent.model_dump(mode="json", exclude_defaults=False)
    front = {key: value for key, value in front.items() if value not in (None, "", [])}
    header = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=100)
    body = agent.instructions.strip()
    return f"---\n{header}---\n{body}\n" if body else f"---\n{header}---\n"


FORM_FIELDS = (
    "name", "display_name_ja", "display_name_en", "description_ja", "description_en",
    "gender", "background", "personalities", "roles", "tones", "skills", "preferred_model",
    "language", "persona",
)  # fmt: skip
"""What the agents page's form hands over: texts, lists for roles/tones/skills, the
personalities as one comma-separated text, and "auto" or a language code."""


def agent_from_form(values: dict[str, Any]) -> AgentDefinition:
    """The form's values, checked exactly as an agent file would be (AgentFileError names
    the field). Built by writing the file text and parsing it, so the page can never
    accept what a hand-written file could not contain."""
    front = {
        "name": values["name"].strip(),
        "display_name": {
            "ja": values["display_name_ja"].strip(),
            "en": values["display_name_en"].strip(),
        },
        "description": {
            "ja": values["description_ja"].strip(),
            "en": values["description_en"].strip(),
        },
        "gender": values["gender"].strip(),
        "background": values["background"].strip(),
        "personalities": [
            p.strip() for p in values["personalities"].replace("、", ",").split(",") if p.strip()
        ],
        "roles": list(values["roles"]),
        "tones": list(values["tones"]),
        "skills": list(values["skills"]),
        "preferred_model": values["preferred_model"] or None,
        "language": None if values["language"] == "auto" else values["language"],
    }
    header = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
    return parse_agent(
        f"---\n{header}---\n{values['persona'].strip()}\n", file=front["name"] or "-"
    )
