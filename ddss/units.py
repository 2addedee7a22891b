"""Vietnam's 2025 administrative units (34 provinces, 3,321 communes) and a place resolver.

DOMAIN.md "Administrative units": since 2025-07-01 there are 34 provinces and 3,321 communes
(2,621 xã, 687 phường, 13 đặc khu) and no districts; old addresses still name the 63 former
provinces, their districts and communes, and some old communes were split. The CSVs in
`ddss/data/` are built offline by `ddss/data/build_units.py` (origin and licence in
`ddss/data/SOURCES.md`), so nothing here needs the network or the source package.

`resolve_places` works on the distinct combinations of its source columns and parses a
source's texts only where earlier sources left the place open, so its cost grows with the
number of distinct place texts, not with the number of rows.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import polars as pl

from ddss import issues
from ddss.text import ascii_fold_expr

DATA_DIR = Path(__file__).resolve().parent / "data"

__all__ = [
    "DATA_DIR",
    "cccd_provinces",
    "communes",
    "old_units",
    "place_key_expr",
    "provinces",
    "resolve_places",
]


# --- the shipped tables ----------------------------------------------------------------------
def _read(name: str) -> pl.DataFrame:
    # Every column is text: codes keep their leading zeros ("01", "00004", "001").
    return pl.read_csv(DATA_DIR / name, infer_schema=False).with_columns(pl.all().replace("", None))


@cache
def provinces() -> pl.DataFrame:
    """34 provinces: `province_code` (2-digit 2025 code), `province_name`, `short_name`."""
    return _read("provinces.csv")


@cache
def communes() -> pl.DataFrame:
    """3,321 communes: `commune_code` (5 digits), `commune_name`, `commune_type`, `province_code`.

    `commune_type` is `xã`, `phường` or `đặc khu`.
    """
    return _read("communes.csv")


@cache
def old_units() -> pl.DataFrame:
    """Pre-2025 province/district/commune -> 2025 commune, one row per (old unit, new unit).

    An old commune split among several new communes has several rows. Island districts that
    had no communes (e.g. Côn Đảo) have a null `old_commune_name` and map to their đặc khu.
    Extra columns `old_province_code`, `old_district_code`, `old_commune_code` hold the
    pre-2025 GSO codes.
    """
    return _read("old_units.csv")


@cache
def cccd_provinces() -> pl.DataFrame:
    """63 pre-2025 province codes as used in CCCD numbers -> the 2025 province that absorbed it.

    DOMAIN.md "CCCD": `PPP` uses the pre-2025 codes with a leading 0 (001 Hà Nội ... 096 Cà
    Mau) and never changes with the merger; compare it with this table, never numerically
    with a 2025 code.
    """
    return _read("cccd_provinces.csv")


# --- comparison keys -------------------------------------------------------------------------
# Unit-type words that precede a name. Written with diacritics they are unambiguous; written
# without, "quan"/"xa"/"phuong" are also the start of real names (Quan Sơn, Phương Liệt), so
# the bare-ASCII list is applied only to text that has no diacritics at all.
_PREFIX_WORDS = ["thành phố", "thị trấn", "thị xã", "đặc khu", "tỉnh", "phường", "huyện", "quận", "xã"]
_PREFIX_ASCII = ["thanh pho", "thi tran", "thi xa", "dac khu", "tinh", "phuong", "huyen", "quan", "xa"]
_PREFIX_ABBREV = ["tp", "tx", "tt", "p", "x", "q", "h"]
# One pattern, one branch per case: an ASCII-only word strips only when the rest is ASCII too.
_STRIP = (
    rf"^(?:(?:{'|'.join(_PREFIX_WORDS + _PREFIX_ABBREV)}) (.+)"
    rf"|(?:{'|'.join(_PREFIX_ASCII)}) ([\x00-\x7F]+))$"
)

# Common short forms, as folded keys -> the folded key of the name in the data.
_ALIASES = {
    "hcm": "ho chi minh", "tphcm": "ho chi minh", "sai gon": "ho chi minh", "hn": "ha noi",
    "thua thien hue": "hue",  # renamed Thành phố Huế on 2025-01-01; CCCD code 046
    "brvt": "ba ria vung tau", "daklak": "dak lak", "dac lac": "dak lak", "daknong": "dak nong",
    "dac nong": "dak nong", "kontum": "kon tum",
}  # fmt: skip

# DOMAIN.md "Names": two tone-mark placements (hoà/hòa, thuý/thúy, khoẻ/khỏe) are both in use;
# the unit names in the data put the mark on the first vowel of a final oa/oe/uy.
# "oà " -> "òa " etc., matched with a trailing space (one is appended), so "hoàng" is left
# alone; "quý" keeps its mark on y because qu is one consonant.
_TONE_FIX = {
    f"{head}{toned} ": f"{tone_on_head}{plain} "
    for tones_on_tail, plain, head, tones_on_head in [
        ("àáảãạ", "a", "o", "òóỏõọ"),
        ("èéẻẽẹ", "e", "o", "òóỏõọ"),
        ("ỳýỷỹỵ", "y", "u", "ùúủũụ"),
    ]
    for toned, tone_on_head in zip(tones_on_tail, tones_on_head, strict=True)
} | {f"qu{toned} ": f"qu{toned} " for toned in "ỳýỷỹỵ"}


def _expr(col: str | pl.Expr) -> pl.Expr:
    return pl.col(col) if isinstance(col, str) else col


def _clean_text(col: str | pl.Expr) -> pl.Expr:
    """NFC, lower case, one tone style, no punctuation, no leading zeros, single spaces."""
    out = (
        _expr(col)
        .str.normalize("NFC")
        .str.to_lowercase()
        .str.replace_all("ð", "đ", literal=True)
        .str.replace_all(r"[^\p{L}\p{N}]+", " ")
        .str.strip_chars()
    )
    out = (out + " ").str.replace_many(_TONE_FIX, leftmost=True).str.strip_chars_end()
    return out.str.replace_all(r"(^| )0+(\d)", "${1}${2}")


def _strip_prefix(clean: pl.Expr) -> pl.Expr:
    return clean.str.replace(_STRIP, "${1}${2}")


_UNIT_TYPES = {
    "xã": "xã", "xa": "xã", "x": "xã", "phường": "phường", "phuong": "phường", "p": "phường",
    "thị trấn": "thị trấn", "thi tran": "thị trấn", "tt": "thị trấn",
    "đặc khu": "đặc khu", "dac khu": "đặc khu",
}  # fmt: skip


def _unit_type(clean: pl.Expr) -> pl.Expr:
    """The commune-level type written before a name (xã, phường, thị trấn, đặc khu), else null."""
    prefix = clean.str.head(clean.str.len_chars() - _strip_prefix(clean).str.len_chars()).str.strip_chars()
    return prefix.replace_strict(_UNIT_TYPES, default=None, return_dtype=pl.String)


def _fold(clean: pl.Expr) -> pl.Expr:
    folded = ascii_fold_expr(clean)
    return folded.replace(list(_ALIASES), list(_ALIASES.values()))


def place_key_expr(col: str | pl.Expr) -> pl.Expr:
    """Comparison key for a place name: no unit-type prefix, diacritics, case or punctuation.

    "TP. Hồ Chí Minh", "ho chi minh" and "HCM" share a key; so do "Phường 01" and "phường 1".
    Folding loses distinctions the data needs (Xã Văn Lang / Xã Văn Lăng are both in Thái
    Nguyên), so `resolve_places` tries the accented form first and this key second.
    """
    return _fold(_strip_prefix(_clean_text(col)))


def _long_keys(frame: pl.DataFrame, col: str, index: list[str]) -> pl.DataFrame:
    """One row per (input, level, key), levels tried in order: accented without/with prefix,
    folded without/with prefix; `kind` says which reference key (`a`/`f`) it compares with.

    Text typed without any diacritics skips the accented levels: "Thanh An" then matches both
    Xã Thanh An and Xã Thạnh An (TP HCM), which is ambiguous, not an exact match.
    """
    staged = (
        frame.with_columns(k2=_clean_text(col))
        .with_columns(k1=_strip_prefix(pl.col("k2")), __ascii=~pl.col("k2").str.contains(r"[^\x00-\x7F]"))
        .with_columns(k3=_fold(pl.col("k1")), k4=_fold(pl.col("k2")))
    )
    levels = ["k1", "k2", "k3", "k4"]
    accented = pl.col("level").is_in(["k1", "k2"])
    return (
        staged.unpivot(on=levels, index=[*index, "__ascii"], variable_name="level", value_name="key")
        .filter(pl.col("key").is_not_null() & (pl.col("key") != "") & ~(accented & pl.col("__ascii")))
        .select(*index, "level", "key", kind=pl.when(accented).then(pl.lit("a")).otherwise(pl.lit("f")))
        .unique()
    )


def _reference_keys(frame: pl.DataFrame, name_col: str, keep: list[str]) -> pl.DataFrame:
    """Accented (`a`) and folded (`f`) keys of reference names, prefix removed."""
    stripped = _strip_prefix(_clean_text(name_col))
    return pl.concat(
        [
            frame.select(*keep, key=stripped, kind=pl.lit("a")),
            frame.select(*keep, key=_fold(stripped), kind=pl.lit("f")),
        ]
    ).unique()


@cache
def _province_ref() -> pl.DataFrame:
    names = pl.concat(
        [
            provinces().select("province_code", name="province_name", current=pl.lit(True)),
            provinces().select("province_code", name="short_name", current=pl.lit(True)),
            cccd_provinces().select(
                province_code="new_province_code", name="old_province_name", current=pl.lit(False)
            ),
        ]
    )
    return _reference_keys(names, "name", ["province_code", "current"])


@cache
def _commune_ref() -> pl.DataFrame:
    keep = ["province_code", "commune_code", "unit_type"]
    return _reference_keys(communes().rename({"commune_type": "unit_type"}), "commune_name", keep)


@cache
def _old_ref() -> pl.DataFrame:
    named = old_units().filter(pl.col("old_commune_name").is_not_null())
    return _reference_keys(
        named.with_columns(
            district_key=place_key_expr("old_district_name"),
            unit_type=_unit_type(_clean_text("old_commune_name")),
        ),
        "old_commune_name",
        ["district_key", "new_province_code", "new_commune_code", "unit_type"],
    ).rename({"new_province_code": "province_code", "new_commune_code": "commune_code"})


# --- resolution ------------------------------------------------------------------------------
# A unit word inside a text starts a new part: "Hội LHPN xã An Phú huyện X" -> "..., xã An Phú, ...".
# Only accented words (and TP, P., Q.), so plain syllables inside names ("Xa", "Tinh") never split.
_UNIT_WORDS = ["thị trấn", "thị xã", "xã", "phường", "đặc khu", "quận", "huyện", "tỉnh", "thành phố", "tp"]
# Case variants spelled out: a case-insensitive Unicode regex is several times slower.
_BEFORE_UNIT = (
    r"(^|\s+)("
    + "|".join(sorted({f(w) for w in _UNIT_WORDS for f in (str.lower, str.capitalize, str.title, str.upper)}))
    + r"|[pqxhPQXH]\.)(\.|\s|\d)"
)
# A part's level from its first word; unaccented words count only in an all-ASCII part (as _STRIP).
_KIND = {
    "c": r"(?i)^(?:(?:xã|phường|thị trấn|đặc khu)\s|(?:p|x|tt)[\s.]"
    r"|(?:xa|phuong|thi tran|dac khu)\s[\x00-\x7F]+$)",
    "d": r"(?i)^(?:(?:quận|huyện|thị xã)\s|(?:q|h|tx)[\s.]|(?:quan|huyen|thi xa)\s[\x00-\x7F]+$)",
    # a city: the province when it is the last part, else a district-level city (TP Thủ Đức)
    "p": r"(?i)^(?:(?:tỉnh|thành phố)\s|tp[\s.]|(?:tinh|thanh pho)\s[\x00-\x7F]+$)",
}
_COUNTRY = r"(?i)^(?:việt nam|viet ?nam)$"


def _nfc(values: pl.Series) -> pl.DataFrame:
    """Distinct values with an NFC `text`; only those holding combining marks are normalised
    (normalising every value is the slowest step on large, mostly-NFC columns)."""
    frame = pl.DataFrame({"value": values.unique().drop_nulls()})
    nfd = pl.col("value").str.contains(r"\p{M}")
    return pl.concat(
        [
            frame.filter(~nfd).with_columns(text=pl.col("value")),
            frame.filter(nfd).with_columns(text=pl.col("value").str.normalize("NFC")),
        ]
    )


def _parse_places(values: pl.Series) -> pl.DataFrame:
    """Split each text into address parts and pick its province, district and commune part.

    Vietnamese addresses run from small to large ("Thôn 3, Xã An Phú, Huyện X, Tỉnh Y"), so the
    province is the last part (unless it is written as a commune or district), the commune is
    the first part written with a commune-type word, or in a two-part text without one, the
    first part; a lone district name is not taken for a commune, and a longer text with no
    type words is not guessed.
    """
    part_kind = pl.when(pl.col("part").str.contains(_KIND["c"])).then(pl.lit("c"))
    part_kind = part_kind.when(pl.col("part").str.contains(_KIND["d"])).then(pl.lit("d"))
    part_kind = part_kind.when(pl.col("part").str.contains(_KIND["p"])).then(pl.lit("p"))
    parts = (
        _nfc(values)
        .select("value", part=pl.col("text").str.replace_all(_BEFORE_UNIT, ", $2$3"))
        .with_columns(pl.col("part").str.replace_all(";", ",", literal=True).str.split(","))
        .explode("part")
        .with_columns(pl.col("part").str.strip_chars(" \t\r\n-–.:/()"))
        .filter((pl.col("part") != "") & ~pl.col("part").str.contains(_COUNTRY))
        .with_columns(kind=part_kind)
    )
    n = pl.col("n")
    kind = pl.col("kind").fill_null("")
    not_last = pl.int_range(pl.len()) < pl.len() - 1
    return (
        parts.group_by("value")
        .agg(
            n=pl.len(),
            first_part=pl.col("part").first(),
            first_kind=kind.first(),
            last_part=pl.col("part").last(),
            last_kind=kind.last(),
            commune_part=pl.col("part").filter(kind == "c").first(),
            district_text=pl.col("part").filter((kind == "d") | ((kind == "p") & not_last)).first(),
        )
        .select(
            "value",
            "district_text",
            address_province=pl.when((n > 1) & pl.col("last_kind").is_in(["", "p"])).then("last_part"),
            single=pl.when(n == 1).then("first_part"),
            typed=pl.col("commune_part").is_not_null(),
            commune_text=pl.coalesce(
                "commune_part", pl.when((n <= 2) & (pl.col("first_kind") == "")).then("first_part")
            ),
        )
    )


def _best_codes(
    keys: pl.DataFrame, ref: pl.DataFrame, by: list[str], code: str, keep: pl.Expr, **more: pl.Expr
) -> pl.DataFrame:
    """Codes matched at the first key level that matches anything, per `by` group."""
    matched = keys.join(ref, on=["kind", "key"], how="inner", suffix="_ref").filter(keep)
    return (
        matched.filter(pl.col("level") == pl.col("level").min().over(by))
        .group_by(by)
        .agg(pl.col(code).unique().sort().alias("codes"), **more)
    )


def _province_answers(texts: pl.Series) -> pl.DataFrame:
    """text -> province code when exactly one province matches, an ambiguity flag, and `old`:
    the text is a pre-2025 province name only (Hải Dương, Bắc Giang), a sign of an old address."""
    frame = pl.DataFrame({"text": texts.unique().drop_nulls()})
    keys = _long_keys(frame, "text", ["text"])
    old = ~pl.col("current").any()
    best = _best_codes(keys, _province_ref(), ["text"], "province_code", pl.lit(True), old=old)
    return best.select(
        "text",
        "old",
        code=pl.when(pl.col("codes").list.len() == 1).then(pl.col("codes").list.first()),
        ambiguous=pl.col("codes").list.len() > 1,
    )


_COMMUNE_BY = ["p", "commune_text", "district_text", "old_style"]


def _commune_answers(texts: pl.DataFrame) -> pl.DataFrame:
    """(province, commune text, district text, old style) -> commune code and flags.

    New names are tried first, old (pre-2025) names second; in an old-style address (it names
    a district, or its province by a pre-2025 name) old names, narrowed to that district, are
    tried first. Without a province, new and old names are pooled, so any second candidate
    makes it ambiguous. A current name whose old namesake went (partly) to another unit is
    resolved but flagged (`also_old`): in a pre-2025 file it may mean that other unit.
    """
    texts = texts.with_columns(
        district_key=place_key_expr("district_text"), in_type=_unit_type(_clean_text("commune_text"))
    )
    keys = _long_keys(texts, "commune_text", [*_COMMUNE_BY, "district_key", "in_type"])
    in_province = pl.col("p").is_null() | (pl.col("p") == pl.col("province_code"))
    same_district = pl.col("district_key").is_null() | (pl.col("district_key") == pl.col("district_key_ref"))
    # The written type (Phường Trần Phú is not Xã Trần Phú; thị trấn are all pre-2025) picks
    # among candidates when any candidate has it; a wrong type alone does not reject a name.
    typed = pl.col("commune_code").filter(pl.col("unit_type") == pl.col("in_type")).unique().sort()
    new = _best_codes(keys, _commune_ref(), _COMMUNE_BY, "commune_code", in_province, typed=typed)
    old = _best_codes(keys, _old_ref(), _COMMUNE_BY, "commune_code", in_province & same_district, typed=typed)
    empty = pl.lit([], dtype=pl.List(pl.String))
    renames = [{"codes": f"{t}_all", "typed": f"{t}_typed"} for t in ("new", "old")]
    joined = (
        texts.select(_COMMUNE_BY)
        .join(new.rename(renames[0]), on=_COMMUNE_BY, how="left", nulls_equal=True)
        .join(old.rename(renames[1]), on=_COMMUNE_BY, how="left", nulls_equal=True)
        .with_columns(pl.col("new_all", "new_typed", "old_all", "old_typed").fill_null(empty))
    )
    any_typed = (pl.col("new_typed").list.len() + pl.col("old_typed").list.len()) > 0
    joined = joined.with_columns(
        new=pl.when(any_typed).then("new_typed").otherwise("new_all"),
        old=pl.when(any_typed).then("old_typed").otherwise("old_all"),
    )
    has_old = pl.col("old").list.len() > 0
    use_old = has_old & (pl.col("old_style") | (pl.col("new").list.len() == 0))
    # Province unknown: a name that is new in one province and old in another is ambiguous.
    both = pl.concat_list("new", "old").list.unique().list.sort()
    codes = pl.when(use_old).then("old").when(pl.col("p").is_null()).then(both).otherwise("new")
    code = pl.when(codes.list.len() == 1).then(codes.list.first())
    return joined.select(
        *_COMMUNE_BY,
        code=code,
        ambiguous=codes.list.len() > 1,
        from_old=(codes.list.len() == 1) & ~pl.col("new").list.contains(code),
        # Resolved by its current name, but an old unit of that name went (partly) elsewhere.
        also_old=~use_old
        & (codes.list.len() == 1)
        & (pl.col("old").list.set_difference("new").list.len() > 0),
    )


def _parse_with_provinces(values: pl.Series) -> pl.DataFrame:
    """`_parse_places` plus the province each text names: `own_*` by the whole text or an
    address's last part (for province sources), `address_province_*` by the last part only."""
    parsed = _parse_places(values)
    answers = _province_answers(pl.concat([parsed["single"], parsed["address_province"]]))
    for part in ("single", "address_province"):
        renamed = answers.rename(
            {"text": part, "code": f"{part}_code", "ambiguous": f"{part}_amb", "old": f"{part}_old"}
        )
        parsed = parsed.join(renamed, on=part, how="left")
    return parsed.with_columns(
        own_code=pl.coalesce("single_code", "address_province_code"),
        own_amb=pl.coalesce("single_amb", "address_province_amb"),
        own_old=pl.coalesce("single_old", "address_province_old"),
        # A bare province name is not read as a commune (50 communes share one, e.g. Phường
        # Lào Cai); written "Phường Lào Cai" it is.
        commune_text=pl.when(pl.col("typed") | pl.col("single_code").is_null()).then("commune_text"),
    )


def _take_first(done: str, found: pl.Expr, updates: dict[str, pl.Expr]) -> list[pl.Expr]:
    """Update columns only on combinations not yet `done` where this source `found` a unit."""
    fresh = pl.col(done).is_null() & found
    return [pl.when(fresh).then(value).otherwise(pl.col(name)).alias(name) for name, value in updates.items()]


def _resolve_combos(
    combos: pl.DataFrame, src: dict[str, str], province_sources: list[str], commune_sources: list[str]
) -> pl.DataFrame:
    """The resolution proper, on the distinct combinations of source texts (keyed by `__h`).

    Sources are taken one at a time and a source's texts are parsed only for combinations
    that earlier sources left unresolved, so a long address column costs little when the
    commune column already answers.
    """
    parsed_by_source: dict[str, pl.DataFrame] = {}

    def parse(name: str, rows: pl.DataFrame) -> pl.DataFrame:
        # each distinct text of a source is parsed once, even if both loops need it
        done = parsed_by_source.get(name, _parse_with_provinces(pl.Series([], dtype=pl.String)))
        values = rows[src[name]].unique().drop_nulls()
        fresh = _parse_with_provinces(values.filter(~values.is_in(done["value"].implode())))
        parsed_by_source[name] = pl.concat([done, fresh])
        return parsed_by_source[name]

    none = pl.lit(None, dtype=pl.String)
    out = combos.with_columns(__p=none, __psrc=none, __pamb=pl.lit(False), __pold=pl.lit(None, pl.Boolean))
    # Province sources give a province by their whole text or an address's last part; commune
    # sources only by an address's last part.
    steps = [(s, "own") for s in province_sources] + [(s, "address_province") for s in commune_sources]
    for name, which in steps:
        parsed = parse(name, out.filter(pl.col("__p").is_null()))
        found = parsed.select(
            pl.col("value").alias(src[name]),
            __code=f"{which}_code",
            __amb=pl.col(f"{which}_amb").fill_null(False),
            __old=f"{which}_old",
        )
        out = out.join(found, on=src[name], how="left")
        hit = pl.col("__code").is_not_null()
        updates = {"__psrc": pl.lit(name), "__pold": pl.col("__old"), "__p": pl.col("__code")}
        out = out.with_columns(
            *_take_first("__p", hit, updates),
            __pamb=pl.col("__pamb") | (pl.col("__p").is_null() & pl.col("__amb").fill_null(False)),
        ).drop("__code", "__amb", "__old")

    out = out.with_columns(
        commune_code=none, commune_source=none, __camb=pl.lit(False), __cold=pl.lit(False), __cx=pl.lit(False)
    )
    temp = ["__q", "commune_text", "district_text", "old_style"]
    for name in commune_sources:
        todo = out.filter(pl.col("commune_code").is_null())
        parsed = parse(name, todo)
        texts = parsed.select(
            pl.col("value").alias(src[name]),
            "commune_text",
            "district_text",
            __own="address_province_code",
            __own_old="address_province_old",
        )
        # A full address that names its own province is looked up there; else the row's province.
        todo = todo.join(texts, on=src[name], how="inner").with_columns(
            __q=pl.coalesce("__own", "__p"),
            old_style=pl.col("district_text").is_not_null()
            | pl.when(pl.col("__own").is_not_null()).then("__own_old").otherwise("__pold").fill_null(False),
        )
        triples = todo.select(temp).unique().drop_nulls("commune_text").rename({"__q": "p"})
        answers = _commune_answers(triples).rename({"p": "__q"})
        found = todo.join(answers, on=temp, how="inner", nulls_equal=True).select(
            "__h", "code", "ambiguous", "from_old", "also_old"
        )
        out = out.join(found, on="__h", how="left")
        updates = {
            "commune_source": pl.lit(name),
            "__cold": pl.col("from_old"),
            "__cx": pl.col("also_old"),
            "commune_code": pl.col("code"),
        }
        out = out.with_columns(
            *_take_first("commune_code", pl.col("code").is_not_null(), updates),
            __camb=pl.col("__camb")
            | (pl.col("commune_code").is_null() & pl.col("ambiguous").fill_null(False)),
        ).drop("code", "ambiguous", "from_old", "also_old")
    # A resolved commune fixes its province (each commune lies in exactly one).
    commune_province = pl.col("commune_code").replace_strict(
        communes()["commune_code"], communes()["province_code"], default=None
    )
    out = out.with_columns(
        province_code=pl.coalesce(commune_province, "__p"),
        province_source=pl.when(
            pl.col("commune_code").is_not_null() & (commune_province != pl.col("__p").fill_null(""))
        )
        .then("commune_source")
        .otherwise("__psrc"),
    )
    no_province = pl.col("province_code").is_null()
    no_commune = pl.col("commune_code").is_null()
    flags = [
        (no_province & ~pl.col("__pamb").fill_null(False), issues.PROVINCE_UNKNOWN),
        (no_province & pl.col("__pamb").fill_null(False), issues.PROVINCE_AMBIGUOUS),
        (no_commune & ~pl.col("__camb").fill_null(False), issues.COMMUNE_UNKNOWN),
        (no_commune & pl.col("__camb").fill_null(False), issues.COMMUNE_AMBIGUOUS),
        (pl.col("__cold").fill_null(False), issues.COMMUNE_FROM_OLD_NAME),
        (pl.col("__cx").fill_null(False), issues.COMMUNE_NAME_ALSO_OLD),
    ]
    place_issues = pl.concat_list(
        pl.when(cond).then(pl.lit(code)).otherwise(pl.lit(None, dtype=pl.String)) for cond, code in flags
    ).list.drop_nulls()
    return out.with_columns(place_issues=place_issues).select("__h", *src.values(), *_RESULT_COLUMNS)


_RESULT_COLUMNS = ("province_code", "commune_code", "place_issues", "province_source", "commune_source")


def resolve_places(
    frame: pl.DataFrame, *, province_sources: list[str], commune_sources: list[str]
) -> pl.DataFrame:
    """Add 2025 `province_code`, `commune_code`, `place_issues`, `province_source`, `commune_source`.

    Sources are text columns in priority order (the row's own columns, then title hint, then
    folder hint); the first that resolves to exactly one unit wins, and an ambiguous name is
    flagged, never guessed (CONTRACT.md "Where a member row sits"). Provinces come from the
    province sources, then from the province part of full addresses in commune sources. A
    commune is looked up in the province its own address names, else the row's province,
    else in all provinces; a resolved commune sets the province. Old (pre-2025) names go
    through `old_units` (DOMAIN.md "Administrative units": some old communes were split, and
    those stay null with `commune_ambiguous`); a current name that an old unit elsewhere also
    bore is resolved with `commune_name_also_old`. `province_source` / `commune_source` name
    the column that resolved, so the caller can add `place_from_title` / `place_from_folder`.
    Work is done once per distinct combination of source texts, then joined back.
    """
    sources = list(dict.fromkeys(province_sources + commune_sources))
    src = {s: f"__src_{i}" for i, s in enumerate(sources)}
    texts = frame.select(pl.col(s).cast(pl.String).alias(c) for s, c in src.items())
    if not sources:
        texts = pl.DataFrame({"__src": [None] * frame.height}, schema={"__src": pl.String})
        src = {"__src": "__src"}
    # Rows are matched to their combination by a 64-bit hash (a join on several string columns
    # is the slowest step at 1M rows); the texts are compared after the join, so a collision
    # could only leave a row unresolved, never give it another row's place.
    keyed = texts.with_columns(__h=pl.struct(list(src.values())).hash())
    placed = _resolve_combos(keyed.unique("__h"), src, province_sources, commune_sources)
    joined = keyed.join(placed, on="__h", how="left", suffix="__c", maintain_order="left")
    same = pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"{c}__c")) for c in src.values())
    joined = joined.with_columns(
        pl.when(same).then(c) for c in ("province_code", "commune_code", "province_source", "commune_source")
    ).with_columns(
        place_issues=pl.when(same)
        .then("place_issues")
        .otherwise(pl.lit([issues.PROVINCE_UNKNOWN, issues.COMMUNE_UNKNOWN], dtype=pl.List(pl.String)))
    )
    return frame.drop(_RESULT_COLUMNS, strict=False).hstack(joined.select(_RESULT_COLUMNS))
