"""Complementary products from co-purchase lift, never re-offering what a customer already bought.

A basket is an order (``by="order"``), a customer's purchases on one day
(``"customer_day"``) or all of a customer's purchases (``"customer"``). For
products A and B over ``N`` baskets::

    support(A, B)  = baskets with both / N
    confidence(A→B) = baskets with both / baskets with A
    lift(A→B)      = confidence(A→B) / (baskets with B / N)

Lift above 1 means B is bought with A more often than chance. A customer's
score for B is the sum of ``confidence(A→B)`` over the products A they bought
(pairs with lift above ``min_lift`` only). Products the customer bought are
never offered again, nor, given ``families`` (product → family or category),
anything of a family they bought from: a buyer of a winter coat gets gloves,
hats and scarves, not more coats.

Work is done on sparse basket x product matrices (scipy.sparse), customers in
chunks, so thousands of products and tens of thousands of baskets take seconds.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
import pandas as pd
from scipy import sparse

from .._validation import check_columns, check_frame, check_id_column, report_rows
from ..errors import MicrosegError

__all__ = ["associations", "recommend"]

_BASKETS = ("order", "customer_day", "customer")


def _purchases(transactions, *, by, customer, order, product, time, value, stacklevel=4):
    """Positive purchase lines with integer codes: basket, product (and customer when known)."""
    check_frame(transactions, name="transactions")
    if by not in _BASKETS:
        raise MicrosegError(f"by must be one of {_BASKETS}, got {by!r}.")
    need = [product] + {"order": [order], "customer_day": [customer, time], "customer": [customer]}[by]
    if value is not None:
        need.append(value)
    check_columns(transactions, need, name="transactions")
    if customer in transactions.columns:  # float ids are refused everywhere (3.0 would come back as an id)
        check_id_column(transactions, customer, name="transactions")
    tx = transactions
    key_cols = need[1:-1] if value is not None else need[1:]
    drops = {"missing product": int(tx[product].isna().sum())}
    keep = tx[product].notna().to_numpy().copy()
    missing_key = np.zeros(len(tx), dtype=bool)
    for c in key_cols:
        missing_key |= tx[c].isna().to_numpy()
    drops["missing basket key"] = int((keep & missing_key).sum())
    keep &= ~missing_key
    if value is not None:
        v = tx[value].to_numpy(dtype="float64", na_value=np.nan)
        nonpos = ~(v > 0)
        drops["return, cancellation or zero-value line (not a purchase)"] = int((keep & nonpos).sum())
        keep &= ~nonpos
    report_rows(None, drops, what="transaction lines", stacklevel=stacklevel)
    if not keep.any():
        raise MicrosegError("transactions hold no purchase lines (positive value, product and basket key present).")
    tx = tx.loc[keep]
    if by == "order":
        bkey = pd.factorize(tx[order], sort=False)[0]
    elif by == "customer":
        bkey = pd.factorize(tx[customer], sort=False)[0]
    else:
        day = tx[time].dt.normalize()
        bkey = pd.DataFrame({"c": tx[customer].to_numpy(), "d": day.to_numpy()}).groupby(["c", "d"], sort=False).ngroup().to_numpy()
    pcode, products = pd.factorize(tx[product], sort=True)
    cust = tx[customer] if customer in tx.columns else None
    return tx, np.asarray(bkey, dtype=np.int64), np.asarray(pcode, dtype=np.int64), pd.Index(products), cust


def _binary(rows, cols, shape) -> sparse.csr_matrix:
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=shape)
    m.sum_duplicates()
    m.data[:] = 1
    return m


def _pairs(bcode, pcode, n_products, min_support):
    """Pair table (codes) of products co-bought in at least ``min_support`` of the baskets."""
    n_baskets = int(bcode.max()) + 1
    B = _binary(bcode, pcode, (n_baskets, n_products))
    counts = np.asarray(B.sum(axis=0)).ravel()
    min_count = max(int(np.ceil(min_support * n_baskets - 1e-9)), 1)
    frequent = np.flatnonzero(counts >= min_count)
    Bf = B[:, frequent]
    C = (Bf.T @ Bf).tocoo()
    off = (C.row != C.col) & (C.data >= min_count)
    a, b, both = frequent[C.row[off]], frequent[C.col[off]], C.data[off].astype(np.int64)
    n = float(n_baskets)
    conf = both / counts[a]
    lift = conf / (counts[b] / n)
    return a, b, both, counts, n_baskets, min_count, conf, lift


def associations(
    transactions: pd.DataFrame,
    *,
    by: str = "order",
    min_support: float = 0.001,
    min_lift: float | None = None,
    customer: Hashable = "customer_id",
    order: Hashable = "order_id",
    product: Hashable = "product_id",
    time: Hashable = "timestamp",
    value: Hashable | None = "amount",
) -> pd.DataFrame:
    """Pairs of products bought together: support, confidence and lift.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase line.
    by : {"order", "customer_day", "customer"}
        What counts as a basket.
    min_support : float
        Least share of baskets holding both products.
    min_lift : float, optional
        Keep only pairs with a larger lift.
    customer, order, product, time : str
        Column names.
    value : str or None
        Line value column; lines with a value of 0 or less (returns,
        cancellations) are not purchases and are left out (reported). None
        uses every line.

    Returns
    -------
    pandas.DataFrame
        One row per ordered pair: ``antecedent``, ``consequent``, ``count``
        (baskets with both), ``antecedent_count``, ``consequent_count``,
        ``support``, ``confidence`` (of consequent given antecedent) and
        ``lift``; sorted by lift, then count and confidence. ``attrs["n_baskets"]`` holds ``N``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"order_id": [1, 1, 2, 2, 3, 4],
    ...                    "product_id": ["coat", "gloves", "coat", "gloves", "coat", "tea"]})
    >>> a = associations(tx, value=None, min_support=0.5)
    >>> a[["antecedent", "consequent", "count", "support", "confidence", "lift"]].to_dict("records")[0]
    {'antecedent': 'gloves', 'consequent': 'coat', 'count': 2, 'support': 0.5, 'confidence': 1.0, 'lift': 1.3333333333333333}
    """
    if not 0 < float(min_support) <= 1:
        raise MicrosegError(f"min_support must be a share in (0, 1], got {min_support!r}.")
    _, bcode, pcode, products, _ = _purchases(transactions, by=by, customer=customer, order=order, product=product, time=time, value=value)
    a, b, both, counts, n_baskets, _, conf, lift = _pairs(bcode, pcode, len(products), float(min_support))
    out = pd.DataFrame(
        {
            "antecedent": products.take(a),
            "consequent": products.take(b),
            "count": both,
            "antecedent_count": counts[a].astype(np.int64),
            "consequent_count": counts[b].astype(np.int64),
            "support": both / n_baskets,
            "confidence": conf,
            "lift": lift,
        }
    )
    if min_lift is not None:
        out = out[out["lift"] > float(min_lift)]
    out = out.sort_values(["lift", "count", "confidence", "antecedent", "consequent"], ascending=[False, False, False, True, True], ignore_index=True)
    out.attrs["n_baskets"] = n_baskets
    return out


def _family_codes(families, transactions, product, products: pd.Index) -> np.ndarray | None:
    """Family code per product (products without a family form their own)."""
    if families is None:
        return None
    if isinstance(families, str) and families in transactions.columns:
        fam = transactions[[product, families]].dropna().drop_duplicates(product).set_index(product)[families]
    elif isinstance(families, (Mapping, pd.Series)):
        fam = pd.Series(families) if isinstance(families, Mapping) else families
    else:
        raise MicrosegError(
            f"families must be a column of transactions or a mapping product -> family, got {families!r}."
        )
    f = fam.reindex(products)
    codes, _ = pd.factorize(f.astype(object), use_na_sentinel=True)
    codes = codes.astype(np.int64)
    lone = codes < 0
    codes[lone] = codes.max(initial=-1) + 1 + np.arange(int(lone.sum()))
    return codes


def recommend(
    transactions: pd.DataFrame,
    customers=None,
    *,
    n: int = 5,
    by: str = "order",
    min_support: float = 0.001,
    min_lift: float = 1.0,
    families=None,
    customer: Hashable = "customer_id",
    order: Hashable = "order_id",
    product: Hashable = "product_id",
    time: Hashable = "timestamp",
    value: Hashable | None = "amount",
    chunk_size: int = 5_000,
) -> pd.DataFrame:
    """Top-``n`` complementary products per customer, never one they (or their product family) already have.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase line; gives both the baskets and each customer's history.
    customers : iterable of ids, Series or DataFrame, optional
        Customers to recommend for (a DataFrame: its ``customer`` column);
        default: every customer in ``transactions``.
    n : int
        Recommendations per customer.
    by : {"order", "customer_day", "customer"}
        What counts as a basket for co-purchase statistics.
    min_support : float
        Least share of baskets holding both products of a pair.
    min_lift : float
        Only pairs with a lift above this count as complements.
    families : str or mapping, optional
        A column of ``transactions`` or a mapping product -> family (or
        category): products of a family the customer bought from are not offered.
    customer, order, product, time, value : str
        Column names (see :func:`associations`).
    chunk_size : int
        Most customers scored at a time (fewer when there are many products,
        so a chunk's dense score matrix stays near two million cells).

    Returns
    -------
    pandas.DataFrame
        One row per recommendation: ``customer``, ``rank`` (1 = best),
        ``product``, ``score`` (sum of confidences from the customer's
        products), ``because`` (the bought product most associated with it),
        ``confidence`` and ``lift`` of ``because`` → ``product``. Customers
        without purchase history or without any complement get no rows.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"order_id": [1, 1, 1, 2, 2, 2, 3, 3, 4, 5],
    ...                    "customer_id": ["a", "a", "a", "b", "b", "b", "c", "c", "d", "e"],
    ...                    "product_id": ["coat", "gloves", "hat", "coat", "gloves", "scarf", "tea", "mug", "coat", "tea"]})
    >>> recommend(tx, ["d", "e"], value=None, min_support=0.2)[["customer", "rank", "product", "because"]]
      customer  rank product because
    0        d     1  gloves    coat
    1        d     2     hat    coat
    2        d     3   scarf    coat
    3        e     1     mug     tea
    """
    if int(n) < 1:
        raise MicrosegError(f"n must be at least 1, got {n!r}.")
    if not 0 < float(min_support) <= 1:
        raise MicrosegError(f"min_support must be a share in (0, 1], got {min_support!r}.")
    tx, bcode, pcode, products, cust = _purchases(transactions, by=by, customer=customer, order=order, product=product, time=time, value=value)
    if cust is None:
        check_columns(transactions, [customer], name="transactions")
    n_products = len(products)
    a, b, _, _, _, _, conf, lift = _pairs(bcode, pcode, n_products, float(min_support))
    good = lift > float(min_lift)
    a, b, conf, lift = a[good], b[good], conf[good], lift[good]
    W = sparse.csr_matrix((conf, (a, b)), shape=(n_products, n_products))
    pair_key = a * n_products + b
    order_k = np.argsort(pair_key)
    pair_key, pair_conf, pair_lift = pair_key[order_k], conf[order_k], lift[order_k]

    has_cust = cust.notna().to_numpy()
    ccode_all, cust_ids = pd.factorize(cust[has_cust], sort=True)
    U = _binary(ccode_all, pcode[has_cust], (len(cust_ids), n_products))
    if customers is None:
        wanted = np.arange(len(cust_ids))
        asked = cust_ids
    else:
        if isinstance(customers, pd.DataFrame):
            check_columns(customers, [customer], name="customers")
            asked = pd.Index(customers[customer].dropna().unique())
        else:
            asked = pd.Index(pd.unique(pd.Series(list(customers) if not isinstance(customers, pd.Series) else customers).dropna()))
        pos = cust_ids.get_indexer(asked)
        report_rows(None, {"customers without purchase history (no recommendation)": int((pos < 0).sum())}, what="customers", stacklevel=3)
        wanted = pos[pos >= 0]
    fam = _family_codes(families, transactions, product, products)
    n_fam = int(fam.max()) + 1 if fam is not None else 0

    F = None if fam is None else _binary(np.arange(n_products), fam, (n_products, n_fam))
    k = min(int(n), n_products)
    step = max(1, min(int(chunk_size), 2_000_000 // max(n_products, 1)))
    parts = []
    for start in range(0, len(wanted), step):
        rows = wanted[start : start + step]
        Uc = U[rows]
        S = (Uc.astype(np.float64) @ W).toarray()
        S[Uc.toarray().astype(bool)] = 0.0  # never re-offer a bought product
        if F is not None:
            S[(Uc @ F).toarray()[:, fam] > 0] = 0.0  # nor one of a family already bought from
        idx = np.argpartition(-S, k - 1, axis=1)[:, :k] if k < n_products else np.tile(np.arange(n_products), (len(rows), 1))
        vals = np.take_along_axis(S, idx, axis=1)
        o = np.lexsort((idx, -vals), axis=1)
        idx, vals = np.take_along_axis(idx, o, axis=1), np.take_along_axis(vals, o, axis=1)
        rank = np.broadcast_to(np.arange(1, k + 1), idx.shape)
        ok = vals > 0
        parts.append((np.broadcast_to(rows[:, None], idx.shape)[ok], idx[ok], vals[ok], rank[ok]))
    if parts:
        crow, cprod, score, rank = (np.concatenate(x) for x in zip(*parts))
    else:
        crow = cprod = rank = np.zeros(0, np.int64)
        score = np.zeros(0)

    # because: the bought product with the highest confidence towards the recommendation
    Ur = U[crow] if len(crow) else sparse.csr_matrix((0, n_products))
    Urc = Ur.tocoo()
    rec_of = Urc.row.astype(np.int64)
    key = Urc.col.astype(np.int64) * n_products + cprod[rec_of]
    loc = np.searchsorted(pair_key, key)
    loc = np.minimum(loc, max(len(pair_key) - 1, 0))
    found = (pair_key[loc] == key) if len(pair_key) else np.zeros(len(key), bool)
    cand = pd.DataFrame({"rec": rec_of[found], "ante": Urc.col[found], "conf": pair_conf[loc[found]], "lift": pair_lift[loc[found]]})
    cand = cand.sort_values(["rec", "conf", "lift"], ascending=[True, False, False]).drop_duplicates("rec")
    because = np.full(len(crow), -1, dtype=np.int64)
    bconf = np.full(len(crow), np.nan)
    blift = np.full(len(crow), np.nan)
    because[cand["rec"].to_numpy()] = cand["ante"].to_numpy()
    bconf[cand["rec"].to_numpy()] = cand["conf"].to_numpy()
    blift[cand["rec"].to_numpy()] = cand["lift"].to_numpy()
    out = pd.DataFrame(
        {
            "customer": cust_ids.take(crow),
            "rank": rank.astype(np.int64),
            "product": products.take(cprod),
            "score": score,
            "because": products.take(because, allow_fill=True, fill_value=None),
            "confidence": bconf,
            "lift": blift,
        }
    )
    # keep the caller's order of customers
    order_of = pd.Series(np.arange(len(asked)), index=asked)
    pos_c = order_of.reindex(out["customer"]).to_numpy()
    out = out.iloc[np.lexsort((out["rank"].to_numpy(), pos_c))].reset_index(drop=True)
    return out
