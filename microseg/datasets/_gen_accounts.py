"""The account tables of ``make_customers(kind="b2b")``: firmographics, contacts with roles, and account truth.

Every b2b customer of ``make_customers`` is the *buying contact* of one
company: the person who places the orders in ``transactions``. This module
adds, from its own random stream (so that no existing table moves):

- ``accounts``: one row per company, with a NAICS code consistent with the
  customer's ``industry``, an employee count inside its ``company_size`` band
  and an annual turnover;
- ``account_contacts``: the buying contact plus further people at the company,
  each with a buying-committee role (decision_maker, influencer, user) and
  their own consent;
- the truth: a planted ideal customer profile (ICP) that drives account
  conversion, and each account's expected net spend over the next year (its
  planted CLV) under the generator's own purchase process.

Loops run over industries, size bands and roles, never over rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._gen_common import _DAY, _cat, _fixed_ids, _str_array
from ._gen_customers import _FIRST, _LAST

ROLES = ["decision_maker", "influencer", "user"]

# NAICS 2022 six-digit codes per demo industry (code, weight); sectors are the first two digits
_NAICS = {
    "technology": [("513210", 3), ("518210", 2), ("541511", 3), ("541512", 2)],
    "manufacturing": [("311812", 1), ("325412", 1), ("332710", 2), ("333249", 2), ("334111", 1), ("336390", 2)],
    "retail": [("445110", 3), ("444110", 2), ("455110", 1), ("458110", 2)],
    "healthcare": [("621111", 3), ("621210", 2), ("622110", 1), ("623110", 2)],
    "finance": [("522110", 2), ("522320", 2), ("523150", 1), ("524126", 1)],
    "education": [("611110", 3), ("611310", 2), ("611430", 1)],
    "public_administration": [("921110", 2), ("921190", 2), ("923110", 1), ("928110", 1)],
    "professional_services": [("541110", 2), ("541211", 2), ("541611", 3), ("541810", 1)],
    "logistics": [("484121", 2), ("488510", 2), ("492110", 1), ("493110", 2)],
}
# turnover per employee (euros) per industry
_REVENUE_PER_EMPLOYEE = {
    "technology": 190_000, "manufacturing": 240_000, "retail": 210_000, "healthcare": 110_000, "finance": 330_000,
    "education": 80_000, "public_administration": 95_000, "professional_services": 150_000, "logistics": 200_000,
}
# employee ranges of the company_size bands [low, high]; the top band is open (Pareto tail from 1000)
_SIZE_RANGE = {"1-9": (1, 9), "10-49": (10, 49), "50-249": (50, 249), "250-999": (250, 999), "1000+": (1000, None)}

# buying-committee role of each job title of the b2b customers table
_ROLE_OF_TITLE = {
    "Owner": 0, "Managing Director": 0, "Founder": 0, "Chief Executive Officer": 0, "Chief Operating Officer": 0,
    "General Manager": 0, "Chief Technology Officer": 0, "Finance Director": 0,
    "Procurement Manager": 1, "Head of Purchasing": 1, "Head of IT": 1, "IT Manager": 1, "Controller": 1,
    "Buyer": 2, "Systems Administrator": 2, "Accountant": 2, "Operations Manager": 2, "Office Manager": 2,
    "Facilities Manager": 2,
}
_EXTRA_ROLE_P = [0.22, 0.33, 0.45]

# the planted ideal customer profile: EU medium-sized (50-249 employees) manufacturers and logistics firms
ICP_SECTORS = ("31", "32", "33", "48", "49")
ICP_EMPLOYEES = (50, 249)
_LOGIT = dict(base=-4.3, sector=1.8, size=1.8, both=1.0, decision_maker=0.7)


def icp_frame() -> pd.DataFrame:
    """The planted profile in the vocabulary of :func:`microseg.bands` schemes (``truth.icp``)."""
    return pd.DataFrame({
        "column": ["naics", "naics", "employees"],
        "scheme": ["naics_sector", "naics_sector", "eu_sme"],
        "level": ["31–33 Manufacturing", "48–49 Transportation and Warehousing", "medium"],
        "description": [
            "NAICS sector 31-33 (manufacturing)",
            "NAICS sector 48-49 (transportation and warehousing)",
            "50 to 249 employees (an EU medium-sized enterprise)",
        ],
    })


def _naics(rng, industry_codes, industries) -> np.ndarray:
    out = np.empty(len(industry_codes), dtype=object)
    for k, name in enumerate(industries):
        m = np.flatnonzero(industry_codes == k)
        codes, w = zip(*_NAICS[name])
        w = np.asarray(w, float)
        out[m] = np.asarray(codes, dtype=object)[rng.choice(len(codes), size=len(m), p=w / w.sum())]
    return out


def _employees(rng, size_codes, size_levels) -> np.ndarray:
    out = np.zeros(len(size_codes), dtype=np.int64)
    for k, level in enumerate(size_levels):
        m = np.flatnonzero(size_codes == k)
        lo, hi = _SIZE_RANGE[level]
        if hi is None:  # Pareto tail above 1000 employees, capped at 200,000
            out[m] = np.minimum(np.floor(lo * (1 + rng.pareto(1.3, len(m)))), 200_000).astype(np.int64)
        else:  # log-uniform inside the band: small firms are the most common
            out[m] = np.floor(np.exp(rng.uniform(np.log(lo), np.log(hi + 1), len(m)))).astype(np.int64)
    return np.clip(out, 1, None)


def _future_value(tx_owner_net, orders_per_owner, state, spec, span_days, n) -> np.ndarray:
    """Expected net spend over the 365 days after the period, under the generator's purchase process."""
    b = state["behaviour"]
    alive = state["hi"] >= span_days - 1e-9
    mean_life = 365.0 / np.asarray(spec["churn"], float)[b]
    days_alive = mean_life * (1 - np.exp(-365.0 / mean_life))  # E[min(remaining lifetime, 365)], memoryless
    orders = state["orders_per_day"] * 1.12 * days_alive  # with the ~12 % follow-up orders
    # mean net value of an order for each behaviour group, from the generated log (many customers each)
    groups = int(np.max(b)) + 1 if n else 0
    net_g = np.bincount(b, weights=tx_owner_net, minlength=groups)
    ord_g = np.bincount(b, weights=orders_per_owner, minlength=groups)
    per_order = np.divide(net_g, ord_g, out=np.zeros(groups), where=ord_g > 0)
    return np.where(alive, orders * per_order[b], 0.0)


def _accounts(rng, customers, state, spec, transactions, start_s, end_s):
    """Return (accounts, account_contacts, truth_accounts) for the b2b customers."""
    n = len(customers)
    num = np.arange(1, n + 1)
    width = max(7, len(str(n)))
    account_id = _fixed_ids("A", num, width)
    industries = list(customers["industry"].cat.categories)
    industry = customers["industry"].cat.codes.to_numpy()
    size_levels = list(customers["company_size"].cat.categories)
    employees = _employees(rng, customers["company_size"].cat.codes.to_numpy(), size_levels)
    naics = _naics(rng, industry, industries)
    rpe = np.array([_REVENUE_PER_EMPLOYEE[i] for i in industries], float)[industry]
    revenue = np.round(employees * rpe * rng.lognormal(-0.1, 0.45, n), -3)
    accounts = pd.DataFrame({
        "account_id": account_id,
        "company_name": customers["company_name"].copy(),
        "naics": pd.Categorical(naics, categories=sorted({c for v in _NAICS.values() for c, _ in v})),
        "industry": customers["industry"].copy(),
        "employees": employees,
        "revenue": revenue,
        "country": customers["country"].copy(),
        "region": customers["region"].copy(),
        "city": customers["city"].copy(),
        "partner": customers["partner"].to_numpy().copy(),
    })

    # contacts: the buying contact (the customer) plus more people in bigger companies
    titles = list(customers["job_title"].cat.categories)
    role_of_title = np.array([_ROLE_OF_TITLE[t] for t in titles], dtype=np.int64)
    buyer_role = role_of_title[customers["job_title"].cat.codes.to_numpy()]
    n_extra = np.minimum(rng.poisson(0.3 + 0.7 * np.log10(employees)), 12)
    owner = np.repeat(np.arange(n), n_extra)
    m = len(owner)
    extra_role = rng.choice(3, size=m, p=_EXTRA_ROLE_P)
    extra_title = np.zeros(m, dtype=np.int64)
    for r in range(3):
        pick = np.flatnonzero(extra_role == r)
        choices = np.flatnonzero(role_of_title == r)
        extra_title[pick] = choices[rng.integers(0, len(choices), len(pick))]
    # emails on the company's domain (taken from the buyer's email when there is one)
    domain = customers["email"].str.strip().str.lower().str.split("@").str[1]
    fallback = (customers["company_name"].str.split(" ").str[:2].str.join("-").str.lower()
                + pd.Series(num.astype(str), index=customers.index) + ".example.com")
    domain = domain.fillna(fallback).to_numpy(dtype=object)
    first = _FIRST[rng.integers(0, len(_FIRST), m)]
    last = _LAST[rng.integers(0, len(_LAST), m)]
    extra_email = pd.Series(_str_array(np.char.lower((first + ".").astype(str)).astype(object)
                                       + np.char.lower(last.astype(str)).astype(object) + "@" + domain[owner]))
    extra_email = extra_email.mask(rng.random(m) < 0.05)
    extra_email_opt = rng.random(m) < 0.55
    extra_ads_opt = rng.random(m) < 0.30
    extra_out = rng.random(m) < 0.03
    extra_email_opt &= ~extra_out
    extra_ads_opt &= ~extra_out

    acct = np.concatenate([np.arange(n), owner])
    order = np.argsort(acct, kind="stable")  # contacts grouped by account, the buyer first
    cid_num = np.concatenate([num, n + 1 + np.arange(m)])
    cwidth = max(7, len(str(n + m)))
    contacts = pd.DataFrame({
        "customer_id": _fixed_ids("C", cid_num[order], cwidth),
        "account_id": _fixed_ids("A", acct[order] + 1, width),
        "role": _cat(np.concatenate([buyer_role, extra_role])[order], ROLES),
        "job_title": _cat(np.concatenate([customers["job_title"].cat.codes.to_numpy(), extra_title])[order], titles),
        "buyer": np.concatenate([np.ones(n, bool), np.zeros(m, bool)])[order],
        "email": pd.concat([customers["email"], extra_email], ignore_index=True).iloc[order].reset_index(drop=True),
        "email_opt_in": np.concatenate([customers["email_opt_in"].to_numpy(), extra_email_opt])[order],
        "ads_opt_in": np.concatenate([customers["ads_opt_in"].to_numpy(), extra_ads_opt])[order],
        "opted_out": np.concatenate([customers["opted_out"].to_numpy(), extra_out])[order],
    })

    # the planted ideal customer profile drives account conversion
    sector = np.isin(np.array([c[:2] for c in accounts["naics"].cat.categories], dtype=object), ICP_SECTORS)[
        accounts["naics"].cat.codes.to_numpy()]
    size = (employees >= ICP_EMPLOYEES[0]) & (employees <= ICP_EMPLOYEES[1])
    has_dm = np.bincount(acct, weights=np.concatenate([buyer_role, extra_role]) == 0, minlength=n) > 0
    L = _LOGIT
    logit = L["base"] + L["sector"] * sector + L["size"] * size + L["both"] * (sector & size) + L["decision_maker"] * has_dm
    propensity = 1 / (1 + np.exp(-logit))
    converted = rng.random(n) < propensity

    # planted CLV: the buyer's expected net spend over the next year
    codes = transactions["customer_id"].str.slice(1).astype("int64").to_numpy() - 1
    amount = transactions["amount"].to_numpy()
    net = np.bincount(codes, weights=amount, minlength=n)
    first_line = np.concatenate([[True], transactions["order_id"].to_numpy()[1:] != transactions["order_id"].to_numpy()[:-1]])
    n_orders = np.bincount(codes, weights=(first_line & (amount > 0)).astype(float), minlength=n)
    span_days = (end_s - start_s) / _DAY
    clv = _future_value(net, n_orders, state, spec, span_days, n)

    truth = pd.DataFrame({
        "account_id": account_id.copy(),
        "icp": sector & size,
        "propensity": propensity,
        "converted": converted,
        "clv": np.round(clv, 2),
    })
    return accounts, contacts, truth
