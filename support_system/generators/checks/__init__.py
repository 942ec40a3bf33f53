"""Validators that every generated artifact must pass before a person gets it.

Each check returns a `CheckResult` whose `messages` are exact enough to be fed back to
the model in the repair loop ("line 12: Duplicate ID “menu”.", "image-alt (critical):
Images must have alternative text — img.logo"). The user-facing summary of a check is
the translated label `checks.<name>.label` in `core/locales/checks.<lang>.yaml`.

- `html`     — html5lib parse, the Nu Html Checker (vnu), axe-core in Chromium and a
               static "loads nothing from the internet" check.
- `contrast` — WCAG contrast maths, used to turn a user's theme colour into readable text.
- `python`   — `compile()` and ruff on generated programs.

A missing tool (no Java, no node_modules, no Chromium) raises `CheckerUnavailable`
instead of failing the artifact: it is the installation that is broken, and feeding that
to the model would only waste repair attempts.
"""

from __future__ import annotations

from support_system.generators.errors import CheckerUnavailable

__all__ = ["CheckerUnavailable"]
