"""The LLM layer. Everything outside `ai/` needs only these names."""

from support_system.ai.generate import generate
from support_system.ai.registry import ModelSpec, get_registry
from support_system.ai.results import GenerationResult, GenerationStream
from support_system.ai.status import ModelStatus, model_status

__all__ = [
    "GenerationResult",
    "GenerationStream",
    "ModelSpec",
    "ModelStatus",
    "generate",
    "get_registry",
    "model_status",
]
