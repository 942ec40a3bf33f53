"""Words → the jobs that fit best: the job page's search, the chat hand-over's job order
and auto mode's first guess. (Home understands a request with `support_system.intake`,
which adds e5 similarity and routes beyond the catalogue; measured there, this bigram
score added nothing once intake's cue words were in, so intake does not use it.)

A person writes 「パン屋のホームページを作りたい」 or "add up my sales sheet"; we score
every job by how much of the request overlaps its title, description and help, in both
languages (a Japanese speaker may type English words and the reverse). Japanese has no
spaces, so text is compared as character bigrams; that needs no tokenizer or model and
ranks sensibly for the short requests the home page gets. Word-level synonyms that the
catalogue text lacks live in `KEYWORDS` below, next to the jobs they point to.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from support_system.jobs.catalogue import load_catalogue
from support_system.jobs.definitions import Job

# Words people use that the job texts may not contain (lower case; matched as bigrams).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "webpage": ("ホームページ", "サイト", "ウェブ", "web", "website", "page", "homepage", "html"),
    "program": ("プログラム", "自動", "script", "program", "automate"),
    "data": ("グラフ", "図", "chart", "graph", "plot"),
}


@dataclass(frozen=True)
class Suggestion:
    job: Job
    score: float


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


STOP_WORDS = frozenset(
    "a an and are as at be by for from i in into is it me my of on or our please that the "
    "this to up want we with would like make makes made create need".split()
)


def _grams(text: str) -> set[str]:
    """Comparable pieces of `text`: character bigrams of Japanese (or other unspaced)
    runs, and for spaced words the word's first five letters, a crude stem that lets
    "bakery" meet "bakeries" and "summarise" meet "summary". Stop words are dropped."""
    grams: set[str] = set()
    for run in re.findall(r"\w+", _normalise(text)):
        if run.isascii():
            if run not in STOP_WORDS and len(run) > 1:
                grams.add(run[:5])
        elif len(run) == 1:
            grams.add(run)
        else:
            grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _job_grams(job: Job) -> tuple[set[str], set[str]]:
    title = _grams(f"{job.title.ja} {job.title.en}")
    body = _grams(f"{job.description.ja} {job.description.en} {job.help.ja} {job.help.en}")
    body |= _grams(" ".join(KEYWORDS.get(job.kind, ())))
    return title, body


def suggest_jobs(text: str, *, limit: int = 3) -> list[Suggestion]:
    """The jobs that best match `text`, best first; [] when nothing matches at all."""
    wanted = _grams(text)
    if not wanted:
        return []
    scored: list[Suggestion] = []
    for job in load_catalogue().values():
        title, body = _job_grams(job)
        score = (2 * len(wanted & title) + len(wanted & body)) / len(wanted)
        if score > 0:
            scored.append(Suggestion(job, round(score, 3)))
    scored.sort(key=lambda s: (-s.score, s.job.id))
    return scored[:limit]


def find_jobs(query: str = "", kind: str = "all") -> list[Job]:
    """The catalogue as the job page lists it: best matches for `query` first (only
    matches when there is a query), of one kind unless `kind` is "all"."""
    jobs = list(load_catalogue().values())
    if query.strip():
        jobs = [s.job for s in suggest_jobs(query, limit=len(jobs))]
    return [job for job in jobs if kind == "all" or job.kind == kind]
