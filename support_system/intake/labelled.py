"""The labelled requests (`data/requests/requests.yaml`): examples and evaluation.

Each request carries the route it should take and a split. The `tune` requests are the
classifier's examples at run time; the `heldout` ones are never examples, so their score
in `bench/request_routes.py` says how routing does on wording nobody optimised for. The
README beside the file explains the fields and how the split was drawn.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from support_system.core.settings import PROJECT_ROOT

REQUESTS_FILE = PROJECT_ROOT / "data" / "requests" / "requests.yaml"

Split = Literal["tune", "heldout"]


class LabelledRequest(BaseModel):
    """One line of requests.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z]+(?:-[a-z]+)*-\d{2}$")
    lang: Literal["ja", "en"]
    route: str = Field(min_length=1)
    split: Split
    text: str = Field(min_length=1)


def load_requests(path: Path = REQUESTS_FILE) -> list[LabelledRequest]:
    """Every labelled request in file order ([] when the file is not there: the
    classifier then learns from the catalogue's own texts alone)."""
    if not path.is_file():
        return []
    stat = path.stat()
    return list(_load(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=4)
def _load(path: Path, _mtime: int, _size: int) -> tuple[LabelledRequest, ...]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    requests = tuple(LabelledRequest.model_validate(entry) for entry in entries)
    ids = [r.id for r in requests]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path.name}: duplicate request ids")
    return requests


def tune_requests(path: Path = REQUESTS_FILE) -> list[LabelledRequest]:
    """The requests the classifier may learn from (never the held-out ones)."""
    return [r for r in load_requests(path) if r.split == "tune"]
