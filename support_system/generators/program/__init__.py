"""Small working programs for the program jobs (csv-summary, file-renamer, form-letter,
dedupe-rows, join-tables, split-by-column, table-convert, folder-list, text-replace).

`ProgramGenerator` implements `generators.base.Generator`; everything else here is how it
does so: `skeleton` renders the tested per-job templates, `recipes` turns answers into
settings, test examples and sandbox runs, `texts` screens what the model may write.
"""

from support_system.generators.program.generator import ProgramGenerator, run_generated_tests
from support_system.generators.program.texts import ProgramTexts

__all__ = ["ProgramGenerator", "ProgramTexts", "run_generated_tests"]
