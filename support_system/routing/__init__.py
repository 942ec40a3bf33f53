"""Which model answers a task: skill-based, adaptive routing (Avengers-Pro style).

Two local models make the trade-off real: the 1.5B model is better at code and Japanese
but about half as fast as the 0.5B. The router learns, per cluster of similar past tasks,
how well and how fast each model did, and picks by a "faster ↔ better" weight α.

* `service` — what call sites use: `choose` (the model and a plain reason; an explicit
  choice wins) and `record` (how the task went), with the state in the database.
* `skills` — config/skills.yaml: the skills, their job kinds and routing settings.
* `analyzer` — a request's skill(s) and difficulty features (e5 and rules).
* `router` — clusters of task vectors (k-means), per-cluster statistics and the choice,
  with the numbers behind it for a plain reason; `reasons` words it.
* `replay` — routers evaluated offline on recorded outcomes (every model ran every
  task once): quality against seconds, APGR, time saved at a given quality.
* `overview` — the routing page's tables.

`bench/routing.py` builds the labelled task set from the project's own work, records
the outcomes, fits the clusters the app starts from, and prints the replay.
"""
