"""The post-build smoke check and the installer's fallback to portable flags (issue 18).

The real check runs on the installed llama.cpp build and the real model. To prove that
it catches a crashing build, a stand-in `llama_cpp` package (first on PYTHONPATH) kills
its own process with SIGILL during the long prompt, exactly as llama.cpp's AMX kernels
did; the installer's `ensure_llama` is then run from scripts/lib/setup.sh with only the
wheel build replaced (a record of the flags it was asked for), and must end on the
portable flags, remember the verdict, and not rebuild on its next run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from support_system.ai.native_check import MIN_PROMPT_TOKENS, default_model_file, run_check
from support_system.core.settings import PROJECT_ROOT, get_settings
from tests.conftest import TEST_MODEL_DIR

SETUP = PROJECT_ROOT / "scripts" / "lib" / "setup.sh"

# Crashes like the AMX build when the "installed" flags enable AVX-512, works otherwise.
STAND_IN = textwrap.dedent(
    """
    import os, signal
    from pathlib import Path

    _where = os.environ.get("FAKE_LLAMA_FLAGS")
    _flags = Path(_where).read_text() if _where else ""

    class Llama:
        def __init__(self, **kwargs):
            pass

        def tokenize(self, data):
            return list(range(len(data) // 4))

        def reset(self):
            pass

        def create_chat_completion(self, messages, **kwargs):
            if "AVX512=ON" in _flags or not _flags:
                os.kill(os.getpid(), signal.SIGILL)
            return {"choices": [{"message": {"content": '{"name": "Aiko", "age": 30}'}}]}
    """
)


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    package = tmp_path / "stand-in" / "llama_cpp"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(STAND_IN, encoding="utf-8")
    return package.parent


@pytest.mark.model
def test_the_installed_build_passes_the_long_prompt_check(settings) -> None:
    result = run_check(default_model_file())
    assert result.ok, result.explanation
    assert result.prompt_tokens >= MIN_PROMPT_TOKENS and result.signal_name is None


def test_a_build_that_dies_by_sigill_fails_the_check(settings, stand_in: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(stand_in)}
    result = run_check(default_model_file(), env=env)
    assert not result.ok
    assert result.signal_name == "SIGILL"
    assert "SIGILL" in result.explanation and "cannot run" in result.explanation


AVX512_CPU = (
    "model name\t: Test Xeon with AMX\n"
    "flags\t\t: fpu sse sse2 avx avx2 fma f16c bmi2 avx512f avx512bw avx512_vnni avx512_bf16 "
    "amx_tile amx_int8 amx_bf16\n"
)


def _ensure_llama(
    tmp_path: Path, stand_in: Path
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run setup.sh's real ensure_llama with the wheel build replaced by a recorder."""
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(AVX512_CPU, encoding="utf-8")
    stamp_dir = tmp_path / "stamps"
    stamp_dir.mkdir(exist_ok=True)
    calls = tmp_path / "calls.txt"
    flags = tmp_path / "installed-flags.txt"
    script = f"""
        set -euo pipefail
        source {SETUP}
        PY={sys.executable}
        STAMP_DIR={stamp_dir}
        LLAMA_STAMP={stamp_dir}/llama-build
        install_llama_wheel() {{ echo "$1 $2" >>{calls}; printf '%s' "$2" >{flags}; }}
        ensure_llama
    """
    env = {
        **os.environ,
        "PYTHONPATH": f"{stand_in}:{PROJECT_ROOT}",
        "FAKE_LLAMA_FLAGS": str(flags),
        "SUPPORT_SYSTEM_CPUINFO": str(cpuinfo),
        "SUPPORT_SYSTEM_WHEEL_CACHE": str(tmp_path / "wheels"),
        "SUPPORT_SYSTEM_MODEL_DIR": str(TEST_MODEL_DIR),
        "SUPPORT_SYSTEM_STATE_DIR": str(get_settings().state_dir),
    }
    done = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env=env, timeout=300
    )
    made = calls.read_text().splitlines() if calls.exists() else []
    return done, made


def test_the_installer_falls_back_to_portable_flags_and_remembers(
    settings, tmp_path, stand_in
) -> None:
    done, calls = _ensure_llama(tmp_path, stand_in)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert [c.split()[0] for c in calls] == ["tuned", "portable"], calls
    tuned, portable = (c.split(" ", 1)[1] for c in calls)
    # Never native, never AMX; the tuned build had AVX-512, the portable one has not.
    for flags in (tuned, portable):
        assert "-DGGML_NATIVE=OFF" in flags and "-DGGML_AMX_INT8=OFF" in flags
        assert "-DGGML_AVX2=ON" in flags and "-DGGML_FMA=ON" in flags
    assert "-DGGML_AVX512=ON" in tuned and "-DGGML_AVX512=OFF" in portable
    assert "killed by SIGILL" in out and "Using the portable llama.cpp build" in out
    assert (tmp_path / "stamps" / "llama-build").read_text().strip().endswith(portable)

    # The next run trusts the proven build: no rebuild, no check.
    again, calls_again = _ensure_llama(tmp_path, stand_in)
    assert again.returncode == 0 and calls_again == calls, again.stdout + again.stderr

    # A build made with other flags (an old install) is rebuilt once, with a message,
    # and the tuned flags that crashed on this CPU are not tried again.
    (tmp_path / "stamps" / "llama-build").write_text("0.3.36|old|-DLLAVA_BUILD=OFF\n")
    repaired, calls_repaired = _ensure_llama(tmp_path, stand_in)
    out = repaired.stdout + repaired.stderr
    assert repaired.returncode == 0, out
    assert "rebuilding once" in out and "crashed on this CPU before" in out
    assert [c.split()[0] for c in calls_repaired[len(calls) :]] == ["portable"]


def test_the_installer_says_so_when_no_build_runs(settings, tmp_path, stand_in) -> None:
    (stand_in / "llama_cpp" / "__init__.py").write_text(
        STAND_IN.replace('"AVX512=ON" in _flags or not _flags', "True"), encoding="utf-8"
    )
    done, calls = _ensure_llama(tmp_path, stand_in)
    assert done.returncode != 0
    assert len(calls) == 2
    assert "no llama.cpp build runs on this machine" in done.stdout + done.stderr
    assert not (tmp_path / "stamps" / "llama-build").exists()
