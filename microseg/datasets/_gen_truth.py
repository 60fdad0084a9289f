"""The persona traits ``make_customers`` plants, as the ``truth.persona_traits`` table."""

from __future__ import annotations

import pandas as pd


# --------------------------------------------------------------------------- persona traits (truth)
_TRAITS_B2C = {
    "young_gamers": [("gamer", "True", "higher"), ("age", "", "lower"), ("marital_status", "single", "higher"), ("marital_status", "married", "lower"),
                     ("children", "", "lower"), ("employment_status", "retired", "lower")],
    "busy_parents": [("children", "", "higher"), ("household_size", "", "higher"), ("marital_status", "married", "higher"), ("marital_status", "single", "lower"),
                     ("employment_status", "retired", "lower")],
    "affluent_travellers": [("income", "", "higher"), ("travel_lover", "True", "higher"), ("occupation", "manager", "higher"), ("occupation", "professional", "higher"),
                            ("employment_status", "self_employed", "higher"), ("education", "secondary", "lower")],
    "bargain_hunters": [("acquisition_channel", "affiliate", "higher"), ("referral_source", "voucher_site", "higher"), ("referral_source", "price_comparison", "higher"),
                        ("income", "", "lower"), ("travel_lover", "True", "lower")],
    "retirees": [("age", "", "higher"), ("employment_status", "retired", "higher"), ("occupation", "retired", "higher"), ("employment_status", "employed", "lower"),
                 ("preferred_channel", "store", "higher"), ("preferred_channel", "app", "lower")],
    "fitness_enthusiasts": [("fitness_fan", "True", "higher"), ("sports_fan", "True", "higher"), ("tv_series_fan", "True", "lower"), ("employment_status", "retired", "lower"),
                            ("occupation", "retired", "lower")],
    "students": [("employment_status", "student", "higher"), ("occupation", "student", "higher"), ("age", "", "lower"), ("marital_status", "single", "higher"),
                 ("marital_status", "married", "lower"), ("income", "", "lower")],
}
_TRAITS_B2B = {
    "enterprise_accounts": [("company_size", "1000+", "higher"), ("company_size", "250-999", "higher"), ("company_size", "1-9", "lower"),
                            ("company_size", "10-49", "lower"), ("contact_role", "owner", "lower"), ("contact_role", "procurement", "higher")],
    "small_businesses": [("contact_role", "owner", "higher"), ("industry", "professional_services", "higher"), ("industry", "technology", "lower"),
                         ("company_size", "1000+", "lower"), ("company_size", "250-999", "lower"), ("contact_role", "procurement", "lower")],
    "public_sector": [("industry", "public_administration", "higher"), ("industry", "education", "higher"), ("contact_role", "procurement", "higher"),
                      ("company_size", "1-9", "lower"), ("industry", "technology", "lower"), ("contact_role", "owner", "lower")],
    "resellers": [("partner", "True", "higher"), ("lifetime_value", "", "higher"), ("company_size", "1000+", "lower")],
    "tech_startups": [("industry", "technology", "higher"), ("contact_role", "it", "higher"), ("company_size", "1000+", "lower"),
                      ("company_size", "250-999", "lower"), ("contact_role", "procurement", "lower")],
}


def _traits_frame(traits) -> pd.DataFrame:
    rows = [(p, c, lvl, d) for p, lst in traits.items() for c, lvl, d in lst]
    df = pd.DataFrame(rows, columns=["persona", "column", "level", "direction"])
    df["persona"] = pd.Categorical(df["persona"], categories=list(traits))
    df["direction"] = pd.Categorical(df["direction"], categories=["higher", "lower"])
    return df
