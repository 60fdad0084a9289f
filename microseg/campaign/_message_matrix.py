"""The personalisation matrix: which message, on which channel, works for each segment, learned from past tests.

:func:`message_matrix` reads a randomised contact history (treated customers
got a message on a channel, a control group got nothing) and estimates the
incremental response of every segment × message (× channel) cell against the
segment's control group. Estimates are shrunk by empirical Bayes towards an
additive model of segment, message and channel averages (see
``_message_stats``), so a small cell borrows strength from its segment and its
message; significance uses the unshrunk p-values with Benjamini–Hochberg.
:meth:`MessageMatrix.best` turns the matrix into a choice per segment that
:func:`~microseg.campaign.plan` accepts as ``messages``.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import check_columns, check_frame, check_labels, report_rows
from ..errors import MicrosegError
from . import _message_stats as eb

__all__ = ["message_matrix", "MessageMatrix"]

_VALUES = ["n_treatment", "conversions_treatment", "rate_treatment", "n_control", "conversions_control", "rate_control",
           "raw_uplift", "raw_uplift_low", "raw_uplift_high", "p_value", "p_adjusted", "significant",
           "uplift", "uplift_low", "uplift_high", "prior_uplift"]  # fmt: skip


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False)
class MessageMatrix:
    """Incremental response per segment × message (× channel), shrunk by empirical Bayes.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per cell, indexed by ``segment``, ``message`` (and
        ``channel``): ``n_treatment``, ``conversions_treatment``,
        ``rate_treatment``; the segment's control group ``n_control``,
        ``conversions_control``, ``rate_control``; ``raw_uplift`` (treated
        minus control rate) with ``raw_uplift_low``/``raw_uplift_high`` (Wald);
        ``p_value`` (two-proportion z-test, unshrunk), ``p_adjusted``
        (Benjamini–Hochberg over all estimable cells, on the unshrunk
        p-values) and ``significant`` (``p_adjusted < alpha``); ``uplift``, the
        shrunk estimate (posterior mean) with ``uplift_low``/``uplift_high``
        (posterior interval); ``prior_uplift`` (the additive segment + message
        + channel average the cell is shrunk towards) and ``suppressed``. A
        suppressed cell shows no values; cells without treated contacts or
        without a control group are NaN.
    covariance : pandas.DataFrame
        Posterior covariance of ``uplift`` between published cells of the same
        segment (the shared control group and the shared averages make them
        correlated): one row per published cell, one column per message (and
        channel) of its segment; NaN for a partner cell that is not published.
    tau2 : float
        Estimated variance of the cells around the additive model (REML); 0
        means every cell is explained by its segment, message and channel
        averages.
    alpha, min_cell : the settings used.
    rows : dict
        Rows left out, per reason.
    """

    table: pd.DataFrame
    covariance: pd.DataFrame = field(repr=False)
    tau2: float
    alpha: float
    min_cell: int
    rows: dict = field(default_factory=dict)

    @property
    def has_channel(self) -> bool:
        return "channel" in self.table.index.names

    def to_frame(self) -> pd.DataFrame:
        """The cell table (a copy)."""
        return self.table.copy()

    def plot(self, ax=None, **kwargs):
        """Heatmap of the shrunk uplift per segment and message (see :func:`microseg.plot.plot_message_matrix`)."""
        from ..plot import plot_message_matrix

        return plot_message_matrix(self, ax=ax, **kwargs)

    def best(self, customers=None, *, segment: Hashable = "segment", consent=None, opt_out: str | bool = "opted_out",
             history=None, max_contacts=None, customer: Hashable = "customer_id") -> pd.DataFrame:
        """The best message (and channel) per segment, with the runner-up and the difference.

        Only published cells (not suppressed, with treated and control
        contacts) are candidates. Without ``customers`` the cell with the
        highest shrunk uplift wins. With ``customers`` a channel counts only
        the people who may be contacted on it: not opted out, consenting to
        that channel, and below the contact-pressure cap; the winner is the
        cell with the most expected incremental conversions (uplift ×
        reachable), and a channel that reaches no one in a segment is never
        chosen.

        Parameters
        ----------
        customers : pandas.DataFrame, optional
            One row per customer with the ``segment`` column, the opt-out
            column and a consent column per channel.
        segment : str
            Segment column of ``customers``.
        consent : mapping or False, optional
            Consent column per channel (default
            :data:`microseg.privacy.CONSENT_COLUMNS`); ``False`` states that
            consent was checked upstream.
        opt_out : str or False
            Opt-out column of ``customers``.
        history : pandas.DataFrame, optional
            Contacts already made in the period the cap applies to, one row per
            contact, with ``customer`` and ``channel`` columns.
        max_contacts : int or mapping, optional
            Contact-pressure cap: a customer with this many contacts in
            ``history`` (on any channel; a mapping caps each channel) is not
            reachable on the channel.
        customer : str
            Customer id column of ``customers`` and ``history``.

        Returns
        -------
        pandas.DataFrame
            One row per segment (index ``segment``): ``message``, ``channel``
            (when the matrix has one), ``uplift`` with ``uplift_low`` /
            ``uplift_high``, ``runner_up_message``, ``runner_up_channel``,
            ``runner_up_uplift``, ``difference`` (best minus runner-up uplift,
            from the joint posterior) with ``difference_low`` /
            ``difference_high``; with ``customers`` also ``reachable``,
            ``incremental_conversions`` and ``runner_up_incremental_conversions``.
            A segment without a published cell has no message (NaN); a winner
            whose uplift is negative means no message tested helps that segment.

        Examples
        --------
        >>> import microseg as ms
        >>> data = ms.datasets.make_customers(n_customers=20_000, random_state=0)
        >>> persona = data.truth.customers[["customer_id", "persona"]]
        >>> mm = ms.campaign.message_matrix(data.message_tests.merge(persona, on="customer_id"), segments="persona")
        >>> customers = data.customers.merge(persona, on="customer_id")
        >>> customers["sms_opt_in"] = customers["email_opt_in"] & customers["phone"].notna()
        >>> no_sms = customers.assign(sms_opt_in=customers["sms_opt_in"] & (customers["persona"] != "bargain_hunters"))
        >>> mm.best(no_sms, segment="persona").loc["bargain_hunters", ["message", "channel"]].tolist()
        ['price', 'email']
        """
        from ._message_best import best_choices

        return best_choices(self, customers, segment=segment, consent=consent, opt_out=opt_out, history=history,
                            max_contacts=max_contacts, customer=customer)

    def __repr__(self) -> str:
        t = self.table
        pub = ~t["suppressed"] & t["uplift"].notna()
        dims = "segment × message" + (" × channel" if self.has_channel else "")
        return (
            f"MessageMatrix({dims}: {len(t)} cells, {int(pub.sum())} published, "
            f"{int(t['significant'].fillna(False).sum())} significant after BH at {self.alpha}, tau2={self.tau2:.2g})"
        )

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return f"<p><b>{self!r}</b></p>" + format_table(self.table, max_rows=None).html


# --------------------------------------------------------------------------- helpers
def _levels(values: pd.Series) -> list:
    """Labels in their categorical order, else sorted (mixed types: order of appearance)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna().unique())
        return [c for c in values.cat.categories if c in present]
    uniq = list(pd.unique(values.dropna().to_numpy()))
    try:
        return sorted(uniq)
    except TypeError:
        return uniq


def _codes(values: pd.Series, levels: list) -> np.ndarray:
    return np.asarray(pd.Categorical(values.to_numpy(), categories=levels).codes, dtype=np.int64)


def _outcome(df: pd.DataFrame, outcome) -> np.ndarray:
    y = df[outcome]
    if not (pd.api.types.is_bool_dtype(y) or pd.api.types.is_numeric_dtype(y)):
        raise MicrosegError(f"outcome column {outcome!r} must be boolean or 0/1, found dtype {y.dtype}.")
    v = y.to_numpy(dtype="float64", na_value=np.nan)
    if np.isnan(v).any() or not np.isin(v, [0.0, 1.0]).all():
        raise MicrosegError(f"outcome column {outcome!r} must hold only True/False (or 0/1) without missing values; "
                            "drop or fill the missing outcomes first.")
    return v


def _suppress(n_t, x_t, n_c, x_c, n_seg, n_arm, min_cell) -> np.ndarray:
    """Cells hidden by the small-cell rule: treated people or converters 1..min_cell-1 (with complements), or a small control group."""
    from ..privacy._small_cells import protect, table_constraints

    if min_cell <= 1:
        return np.zeros(n_seg * n_arm, bool)
    cons = table_constraints(n_seg, n_arm)  # segment and message totals are published by read-outs
    hidden = np.zeros(n_seg * n_arm, bool)
    for counts in (n_t, x_t):
        sup, _ = protect(np.asarray(counts, np.int64), cons, min_cell=min_cell, shape=(n_seg, n_arm))
        hidden |= sup
    small_control = ((n_c >= 1) & (n_c < min_cell)) | ((x_c >= 1) & (x_c < min_cell))
    return hidden | np.repeat(small_control, n_arm)


# --------------------------------------------------------------------------- the function
def message_matrix(
    contacts: pd.DataFrame,
    *,
    segments,
    message: Hashable = "message",
    channel: Hashable | None = "channel",
    outcome: Hashable = "converted",
    group: Hashable = "group",
    treatment="treatment",
    control="control",
    alpha: float = 0.05,
    min_cell: int = 10,
) -> MessageMatrix:
    """Estimate the incremental response of every segment × message (× channel) cell against the control group.

    Treated rows (``group == treatment``) carry the message and channel they
    received; control rows (sent nothing) are the comparison for every cell of
    their segment. Each cell's raw uplift is its conversion rate minus its
    segment's control rate. These raw uplifts are then **shrunk by empirical
    Bayes**: the true uplifts are modelled as an additive segment + message +
    channel average plus a cell effect of variance ``tau2`` (estimated by
    restricted maximum likelihood), so a small cell borrows strength from its
    message's and its segment's average while a large cell keeps its own
    estimate. Each cell gets an interval from the shrunk (posterior)
    distribution, which accounts for the shared control group.

    Significance is tested on the **unshrunk** estimates: ``p_value`` is the
    two-proportion z-test of each cell against its control group, and
    ``significant`` applies Benjamini–Hochberg at ``alpha`` to those unshrunk
    p-values over all estimable cells (the false discovery rate is
    controlled; shrinkage does not enter the test).

    Small cells are suppressed as in profiles: a cell with 1 to
    ``min_cell - 1`` treated people or converters, together with the
    complementary cells that would let it be recovered from segment and
    message totals, and every cell of a segment whose control group has 1 to
    ``min_cell - 1`` people or converters, shows no values and is never
    recommended. They still inform the model.

    Parameters
    ----------
    contacts : pandas.DataFrame
        One row per customer and test (e.g. ``make_customers().message_tests``).
        The control group is pooled per segment, so pool tests only when they
        kept the same control share and offered the same messages and channels
        (otherwise read them out one by one): a message tested only in a good
        month would otherwise take that month's extra sales for its own.
    segments : str or array-like
        Column name, or labels aligned with ``contacts``.
    message, channel : str
        Columns naming the message and the channel of treated rows;
        ``channel=None`` gives a segment × message matrix.
    outcome : str
        Boolean (or 0/1) response column.
    group : str
        Column giving the arm; ``treatment`` and ``control`` are its values.
    alpha : float
        1 - level of the intervals, and the false discovery rate of ``significant``.
    min_cell : int
        Counts from 1 to ``min_cell - 1`` people are suppressed.

    Returns
    -------
    MessageMatrix

    Examples
    --------
    >>> import microseg as ms
    >>> data = ms.datasets.make_customers(n_customers=20_000, random_state=0)
    >>> tests = data.message_tests.merge(data.truth.customers[["customer_id", "persona"]], on="customer_id")
    >>> mm = ms.campaign.message_matrix(tests, segments="persona")
    >>> mm.best().loc["bargain_hunters", ["message", "channel"]].tolist()
    ['price', 'sms']
    >>> mm.best().loc["affluent_travellers", "message"]
    'quality'
    """
    check_frame(contacts, name="contacts")
    dims = [message] if channel is None else [message, channel]
    check_columns(contacts, [outcome, group, *dims], name="contacts")
    alpha = float(alpha)
    if not 0 < alpha < 1:
        raise MicrosegError(f"alpha must be between 0 and 1 (e.g. 0.05), got {alpha!r}.")
    from ..privacy._small_cells import check_min_cell

    min_cell = check_min_cell(min_cell)
    y = _outcome(contacts, outcome)
    labels = check_labels(contacts, segments)
    t_vals = list(treatment) if isinstance(treatment, (list, tuple, set)) else [treatment]
    c_vals = list(control) if isinstance(control, (list, tuple, set)) else [control]
    g = contacts[group]
    is_t, is_c = g.isin(t_vals).to_numpy(), g.isin(c_vals).to_numpy()
    if not is_t.any() or not is_c.any():
        found = pd.unique(g.dropna().astype(str)).tolist()[:10]
        raise MicrosegError(
            f"column {group!r} needs both arms: treatment={t_vals!r} matched {int(is_t.sum())} rows and control={c_vals!r} "
            f"matched {int(is_c.sum())}; values found: {found}. Pass treatment=... and control=..."
        )
    no_label = labels.isna().to_numpy()
    no_arm = is_t & contacts[dims].isna().any(axis=1).to_numpy()
    keep_t, keep_c = is_t & ~no_label & ~no_arm, is_c & ~no_label
    rows = {"in neither arm": int((~is_t & ~is_c).sum()), "missing segment label": int(((is_t | is_c) & no_label).sum()),
            "treated without a message or channel": int((is_t & ~no_label & no_arm).sum())}
    report_rows(None, rows, what="contact rows", stacklevel=3)
    if not keep_t.any():
        raise MicrosegError(f"no treated row has a {message!r}" + ("" if channel is None else f" and a {channel!r}") + "; "
                            "the matrix needs treated contacts with the message they received.")

    seg_levels = _levels(labels[keep_t | keep_c])
    dim_levels = [_levels(contacts.loc[keep_t, d]) for d in dims]
    n_seg, shape = len(seg_levels), [len(lv) for lv in dim_levels]
    n_arm = int(np.prod(shape))
    seg_all = _codes(labels, seg_levels)
    arm = np.zeros(int(keep_t.sum()), np.int64)
    for d, lv in zip(dims, dim_levels):
        arm = arm * len(lv) + _codes(contacts.loc[keep_t, d], lv)
    cell = seg_all[keep_t] * n_arm + arm
    n_t = np.bincount(cell, minlength=n_seg * n_arm)
    x_t = np.bincount(cell, weights=y[keep_t], minlength=n_seg * n_arm)
    n_c = np.bincount(seg_all[keep_c], minlength=n_seg)
    x_c = np.bincount(seg_all[keep_c], weights=y[keep_c], minlength=n_seg)

    seg_of = np.repeat(np.arange(n_seg), n_arm)
    est = (n_t > 0) & (n_c[seg_of] > 0)
    from .testing import _lift_stats, benjamini_hochberg

    r_t, r_c, d, lo, hi, *_, pv = _lift_stats(x_t, n_t, x_c[seg_of], n_c[seg_of], alpha)
    pv = np.where(est, pv, np.nan)
    padj = benjamini_hochberg(pv)

    # empirical Bayes over the estimable cells, on (segments, arms) arrays
    est2 = est.reshape(n_seg, n_arm)
    mean = prior = np.full(n_seg * n_arm, np.nan)
    cov = np.full((n_seg, n_arm, n_arm), np.nan)
    tau2 = np.nan
    if est.any():
        v = eb.binomial_variance(x_t, n_t).reshape(n_seg, n_arm)
        y_cell = np.where(est, d, 0.0).reshape(n_seg, n_arm)
        X = eb.design(est2, tuple(shape))
        c = eb.binomial_variance(x_c, n_c)
        tau2 = eb.estimate_tau2(y_cell, v, c, est2, X)
        m, cov, fitted = eb.posterior(y_cell, v, c, est2, X, tau2)
        mean, prior = m.ravel(), fitted.ravel()
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2).ravel(), 0, None))
    z = stats.norm.ppf(1 - alpha / 2)

    hidden = _suppress(n_t, x_t, n_c, x_c, n_seg, n_arm, min_cell)
    table = pd.DataFrame({
        "n_treatment": n_t.astype(np.int64), "conversions_treatment": x_t.astype(np.int64), "rate_treatment": r_t,
        "n_control": n_c[seg_of].astype(np.int64), "conversions_control": x_c[seg_of].astype(np.int64), "rate_control": r_c,
        "raw_uplift": np.where(est, d, np.nan), "raw_uplift_low": np.where(est, lo, np.nan), "raw_uplift_high": np.where(est, hi, np.nan),
        "p_value": pv, "p_adjusted": padj, "significant": pd.array(np.where(est, padj < alpha, pd.NA), dtype="boolean"),
        "uplift": mean, "uplift_low": mean - z * sd, "uplift_high": mean + z * sd, "prior_uplift": prior,
        "suppressed": hidden,
    })  # fmt: skip
    for col in _VALUES:  # a suppressed cell shows nothing; counts become nullable integers
        table[col] = (table[col].astype("Int64") if col.startswith(("n_", "conversions_")) else table[col]).mask(hidden)
    names = ["segment", "message"] + ([] if channel is None else ["channel"])
    table.index = pd.MultiIndex.from_product([seg_levels, *dim_levels], names=names)
    pub = est & ~hidden
    arms = table.index.droplevel("segment")[:n_arm]
    block = np.where(pub.reshape(n_seg, 1, n_arm), cov, np.nan).reshape(n_seg * n_arm, n_arm)
    covariance = pd.DataFrame(block[pub], index=table.index[pub], columns=arms)
    return MessageMatrix(table=table, covariance=covariance, tau2=float(tau2), alpha=alpha, min_cell=min_cell, rows=rows)

