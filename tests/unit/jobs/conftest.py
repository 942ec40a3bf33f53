"""Jobs from the shipped catalogue that several question tests use."""

from __future__ import annotations

import pytest

from support_system.jobs.catalogue import get_job
from support_system.jobs.definitions import Job, Question


@pytest.fixture
def renamer(settings) -> Job:
    return get_job("file-renamer")


@pytest.fixture
def operation(settings) -> Question:
    return get_job("csv-summary").question("operation")


@pytest.fixture
def products(settings) -> Question:
    return get_job("shop-page").question("products")
