"""Reader for the SAPA Big Five personality items, with their scoring keys: ``load_big_five``."""

from __future__ import annotations

import os

import pandas as pd

from ._load_common import _categorical, _data_file, _finish

__all__ = ["BIG_FIVE_KEYS", "BIG_FIVE_ITEMS", "load_big_five"]


BIG_FIVE_KEYS: dict[str, tuple[str, ...]] = {
    "agreeableness": ("-A1", "A2", "A3", "A4", "A5"),
    "conscientiousness": ("C1", "C2", "C3", "-C4", "-C5"),
    "extraversion": ("-E1", "-E2", "E3", "E4", "E5"),
    "neuroticism": ("N1", "N2", "N3", "N4", "N5"),
    "openness": ("O1", "-O2", "O3", "O4", "-O5"),
}
"""Scoring keys of the Big Five items (as in R ``psych``): scale → items, ``-`` marks a reverse-keyed item."""

BIG_FIVE_ITEMS: dict[str, str] = {
    "A1": "Am indifferent to the feelings of others",
    "A2": "Inquire about others' well-being",
    "A3": "Know how to comfort others",
    "A4": "Love children",
    "A5": "Make people feel at ease",
    "C1": "Am exacting in my work",
    "C2": "Continue until everything is perfect",
    "C3": "Do things according to a plan",
    "C4": "Do things in a half-way manner",
    "C5": "Waste my time",
    "E1": "Don't talk a lot",
    "E2": "Find it difficult to approach others",
    "E3": "Know how to captivate people",
    "E4": "Make friends easily",
    "E5": "Take charge",
    "N1": "Get angry easily",
    "N2": "Get irritated easily",
    "N3": "Have frequent mood swings",
    "N4": "Often feel blue",
    "N5": "Panic easily",
    "O1": "Am full of ideas",
    "O2": "Avoid difficult reading material",
    "O3": "Carry the conversation to a higher level",
    "O4": "Spend time reflecting on things",
    "O5": "Will not probe deeply into a subject",
}
"""Text of the 25 IPIP items of the Big Five data (answered 1 = very inaccurate … 6 = very accurate)."""

_BFI_EDUCATION = ["HS", "finished HS", "some college", "college graduate", "graduate degree"]


def load_big_five(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the Big Five personality items of the SAPA project (R ``psych::bfi``): 2,800 people.

    25 self-report items from the International Personality Item Pool,
    five per trait, answered on a 1–6 scale (1 = very inaccurate, 6 = very
    accurate), collected in 2010 (Revelle, Wilt & Rosenthal).

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding ``bfi.csv``, or the file itself (default: the
        ``MICROSEG_DATA`` environment variable).

    Returns
    -------
    pandas.DataFrame
        One row per respondent:

        - ``customer_id`` (str): the SAPA respondent id (the R row name).
        - ``A1``–``A5``, ``C1``–``C5``, ``E1``–``E5``, ``N1``–``N5``,
          ``O1``–``O5`` (nullable ``Int8``): the items. They keep their
          standard upper-case names, the one exception to snake_case here,
          because scoring keys use them.
        - ``gender`` (category): ``male`` (919) or ``female`` (1,881),
          decoded from 1/2.
        - ``education`` (ordered category): ``HS`` < ``finished HS`` <
          ``some college`` < ``college graduate`` < ``graduate degree``,
          decoded from 1–5; 223 missing.
        - ``age`` (int): 3–86; the implausibly low ages are in the source and
          kept.

        ``attrs["microseg_keys"]`` holds :data:`BIG_FIVE_KEYS` (reverse-keyed
        items A1, C4, C5, E1, E2, O2, O5 carry a ``-``) and
        ``attrs["microseg_questions"]`` the item texts.

    Notes
    -----
    The 731 missing item and education values stay missing.

    Examples
    --------
    >>> import microseg as ms
    >>> ms.datasets.BIG_FIVE_KEYS["openness"]
    ('O1', '-O2', 'O3', 'O4', '-O5')
    >>> bfi = ms.datasets.load_big_five("/path/to/data")  # doctest: +SKIP
    >>> bfi["gender"].value_counts()["female"]  # doctest: +SKIP
    1881
    """
    file = _data_file(path, "bfi.csv")
    items = list(BIG_FIVE_ITEMS)
    raw = pd.read_csv(
        file,
        engine="pyarrow",
        dtype={"id": "str", **dict.fromkeys(items, "Int8"), "gender": "Int8", "education": "Int8", "age": "int64"},
    )
    gender = raw["gender"].map({1: "male", 2: "female"})
    education = raw["education"].map(dict(enumerate(_BFI_EDUCATION, start=1)))
    df = pd.DataFrame({"customer_id": raw["id"]}).join(raw[items])
    df["gender"] = _categorical(gender, ["male", "female"])
    df["education"] = _categorical(education, _BFI_EDUCATION, ordered=True)
    df["age"] = raw["age"]
    columns = {"customer_id": "id", **{c: c for c in items}, "gender": "gender", "education": "education", "age": "age"}
    return _finish(
        df,
        source=file.name,
        columns=columns,
        keys={k: list(v) for k, v in BIG_FIVE_KEYS.items()},
        questions=dict(BIG_FIVE_ITEMS),
    )

