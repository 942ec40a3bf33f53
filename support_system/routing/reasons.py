"""Why a model was chosen, in one plain sentence in the person's language.

The sentence names the trade-off the router actually made from its own estimates (how
often each model was right on similar tasks, how long each took), e.g.
「表についての質問では1.5Bの正答率が高い（92%対61%）ので1.5Bを使いました（約2.0倍の時間）」.
Model names come in as `labels` (the caller's short, translated names), so the sentence
never shows a registry id.
"""

from __future__ import annotations

from support_system.core.i18n import catalogue, t
from support_system.routing.router import Choice

SAME_QUALITY = 0.02  # closer than this counts as "about as good"


def skill_name(skill: str, lang: str) -> str:
    """A skill's name in `lang` ("questions about a table"); a skill added to
    config/skills.yaml without a translation shows as written (in a sentence and on the
    Routing page alike)."""
    key = f"routing.skill.{skill}"
    return catalogue(lang).get(key) or catalogue("en").get(key) or skill


def reason(choice: Choice, *, skill: str, labels: dict[str, str], lang: str) -> str:
    """The sentence for a router's `choice` on a task of `skill`."""
    name = labels.get(choice.model, choice.model)
    others = [m for m in choice.quality if m != choice.model]
    if not others:
        return t("routing.reason.only", lang, chosen=name)
    if choice.explored:
        return t("routing.reason.explored", lang, chosen=name, skill=skill_name(skill, lang))
    other = max(others, key=lambda m: choice.scores.get(m, 0.0))
    chosen_q, other_q = choice.quality[choice.model], choice.quality[other]
    chosen_s, other_s = choice.seconds[choice.model], choice.seconds[other]
    params = {
        "chosen": name,
        "other": labels.get(other, other),
        "skill": skill_name(skill, lang),
        "chosen_quality": round(100 * chosen_q),
        "other_quality": round(100 * other_q),
    }
    better = chosen_q > other_q + SAME_QUALITY
    faster = chosen_s < other_s
    if better and faster:
        return t("routing.reason.better_and_faster", lang, **params)
    if better:
        return t("routing.reason.better", lang, ratio=_ratio(chosen_s, other_s), **params)
    if chosen_q >= other_q - SAME_QUALITY:
        return t("routing.reason.as_good_faster", lang, ratio=_ratio(other_s, chosen_s), **params)
    return t("routing.reason.faster_by_choice", lang, ratio=_ratio(other_s, chosen_s), **params)


def explicit_reason(model_label: str, lang: str, *, agent: str | None = None) -> str:
    """The sentence when no router chose: the person's choice, or an agent's preference."""
    if agent:
        return t("routing.reason.agent_prefers", lang, chosen=model_label, agent=agent)
    return t("routing.reason.person_chose", lang, chosen=model_label)


def _ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:.1f}" if fast > 0 else "1.0"
