"""Speech figures: load time and real-time factor of every engine, on this machine.

For each text-to-speech engine and language it serves: load time (a fresh engine's first
synthesis minus the steady time of the same phrase) and real-time factor = seconds of
processing per second of audio produced, over --phrases wizard-like phrases.

For each speech-to-text engine: the audio is made by the TTS engines first (untimed),
then load time (a fresh engine's first transcription minus the steady time of the
same clip) and real-time factor = seconds of processing per second of audio heard,
plus the word error rate against the spoken text (for the command grammar: exact hits).

Figures only; nothing here asserts on time. An engine that is not installed is listed
with its message instead of figures.

Usage: .venv/bin/python bench/speech.py [--phrases 6] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support_system.core.settings import get_settings  # noqa: E402
from support_system.speech.base import read_wav, wav_duration  # noqa: E402
from support_system.speech.commands import phrases as command_phrases  # noqa: E402
from support_system.speech.engines import engine_class  # noqa: E402
from support_system.speech.errors import SpeechError  # noqa: E402

PHRASES = {
    "en": [
        "A page for my bakery.",
        "Sunflower Bakery is open from eight to six.",
        "The main colour is dark green.",
        "Total up my sales per store.",
        "Croissant, two pounds fifty.",
        "Please publish the page now.",
        "My phone number is zero one one seven.",
        "Make a chart of the monthly totals.",
    ],
    "ja": [
        "パン屋のホームページを作りたいです。",
        "営業時間は朝八時から夕方六時までです。",
        "色は濃い緑にしてください。",
        "店ごとの売上を合計してください。",
        "ページを公開してください。",
        "毎月の合計をグラフにしてください。",
    ],
    "ko": [
        "빵집 홈페이지를 만들고 싶어요.",
        "영업시간은 아침 여덟 시부터입니다.",
        "색깔은 초록색으로 해 주세요.",
        "가게별 매출을 합계해 주세요.",
    ],
}
TTS_CASES = [
    ("piper", "en"),
    ("espeak", "en"),
    ("espeak", "ja"),
    ("espeak", "ko"),
    ("kokoro", "ja"),
]
STT_CASES = [  # (engine, language, TTS engine that makes its audio)
    ("whisper", "en", "piper"),
    ("whisper", "ja", "kokoro"),
    ("vosk", "ko", "espeak"),
    ("pocketsphinx", "en", "piper"),
]


def _words(text: str, lang: str) -> list[str]:
    from support_system.speech.commands import normalise

    clean = normalise(text)
    return list(clean.replace(" ", "")) if lang == "ja" else clean.split()


def wer(reference: str, hypothesis: str, lang: str) -> float:
    """Word error rate (character error rate for Japanese): edit distance / reference length."""
    ref, hyp = _words(reference, lang), _words(hypothesis, lang)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1] / max(len(ref), 1)


def _engine(kind: str, name: str) -> Any:
    return engine_class(kind, name)(get_settings().speech)


def bench_tts(name: str, lang: str, phrases: list[str]) -> dict[str, Any]:
    engine = _engine("tts", name)
    engine.check(lang)
    started = time.perf_counter()
    engine.synthesize(phrases[0], lang)
    first = time.perf_counter() - started
    spent = audio = 0.0
    steady_first = 0.0
    for index, phrase in enumerate(phrases):
        started = time.perf_counter()
        speech = engine.synthesize(phrase, lang)
        elapsed = time.perf_counter() - started
        steady_first = elapsed if index == 0 else steady_first
        spent += elapsed
        audio += wav_duration(speech.wav)
    return {"load_s": max(first - steady_first, 0.0), "rtf": spent / audio, "audio_s": audio}


def bench_stt(
    name: str, lang: str, clips: list[tuple[str, bytes]], grammar: bool
) -> dict[str, Any]:
    engine = _engine("stt", name)
    engine.check(lang)
    words = command_phrases(lang) if grammar else None
    audio = [(text, read_wav(wav)) for text, wav in clips]
    started = time.perf_counter()
    engine.transcribe(audio[0][1], lang, grammar=words)
    first = time.perf_counter() - started
    spent = seconds = 0.0
    steady_first = 0.0
    errors: list[float] = []
    for index, (text, samples) in enumerate(audio):
        started = time.perf_counter()
        heard = engine.transcribe(samples, lang, grammar=words)
        elapsed = time.perf_counter() - started
        steady_first = elapsed if index == 0 else steady_first
        spent += elapsed
        seconds += samples.size / 16_000
        errors.append(wer(text, heard.text, lang))
    return {
        "load_s": max(first - steady_first, 0.0),
        "rtf": spent / seconds,
        "audio_s": seconds,
        "wer": statistics.mean(errors),
        "exact": sum(e == 0 for e in errors),
        "n": len(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--phrases", type=int, default=6)
    parser.add_argument(
        "--threads", type=int, default=None, help="speech.threads (default: settings)"
    )
    args = parser.parse_args()
    if args.threads:
        import os

        os.environ["SUPPORT_SYSTEM_SPEECH__THREADS"] = str(args.threads)
        get_settings.cache_clear()

    print("Text to speech (load = first call minus steady; RTF = processing s / audio s)")
    print(f"{'engine':<12} {'lang':<5} {'load s':>7} {'RTF':>6} {'audio s':>8}")
    for name, lang in TTS_CASES:
        try:
            figures = bench_tts(name, lang, PHRASES[lang][: args.phrases])
        except SpeechError as exc:
            print(f"{name:<12} {lang:<5} unavailable: {exc.message('en')}")
            continue
        print(
            f"{name:<12} {lang:<5} {figures['load_s']:7.2f} {figures['rtf']:6.3f} "
            f"{figures['audio_s']:8.1f}"
        )

    print(
        "\nSpeech to text (audio made by the TTS engine named; WER = word error rate, "
        "character error rate for ja)"
    )
    print(
        f"{'engine':<22} {'lang':<5} {'voice':<7} {'load s':>7} {'RTF':>6} {'WER':>6} {'exact':>7}"
    )
    cases = [(name, lang, voice, False) for name, lang, voice in STT_CASES]
    cases.append(("pocketsphinx", "en", "piper", True))
    for name, lang, voice, grammar in cases:
        texts = command_phrases(lang) if grammar else PHRASES[lang][: args.phrases]
        label = f"{name}{' (commands)' if grammar else ''}"
        try:
            tts = _engine("tts", voice)
            clips = [(text, tts.synthesize(text, lang).wav) for text in texts]
            figures = bench_stt(name, lang, clips, grammar)
        except SpeechError as exc:
            print(f"{label:<22} {lang:<5} {voice:<7} unavailable: {exc.message('en')}")
            continue
        print(
            f"{label:<22} {lang:<5} {voice:<7} {figures['load_s']:7.2f} {figures['rtf']:6.3f} "
            f"{figures['wer']:6.2f} {figures['exact']:>3}/{figures['n']:<3}"
        )


if __name__ == "__main__":
    main()
