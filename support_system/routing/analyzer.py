"""The task analyzer: which skill a request needs, and how hard it looks (no model call).

    from support_system.routing.analyzer import analyze
    found = analyze("売上の表を店ごとに合計したい", "ja", files=["sales.csv"])
    found.skill, found.skills, found.route   # "program-texts", ["program-texts"], "csv-summary"
    found.features["numbers"], found.features["margin"]

A request takes the route Home would give it without asking a model
(`intake.understand(use_model=False)`: the safety rules, then e5 neighbours and cue
words; one e5 embedding, 20–100 ms), and the route names the skill (`skill_for_route`):

* a catalogue job: the skill of its kind (`job_kinds` in config/skills.yaml);
* a made-to-measure page or program: the skill of page or program jobs (`ROUTE_KINDS`),
  so moving page jobs to another skill in the yaml moves custom pages with them;
* the other routes by `ROUTE_SKILLS`: a question about a table is data-question;
  something this cannot make, and a refusal, are chat (the person gets a reply, not a
  job). No route is intake-choice: that is the work of understanding the request itself.

More skills follow the main one when the work involves them (`skills_for`): chart-text
when the request asks for a chart (its words are chart-text's work), and intake-choice
when the best two routes are a close call (Home then asks a model to settle it).

The features are cheap signals of difficulty for the router and its statistics: the
request's length, script and numbers, the files and tables it names or brings, whether
it asks for code or a chart, and how sure the classifier was (`margin`, `confidence`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from support_system.core.languages import has_japanese, supported
from support_system.intake.classifier import (
    CUSTOM,
    HAS_FILES,
    KIND,
    MAX_CUES,
    STRONG,
    WEAK,
    Ranking,
)
from support_system.intake.cues import normalise
from support_system.intake.routes import (
    CUSTOM_PAGE,
    CUSTOM_PROGRAM,
    DATA_QUESTION,
    DECLINED,
    NOT_POSSIBLE,
)
from support_system.intake.safety import sounds_harmful
from support_system.intake.service import CONFIDENCE_TEMPERATURE, MODEL_MARGIN, rank
from support_system.jobs.catalogue import load_catalogue
from support_system.routing.skills import load_skills, skill_for_job_kind

Feature = float | int | bool

CHAT = "chat"
"""The skill of a request no route's skill covers (an empty one, or with no skills file)."""
CHART_TEXT = "chart-text"
INTAKE_CHOICE = "intake-choice"

ROUTE_KINDS: dict[str, str] = {CUSTOM_PAGE: "webpage", CUSTOM_PROGRAM: "program"}
"""Made-to-measure routes: the job kind whose skill they share."""
ROUTE_SKILLS: dict[str, str] = {
    DATA_QUESTION: "data-question",
    NOT_POSSIBLE: CHAT,
    DECLINED: CHAT,
}
"""The other routes' skills (`intake.routes.OTHER_ROUTES`)."""

RULE_MARGIN = 1.0 + (STRONG + WEAK) * MAX_CUES + CUSTOM + KIND + HAS_FILES
"""The margin of a request the safety rules declined: the widest the scores can have
(the whole e5 vote, every counted cue word and every bonus)."""

# Words, on the NFKC lower-case text (`intake.cues.normalise`). English ones are whole
# words ("graph" is not in "photograph"); Japanese has no spaces, so substrings, with the
# common words that merely contain 表 (発表, 表示, 代表, …) left out.
_NUMBER = re.compile(r"\d+(?:[.,:/]\d+)*")
_FILE_WORDS = re.compile(
    r"(?<![a-z])(?:csv|tsv|xlsx?|excel|spreadsheets?|tables?|sheets?|columns?|rows?|"
    r"files?|folders?|data)(?![a-z])|"
    r"ファイル|フォルダ|エクセル|スプレッドシート|シート|データ|名簿|一覧|列|"
    r"(?<![発代公図年])表(?![示紙現情彰明面記])"
)
_CODE_WORDS = re.compile(
    r"(?<![a-z])(?:code|coding|script|program|programs|python|function|macro|regex|"
    r"snippet)(?![a-z])|コード|プログラム|スクリプト|関数|マクロ|パイソン"
)
_CHART_WORDS = re.compile(
    r"(?<![a-z])(?:charts?|graphs?|plot|plots|plotted|plotting|diagrams?)(?![a-z])|"
    r"グラフ|図にし|図で|図表"
)


@dataclass(frozen=True)
class TaskAnalysis:
    """What a request needs: its main skill, every skill it involves, and its features."""

    skill: str  # the main skill: the one the router chooses a model for
    skills: list[str]  # `skill` first, then the others the work involves
    route: str | None  # the intake route it came from (None: an empty request)
    features: dict[str, Feature] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able values (logs, the routing outcomes)."""
        return {
            "skill": self.skill,
            "skills": list(self.skills),
            "route": self.route,
            "features": dict(self.features),
        }


def skill_for_route(route: str) -> str | None:
    """The skill of the model work behind intake `route` (None: no known skill)."""
    job = load_catalogue().get(route)
    if job is not None:
        return skill_for_job_kind(job.kind)
    if route in ROUTE_KINDS:
        return skill_for_job_kind(ROUTE_KINDS[route])
    skill = ROUTE_SKILLS.get(route)
    return skill if skill in load_skills() else None


def text_features(text: str, lang: str, files: Sequence[str] = ()) -> dict[str, Feature]:
    """The features read from the words alone: length, script, numbers, files and tables
    (named in the text, and attached), and whether code or a chart is asked for."""
    normal = normalise(text.strip())
    return {
        "chars": len(text.strip()),
        "japanese": has_japanese(text),
        "answer_in_japanese": supported(lang) == "ja",
        "numbers": len(_NUMBER.findall(normal)),
        "files": len(files),
        "file_mentions": len(_FILE_WORDS.findall(normal)),
        "asks_code": _CODE_WORDS.search(normal) is not None,
        "asks_chart": _CHART_WORDS.search(normal) is not None,
    }


def ranking_features(route: str | None, ranking: Ranking | None) -> dict[str, Feature]:
    """How sure the classifier was: the best route's lead over the second (`margin`), its
    share of the ranking as `understand` reports it (`confidence`), whether Home would ask
    a model (`close_call`), and whether rules decided without a ranking (`by_rules`)."""
    if ranking is None:
        sure = route is not None  # a refusal by the rules is sure; an empty request is not
        return {
            "margin": RULE_MARGIN if sure else 0.0,
            "confidence": 1.0 if sure else 0.0,
            "close_call": False,
            "by_rules": True,
        }
    scores = ranking.scores
    margin = min(ranking.margin, RULE_MARGIN)
    weights = [math.exp(s.score / CONFIDENCE_TEMPERATURE) for s in scores]
    chosen = next((w for s, w in zip(scores, weights, strict=True) if s.route == route), 0.0)
    return {
        "margin": round(margin, 4),
        "confidence": round(chosen / (sum(weights) or 1.0), 3),
        "close_call": margin < MODEL_MARGIN,
        "by_rules": False,
    }


def skills_for(skill: str, features: dict[str, Feature]) -> list[str]:
    """`skill` first, then chart-text when a chart is asked for (and the request is not
    mere conversation), and intake-choice when the route was a close call."""
    skills = [skill]
    if features.get("asks_chart") and skill != CHAT:
        skills.append(CHART_TEXT)
    if features.get("close_call"):
        skills.append(INTAKE_CHOICE)
    return list(dict.fromkeys(skills))


def analysis_of(
    text: str,
    lang: str,
    route: str | None,
    ranking: Ranking | None = None,
    *,
    files: Sequence[str] = (),
) -> TaskAnalysis:
    """The analysis of `text` once its route is known (`ranking`: the classifier's; None
    when the rules decided). `analyze` is this after the route; tests call it directly."""
    features = {**text_features(text, lang, files), **ranking_features(route, ranking)}
    skill = (skill_for_route(route) if route is not None else None) or CHAT
    return TaskAnalysis(skill, skills_for(skill, features), route, features)


def analyze(
    text: str,
    lang: str,
    *,
    files: Sequence[str] = (),
    exclude: frozenset[str] = frozenset(),
) -> TaskAnalysis:
    """The skill(s) and difficulty features of `text`; see the module doc.

    `files` are the tables the person attached (a question then has something to be
    about). `exclude` leaves labelled examples out by id (the leave-one-out of the tests
    and `bench/task_skills.py`).
    """
    request = text.strip()
    if not request:
        return analysis_of(text, lang, None, files=files)
    if sounds_harmful(request):
        return analysis_of(text, lang, DECLINED, files=files)
    ranking = rank(request, has_files=bool(files), exclude=exclude)
    return analysis_of(text, lang, ranking.scores[0].route, ranking, files=files)
