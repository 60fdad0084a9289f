"""The persona specifications of ``make_customers``: every planted rate and share, b2c and b2b."""

from __future__ import annotations

from ._gen_catalog import _CATALOG_B2B, _CATALOG_B2C


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
    uplift=[0.3, 0.6, 0.0, 2.0, 0.4, 0.5, 0.8],  # relative treatment effect on conversion
    # message tests: relative lift of each message (price, quality, novelty), times a channel factor (email, sms)
    message_lift=[[.2, .1, 1.0], [.9, .3, .2], [-.2, 1.0, .4], [1.4, 0, .3], [.3, .9, 0], [.2, .4, 1.0], [1.0, 0, .5]],
    channel_factor=[[.8, 1.2], [.9, 1.1], [1.2, .8], [.9, 1.1], [1.25, .75], [.9, 1.1], [.8, 1.2]],
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
    message_lift=[[.1, 1.0, .3], [1.0, .2, .3], [.3, .9, -.1], [1.2, .1, .3], [.2, .3, 1.1]],
    channel_factor=[[1.2, .8], [.9, 1.1], [1.2, .8], [1.1, .9], [.85, 1.15]],
)
