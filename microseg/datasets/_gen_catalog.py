"""The product catalogues of ``make_customers`` (b2c and b2b) and their index, ``_Catalog``."""

from __future__ import annotations

import numpy as np


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
