"""The LLM layer. Everything outside `ai/` needs only these names.

They are loaded on first use (PEP 562): asking a model pulls in LangChain and llama.cpp's
bindings, about two seconds on a cold start, and a page that only shows the model list
or a model's status should not wait for that.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from support_system.ai.generation import generate
    from support_system.ai.registry import CLOUD_PROVIDERS, ModelSpec, get_registry
    from support_system.ai.results import GenerationResult, GenerationStream
    from support_system.ai.status import ModelStatus, model_status

_HOMES = {
    "generate": "support_system.ai.generation",
    "CLOUD_PROVIDERS": "support_system.ai.registry",
    "ModelSpec": "support_system.ai.registry",
    "get_registry": "support_system.ai.registry",
    "GenerationResult": "support_system.ai.results",
    "GenerationStream": "support_system.ai.results",
    "ModelStatus": "support_system.ai.status",
    "model_status": "support_system.ai.status",
}

__all__ = [
    "CLOUD_PROVIDERS",
    "GenerationResult",
    "GenerationStream",
    "ModelSpec",
    "ModelStatus",
    "generate",
    "get_registry",
    "model_status",
]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value
