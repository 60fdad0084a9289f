"""Profiling: who is in the data, and how each segment differs from the population.

* :func:`describe` — the population, column by column;
* :func:`profile` — every segment against the rest of the population, with
  tests, effect sizes, intervals and Benjamini–Hochberg adjusted p-values
  (:class:`SegmentProfile`);
* :func:`compare` — the same statistics for two groups;
* :func:`overlap` — how flags co-occur (UpSet-style combination counts, lift).

Small cells are suppressed by default (:mod:`microseg.privacy._small_cells`).
The package is called ``profiling`` rather than ``profile``: a submodule named
``profile`` would replace the function ``ms.profile`` on the package as soon as
it is imported.

Examples
--------
>>> import microseg as ms
>>> ms.profiling.profile is ms.profile
True
"""

from __future__ import annotations

from .._lazy import attach

_NAMES = {
    "describe": "._describe",
    "Description": "._describe",
    "profile": "._profile",
    "compare": "._segment_profile",
    "SegmentProfile": "._segment_profile",
    "overlap": "._overlap",
    "Overlap": "._overlap",
}

__getattr__, __dir__, __all__ = attach(__name__, _NAMES)
