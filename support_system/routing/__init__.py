"""Which model answers a task: skill-based, adaptive routing (Avengers-Pro style).

Two local models make the trade-off real: the 1.5B model is better at code and Japanese
but about half as fast as the 0.5B. The router learns, per cluster of similar past tasks,
how well and how fast each model did, and picks by a "faster ↔ better" weight α.

* `router` — clusters of task vectors (k-means), per-cluster statistics and the choice,
  with the numbers behind it for a plain reason.
* `replay` — routers evaluated offline on recorded outcomes (every model ran every
  task once): quality against seconds, APGR, time saved at a given quality.

`bench/routing.py` builds the labelled task set from the project's own work, records
the outcomes and prints the replay. Wiring every model call through the router is the
next step of issue 14 (see the README's routing section).
"""
