"""Auto-mode test material: a goal with every answer in it, and a generator that never passes."""

from __future__ import annotations

from pathlib import Path

from support_system.generators.base import CheckResult, Draft, GenerationContext
from support_system.generators.webpage.generator import WebpageGenerator

GOAL = (
    "Please make a profile page about me.\n"
    "name: Hanako Yamada\n"
    "headline: I teach bread baking in Osaka\n"
    "about: I worked in a bakery for many years. Now I teach small classes at home.\n"
    "skills: Bread baking, Pastry recipes\n"
    "email: hanako@example.com"
)


class AlwaysFailing(WebpageGenerator):
    """A validator that never passes; drafts are the template (no model needed)."""

    def draft(self, ctx: GenerationContext, out_dir: Path) -> Draft:
        return self.fallback(ctx, out_dir)

    def check(self, ctx: GenerationContext, draft: Draft) -> list[CheckResult]:
        return [*super().check(ctx, draft), CheckResult("injected", False, ["never good enough"])]
