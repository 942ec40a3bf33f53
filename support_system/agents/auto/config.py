"""What one auto-mode run may spend and how it behaves (kept with the run's state).

Defaults suit the embedded 0.5B model on a laptop. These could move to
`core.settings` (an `auto:` section) once the UI needs to change them globally.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

Checkpoint = Literal["after_plan", "before_publish"]
CHECKPOINTS: tuple[str, ...] = ("after_plan", "before_publish")


class AutoBudget(BaseModel):
    """Limits of one run; the run stops (with the best artifact so far) at the first one hit."""

    steps: int = Field(4, ge=1, le=20, description="Make → check rounds.")
    seconds: float = Field(900.0, gt=0, description="Working time (pauses do not count).")
    tokens: int = Field(12000, ge=0, description="Model tokens in + out, judge included.")


class AutoConfig(BaseModel):
    """How a run behaves. Stored in the checkpoint, so a resumed run keeps its settings."""

    budget: AutoBudget = Field(default_factory=AutoBudget)
    pause_at: list[Checkpoint] = Field(default_factory=list)
    attempts_per_act: int = Field(
        1, ge=0, le=5, description="Model drafts per round before the template."
    )
    judge: bool = Field(
        True, description="Ask the model to score the result against the checklist."
    )
    pass_score: float = Field(0.5, ge=0, le=1, description="Lowest judge score that is accepted.")
    use_samples: bool = Field(
        False,
        description="Fill facts the goal does not give from the job's sample (demo runs only).",
    )
    extract_with_model: bool = Field(
        True, description="Let the model find stated facts in the goal."
    )
    decide_with_model: bool = Field(
        False, description="'Decide for me' asks the model (else defaults)."
    )
    use_examples: bool = Field(True, description="Seed answers from the closest successful run.")
    publish: bool = Field(True, description="Publish a finished web page to the local site folder.")
    base_dir: Path | None = Field(None, description="Where relative file answers are found.")
