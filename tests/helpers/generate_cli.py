"""`python -m support_system generate` on a job's shipped sample answers, for the tests.

The sample answers go into a YAML file beside copies of the sample files they name
(CSV, a folder, pictures), so a run reads them the way a person's answers file would.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from support_system.cli import app
from support_system.core.settings import PROJECT_ROOT
from support_system.jobs.catalogue import get_job

SAMPLES = PROJECT_ROOT / "data" / "samples"
# A registry entry for an Ollama server nobody runs (the port refuses at once): with
# SUPPORT_SYSTEM_LLM__FALLBACK_MODELS=[] too, a run takes the tested template path.
DEAD_MODEL = {
    "name": "dead-ollama",
    "provider": "ollama",
    "model_id": "qwen2.5:0.5b",
    "base_url": "http://127.0.0.1:9",
    "context_length": 2048,
}


def answers_file(tmp_path: Path, job_id: str, sample: str) -> Path:
    """The job's sample answers in a YAML file beside copies of its input files."""
    answers = dict(get_job(job_id).samples[sample])
    folder = tmp_path / "answers"
    folder.mkdir()
    for _key, value in answers.items():
        if (
            isinstance(value, str)
            and "\n" not in value
            and len(value) < 200
            and (SAMPLES / value).exists()
        ):
            source = SAMPLES / value
            target = folder / value
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target)
            else:
                shutil.copy2(source, target)
    path = folder / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, allow_unicode=True), encoding="utf-8")
    return path


def run_generate(
    tmp_path: Path, job_id: str, sample: str, lang: str, *extra: str
) -> tuple[Path, dict, dict, str]:
    """Run `generate` on the job's `sample` answers into tmp_path/out; (out folder,
    result.json, the answers given, what it printed). `extra`: more options."""
    answers_path = answers_file(tmp_path, job_id, sample)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "--job",
            job_id,
            "--answers",
            str(answers_path),
            "--out",
            str(out),
            "--lang",
            lang,
            *extra,
        ],
    )
    assert (out / "result.json").exists(), result.output
    report = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert result.exit_code == 0, (result.output, report)
    answers = yaml.safe_load(answers_path.read_text(encoding="utf-8"))
    return out, report, answers, result.output
