"""Shared pytest fixtures (tests and doctests): the real datasets folder, which skips when absent, and figure clean-up."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
os.environ.setdefault("MPLBACKEND", "Agg")  # tests and doctests never open windows


def _data_dir() -> Path:
    env = os.environ.get("MICROSEG_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of public datasets (``MICROSEG_DATA`` or ``../shared/data``); skips when absent."""
    path = _data_dir()
    if not path.is_dir():
        pytest.skip(f"real datasets not found at {path}; set MICROSEG_DATA to run this test")
    return path


@pytest.fixture
def data_file(shared_data):
    """Return a function that gives the path of one dataset file, skipping when it is absent."""

    def get(name: str) -> Path:
        p = shared_data / name
        if not p.exists():
            pytest.skip(f"{name} not found in {shared_data}")
        return p

    return get


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
