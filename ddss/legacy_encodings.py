"""Mapping tables for the pre-Unicode Vietnamese encodings still found in spreadsheets.

DOMAIN.md "Names": TCVN3/ABC (.VnTime fonts; .VnTimeH caps fonts reuse the lowercase codes;
ư is 0xAD, a soft hyphen some tools strip), VNI (two characters per letter as VNI-font bytes
read as Windows-1252) and VIQR (ASCII: `Nguye^~n`, `dd` for đ). The tables are derived from
the 134 Unicode letters (12 vowels x 6 tones + đ, both cases) and each encoding's definition,
so every letter is covered by construction. `encode_*` are pure Python and exist only to make
realistic damaged text for the demo-data generator and the tests; decoding is vectorised in
`ddss.text`.
"""

from __future__ import annotations

import unicodedata

# Tone order used by every table: none, huyền, hỏi, ngã, sắc, nặng.
TONE_MARKS = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
BASE_VOWELS = ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")


def _compose(base: str, tone: int) -> str:
    return unicodedata.normalize("NFC", base + TONE_MARKS[tone])


def vietnamese_letters() -> list[str]:
    """The 134 non-ASCII Vietnamese letters (lower then upper), NFC."""
    lower = [
        _compose(base, tone)
        for base in BASE_VOWELS
        for tone in range(6)
        if not (tone == 0 and base in "aeiouy")
    ]
    lower.append("đ")
    return lower + [letter.upper() for letter in lower]


# --- TCVN3 (TCVN 5712:1993, VN3) -----------------------------------------------------------
# Byte codes per base vowel in tone order. VN3 only has lowercase toned letters; capitals
# exist only for the seven modified letters (Ă Â Ê Ô Ơ Ư Đ = 0xA1..0xA7).
_TCVN3_ROWS: dict[str, tuple[int, ...]] = {
    "a": (0x61, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xA8, 0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xA9, 0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0x65, 0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xAA, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0x69, 0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0x6F, 0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xAB, 0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xAC, 0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0x75, 0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xAD, 0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0x79, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
_TCVN3_CAPS = {"Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7}
TCVN3_SOFT_HYPHEN = "\xad"  # the code of ư


def _tcvn3_lower() -> dict[str, str]:
    table = {
        _compose(base, tone): chr(code)
        for base, codes in _TCVN3_ROWS.items()
        for tone, code in enumerate(codes)
        if code >= 0x80
    }
    table["đ"] = chr(0xAE)
    return table


TCVN3_ENCODE_LOWER: dict[str, str] = _tcvn3_lower()
# Unicode -> TCVN3 text as seen when the bytes are read as Latin-1/Windows-1252 (identical
# in 0xA0..0xFF). Capitals without a code fall back to the lowercase code, as ABC typists'
# tools produce in a .VnTime font; case is restored later by name normalisation.
TCVN3_ENCODE: dict[str, str] = {
    **TCVN3_ENCODE_LOWER,
    **{k.upper(): v for k, v in TCVN3_ENCODE_LOWER.items()},
    **{k: chr(v) for k, v in _TCVN3_CAPS.items()},
}
TCVN3_DECODE: dict[str, str] = {
    **{v: k for k, v in TCVN3_ENCODE_LOWER.items()},
    **{chr(v): k for k, v in _TCVN3_CAPS.items()},
}

# --- VNI (VNI-Windows fonts read as Windows-1252) ------------------------------------------
# A letter is the ASCII base, then one mark character (the case of the base). ơ ư đ and the
# toned i/ỵ are single characters.
_VNI_TONES_LOWER = ("", "ø", "û", "õ", "ù", "ï")
_VNI_TONES_UPPER = ("", "Ø", "Û", "Õ", "Ù", "Ï")
_VNI_CIRCUMFLEX_LOWER = ("â", "à", "å", "ã", "á", "ä")  # â and â + each tone
_VNI_CIRCUMFLEX_UPPER = ("Â", "À", "Å", "Ã", "Á", "Ä")
_VNI_BREVE_LOWER = ("ê", "è", "ú", "ü", "é", "ë")
_VNI_BREVE_UPPER = ("Ê", "È", "Ú", "Ü", "É", "Ë")
_VNI_I_LOWER = ("i", "ì", "æ", "ó", "í", "ò")
_VNI_I_UPPER = ("I", "Ì", "Æ", "Ó", "Í", "Ò")


def _vni_letter(base: str, tone: int, upper: bool) -> str:
    tones = _VNI_TONES_UPPER if upper else _VNI_TONES_LOWER
    circ = _VNI_CIRCUMFLEX_UPPER if upper else _VNI_CIRCUMFLEX_LOWER
    breve = _VNI_BREVE_UPPER if upper else _VNI_BREVE_LOWER
    case = str.upper if upper else str.lower
    if base == "i":
        return (_VNI_I_UPPER if upper else _VNI_I_LOWER)[tone]
    if base == "y" and tone == 5:
        return "Î" if upper else "î"
    if base in "âêô":
        return case(unicodedata.normalize("NFD", base)[0]) + circ[tone]
    if base == "ă":
        return case("a") + breve[tone]
    if base == "ơ":
        return case("ô") + tones[tone]
    if base == "ư":
        return case("ö") + tones[tone]
    return case(base) + tones[tone]


def _vni_table() -> dict[str, str]:
    table = {"đ": "ñ", "Đ": "Ñ"}
    for base in BASE_VOWELS:
        for tone in range(6):
            if tone == 0 and base in "aeiouy":
                continue
            letter = _compose(base, tone)
            table[letter] = _vni_letter(base, tone, upper=False)
            table[letter.upper()] = _vni_letter(base, tone, upper=True)
    return table


VNI_ENCODE: dict[str, str] = _vni_table()
VNI_DECODE: dict[str, str] = {v: k for k, v in VNI_ENCODE.items()}

# --- VIQR (RFC 1456): letter, modifier ( ^ +, then tone ` ? ~ ' . ; dd for đ ----------------
_VIQR_TONES = ("", "`", "?", "~", "'", ".")
_VIQR_MODIFIER = {"ă": "(", "â": "^", "ê": "^", "ô": "^", "ơ": "+", "ư": "+"}


def _viqr_tables() -> tuple[dict[str, str], dict[str, str]]:
    encode = {"đ": "dd", "Đ": "DD"}
    decode = {"dd": "đ", "DD": "Đ", "Dd": "Đ", "d9": "đ", "D9": "Đ"}
    for base in BASE_VOWELS:
        plain = unicodedata.normalize("NFD", base)[0]
        modifier = _VIQR_MODIFIER.get(base, "")
        for tone in range(6):
            letter = _compose(base, tone)
            for case_letter, case_plain in ((letter, plain), (letter.upper(), plain.upper())):
                seq = case_plain + modifier + _VIQR_TONES[tone]
                if seq == case_plain:
                    continue
                encode[case_letter] = seq
                decode[seq] = case_letter
                if modifier and tone:  # some writers type the tone before the modifier
                    decode[case_plain + _VIQR_TONES[tone] + modifier] = case_letter
    for char in "(^+`?~'.\\":  # RFC 1456 escapes a literal mark with a backslash
        decode["\\" + char] = char
    return encode, decode


VIQR_ENCODE, VIQR_DECODE = _viqr_tables()


def _encode(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(char, char) for char in unicodedata.normalize("NFC", text))


def encode_tcvn3(text: str, caps_font: bool = False) -> str:
    """Unicode -> TCVN3 as read through Latin-1 (for test and demo data only).

    `caps_font=True` mimics .VnTimeH fonts: the text is typed in capitals, and every
    Vietnamese capital is stored with the lowercase code (the font draws it as a capital).
    """
    if caps_font:
        text = unicodedata.normalize("NFC", text).upper()
        return "".join(TCVN3_ENCODE_LOWER.get(char.lower(), char) for char in text)
    return _encode(text, TCVN3_ENCODE)


def encode_vni(text: str) -> str:
    """Unicode -> VNI-Windows as read through Windows-1252 (for test and demo data only)."""
    return _encode(text, VNI_ENCODE)


def encode_viqr(text: str) -> str:
    """Unicode -> VIQR ASCII (for test and demo data only)."""
    return _encode(text, VIQR_ENCODE)
