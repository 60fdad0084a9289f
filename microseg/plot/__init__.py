"""Plotting functions. Each takes ``ax=None`` and returns the Axes it drew on.

Result objects' ``.plot()`` methods call these. matplotlib is imported only
when this package is, never by ``import microseg``.
"""

from __future__ import annotations

from .._lazy import attach
from ._palette import segment_colors

_NAMES = {
    "segment_colors": "._palette",
    "plot_index_heatmap": "._profile",
    "plot_snake": "._profile",
    "plot_radar": "._profile",
    "plot_sizes": "._profile",
    "plot_describe": "._profile",
    "plot_overlap": "._profile",
    "plot_export_steps": "._privacy",
    "plot_group_sizes": "._privacy",
    "plot_record_age": "._privacy",
}

__getattr__, __dir__, _lazy_all = attach(__name__, _NAMES)
__all__ = sorted(set(_lazy_all) | {"segment_colors"})
