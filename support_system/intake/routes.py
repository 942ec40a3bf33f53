"""The routes a Home request can take: a catalogue job, or one of five other answers.

A route is a job id (`shop-page`, `csv-summary`, …) or one of `OTHER_ROUTES`. Keeping
them as plain strings lets the labelled requests, the classifier and the page speak
the same words; `is_job` tells the two kinds apart.
"""

from __future__ import annotations

CUSTOM_PAGE = "custom-page"
"""A web page none of the page jobs fits ("a page for my cat's adoption")."""
CUSTOM_PROGRAM = "custom-program"
"""A program none of the program jobs fits ("days until each birthday in my list")."""
DATA_QUESTION = "data-question"
"""A question about a table the person has: answered by the data-questions service."""
NOT_POSSIBLE = "not-possible"
"""Something this offline assistant cannot make (an app, a video, an image, payments),
or a request that is not about making anything ("what's the weather")."""
DECLINED = "declined"
"""A harmful request (breaking into accounts, stalking, malware, fraud)."""

OTHER_ROUTES: tuple[str, ...] = (CUSTOM_PAGE, CUSTOM_PROGRAM, DATA_QUESTION, NOT_POSSIBLE, DECLINED)


def is_job(route: str) -> bool:
    """True when `route` names a catalogue job rather than one of `OTHER_ROUTES`."""
    return route not in OTHER_ROUTES
