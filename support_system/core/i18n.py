"""Translation catalogue: every user-facing string lives in `locales/<lang>.yaml`
and, per area, `locales/<area>.<lang>.yaml` (e.g. `jobs.ja.yaml`), merged at load.

Keys are dotted ("errors.timeout"); values are `str.format` templates. A missing key
in the chosen language falls back to English and then to the key itself, so a gap is
visible but never crashes a page. The catalogue test keeps ja and en in step.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from support_system.core.languages import DEFAULT_LANGUAGE, LANGUAGES

LOCALES_DIR = Path(__file__).with_name("locales")
_default_source: Callable[[], str] | None = None


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, flattened to dotted keys.

    Area files keep a module's strings beside each other without one giant file; a key
    defined twice is a mistake that would silently hide one message, so it raises.
    """
    merged: dict[str, str] = {}
    for path in [LOCALES_DIR / f"{lang}.yaml", *sorted(LOCALES_DIR.glob(f"*.{lang}.yaml"))]:
        with path.open(encoding="utf-8") as handle:
            flat = _flatten(yaml.safe_load(handle) or {})
        clash = set(flat) & set(merged)
        if clash:
            raise ValueError(f"{path.name} redefines {sorted(clash)}")
        merged.update(flat)
    return merged


def use_default_language(source: Callable[[], str]) -> None:
    """Where the configured language comes from (`core.settings` registers itself).

    Why a hook: settings raise translated errors, so i18n must not import settings back.
    """
    global _default_source
    _default_source = source


def default_language() -> str:
    """The configured interface language (the built-in default if settings are broken)."""
    if _default_source is None:
        return DEFAULT_LANGUAGE
    try:
        return _default_source()
    except Exception:  # broken settings must not stop an error from being shown
        return DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """Translate `key` into `lang` (default: the configured language) and fill `params`."""
    lang = lang if lang in LANGUAGES else default_language()
    template = catalogue(lang).get(key) or catalogue("en").get(key) or key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
