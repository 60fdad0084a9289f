"""Fixtures shared across the test folders (the repository's conftest.py holds the data-folder fixtures)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def client():
    """A Dask client on two single-threaded workers in this process (fast to start, reliable in CI).

    The HTTP server takes a free port; tests that use it skip where dask[distributed] is not installed.
    """
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0", memory_limit="2GiB"
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()
