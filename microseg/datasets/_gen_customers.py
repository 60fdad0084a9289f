"""The ``customers`` table of ``make_customers`` (b2c and b2b), with geography and contact details."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._gen_common import _cat, _draw, _fixed_ids, _mix, _str_array, _to_datetime


# --------------------------------------------------------------------------- geography
# city, region, country, population weight, features [big, university, affluent, retirement], postcode stem(s)
_CITIES = [
    ("London", "London", "United Kingdom", 9.0, (1, 0.5, 1, 0), "E|N|SW|W|SE|NW"),
    ("Brighton", "South East", "United Kingdom", 1.5, (0, 0.5, 0.5, 0.5), "BN"),
    ("Oxford", "South East", "United Kingdom", 1.0, (0, 1, 1, 0), "OX"),
    ("Reading", "South East", "United Kingdom", 1.2, (0, 0.3, 0.5, 0), "RG"),
    ("Manchester", "North West", "United Kingdom", 3.0, (1, 1, 0, 0), "M"),
    ("Liverpool", "North West", "United Kingdom", 2.0, (0.5, 0.5, 0, 0), "L"),
    ("Lancaster", "North West", "United Kingdom", 0.6, (0, 1, 0, 0.3), "LA"),
    ("Edinburgh", "Scotland", "United Kingdom", 1.6, (0.5, 1, 0.5, 0), "EH"),
    ("Glasgow", "Scotland", "United Kingdom", 2.0, (0.5, 0.5, 0, 0), "G"),
    ("Inverness", "Scotland", "United Kingdom", 0.5, (0, 0, 0, 1), "IV"),
    ("Bristol", "South West", "United Kingdom", 1.8, (0.5, 0.5, 0.5, 0), "BS"),
    ("Bath", "South West", "United Kingdom", 0.6, (0, 0.5, 1, 1), "BA"),
    ("Exeter", "South West", "United Kingdom", 0.7, (0, 0.5, 0, 1), "EX"),
    ("Truro", "South West", "United Kingdom", 0.4, (0, 0, 0, 1), "TR"),
    ("New York", "Northeast", "United States", 6.0, (1, 0.5, 1, 0), "100|101|104|112"),
    ("Boston", "Northeast", "United States", 2.0, (0.5, 1, 1, 0), "021|022"),
    ("Philadelphia", "Northeast", "United States", 2.0, (0.5, 0.5, 0, 0), "191"),
    ("San Francisco", "West", "United States", 2.0, (0.5, 0.5, 1, 0), "941"),
    ("Seattle", "West", "United States", 1.8, (0.5, 0.5, 0.5, 0), "981"),
    ("Los Angeles", "West", "United States", 4.0, (1, 0.5, 0.5, 0), "900|913"),
    ("Boise", "West", "United States", 0.6, (0, 0, 0, 0.5), "837"),
    ("Austin", "South", "United States", 1.6, (0.5, 1, 0.5, 0), "787"),
    ("Miami", "South", "United States", 2.0, (0.5, 0, 0.5, 1), "331"),
    ("Atlanta", "South", "United States", 2.2, (0.5, 0.5, 0, 0), "303"),
    ("Tampa", "South", "United States", 1.2, (0, 0, 0, 1), "336"),
    ("Chicago", "Midwest", "United States", 4.0, (1, 0.5, 0.5, 0), "606"),
    ("Minneapolis", "Midwest", "United States", 1.4, (0.5, 0.5, 0.5, 0), "554"),
    ("Des Moines", "Midwest", "United States", 0.6, (0, 0, 0, 0.5), "503"),
]
_AREA = {  # US area codes (the 555-01xx numbers are reserved for fiction in every area code)
    "New York": "212", "Boston": "617", "Philadelphia": "215", "San Francisco": "415", "Seattle": "206",
    "Los Angeles": "213", "Boise": "208", "Austin": "512", "Miami": "305", "Atlanta": "404", "Tampa": "813",
    "Chicago": "312", "Minneapolis": "612", "Des Moines": "515",
}


def _city_weights(betas) -> np.ndarray:
    pop = np.array([c[3] for c in _CITIES])
    feats = np.array([c[4] for c in _CITIES], dtype=float)
    w = pop[None, :] * np.exp(np.asarray(betas, dtype=float) @ feats.T)
    return w / w.sum(axis=1, keepdims=True)


def _postcodes(rng, city):
    """Postcode prefix (UK outward code, US ZIP3) per customer, from a small table of unique strings."""
    table, first, count = [], [], []
    for name, *_, stems in _CITIES:
        first.append(len(table))
        for stem in stems.split("|"):
            if stem.isdigit():
                table.append(stem)
            else:
                table.extend(f"{stem}{d}" for d in range(1, 13))
        count.append(len(table) - first[-1])
    first, count = np.array(first), np.array(count)
    idx = first[city] + (rng.random(len(city)) * count[city]).astype(np.int64)
    return pd.Series(_str_array(np.array(table, dtype=object)[idx]))


# --------------------------------------------------------------------------- contact details
_FIRST = np.array(
    "Anna Ben Chloe Daniel Ella Finn Grace Harry Isla Jack Kate Leo Maya Noah Olivia Paul Ruby Sam Tara Umar "
    "Vera Will Yasmin Zoe Adam Beth Carlos Dina Ethan Fatima George Hannah Ivan Julia Kofi Lena Mohammed Nina "
    "Oscar Priya".split(),
    dtype=object,
)
_LAST = np.array(
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Wright Walker Evans Thomas Roberts Green "
    "Hall Wood Clarke Hughes Lewis Garcia Miller Davis Martinez Lopez Lee Clark Young King Scott Nguyen Hill "
    "Adams Baker Nelson Carter Mitchell Perez Khan Murphy".split(),
    dtype=object,
)
_DOMAINS = np.array(["example.com", "example.org", "example.net"], dtype=object)


def _messy_emails(rng, locals_, subdomains=None, missing=0.05):
    """Fake emails on reserved example domains, with realistic mess: case, stray spaces, missing."""
    S = np.dtypes.StringDType()
    n = len(locals_)
    dom = _DOMAINS[rng.integers(0, 3, n)].astype(S)
    if subdomains is not None:
        dom = np.strings.add(np.strings.add(subdomains, "."), dom)
    e = np.strings.add(np.strings.add(np.asarray(locals_, dtype=S), "@"), dom)
    r = rng.random(n)
    e = np.where(r < 0.06, np.strings.upper(e), e)
    e = np.where((r >= 0.06) & (r < 0.18), np.strings.capitalize(e), e)
    r = rng.random(n)
    e = np.where(r < 0.03, np.strings.add(e, " "), e)
    e = np.where((r >= 0.03) & (r < 0.05), np.strings.add(" ", e), e)
    s = pd.Series(_str_array(e.astype(object)))
    return s.mask(rng.random(n) < missing)


def _messy_phones(rng, us, city, missing=0.05):
    """Fictional phone numbers (UK 07700 900xxx, US NNN-555-01xx) in mixed formats, some missing."""
    S = np.dtypes.StringDType()
    n = len(us)
    uk3 = np.char.zfill(rng.integers(0, 1000, n).astype(str), 3).astype(S)
    us2 = np.char.zfill(rng.integers(0, 100, n).astype(str), 2).astype(S)
    area = np.array([_AREA.get(c[0], "555") for c in _CITIES], dtype=object)[city].astype(S)
    fmt = rng.integers(0, 4, n)
    add = np.strings.add
    uk = [
        add("+44 7700 900", uk3),
        add("07700 900", uk3),
        add("07700900", uk3),
        add("+447700900", uk3),
    ]
    usf = [
        add(add(add("+1 ", area), "-555-01"), us2),
        add(add(add("(", area), ") 555-01"), us2),
        add(add(area, ".555.01"), us2),
        add(add(area, "55501"), us2),
    ]
    out = np.empty(n, dtype=S)
    for k in range(4):
        m = fmt == k
        out = np.where(m & ~us, uk[k], out)
        out = np.where(m & us, usf[k], out)
    s = pd.Series(_str_array(out.astype(object)))
    return s.mask(rng.random(n) < missing)


# --------------------------------------------------------------------------- customers (b2c)
def _dates(rng, n, start_s, end_s):
    """Signup (more recent signups are more common: the business grows) and last-updated seconds."""
    span = end_s - start_s
    signup = start_s + (np.sqrt(rng.random(n)) * span).astype(np.int64)
    stale = rng.random(n) < 0.3  # never updated since signup: very stale for early signups
    upd = signup + (rng.random(n) ** 0.5 * (end_s - signup)).astype(np.int64)
    return signup, np.where(stale, signup, upd)


def _b2c_customers(rng, n, spec, start_s, end_s):
    P = len(spec["personas"])
    w = np.asarray(spec["weights"]) / np.sum(spec["weights"])
    persona = rng.choice(P, size=n, p=w)
    src = {b: _mix(rng, persona, w, s) for b, s in spec["mix"].items()}
    d = src["demo"]

    mu, sd = np.array(spec["age"], dtype=float).T
    age = np.clip(np.round(rng.normal(mu[d], sd[d])), 18, 95).astype(np.int64)
    gender = _draw(rng, d, spec["gender"]["p"])
    income = np.round(np.asarray(spec["income"], float)[d] * rng.lognormal(0, 0.35, n), -2)
    education = _draw(rng, d, spec["education"]["p"])
    emp = _draw(rng, d, spec["employment"]["p"])
    emp_levels = spec["employment"]["levels"]
    occ = _draw(rng, d, spec["occupation"]["p"])
    occ_levels = spec["occupation"]["levels"] + ["student", "retired", "not_working"]
    occ = np.where(emp == emp_levels.index("student"), len(occ_levels) - 3, occ)
    occ = np.where(emp == emp_levels.index("retired"), len(occ_levels) - 2, occ)
    occ = np.where(np.isin(emp, [emp_levels.index("unemployed"), emp_levels.index("homemaker")]), len(occ_levels) - 1, occ)
    income = np.where(emp == emp_levels.index("unemployed"), np.round(income * 0.45, -2), income)
    marital = _draw(rng, d, spec["marital"]["p"])
    ch_mean = np.array([0.0 if m is None else m for m in spec["children"]])
    children = rng.poisson(ch_mean[d])
    parents = spec["children"].index(None)
    children = np.where(d == parents, 1 + rng.poisson(1.1, n), children)
    partner = np.isin(marital, [1, 2]) & (rng.random(n) < 0.92)
    household = 1 + partner + children + rng.poisson(np.asarray(spec["flatmates"])[d])

    g = src["geo"]
    city = _draw(rng, g, _city_weights(spec["city_beta"]))
    urban = _draw(rng, g, spec["urban"]["p"])
    big = np.array([c[4][0] for c in _CITIES])[city] == 1
    urban = np.where(big & (urban == 2), 1, urban)  # no farms in the biggest cities

    flags = {f: rng.random(n) < np.asarray(spec["flag_p"])[src["interests"], j] for j, f in enumerate(spec["flags"])}

    c = src["channel"]
    acq = _draw(rng, c, spec["acquisition"]["p"])
    pref = _draw(rng, c, spec["preferred"]["p"])
    referral_levels = ["google", "bing", "google_ads", "instagram", "tiktok", "facebook", "voucher_site", "price_comparison", "friend", "newsletter", "in_store", "tv_ad"]
    r = rng.random(n)
    social = np.where(r < np.where(age < 28, 0.6, np.where(age < 45, 0.25, 0.05)), 4, np.where(r < 0.7, 3, 5))
    ref_by_acq = np.stack([
        np.where(r < 0.85, 0, 1), np.full(n, 2), social, np.where(r < 0.6, 6, 7),
        np.full(n, 8), np.full(n, 9), np.full(n, 10), np.full(n, 11)])
    referral = ref_by_acq[acq, np.arange(n)]
    email_opt = rng.random(n) < np.asarray(spec["email_opt_in"])[c]
    ads_opt = rng.random(n) < np.asarray(spec["ads_opt_in"])[c]
    opted_out = rng.random(n) < 0.03
    email_opt &= ~opted_out
    ads_opt &= ~opted_out
    signup, updated = _dates(rng, n, start_s, end_s)

    first = rng.integers(0, len(_FIRST), n)
    last = rng.integers(0, len(_LAST), n)
    S = np.dtypes.StringDType()
    sep = np.array([".", "_", ""], dtype=object)[rng.integers(0, 3, n)].astype(S)
    local = np.strings.add(np.strings.add(np.strings.lower(_FIRST[first].astype(S)), sep), np.strings.lower(_LAST[last].astype(S)))
    local = np.strings.add(local, (np.arange(n) + 1).astype(str).astype(S))
    us = np.array([c_[2] == "United States" for c_ in _CITIES])[city]

    customers = pd.DataFrame({
        "customer_id": _fixed_ids("C", np.arange(1, n + 1), 7),
        "age": age,
        "gender": _cat(gender, spec["gender"]["levels"]),
        "income": income.astype(float),
        "education": pd.Categorical.from_codes(education, categories=pd.CategoricalDtype(spec["education"]["levels"], ordered=True).categories, ordered=True),
        "occupation": _cat(occ, occ_levels),
        "marital_status": _cat(marital, spec["marital"]["levels"]),
        "household_size": household.astype(np.int64),
        "children": children.astype(np.int64),
        "country": pd.Categorical(np.array([c_[2] for c_ in _CITIES], dtype=object)[city], categories=["United Kingdom", "United States"]),
        "region": pd.Categorical(np.array([c_[1] for c_ in _CITIES], dtype=object)[city], categories=list(dict.fromkeys(c_[1] for c_ in _CITIES))),
        "city": _cat(city, [c_[0] for c_ in _CITIES]),
        "postcode_prefix": _postcodes(rng, city),
        "urban_rural": _cat(urban, spec["urban"]["levels"]),
        "employment_status": _cat(emp, emp_levels),
        **flags,
        "acquisition_channel": _cat(acq, spec["acquisition"]["levels"]),
        "referral_source": _cat(referral, referral_levels),
        "preferred_channel": _cat(pref, spec["preferred"]["levels"]),
        "signup_date": _to_datetime(signup),
        "last_updated": _to_datetime(updated),
        "email_opt_in": email_opt,
        "ads_opt_in": ads_opt,
        "opted_out": opted_out,
        "email": _messy_emails(rng, local),
        "phone": _messy_phones(rng, us, city),
    })
    z_income = (np.log(income + 1000) - np.log(45_000)) / 0.7
    logit = (-2.5 + np.asarray(spec["propensity_offset"])[persona] + 0.45 * z_income + 0.5 * email_opt
             + 0.4 * flags["travel_lover"] + 0.3 * flags["foodie"] - 0.25 * flags["tv_series_fan"]
             + 0.25 * (pref == 0) - 0.012 * (age - 45))
    state = dict(persona=persona, behaviour=src["behaviour"], signup=signup, preferred=pref, pet_owner=flags["pet_owner"],
                 email_opt=email_opt, ads_opt=ads_opt, opted_out=opted_out, phone_ok=customers["phone"].notna().to_numpy(),
                 logit=logit)
    return customers, state


# --------------------------------------------------------------------------- customers (b2b)
_NAME_A = np.array("Blue Bright Silver North Green Cedar Harbor Summit Granite Swift Maple Iron Crystal Golden Oak River Stone Falcon Pine Atlas".split(), dtype=object)
_NAME_B = np.array("Analytics Logistics Systems Foods Partners Works Labs Industries Health Learning Supplies Consulting Digital Devices Energy Retail".split(), dtype=object)
_NAME_SFX = {"United Kingdom": np.array(["Ltd", "Ltd", "PLC", "LLP"], dtype=object), "United States": np.array(["Inc.", "LLC", "Corp.", "Co."], dtype=object)}


def _b2b_customers(rng, n, spec, start_s, end_s):
    P = len(spec["personas"])
    w = np.asarray(spec["weights"]) / np.sum(spec["weights"])
    persona = rng.choice(P, size=n, p=w)
    src = {b: _mix(rng, persona, w, s) for b, s in spec["mix"].items()}
    d = src["demo"]
    industry = _draw(rng, d, spec["industry"]["p"])
    size = _draw(rng, d, spec["size"]["p"])
    role = _draw(rng, src["channel"], spec["role"]["p"])
    roles = spec["role"]["levels"]
    title_levels = [t for r_ in roles for t in spec["titles"][r_]]
    t_first = np.cumsum([0] + [len(spec["titles"][r_]) for r_ in roles])[:-1]
    t_count = np.array([len(spec["titles"][r_]) for r_ in roles])
    title = t_first[role] + (rng.random(n) * t_count[role]).astype(np.int64)
    partner = rng.random(n) < np.asarray(spec["partner"])[d]
    city = _draw(rng, src["geo"], _city_weights(spec["city_beta"]))
    countries = np.array([c_[2] for c_ in _CITIES], dtype=object)
    us = countries[city] == "United States"
    a = rng.integers(0, len(_NAME_A), n)
    b = rng.integers(0, len(_NAME_B), n)
    sfx = np.where(us, _NAME_SFX["United States"][rng.integers(0, 4, n)], _NAME_SFX["United Kingdom"][rng.integers(0, 4, n)])
    S = np.dtypes.StringDType()
    base = np.strings.add(np.strings.add(_NAME_A[a].astype(S), " "), _NAME_B[b].astype(S))
    num = (np.arange(n) + 1).astype(str).astype(S)
    # company names repeat in real registers; an id suffix keeps them distinct here
    name = np.strings.add(np.strings.add(base, np.strings.add(" ", num)), np.strings.add(" ", sfx.astype(S)))
    slug = np.strings.add(np.strings.lower(np.strings.add(np.strings.add(_NAME_A[a].astype(S), "-"), _NAME_B[b].astype(S))), num)
    first = rng.integers(0, len(_FIRST), n)
    last = rng.integers(0, len(_LAST), n)
    local = np.strings.add(np.strings.add(np.strings.lower(_FIRST[first].astype(S)), "."), np.strings.lower(_LAST[last].astype(S)))
    # the company's own domain is a subdomain of a reserved example domain
    email = _messy_emails(rng, local, subdomains=slug)
    email_opt = rng.random(n) < np.asarray(spec["email_opt_in"])[src["channel"]]
    ads_opt = rng.random(n) < np.asarray(spec["ads_opt_in"])[src["channel"]]
    opted_out = rng.random(n) < 0.03
    email_opt &= ~opted_out
    ads_opt &= ~opted_out
    signup, updated = _dates(rng, n, start_s, end_s)
    customers = pd.DataFrame({
        "customer_id": _fixed_ids("C", np.arange(1, n + 1), 7),
        "company_name": pd.Series(_str_array(name.astype(object))),
        "industry": _cat(industry, spec["industry"]["levels"]),
        "company_size": pd.Categorical.from_codes(size, categories=spec["size"]["levels"], ordered=True),
        "country": pd.Categorical(countries[city], categories=["United Kingdom", "United States"]),
        "region": pd.Categorical(np.array([c_[1] for c_ in _CITIES], dtype=object)[city], categories=list(dict.fromkeys(c_[1] for c_ in _CITIES))),
        "city": _cat(city, [c_[0] for c_ in _CITIES]),
        "partner": partner,
        "contact_role": _cat(role, roles),
        "job_title": _cat(title, title_levels),
        "lifetime_value": np.zeros(n),  # filled from the transactions
        "signup_date": _to_datetime(signup),
        "last_updated": _to_datetime(updated),
        "email_opt_in": email_opt,
        "ads_opt_in": ads_opt,
        "opted_out": opted_out,
        "email": email,
        "phone": _messy_phones(rng, us, city),
    })
    logit = (-2.4 + np.asarray(spec["propensity_offset"])[persona] + 0.35 * (size - 2) + 0.6 * partner + 0.4 * email_opt
             + 0.3 * (industry == 0))
    state = dict(persona=persona, behaviour=src["behaviour"], signup=signup, preferred=np.ones(n, dtype=np.int64),
                 pet_owner=np.zeros(n, dtype=bool), email_opt=email_opt, ads_opt=ads_opt, opted_out=opted_out,
                 phone_ok=customers["phone"].notna().to_numpy(), logit=logit)
    return customers, state
