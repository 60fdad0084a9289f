import pytest

from microseg.errors import MicrosegError, SensitiveAttributeError
from microseg.privacy import check_sensitive, sensitive_columns


def test_art9_names_are_flagged_on_word_boundaries():
    found = sensitive_columns(["race", "religion_code", "HealthScore", "is_pregnant", "union_member", "sexual_orientation"])
    assert set(found) == {"race", "religion_code", "HealthScore", "is_pregnant", "union_member", "sexual_orientation"}


def test_lookalike_words_are_not_flagged():
    # "healthy eating", "sex" (gender), "age", "raceway_visits" are not Art. 9 categories
    assert sensitive_columns(["Healthy eating", "sex", "age", "raceway_visits", "latency_ms"]) == {}


def test_precise_geolocation_is_flagged():
    assert sensitive_columns(["home_lat", "home_lng"]) == {
        "home_lat": "precise geolocation (CPRA)",
        "home_lng": "precise geolocation (CPRA)",
    }


def test_caller_tags_any_column():
    assert sensitive_columns(["loyalty_tier"], sensitive=["loyalty_tier"]) == {"loyalty_tier": "tagged sensitive by the caller"}


def test_special_ad_category_blocks_age_gender_postcode():
    cols = ["age", "gender", "postcode_prefix", "income"]
    assert set(sensitive_columns(cols, special_ad_category="housing")) == {"age", "gender", "postcode_prefix"}
    assert sensitive_columns(cols) == {}


def test_check_names_the_column_and_the_fix():
    with pytest.raises(SensitiveAttributeError, match=r"'religion'.*allow_sensitive=\{'religion'"):
        check_sensitive(["income", "religion"], purpose="seed")


def test_allowing_needs_a_reason():
    check_sensitive(["religion"], allow_sensitive={"religion": "church charity, members consented"})
    with pytest.raises(MicrosegError, match="written reason"):
        check_sensitive(["religion"], allow_sensitive=["religion"])
    with pytest.raises(MicrosegError, match="non-empty reason"):
        check_sensitive(["religion"], allow_sensitive={"religion": "  "})


def test_unknown_special_ad_category_is_refused():
    with pytest.raises(MicrosegError, match="special_ad_category"):
        sensitive_columns(["age"], special_ad_category="politics")
