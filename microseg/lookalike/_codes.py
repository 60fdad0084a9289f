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

import os

import numpy as np
import pandas as pd

_BLOCK = 1 << 16  # rows per inner step: every temporary stays in cache
_PARALLEL_MIN_ROWS = 500_000  # text columns of tables this long are encoded on several threads

__all__ = ["as_float", "raw_level_codes", "all_raw_codes", "level_codes", "numeric_block", "linear_decision", "one_hot", "RankLookup", "narrow_uint"]


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


def raw_level_codes(s: pd.Series, known: pd.Index, code_map: np.ndarray, width: int, missing: str):
    """``(raw, lut)``: cheap integer codes of each row and their output column, ``lut[raw]`` (``-1`` = last entry).

    ``raw`` are the column's own codes when it has them (categorical codes,
    Arrow dictionary indices), else :func:`pandas.factorize` codes; ``lut``
    maps each to its output column in ``0 .. width - 1`` (``width`` = a level
    unknown at fit time), the last entry being the missing level.
    """
    dtype = narrow_uint(width)

    def table(names) -> np.ndarray:
        # names of the codes, then the missing level (code -1 picks the last entry)
        pos = known.get_indexer(pd.Index([*map(str, names), missing], dtype=object))
        return np.where(pos >= 0, code_map[np.maximum(pos, 0)], width).astype(dtype)

    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy(), table(s.cat.categories)
    chunks = _arrow_chunks(s)
    if chunks is not None:
        import pyarrow.compute as pc

        raw = np.empty(len(s), dtype=np.int32)
        luts, a, offset = [], 0, 0
        for ch in chunks:  # each chunk has its own dictionary: its codes are offset past the earlier ones
            enc = pc.dictionary_encode(ch)
            lut = table(enc.dictionary.to_pylist())
            idx = enc.indices.fill_null(len(lut) - 1).to_numpy(zero_copy_only=False)
            np.add(idx, offset, out=raw[a : a + len(ch)], casting="unsafe")
            luts.append(lut)
            a += len(ch)
            offset += len(lut)
        return raw, np.concatenate([*luts, table([])])  # a trailing missing entry for code -1
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    return codes, table(uniques)


def all_raw_codes(enc, X: pd.DataFrame) -> list:
    """:func:`raw_level_codes` of every categorical column of the encoder, in order.

    Text columns of a large table are encoded on several threads (Arrow and
    pandas' hash tables release the GIL); category columns need no hashing.
    """
    cats = enc.layout()["categorical"]

    def one(item):
        c, _, w = item
        known, code_map, _ = enc.levels_[c]
        return raw_level_codes(X[c], known, code_map, w, enc.missing_label)

    hashed = sum(not isinstance(X[c].dtype, pd.CategoricalDtype) for c, _, _ in cats)
    workers = min(os.cpu_count() or 1, 4, hashed)
    if workers < 2 or len(X) < _PARALLEL_MIN_ROWS:
        return [one(item) for item in cats]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(workers) as ex:
        return list(ex.map(one, cats))


def level_codes(s: pd.Series, known: pd.Index, code_map: np.ndarray, width: int, missing: str) -> np.ndarray:
    """Output column of each row's level in ``0 .. width - 1``; ``width`` for a level unknown at fit time.

    Equal to looking up ``str(level)`` (missing values as ``missing``) in
    ``known`` and mapping the position through ``code_map``.
    """
    raw, lut = raw_level_codes(s, known, code_map, width, missing)
    return _take(lut, raw)


def _take(table: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """``table[codes]`` (code -1 picks the last entry), block by block through intp indices (narrow ones are slow)."""
    out = np.empty(len(codes), dtype=table.dtype)
    idx = np.empty(min(len(codes), _BLOCK), dtype=np.intp)
    for a in range(0, len(codes), _BLOCK):
        ix = idx[: min(_BLOCK, len(codes) - a)]
        ix[:] = codes[a : a + _BLOCK]
        table.take(ix, out=out[a : a + _BLOCK], mode="wrap")
    return out


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


def _dense_columns(enc, X: pd.DataFrame):
    """Per numeric/datetime column (in layout order): its values as one numpy array and whether NaN can occur."""
    lay = enc.layout()
    out = []
    for c in lay["numeric"]:
        s = X[c]
        v = s.to_numpy() if isinstance(s.dtype, np.dtype) else None
        if v is None or v.dtype.kind not in "fiu":
            v = s.to_numpy(dtype=np.float64, na_value=np.nan)
        out.append((v, v.dtype.kind == "f"))
    for c in lay["datetime"]:
        out.append((as_float(X[c], "datetime", np.float64), True))
    return out


_GROUP_TABLE = 4096  # categorical columns are summed in groups whose joint weight table has at most this many entries


def _grouped_tables(tables: list, codes: list):
    """Group categorical columns so that one lookup adds several weights: ``(strides, joint table, codes)`` per group.

    A group's joint table holds ``sum_c w_c[code_c]`` for every combination of
    its columns' codes (``np.add.outer``); codes are made non-negative first
    (code -1, a missing value, is the last entry of the column's table).
    """
    groups, cur = [], []
    for t, k in zip(tables, codes):
        if k.dtype.kind == "i" and len(k) and k.min() < 0:
            k = np.where(k < 0, len(t) - 1, k)
        size = int(np.prod([len(x) for x, _ in cur])) * len(t) if cur else len(t)
        if cur and size > _GROUP_TABLE:
            groups.append(cur)
            cur = []
        cur.append((t, k))
    if cur:
        groups.append(cur)
    out = []
    for g in groups:
        joint = g[0][0]
        for t, _ in g[1:]:
            joint = np.add.outer(joint, t).ravel()
        sizes = [len(t) for t, _ in g]
        strides = [int(np.prod(sizes[i + 1 :])) for i in range(len(g))]
        out.append((strides, joint, [k for _, k in g]))
    return out


def linear_decision(enc, X: pd.DataFrame, coef: np.ndarray, intercept: float, *, chunk: int, progress=None, post=None):
    """``Z @ coef + intercept`` for ``Z = enc.transform(X)``, without building ``Z`` (float64).

    Over blocks of rows that stay in cache: the numeric columns are copied
    into one small block (missing values imputed with the median, their flags'
    weights added) and multiplied by their weights in one BLAS call; the
    categorical columns add ``w_c[code]`` (0 for unknown levels), several
    columns per lookup in a joint table. ``post`` (optional) maps each block
    of decision values before it is stored.
    """
    lay = enc.layout()
    coef = np.asarray(coef, dtype=np.float64)
    # each column's raw codes (computed once) and the weight of each raw code: w_c[lut], 0 for unknown levels
    tables, codes = [], []
    for (c, j, w), (raw, lut) in zip(lay["categorical"], all_raw_codes(enc, X)):
        codes.append(raw)
        tables.append(np.append(coef[j : j + w], 0.0).take(lut))
    groups = _grouped_tables(tables, codes)
    dense = _dense_columns(enc, X)
    w_val = coef[lay["value_pos"]]
    med = lay["medians"]
    w_flag = np.zeros(len(dense))
    w_flag[lay["flag_cols"]] = coef[lay["flag_pos"]]
    can_nan = np.array([c for _, c in dense], dtype=bool)
    n = len(X)
    out = np.empty(n, dtype=np.float64)
    step = max(1, min(int(chunk), _BLOCK))
    tmp, idx = np.empty(step), np.empty(step, dtype=np.intp)
    block = np.empty((len(dense), step))  # one row per numeric column: contiguous copies, one matrix product
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):  # small products: threads only wait for each other
        _blocks(out, n, step, dense, block, can_nan, med, w_flag, w_val, groups, tmp, idx, intercept, progress, post)
    return out


def _blocks(out, n, step, dense, block, can_nan, med, w_flag, w_val, groups, tmp, idx, intercept, progress, post):
    starts = range(0, n, step)
    for a in progress(starts) if progress else starts:
        b = min(n, a + step)
        m = b - a
        d = np.empty(m) if post is not None else out[a:b]
        t = tmp[:m]
        if dense:
            blk = block[:, :m]
            for i, (v, _) in enumerate(dense):
                blk[i] = v[a:b]
            flagged = None
            if can_nan.any() and np.isnan(blk[can_nan]).any():
                flagged = np.zeros(m)
                for i in np.flatnonzero(can_nan):
                    miss = np.isnan(blk[i])
                    if miss.any():
                        blk[i][miss] = med[i]
                        flagged[miss] += w_flag[i]
            np.matmul(w_val, blk, out=d)
            if flagged is not None:
                d += flagged
        else:
            d[:] = 0.0
        ix = idx[:m]
        for strides, joint, ks in groups:
            np.multiply(ks[0][a:b], strides[0], out=ix, dtype=np.intp, casting="unsafe")
            for st, k in zip(strides[1:], ks[1:]):
                if st == 1:
                    np.add(ix, k[a:b], out=ix, dtype=np.intp, casting="unsafe")
                else:
                    np.add(ix, np.multiply(k[a:b], st, dtype=np.intp, casting="unsafe"), out=ix)
            joint.take(ix, out=t)
            d += t
        d += intercept
        if post is not None:
            out[a:b] = post(d)


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
        span = self.u_[-1] - self.u_[0] if nu > 1 else 0.0
        if nu > 1 and np.isfinite(span) and span > 0:
            # finer buckets until at most 1 % of the distinct values share a bucket (at most 16 per value)
            for per_value in (4, 8, 16):
                scale = per_value * nu / span
                if not np.isfinite(scale):
                    break
                self.lo_, self.scale_, self.n_buckets_ = float(self.u_[0]), float(scale), per_value * nu
                fb = self._bucket(self.u_)
                shared = np.zeros(nu, dtype=bool)
                shared[1:] = fb[1:] == fb[:-1]
                shared[:-1] |= shared[1:]
                if shared.mean() <= 0.01:
                    break
        fb = self._bucket(self.u_)
        first = np.searchsorted(fb, np.arange(self.n_buckets_ + 1), side="left").astype(np.intp)
        count = np.diff(first)
        self.first_ = first[:-1]
        self.thr_ = np.where(count >= 1, self.u_ext_[self.first_], np.inf)  # the bucket's one value, if any
        self.multi_ = count > 1  # buckets that need a binary search

    def _bucket(self, x: np.ndarray) -> np.ndarray:
        if self.scale_ == 0:
            return np.zeros(len(x), dtype=np.intp)
        t = np.subtract(x, self.lo_)
        t *= self.scale_
        np.clip(t, 0, self.n_buckets_ - 1, out=t)
        return t.astype(np.intp)

    def __call__(self, d: np.ndarray) -> np.ndarray:
        d = np.asarray(d, dtype=np.float64)
        nan = np.isnan(d)
        any_nan = bool(nan.any())
        b = self._bucket(np.where(nan, self.lo_, d) if any_nan else d)
        pos = self.first_.take(b)
        pos += self.thr_.take(b) < d
        slow = self.multi_.take(b)
        if any_nan:
            slow |= nan
        if slow.any():
            idx = np.flatnonzero(slow)
            pos[idx] = np.searchsorted(self.u_, d[idx], side="left")
        out = self.below_.take(pos)
        if any_nan:  # NaN sorts after every finite reference value (and first among NaN ones)
            out[nan] = self.n_finite_
        return out
