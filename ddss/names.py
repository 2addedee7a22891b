"""Vietnamese personal names: one stored form, issue codes, split parts and comparison keys.

Every builder returns a `pl.Expr`, so a stage applies them all in one `with_columns`. The
stored name keeps its diacritics (NFC, traditional tone placement, proper case); the keys
built here are for comparison only (DOMAIN.md "Names").
"""

from __future__ import annotations

import unicodedata

import polars as pl

from ddss import issues
from ddss.legacy_encodings import TONE_MARKS
from ddss.text import IntoExpr, _expr, ascii_fold_expr

# One Aho-Corasick pass: eth -> Đ (DOMAIN.md "Names"), typographic apostrophes -> ', and
# joiners, BOMs and soft hyphens removed.
_CHAR_FIXES = {
    "Ð": "Đ",
    "ð": "đ",
    "\u0189": "Đ",
    "\u0256": "đ",
    **dict.fromkeys(["\u2019", "\u2018", "\u02bc", "`", "\u00b4"], "'"),
    **dict.fromkeys(["\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"], ""),
}
_ZERO_WIDTH = "[\u200c\u200d\u2060\ufeff\u00ad]"
# Anything but letters, marks and the apostrophe/hyphen of ethnic-minority names (H'Hen,
# Y-Moan) separates words: spaces of every kind (the zero-width space too), digits, punctuation.
_SEPARATORS = r"[^\p{L}\p{M}'\-]+"
_INVALID = r"[^\p{L}\p{M}\s'\-\u200b-\u200d\u2060\ufeff\u00ad]"


# --- tone placement ------------------------------------------------------------------------
# DOMAIN.md "Names": hoà/hòa, thuý/thúy, khoẻ/khỏe are both in use and NFC does not unify
# them. ddss stores the traditional style: in oa, oe, uy ending the syllable the tone sits on
# the first vowel (hòa, khỏe, thúy); before a consonant or another vowel it sits on the
# second (hoàng, toán, thuyết, ngoài). After q the u is part of the consonant, so quý, quỳ
# keep the tone on y. The map is generated for the 3 clusters x 5 tones; it runs on
# lower-case text with a trailing space, so "word end" is "followed by a space".
_CLUSTERS = (("o", "a"), ("o", "e"), ("u", "y"))
_FINALS = ("c", "m", "n", "p", "t")  # ch, nh, ng start with c or n
_NEXT_VOWELS = {("o", "a"): ("i", "y", "o"), ("o", "e"): ("o",), ("u", "y"): ()}


def _tone(letter: str, tone: int) -> str:
    return unicodedata.normalize("NFC", letter + TONE_MARKS[tone])


def _tone_style_map() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for first, second in _CLUSTERS:
        for tone in range(1, 6):
            on_first = _tone(first, tone) + second
            on_second = first + _tone(second, tone)
            for end in (" ", "-"):
                mapping[on_second + end] = on_first + end  # hoà -> hòa
            for final in _FINALS + _NEXT_VOWELS[(first, second)]:
                mapping[on_first + final] = on_second + final  # hòang -> hoàng
            if (first, second) == ("u", "y"):
                for end in (" ", "-"):  # quý stays, qúy -> quý; matched before "uý "
                    mapping["q" + on_second + end] = "q" + on_second + end
                    mapping["q" + on_first + end] = "q" + on_second + end
    return mapping


TONE_STYLE_MAP: dict[str, str] = _tone_style_map()
_TONE_KEYS = sorted(TONE_STYLE_MAP, key=lambda k: (-len(k), k))
_TONE_VALUES = [TONE_STYLE_MAP[k] for k in _TONE_KEYS]


def _tone_style(lower: pl.Expr) -> pl.Expr:
    padded = pl.concat_str([lower, pl.lit(" ")])
    return padded.str.replace_many(_TONE_KEYS, _TONE_VALUES, leftmost=True).str.head(-1)


# --- the stored name -----------------------------------------------------------------------
def _clean(col: IntoExpr) -> pl.Expr:
    """NFC, Ð->Đ, stray characters and spacing fixed; case and tone placement untouched."""
    return (
        _expr(col)
        .str.normalize("NFC")  # DOMAIN.md: NFD text from Mac and web forms
        .str.replace_many(list(_CHAR_FIXES), list(_CHAR_FIXES.values()))
        .str.replace_all(r"\([^)]*\)|\[[^\]]*\]", " ")  # remarks such as "(đã chuyển)"
        .str.replace_all(_SEPARATORS, " ")
        .str.replace_all(r"(?:^| )['\-]+|['\-]+(?: |$)", " ")  # ' and - only inside a word
        .str.replace_all("  +", " ")
        .str.strip_chars(" ")
    )


def normalise_name_expr(col: IntoExpr) -> pl.Expr:
    """Stored form: NFC, Đ not eth, single spaces, traditional tone placement, proper case.

    Never adds diacritics: a name typed without them stays without them. Empty -> null.
    """
    tidy = _tone_style(_clean(col).str.to_lowercase()).str.to_titlecase()
    return tidy.replace("", None)


def normalise_name(text: str | None) -> str | None:
    """One value through `normalise_name_expr` (tests and tiny inputs)."""
    frame = pl.DataFrame({"name": [text]}, schema={"name": pl.String})
    return frame.select(normalise_name_expr("name")).item()


def name_issues_expr(raw_col: IntoExpr, normalised_col: IntoExpr) -> pl.Expr:
    """list[str] of name issue codes for each row (empty list when the name was fine).

    Each check is one cheap pass over the raw text, so the whole list costs about as much
    as the normalisation itself.
    """
    raw = _expr(raw_col)
    norm = _expr(normalised_col)
    nfc = raw.str.normalize("NFC")
    # Words as `normalise_name_expr` sees them, with the trailing space the tone map needs.
    words = pl.concat_str([nfc.str.to_lowercase().str.replace_all(_SEPARATORS, " "), pl.lit(" ")])
    checks = [
        (norm.is_null(), issues.NAME_MISSING),
        (nfc.ne(raw), issues.NAME_NFD),
        (raw.str.contains("[Ððɖ\u0189]"), issues.NAME_ETH_D),
        (words.str.replace_many(_TONE_KEYS, _TONE_VALUES, leftmost=True).ne(words), issues.NAME_TONE_STYLE),
        # not proper case: a capital inside a word, or a word starting in lower case
        (nfc.str.contains(r"\p{L}\p{M}*\p{Lu}|(?:^|[^\p{L}\p{M}])\p{Ll}"), issues.NAME_CASE_FIXED),
        (
            raw.str.contains(_ZERO_WIDTH)
            | raw.str.contains(r"^\s|\s$|\s\s|[^\S ]|[\u00a0\u2000-\u200b\u202f\u3000]"),
            issues.NAME_SPACES_FIXED,
        ),
        (raw.str.contains(_INVALID), issues.NAME_INVALID_CHARS),
        (norm.is_not_null() & ~norm.str.contains(r"[^\x00-\x7F]"), issues.NAME_NO_DIACRITICS),
        (norm.is_not_null() & ~norm.str.contains(" ", literal=True), issues.NAME_SINGLE_WORD),
    ]
    # A bit per check, then one lookup from the bit mask to its list of codes: much faster than
    # concatenating nine mostly-null columns into lists row by row.
    mask = pl.sum_horizontal(
        [cond.fill_null(False).cast(pl.UInt16) * (1 << bit) for bit, (cond, _) in enumerate(checks)]
    )
    codes = [code for _, code in checks]
    lists = {m: [c for bit, c in enumerate(codes) if m >> bit & 1] for m in range(1 << len(codes))}
    return mask.replace_strict(lists, return_dtype=pl.List(pl.String))


def name_issue_exprs(raw_col: IntoExpr, normalised_col: IntoExpr) -> list[pl.Expr]:
    """Same as `name_issues_expr`, as a one-element list for `with_columns(*...)`."""
    return [name_issues_expr(raw_col, normalised_col)]


# --- parts ---------------------------------------------------------------------------------
def split_name_exprs(col: IntoExpr) -> list[pl.Expr]:
    """surname (first word), middle_name (words between, null if none), given_name (last word).

    DOMAIN.md "Names": order is surname, middle name(s), given name. A one-word name is taken
    as the given name. Expects a normalised name (single spaces, stripped).
    """
    name = _expr(col)
    return [
        name.str.extract(r"^(\S+) ", 1).alias("surname"),
        name.str.extract(r"^\S+ (.+) \S+$", 1).alias("middle_name"),
        name.str.extract(r"(\S+)$", 1).alias("given_name"),
    ]


def combine_name_parts_expr(surname_part: IntoExpr, given_part: IntoExpr) -> pl.Expr:
    """One raw full name from sheets split into "Họ và tên đệm" + "Tên" (null if both empty)."""
    joined = pl.concat_str([_expr(surname_part), _expr(given_part)], separator=" ", ignore_nulls=True)
    return pl.when(joined.str.strip_chars().str.len_chars() > 0).then(joined)


# --- comparison keys (never stored as the name) --------------------------------------------
# The phonetic key works on the ascii-folded, lower-case name in which every word is wrapped
# in its own spaces ("  nguyen  thi  dao  "), so " x" means "word starts with x" and "x " means
# "word ends with x" even for neighbouring words. Three Aho-Corasick passes, each a table of
# (pattern, replacement, reason); a later pass sees the output of the earlier one.
_SLIPS: list[tuple[str, str, str]] = [
    *(
        (c * 2, c, "doubled letter: typing slip or Telex residue (Nguyeen, Hoaang)")
        for c in "abcdeghiklmnopqrstvxy"
    ),
    *((v + "w", v, "Telex residue: uw/ow/aw typed for ư/ơ/ă") for v in "aeiouy"),
]
_INITIALS: list[tuple[str, str, str]] = [
    (" huynh ", " hoang ", "Huỳnh/Hoàng are one surname, south/north (DOMAIN.md Names)"),
    (" vo ", " vu ", "Võ/Vũ are one surname, south/north (DOMAIN.md Names)"),
    (" ngh", " ng", "ngh is ng spelt before i/e/ê"),
    (" gh", " g", "gh is g spelt before i/e/ê"),
    (" kh", " kh", "kh is its own consonant (keeps the k rule off it)"),
    (" k", " c", "k is c spelt before i/e/y"),
    *((f" gi{v}", f" d{v}", "gi + vowel: northern merge of d/gi/r to /z/") for v in "aeouy"),
    (" gi", " di", "gi with its own i (gìn, gì): same merge"),
    (" r", " d", "r: northern merge of d/gi/r to /z/"),
    (" j", " d", "j typed for gi/d (informal spelling of /z/)"),
    (" z", " d", "z typed for gi/d (informal spelling of /z/)"),
    (" f", " ph", "f typed for ph (Fuong)"),
    (" tr", " ch", "tr/ch merge in northern speech"),
    (" s", " x", "s/x merge in northern speech"),
]
_FINALS_AND_VOWELS: list[tuple[str, str, str]] = [
    ("ng ", "n ", "final ng/n merge in southern speech"),
    ("t ", "c ", "final t/c merge in southern speech"),
    ("ay", "ay", "ay keeps its y: the vowel differs from ai (Hãy/Hải)"),
    ("y", "i", "i/y spelling variants (Thuỳ/Thuì, Mỹ/Mĩ, Yến/Iến)"),
]
PHONETIC_RULES = (_SLIPS, _INITIALS, _FINALS_AND_VOWELS)


def _replace_table(expr: pl.Expr, rules: list[tuple[str, str, str]]) -> pl.Expr:
    ordered = sorted(rules, key=lambda r: -len(r[0]))  # longest first for `leftmost=True`
    return expr.str.replace_many([r[0] for r in ordered], [r[1] for r in ordered], leftmost=True)


def phonetic_key_expr(col: IntoExpr) -> pl.Expr:
    """Per-word sound key so regional spellings and typing slips compare equal.

    Huỳnh≈Hoàng, Võ≈Vũ, d/gi/r, tr/ch, s/x, final n/ng and c/t, i/y; tones and vowel marks
    are dropped by the fold. Only for blocking and comparison.
    """
    folded = ascii_fold_expr(col)
    key = pl.concat_str([pl.lit("  "), folded.str.replace_all(" ", "    ", literal=True), pl.lit("  ")])
    for rules in PHONETIC_RULES:
        key = _replace_table(key, rules)
    return key.str.replace_all(" +", " ").str.strip_chars(" ")


def name_key_expr(col: IntoExpr) -> pl.Expr:
    """Diacritic-free lower-case full name ("Nguyễn Thị Đào" -> "nguyen thi dao")."""
    return ascii_fold_expr(col)


def _phonetic_of_unique(words: pl.Series) -> pl.Series:
    """Phonetic keys computed once per distinct word and looked up for every row.

    Given names and surnames repeat massively (a few thousand distinct words over millions of
    rows), so this runs the rule passes on the distinct values only; still whole-column work.
    """
    distinct = words.unique().drop_nulls()
    keys = distinct.to_frame("w").select(phonetic_key_expr("w")).to_series()
    return words.replace_strict(distinct, keys, default=None, return_dtype=pl.String)


def _word_key(word: pl.Expr) -> pl.Expr:
    return word.map_batches(_phonetic_of_unique, return_dtype=pl.String, is_elementwise=True)


def given_key_expr(col: IntoExpr) -> pl.Expr:
    """Phonetic key of the given name (last word of a full name)."""
    return _word_key(_expr(col).str.extract(r"(\S+)\s*$", 1))


def surname_key_expr(col: IntoExpr) -> pl.Expr:
    """Phonetic key of the surname (first word of a full name); null for one-word names."""
    return _word_key(_expr(col).str.extract(r"^\s*(\S+)\s+\S", 1))
