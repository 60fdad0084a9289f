"""message_matrix: planted best messages recovered, nominal false flags under the null, shrinkage, privacy, best(), plan."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

import microseg as ms  # noqa: E402
from microseg.campaign import message_matrix, plan, readout  # noqa: E402
from microseg.errors import DataQualityWarning, MicrosegError, NotIncrementalWarning  # noqa: E402


def _with_persona(data):
    return data.message_tests.merge(data.truth.customers[["customer_id", "persona"]], on="customer_id")


@pytest.fixture(scope="module")
def big():
    data = ms.datasets.make_customers(n_customers=40_000, random_state=0)
    return data, _with_persona(data)


def _truth_best(data) -> pd.DataFrame:
    t = data.truth.message_effects
    return t[t["best"]].astype({"persona": str, "message": str, "channel": str}).set_index("persona")


def _simulate(rng, n_seg, n_msg, n_per_cell, n_control, rate_control, uplift):
    """A randomised test: per segment a control group and one treated group per message, exact counts."""
    seg_t = np.repeat(np.arange(n_seg), n_msg * n_per_cell)
    msg_t = np.tile(np.repeat(np.arange(n_msg), n_per_cell), n_seg)
    seg_c = np.repeat(np.arange(n_seg), n_control)
    y_t = rng.random(len(seg_t)) < rate_control[seg_t] + uplift[seg_t, msg_t]
    y_c = rng.random(len(seg_c)) < rate_control[seg_c]
    return pd.DataFrame({
        "segment": np.concatenate([seg_t, seg_c]).astype(str),
        "message": pd.array(np.concatenate([msg_t.astype(str), np.full(len(seg_c), None)]), dtype="str"),
        "group": ["treatment"] * len(seg_t) + ["control"] * len(seg_c),
        "converted": np.concatenate([y_t, y_c]),
    })


# --------------------------------------------------------------------------- the demo data
def test_demo_message_tests_are_randomised_within_each_test(big):
    data, _ = big
    mt = data.message_tests
    assert set(mt["message"].cat.categories) == {"price", "quality", "novelty"}
    assert set(mt["channel"].cat.categories) == {"email", "sms"}
    treated = mt[mt["group"] == "treatment"]
    assert mt.loc[mt["group"] == "control", ["message", "channel"]].isna().all().all()
    # every test sends every arm, in equal shares up to chance
    arms = pd.crosstab(treated["test"], [treated["message"], treated["channel"]])
    assert (arms > 0).all().all()
    assert np.abs(arms.sum() / arms.to_numpy().sum() - 1 / 6).max() < 0.01
    assert stats.chisquare(arms.to_numpy(), axis=1).pvalue.min() > 1e-3
    # only customers reachable on both channels are tested
    cust = data.customers.set_index("customer_id")
    c = cust.loc[mt["customer_id"].unique()]
    assert c["email_opt_in"].all() and c["phone"].notna().all() and not c["opted_out"].any()


def test_truth_marks_one_best_cell_per_persona_from_the_planted_lifts(big):
    data, _ = big
    t = data.truth.message_effects
    assert (t.groupby("persona", observed=True)["best"].sum() == 1).all()
    best = _truth_best(data)
    assert best.loc["bargain_hunters", "message"] == "price"
    assert best.loc["affluent_travellers", "message"] == "quality"
    assert (best["relative_lift"] > 0).all()


# --------------------------------------------------------------------------- recovery
def test_planted_best_message_is_recovered_for_every_persona(big):
    data, tests = big
    mm = message_matrix(tests, segments="persona")
    treated = tests[tests["group"] == "treatment"]
    per_message = treated.groupby(["persona", "message"], observed=True).size()
    assert per_message.min() >= 1_000  # enough contacts for every persona
    best = mm.best()
    truth = _truth_best(data)
    assert best["message"].to_dict() == truth.loc[best.index, "message"].to_dict()


def test_confident_choices_are_the_planted_best_cell(big):
    """Where the best cell's difference to the runner-up excludes 0, message and channel are the planted ones."""
    data, tests = big
    best = message_matrix(tests, segments="persona").best()
    truth = _truth_best(data)
    sure = best[best["difference_low"] > 0]
    assert len(sure) >= 3
    assert (sure["message"] == truth.loc[sure.index, "message"]).all()
    assert (sure["channel"] == truth.loc[sure.index, "channel"]).all()


def test_posterior_intervals_cover_the_planted_uplift(big):
    data, tests = big
    t = message_matrix(tests, segments="persona").table
    truth = data.truth.message_effects.astype({"persona": str, "message": str, "channel": str})
    truth = truth.set_index(["persona", "message", "channel"])["uplift"]
    truth.index = t.index
    covered = (t["uplift_low"] <= truth) & (truth <= t["uplift_high"])
    assert covered.mean() >= 0.85  # 42 cells at a 95 % level


# --------------------------------------------------------------------------- the null
def test_false_flags_stay_at_the_nominal_rate_under_the_null(big):
    """No effect anywhere: BH flags some cell in at most ~alpha of the replicates, and raw p-values are calibrated."""
    _, tests = big
    rng = np.random.default_rng(1)
    frame = tests[["persona", "message", "channel", "group"]].copy()
    base = tests.groupby("persona", observed=True)["converted"].transform("mean").to_numpy()
    any_flag, raw_hits, cells = 0, 0, 0
    n_rep = 200
    for _ in range(n_rep):
        frame["converted"] = rng.random(len(frame)) < base
        t = message_matrix(frame, segments="persona", min_cell=1).table
        any_flag += bool(t["significant"].any())
        raw_hits += int((t["p_value"] < 0.05).sum())
        cells += len(t)
    se = np.sqrt(0.05 * 0.95 / n_rep)
    assert any_flag / n_rep <= 0.05 + 3 * se
    assert 0.035 <= raw_hits / cells <= 0.065


# --------------------------------------------------------------------------- shrinkage
def test_small_cells_borrow_strength_from_their_segment_and_message():
    """When uplifts are additive (segment + message), shrinkage beats the raw cell estimates on small cells."""
    rng = np.random.default_rng(0)
    n_seg, n_msg = 30, 3
    seg_eff = rng.normal(0.03, 0.02, n_seg)
    msg_eff = np.array([0.0, 0.02, 0.04])
    uplift = seg_eff[:, None] + msg_eff[None, :]
    rate_c = np.full(n_seg, 0.10)
    err_raw, err_eb, covered = [], [], []
    for _ in range(5):
        df = _simulate(rng, n_seg, n_msg, 60, 120, rate_c, uplift)
        t = message_matrix(df, segments="segment", channel=None, min_cell=1).table
        truth = pd.Series(uplift.ravel(), index=pd.MultiIndex.from_product([[str(i) for i in range(n_seg)], ["0", "1", "2"]]))
        truth = truth.reindex(t.index).to_numpy()
        err_raw.append(np.mean((t["raw_uplift"] - truth) ** 2))
        err_eb.append(np.mean((t["uplift"] - truth) ** 2))
        covered.append(np.mean((t["uplift_low"] <= truth) & (truth <= t["uplift_high"])))
    assert np.mean(err_eb) < 0.6 * np.mean(err_raw)
    assert np.mean(covered) >= 0.88


def test_large_cells_keep_their_own_estimate():
    rng = np.random.default_rng(2)
    uplift = np.array([[0.0, 0.10], [0.10, 0.0]])  # pure interaction: the additive model cannot explain it
    df = _simulate(rng, 2, 2, 20_000, 20_000, np.array([0.2, 0.2]), uplift)
    t = message_matrix(df, segments="segment", channel=None).table
    assert np.allclose(t["uplift"], t["raw_uplift"], atol=0.002)


def test_raw_values_and_p_values_match_a_hand_computation_and_readout():
    df = pd.DataFrame({
        "segment": ["a"] * 600,
        "group": ["treatment"] * 400 + ["control"] * 200,
        "message": ["price"] * 200 + ["quality"] * 200 + [None] * 200,
        "converted": [True] * 30 + [False] * 170 + [True] * 20 + [False] * 180 + [True] * 10 + [False] * 190,
    })
    t = message_matrix(df, segments="segment", channel=None).table
    assert t.loc[("a", "price"), "raw_uplift"] == pytest.approx(30 / 200 - 10 / 200)
    assert t.loc[("a", "quality"), "raw_uplift"] == pytest.approx(20 / 200 - 10 / 200)
    ro = readout(df[df["message"].ne("quality")], outcome="converted", group="group")
    assert t.loc[("a", "price"), "p_value"] == pytest.approx(float(ro.overall["p_value"]))
    lo, hi = sorted(t["p_value"])  # Benjamini-Hochberg on two p-values, by hand
    assert sorted(t["p_adjusted"]) == pytest.approx(sorted([min(2 * lo, hi), hi]))


# --------------------------------------------------------------------------- privacy
def test_small_cells_are_suppressed_with_complements_and_never_recommended():
    rng = np.random.default_rng(3)
    df = _simulate(rng, 3, 3, 300, 300, np.full(3, 0.2), np.array([[0.0, 0.1, 0.0]] * 3))
    # segment "0" got only 5 'novelty' ("2") contacts, and that would be its best message
    keep = ~((df["segment"] == "0") & (df["message"] == "2")).to_numpy()
    small = pd.DataFrame({"segment": "0", "message": "2", "group": "treatment", "converted": [True] * 5})
    df = pd.concat([df[keep], small], ignore_index=True)
    mm = message_matrix(df, segments="segment", channel=None)
    t = mm.table
    assert t.loc[("0", "2"), "suppressed"]
    assert t.loc[("0", "2"), ["n_treatment", "uplift", "p_value"]].isna().all()
    assert t.loc["0", "suppressed"].sum() >= 2  # a complement in its row, so segment totals do not give it away
    assert mm.best().loc["0", "message"] != "2"
    assert ("0", "2") not in mm.covariance.index


def test_a_small_control_group_suppresses_its_segment():
    rng = np.random.default_rng(4)
    df = _simulate(rng, 2, 2, 300, 300, np.array([0.2, 0.01]), np.array([[0.0, 0.0], [0.2, 0.2]]))
    t = message_matrix(df, segments="segment", channel=None).table
    assert 1 <= int(df[(df["segment"] == "1") & (df["group"] == "control")]["converted"].sum()) < 10
    assert t.loc["1", "suppressed"].all() and not t.loc["0", "suppressed"].any()


# --------------------------------------------------------------------------- best()
@pytest.fixture(scope="module")
def matrix(big):
    _, tests = big
    return message_matrix(tests, segments="persona")


def _customers(data):
    c = data.customers.merge(data.truth.customers[["customer_id", "persona"]], on="customer_id")
    return c.assign(sms_opt_in=c["email_opt_in"] & c["phone"].notna())


def test_best_respects_consent_per_channel(big, matrix):
    data, _ = big
    customers = _customers(data)
    assert matrix.best().loc["bargain_hunters", "channel"] == "sms"
    no_sms = customers.assign(sms_opt_in=customers["sms_opt_in"] & customers["persona"].ne("bargain_hunters"))
    best = matrix.best(no_sms, segment="persona")
    assert best.loc["bargain_hunters", "channel"] == "email"
    assert best.loc["bargain_hunters", "message"] == "price"
    reach = no_sms[no_sms["persona"] == "bargain_hunters"]
    own_record = int((reach["email_opt_in"] & ~reach["opted_out"]).sum())
    # opt-out protects the person: records that share an e-mail or phone with an opted-out record are not reachable
    status = ms.privacy.contact_status(no_sms, channel="email", consent="email_opt_in", opt_out="opted_out")
    per_person = int((status[no_sms["persona"] == "bargain_hunters"] == "reachable").sum())
    assert best.loc["bargain_hunters", "reachable"] == per_person <= own_record


def test_best_respects_a_contact_pressure_cap(big, matrix):
    data, _ = big
    customers = _customers(data)
    hunters = customers.loc[customers["persona"] == "bargain_hunters", "customer_id"]
    history = pd.DataFrame({"customer_id": np.repeat(hunters.to_numpy(), 2), "channel": "sms"})
    best = matrix.best(customers, segment="persona", history=history, max_contacts={"sms": 2})
    assert best.loc["bargain_hunters", "channel"] == "email"
    assert best.drop(index="bargain_hunters")["channel"].eq(matrix.best(customers, segment="persona").drop(index="bargain_hunters")["channel"]).all()
    # one cap on all channels: nobody left to reach
    capped = matrix.best(customers, segment="persona", history=history, max_contacts=2)
    assert pd.isna(capped.loc["bargain_hunters", "message"])


def test_best_reports_runner_up_and_difference_from_the_joint_posterior(matrix):
    best = matrix.best()
    t = matrix.table
    for seg, row in best.iterrows():
        cells = t.loc[seg].sort_values("uplift", ascending=False)
        assert (row["message"], row["channel"]) == cells.index[0]
        assert (row["runner_up_message"], row["runner_up_channel"]) == cells.index[1]
        assert row["difference"] == pytest.approx(cells["uplift"].iloc[0] - cells["uplift"].iloc[1])
        assert row["difference_low"] < row["difference"] < row["difference_high"]


def test_plan_uses_the_learned_message_and_channel(big, matrix):
    data, _ = big
    customers = _customers(data).rename(columns={"persona": "segment"})
    best = matrix.best()
    with pytest.warns(NotIncrementalWarning):  # a flat response rate: the plan says it is not incremental
        p = plan(customers, messages=best, response=0.1, cost_per_contact=0.1, value_per_conversion=10.0,
                 consent={"email": "email_opt_in", "sms": "sms_opt_in"})
    assert p.table["message"].to_dict() == best["message"].to_dict()
    assert p.table["channel"].to_dict() == best["channel"].to_dict()
    with pytest.raises(MicrosegError, match="not both"), pytest.warns(NotIncrementalWarning):
        plan(customers, messages=best, channels="sms", response=0.1, cost_per_contact=0.1, value_per_conversion=10.0)


# --------------------------------------------------------------------------- plot, errors, rows
def test_plot_writes_values_in_cells_and_leaves_suppressed_cells_empty(matrix):
    ax = matrix.plot()
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == len(matrix.table)
    assert f"{matrix.table['uplift'].iloc[0] * 100:+.1f}" in texts[0]
    plt.close("all")
    rng = np.random.default_rng(3)
    df = _simulate(rng, 2, 2, 300, 300, np.full(2, 0.2), np.zeros((2, 2)))
    df = pd.concat([df, pd.DataFrame({"segment": "0", "message": "x", "group": "treatment", "converted": [True] * 3})])
    mm = message_matrix(df, segments="segment", channel=None)
    ax = mm.plot()
    assert len(ax.texts) == int((~mm.table["suppressed"]).sum())
    plt.close("all")


def test_clear_errors_name_the_problem():
    df = pd.DataFrame({"segment": ["a", "a"], "group": ["treatment", "control"], "message": ["x", None], "converted": [1, 0]})
    with pytest.raises(MicrosegError, match="channel"):
        message_matrix(df, segments="segment")
    with pytest.raises(MicrosegError, match="both arms"):
        message_matrix(df.assign(group="treatment"), segments="segment", channel=None)
    with pytest.raises(MicrosegError, match="converted"):
        message_matrix(df.assign(converted=[1, None]), segments="segment", channel=None)
    with pytest.raises(MicrosegError, match="customers="):
        message_matrix(df, segments="segment", channel=None).best(max_contacts=1)


def test_dropped_rows_are_reported_and_the_input_is_untouched():
    df = pd.DataFrame({"segment": ["a", "a", None, "a", "a"], "group": ["treatment", "control", "control", "holdout", "treatment"],
                       "message": ["x", None, None, None, None], "converted": [1, 0, 0, 0, 1]})
    before = df.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mm = message_matrix(df, segments="segment", channel=None, min_cell=1)
    assert any(issubclass(w.category, DataQualityWarning) for w in caught)
    assert mm.rows == {"in neither arm": 1, "missing segment label": 1, "treated without a message or channel": 1}
    pd.testing.assert_frame_equal(df, before)


def test_block_posterior_equals_the_dense_gaussian_posterior():
    """The closed-form per-segment algebra gives the textbook dense posterior (BLUP with a flat prior on beta)."""
    from microseg.campaign import _message_stats as eb

    rng = np.random.default_rng(5)
    n_seg, shape = 4, (3, 2)
    n_arm = 6
    est = rng.random((n_seg, n_arm)) > 0.15
    est[0] = True
    v = rng.uniform(1e-4, 4e-4, (n_seg, n_arm))
    c = rng.uniform(1e-4, 3e-4, n_seg)
    y = np.where(est, rng.normal(0.03, 0.03, (n_seg, n_arm)), 0.0)
    Z = eb.design(est, shape)
    tau2 = 2e-4
    mean, cov, fitted = eb.posterior(y, v, c, est, Z, tau2)
    # dense: cells in order, X = [segment one-hot | Z]
    seg = np.nonzero(est)[0]
    X = np.column_stack([(seg[:, None] == np.arange(n_seg)).astype(float), Z[est]])
    S = np.diag(v[est]) + (seg[:, None] == seg[None, :]) * c[seg][:, None]
    G = tau2 * np.eye(len(seg))
    Vi = np.linalg.inv(S + G)
    A = np.linalg.inv(X.T @ Vi @ X)
    b = A @ X.T @ Vi @ y[est]
    m = X @ b + G @ Vi @ (y[est] - X @ b)
    K = X - G @ Vi @ X
    C = G - G @ Vi @ G + K @ A @ K.T
    assert np.allclose(mean[est], m) and np.allclose(fitted[est], X @ b)
    same = seg[:, None] == seg[None, :]
    pos = np.cumsum(est.ravel()) - 1
    cells = np.flatnonzero(est.ravel())
    for i, a in enumerate(cells):
        for j, b_ in enumerate(cells):
            if same[i, j]:
                assert cov[a // n_arm, a % n_arm, b_ % n_arm] == pytest.approx(C[pos[a], pos[b_]], rel=1e-8, abs=1e-14)
