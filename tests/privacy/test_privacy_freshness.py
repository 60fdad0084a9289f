import pandas as pd
import pytest

from microseg.errors import DataQualityWarning, MicrosegError, SchemaError
from microseg.privacy import freshness
from microseg.privacy.decay import DAYS_PER_MONTH

AS_OF = pd.Timestamp("2024-12-31")


def aged(months):
    return pd.DataFrame({"last_updated": [AS_OF - pd.Timedelta(days=m * DAYS_PER_MONTH) for m in months]})


def test_six_months_at_default_decay_is_about_12_percent_stale():
    res = freshness(aged([6] * 10), as_of=AS_OF)
    assert res.expected_stale_share == pytest.approx(1 - 0.979**6)
    assert round(res.expected_stale_share, 2) == 0.12


def test_one_year_is_about_22_5_percent_stale():
    res = freshness(aged([12] * 4), as_of=AS_OF)
    assert res.expected_stale_share == pytest.approx(0.2249, abs=5e-4)
    assert res.expected_stale == pytest.approx(4 * (1 - 0.979**12))


def test_cost_is_expected_stale_times_cost_per_record():
    res = freshness(aged([0, 12, 24]), as_of=AS_OF, cost_per_record=10)
    expected = (0 + (1 - 0.979**12) + (1 - 0.979**24)) * 10
    assert res.estimated_cost == pytest.approx(expected)


def test_stale_list_holds_records_older_than_threshold_oldest_first():
    df = aged([1, 7, 3, 20]).assign(customer_id=["a", "b", "c", "d"])
    res = freshness(df, as_of=AS_OF, stale_after_days=180)
    assert res.stale["customer_id"].tolist() == ["d", "b"]
    assert res.records["stale"].tolist() == [False, True, False, True]


def test_default_as_of_is_latest_update():
    res = freshness(aged([0, 6]))
    assert res.as_of == AS_OF


def test_missing_dates_count_as_stale_with_warning():
    df = pd.DataFrame({"last_updated": [AS_OF, pd.NaT]})
    with pytest.warns(DataQualityWarning, match="no update date"):
        res = freshness(df, as_of=AS_OF)
    assert res.records["p_valid"].tolist() == [1.0, 0.0]
    assert len(res.stale) == 1


def test_other_decay_rate():
    res = freshness(aged([12]), as_of=AS_OF, monthly_decay=0.03)
    assert res.expected_valid_share == pytest.approx(0.97**12)


def test_bad_input_raises():
    with pytest.raises(MicrosegError, match="monthly_decay"):
        freshness(aged([1]), monthly_decay=1.5)
    with pytest.raises(SchemaError, match="timestamps"):
        freshness(pd.DataFrame({"last_updated": ["2024-01-01"]}))
