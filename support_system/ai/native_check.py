"""Prove a llama.cpp build on this machine before the app uses it.

Why: a build can compile fine and still die with SIGILL at the first long prompt. On a
VM whose CPU reports AMX but does not enable its state, llama.cpp's native build ran
`tileloadd` in its batched matrix kernels (prompts of more than a few tokens) and took
the whole app down. A CPU flag list cannot be trusted, so the installer runs this check
right after building: in a child process, it loads a real model, prefills a prompt of
at least 512 tokens (the batched path) and runs a JSON-schema-constrained generation
(the grammar path). A child that dies by a signal means "rebuild with portable flags".

Usage (scripts/lib/setup.sh): `python -m support_system.ai.native_check [MODEL.gguf]`
(default: the app's embedded model) exits 0 when the build works, 1 with a plain
explanation when it does not.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

MIN_PROMPT_TOKENS = 512
TIMEOUT_SECONDS = 300.0  # a 600-token prefill takes 3-7 s on 2 cores; allow a loaded machine

# The child's program: plain llama-cpp-python, no project code, so what is tested is the
# native build itself. It prints one JSON line with what it measured.
_CHILD = textwrap.dedent(
    """
    import json, sys, time
    from llama_cpp import Llama

    path, threads, min_tokens = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    llm = Llama(model_path=path, n_ctx=2048, n_threads=threads, verbose=False)
    sentence = "The bakery on the corner opens early and sells bread, cakes and coffee. "
    text = sentence
    while len(llm.tokenize(text.encode())) < min_tokens:
        text += sentence
    tokens = len(llm.tokenize(text.encode()))
    started = time.monotonic()
    llm.create_chat_completion(
        messages=[{"role": "user", "content": text + "Summarise this in five words."}],
        max_tokens=8, temperature=0.0,
    )
    long_prompt_s = time.monotonic() - started
    schema = {"type": "object", "required": ["name", "age"],
              "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}
    llm.reset()
    out = llm.create_chat_completion(
        messages=[{"role": "user", "content": "Invent a person. Answer in JSON."}],
        response_format={"type": "json_object", "schema": schema}, max_tokens=48, temperature=0.0,
    )
    answer = json.loads(out["choices"][0]["message"]["content"])
    print(json.dumps({"prompt_tokens": tokens, "long_prompt_s": round(long_prompt_s, 2),
                      "json_keys": sorted(answer)}))
    """
)


@dataclass
class CheckResult:
    ok: bool
    explanation: str  # one plain sentence for the installer's output
    signal_name: str | None = None  # "SIGILL" when the build used an instruction the CPU lacks
    prompt_tokens: int = 0
    long_prompt_seconds: float = 0.0


def run_check(
    model: Path,
    *,
    python: str = sys.executable,
    threads: int = 2,
    env: dict[str, str] | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> CheckResult:
    """Run the long-prompt and JSON checks in a child process and report what happened."""
    command = [python, "-c", _CHILD, str(model), str(threads), str(MIN_PROMPT_TOKENS)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return CheckResult(
            False, f"the model did not answer within {timeout:.0f} s (the build hangs)"
        )
    if done.returncode < 0:
        name = _signal_name(-done.returncode)
        why = " (an instruction this CPU cannot run)" if name == "SIGILL" else ""
        return CheckResult(False, f"the model process was killed by {name}{why}", signal_name=name)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return CheckResult(False, f"the model process failed (exit {done.returncode}): {last}")
    try:
        report = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return CheckResult(False, f"the model process printed no report: {done.stdout[-200:]!r}")
    if report["prompt_tokens"] < MIN_PROMPT_TOKENS or report["json_keys"] != ["age", "name"]:
        return CheckResult(False, f"unexpected answers from the model: {report}")
    return CheckResult(
        True,
        f"a {report['prompt_tokens']}-token prompt in {report['long_prompt_s']} s and a "
        "JSON-constrained answer",
        prompt_tokens=report["prompt_tokens"],
        long_prompt_seconds=report["long_prompt_s"],
    )


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def default_model_file() -> Path:
    """The embedded model the app starts with (the settings' default, else the first one)."""
    from support_system.ai.model_files import model_path
    from support_system.ai.registry import get_registry
    from support_system.core.settings import get_settings

    registry = get_registry()
    spec = registry.get(get_settings().llm.default_model)
    if spec.provider != "embedded":
        spec = next(s for s in registry.models if s.provider == "embedded")
    return model_path(spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Prove the llama.cpp build with a long prompt.")
    parser.add_argument("model", type=Path, nargs="?", help="GGUF file (default: the app's model)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    result = run_check(args.model or default_model_file(), threads=args.threads)
    print(("ok: " if result.ok else "FAILED: ") + result.explanation, flush=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
