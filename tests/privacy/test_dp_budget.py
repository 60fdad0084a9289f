"""PrivacyBudget: epsilon adds up under basic composition, an overspend is refused, the repr says where it went."""

from __future__ import annotations

import pickle

import pytest

from microseg.errors import MicrosegError, PrivacyBudgetError
from microseg.privacy import PrivacyBudget


def test_spends_add_up_under_basic_composition():
    b = PrivacyBudget(epsilon=0.6)
    for eps, what in [(0.1, "a"), (0.2, "b"), (0.3, "c")]:
        b.spend(eps, what)
    assert b.spent == pytest.approx(0.6)
    assert b.remaining == pytest.approx(0.0)
    assert b.ledger["what"].tolist() == ["a", "b", "c"]
    assert b.ledger["epsilon"].tolist() == [0.1, 0.2, 0.3]


def test_an_overspend_is_refused_and_nothing_is_recorded():
    b = PrivacyBudget(epsilon=1.0)
    b.spend(0.75, "profile(segment, 4 columns)")
    with pytest.raises(PrivacyBudgetError, match=r"overlap\(3 flags\) asks for epsilon=0.5.*0.25 of 1 left"):
        b.spend(0.5, "overlap(3 flags)")
    assert b.spent == 0.75
    assert len(b.ledger) == 1
    b.spend(0.25, "the rest")  # exactly what is left still fits
    with pytest.raises(PrivacyBudgetError):
        b.spend(1e-6, "one more")


def test_the_repr_shows_what_was_spent_where():
    b = PrivacyBudget(epsilon=2, delta=1e-6)
    b.spend(0.5, "profile(persona, 12 columns)")
    b.spend(1, "describe(30 columns)")
    r = repr(b)
    assert r == (
        "PrivacyBudget(epsilon=2, delta=1e-06, spent=1.5 [profile(persona, 12 columns): 0.5; "
        "describe(30 columns): 1], remaining=0.5)"
    )
    assert "describe(30 columns)" in b._repr_html_()


def test_delta_is_tracked_and_refused_past_the_budget():
    b = PrivacyBudget(epsilon=1, delta=1e-6)
    b.spend(0.1, "a", delta=1e-6)
    with pytest.raises(PrivacyBudgetError, match="delta"):
        b.spend(0.1, "b", delta=1e-7)
    assert b.spent_delta == 1e-6


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "one", True])
def test_a_bad_epsilon_is_refused_naming_the_parameter(bad):
    with pytest.raises(MicrosegError, match="epsilon"):
        PrivacyBudget(epsilon=bad)


def test_a_budget_survives_pickling_with_its_ledger():
    b = PrivacyBudget(1.0)
    b.spend(0.4, "x")
    c = pickle.loads(pickle.dumps(b))
    assert c.spent == 0.4 and c.ledger["what"].tolist() == ["x"]
    with pytest.raises(PrivacyBudgetError):
        c.spend(0.7, "y")
