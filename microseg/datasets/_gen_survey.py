"""The ``survey`` and ``survey_items`` tables of ``make_customers``: a factor model of answers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._gen_common import _fixed_ids


# --------------------------------------------------------------------------- survey
_SCALES = {
    "motivations": [("I love trying products nobody I know has tried yet.", False), ("New experiences matter more to me than owning things.", False),
                    ("I get bored quickly with the same routine.", False), ("I prefer to stick with brands I already know well.", True),
                    ("I look for adventure when I plan my free time.", False)],
    "values": [("I always compare prices before I buy.", False), ("Saving money gives me real satisfaction.", False),
               ("I happily pay more for a premium brand.", True), ("I wait for the sales before buying anything big.", False),
               ("I use vouchers and discount codes whenever I can.", False)],
    "lifestyle": [("My evenings revolve around my family and home.", False), ("I plan my week around the people I care for.", False),
                  ("I go out several evenings a week.", True), ("Making our home comfortable is a priority for me.", False),
                  ("Family traditions are important to me.", False)],
    "interests": [("I exercise at least three times a week.", False), ("I read labels to check what is in my food.", False),
                  ("I track my health with an app or a device.", False), ("Sport plays no part in my life.", True),
                  ("I would rather go for a run than watch TV.", False)],
    "media": [("I check social media many times a day.", False), ("I often buy things I first saw on social media.", False),
              ("I follow creators and influencers closely.", False), ("I get most of my news from print or TV.", True),
              ("I watch videos on my phone every day.", False)],
    "self_description": [("I like to stand out from the crowd.", False), ("People often ask me for advice on what to buy.", False),
                         ("My style says a lot about who I am.", False), ("I am a modest, quiet person.", True),
                         ("I enjoy being among the first to own something new.", False)],
}
# segment centres on the six factors (one per scale), in standard-deviation units
_CENTRES = np.array([
    [1.3, -0.4, -0.6, 0.3, 0.0, 0.4],     # explorers
    [-0.6, 1.4, 0.2, -0.3, -0.3, -0.8],   # thrifty_pragmatists
    [-0.7, 0.2, 1.4, -0.2, -0.6, -0.4],   # home_centred
    [0.1, -0.3, -0.1, 1.5, 0.2, 0.1],     # health_driven
    [0.4, -0.3, -0.7, -0.1, 1.5, 1.2],    # digital_trendsetters
])


def _survey_items() -> pd.DataFrame:
    rows = [(f"{scale}_{i + 1}", scale, text, rev) for scale, items in _SCALES.items() for i, (text, rev) in enumerate(items)]
    df = pd.DataFrame(rows, columns=["item", "scale", "text", "reverse_keyed"])
    df["item"] = df["item"].astype("str")
    df["text"] = df["text"].astype("str")
    df["scale"] = pd.Categorical(df["scale"], categories=list(_SCALES))
    return df


def _survey(rng, spec, state, segment, items):
    persona = state["persona"]
    n = len(persona)
    p = np.asarray(spec["survey_p"], float)
    resp = np.flatnonzero(rng.random(n) < p[persona] * 0.3 / max(float(p @ np.bincount(persona, minlength=len(p))) / max(n, 1), 1e-9))
    m = len(resp)
    z = _CENTRES[segment[resp]] + rng.normal(0, 0.36, (m, _CENTRES.shape[1]))
    scale_idx = items["scale"].cat.codes.to_numpy()
    rev = items["reverse_keyed"].to_numpy()
    n_items = len(items)
    load = rng.uniform(0.75, 0.9, n_items)
    shift = rng.uniform(-0.35, 0.35, n_items)
    y = z[:, scale_idx] * load + rng.normal(0, 1, (m, n_items)) * np.sqrt(1 - load**2)
    y = np.where(rev, -y, y) + shift
    ans = 1 + np.searchsorted(np.array([-1.3, -0.45, 0.45, 1.3]), y).astype(np.int64)
    duration = np.round(rng.lognormal(np.log(420), 0.35, m)).astype(np.int64)
    kind = rng.random(m)
    straight = kind < 0.02
    speed = (kind >= 0.02) & (kind < 0.04)
    ans[straight] = rng.choice([3, 4, 5, 1], p=[.4, .3, .2, .1], size=straight.sum())[:, None]
    ans[speed] = rng.integers(1, 6, (speed.sum(), n_items))
    duration[speed] = rng.integers(25, 80, speed.sum())
    skipped = rng.random((m, n_items)) < 0.01
    data = {"customer_id": _fixed_ids("C", resp + 1, 7)}
    for i, item in enumerate(items["item"]):
        data[item] = pd.array(np.where(skipped[:, i], 0, ans[:, i]), dtype="Int8")
        data[item] = data[item].copy()
        data[item][skipped[:, i]] = pd.NA
    data["duration_s"] = duration
    return pd.DataFrame(data)
