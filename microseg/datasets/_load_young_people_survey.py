"""Reader for the Young People Survey (Slovakia, 2013): ``load_young_people_survey``."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ._load_common import _categorical, _data_file, _finish, _positional_ids, _rename

__all__ = ["load_young_people_survey"]


_YPS_CATEGORIES: dict[str, tuple[list[str], bool]] = {
    "Smoking": (["never smoked", "tried smoking", "former smoker", "current smoker"], False),
    "Alcohol": (["never", "social drinker", "drink a lot"], True),
    "Punctuality": (["i am often early", "i am always on time", "i am often running late"], True),
    "Lying": (["never", "only to avoid hurting someone", "sometimes", "everytime it suits me"], True),
    "Internet usage": (["no time at all", "less than an hour a day", "few hours a day", "most of the day"], True),
    "Gender": (["female", "male"], False),
    "Left - right handed": (["right handed", "left handed"], False),
    "Education": (
        [
            "currently a primary school pupil",
            "primary school",
            "secondary school",
            "college/bachelor degree",
            "masters degree",
            "doctorate degree",
        ],
        True,
    ),
    "Only child": (["no", "yes"], False),
    "Village - town": (["village", "city"], False),
    "House - block of flats": (["block of flats", "house/bungalow"], False),
}
_YPS_MEASURES = ("Age", "Height", "Weight", "Number of siblings")


def load_young_people_survey(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the Young People Survey (Slovakia, 2013): 1,010 respondents, 150 questions.

    Music and movie tastes, hobbies and interests, phobias, health habits,
    personality and views, spending habits and demographics of Slovak
    respondents aged 15–30 (Kaggle, Miroslav Sabo). Reads
    ``young_people_survey_responses.csv`` and, for the question texts,
    ``young_people_survey_columns.csv``.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding both files (default: the ``MICROSEG_DATA`` environment
        variable).

    Returns
    -------
    pandas.DataFrame
        One row per respondent, ``customer_id`` (str, zero-padded row number;
        the source has no ids) first, then the 150 answers with snake_case
        names (``Hiphop, Rap`` → ``hiphop_rap``, ``Fantasy/Fairy tales`` →
        ``fantasy_fairy_tales``):

        - 135 Likert items (1–5) as nullable ``Int8``.
        - ``age``, ``height`` (cm), ``weight`` (kg) and
          ``number_of_siblings`` as nullable ``Int16``.
        - The 11 text answers as categories: ``smoking``, ``gender``,
          ``left_right_handed``, ``only_child``, ``village_town`` and
          ``house_block_of_flats`` unordered; ``alcohol``, ``punctuality``
          (early → late), ``lying`` (never → whenever it suits),
          ``internet_usage`` and ``education`` ordered.

        ``attrs["microseg_columns"]`` maps each column to its name in the
        source, and ``attrs["microseg_questions"]`` to the full question text.

    Notes
    -----
    The 608 missing answers, scattered across columns, stay missing.

    Examples
    --------
    >>> import microseg as ms
    >>> yps = ms.datasets.load_young_people_survey("/path/to/data")  # doctest: +SKIP
    >>> yps.attrs["microseg_questions"]["hiphop_rap"]  # doctest: +SKIP
    'Hip hop, Rap'
    """
    file = _data_file(path, "young_people_survey_responses.csv")
    qfile = _data_file(path if path is None or Path(path).is_dir() else Path(path).parent, "young_people_survey_columns.csv")
    header = pd.read_csv(file, nrows=0).columns
    dtype = {c: "str" if c in _YPS_CATEGORIES else "Int16" if c in _YPS_MEASURES else "Int8" for c in header}
    raw = pd.read_csv(file, engine="pyarrow", dtype=dtype)
    questions = pd.read_csv(qfile, engine="pyarrow", dtype="str")
    for col, (levels, ordered) in _YPS_CATEGORIES.items():
        raw[col] = _categorical(raw[col], levels, ordered=ordered)
    df, columns = _rename(raw)
    text = dict(zip(questions["short"], questions["original"], strict=True))
    df.insert(0, "customer_id", _positional_ids(len(df)))
    return _finish(
        df,
        source=f"{file.name}, {qfile.name}",
        columns={"customer_id": "(row number)", **columns},
        questions={new: text.get(old, old) for new, old in columns.items()},
    )

