"""Fixtures shared by the CLV tests: the CDNOW files of the shared data (skipped when absent)."""

from __future__ import annotations

import pandas as pd
import pytest


def _file(folder, name):
    path = folder / name
    if not path.exists():
        pytest.skip(f"{name} not found in {folder}")
    return path


@pytest.fixture(scope="session")
def cdnow_summary(shared_data):
    """Fader, Hardie & Lee's CDNOW summary (frequency, recency, T in weeks), indexed by customer."""
    return pd.read_csv(_file(shared_data, "cdnow_customers_summary.csv"), index_col="ID")


@pytest.fixture(scope="session")
def cdnow_log(shared_data) -> pd.DataFrame:
    """CDNOW master as a transaction log, ids kept as zero-padded strings (read directly, as lifetimes reads it)."""
    raw = pd.read_csv(_file(shared_data, "cdnow_master.csv.gz"), dtype={"customer_id": str, "date": str})
    return pd.DataFrame({"customer_id": raw["customer_id"], "timestamp": pd.to_datetime(raw["date"], format="%Y%m%d"),
                         "amount": raw["dollar_value"]})
