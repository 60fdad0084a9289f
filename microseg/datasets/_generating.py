"""A synthetic customer population with planted truth: ``make_customers``.

The generator plants personas (who the customers are), psychographic segments
(how they think), a conversion propensity (who converts) and campaign effects
that differ by persona, then writes the tables an analyst would receive: a
customer table, transactions, web/app events, a campaign send history and a
survey. The truth is returned beside the data, so every method in microseg can
be checked against it.

Everything is vectorised: the only Python loops run over personas, campaigns,
catalogue entries or tables, never over customers or rows.

The tables are built in one private module each: ``_gen_customers``,
``_gen_transactions``, ``_gen_events``, ``_gen_contacts``, ``_gen_messages``,
``_gen_survey``;
the persona specifications live in ``_gen_personas``, the catalogues in
``_gen_catalog``, the planted traits in ``_gen_truth`` and shared helpers in
``_gen_common``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from ..errors import MicrosegError
from ._gen_accounts import _accounts, icp_frame
from ._gen_catalog import _Catalog
from ._gen_common import _DAY, _cat, _draw, _Season
from ._gen_contacts import _contacts
from ._gen_customers import _b2b_customers, _b2c_customers
from ._gen_events import _events
from ._gen_messages import _message_tests, _message_truth
from ._gen_personas import _B2B, _B2C
from ._gen_survey import _survey, _survey_items
from ._gen_transactions import _transactions
from ._gen_truth import _TRAITS_B2B, _TRAITS_B2C, _traits_frame

__all__ = ["make_customers", "CustomerData", "Truth"]


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
    accounts : pandas.DataFrame or None
        ``kind="b2b"`` only (else None). One row per account: ``account_id``,
        ``icp`` (bool: the account fits the planted ideal customer profile),
        ``propensity`` (float: the planted probability that the account
        converts), ``converted`` (bool, drawn from it; the same column as
        ``accounts["converted"]``) and ``clv`` (float: the account's expected
        net spend over the 365 days after ``end`` under the generator's own
        purchase and churn process; 0 for accounts that already churned).
    icp : pandas.DataFrame or None
        ``kind="b2b"`` only. The planted ideal customer profile in the
        vocabulary of :func:`microseg.bands` schemes: ``column`` (of
        ``accounts``), ``scheme``, ``level`` (the band the profile asks for;
        two sector levels are alternatives) and ``description``.
    message_effects : pandas.DataFrame
        The planted response to the ``message_tests`` arms, one row per
        persona, ``message`` and ``channel``: ``relative_lift`` (the planted
        relative increase of conversion over the control group),
        ``rate_control`` and ``rate_treated`` (mean planted conversion
        probability over the persona's rows of ``message_tests``, NaN without
        rows), ``uplift`` (their difference: the incremental response a
        message matrix estimates) and ``best`` (the persona's best message and
        channel).
    """

    customers: pd.DataFrame
    persona_traits: pd.DataFrame
    accounts: pd.DataFrame | None = None
    icp: pd.DataFrame | None = None
    message_effects: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __repr__(self) -> str:
        n_personas = self.customers["persona"].nunique() if len(self.customers) else 0
        extra = "" if self.accounts is None else f", accounts={len(self.accounts):,}"
        return (f"Truth(customers={len(self.customers):,} rows, personas={n_personas}, "
                f"traits={len(self.persona_traits)}{extra})")


@dataclass(frozen=True)
class CustomerData:
    """The tables of a synthetic customer population and its planted truth.

    See :func:`make_customers` for every column of every table.

    Attributes
    ----------
    customers, transactions, events, contacts, survey, survey_items, message_tests : pandas.DataFrame
    truth : Truth
    accounts, account_contacts : pandas.DataFrame or None
        ``kind="b2b"`` only (None for consumers): one row per company, and
        one row per person at a company with their buying-committee role.
    """

    customers: pd.DataFrame
    transactions: pd.DataFrame
    events: pd.DataFrame
    contacts: pd.DataFrame
    survey: pd.DataFrame
    survey_items: pd.DataFrame
    truth: Truth = field(repr=False)
    accounts: pd.DataFrame | None = None
    account_contacts: pd.DataFrame | None = None
    message_tests: pd.DataFrame = field(default_factory=pd.DataFrame)

    _TABLES = ("customers", "transactions", "events", "contacts", "survey", "survey_items", "message_tests")

    def _tables(self) -> tuple:
        extra = ("accounts", "account_contacts") if self.accounts is not None else ()
        return self._TABLES + extra

    def to_frame(self) -> pd.DataFrame:
        """One row per table: its name, number of rows and number of columns."""
        tables = self._tables()
        return pd.DataFrame(
            {
                "table": list(tables),
                "rows": [len(getattr(self, t)) for t in tables],
                "columns": [getattr(self, t).shape[1] for t in tables],
            }
        )

    def __repr__(self) -> str:
        parts = ", ".join(f"{t}={len(getattr(self, t)):,}" for t in self._tables())
        return f"CustomerData({parts})"

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return "<p><b>CustomerData</b> (rows per table)</p>" + format_table(self.to_frame(), max_rows=None).html


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
          (tripling it for bargain hunters, none for affluent travellers).

        **message_tests** (creative tests, one row per customer and test; sorted by ``sent_at``)

        - ``customer_id`` (str).
        - ``test`` (category): ``"2022-03 message test"``, ... one every two months.
        - ``sent_at`` (datetime).
        - ``group`` (category): treatment or control; each test samples 60 %
          of the customers reachable on both channels (e-mail consent and a
          phone number, not opted out) and randomises them with equal chances
          to the control group or one of six arms.
        - ``message`` (category): price, quality, novelty; missing in the
          control group, which is sent nothing.
        - ``channel`` (category): email, sms; missing in the control group.
        - ``converted`` (bool): bought within the test window. The message and
          the channel multiply a persona-specific lift (bargain hunters answer
          price, affluent travellers and retirees quality, young gamers and
          fitness enthusiasts novelty); see ``truth.message_effects``.

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
        ``persona``, ``psychographic_segment``, ``propensity``, ``converted``),
        ``persona_traits`` (``persona``, ``column``, ``level``,
        ``direction``) and ``message_effects`` (``persona``, ``message``,
        ``channel``, ``relative_lift``, ``rate_control``, ``rate_treated``,
        ``uplift``, ``best``).

        **accounts** (``kind="b2b"`` only, else None; one row per company;
        drawn from a random stream of their own, so the tables above are the
        same with or without them)

        - ``account_id`` (str): ``"A0000001"``, ...; the account of customer
          ``"C0000001"``.
        - ``company_name``, ``industry``, ``country``, ``region``, ``city``,
          ``partner``: as in ``customers``.
        - ``naics`` (category): a six-digit NAICS 2022 code within the
          ``industry`` (technology spans sectors 51 and 54).
        - ``employees`` (int): within the ``company_size`` band (a Pareto tail
          above 1,000).
        - ``revenue`` (float): annual turnover in euros, rounded to 1,000.
        - ``converted`` (bool): the account converted in an account-based
          campaign (a CRM's closed-won deals), driven by the planted ideal
          customer profile (``truth.icp``) and by having a decision-maker
          among the contacts.

        **account_contacts** (``kind="b2b"`` only; one row per person, grouped
        by account, the buyer first)

        - ``customer_id`` (str): the buyer keeps their customer id; the other
          contacts are numbered after the last customer. Only buyers have
          transactions and events.
        - ``account_id`` (str).
        - ``role`` (category): decision_maker, influencer, user (the buyer's
          from their job title).
        - ``job_title`` (category), ``buyer`` (bool).
        - ``email`` (str): on the company's domain, ~5 % missing.
        - ``email_opt_in``, ``ads_opt_in``, ``opted_out`` (bool): each
          person's own consent; the buyer's are those of ``customers``.

        Bigger companies have more contacts (1.3 + 0.7·log10(employees) on average).
        ``truth.accounts`` holds each account's ``icp`` fit, conversion
        ``propensity``, ``converted`` and ``clv`` (expected net spend over the
        next year under the generator's process); ``truth.icp`` the planted
        profile: medium-sized firms (50-249 employees) in manufacturing or
        transportation and warehousing.

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
    >>> b2b = ms.datasets.make_customers(n_customers=300, random_state=0, kind="b2b")
    >>> len(b2b.accounts), list(b2b.account_contacts["role"].cat.categories)
    (300, ['decision_maker', 'influencer', 'user'])
    """
    n, start_ts, end_ts = _check_args(n_customers, start, end, kind)
    rs = check_random_state(random_state)
    # spawned children do not depend on how many are spawned: the six tables of every kind take children 0-5,
    # the account tables child 6 (issue 26), the message tests child 7 (issue 18); no stream ever moves
    seeds = np.random.SeedSequence(rs.randint(0, 2**31 - 1, size=4).tolist()).spawn(8)
    rngs = [np.random.default_rng(s) for s in seeds[:6]]
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
    message_tests, planted = _message_tests(np.random.default_rng(seeds[7]), spec, state, propensity, start_ts, end_s)

    truth_customers = pd.DataFrame({
        "customer_id": customers["customer_id"].copy(),
        "persona": _cat(state["persona"], spec["personas"]),
        "psychographic_segment": _cat(segment, spec["segments"]),
        "propensity": propensity,
        "converted": converted,
    })
    traits = _traits_frame(_TRAITS_B2C if kind == "b2c" else _TRAITS_B2B)
    accounts = account_contacts = truth_accounts = icp = None
    if kind == "b2b":
        accounts_rng = np.random.default_rng(seeds[6])  # child 6: the account tables (issue 26)
        accounts, account_contacts, truth_accounts = _accounts(accounts_rng, customers, state, spec, transactions,
                                                               start_s, end_s)
        accounts["converted"] = truth_accounts["converted"].to_numpy()
        icp = icp_frame()
    return CustomerData(
        customers=customers,
        transactions=transactions,
        events=events,
        contacts=contacts,
        survey=survey,
        survey_items=items,
        truth=Truth(customers=truth_customers, persona_traits=traits, accounts=truth_accounts, icp=icp,
                    message_effects=_message_truth(spec, planted)),
        accounts=accounts,
        account_contacts=account_contacts,
        message_tests=message_tests,
    )
