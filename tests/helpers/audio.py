"""Test speech made on the spot with the real espeak-ng program (Debian package espeak-ng),
so no recording is committed; and the word error rate used to judge transcripts."""

from __future__ import annotations

import shutil
import subprocess

from support_system.speech.commands import normalise


def spoken_wav(text: str, voice: str = "en-us", speed: int = 150) -> bytes:
    """espeak-ng saying `text` as a WAV file (22,050 Hz mono; read_wav resamples it).

    `speed` is in words per minute (espeak-ng's default is 175; 150 is closer to a
    person reading a prompt). Japanese voices read kana only: give kana text.
    """
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise RuntimeError("espeak-ng is not installed (./scripts/start installs it)")
    done = subprocess.run(
        [espeak, "-v", voice, "-s", str(speed), "--stdout", text],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return done.stdout


def word_error_rate(reference: str, hypothesis: str) -> tuple[int, int]:
    """(edits, reference words) between normalised texts: sum both over phrases and divide
    for a corpus WER."""
    ref, hyp = normalise(reference).split(), normalise(hypothesis).split()
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, heard in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != heard))
    return row[-1], len(ref)
