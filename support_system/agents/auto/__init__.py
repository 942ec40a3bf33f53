"""Auto mode (plan → act → evaluate → adjust, checkpointed) and hybrid mode (the same,
pausing where the person asked). The whole public API:"""

from support_system.agents.auto.config import AutoBudget, AutoConfig
from support_system.agents.auto.service import (
    AutoService,
    RunStatus,
    approve,
    cancel,
    correct,
    resume,
    start,
    status,
    wait,
)

__all__ = [
    "AutoBudget",
    "AutoConfig",
    "AutoService",
    "RunStatus",
    "approve",
    "cancel",
    "correct",
    "resume",
    "start",
    "status",
    "wait",
]
