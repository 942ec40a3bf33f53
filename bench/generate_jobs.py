"""End-to-end generation per job with the embedded model: seconds, attempts, pass rate.

Runs the same pipeline as `python -m support_system generate` on each job's shipped
sample answers N times (cache off, so every run really asks the model) and prints, per
job: median and max seconds end to end, mean model attempts, how often the template
fallback was needed, and the pass rate (every check green). Figures only, no asserts.

Usage: .venv/bin/python bench/generate_jobs.py [--runs 3] [--jobs shop-page,csv-summary]
       [--sample ja] [--model NAME]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from support_system.core.settings import PROJECT_ROOT, get_settings
from support_system.data.migrate import upgrade
from support_system.generators.pipeline import run_pipeline
from support_system.jobs.answers_file import validate_answers
from support_system.jobs.catalogue import load_catalogue

SAMPLES = PROJECT_ROOT / "data" / "samples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", default="")
    parser.add_argument("--sample", default="ja")
    parser.add_argument("--model", default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-generate-") as state:
        import os

        os.environ["SUPPORT_SYSTEM_STATE_DIR"] = state
        os.environ.setdefault(
            "SUPPORT_SYSTEM_MODEL_DIR", str(PROJECT_ROOT / ".state-test" / "models")
        )
        os.environ["SUPPORT_SYSTEM_LLM__CACHE_ENABLED"] = "false"
        get_settings.cache_clear()
        upgrade()
        catalogue = load_catalogue()
        wanted = [j for j in args.jobs.split(",") if j] or sorted(catalogue)
        lang = "en" if args.sample == "en" else "ja"
        model = args.model or get_settings().llm.default_model
        print(f"model: {model}, runs per job: {args.runs}, sample answers: {args.sample}")
        print(
            f"{'job':<16}{'median s':>10}{'max s':>8}{'attempts':>10}{'fallback':>10}"
            f"{'pass rate':>11}"
        )
        for job_id in wanted:
            job = catalogue[job_id]
            answers = validate_answers(job.samples[args.sample], job, lang, base_dir=SAMPLES)
            seconds, attempts, fallbacks, passes = [], [], 0, 0
            for run in range(args.runs):
                out = Path(state) / f"{job_id}-{run}"
                result = run_pipeline(
                    job, answers, out, lang=lang, model=args.model, base_dir=SAMPLES
                )
                seconds.append(result.seconds)
                attempts.append(sum(1 for a in result.attempts if a.source == "model"))
                fallbacks += result.fallback_used
                passes += result.ok
            print(
                f"{job_id:<16}{statistics.median(seconds):>10.1f}{max(seconds):>8.1f}"
                f"{statistics.mean(attempts):>10.1f}{fallbacks:>7}/{args.runs:<2}"
                f"{passes / args.runs:>10.0%}"
            )


if __name__ == "__main__":
    main()
