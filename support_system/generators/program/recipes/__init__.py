"""Per job: how answers become the program's SETTINGS, its test example and its sandbox run.

Everything here is a fact from the user's answers (or the job's shipped sample), never
from the model. The decisions worth knowing:

* **The tests' example is the user's own input when possible.** The generated tests
  run the program on a copy of the user's file (up to `EXAMPLE_MAX_BYTES`) with the
  user's choices, so "passes its tests" means "works on *your* file". A missing or very
  large input falls back to the job's sample *with the sample's answers*, so the example
  and its choices always fit together and the template always passes.
* **A folder is mirrored, not copied, when names and dates are enough.** The renamer
  plans from names, kinds and modification times, so the sandbox gets a "shadow" of the
  folder: the same names and dates as empty files, subfolders as empty folders, links
  as dangling links. Nothing of the user's files' contents (or what their links point
  to) enters the sandbox, and a folder of 10 GB of photos costs nothing to plan.
  folder-list needs sizes as well: its shadow is recursive and its stand-ins are sparse
  files of the real size (see `FolderListJob`).
* **Only what a program reads is copied.** csv-summary and the other table jobs get a
  copy of the chosen file; join-tables gets the table files of the folder, and
  text-replace the text files with the chosen extensions, each within a size budget —
  never the rest of the folder. A run on fewer files than the program would read says
  so in a note (`RunPlan.notes`).
* **The sandbox run never changes the person's files.** `run` is the preview: the
  renamer runs without `--apply` on the shadow, and only `rename_plan.csv` comes back;
  text-replace writes its changed copies inside the sandbox and they come back as the
  run's output.
"""

from __future__ import annotations

from support_system.core.errors import ConfigError
from support_system.generators.program.recipes.base import (
    EXAMPLE_FOLDER_MAX_ENTRIES,
    EXAMPLE_MAX_BYTES,
    INPUT_DIR,
    SHADOW_MAX_ENTRIES,
    ExampleSource,
    MirrorOptions,
    ProgramJob,
    RunPlan,
    copy_example,
    mirror_folder,
    resolve,
    sample_answers,
)
from support_system.generators.program.recipes.folders import FOLDER_JOBS
from support_system.generators.program.recipes.tables import TABLE_JOBS

PROGRAM_JOBS: dict[str, ProgramJob] = {job.job_id: job for job in (*TABLE_JOBS, *FOLDER_JOBS)}


def program_job(job_id: str) -> ProgramJob:
    """The adapter for `job_id`; a job file naming `generator: program` for a job without
    a skeleton is a configuration mistake, reported as ConfigError."""
    try:
        return PROGRAM_JOBS[job_id]
    except KeyError:
        raise ConfigError(
            detail=f"the program generator has no skeleton for {job_id!r} "
            f"(known: {', '.join(PROGRAM_JOBS)})",
            source=f"config/jobs/{job_id}.yaml",
        ) from None


__all__ = [
    "EXAMPLE_FOLDER_MAX_ENTRIES",
    "EXAMPLE_MAX_BYTES",
    "INPUT_DIR",
    "PROGRAM_JOBS",
    "SHADOW_MAX_ENTRIES",
    "ExampleSource",
    "MirrorOptions",
    "ProgramJob",
    "RunPlan",
    "copy_example",
    "mirror_folder",
    "program_job",
    "resolve",
    "sample_answers",
]
