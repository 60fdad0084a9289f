"""Vocabularies for finding sensitive columns by their values, whatever their name.

A text or categorical column is sensitive when at least half of its non-null
values name a religion or belief, an ethnic group (as census forms word them),
a common health condition, a political party of one of the largest
democracies, or a trade union; or when they are latitude/longitude pairs.

Each :class:`Vocabulary` has *terms* and *weak* terms. A weak term is a word
with an everyday meaning too (``white``, ``green``, ``labour``, ``stroke``): it
counts only in a column that also holds at least one of the vocabulary's plain
terms, so a colour column (black, white, red) stays quiet while a census column
(White, Black, Asian) does not. A value matches when it contains a term as
whole words (``Asian-Pac-Islander`` contains ``asian``), with the same
normalisation as names (case, accents, zero-width characters, homoglyphs).

To extend a vocabulary, pass your own mapping to
:func:`microseg.privacy.find_sensitive` (``vocabularies={**VALUE_VOCABULARIES,
"my list": Vocabulary(category, terms=(...))}``) or add terms to the tuples
below: a test checks that every term is detected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._sensitive_names import GEO, HEALTH, POLITICS, RACE, RELIGION, UNION
from ._sensitive_text import Matcher, tokens

#: Distinct values classified per column (the most frequent); rarer values count as not matching.
MAX_DISTINCT = 5_000
#: Values longer than this many words are free text, not categories, and never match.
MAX_VALUE_WORDS = 8


@dataclass(frozen=True)
class Vocabulary:
    """Terms whose presence in a column's values reveals ``category``."""

    category: str
    terms: tuple[str, ...]
    weak: tuple[str, ...] = ()



#: The built-in vocabularies (name -> Vocabulary).
VALUE_VOCABULARIES: dict[str, Vocabulary] = {
    "religions and beliefs": Vocabulary(RELIGION, terms=(
        "christian", "christianity", "catholic", "roman catholic", "protestant", "evangelical", "baptist",
        "methodist", "lutheran", "anglican", "church of england", "presbyterian", "pentecostal", "mormon",
        "latter day saints", "jehovah s witness", "jehovahs witness", "eastern orthodox", "greek orthodox",
        "russian orthodox", "muslim", "moslem", "islam", "islamic", "sunni", "shia", "shiite", "ahmadiyya",
        "hindu", "hinduism", "buddhist", "buddhism", "jewish", "judaism", "jew", "sikh", "sikhism", "jain",
        "jainism", "bahai", "baha i", "shinto", "taoist", "taoism", "zoroastrian", "confucian", "atheist",
        "atheism", "agnostic", "no religion", "non religious", "wiccan", "pagan", "druze", "coptic",
        # fr / de / es
        "chretien", "chretienne", "catholique", "musulman", "musulmane", "juif", "juive", "bouddhiste", "hindou",
        "athee", "agnostique", "sans religion", "christlich", "katholisch", "evangelisch", "muslimisch", "judisch",
        "buddhistisch", "konfessionslos", "cristiano", "cristiana", "catolico", "catolica", "evangelico",
        "musulmana", "judio", "judia", "budista", "ateo", "atea", "agnostico", "sin religion",
        # ar / ru
        "مسلم", "مسيحي", "يهودي", "سني", "شيعي", "بوذي", "هندوسي", "ملحد", "درزي", "قبطي",
        "православн*", "христиан*", "католи*", "мусульман*", "иудей", "иудаизм", "буддист*", "атеист*",
        "протестант*", "ислам",
    ), weak=("orthodox", "spiritual", "none of the above", "christ", "reformed", "orthodoxe")),
    "ethnic groups (census)": Vocabulary(RACE, terms=(
        "hispanic", "latino", "latina", "latinx", "caucasian", "african american", "black african",
        "black caribbean", "black british", "white british", "white irish", "white other", "asian british",
        "asian", "native american", "american indian", "alaska native", "alaskan native", "pacific islander",
        "native hawaiian", "islander", "eskimo", "aboriginal", "torres strait islander", "first nations", "inuit",
        "metis", "maori", "two or more races", "multiracial", "biracial", "mixed race", "mixed ethnicity",
        "gypsy", "irish traveller", "bangladeshi", "pakistani", "middle eastern", "north african",
        "mestizo", "mulato", "pardo", "indigena", "indigenous", "afrodescendiente", "afro caribbean",
        "maghrebin", "sub saharan",
    ), weak=("white", "black", "mixed", "indian", "chinese", "african", "arab", "caribbean", "roma", "traveller", "afro",
             "blanc", "noir", "blanco", "negro", "branco", "preto", "amarelo", "русский", "عربي")),
    "health conditions": Vocabulary(HEALTH, terms=(
        "diabetes", "type 1 diabetes", "type 2 diabetes", "asthma", "hypertension", "high blood pressure",
        "depression", "anxiety", "anxiety disorder", "cancer", "arthritis", "osteoarthritis", "copd",
        "heart disease", "coronary heart disease", "heart failure", "obesity", "hiv", "epilepsy",
        "migraine", "dementia", "alzheimer*", "parkinson*", "multiple sclerosis", "autism", "adhd", "bipolar",
        "bipolar disorder", "schizophrenia", "eczema", "psoriasis", "celiac", "coeliac", "crohn*",
        "hepatitis", "tuberculosis", "chronic kidney disease", "kidney disease", "osteoporosis", "allergy",
        "pregnant", "pregnancy", "disability", "ptsd", "ocd", "anorexia", "bulimia",
        # fr / de / es / ar / ru
        "diabete", "asthme", "maladie cardiaque", "bluthochdruck", "herzkrankheit", "asma", "hipertension",
        "depresion", "ansiedad", "سكري", "ربو", "ضغط الدم", "سرطان", "اكتئاب", "диабет", "астма", "гипертони*",
        "депресси*",
    ), weak=("stroke", "krebs", "рак", "none", "healthy", "disabled", "aids")),
    "political parties": Vocabulary(POLITICS, terms=(
        "democrat", "democratic party", "republican", "republican party", "gop", "libertarian", "green party",
        "bjp", "bharatiya janata party", "indian national congress", "aam aadmi party", "trinamool congress",
        "shiv sena", "samajwadi party", "bahujan samaj party", "pdi p", "pdip", "golkar", "gerindra", "nasdem",
        "partido dos trabalhadores", "psdb", "psol", "labour party", "conservative party", "tory", "tories",
        "liberal democrat", "liberal democrats", "lib dem", "snp", "plaid cymru", "reform uk", "ukip",
        "cdu", "csu", "spd", "afd", "fdp", "die grunen", "bundnis 90", "die linke", "rassemblement national",
        "front national", "la france insoumise", "les republicains", "parti socialiste", "renaissance party",
        "psoe", "partido popular", "ldp", "liberal democratic party", "komeito",
        "constitutional democratic party", "awami league", "pti", "pml n", "morena party", "socialist",
        "communist", "social democrat", "christian democrat", "единая россия", "кпрф", "лдпр",
        "справедливая россия",
    ), weak=("labour", "conservative", "liberal", "green", "greens", "congress", "independent", "reform",
             "vox", "morena", "podemos", "sumar", "pri", "renaissance", "grunen", "linke", "demokrat")),
    "trade unions": Vocabulary(UNION, terms=(
        "afl cio", "teamsters", "seiu", "uaw", "afscme", "united steelworkers", "ibew", "unite the union",
        "gmb", "rmt", "cwu", "nasuwt", "usdaw", "tuc", "ig metall", "ver di", "dgb", "cgt", "cfdt",
        "force ouvriere", "cfe cgc", "ccoo", "comisiones obreras", "ugt", "cgil", "cisl", "intuc", "aituc",
        "cosatu", "unionised", "unionized", "union member", "non union", "trade union member",
        "профсоюз*", "نقابه",
    ), weak=("unite", "unison", "verdi", "nea", "aft", "neu")),
}  # fmt: skip

_NUM = r"[+-]?\d{1,3}\.\d{3,}"
_PAIR = re.compile(rf"^\s*[\(\[]?\s*({_NUM})\s*[,; ]\s*({_NUM})\s*[\)\]]?\s*$")
_POINT = re.compile(rf"^\s*POINT\s*\(\s*({_NUM})\s+({_NUM})\s*\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ValueFinding:
    category: str
    vocabulary: str
    share: float
    examples: tuple[str, ...]


def _is_text(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return True
    return pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)


def _geo_pairs(values: pd.Index) -> np.ndarray:
    """True for each value that is a latitude/longitude pair with at least 3 decimals (about 100 m)."""
    text = pd.Series(values.astype(str), dtype=object)
    out = np.zeros(len(text), dtype=bool)
    for pattern, lat_first in ((_PAIR, True), (_POINT, False)):
        m = text.str.extract(pattern).astype(float)
        lat, lon = (m[0], m[1]) if lat_first else (m[1], m[0])
        out |= ((lat.abs() <= 90) & (lon.abs() <= 180)).to_numpy()
    return out


_MATCHERS: dict[int, tuple[dict, Matcher]] = {}


def _matcher(vocabularies: dict[str, Vocabulary]) -> Matcher:
    """One matcher over every vocabulary, so that the longest term wins ("christian democrat" is a party)."""
    cached = _MATCHERS.get(id(vocabularies))
    if cached is not None and cached[0] is vocabularies:
        return cached[1]
    kws: dict[str, tuple[str, str]] = {}
    for name, voc in vocabularies.items():
        kws.update({t: (name, "weak") for t in voc.weak})
    for name, voc in vocabularies.items():
        kws.update({t: (name, "strong") for t in voc.terms})
    built = Matcher(kws, compounds=False)
    if vocabularies is VALUE_VOCABULARIES:
        _MATCHERS[id(vocabularies)] = (vocabularies, built)
    return built


def value_finding(
    s: pd.Series, *, vocabularies: dict[str, Vocabulary] | None = None, threshold: float = 0.5
) -> ValueFinding | None:
    """The sensitive category a column's values reveal, or None.

    Examples
    --------
    >>> import pandas as pd
    >>> value_finding(pd.Series(["Muslim", "Christian", "Hindu", "retail", None])).vocabulary
    'religions and beliefs'
    >>> value_finding(pd.Series(["black", "white", "red", "white"])) is None
    True
    """
    if not _is_text(s):
        return None
    counts = s.value_counts(dropna=True, sort=True)
    total = int(counts.sum())
    if total == 0:
        return None
    counts = counts[counts > 0]
    geo = _geo_pairs(counts.index)  # coordinates are mostly distinct: every value is read
    if counts[geo].sum() >= threshold * total:
        return ValueFinding(GEO, "latitude/longitude pairs", float(counts[geo].sum() / total),
                            tuple(str(v) for v in counts.index[geo][:3]))  # fmt: skip
    counts = counts.iloc[:MAX_DISTINCT]
    if counts.sum() < threshold * total:  # mostly distinct values (ids, free text): cannot reach the threshold
        return None
    values = counts.index
    weights = counts.to_numpy(dtype=float)
    toks = [tokens(str(v)) for v in values]
    short = np.array([0 < len(t) <= MAX_VALUE_WORDS for t in toks])
    vocabularies = vocabularies or VALUE_VOCABULARIES
    matcher = _matcher(vocabularies)
    hits = [matcher.match(t) if ok else None for t, ok in zip(toks, short)]
    vocab = np.array([h[1][0] if h else "" for h in hits], dtype=object)
    strong = np.array([bool(h) and h[1][1] == "strong" for h in hits])
    best = None
    for name in dict.fromkeys(vocab[strong]):  # a vocabulary counts only with one of its plain terms
        hit = vocab == name
        share = float(weights[hit].sum() / total)
        if share >= threshold and (best is None or share > best.share):
            best = ValueFinding(vocabularies[name].category, name, share, tuple(str(v) for v in values[hit][:3]))
    return best
