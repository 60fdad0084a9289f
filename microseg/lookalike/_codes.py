"""Fast paths behind :class:`~microseg.lookalike._engines.TableEncoder` and lookalike scoring.

Private module. Scoring a large table used to build the one-hot matrix chunk
by chunk and to re-factorise every string column in every chunk. Here

* :func:`level_codes` turns one categorical column into the encoder's output
  column per row (``width`` = ignored: an unknown level), once per column, in
  the narrowest unsigned integer type; categorical codes are reused as they
  are, Arrow strings are dictionary-encoded by Arrow, anything else goes
  through :func:`pandas.factorize`;
* :func:`linear_decision` scores a linear engine as
  ``numeric_block @ w + sum_c w_c[codes_c] + b`` without materialising the
  one-hot matrix (float64 throughout, like the fit-time reference);
* :func:`one_hot` builds the encoded matrix from the same codes, for the
  engines that need it (trees, similarity);
* :class:`RankLookup` replaces ``np.searchsorted(reference, d, "left")`` with
  an exact O(1) bucket lookup.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["as_float", "level_codes", "numeric_block", "linear_decision", "one_hot", "RankLookup", "narrow_uint"]


def as_float(s: pd.Series, kind: str, dtype) -> np.ndarray:
    if kind == "datetime":
        if pd.api.types.is_timedelta64_dtype(s):
            v = s / pd.Timedelta(days=1)
        else:
            origin = pd.Timestamp("1970-01-01", tz=getattr(s.dt, "tz", None))
            v = (s - origin) / pd.Timedelta(days=1)
        return v.to_numpy(dtype=dtype, na_value=np.nan)
    return s.to_numpy(dtype=dtype, na_value=np.nan)


def narrow_uint(top: int):
    """The narrowest unsigned integer type that holds ``0 .. top``."""
    for t in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(t).max:
            return t
    return np.uint64


def _arrow_chunks(s: pd.Series):
    """The Arrow chunks of a pyarrow-backed string column, else None."""
    dt = s.dtype
    if not (isinstance(dt, pd.StringDtype) and dt.storage == "pyarrow"):
        return None
    try:
        return s.array.__arrow_array__().chunks
    except (AttributeError, TypeError):  # pragma: no cover - other pandas internals
        return None


def level_codes(s: pd.Series, known: pd.Index, code_map: np.ndarray, width: int, missing: str) -> np.ndarray:
    """Output column of each row's level in ``0 .. width - 1``; ``width`` for a level unknown at fit time.

    Equal to looking up ``str(level)`` (missing values as ``missing``) in
    ``known`` and mapping the position through ``code_map``.
    """
    dtype = narrow_uint(width)

    def table(names) -> np.ndarray:
        # names of the codes, then the missing level (code -1 picks the last entry)
        pos = known.get_indexer(pd.Index([*map(str, names), missing], dtype=object))
        return np.where(pos >= 0, code_map[np.maximum(pos, 0)], width).astype(dtype)

    if isinstance(s.dtype, pd.CategoricalDtype):
        return table(s.cat.categories)[s.cat.codes.to_numpy()]
    chunks = _arrow_chunks(s)
    if chunks is not None:
        import pyarrow.compute as pc

        out = np.empty(len(s), dtype=dtype)
        a = 0
        for ch in chunks:
            enc = pc.dictionary_encode(ch)
            idx = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            out[a : a + len(ch)] = table(enc.dictionary.to_pylist())[idx]
            a += len(ch)
        return out
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return table(uniques)[codes]


def numeric_block(enc, X: pd.DataFrame, dtype=np.float64):
    """Imputed numeric and datetime values of ``X`` and their missing flags, in the encoder's layout.

    Returns ``(values, value_pos, flags, flag_pos)``: ``values`` (n x k) go to
    encoded columns ``value_pos``; ``flags`` (n x m, bool) to ``flag_pos``.
    """
    lay = enc.layout()
    num, dts = lay["numeric"], lay["datetime"]
    n = len(X)
    values = np.empty((n, len(num) + len(dts)), dtype=dtype)
    if num:
        values[:, : len(num)] = X[num].to_numpy(dtype=dtype, na_value=np.nan)
    for i, c in enumerate(dts):
        values[:, len(num) + i] = as_float(X[c], "datetime", dtype)
    miss = np.isnan(values)
    flag_cols = lay["flag_cols"]
    if miss.any():
        np.copyto(values, lay["medians"].astype(dtype), where=miss)
        flags = miss[:, flag_cols]
    else:
        flags = np.zeros((n, len(flag_cols)), dtype=bool)
    return values, lay["value_pos"], flags, lay["flag_pos"]


def linear_decision(enc, X: pd.DataFrame, coef: np.ndarray, intercept: float, *, chunk: int, codes=None, progress=None):
    """``Z @ coef + intercept`` for ``Z = enc.transform(X)``, without building ``Z`` (float64)."""
    lay = enc.layout()
    coef = np.asarray(coef, dtype=np.float64)
    if codes is None:
        codes = enc.codes(X)
    tables = [np.append(coef[j : j + w], 0.0) for _, j, w in lay["categorical"]]
    w_val = coef[lay["value_pos"]]
    w_flag = coef[lay["flag_pos"]]
    n = len(X)
    out = np.empty(n, dtype=np.float64)
    has_dense = bool(lay["numeric"] or lay["datetime"])
    starts = range(0, n, max(1, int(chunk)))
    for a in progress(starts) if progress else starts:
        b = min(n, a + max(1, int(chunk)))
        d = out[a:b]
        if has_dense:
            values, _, flags, _ = numeric_block(enc, X.iloc[a:b])
            np.matmul(values, w_val, out=d)
            if flags.any():
                d += flags @ w_flag
        else:
            d[:] = 0.0
        for t, k in zip(tables, codes):
            d += t[k[a:b]]
        d += intercept
    return out


def one_hot(enc, X: pd.DataFrame, codes, dtype=np.float64) -> np.ndarray:
    """The encoded matrix of ``X`` (``enc.transform``) from precomputed level codes."""
    lay = enc.layout()
    n = len(X)
    out = np.zeros((n, enc.n_features_), dtype=dtype)
    if lay["numeric"] or lay["datetime"]:
        values, vpos, flags, fpos = numeric_block(enc, X, dtype)
        out[:, vpos] = values
        out[:, fpos] = flags
    flat = out.reshape(-1)
    base = np.arange(n, dtype=np.int64) * enc.n_features_
    for (_, j, w), k in zip(lay["categorical"], codes):
        ok = k < w
        if ok.all():
            flat[base + j + k] = 1
        else:
            flat[base[ok] + j + k[ok]] = 1
    return out


class RankLookup:
    """``np.searchsorted(reference, d, side="left")`` (the number of reference values below ``d``) in O(1).

    The distinct reference values are hashed into ``4 x`` as many equal-width
    buckets by a monotone function of the value; the count below ``d`` is the
    count in the buckets before ``d``'s, plus at most one comparison. Rows whose
    bucket holds more than one distinct value (and NaN) fall back to a binary
    search. Exact: equal to ``np.searchsorted`` for every input.

    Examples
    --------
    >>> import numpy as np
    >>> ref = np.array([0.0, 1.0, 1.0, 2.5, 7.0])
    >>> d = np.array([-1.0, 0.0, 0.5, 1.0, 3.0, 7.0, 9.0, np.nan])
    >>> RankLookup(ref)(d).tolist() == np.searchsorted(ref, d, side="left").tolist()
    True
    """

    def __init__(self, reference: np.ndarray):
        ref = np.asarray(reference, dtype=np.float64)
        finite = ref[~np.isnan(ref)]
        self.n_finite_ = len(finite)
        if len(finite):
            new = np.empty(len(finite), dtype=bool)
            new[0] = True
            np.not_equal(finite[1:], finite[:-1], out=new[1:])
            self.u_ = finite[new]
            below = np.flatnonzero(new)  # reference values strictly below each distinct value
        else:
            self.u_ = np.empty(0)
            below = np.empty(0, dtype=np.int64)
        self.below_ = np.append(below, len(finite)).astype(np.int64)  # beyond the largest: every finite value
        self.u_ext_ = np.append(self.u_, np.inf)
        nu = len(self.u_)
        self.lo_, self.scale_, self.n_buckets_ = 0.0, 0.0, 1
        if nu > 1 and np.isfinite(self.u_[[0, -1]]).all():
            span = self.u_[-1] - self.u_[0]
            scale = 4 * nu / span if span > 0 else np.inf
            if np.isfinite(scale) and np.isfinite(span):
                self.lo_, self.scale_, self.n_buckets_ = float(self.u_[0]), float(scale), 4 * nu
        fb = self._bucket(self.u_)
        self.first_ = np.searchsorted(fb, np.arange(self.n_buckets_ + 1), side="left").astype(np.int64)
        self.count_ = np.diff(self.first_)

    def _bucket(self, x: np.ndarray) -> np.ndarray:
        if self.scale_ == 0:
            return np.zeros(len(x), dtype=np.int64)
        t = np.subtract(x, self.lo_)
        t *= self.scale_
        np.clip(t, 0, self.n_buckets_ - 1, out=t)
        return t.astype(np.int64)

    def __call__(self, d: np.ndarray) -> np.ndarray:
        d = np.asarray(d, dtype=np.float64)
        nan = np.isnan(d)
        any_nan = bool(nan.any())
        b = self._bucket(np.where(nan, self.lo_, d) if any_nan else d)
        first = self.first_[b]
        count = self.count_[b]
        pos = first + ((count >= 1) & (self.u_ext_[first] < d))
        slow = (count > 1) | nan if any_nan else count > 1
        if slow.any():
            idx = np.flatnonzero(slow)
            pos[idx] = np.searchsorted(self.u_, d[idx], side="left")
        out = self.below_[pos]
        if any_nan:  # NaN sorts after every finite reference value (and first among NaN ones)
            out[nan] = self.n_finite_
        return out
