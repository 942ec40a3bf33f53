"""Choose the held-out quarter of requests.yaml once, at random with a fixed seed.

Run once after writing the requests (`python data/requests/make_split.py`); it
writes `split: tune` or `split: heldout` into each line and refuses to run again once
any request has a split, so the held-out set can never be re-drawn after seeing results.
The draw is per route (a quarter of each, rounded, at least one), so every route keeps
examples to learn from and is tested on requests it never saw.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path

import yaml

SEED = 13
FILE = Path(__file__).with_name("requests.yaml")


def main() -> None:
    text = FILE.read_text(encoding="utf-8")
    requests = yaml.safe_load(text)
    if any("split" in request for request in requests):
        raise SystemExit("requests.yaml already has its split; it is chosen only once")
    by_route: dict[str, list[str]] = defaultdict(list)
    for request in requests:
        by_route[request["route"]].append(request["id"])
    rng = random.Random(SEED)
    heldout: set[str] = set()
    for route in sorted(by_route):
        ids = sorted(by_route[route])
        heldout.update(rng.sample(ids, max(1, round(len(ids) / 4))))
    lines = []
    for line in text.split("\n"):
        found = re.match(r"- \{id: ([\w-]+), ", line)
        if found:
            split = "heldout" if found.group(1) in heldout else "tune"
            line = line.replace(", text: ", f", split: {split}, text: ", 1)
        lines.append(line)
    FILE.write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(heldout)} of {len(requests)} requests held out (seed {SEED})")


if __name__ == "__main__":
    main()
