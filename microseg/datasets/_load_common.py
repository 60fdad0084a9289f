"""What every public-dataset reader shares: the data folder, column tidying, ``attrs``.

Every ``load_*`` function reads one dataset from a folder the caller names
(``path``), or from the folder in the ``MICROSEG_DATA`` environment variable
when ``path`` is None. Nothing is ever downloaded. The files and their quirks
are described in the ``README.md`` that ships with the data folder.

Each loader returns a pandas DataFrame with snake_case columns, ids as strings
(never floats), timestamps parsed with an explicit format, and categoricals
where a column has few distinct values. Every documented quirk of the source is
handled explicitly and described in the loader's docstring.

What the loaders put in ``DataFrame.attrs``:

``microseg_source``
    The file name(s) read, comma-separated.
``microseg_columns``
    Output column name → column name in the source file.
``microseg_rows``
    Rows dropped, counted per rule (see :func:`microseg._validation.report_rows`).
``microseg_missing``
    Missing values kept, counted per column, where the source documents them.
``microseg_leaks``
    Columns that leak the outcome and must not be used as features.
``microseg_note``
    A caveat about where the data come from (mock or constructed data).
``microseg_questions``
    Column → question or item text, for survey data.
``microseg_keys``
    Scoring keys of a questionnaire (scale → items, ``-`` for reverse-keyed).
``microseg_constants``
    Values of constant source columns that were dropped.

Each dataset has its own module (``_load_<dataset>.py``); this one holds
``data_dir`` and the helpers they all use.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import MicrosegError


__all__ = ["ENV_VAR", "data_dir"]

ENV_VAR = "MICROSEG_DATA"

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


# --------------------------------------------------------------------------- helpers


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """Return the folder that holds the public datasets.

    Parameters
    ----------
    path : str or path-like, optional
        The folder. When None, the folder named by the ``MICROSEG_DATA``
        environment variable is used.

    Returns
    -------
    pathlib.Path
        The folder, which exists.

    Raises
    ------
    MicrosegError
        If neither ``path`` nor ``MICROSEG_DATA`` is given, or the folder does
        not exist. Nothing is ever downloaded.

    Examples
    --------
    >>> import microseg as ms
    >>> folder = ms.datasets.data_dir("/path/to/data")  # doctest: +SKIP
    >>> ms.datasets.data_dir("/no/such/folder")
    Traceback (most recent call last):
    ...
    microseg.errors.MicrosegError: data folder '/no/such/folder' does not exist; pass the folder that holds the dataset files as path=..., or set the MICROSEG_DATA environment variable to it. microseg never downloads data.
    """
    if path is None:
        env = os.environ.get(ENV_VAR)
        if not env:
            raise MicrosegError(
                f"no data folder given: pass path=... (the folder that holds the dataset files) "
                f"or set the {ENV_VAR} environment variable to that folder. microseg never downloads data."
            )
        folder = Path(env).expanduser()
        origin = f" (from {ENV_VAR})"
    else:
        folder = Path(path).expanduser()
        origin = ""
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise MicrosegError(
            f"data folder {str(folder)!r}{origin} {what}; pass the folder that holds the dataset files "
            f"as path=..., or set the {ENV_VAR} environment variable to it. microseg never downloads data."
        )
    return folder


def _data_file(path: str | os.PathLike | None, name: str) -> Path:
    """Resolve ``name`` inside ``path`` (a folder or the file itself) or the default folder.

    A gzip-compressed file ``x.csv.gz`` may also be present uncompressed as ``x.csv``.
    """
    if path is not None and Path(path).expanduser().is_file():
        return Path(path).expanduser()
    folder = data_dir(path)
    candidates = [name]
    if name.endswith(".gz"):
        candidates.append(name[:-3])
    for candidate in candidates:
        if (folder / candidate).is_file():
            return folder / candidate
    raise MicrosegError(
        f"file {name!r} not found in the data folder {str(folder)!r}; put the file there, "
        f"or pass path=... (the folder or the file) or set {ENV_VAR}. microseg never downloads data."
    )


def _snake(name: str) -> str:
    """Turn a source column name into snake_case (``MntWines`` → ``mnt_wines``)."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name))
    s = re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()
    return s


def _rename(df: pd.DataFrame, mapping: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename columns with ``mapping`` (others to snake_case); return the frame and new → original."""
    mapping = dict(mapping or {})
    new = {c: mapping.get(c, _snake(c)) for c in df.columns}
    if len(set(new.values())) != len(new):  # pragma: no cover - guards the fixed schemas
        raise MicrosegError(f"column names collide after renaming: {new}")
    return df.rename(columns=new), {v: k for k, v in new.items()}


def _positional_ids(n: int) -> pd.Series:
    """Zero-padded row numbers as string ids ("00001", ...), for data without ids."""
    width = len(str(n))
    ids = np.char.zfill(np.arange(1, n + 1).astype(str), width)
    return pd.Series(ids, dtype="str", name="customer_id")


def _categorical(s: pd.Series, categories: Iterable | None = None, *, ordered: bool = False) -> pd.Series:
    if categories is None:
        categories = sorted(s.dropna().unique())
    return s.astype(pd.CategoricalDtype(list(categories), ordered=ordered))


def _yes_no(s: pd.Series, *, nullable: bool = False) -> pd.Series:
    """Map "yes"/"no" to booleans (missing stays missing when ``nullable``)."""
    out = s.map({"yes": True, "no": False})
    return out.astype("boolean" if nullable else "bool")


def _finish(
    df: pd.DataFrame,
    *,
    source: str,
    columns: Mapping[str, str],
    note: str | None = None,
    **extra,
) -> pd.DataFrame:
    df.attrs["microseg_source"] = source
    df.attrs["microseg_columns"] = dict(columns)
    if note:
        df.attrs["microseg_note"] = note
    for key, value in extra.items():
        df.attrs[f"microseg_{key}"] = value
    return df

