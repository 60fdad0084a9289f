"""A synthetic customer population with planted truth: ``make_customers``.

The generator plants personas (who the customers are), psychographic segments
(how they think), a conversion propensity (who converts) and campaign effects
that differ by persona, then writes the tables an analyst would receive: a
customer table, transactions, web/app events, a campaign send history and a
survey. The truth is returned beside the data, so every method in microseg can
be checked against it.

Everything is vectorised: the only Python loops run over personas, campaigns,
catalogue entries or tables, never over customers or rows.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
from sklearn.utils import check_random_state

from ..errors import MicrosegError

__all__ = ["make_customers", "CustomerData", "Truth"]

_DAY = 86_400  # seconds


# --------------------------------------------------------------------------- result objects
@dataclass(frozen=True)
class Truth:
    """What the generator planted, to check methods against.

    Attributes
    ----------
    customers : pandas.DataFrame
        One row per customer: ``customer_id`` (str), ``persona`` (category),
        ``psychographic_segment`` (category, assigned to every customer; only
        survey respondents reveal it), ``propensity`` (float, the planted
        probability of converting) and ``converted`` (bool, drawn from
        ``propensity``).
    persona_traits : pandas.DataFrame
        The distinctive traits of each persona in the vocabulary of a profile
        table: ``persona``, ``column`` (a column of the customer table),
        ``level`` (``""`` for numeric columns, the category for categorical
        ones, ``"True"`` for boolean flags) and ``direction`` (``"higher"`` or
        ``"lower"`` than in the whole population). At most 8 per persona, each
        strong enough to be found among a persona's 10 most distinctive traits.
    """

    customers: pd.DataFrame
    persona_traits: pd.DataFrame

    def __repr__(self) -> str:
        n_personas = self.customers["persona"].nunique() if len(self.customers) else 0
        return f"Truth(customers={len(self.customers):,} rows, personas={n_personas}, traits={len(self.persona_traits)})"


@dataclass(frozen=True)
class CustomerData:
    """The tables of a synthetic customer population and its planted truth.

    See :func:`make_customers` for every column of every table.

    Attributes
    ----------
    customers, transactions, events, contacts, survey, survey_items : pandas.DataFrame
    truth : Truth
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    events: pd.DataFrame
    contacts: pd.DataFrame
    survey: pd.DataFrame
    survey_items: pd.DataFrame
    truth: Truth = field(repr=False)

    _TABLES = ("customers", "transactions", "events", "contacts", "survey", "survey_items")

    def to_frame(self) -> pd.DataFrame:
        """One row per table: its name, number of rows and number of columns."""
        return pd.DataFrame(
            {
                "table": list(self._TABLES),
                "rows": [len(getattr(self, t)) for t in self._TABLES],
                "columns": [getattr(self, t).shape[1] for t in self._TABLES],
            }
        )

    def __repr__(self) -> str:
        parts = ", ".join(f"{t}={len(getattr(self, t)):,}" for t in self._TABLES)
        return f"CustomerData({parts})"

    def _repr_html_(self) -> str:
        return "<p><b>CustomerData</b> (rows per table)</p>" + self.to_frame().to_html(index=False)


# --------------------------------------------------------------------------- small helpers
def _str_array(values) -> pd.arrays.ArrowStringArray:
    return pd.array(values, dtype="str")


def _fixed_ids(prefix: str, numbers_, width: int, valid=None) -> pd.Series:
    """Strings ``prefix + zero-padded number`` built from bytes (fast for tens of millions)."""
    nums = np.asarray(numbers_, dtype=np.int64)
    n = len(nums)
    p = len(prefix)
    w = p + width
    buf = np.empty((n, w), dtype=np.uint8)
    if p:
        buf[:, :p] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    x = nums.copy()
    for k in range(width - 1, -1, -1):
        buf[:, p + k] = 48 + (x % 10)
        x //= 10
    if n * w >= 2**31 - 1:
        offsets = pa.py_buffer(np.arange(0, (n + 1) * w, w, dtype=np.int64))
        typ = pa.large_string()
    else:
        offsets = pa.py_buffer(np.arange(0, (n + 1) * w, w, dtype=np.int32))
        typ = pa.string()
    validity = None
    nulls = 0
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        nulls = int(n - valid.sum())
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    arr = pa.Array.from_buffers(typ, n, [validity, offsets, pa.py_buffer(buf)], null_count=nulls)
    return pd.Series(_str_array(arr))


def _cat(codes, categories) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64 if len(categories) > 120 else np.int16), categories=list(categories))


def _draw(rng, groups, probs) -> np.ndarray:
    """One category index per row, from the probability row of the row's group (loops over groups)."""
    probs = np.asarray(probs, dtype=float)
    probs = probs / probs.sum(axis=1, keepdims=True)
    out = np.zeros(len(groups), dtype=np.int64)
    for g in range(probs.shape[0]):
        m = np.flatnonzero(groups == g)
        if len(m):
            out[m] = rng.choice(probs.shape[1], size=len(m), p=probs[g])
    return out


def _mix(rng, persona, weights, share):
    """Persona a block of attributes is drawn from: the own persona, or with prob ``share`` another one."""
    other = rng.choice(len(weights), size=len(persona), p=weights)
    return np.where(rng.random(len(persona)) < share, other, persona)


def _to_datetime(seconds) -> np.ndarray:
    return (np.asarray(seconds, dtype=np.int64) * 1_000_000_000).astype("datetime64[ns]")


class _Season:
    """Monthly seasonality (a Q4 peak) as a time warp: uniform draws in warped time follow it."""

    MONTHLY = np.array([0.85, 0.75, 0.85, 0.9, 0.95, 0.95, 0.95, 0.9, 0.9, 1.05, 1.5, 1.75])

    def __init__(self, start: pd.Timestamp, n_days: int):
        days = pd.date_range(start.normalize(), periods=n_days + 2, freq="D")
        s = self.MONTHLY[days.month.to_numpy() - 1]
        s = s / s.mean()
        self.grid = np.arange(n_days + 2, dtype=float)
        self.cum = np.concatenate([[0.0], np.cumsum(s[:-1])])

    def warp(self, day):
        return np.interp(day, self.grid, self.cum)

    def unwarp(self, u):
        return np.interp(u, self.cum, self.grid)


def _time_of_day(rng, n, evening=0.6):
    """Seconds into the day with a lunchtime and an evening peak."""
    peak = np.where(rng.random(n) < evening, 20.5 * 3600, 12.5 * 3600)
    tod = rng.normal(peak, 2.6 * 3600)
    return np.mod(tod, _DAY).astype(np.int64)


# --------------------------------------------------------------------------- catalogues
_CATALOG_B2C = {
    "electronics": {
        "phone_setup": [("smartphone", 499), ("phone case", 19), ("screen protector", 9), ("fast charger", 25), ("wireless earbuds", 89)],
        "laptop_setup": [("laptop", 899), ("laptop sleeve", 29), ("wireless mouse", 25), ("usb-c hub", 39), ("laptop stand", 35)],
        "home_audio": [("bluetooth speaker", 79), ("soundbar", 199), ("hdmi cable", 12), ("streaming stick", 45)],
    },
    "gaming": {
        "console_bundle": [("games console", 449), ("extra controller", 59), ("console game", 59), ("gaming headset", 79), ("charging dock", 29)],
        "pc_gaming": [("graphics card", 549), ("mechanical keyboard", 99), ("gaming mouse", 59), ("gaming monitor", 299), ("mouse pad", 19)],
    },
    "fashion": {
        "winter_wear": [("winter coat", 149), ("gloves", 25), ("beanie hat", 19), ("wool scarf", 29), ("winter boots", 119)],
        "summer_wear": [("t-shirt", 19), ("shorts", 29), ("sunglasses", 59), ("sandals", 39), ("sun hat", 22)],
        "formal_wear": [("suit", 299), ("dress shirt", 49), ("silk tie", 39), ("leather shoes", 129), ("belt", 35)],
    },
    "kids_baby": {
        "baby_care": [("nappies", 24), ("baby wipes", 6), ("baby lotion", 8), ("feeding bottles", 19), ("baby monitor", 89)],
        "kids_toys": [("building blocks", 39), ("jigsaw puzzle", 15), ("board game", 29), ("plush toy", 18), ("craft kit", 22)],
        "back_to_school": [("school backpack", 35), ("pencil case", 9), ("exercise books", 7), ("lunch box", 12), ("kids water bottle", 10)],
    },
    "grocery": {
        "breakfast": [("ground coffee", 8), ("breakfast cereal", 4), ("oat milk", 2), ("strawberry jam", 3), ("orange juice", 3)],
        "baking": [("flour", 2), ("sugar", 2), ("free-range eggs", 3), ("butter", 3), ("vanilla extract", 5)],
        "party_snacks": [("crisps", 3), ("cola", 2), ("chocolate", 4), ("salted nuts", 4), ("dips", 3)],
    },
    "home_garden": {
        "gardening": [("vegetable seeds", 4), ("plant pot", 12), ("garden gloves", 9), ("watering can", 15), ("compost", 10)],
        "kitchen": [("frying pan", 45), ("knife set", 79), ("chopping board", 19), ("spatula set", 12), ("oven gloves", 10)],
        "bedroom": [("duvet", 69), ("pillow pair", 35), ("bed sheet set", 45), ("bedside lamp", 39)],
    },
    "sports_outdoor": {
        "running": [("running shoes", 119), ("running socks", 12), ("sports watch", 199), ("running belt", 19), ("sports bottle", 15)],
        "gym": [("yoga mat", 29), ("dumbbell set", 69), ("resistance bands", 19), ("gym bag", 39), ("protein powder", 35)],
        "cycling": [("road bike", 899), ("bike helmet", 59), ("bike lights", 29), ("cycling gloves", 22), ("bike lock", 35)],
    },
    "travel": {
        "luggage": [("suitcase", 149), ("travel adapter", 19), ("neck pillow", 22), ("toiletry bag", 25), ("luggage tags", 9)],
        "camping": [("tent", 179), ("sleeping bag", 89), ("headlamp", 29), ("camping stove", 49), ("camping mat", 39)],
    },
    "books_media": {
        "reading": [("novel", 12), ("cookbook", 25), ("travel guide", 18), ("e-reader", 129), ("book light", 15)],
        "tv_box_sets": [("tv series box set", 39), ("film collection", 29), ("streaming gift card", 25), ("popcorn maker", 39)],
    },
    "health_beauty": {
        "skincare": [("moisturiser", 22), ("cleanser", 14), ("sunscreen", 15), ("face serum", 35), ("lip balm", 5)],
        "wellbeing": [("multivitamins", 15), ("omega-3 capsules", 18), ("herbal tea", 5), ("massage oil", 16), ("pill organiser", 8)],
    },
    "pet_supplies": {
        "dog_care": [("dog food", 39), ("dog lead", 19), ("chew toy", 9), ("dog bed", 59), ("poo bags", 6)],
        "cat_care": [("cat food", 29), ("cat litter", 14), ("scratching post", 39), ("cat toy", 7), ("cat bowl", 9)],
    },
}

_CATALOG_B2B = {
    "software": {
        "productivity_suite": [("suite licence seat", 120), ("admin add-on", 40), ("cloud storage tier", 60), ("security add-on", 50)],
        "crm": [("crm seat", 600), ("integration pack", 300), ("analytics module", 450)],
    },
    "hardware": {
        "workstation": [("desktop pc", 1100), ("monitor", 280), ("keyboard and mouse set", 60), ("docking station", 190)],
        "networking": [("router", 350), ("network switch", 480), ("wireless access point", 220), ("cabling kit", 90)],
    },
    "office_supplies": {
        "paper_and_print": [("printer paper box", 45), ("toner cartridge", 110), ("labels", 20), ("envelopes", 25)],
        "desk_supplies": [("pens box", 15), ("notebooks pack", 30), ("stapler", 12), ("sticky notes", 10)],
    },
    "furniture": {
        "workspace": [("office desk", 450), ("office chair", 320), ("monitor arm", 120), ("filing cabinet", 210)],
    },
    "services": {
        "support": [("support plan", 1500), ("onsite visit", 600), ("setup service", 400)],
    },
    "training": {
        "courses": [("online course", 250), ("workshop seat", 700), ("certification exam", 300)],
    },
}


class _Catalog:
    """Products (two price tiers per item), grouped into families within categories."""

    def __init__(self, tree):
        self.categories = list(tree)
        fam_cat, fam_start, fam_size, prod_cat, prod_fam, price = [], [], [], [], [], []
        for c, cat in enumerate(self.categories):
            for fam_items in tree[cat].values():
                fam_cat.append(c)
                fam_start.append(len(price))
                fam_size.append(len(fam_items))
                for _, p in fam_items:
                    for tier in (1.0, 2.2):  # standard, premium
                        prod_cat.append(c)
                        prod_fam.append(len(fam_cat) - 1)
                        price.append(p * tier)
        self.fam_cat = np.array(fam_cat)
        self.fam_start = np.array(fam_start)
        self.fam_size = np.array(fam_size)
        self.prod_cat = np.array(prod_cat)
        self.price = np.array(price)
        self.n_products = len(price)
        self.product_ids = [f"P{i + 1:04d}" for i in range(self.n_products)]
        # products of each category are contiguous (built in category order)
        self.cat_first = np.array([np.flatnonzero(self.prod_cat == c)[0] for c in range(len(self.categories))])
        self.cat_count = np.bincount(self.prod_cat, minlength=len(self.categories))

    def family_of_category(self, rng, cats):
        """A uniformly chosen family of each category."""
        fam = np.zeros(len(cats), dtype=np.int64)
        for c in range(len(self.categories)):
            m = np.flatnonzero(cats == c)
            if len(m):
                fam[m] = rng.choice(np.flatnonzero(self.fam_cat == c), size=len(m))
        return fam


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


# --------------------------------------------------------------------------- personas (b2c)
_B2C = dict(
    personas=["young_gamers", "busy_parents", "affluent_travellers", "bargain_hunters", "retirees", "fitness_enthusiasts", "students"],
    weights=[0.14, 0.17, 0.12, 0.16, 0.15, 0.13, 0.13],
    # share of customers whose block of attributes follows another persona (overlap between personas)
    mix=dict(demo=0.12, geo=0.12, interests=0.12, channel=0.12, behaviour=0.12),
    age=[(25, 4.5), (38, 6), (50, 9), (43, 13), (70, 6), (32, 7), (21, 2.5)],
    gender=dict(levels=["female", "male", "non_binary"], p=[[.25, .72, .03], [.62, .37, .01], [.45, .54, .01], [.55, .44, .01], [.55, .445, .005], [.5, .48, .02], [.52, .45, .03]]),
    income=[32_000, 56_000, 125_000, 30_000, 34_000, 54_000, 11_000],
    education=dict(levels=["secondary", "vocational", "bachelor", "master", "doctorate"], p=[
        [.35, .30, .28, .06, .01], [.20, .25, .35, .17, .03], [.04, .06, .36, .40, .14], [.40, .33, .20, .06, .01],
        [.42, .30, .17, .09, .02], [.15, .20, .42, .20, .03], [.55, .08, .32, .05, .0]]),
    employment=dict(levels=["employed", "self_employed", "unemployed", "student", "retired", "homemaker"], p=[
        [.72, .06, .12, .09, 0, .01], [.62, .10, .04, 0, 0, .24], [.60, .35, .02, 0, .03, 0], [.58, .06, .18, .02, .06, .10],
        [.03, .03, 0, 0, .94, 0], [.78, .14, .04, .04, 0, 0], [.12, .01, .02, .85, 0, 0]]),
    occupation=dict(levels=["professional", "manager", "technical", "clerical", "sales_service", "manual", "creative"], p=[
        [.10, .03, .30, .12, .25, .12, .08], [.22, .12, .14, .20, .14, .10, .08], [.42, .38, .06, .02, .02, 0, .10],
        [.06, .03, .10, .22, .30, .27, .02], [.20, .10, .10, .20, .20, .15, .05], [.30, .12, .18, .10, .14, .06, .10],
        [.02, 0, .08, .10, .60, .15, .05]]),
    marital=dict(levels=["single", "married", "partnered", "divorced", "widowed"], p=[
        [.70, .07, .20, .03, 0], [.06, .72, .15, .07, 0], [.15, .60, .12, .12, .01], [.35, .30, .13, .20, .02],
        [.06, .52, .06, .14, .22], [.45, .22, .28, .05, 0], [.85, .01, .14, 0, 0]]),
    children=[0.1, None, 0.9, 1.0, 0.05, 0.3, 0.02],  # Poisson means; busy parents: 1 + Poisson(1.1)
    flatmates=[0.6, 0.05, 0.05, 0.2, 0.05, 0.2, 1.6],
    city_beta=[[0.8, 0.3, 0, -0.5], [-0.3, 0, 0.2, 0], [0.6, 0, 1.5, 0], [0, 0, -0.8, 0.2], [-0.6, -0.3, 0, 1.8], [0.5, 0.2, 0.5, -0.3], [0.2, 2.2, -0.3, -0.8]],
    urban=dict(levels=["urban", "suburban", "rural"], p=[[.65, .28, .07], [.25, .60, .15], [.55, .38, .07], [.40, .40, .20], [.20, .35, .45], [.60, .33, .07], [.85, .13, .02]]),
    flags=["travel_lover", "gamer", "pet_owner", "tv_series_fan", "sports_fan", "foodie", "fitness_fan"],
    flag_p=[[.15, .85, .15, .60, .35, .20, .15], [.15, .20, .50, .40, .30, .35, .15], [.85, .08, .30, .25, .30, .60, .30],
            [.07, .20, .35, .55, .25, .15, .10], [.30, .03, .45, .60, .25, .30, .08], [.30, .15, .25, .20, .65, .30, .85],
            [.35, .45, .05, .55, .30, .20, .25]],
    acquisition=dict(levels=["organic_search", "paid_search", "social", "affiliate", "referral", "email", "store", "tv"], p=[
        [.20, .15, .35, .05, .12, .03, .05, .05], [.22, .20, .15, .08, .12, .08, .10, .05], [.30, .25, .05, .05, .20, .05, .07, .03],
        [.10, .12, .08, .50, .05, .09, .04, .02], [.10, .05, .02, .03, .15, .05, .35, .25], [.20, .15, .35, .05, .15, .04, .04, .02],
        [.15, .08, .48, .08, .16, .02, .02, .01]]),
    preferred=dict(levels=["app", "web", "store"], p=[[.60, .35, .05], [.45, .35, .20], [.30, .55, .15], [.35, .45, .20], [.05, .30, .65], [.65, .30, .05], [.70, .27, .03]]),
    email_opt_in=[.50, .70, .60, .85, .65, .60, .45],
    ads_opt_in=[.60, .45, .35, .70, .30, .55, .60],
    # propensity: logit offset per persona (plus feature effects, see _b2c_propensity)
    propensity_offset=[-0.3, 0.2, 1.0, 0.3, -0.6, 0.5, -0.5],
    # behaviour
    catalog=_CATALOG_B2C,
    cat_pref=[  # electronics gaming fashion kids grocery home sports travel books health pets
        [.22, .38, .08, .01, .06, .03, .04, .02, .12, .03, .01],
        [.04, .01, .10, .30, .25, .12, .02, .01, .03, .07, .05],
        [.12, .00, .20, .01, .03, .12, .06, .28, .06, .10, .02],
        [.08, .02, .18, .08, .25, .14, .03, .01, .04, .10, .07],
        [.02, .00, .05, .02, .14, .30, .02, .05, .16, .18, .06],
        [.08, .01, .12, .01, .10, .02, .40, .05, .03, .18, .00],
        [.20, .10, .20, .00, .12, .02, .05, .03, .23, .05, .00],
    ],
    pet_category="pet_supplies",
    order_rate=[3.0, 5.0, 2.0, 5.5, 2.2, 3.5, 2.5],
    lines_mean=[1.8, 2.6, 2.0, 2.2, 1.6, 1.9, 1.5],
    premium_p=[.35, .25, .75, .08, .30, .40, .10],
    discount_p=[.15, .20, .05, .55, .15, .15, .30],
    churn=[.35, .15, .20, .45, .12, .25, .55],  # yearly hazard
    gap_shape=[1.2, 3.0, 1.5, 0.8, 2.5, 1.5, 1.0],  # regularity of inter-purchase gaps
    return_mult=[1.0, 0.9, 0.8, 1.4, 0.6, 1.0, 1.2],
    session_rate=[3.0, 1.5, 1.2, 2.4, 0.5, 2.0, 2.6],
    # funnel: P(view | visit), mean extra views, P(cart | view), P(checkout | cart), P(purchase | checkout); last row anonymous
    funnel=[[.80, 1.5, .30, .50, .70], [.85, 0.6, .45, .70, .85], [.85, 1.0, .35, .80, .92], [.90, 2.5, .55, .35, .55],
            [.75, 0.3, .30, .60, .80], [.80, 0.8, .35, .65, .80], [.75, 1.0, .25, .45, .60], [.60, 0.4, .10, .40, .60]],
    device=dict(levels=["app", "mobile_web", "desktop", "tablet"], p=[
        [.40, .25, .32, .03], [.30, .35, .15, .20], [.20, .15, .45, .20], [.25, .30, .35, .10], [.03, .12, .45, .40],
        [.55, .25, .15, .05], [.55, .30, .13, .02], [.0, .45, .40, .15]]),
    referral=dict(levels=["direct", "organic_search", "paid_search", "social", "paid_social", "email", "affiliate", "display_ad"], p=[
        [.30, .15, .05, .25, .12, .03, .03, .07], [.30, .20, .10, .10, .05, .12, .05, .08], [.35, .25, .12, .04, .03, .10, .03, .08],
        [.15, .15, .10, .08, .07, .15, .25, .05], [.40, .25, .05, .03, .02, .12, .03, .10], [.30, .15, .07, .22, .12, .06, .03, .05],
        [.30, .18, .05, .28, .12, .02, .03, .02], [.10, .45, .15, .12, .06, .0, .07, .05]]),
    survey_p=[.22, .28, .32, .36, .40, .30, .22],
    segments=["explorers", "thrifty_pragmatists", "home_centred", "health_driven", "digital_trendsetters"],
    segment_p=[[.15, .15, .07, .08, .55], [.08, .22, .55, .10, .05], [.55, .05, .15, .15, .10], [.07, .60, .18, .05, .10],
               [.10, .30, .50, .08, .02], [.15, .05, .07, .63, .10], [.25, .25, .03, .12, .35]],
    open_p=[.8, 1.0, 1.1, 1.3, 1.0, 1.0, 0.7],  # multiplies the channel's open rate
    click_p=[.14, .12, .10, .22, .08, .14, .16],
    uplift=[0.3, 0.6, 0.05, 1.5, 0.4, 0.5, 0.8],  # relative treatment effect on conversion
)

# --------------------------------------------------------------------------- personas (b2b)
_B2B = dict(
    personas=["enterprise_accounts", "small_businesses", "public_sector", "resellers", "tech_startups"],
    weights=[0.15, 0.35, 0.12, 0.13, 0.25],
    mix=dict(demo=0.25, geo=0.35, interests=0.3, channel=0.35, behaviour=0.3),
    industry=dict(levels=["technology", "manufacturing", "retail", "healthcare", "finance", "education", "public_administration", "professional_services", "logistics"], p=[
        [.18, .22, .12, .10, .20, .0, .0, .10, .08], [.08, .12, .25, .08, .05, .04, .0, .28, .10],
        [.0, .0, .0, .25, .0, .35, .40, .0, .0], [.45, .10, .20, .03, .02, .02, .0, .10, .08], [.70, .03, .06, .05, .08, .03, .0, .05, .0]]),
    size=dict(levels=["1-9", "10-49", "50-249", "250-999", "1000+"], p=[
        [0, .02, .13, .35, .50], [.55, .35, .10, 0, 0], [0, .10, .35, .35, .20], [.20, .45, .30, .05, 0], [.50, .40, .10, 0, 0]]),
    role=dict(levels=["owner", "executive", "procurement", "it", "finance", "operations"], p=[
        [0, .10, .50, .25, .10, .05], [.60, .05, .03, .05, .12, .15], [0, .05, .65, .15, .10, .05], [.35, .20, .15, .10, .05, .15], [.30, .25, .02, .38, .02, .03]]),
    titles={"owner": ["Owner", "Managing Director", "Founder"], "executive": ["Chief Executive Officer", "Chief Operating Officer", "General Manager"],
            "procurement": ["Procurement Manager", "Head of Purchasing", "Buyer"], "it": ["IT Manager", "Head of IT", "Systems Administrator", "Chief Technology Officer"],
            "finance": ["Finance Director", "Accountant", "Controller"], "operations": ["Operations Manager", "Office Manager", "Facilities Manager"]},
    partner=[.10, .03, .0, .80, .08],
    city_beta=[[1.2, 0, 1.0, 0], [-0.3, 0, -0.3, 0.3], [0, 0, 0, 0], [0, 0, 0, 0], [0.8, 1.0, 0.8, -0.5]],
    email_opt_in=[.55, .75, .45, .85, .70],
    ads_opt_in=[.30, .55, .15, .60, .65],
    propensity_offset=[0.8, -0.4, -0.8, 0.9, 0.2],
    catalog=_CATALOG_B2B,
    cat_pref=[[.30, .30, .08, .10, .15, .07], [.15, .15, .35, .15, .10, .10], [.10, .25, .30, .20, .05, .10], [.35, .40, .05, .05, .10, .05], [.45, .25, .05, .10, .05, .10]],
    pet_category=None,
    order_rate=[4.0, 3.0, 2.0, 8.0, 3.0],
    lines_mean=[3.0, 1.8, 2.5, 3.5, 1.6],
    premium_p=[.6, .15, .3, .3, .3],
    discount_p=[.35, .10, .40, .60, .15],
    churn=[.08, .30, .05, .15, .40],
    gap_shape=[2.5, 1.2, 4.0, 2.0, 1.0],
    return_mult=[0.6, 0.8, 0.5, 1.4, 1.0],
    session_rate=[2.0, 1.0, 0.8, 3.0, 2.5],
    funnel=[[.85, 1.2, .25, .70, .90], [.80, 0.6, .30, .60, .80], [.80, 1.0, .20, .60, .85], [.90, 2.0, .50, .75, .90], [.80, 0.8, .30, .55, .75], [.60, 0.4, .08, .40, .60]],
    device=dict(levels=["app", "mobile_web", "desktop", "tablet"], p=[[.05, .10, .80, .05], [.10, .35, .45, .10], [.02, .08, .85, .05], [.15, .15, .65, .05], [.20, .30, .45, .05], [0, .30, .65, .05]]),
    referral=dict(levels=["direct", "organic_search", "paid_search", "social", "paid_social", "email", "affiliate", "display_ad"], p=[
        [.45, .20, .08, .05, .02, .15, .02, .03], [.25, .30, .15, .08, .05, .10, .02, .05], [.40, .30, .05, .02, .01, .20, .0, .02],
        [.50, .10, .05, .03, .02, .25, .03, .02], [.25, .25, .15, .15, .10, .05, .02, .03], [.10, .50, .15, .12, .05, .0, .03, .05]]),
    survey_p=[.25, .30, .35, .30, .30],
    segments=["explorers", "thrifty_pragmatists", "home_centred", "health_driven", "digital_trendsetters"],
    segment_p=[[.40, .15, .15, .15, .15], [.15, .45, .20, .10, .10], [.10, .35, .35, .15, .05], [.25, .25, .10, .10, .30], [.30, .05, .05, .15, .45]],
    open_p=[.8, 1.0, 0.9, 1.3, 1.1],
    click_p=[.10, .12, .06, .20, .16],
    uplift=[0.1, 0.8, 0.0, 0.5, 1.2],
)


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
    "enterprise_accounts": [("company_size", "1000+", "higher"), ("contact_role", "procurement", "higher"), ("industry", "finance", "higher"), ("lifetime_value", "", "higher")],
    "small_businesses": [("company_size", "1-9", "higher"), ("contact_role", "owner", "higher"), ("industry", "retail", "higher"), ("industry", "professional_services", "higher")],
    "public_sector": [("industry", "public_administration", "higher"), ("industry", "education", "higher"), ("contact_role", "procurement", "higher")],
    "resellers": [("partner", "True", "higher"), ("email_opt_in", "True", "higher"), ("lifetime_value", "", "higher")],
    "tech_startups": [("industry", "technology", "higher"), ("contact_role", "it", "higher"), ("company_size", "1-9", "higher")],
}


def _traits_frame(traits) -> pd.DataFrame:
    rows = [(p, c, lvl, d) for p, lst in traits.items() for c, lvl, d in lst]
    df = pd.DataFrame(rows, columns=["persona", "column", "level", "direction"])
    df["persona"] = pd.Categorical(df["persona"], categories=list(traits))
    df["direction"] = pd.Categorical(df["direction"], categories=["higher", "lower"])
    return df


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


# --------------------------------------------------------------------------- transactions
_RETURN_BY_CATEGORY = {"fashion": 2.4, "electronics": 1.2, "gaming": 1.0, "sports_outdoor": 1.2, "grocery": 0.15, "health_beauty": 0.5,
                       "books_media": 0.6, "hardware": 1.3, "software": 0.5, "services": 0.2, "training": 0.4, "furniture": 1.2}


def _renewal(rng, lo, length, mean_gap, shape):
    """Arrival times of a gamma renewal process on ``[lo, lo + length)`` per owner (vectorised)."""
    n = len(lo)
    m = np.where(mean_gap > 0, length / np.maximum(mean_gap, 1e-9), 0.0)
    k = np.ceil(m + 4 * np.sqrt(m / shape + 1) + 2).astype(np.int64)
    owner = np.repeat(np.arange(n, dtype=np.int64), k)
    gaps = rng.gamma(np.repeat(shape, k), np.repeat(mean_gap / shape, k))
    first = np.concatenate([[0], np.cumsum(k)[:-1]])
    gaps[first] *= rng.random(n)  # start the process in its stationary state
    cs = np.cumsum(gaps)
    pos = cs - np.repeat(cs[first] - gaps[first], k)
    keep = pos < np.repeat(length, k)
    return owner[keep], (np.repeat(lo, k) + pos)[keep]


def _pick_categories(rng, spec, cat, groups_b, pet_owner):
    pref = np.asarray(spec["cat_pref"], dtype=float)
    P = pref.shape[0]
    if spec["pet_category"] is None:
        return _draw(rng, groups_b, pref)
    j = cat.categories.index(spec["pet_category"])
    owner_pref, other_pref = pref.copy(), pref.copy()
    owner_pref[:, j] = owner_pref[:, j] * 3 + 0.04
    other_pref[:, j] *= 0.1
    return _draw(rng, groups_b + P * pet_owner, np.vstack([other_pref, owner_pref]))


def _transactions(rng, spec, cat, state, start_s, end_s, season, channels, target=15.0):
    b = state["behaviour"]
    n = len(b)
    wlo, whi = season.warp(state["lo"]), season.warp(state["hi"])
    length = np.maximum(whi - wlo, 0.0)
    rate = np.asarray(spec["order_rate"], float)[b] * rng.gamma(2.0, 0.5, n)
    L = np.asarray(spec["lines_mean"], float)[b]
    follow_p = 0.12
    total = float(np.sum(length * rate * (L + follow_p * 1.4)))
    scale = total / (target / 1.05 * n) if total > 0 else 1.0
    shape = np.asarray(spec["gap_shape"], float)[b]
    owner, u = _renewal(rng, wlo, length, scale / np.maximum(rate, 1e-9), shape)
    day = season.unwarp(u)
    sec = start_s + np.floor(day).astype(np.int64) * _DAY + _time_of_day(rng, len(owner))
    sec = np.clip(sec, state["signup"][owner], end_s)
    fam = cat.family_of_category(rng, _pick_categories(rng, spec, cat, b[owner], state["pet_owner"][owner]))
    n_lines = 1 + rng.poisson(np.maximum(L[owner] - 1, 0))
    # follow-up orders: a complementary item from the same family a few days later
    f = np.flatnonzero(rng.random(len(owner)) < follow_p)
    f_sec = sec[f] + (43_200 + rng.exponential(4 * _DAY, len(f))).astype(np.int64)
    ok = f_sec <= end_s
    f, f_sec = f[ok], f_sec[ok]
    owner = np.concatenate([owner, owner[f]])
    sec = np.concatenate([sec, f_sec])
    fam = np.concatenate([fam, fam[f]])
    n_lines = np.concatenate([n_lines, 1 + rng.poisson(0.4, len(f))])
    # order numbers follow time
    order = np.argsort(sec, kind="stable")
    owner, sec, fam, n_lines = owner[order], sec[order], fam[order], n_lines[order]
    n_orders = len(owner)
    pref = state["preferred"][owner]
    ch = np.where(rng.random(n_orders) < 0.75, pref, rng.integers(0, len(channels), n_orders))

    # order lines
    line_order = np.repeat(np.arange(n_orders, dtype=np.int64), n_lines)
    starts = np.concatenate([[0], np.cumsum(n_lines)[:-1]])
    j = np.arange(len(line_order)) - np.repeat(starts, n_lines)
    lb = b[owner][line_order]
    lfam = fam[line_order]
    impulse = (j > 0) & (rng.random(len(j)) < 0.2)
    imp = np.flatnonzero(impulse)
    lfam[imp] = cat.family_of_category(rng, _pick_categories(rng, spec, cat, lb[imp], state["pet_owner"][owner][line_order][imp]))
    r0 = rng.integers(0, 1 << 30, n_orders)[line_order]
    item = np.where(impulse, rng.integers(0, 1 << 30, len(j)), r0 + j) % cat.fam_size[lfam]
    tier = rng.random(len(j)) < np.asarray(spec["premium_p"])[lb]
    prod = cat.fam_start[lfam] + 2 * item + tier
    disc = np.where(rng.random(len(j)) < np.asarray(spec["discount_p"])[lb], rng.choice([0.6, 0.7, 0.8, 0.9], len(j)), 1.0)
    amount = np.round(cat.price[prod] * disc - 0.01, 2)
    l_owner = owner[line_order]
    l_sec = sec[line_order]
    l_ch = ch[line_order]

    # returns and cancellations: a negative line on the same order, product and customer, later in time
    cat_mult = np.array([_RETURN_BY_CATEGORY.get(c, 1.0) for c in cat.categories])
    p_ret = 0.04 * np.asarray(spec["return_mult"])[lb] * cat_mult[cat.prod_cat[prod]]
    ret = np.flatnonzero(rng.random(len(j)) < p_ret)
    cancel = rng.random(len(ret)) < 0.25
    delay = np.where(cancel, rng.uniform(600, 6 * 3600, len(ret)), rng.uniform(1, 30, len(ret)) * _DAY).astype(np.int64)
    r_sec = l_sec[ret] + delay
    keep = r_sec <= end_s
    ret, r_sec = ret[keep], r_sec[keep]
    # anomalies of real logs: a handful of zero-amount lines (free gifts, price errors)
    purchase_amount = amount.copy()
    zero = rng.random(len(j)) < 0.0005
    zero[ret] = False
    purchase_amount[zero] = 0.0
    # and a few lines logged twice (exact duplicates)
    dup = np.flatnonzero(rng.random(len(j)) < 0.001)

    o = np.concatenate([line_order, line_order[ret], line_order[dup]])
    c_owner = np.concatenate([l_owner, l_owner[ret], l_owner[dup]])
    c_sec = np.concatenate([l_sec, r_sec, l_sec[dup]])
    c_prod = np.concatenate([prod, prod[ret], prod[dup]])
    c_amount = np.concatenate([purchase_amount, -amount[ret], purchase_amount[dup]])
    c_ch = np.concatenate([l_ch, l_ch[ret], l_ch[dup]])
    is_ret = np.concatenate([np.zeros(len(j), np.int64), np.ones(len(ret), np.int64), np.zeros(len(dup), np.int64)])
    key = (c_sec - start_s) * (2 * (n_orders + 1)) + 2 * o + is_ret
    s = np.argsort(key, kind="stable")
    o, c_owner, c_sec, c_prod, c_amount, c_ch = o[s], c_owner[s], c_sec[s], c_prod[s], c_amount[s], c_ch[s]

    products = pa.array(cat.product_ids, type=pa.string()).take(pa.array(c_prod))
    tx = pd.DataFrame({
        "order_id": _fixed_ids("O", o + 1, 9),
        "customer_id": _fixed_ids("C", c_owner + 1, 7),
        "timestamp": _to_datetime(c_sec),
        "product_id": pd.Series(_str_array(products)),
        "category": _cat(cat.prod_cat[c_prod], cat.categories),
        "amount": c_amount,
        "channel": _cat(c_ch, channels),
    })
    net = np.bincount(c_owner, weights=c_amount, minlength=n)
    return tx, net


# --------------------------------------------------------------------------- contacts (campaigns)
_THEMES = {1: "new_year_sale", 2: "spring_preview", 3: "spring_sale", 4: "easter_offers", 5: "summer_preview", 6: "summer_sale",
           7: "summer_clearance", 8: "back_to_school", 9: "autumn_collection", 10: "halloween", 11: "black_friday", 12: "christmas"}
_CAMPAIGN_CHANNELS = ["email", "email", "sms", "email", "push", "direct_mail"]
_CHANNELS = ["email", "sms", "push", "direct_mail"]
_OPEN_RATE = {"email": 0.25, "sms": 0.85, "push": 0.45, "direct_mail": 0.55}


def _contacts(rng, spec, state, propensity, start, start_s, end_s):
    n = len(state["persona"])
    persona = state["persona"]
    dates = pd.date_range(start.normalize() + pd.Timedelta(days=40), pd.Timestamp(end_s, unit="s") - pd.Timedelta(days=20), freq="61D")
    parts = []
    for k, d in enumerate(dates):
        channel = _CAMPAIGN_CHANNELS[k % len(_CAMPAIGN_CHANNELS)]
        if d.month == 11:
            channel = "email"
        name = f"{d.year}-{d.month:02d} {_THEMES[d.month]}"
        d_s = int(d.value // 1_000_000_000)
        eligible = (state["signup"] <= d_s) & ~state["opted_out"]
        if channel in ("email", "push"):
            eligible &= state["email_opt"]
        elif channel == "sms":
            eligible &= state["email_opt"] & state["phone_ok"]
        idx = np.flatnonzero(eligible & (rng.random(n) < rng.uniform(0.25, 0.45)))
        m = len(idx)
        control = rng.random(m) < rng.uniform(0.10, 0.20)
        p = persona[idx]
        base_open = _OPEN_RATE[channel]
        p_open = np.clip(base_open * np.asarray(spec["open_p"])[p], 0, 0.95)
        opened = ~control & (rng.random(m) < p_open)
        clicked = opened & (rng.random(m) < np.asarray(spec["click_p"])[p] * (0.4 if channel == "direct_mail" else 1.0))
        p0 = 0.3 * propensity[idx]
        incr = np.clip(p0 * np.asarray(spec["uplift"])[p] / p_open, 0, 0.95)
        converted = (rng.random(m) < p0) | (opened & (rng.random(m) < incr))
        sent = d_s + 8 * 3600 + rng.integers(0, 3 * 3600, m)
        parts.append((idx, np.full(m, k), np.full(m, _CHANNELS.index(channel)), sent, control, opened, clicked, converted))
    names = [f"{d.year}-{d.month:02d} {_THEMES[d.month]}" for d in dates]
    if parts:
        idx, camp, chan, sent, control, opened, clicked, converted = (np.concatenate(x) for x in zip(*parts))
    else:
        idx = camp = chan = sent = np.zeros(0, np.int64)
        control = opened = clicked = converted = np.zeros(0, bool)
    s = np.lexsort((idx, sent))
    idx, camp, chan, sent, control, opened, clicked, converted = (x[s] for x in (idx, camp, chan, sent, control, opened, clicked, converted))
    chan_name = np.array(_CHANNELS, dtype=object)[chan]
    contacts = pd.DataFrame({
        "customer_id": _fixed_ids("C", idx + 1, 7),
        "campaign": _cat(camp, names),
        "channel": _cat(chan, _CHANNELS),
        "sent_at": _to_datetime(sent),
        "group": _cat(control.astype(np.int64), ["treatment", "control"]),
        "opened": opened,
        "clicked": clicked,
        "converted": converted,
    })
    email = chan_name == "email"
    return contacts, dict(owner=idx[email & opened], sent=sent[email & opened], clicked=clicked[email & opened])


# --------------------------------------------------------------------------- events
_EVENTS = ["visit", "view_product", "add_to_cart", "begin_checkout", "purchase", "email_open", "email_click", "ad_click"]


def _events(rng, spec, cat, state, email, start_s, end_s, season, target=40.0):
    b = state["behaviour"]
    n = len(b)
    P = len(spec["personas"])
    F = np.asarray(spec["funnel"], float)
    ref_levels = spec["referral"]["levels"]
    paid = np.isin(np.arange(len(ref_levels)), [ref_levels.index(x) for x in ("paid_search", "paid_social", "display_ad")])
    refp = np.asarray(spec["referral"]["p"], float)
    refp = refp / refp.sum(axis=1, keepdims=True)
    # expected events per session, to scale session rates to the target volume
    e_sess = 1 + refp @ paid + F[:, 0] * (1 + F[:, 1]) + F[:, 0] * F[:, 2] * (1 + F[:, 3] * (1 + F[:, 4]))
    wlo, whi = season.warp(state["lo"]), season.warp(state["hi"])
    length = np.maximum(whi - wlo, 0.0)
    rate = np.asarray(spec["session_rate"], float)[b] * rng.gamma(2.0, 0.5, n)
    anon_share = 0.15
    budget = target * n - 1.2 * len(email["owner"])
    denom = float(np.sum(length * rate * e_sess[b])) + anon_share * float(np.sum(length * rate)) * e_sess[P]
    scale = denom / budget if budget > 0 and denom > 0 else 1.0
    counts = rng.poisson(length * rate / scale)
    owner = np.repeat(np.arange(n, dtype=np.int64), counts)
    u = np.repeat(wlo, counts) + rng.random(len(owner)) * np.repeat(length, counts)
    n_anon = rng.poisson(anon_share * len(owner))
    total_w = season.warp((end_s - start_s) / _DAY)
    owner = np.concatenate([owner, np.full(n_anon, -1, np.int64)])
    u = np.concatenate([u, rng.random(n_anon) * total_w])
    g = np.where(owner >= 0, b[np.maximum(owner, 0)], P)
    day = season.unwarp(u)
    start = start_s + np.floor(day).astype(np.int64) * _DAY + _time_of_day(rng, len(owner))
    start = np.clip(start, np.where(owner >= 0, state["signup"][np.maximum(owner, 0)], start_s), end_s - 3600)
    s = np.argsort(start, kind="stable")
    owner, g, start = owner[s], g[s], start[s]
    S_ = len(owner)
    device = _draw(rng, g, spec["device"]["p"])
    referral = _draw(rng, g, refp)
    pref = np.asarray(spec["cat_pref"], float)
    focus = _draw(rng, g, np.vstack([pref, pref.mean(axis=0)]))
    ad = paid[referral].astype(np.int64)
    viewed = rng.random(S_) < F[g, 0]
    k = viewed * (1 + rng.poisson(F[g, 1]))
    cart = viewed & (rng.random(S_) < F[g, 2])
    chk = cart & (rng.random(S_) < F[g, 3])
    pur = chk & (rng.random(S_) < F[g, 4])
    counts = ad + 1 + k + cart + chk + pur
    sess = np.repeat(np.arange(S_, dtype=np.int64), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    j = np.arange(len(sess)) - np.repeat(first, counts)
    a = ad[sess]
    jj = j - a
    kk = k[sess]
    etype = np.where((a == 1) & (j == 0), 7, np.where(jj == 0, 0, np.where(jj <= kk, 1, 2 + (jj - kk - 1))))
    gaps = np.where(j == 0, 0, 3 + rng.exponential(40, len(sess)).astype(np.int64))
    cs = np.cumsum(gaps)
    t = np.repeat(start, counts) + cs - np.repeat(cs[first], counts)
    # pages: 0 "/", 1 "/cart", 2 "/checkout", 3 "/checkout/complete", category pages, product pages
    C = len(cat.categories)
    fc = focus[sess]
    landing = np.where((rng.random(len(sess)) < 0.5) & (referral[sess] <= 1), 0, 4 + fc)
    product = cat.cat_first[fc] + (rng.random(len(sess)) * cat.cat_count[fc]).astype(np.int64)
    page = np.select([etype == 7, etype == 0, etype == 1, etype == 2, etype == 3], [4 + fc, landing, 4 + C + product, 1, 2], 3)
    # email events (from the contacts): opens, and clicks for the clicked ones
    m = len(email["owner"])
    o_t = email["sent"] + rng.exponential(6 * 3600, m).astype(np.int64)
    c_sel = np.flatnonzero(email["clicked"])
    c_t = o_t[c_sel] + 5 + rng.exponential(90, len(c_sel)).astype(np.int64)
    e_owner = np.concatenate([email["owner"], email["owner"][c_sel]])
    e_t = np.concatenate([o_t, c_t])
    keep = e_t <= end_s
    e_owner, e_t = e_owner[keep], e_t[keep]
    e_type = np.concatenate([np.full(m, 5), np.full(len(c_sel), 6)])[keep]
    me = len(e_owner)
    all_t = np.concatenate([t, e_t])
    order = np.argsort(all_t, kind="stable")
    all_owner = np.concatenate([owner[sess], e_owner])[order]
    all_sess = np.concatenate([sess, np.full(me, -1)])[order]
    dev_levels = spec["device"]["levels"]
    e_dev = np.where(rng.random(me) < 0.6, dev_levels.index("mobile_web"), dev_levels.index("desktop"))
    ev = pd.DataFrame({
        "customer_id": _fixed_ids("C", all_owner + 1, 7, valid=all_owner >= 0),
        "session_id": _fixed_ids("S", all_sess + 1, 9, valid=all_sess >= 0),
        "timestamp": _to_datetime(all_t[order]),
        "event": _cat(np.concatenate([etype, e_type])[order], _EVENTS),
        "page": _cat(np.concatenate([page, np.full(me, -1)])[order],
                     ["/", "/cart", "/checkout", "/checkout/complete"] + [f"/category/{c}" for c in cat.categories] + [f"/product/{p}" for p in cat.product_ids]),
        "referral_source": _cat(np.concatenate([referral[sess], np.full(me, ref_levels.index("email"))])[order], ref_levels),
        "device": _cat(np.concatenate([device[sess], e_dev])[order], dev_levels),
    })
    return ev


# --------------------------------------------------------------------------- survey
_SCALES = {
    "motivations": [("I love trying products nobody I know has tried yet.", False), ("New experiences matter more to me than owning things.", False),
                    ("I get bored quickly with the same routine.", False), ("I prefer to stick with brands I already know well.", True),
                    ("I look for adventure when I plan my free time.", False)],
    "values": [("I always compare prices before I buy.", False), ("Saving money gives me real satisfaction.", False),
               ("I happily pay more for a premium brand.", True), ("I wait for the sales before buying anything big.", False),
               ("I use vouchers and discount codes whenever I can.", False)],
    "lifestyle": [("My evenings revolve around my family and home.", False), ("I plan my week around the people I care for.", False),
                  ("I go out several evenings a week.", True), ("Making our home comfortable is a priority for me.", False),
                  ("Family traditions are important to me.", False)],
    "interests": [("I exercise at least three times a week.", False), ("I read labels to check what is in my food.", False),
                  ("I track my health with an app or a device.", False), ("Sport plays no part in my life.", True),
                  ("I would rather go for a run than watch TV.", False)],
    "media": [("I check social media many times a day.", False), ("I often buy things I first saw on social media.", False),
              ("I follow creators and influencers closely.", False), ("I get most of my news from print or TV.", True),
              ("I watch videos on my phone every day.", False)],
    "self_description": [("I like to stand out from the crowd.", False), ("People often ask me for advice on what to buy.", False),
                         ("My style says a lot about who I am.", False), ("I am a modest, quiet person.", True),
                         ("I enjoy being among the first to own something new.", False)],
}
# segment centres on the six factors (one per scale), in standard-deviation units
_CENTRES = np.array([
    [1.3, -0.4, -0.6, 0.3, 0.0, 0.4],     # explorers
    [-0.6, 1.4, 0.2, -0.3, -0.3, -0.8],   # thrifty_pragmatists
    [-0.7, 0.2, 1.4, -0.2, -0.6, -0.4],   # home_centred
    [0.1, -0.3, -0.1, 1.5, 0.2, 0.1],     # health_driven
    [0.4, -0.3, -0.7, -0.1, 1.5, 1.2],    # digital_trendsetters
])


def _survey_items() -> pd.DataFrame:
    rows = [(f"{scale}_{i + 1}", scale, text, rev) for scale, items in _SCALES.items() for i, (text, rev) in enumerate(items)]
    df = pd.DataFrame(rows, columns=["item", "scale", "text", "reverse_keyed"])
    df["item"] = df["item"].astype("str")
    df["text"] = df["text"].astype("str")
    df["scale"] = pd.Categorical(df["scale"], categories=list(_SCALES))
    return df


def _survey(rng, spec, state, segment, items):
    persona = state["persona"]
    n = len(persona)
    p = np.asarray(spec["survey_p"], float)
    resp = np.flatnonzero(rng.random(n) < p[persona] * 0.3 / max(float(p @ np.bincount(persona, minlength=len(p))) / max(n, 1), 1e-9))
    m = len(resp)
    z = _CENTRES[segment[resp]] + rng.normal(0, 0.36, (m, _CENTRES.shape[1]))
    scale_idx = items["scale"].cat.codes.to_numpy()
    rev = items["reverse_keyed"].to_numpy()
    n_items = len(items)
    load = rng.uniform(0.75, 0.9, n_items)
    shift = rng.uniform(-0.35, 0.35, n_items)
    y = z[:, scale_idx] * load + rng.normal(0, 1, (m, n_items)) * np.sqrt(1 - load**2)
    y = np.where(rev, -y, y) + shift
    ans = 1 + np.searchsorted(np.array([-1.3, -0.45, 0.45, 1.3]), y).astype(np.int64)
    duration = np.round(rng.lognormal(np.log(420), 0.35, m)).astype(np.int64)
    kind = rng.random(m)
    straight = kind < 0.02
    speed = (kind >= 0.02) & (kind < 0.04)
    ans[straight] = rng.choice([3, 4, 5, 1], p=[.4, .3, .2, .1], size=straight.sum())[:, None]
    ans[speed] = rng.integers(1, 6, (speed.sum(), n_items))
    duration[speed] = rng.integers(25, 80, speed.sum())
    skipped = rng.random((m, n_items)) < 0.01
    data = {"customer_id": _fixed_ids("C", resp + 1, 7)}
    for i, item in enumerate(items["item"]):
        data[item] = pd.array(np.where(skipped[:, i], 0, ans[:, i]), dtype="Int8")
        data[item] = data[item].copy()
        data[item][skipped[:, i]] = pd.NA
    data["duration_s"] = duration
    return pd.DataFrame(data)


# --------------------------------------------------------------------------- the public function
def _check_args(n_customers, start, end, kind):
    if isinstance(n_customers, bool) or not isinstance(n_customers, numbers.Integral):
        raise MicrosegError(f"n_customers must be an integer >= 1, got {n_customers!r} ({type(n_customers).__name__}).")
    if n_customers < 1:
        raise MicrosegError(f"n_customers must be an integer >= 1, got {n_customers}.")
    if kind not in ("b2c", "b2b"):
        raise MicrosegError(f"kind must be 'b2c' (consumers) or 'b2b' (companies), got {kind!r}.")
    stamps = []
    for name, value in (("start", start), ("end", end)):
        try:
            ts = pd.Timestamp(value)
        except (TypeError, ValueError) as exc:
            raise MicrosegError(f"{name} must be a date such as '2022-01-01', got {value!r} ({exc}).") from None
        if ts is pd.NaT:
            raise MicrosegError(f"{name} must be a date such as '2022-01-01', got {value!r}.")
        if ts.tzinfo is not None:
            ts = ts.tz_convert("UTC").tz_localize(None)
        stamps.append(ts)
    start_ts, end_ts = stamps
    if end_ts == end_ts.normalize():
        end_ts = end_ts + pd.Timedelta(days=1) - pd.Timedelta(seconds=1)  # a bare date includes its whole day
    if not start_ts < end_ts:
        raise MicrosegError(f"start must be before end, got start={start!r} and end={end!r}; swap them or widen the period.")
    if end_ts - start_ts < pd.Timedelta(days=7):
        raise MicrosegError(f"the period from start={start!r} to end={end!r} is shorter than 7 days; give at least a week.")
    return int(n_customers), start_ts.floor("s"), end_ts.floor("s")


def make_customers(
    n_customers: int = 20_000,
    *,
    random_state=None,
    start="2022-01-01",
    end="2024-12-31",
    kind: str = "b2c",
) -> CustomerData:
    """Make a synthetic customer population with planted personas, segments and propensities.

    Customers belong to one of seven personas (``kind="b2c"``: young_gamers,
    busy_parents, affluent_travellers, bargain_hunters, retirees,
    fitness_enthusiasts, students) that differ in demographics, geography,
    interests, purchase behaviour, web funnel, campaign response and survey
    answers, with realistic overlap: about a third of customers take each block
    of attributes (demographics, geography, interests, channels, behaviour) from
    another persona. Independently of the persona (but correlated with it), each
    customer holds one of five psychographic segments that drives the survey
    answers through a factor model. The truth is returned in ``truth``.

    Parameters
    ----------
    n_customers : int, default 20_000
        Number of customers (companies when ``kind="b2b"``); at least 1.
    random_state : int, numpy RandomState or None, default None
        Seed; the same seed gives identical tables.
    start, end : str or Timestamp, default "2022-01-01", "2024-12-31"
        The period covered; a bare date for ``end`` includes that whole day.
        At least a week.
    kind : {"b2c", "b2b"}, default "b2c"
        Consumers, or companies (then personas are enterprise_accounts,
        small_businesses, public_sector, resellers, tech_startups).

    Returns
    -------
    CustomerData
        A frozen bundle of the tables below (all timestamps ``datetime64[ns]``,
        all ids strings, low-cardinality strings categoricals).

        **customers** (one row per customer, ``kind="b2c"``)

        - ``customer_id`` (str): ``"C0000001"``, ...
        - ``age`` (int): years, 18-95.
        - ``gender`` (category): female, male, non_binary.
        - ``income`` (float): yearly income, rounded to 100.
        - ``education`` (ordered category): secondary < vocational < bachelor < master < doctorate.
        - ``occupation`` (category): professional, manager, technical, clerical,
          sales_service, manual, creative, student, retired, not_working.
        - ``marital_status`` (category): single, married, partnered, divorced, widowed.
        - ``household_size`` (int), ``children`` (int): people in the household, children in it.
        - ``country`` (category): United Kingdom, United States.
        - ``region`` (category), ``city`` (category): 9 regions, 28 cities.
        - ``postcode_prefix`` (str): UK outward code (``"M14"``) or US ZIP3 (``"021"``).
        - ``urban_rural`` (category): urban, suburban, rural.
        - ``employment_status`` (category): employed, self_employed, unemployed,
          student, retired, homemaker.
        - ``travel_lover``, ``gamer``, ``pet_owner``, ``tv_series_fan``,
          ``sports_fan``, ``foodie``, ``fitness_fan`` (bool): interest flags.
        - ``acquisition_channel`` (category): organic_search, paid_search, social,
          affiliate, referral, email, store, tv.
        - ``referral_source`` (category): the source within the channel (google,
          bing, google_ads, instagram, tiktok, facebook, voucher_site,
          price_comparison, friend, newsletter, in_store, tv_ad).
        - ``preferred_channel`` (category): app, web, store.
        - ``signup_date`` (datetime): in [start, end], more frequent later on.
        - ``last_updated`` (datetime): when the record was last refreshed; 30 %
          were never updated after signup, so early signups are very stale.
        - ``email_opt_in``, ``ads_opt_in`` (bool): consent to email marketing
          and to advertising audiences; ``opted_out`` (bool, ~3 %): opted out of
          everything, so both opt-ins are False.
        - ``email`` (str): fake, on the reserved domains example.com/.org/.net,
          messy (upper or capitalised case, stray spaces), ~5 % missing.
        - ``phone`` (str): fictional numbers (UK ``07700 900xxx``, US
          ``NNN-555-01xx``) in mixed national and ``+`` formats, ~5 % missing;
          numbers repeat, as the fictional ranges are small.

        **customers** (``kind="b2b"``): ``customer_id``, ``company_name`` (str,
        fake), ``industry`` (category), ``company_size`` (ordered category:
        1-9, 10-49, 50-249, 250-999, 1000+), ``country``, ``region``, ``city``,
        ``partner`` (bool), ``contact_role`` (category: owner, executive,
        procurement, it, finance, operations), ``job_title`` (category),
        ``lifetime_value`` (float: net spend in ``transactions``),
        ``signup_date``, ``last_updated``, ``email_opt_in``, ``ads_opt_in``,
        ``opted_out``, ``email`` (on a company subdomain of a reserved example
        domain), ``phone``, as above.

        **transactions** (one row per order line, ~15 per customer; sorted by time)

        - ``order_id`` (str): ``"O000000001"``, numbered in time order; an order
          spans one or more lines.
        - ``customer_id`` (str), ``timestamp`` (datetime).
        - ``product_id`` (str): ``"P0001"``, ...; each item exists in a
          standard and a premium tier. Items form families bought together (a
          winter coat with gloves, hat and scarf) in the same order or in a
          follow-up order a few days later.
        - ``category`` (category): the product's category.
        - ``amount`` (float): line value after discount; negative for a return
          or cancellation, which repeats the ``order_id``, ``product_id``,
          ``customer_id`` and ``channel`` of the purchase it reverses, 10
          minutes to 30 days later (~3-5 % of purchase lines, most in fashion).
        - ``channel`` (category): app, web, store (b2b: web, sales_rep, marketplace).

        Purchase rates, basket sizes, price tiers, discounts, regularity of
        inter-purchase gaps, category preferences and churn differ by persona;
        volume peaks in November-December. Anomalies kept on purpose: ~0.05 %
        zero-amount lines and ~0.1 % lines logged twice (exact duplicate rows).

        **events** (web/app events, ~40 per customer; sorted by time)

        - ``customer_id`` (str): missing for anonymous visitors (~15 % of sessions).
        - ``session_id`` (str): ``"S000000001"``; missing for email events.
        - ``timestamp`` (datetime).
        - ``event`` (category): visit, view_product, add_to_cart,
          begin_checkout, purchase (a session's funnel, in this order, with
          persona-specific drop-off), email_open, email_click (from the
          emails in ``contacts``), ad_click (starts sessions referred by paid
          search, paid social and display ads).
        - ``page`` (category): ``/``, ``/category/<category>``,
          ``/product/<product_id>``, ``/cart``, ``/checkout``,
          ``/checkout/complete``; missing for email events.
        - ``referral_source`` (category): direct, organic_search, paid_search,
          social, paid_social, email, affiliate, display_ad.
        - ``device`` (category): app, mobile_web, desktop, tablet.

        **contacts** (campaign sends, one row per customer and campaign; sorted by ``sent_at``)

        - ``customer_id`` (str).
        - ``campaign`` (category): ``"2022-02 spring_preview"``, ... one every two months.
        - ``channel`` (category): email, sms, push, direct_mail. Email and push
          need ``email_opt_in``, sms also a phone; no one opted out is contacted.
        - ``sent_at`` (datetime).
        - ``group`` (category): treatment or control (randomised, 10-20 %
          control per campaign; the control group is not sent anything).
        - ``opened``, ``clicked`` (bool): always False in the control group.
        - ``converted`` (bool): bought within the campaign window; rises with
          the planted propensity, and treatment adds a persona-specific uplift
          (large for bargain hunters, about none for affluent travellers).

        **survey** (one row per respondent, ~30 % of customers)

        - ``customer_id`` (str).
        - one column per item of ``survey_items`` (``motivations_1``, ...,
          ``self_description_5``; nullable ``Int8``, 1 = strongly disagree to
          5 = strongly agree; ~1 % skipped answers are ``<NA>``).
        - ``duration_s`` (int): seconds taken.

        Answers follow a factor model: six factors (one per scale) whose means
        depend on the psychographic segment, plus noise. ~2 % of respondents
        are straight-liners (one answer to every item) and ~2 % speeders
        (random answers in under 80 seconds; others take minutes).

        **survey_items**: ``item`` (str), ``scale`` (category: motivations,
        values, lifestyle, interests, media, self_description), ``text`` (str),
        ``reverse_keyed`` (bool: agreeing means less of the scale's trait).

        **truth**: a :class:`Truth` with ``customers`` (``customer_id``,
        ``persona``, ``psychographic_segment``, ``propensity``, ``converted``)
        and ``persona_traits`` (``persona``, ``column``, ``level``,
        ``direction``).

    Raises
    ------
    MicrosegError
        If ``n_customers`` is not an integer >= 1, ``kind`` is unknown, or
        ``start``/``end`` are not dates a week or more apart in that order.

    Notes
    -----
    The planted propensity is a logistic function of the persona, income,
    email consent, interests, preferred channel and age, so a lookalike model
    fitted on ``truth.customers["converted"]`` can recover it. Events and
    transactions are generated independently from the same persona
    behaviour, so a purchase event need not match a transaction.

    Examples
    --------
    >>> import microseg as ms
    >>> data = ms.datasets.make_customers(n_customers=300, random_state=0)
    >>> data.customers.shape[0], data.truth.customers.shape[0]
    (300, 300)
    >>> sorted(data.truth.customers["persona"].cat.categories)[:2]
    ['affluent_travellers', 'bargain_hunters']
    >>> bool((data.survey.drop(columns=["customer_id", "duration_s"]).stack() <= 5).all())
    True
    """
    n, start_ts, end_ts = _check_args(n_customers, start, end, kind)
    rs = check_random_state(random_state)
    seeds = np.random.SeedSequence(rs.randint(0, 2**31 - 1, size=4).tolist()).spawn(6)
    rngs = [np.random.default_rng(s) for s in seeds]
    spec = _B2C if kind == "b2c" else _B2B
    start_s = int(start_ts.value // 1_000_000_000)
    end_s = int(end_ts.value // 1_000_000_000)
    n_days = int(np.ceil((end_s - start_s) / _DAY))
    season = _Season(start_ts, n_days)
    cat = _Catalog(spec["catalog"])

    if kind == "b2c":
        customers, state = _b2c_customers(rngs[0], n, spec, start_s, end_s)
        channels = ["app", "web", "store"]
    else:
        customers, state = _b2b_customers(rngs[0], n, spec, start_s, end_s)
        channels = ["web", "sales_rep", "marketplace"]
        state["preferred"] = np.where(rngs[0].random(n) < 0.6, 0, np.where(rngs[0].random(n) < 0.7, 1, 2))
    rng = rngs[1]
    lo = (state["signup"] - start_s) / _DAY
    life = rng.exponential(365.0 / np.asarray(spec["churn"], float)[state["behaviour"]])
    state["lo"] = lo
    state["hi"] = np.minimum(lo + life, (end_s - start_s) / _DAY)
    propensity = 1 / (1 + np.exp(-state["logit"]))
    converted = rng.random(n) < propensity
    segment = _draw(rng, state["persona"], spec["segment_p"])

    transactions, net = _transactions(rngs[2], spec, cat, state, start_s, end_s, season, channels)
    if kind == "b2b":
        customers["lifetime_value"] = np.round(net, 2)
    contacts, email = _contacts(rngs[3], spec, state, propensity, start_ts, start_s, end_s)
    events = _events(rngs[4], spec, cat, state, email, start_s, end_s, season)
    items = _survey_items()
    survey = _survey(rngs[5], spec, state, segment, items)

    truth_customers = pd.DataFrame({
        "customer_id": customers["customer_id"].copy(),
        "persona": _cat(state["persona"], spec["personas"]),
        "psychographic_segment": _cat(segment, spec["segments"]),
        "propensity": propensity,
        "converted": converted,
    })
    traits = _traits_frame(_TRAITS_B2C if kind == "b2c" else _TRAITS_B2B)
    return CustomerData(
        customers=customers,
        transactions=transactions,
        events=events,
        contacts=contacts,
        survey=survey,
        survey_items=items,
        truth=Truth(customers=truth_customers, persona_traits=traits),
    )
