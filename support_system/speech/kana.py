"""Japanese text → katakana as it is pronounced, for speech engines that only read kana.

Why this exists: espeak-ng's Japanese voice has no kanji dictionary. Each kanji is read
by its Unicode name, so 「今日は」 comes out as "Chinese letter, Chinese letter, ha" in
English. It also reads kana letter by letter, so the topic particle は is said "ha" and
へ "he". Speaking Japanese with espeak-ng therefore needs the text as pronounced kana.

Why OpenJTalk (`pyopenjtalk-plus`): its wheel ships the dictionary (nothing is
downloaded, it works under `unshare -n`) and it analyses the sentence, so the reading
follows the context and the output is the pronunciation, not the spelling:
今日は → キョーワ, 東京へ → トーキョーエ, 3月14日 → サンガツジューヨッカ, CSV → シーエスブイ.
Alternatives measured: `pykakasi` looks words up without context (今日は → こんにちは,
表を → あらを), keeps は/へ as written and leaves digits; `cutlet` produces romaji and
needs a separate UniDic dictionary package (~250 MB). Kokoro's Japanese frontend uses
OpenJTalk too, so one analyser serves both Japanese engines.

`pyopenjtalk-plus` is installed with `--no-deps`, leaving out its large `sudachidict-core`
(used only to refine a few homographs, off here); OpenJTalk's own dictionary covers common
kanji, and a kanji it does not know is read as a short pause rather than failing.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from typing import Any

from support_system.speech.errors import EngineUnavailable

#: Sentence punctuation kept as written: espeak-ng pauses and intonates on it.
_KEEP = frozenset("。！？!?")
_ACCENT_MARK = "’"
_INSTALL = "./scripts/start"


def require(engine: str) -> None:
    """Raise EngineUnavailable for `engine` when OpenJTalk cannot run (cheap: imports nothing)."""
    for module, package in (("pyopenjtalk", "pyopenjtalk-plus"), ("sudachipy", "sudachipy")):
        if importlib.util.find_spec(module) is None:
            raise EngineUnavailable(
                f"the Python package {package} (reads Japanese text) is missing",
                engine=engine,
                install=_INSTALL,
            )


def frontend(text: str) -> list[dict[str, Any]]:
    """OpenJTalk's analysis of `text`: one dict per word (`string`, `pron`, `pos`, …).

    Falls back to OpenJTalk without pyopenjtalk-plus's post-processing when that step
    needs the optional Sudachi dictionary (it does for kanji missing from OpenJTalk's own
    dictionary): the word is then read as a pause instead of the whole sentence failing.
    """
    require("pyopenjtalk-plus")
    import pyopenjtalk

    try:
        return list(pyopenjtalk.run_frontend(text, use_sudachi_kanji_yomi=False))
    except ImportError:  # sudachidict-core is not installed: only unknown kanji need it
        return list(pyopenjtalk.run_frontend(text, use_vanilla=True))


def to_kana(text: str) -> str:
    """`text` as katakana the way it is spoken, with a space between accent phrases.

    「今日は天気が良いです。」 → 「キョーワ テンキガ ヨイデス。」. Sentence-final 。！？ are
    kept, other symbols become 、 (a short pause); no kanji is ever returned.
    """
    pieces: list[str] = []
    for word in frontend(text):
        string = unicodedata.normalize("NFKC", word["string"])
        if word["pos"] == "記号":
            piece = string if string in _KEEP else word["pron"]
        else:
            piece = word["pron"].replace(_ACCENT_MARK, "")
        piece = "".join(c for c in piece if not is_kanji(c))
        if not piece:
            continue
        starts_phrase = word["chain_flag"] != 1 and word["pos"] != "記号"
        if pieces and starts_phrase and not pieces[-1].endswith(" "):
            pieces.append(" ")
        pieces.append(piece)
    return "".join(pieces).strip(" 、")


def is_kanji(char: str) -> bool:
    """True for a CJK ideograph (kanji), which espeak-ng cannot read."""
    return "CJK UNIFIED IDEOGRAPH" in unicodedata.name(char, "") or char in "々〆"
