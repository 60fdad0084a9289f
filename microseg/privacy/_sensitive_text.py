"""Text normalisation and keyword matching shared by the by-name and by-value detectors.

A name or a value is compared with keyword lists only after the same
normalisation on both sides:

1. NFKC (full-width and stylised letters become plain ones);
2. zero-width and other format characters (Unicode category ``Cf``: U+200B,
   U+200D, U+FEFF, soft hyphen, bidi marks) and the Arabic tatweel are removed;
3. camelCase, acronym and letter/digit boundaries become token boundaries;
4. case-folding, then diacritics are dropped (``religión`` -> ``religion``,
   ``Zugehörigkeit`` -> ``zugehorigkeit``), and Arabic letter variants are folded
   (ة -> ه, ى -> ي, the article ال is dropped);
5. within a token that mixes Latin with Cyrillic or Greek letters, the
   look-alike letters are folded to Latin (``rеligion`` with a Cyrillic ``е``).
   A token written wholly in Cyrillic stays Cyrillic, so Russian keywords match.

Keywords are token sequences. A keyword word matches a token exactly or as a
regular plural (``-s``, ``-es``, ``-y/-ies``, ``-is/-es``); a word ending in
``*`` is a stem and matches any token that starts with it (``relig*``). A token
without separators (``healthcondition``, ``latlon``) matches when it splits
entirely into keyword words and common filler words, at least one being a
keyword.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Cyrillic and Greek letters that look like Latin ones (lower case, after case-folding)
_HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h", "ӏ": "l",
    "ԛ": "q", "ԝ": "w", "ɡ": "g", "ı": "i",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y", "ω": "w", "μ": "u",
})  # fmt: skip
_ARABIC = str.maketrans({"ة": "ه", "ى": "ي", "ـ": ""})
_CAMEL = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_SPLIT = re.compile(r"[\W_]+")

#: Filler words that may surround a keyword inside a token written without separators.
COMMON_PARTS: frozenset[str] = frozenset(
    "condition conditions status member members membership code codes type types group groups flag flags score "
    "scores level levels category categories class data info information record records history date name value "
    "values count rate risk index number label segment indicator self home user customer client current primary "
    "main reported declared known actual stated pair point coord coords position person personal family "
    "insurance plan details detail zugehorigkeit angabe stand".split()
)


def _is_latin(ch: str) -> bool:
    return "LATIN" in unicodedata.name(ch, "")


def _fold_token(tok: str) -> str:
    letters = [ch for ch in tok if ch.isalpha()]
    if any(_is_latin(ch) for ch in letters) and any(not _is_latin(ch) for ch in letters):
        return tok.translate(_HOMOGLYPHS)
    return tok


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def _split_camel(text: str) -> str:
    out = []
    for i, ch in enumerate(text):
        if i and ch.isupper():
            prev, nxt = text[i - 1], text[i + 1] if i + 1 < len(text) else ""
            if prev.islower() or (prev.isupper() and nxt.islower()):
                out.append(" ")
        out.append(ch)
    return _CAMEL.sub(" ", "".join(out))


@lru_cache(maxsize=65_536)
def tokens(text: str) -> tuple[str, ...]:
    """Normalised tokens of a column name or a value.

    Examples
    --------
    >>> tokens("healthCondition_2")
    ('health', 'condition', '2')
    >>> tokens("r\\u0435ligion"), tokens("reli\\u200bgion"), tokens("Religión")
    (('religion',), ('religion',), ('religion',))
    >>> tokens("ＢＭＩ"), tokens("الديانة")
    (('bmi',), ('ديانه',))
    """
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _split_camel(text).casefold()
    text = _plain(text).translate(_ARABIC)
    out = []
    for tok in _SPLIT.split(text):
        if not tok:
            continue
        if tok.startswith("ال") and len(tok) > 4:
            tok = tok[2:]
        out.append(_fold_token(tok))
    return tuple(out)


def _plurals(word: str) -> set[str]:
    forms = {word, word + "s", word + "es"}
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    if word.endswith("is"):
        forms.add(word[:-2] + "es")
    return forms


class Matcher:
    """Find which keyword (if any) a token sequence contains; keywords map to a label.

    Examples
    --------
    >>> m = Matcher({"relig*": "belief", "health": "health", "trade union*": "union", "lat": "geo", "lon": "geo"})
    >>> m.match(tokens("religions")), m.match(tokens("healthcondition")), m.match(tokens("trade_unionist"))
    (('relig*', 'belief'), ('health', 'health'), ('trade union*', 'union'))
    >>> m.match(tokens("latlon")), m.match(tokens("Healthy eating")), m.match(tokens("latency"))
    (('lon', 'geo'), None, None)
    """

    def __init__(self, keywords: dict[str, str], *, compounds: bool = True):
        self.keywords = dict(keywords)
        self.compounds = compounds
        self._seqs: list[tuple[tuple[str, ...], str, str]] = []
        self._pieces: dict[str, str] = {}  # exact compound piece -> keyword
        self._stems: dict[str, str] = {}  # stem piece -> keyword
        for kw, label in self.keywords.items():
            words = tokens(kw.replace("*", " STEMMARK "))
            seq, w = [], None
            for w in words:
                if w == "stemmark":
                    seq[-1] += "*"
                else:
                    seq.append(w)
            seq_t = tuple(seq)
            self._seqs.append((seq_t, kw, label))
            joined = "".join(s.rstrip("*") for s in seq_t)
            if seq_t[-1].endswith("*"):
                self._stems[joined] = kw
            else:
                for form in _plurals(joined):
                    self._pieces.setdefault(form, kw)
        self._seqs.sort(key=lambda t: -len(t[0]))
        # index by first word: exact forms (with plurals) and stems, so a match costs a few dict lookups
        self._first: dict[str, list] = {}
        self._first_stem: dict[str, list] = {}
        for entry in self._seqs:
            head = entry[0][0]
            if head.endswith("*"):
                self._first_stem.setdefault(head[:-1], []).append(entry)
            else:
                for form in _plurals(head):
                    self._first.setdefault(form, []).append(entry)
        self._max_piece = max((len(p) for p in [*self._pieces, *self._stems]), default=0)

    @staticmethod
    def _word(tok: str, word: str) -> bool:
        if word.endswith("*"):
            return tok.startswith(word[:-1])
        return tok in _plurals(word)

    def _compound(self, tok: str) -> str | None:
        n = len(tok)
        # best[i]: keyword found in a full split of tok[:i] (""=split with fillers only, None=no split)
        best: list[str | None] = [None] * (n + 1)
        best[0] = ""
        for i in range(n):
            if best[i] is None:
                continue
            for stem, kw in self._stems.items():
                if tok.startswith(stem, i):
                    return kw  # a stem takes the rest of the token
            for j in range(i + 3, min(n, i + max(self._max_piece, 14)) + 1):
                piece = tok[i:j]
                kw = self._pieces.get(piece)
                if kw is not None:
                    best[j] = kw
                elif piece in COMMON_PARTS and best[j] is None:
                    best[j] = best[i]
                elif piece in COMMON_PARTS and best[j] == "" and best[i]:
                    best[j] = best[i]
        return best[n] or None

    def match(self, toks: Iterable[str]) -> tuple[str, str] | None:
        """Return ``(keyword, label)`` of the first keyword found in ``toks``, or None."""
        toks = tuple(toks)
        found = None
        for i, tok in enumerate(toks):
            cands = list(self._first.get(tok, ()))
            for n in range(1, len(tok) + 1):
                cands += self._first_stem.get(tok[:n], ())
            for seq, kw, label in cands:
                k = len(seq)
                if i + k <= len(toks) and all(self._word(toks[i + j], seq[j]) for j in range(1, k)):
                    if found is None or k > found[0]:
                        found = (k, kw, label)
        if found is not None:
            return found[1], found[2]
        if self.compounds:
            for tok in toks:
                if len(tok) >= 6:
                    kw = self._compound(tok)
                    if kw is not None:
                        return kw, self.keywords[kw]
        return None
