"""Response cache for model calls, on LangChain's SQLite cache.

The key is the registry model name plus every parameter that changes the answer
(messages, max_tokens, temperature, schema). It lives in its own SQLite file in the
state dir, so it works the same whatever the main database is, and clearing it is
deleting one file.
"""

from __future__ import annotations

import json
import warnings
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from support_system.core.settings import get_settings

if TYPE_CHECKING:
    from langchain_community.cache import SQLiteCache


@lru_cache(maxsize=4)
def _cache(path: Path) -> SQLiteCache:
    # Imported here: langchain_community takes about a second to import, and pages that
    # never ask a model (the first one a person sees) should not wait for it.
    from langchain_community.cache import SQLiteCache

    path.parent.mkdir(parents=True, exist_ok=True)
    return SQLiteCache(database_path=str(path))


def _store() -> SQLiteCache:
    return _cache(get_settings().state_dir / "cache" / "llm_cache.sqlite")


def cache_key(
    model: str, messages: list[dict[str, str]], params: dict[str, Any]
) -> tuple[str, str]:
    """(prompt, llm_string) in LangChain's cache terms, canonical JSON for both."""
    prompt = json.dumps(messages, ensure_ascii=False, sort_keys=True)
    llm_string = json.dumps({"model": model, **params}, ensure_ascii=False, sort_keys=True)
    return prompt, llm_string


def lookup(key: tuple[str, str]) -> str | None:
    with warnings.catch_warnings():
        # The rows are our own Generation objects; LangChain warns about deserialising
        # untrusted objects in general, which does not apply to this private file.
        warnings.simplefilter("ignore")
        hits = _store().lookup(*key)
    return hits[0].text if hits else None


def update(key: tuple[str, str], text: str) -> None:
    from langchain_core.outputs import Generation

    _store().update(key[0], key[1], [Generation(text=text)])


def clear() -> None:
    _store().clear()
