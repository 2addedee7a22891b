"""What a cadre actually typed: damaged CCCDs, names, dates, sex marks and phones.

Every damage listed in DOMAIN.md is produced here, over whole columns: per-row draws come
from numpy, per-sheet habits (all caps, NFD from a Mac, numbers instead of text, a legacy
font) come in as `s_*` columns from the sheet plan. Each row records what was done (tags,
the written CCCD kind and its expected `cccd_status`) so the truth can score the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ddss.legacy_encodings import encode_tcvn3, encode_viqr, encode_vni

# Written CCCD kinds and the status the pipeline should give them (DOMAIN.md "CCCD").
CCCD_KINDS = (
    "missing", "lost_zero", "sci_notation", "typo", "transposition", "other_person", "cmnd9",
    "cmnd12", "separators", "ok",
)  # fmt: skip


@dataclass(frozen=True)
class DamageRates:
    """Row and sheet damage shares for one profile."""

    cccd: tuple[float, ...]  # shares for CCCD_KINDS[:-1]; "ok" takes the rest
    name_caps: float
    name_no_diacritics: float
    name_eth: float
    name_spaces: float
    date_missing: float
    date_odd: float
    sex_missing: float
    dup_copy_no_cccd: float


DAMAGE = {
    # ~30 % missing CCCD: DOMAIN.md, 66.35 % of Women's Union rows have one.
    "standard": DamageRates((0.30, 0.03, 0.015, 0.015, 0.01, 0.005, 0.02, 0.003, 0.03), 0.03, 0.03, 0.4, 0.04,
                            0.02, 0.05, 0.02, 0.5),
    "hard": DamageRates((0.34, 0.06, 0.03, 0.03, 0.02, 0.01, 0.04, 0.006, 0.05), 0.06, 0.08, 0.6, 0.08,
                        0.04, 0.12, 0.04, 0.7),
}  # fmt: skip

# Traditional (canonical) -> modern tone placement on final oa/oe/uy (DOMAIN.md "Names").
_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
_PAIRS = [("o", "a"), ("o", "e"), ("u", "y")]


def _tone_tables() -> tuple[list[str], list[str]]:
    import unicodedata

    src, dst = [], []
    for first, second in _PAIRS:
        for tone in _TONES:
            for case in (str.lower, str.upper):
                a = unicodedata.normalize("NFC", case(first) + tone) + case(second)
                b = case(first) + unicodedata.normalize("NFC", case(second) + tone)
                src.append(a)
                dst.append(b)
    return src, dst


TONE_SRC, TONE_DST = _tone_tables()


def _pick(rng: np.random.Generator, n: int, shares: tuple[float, ...], names: tuple[str, ...]) -> np.ndarray:
    cum = np.cumsum(shares)
    return np.array(names, dtype=object)[np.searchsorted(cum, rng.random(n), side="right")]


def _digits_edit(rng: np.random.Generator, cccd: np.ndarray, transpose: bool) -> np.ndarray:
    """One wrong digit, or two neighbours swapped, in 12-digit strings (vectorised on bytes)."""
    if len(cccd) == 0:
        return cccd.astype(object)
    m = np.frombuffer(np.array(cccd, dtype="S12").tobytes(), dtype=np.uint8).reshape(-1, 12).copy()
    rows = np.arange(len(m))
    pos = rng.integers(3, 11 if transpose else 12, len(m))
    if transpose:
        a, b = m[rows, pos].copy(), m[rows, pos + 1].copy()
        same = a == b
        m[rows, pos], m[rows, pos + 1] = b, a
        m[rows[same], pos[same]] = (m[rows[same], pos[same]] - 48 + 1) % 10 + 48  # swap of equals: nudge
    else:
        m[rows, pos] = (m[rows, pos] - 48 + rng.integers(1, 10, len(m))) % 10 + 48
    return np.frombuffer(m.tobytes(), dtype="S12").astype(str).astype(object)


def cccd_columns(rng: np.random.Generator, rows: pl.DataFrame, rates: DamageRates) -> pl.DataFrame:
    """`w_cccd` (text as typed), `w_cccd_num` (write as a number cell), `cccd_kind`, `cccd_status`."""
    from ddss import units

    n = len(rows)
    kind = _pick(rng, n, rates.cccd, CCCD_KINDS)
    has = rows["cccd"].is_not_null().to_numpy()
    copy_drop = (rows["copy_no"].to_numpy() > 0) & (rng.random(n) < rates.dup_copy_no_cccd)
    kind = np.where(copy_drop, "missing", kind)
    # No CCCD at all: the old CMND or nothing.
    kind = np.where(
        ~has & ~np.isin(kind, ["cmnd9", "missing"]), np.where(rng.random(n) < 0.5, "cmnd9", "missing"), kind
    )
    numeric_sheet = rows["s_numeric_cccd"].to_numpy()
    kind = np.where(numeric_sheet & (kind == "ok"), "lost_zero", kind)
    true = rows["cccd"].fill_null("000000000000").to_numpy().astype(str)
    typo = _digits_edit(rng, true, transpose=False)
    swap = _digits_edit(rng, true, transpose=True)
    pool = rows["cccd"].drop_nulls().to_numpy()
    other = rng.choice(pool, n) if len(pool) else true
    cmnd9 = np.char.zfill(rng.integers(10_000_000, 389_999_999, n).astype(str), 9)
    non_ppp = np.array(["003", "005", "007", "009", "013", "016", "018", "021"])
    # 12-digit CMND (2012-2016): G YY like a CCCD of someone born in the 1900s, PPP not a CCCD code.
    year = rows["birth_year"].to_numpy()
    g_yy = ((rows["sex"].to_numpy() == "F").astype(np.int64) * 100 + year % 100).astype(str)
    cmnd12 = np.char.add(
        np.char.add(rng.choice(non_ppp, n), np.char.zfill(g_yy, 3)),
        np.char.zfill(rng.integers(0, 1_000_000, n).astype(str), 6),
    )
    sep_style = rng.integers(0, 5, n)
    codes = units.cccd_provinces()["cccd_code"].to_list()
    frame = rows.select("cccd", "sex", "birth_year").with_columns(
        kind=pl.Series(kind, dtype=pl.String),
        typo=pl.Series(typo, dtype=pl.String),
        swap=pl.Series(swap, dtype=pl.String),
        other=pl.Series(other, dtype=pl.String),
        cmnd9=pl.Series(cmnd9.astype(object), dtype=pl.String),
        cmnd12=pl.Series(cmnd12.astype(object), dtype=pl.String),
        sep=pl.Series(sep_style),
        numeric=pl.Series(numeric_sheet),
    )
    c = pl.col("cccd")
    stripped = c.str.strip_chars_start("0")
    value = stripped.cast(pl.Float64)
    exp = value.log10().floor().cast(pl.Int32)
    mant = (value / pl.lit(10.0).pow(exp - 5)).round(0).cast(pl.Int64).cast(pl.String)
    sci = pl.format("{}.{}E+{}", mant.str.slice(0, 1), mant.str.slice(1, 5), exp.cast(pl.String).str.zfill(2))
    separated = (
        pl.when(pl.col("sep") == 0)
        .then(
            pl.format(
                "{} {} {} {}", c.str.slice(0, 3), c.str.slice(3, 3), c.str.slice(6, 3), c.str.slice(9, 3)
            )
        )
        .when(pl.col("sep") == 1)
        .then(
            pl.format(
                "{}.{}.{}.{}", c.str.slice(0, 3), c.str.slice(3, 3), c.str.slice(6, 3), c.str.slice(9, 3)
            )
        )
        .when(pl.col("sep") == 2)
        .then(pl.format("{}-{}-{}", c.str.slice(0, 3), c.str.slice(3, 3), c.str.slice(6, 6)))
        .when(pl.col("sep") == 3)
        .then(pl.lit("'") + c)
        .otherwise(pl.format(" {} ", c))
    )
    k = pl.col("kind")
    written = (
        pl.when(k == "lost_zero").then(stripped)
        .when(k == "sci_notation").then(sci)
        .when(k == "typo").then(pl.col("typo"))
        .when(k == "transposition").then(pl.col("swap"))
        .when(k == "other_person").then(pl.col("other"))
        .when(k == "cmnd9").then(pl.col("cmnd9"))
        .when(k == "cmnd12").then(pl.col("cmnd12"))
        .when(k == "separators").then(separated)
        .when(k == "ok").then(c)
    )  # fmt: skip
    w = pl.col("w_cccd")
    # DOMAIN.md "CCCD": G 0-5 encodes the century; a birth year in the future is impossible.
    g, yy = w.str.slice(3, 1).cast(pl.Int32, strict=False), w.str.slice(4, 2).cast(pl.Int32, strict=False)
    structure_ok = w.str.slice(0, 3).is_in(codes) & (g <= 5) & (1900 + (g // 2) * 100 + yy <= 2026)
    status = (
        pl.when(k == "missing").then(pl.lit("missing"))
        .when(k.is_in(["cmnd9", "cmnd12"])).then(pl.lit("legacy_cmnd"))
        .when(k == "sci_notation").then(pl.lit("invalid"))
        .when(k == "lost_zero").then(pl.lit("repaired"))
        .when(k.is_in(["ok", "separators"])).then(pl.lit("valid"))
        .when(structure_ok).then(pl.lit("valid"))
        .otherwise(pl.lit("invalid"))
    )  # fmt: skip
    return (
        frame.with_columns(w_cccd=written)
        .with_columns(
            cccd_status=status,
            w_cccd_num=(k == "lost_zero") & pl.col("numeric"),
        )
        .select("w_cccd", "w_cccd_num", cccd_kind="kind", cccd_status="cccd_status")
    )


def name_columns(rng: np.random.Generator, rows: pl.DataFrame, rates: DamageRates) -> pl.DataFrame:
    """`w_name` as typed and `name_tags` (which damages changed it)."""
    n = len(rows)
    u = rng.random((5, n))
    # A second copy of a member (another branch) is often typed differently: caps or no accents.
    retyped = (rows["copy_no"].to_numpy() > 0) & (u[4] < 0.6)
    frame = rows.select("full_name", "s_caps", "s_nfd", "s_tone", "s_legacy", "s_eth_ok").with_columns(
        caps=pl.Series((u[0] < rates.name_caps) | (retyped & (u[4] < 0.3))) | pl.col("s_caps"),
        nodia=pl.Series((u[1] < rates.name_no_diacritics) | (retyped & (u[4] >= 0.3))),
        eth=pl.Series(u[2] < rates.name_eth),
        spaces=pl.Series(u[3] < rates.name_spaces),
        spaces_kind=pl.Series(rng.integers(0, 3, n)),
    )
    # Each step is materialised as a column so no step is computed twice.
    name, c = pl.col("full_name"), pl.col
    eth = c("eth") & c("s_legacy").is_null() & c("s_eth_ok")
    nfd = c("s_nfd") & c("s_legacy").is_null()
    spaced = (
        pl.when(c("spaces_kind") == 0)
        .then(c("step3").str.replace(" ", "  "))
        .when(c("spaces_kind") == 1)
        .then(c("step3") + " ")
        .otherwise(pl.lit(" ") + c("step3").str.replace_all(" ", "  "))
    )
    frame = (
        frame.lazy()
        .with_columns(
            toned=pl.when(c("s_tone")).then(name.str.replace_many(TONE_SRC, TONE_DST)).otherwise(name)
        )
        .with_columns(
            plain=pl.when(c("nodia")).then(
                c("toned")
                .str.normalize("NFD")
                .str.replace_all(r"\p{M}", "")
                .str.replace_many(["đ", "Đ"], ["d", "D"])
            )
        )
        .with_columns(step1=pl.coalesce("plain", "toned"))
        .with_columns(step2=pl.when(c("caps")).then(c("step1").str.to_uppercase()).otherwise(c("step1")))
        .with_columns(
            step3=pl.when(eth).then(c("step2").str.replace_all("Đ", "Ð", literal=True)).otherwise(c("step2"))
        )
        .with_columns(step4=pl.when(c("spaces")).then(spaced).otherwise(c("step3")))
        .with_columns(
            w_name=pl.when(nfd).then(c("step4").str.normalize("NFD")).otherwise(c("step4")),
            t_tone=c("s_tone") & (c("toned") != name) & ~c("nodia"),
            t_nodia=c("nodia") & (c("plain") != c("toned")).fill_null(False),
            t_caps=c("caps"),
            t_eth=eth & c("step2").str.contains("Đ", literal=True),
            t_spaces=c("spaces"),
            t_nfd=nfd & ~c("step4").str.contains(r"^[\x00-\x7f]*$"),
        )
        .collect()
    )
    tags = pl.concat_list(
        [
            pl.when(pl.col(f"t_{t}")).then(pl.lit(tag))
            for t, tag in [
                ("tone", "name_tone_style"), ("nodia", "name_no_diacritics"), ("caps", "name_caps"),
                ("eth", "name_eth"), ("spaces", "name_spaces"), ("nfd", "name_nfd"),
            ]
        ]
        + [pl.when(pl.col("s_legacy").is_not_null()).then(pl.format("name_{}", pl.col("s_legacy")))]
    ).list.drop_nulls()  # fmt: skip
    frame = frame.with_columns(name_tags=tags)
    return _legacy(frame).select("w_name", "name_tags")


def _legacy(frame: pl.DataFrame) -> pl.DataFrame:
    """Re-encode the names of legacy-font sheets; Python runs once per unique name."""
    legacy = frame.filter(pl.col("s_legacy").is_not_null()).select("w_name", "s_legacy").unique()
    if legacy.is_empty():
        return frame
    encoders = {"tcvn3": encode_tcvn3, "vni": encode_vni, "viqr": encode_viqr}
    # Names typed in capitals with a .VnTimeH font are stored with the lowercase TCVN3 codes.
    encoded = [
        encode_tcvn3(s, caps_font=True) if e == "tcvn3" and s.isupper() else encoders[e](s)
        for s, e in legacy.iter_rows()
    ]
    legacy = legacy.with_columns(w_legacy=pl.Series(encoded, dtype=pl.String))
    return frame.join(
        legacy, on=["w_name", "s_legacy"], how="left", nulls_equal=False, maintain_order="left"
    ).with_columns(w_name=pl.coalesce("w_legacy", "w_name"))


# Old 11-digit mobile prefixes renamed in 2018 (new 3-digit prefix -> old 4-digit prefix).
_OLD_PREFIX = {
    "032": "0162", "033": "0163", "034": "0164", "035": "0165", "036": "0166", "037": "0167",
    "038": "0168", "039": "0169", "070": "0120", "079": "0121", "077": "0122", "076": "0126",
    "078": "0128", "083": "0123", "084": "0124", "085": "0125", "081": "0127", "082": "0129",
    "056": "0186", "058": "0188",
}  # fmt: skip
_DATE_STYLES = ("dmy", "dmy_short", "iso", "apostrophe")


def field_columns(rng: np.random.Generator, rows: pl.DataFrame, rates: DamageRates) -> pl.DataFrame:
    """Birth date, sex and phone as typed, with the kind of each (`date_kind`, `sex_kind`, `phone_kind`)."""
    n = len(rows)
    u = rng.random((5, n))
    frame = rows.select("birth_date", "sex", "phone", "s_date_style", "s_sex_style", "s_format").with_columns(
        odd=pl.Series(u[0] < rates.date_odd),
        odd_style=pl.Series(np.array(_DATE_STYLES, dtype=object)[rng.integers(0, 4, n)], dtype=pl.String),
        d_missing=pl.Series(u[1] < rates.date_missing),
        s_missing=pl.Series(u[2] < rates.sex_missing),
        s_case=pl.Series(rng.integers(0, 10, n)),
        p_draw=pl.Series(u[3]),
        p_present=pl.Series(u[4] < 0.75),
    )
    is_csv = pl.col("s_format") == "csv"
    sheet_style = (
        pl.when(is_csv & (pl.col("s_date_style") == "date_cell"))
        .then(pl.lit("dmy"))
        .otherwise(pl.col("s_date_style"))
    )
    style = (
        pl.when(pl.col("d_missing"))
        .then(pl.lit("missing"))
        .when(pl.col("odd") & (pl.col("s_date_style") != "year_only"))
        .then(pl.col("odd_style"))
        .otherwise(sheet_style)
    )
    d = pl.col("birth_date")
    serial = (d - pl.lit(np.datetime64("1899-12-30")).cast(pl.Date)).dt.total_days()
    short = pl.format("{}/{}/{}", d.dt.day(), d.dt.month(), (d.dt.year() % 100).cast(pl.String).str.zfill(2))
    st = pl.col("date_kind")
    text = (
        pl.when(st == "dmy").then(d.dt.strftime("%d/%m/%Y"))
        .when(st == "dmy_short").then(short)
        .when(st == "iso").then(d.dt.strftime("%Y-%m-%d"))
        .when(st == "apostrophe").then(pl.lit("'") + d.dt.strftime("%d/%m/%Y"))
        .when(st == "date_cell").then(d.dt.strftime("%Y-%m-%d"))
        .when(st == "serial").then(serial.cast(pl.String))
        .when(st == "year_only").then(d.dt.year().cast(pl.String))
    )  # fmt: skip
    cell_kind = (
        pl.when(is_csv).then(None)
        .when(st == "date_cell").then(pl.lit("d"))
        .when(st.is_in(["serial", "year_only"])).then(pl.lit("n"))
    )  # fmt: skip

    female = pl.col("sex") == "F"
    word = pl.when(female).then(pl.lit("Nữ")).otherwise(pl.lit("Nam"))
    cased = (
        pl.when(pl.col("s_case") == 0).then(word.str.to_lowercase())
        .when(pl.col("s_case") == 1).then(word.str.to_uppercase())
        .otherwise(word)
    )  # fmt: skip
    sx = pl.col("s_sex_style")
    sex_missing = pl.col("s_missing") & sx.is_in(["column", "female_x", "x2"])
    x = pl.when(pl.col("s_case") == 0).then(pl.lit("X")).otherwise(pl.lit("x"))

    p = pl.col("phone")
    old = p.str.slice(0, 3).replace_strict(_OLD_PREFIX, default=None, return_dtype=pl.String)
    pd = pl.col("p_draw")
    phone_kind = (
        pl.when(~pl.col("p_present")).then(pl.lit("missing"))
        .when(pd < 0.08).then(pl.lit("plus84"))
        .when(pd < 0.13).then(pl.lit("84"))
        .when(pd < 0.20).then(pl.lit("spaced"))
        .when((pd < 0.27) & old.is_not_null()).then(pl.lit("old_prefix"))
        .when(pd < 0.32).then(pl.lit("lost_zero"))
        .otherwise(pl.lit("ok"))
    )  # fmt: skip
    pk = pl.col("phone_kind")
    phone = (
        pl.when(pk == "plus84").then(pl.lit("+84") + p.str.slice(1))
        .when(pk == "84").then(pl.lit("84") + p.str.slice(1))
        .when(pk == "spaced").then(pl.format("{} {}", p.str.slice(0, 4), p.str.slice(4)))
        .when(pk == "old_prefix").then(old + p.str.slice(3))
        .when(pk == "lost_zero").then(p.str.slice(1))
        .when(pk == "ok").then(p)
    )  # fmt: skip
    return (
        frame.with_columns(date_kind=style, phone_kind=phone_kind)
        .with_columns(
            w_birth=text,
            w_birth_cell=cell_kind,
            sex_kind=pl.when(sex_missing).then(pl.lit("missing")).otherwise(sx),
            w_sex=pl.when((sx == "column") & ~sex_missing).then(cased),
            w_female_x=pl.when(sx.is_in(["female_x", "x2"]) & ~sex_missing & female).then(x),
            w_male_x=pl.when((sx == "x2") & ~sex_missing & ~female).then(x),
            w_phone=phone,
            w_phone_num=(pk == "lost_zero") & ~is_csv,
        )
        .select(
            "w_birth", "w_birth_cell", "date_kind", "w_sex", "w_female_x", "w_male_x", "sex_kind",
            "w_phone", "w_phone_num", "phone_kind",
        )
    )  # fmt: skip
