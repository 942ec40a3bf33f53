"""Learning from success: a finished run's choices seed a similar later goal, never an
unrelated one (real e5 embeddings, the examples file in the test's state dir)."""

from __future__ import annotations

from support_system.agents.auto import examples


def test_a_similar_goal_finds_the_successful_example_and_an_unrelated_one_does_not(
    settings,
) -> None:
    examples.remember(
        "A profile page for a piano teacher in Kyoto",
        "profile-page",
        {"layout": "card", "color": "navy"},
    )
    examples.remember("Total up my sales CSV per store", "csv-summary", {"operation": "sum"})

    found = examples.closest("A profile page for a violin teacher in Osaka")
    assert found is not None and found["job_id"] == "profile-page"
    assert found["answers"] == {"layout": "card", "color": "navy"}
    assert found["similarity"] >= examples.MIN_SIMILARITY

    assert examples.closest("What is the weather like on Mars tomorrow?") is None
    # Restricted to a job, another job's example is never offered.
    assert examples.closest("A profile page for a violin teacher in Osaka", "csv-summary") is None


def test_without_examples_nothing_is_suggested(settings) -> None:
    assert examples.closest("A profile page for a piano teacher") is None
