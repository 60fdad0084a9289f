"""Lookalike audiences: from a seed to a scored, sized, evaluated and explained audience.

A *seed* is a set of known customers (converters, high-value buyers); a
lookalike model (:class:`Lookalike`) ranks everyone else by how much they
resemble the seed, and an *audience* is the top share of that ranking, without
the seed itself and without anyone who opted out. :func:`evaluate` measures any
method honestly (recall and lift at an audience size, on held-out splits).

Examples
--------
>>> import microseg as ms
>>> ms.lookalike.Lookalike is ms.Lookalike
True
"""

from __future__ import annotations

from .._lazy import attach

_NAMES = {
    "Lookalike": "._model",
    "evaluate": "._evaluate",
    "LookalikeEvaluation": "._evaluate",
    "BASELINES": "._evaluate",
    "LookalikeExplanation": "._explain",
    "select_features": "._inputs",
    "TIERS": "._tiers",
    "TIER_EDGES": "._tiers",
    "SmallSeedWarning": "..errors",
}

__getattr__, __dir__, __all__ = attach(__name__, _NAMES)
