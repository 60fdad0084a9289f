"""The one plot contract, over every ``ms.plot`` function.

Each public ``plot_<thing>`` takes the result by position and everything else by
keyword, with ``ax=None``; it returns the Axes it drew on (a multi-panel plot
returns a Figure, says so in its docstring and refuses ``ax`` with a
``MicrosegError``); given an Axes it draws on that Axes. Renamed functions keep
their old name with a FutureWarning. A new plot function must get a case in
``CASES`` (a real result to draw), or the coverage test fails.
"""

from __future__ import annotations

import inspect
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import microseg as ms  # noqa: E402
from microseg import plot as msplot  # noqa: E402
from microseg.errors import DataQualityWarning, MicrosegError  # noqa: E402

PLOT_FUNCTIONS = sorted(n for n in msplot.__all__ if n.startswith("plot_"))
MULTI_PANEL = {"plot_choose_k", "plot_stability", "plot_describe", "plot_cohorts"}


@pytest.fixture(scope="module")
def data():
    return ms.datasets.make_customers(n_customers=3000, random_state=0)


@pytest.fixture(scope="module")
def quiet():
    def run(f, *a, **k):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)
            warnings.simplefilter("ignore", UserWarning)
            return f(*a, **k)

    return run


def _profile(data, quiet):
    c = data.customers
    personas = data.truth.customers.set_index("customer_id")["persona"].reindex(c["customer_id"]).to_numpy()
    return quiet(ms.profile, c[["age", "income", "preferred_channel", "gamer"]].assign(persona=personas), "persona")


def _blobs():
    rng = np.random.default_rng(0)
    return pd.DataFrame(np.r_[rng.normal(0, 1, (80, 2)), rng.normal(6, 1, (80, 2))], columns=["a", "b"])


def _readout(data, quiet):
    return quiet(ms.campaign.readout, data.contacts, outcome="converted", group="group")


def _psy(data, quiet):
    items = list(data.survey_items["item"]) if "item" in data.survey_items else None
    return quiet(ms.PsychographicModel(n_segments=3, items=items, n_factors="parallel", random_state=0).fit,
                 data.survey[items] if items else data.survey)


def _btyd(data, quiet):
    return quiet(ms.rfm, data.transactions, convention="btyd", freq="W")


def _holdout(data, quiet):
    tx = data.transactions
    end = tx["timestamp"].min() + (tx["timestamp"].max() - tx["timestamp"].min()) / 2
    return quiet(ms.calibration_holdout, tx, calibration_end=end, freq="W"), end


def _uplift(data, quiet):
    rng = np.random.default_rng(0)
    n = 2_000
    X = pd.DataFrame({"age": rng.integers(18, 80, n), "income": rng.gamma(2, 20_000, n)})
    t = rng.random(n) < 0.5
    y = rng.random(n) < 0.1 + 0.1 * t * (X["age"] < 40)
    return X, np.where(X["age"] < 40, 0.1, 0.0) + rng.normal(0, 0.01, n), y.to_numpy(), t


CASES = {
    "plot_choose_k": lambda d, q: ms.choose_k(_blobs(), k=range(2, 4), n_references=2, random_state=0),
    "plot_stability": lambda d, q: ms.stability(_blobs(), k=[2, 3], n_resamples=3, random_state=0),
    "plot_explain": lambda d, q: ms.explain(_blobs(), np.r_[np.zeros(80), np.ones(80)].astype(int), random_state=0),
    "plot_describe": lambda d, q: q(ms.describe, d.customers[["age", "income", "preferred_channel"]]),
    "plot_index_heatmap": _profile,
    "plot_snake": _profile,
    "plot_sizes": _profile,
    "plot_radar": lambda d, q: q(ms.profile, d.customers[["age", "income", "household_size", "gamer"]].assign(
        g=np.arange(len(d.customers)) % 3), "g"),
    "plot_overlap": lambda d, q: ms.overlap(d.customers.assign(old=d.customers["age"] > 50), ["gamer", "old"]),
    "plot_rfm_grid": lambda d, q: ms.RFMScorer().fit_transform(q(ms.rfm, d.transactions)),
    "plot_cohorts": lambda d, q: q(ms.cohorts, d.transactions, period="M", metric="retention",
                                   by=d.customers.set_index("customer_id")["acquisition_channel"]),
    "plot_cohort_heatmap": lambda d, q: q(ms.cohorts, d.transactions, period="M", metric="retention"),
    "plot_funnel": lambda d, q: ms.funnel(d.events.dropna(subset=["customer_id"]),
                                          ["view_product", "add_to_cart", "purchase"], window="7D"),
    "plot_migration_heatmap": lambda d, q: ms.migration(pd.Series({"a": "L", "b": "L", "c": "M"}),
                                                        pd.Series({"a": "L", "b": "M", "c": "M"})),
    "plot_drift": lambda d, q: q(ms.drift, d.customers.iloc[:1500][["age", "gamer"]],
                                 d.customers.iloc[1500:][["age", "gamer"]]),
    "plot_lift": _readout,
    "plot_plan": lambda d, q: q(ms.campaign.plan, d.customers.assign(segment=d.customers["preferred_channel"]),
                                response=0.05, cost_per_contact=0.4, value_per_conversion=35.0, channels="email"),
    "plot_reach_frequency": lambda d, q: ms.campaign.frequency_cap(10_000, impressions=[1000, 5000, 20_000], cap=3,
                                                                   random_state=0),
    "plot_send_time_heatmap": lambda d, q: q(ms.campaign.send_time, d.contacts, min_count=20),
    "plot_message_matrix": lambda d, q: q(ms.campaign.message_matrix, d.message_tests.assign(
        persona=d.truth.customers.set_index("customer_id")["persona"].reindex(d.message_tests["customer_id"]).to_numpy()),
        segments="persona"),
    "plot_reliability": lambda d, q: ms.reliability(pd.DataFrame({"q1": [1, 2, 4, 5, 3], "q2": [2, 2, 5, 4, 3],
                                                                  "q3": [1, 3, 4, 4, 2]})),
    "plot_loadings": _psy,
    "plot_parallel_analysis": _psy,
    "plot_golden_questions": lambda d, q: q(ms.golden_questions, _psy(d, q), d.survey, random_state=0),
    "plot_export_steps": lambda d, q: q(ms.privacy.export_audience, d.customers.head(300), platform="meta",
                                        identifiers={"email": "email"}, updated=None),
    "plot_group_sizes": lambda d, q: ms.privacy.k_anonymity(d.customers, ["country"], k=3),
    "plot_record_age": lambda d, q: ms.privacy.freshness(d.customers),
    "plot_lookalike_curve": lambda d, q: q(ms.lookalike.evaluate, d.customers[["age", "income", "gamer", "opted_out"]],
                                           seed=(d.customers["income"] > d.customers["income"].quantile(0.9)).to_numpy(),
                                           methods=("pu", "random"), sizes=(0.1, 0.3), n_repeats=2, random_state=0),
    "plot_lookalike_drivers": lambda d, q: q(ms.Lookalike(method="pu", random_state=0).fit,
                                             d.customers[["age", "income", "gamer", "opted_out"]],
                                             seed=(d.customers["income"] > d.customers["income"].quantile(0.9)).to_numpy()
                                             ).explain(),
    "plot_period_transactions": lambda d, q: q(ms.period_transactions, _btyd(d, q), n_draws=2),
    "plot_calibration_holdout": lambda d, q: q(ms.calibration_vs_holdout, _holdout(d, q)[0]),
    "plot_cumulative_transactions": lambda d, q: q(ms.cumulative_transactions, d.transactions,
                                                   calibration_end=_holdout(d, q)[1], freq="W"),
    "plot_frequency_recency": lambda d, q: q(ms.frequency_recency_matrix, _btyd(d, q)),
    "plot_model_comparison": lambda d, q: q(ms.compare_models, _holdout(d, q)[0]),
    "plot_survival": lambda d, q: ms.ShiftedBetaGeoModel().fit(
        ms.ShiftedBetaGeoModel.from_survivors([1000, 631, 468, 382, 326, 289, 262, 241])),
    "plot_uplift_curve": lambda d, q: (lambda X, u, y, t: ms.campaign.uplift_curve(y, u, t, n_boot=20, random_state=0))(
        *_uplift(d, q)),
    "plot_uplift_segments": lambda d, q: (lambda X, u, y, t: q(ms.campaign.uplift_segments, X, u, y=y, treatment=t,
                                                               random_state=0))(*_uplift(d, q)),
}


def test_every_plot_function_has_a_case():
    assert sorted(set(PLOT_FUNCTIONS) - set(CASES)) == [], "add a case drawing a real result to CASES"


@pytest.mark.parametrize("name", PLOT_FUNCTIONS)
def test_signature_is_result_then_keyword_only_options_with_ax_none(name):
    params = list(inspect.signature(getattr(msplot, name)).parameters.values())
    assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD and params[0].default is inspect.Parameter.empty
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:]), f"{name}: options must be keyword-only"
    ax = [p for p in params if p.name == "ax"]
    assert ax and ax[0].default is None


@pytest.mark.parametrize("name", PLOT_FUNCTIONS)
def test_returns_an_axes_or_a_documented_figure_and_draws_on_the_given_axes(name, data, quiet):
    func = getattr(msplot, name)
    result = CASES[name](data, quiet)
    try:
        out = quiet(func, result)
        if name in MULTI_PANEL:
            assert isinstance(out, Figure) and "Figure" in func.__doc__
            assert len([a for a in out.axes if a.get_visible()]) >= 2
            _, ax = plt.subplots()
            with pytest.raises(MicrosegError, match="ax"):
                func(result, ax=ax)
        else:
            assert isinstance(out, Axes), f"{name} returned {type(out).__name__}"
            assert out.get_title(), f"{name} draws no title"
            kw = {"subplot_kw": {"projection": "polar"}} if name == "plot_radar" else {}
            fig, ax = plt.subplots(**kw)
            assert quiet(func, result, ax=ax) is ax
    finally:
        plt.close("all")


@pytest.mark.parametrize("old", sorted(msplot.DEPRECATED))
def test_renamed_functions_keep_their_old_name_with_a_future_warning(old):
    new = msplot.DEPRECATED[old]
    assert new in PLOT_FUNCTIONS and old not in msplot.__all__
    alias = getattr(msplot, old)
    assert alias is not getattr(msplot, new)
    with pytest.warns(FutureWarning, match=new):
        try:
            alias(None)
        except Exception:  # noqa: BLE001 - the warning comes before the (meaningless) call fails
            pass


def test_the_old_name_draws_what_the_new_one_draws():
    m = ms.migration(pd.Series({"a": "L", "b": "L"}), pd.Series({"a": "L", "b": "M"}))
    with pytest.warns(FutureWarning, match="plot_migration_heatmap"):
        ax = msplot.migration_heatmap(m)
    assert ax.get_title() == msplot.plot_migration_heatmap(m).get_title()
    plt.close("all")


def test_ax_that_is_not_an_axes_is_refused_with_a_clear_error():
    m = ms.migration(pd.Series({"a": "L"}), pd.Series({"a": "M"}))
    with pytest.raises(MicrosegError, match="ax must be a matplotlib Axes"):
        msplot.plot_migration_heatmap(m, ax="left")


def test_bad_options_raise_microseg_errors():
    with pytest.raises(MicrosegError, match="metric"):
        msplot.plot_lookalike_curve(None, metric="auc")


def _overlapping(labels, renderer) -> list[tuple[str, str]]:
    """Pairs of neighbouring, unrotated, non-empty tick labels whose boxes overlap."""
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels
             if t.get_visible() and t.get_text() and t.get_rotation() == 0]
    out = []
    for axis in (0, 1):  # along x (sorted by left edge), then along y (by bottom edge)
        boxes.sort(key=lambda b: (b[1].x0, b[1].y0) if axis == 0 else (b[1].y0, b[1].x0))
        for (ta, a), (tb, b) in zip(boxes, boxes[1:]):
            if a.overlaps(b) and a.intersection(a, b).width > 1 and a.intersection(a, b).height > 1:
                out.append((ta, tb))
    return sorted(set(out))


@pytest.mark.parametrize("name", PLOT_FUNCTIONS)
def test_tick_labels_do_not_run_together_and_legends_stay_off_the_data(name, data, quiet):
    out = quiet(getattr(msplot, name), CASES[name](data, quiet))
    fig = out if isinstance(out, Figure) else out.figure
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in [a for a in fig.axes if a.get_visible()]:
            for axis in (ax.xaxis, ax.yaxis):
                ticks = [t for t in axis.get_ticklabels() if ax.get_xlim() and t.get_visible()]
                assert _overlapping(ticks, renderer) == [], f"{name}: tick labels overlap on {ax.get_title()!r}"
            legend = ax.get_legend()
            if legend is not None and ax.name != "polar":
                inside = legend.get_window_extent(renderer).intersection(
                    legend.get_window_extent(renderer), ax.get_window_extent(renderer))
                assert inside is None or inside.width * inside.height < 4, f"{name}: the legend covers the data"
    finally:
        plt.close("all")


def test_the_index_heatmap_writes_the_index_in_every_shown_cell(data, quiet):
    prof = _profile(data, quiet)
    ax = msplot.plot_index_heatmap(prof)
    shown = np.isfinite(np.ma.filled(ax.get_images()[0].get_array(), np.nan))
    assert len(ax.texts) == int(shown.sum()) > 0
    t = prof.table[prof.table["kind"] != "numeric"]
    written = {int(txt.get_text().replace(",", "")) for txt in ax.texts}
    assert written <= {int(round(v)) for v in t["index"].dropna()}
    plt.close("all")


def test_engineering_ticks_are_short():
    from microseg.plot._axes import compact_number

    labels = [compact_number(v) for v in (100_000, 200_000, 300_000, 400_000, 500_000)]
    assert labels == ["100k", "200k", "300k", "400k", "500k"]
