"""Fixtures for đối soát tests."""

from __future__ import annotations

import polars as pl
import pytest
from reconcile_data import members_frame, population_lf


@pytest.fixture
def population() -> pl.LazyFrame:
    return population_lf()


@pytest.fixture
def members() -> pl.DataFrame:
    return members_frame()
