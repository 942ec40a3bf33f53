"""Webpage, program and chart generators, their checks, the sandbox and the repair loop.

`get_generator(name)` maps a job's `generator` field to its implementation; the
pipeline (`generators.pipeline.run_pipeline`) is the one entry point services use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from support_system.core.errors import ConfigError

if TYPE_CHECKING:
    from support_system.generators.base import Generator


def get_generator(name: str) -> Generator:
    """The generator for a job's `generator` field ("webpage", "program", "chart", or
    "example-program": a program made from the person's examples)."""
    if name == "webpage":
        from support_system.generators.webpage.generator import WebpageGenerator

        return WebpageGenerator()
    if name == "program":
        from support_system.generators.program import ProgramGenerator

        return ProgramGenerator()
    if name == "example-program":
        from support_system.generators.program.by_example import ExampleProgramGenerator

        return ExampleProgramGenerator()
    if name == "chart":
        from support_system.generators.chart import ChartGenerator

        return ChartGenerator()
    raise ConfigError(f"unknown generator '{name}'", source="config/jobs")
