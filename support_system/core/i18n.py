"""Translation catalogue: every user-facing string lives in `locales/<lang>.yaml`
and, per area, `locales/<area>.<lang>.yaml` (e.g. `jobs.ja.yaml`), merged at load.

Keys are dotted ("errors.timeout"); values are `str.format` templates. A missing key
in the chosen language falls back to English and then to the key itself, so a gap is
visible but never crashes a page. The catalogue test keeps ja and en in step.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

LOCALES_DIR = Path(__file__).with_name("locales")
LANGUAGES: tuple[str, ...] = ("ja", "en")


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


def _default_language() -> str:
    from support_system.core.settings import get_settings

    try:
        return get_settings().language
    except Exception:  # broken settings must not stop an error from being shown
        return "ja"


def t(key: str, lang: str | None = None, **params: Any) -> str:
    """Translate `key` into `lang` (default: the configured language) and fill `params`."""
    lang = lang if lang in LANGUAGES else _default_language()
    template = catalogue(lang).get(key) or catalogue("en").get(key) or key
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
