"""Đúng–đủ–sạch–sống: the counts and percentages leaders read, computed over whole columns.

The definitions live once, as data (`METRIC_DEFINITIONS`); `definitions_markdown()` renders them
for README/docs. Computation is one DuckDB query over the `members` frame (contract columns):
rows collapse to one *golden row* per `(org, member_id)`, then GROUPING SETS roll members up to
commune, province and national level, per org and for all orgs (`org = '*'`, the sum of the
per-org counts: a person in two organisations is two memberships, as the MTTQ totals count them,
CONTRACT.md). No personal value leaves this module: the outputs hold codes and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import polars as pl

from ddss import issues as ic

ALL_ORGS = "*"
LEVELS = ("national", "province", "commune")

# Codes that record a fix already applied or a neutral note; they never make a member unclean.
# fmt: off
INFORMATIONAL_CODES: frozenset[str] = frozenset({
    ic.NAME_LEGACY_TCVN3, ic.NAME_LEGACY_VNI, ic.NAME_LEGACY_VIQR, ic.TEXT_LEGACY_ENCODING,
    ic.NAME_NFD, ic.NAME_TONE_STYLE, ic.NAME_ETH_D, ic.NAME_CASE_FIXED, ic.NAME_SPACES_FIXED,
    ic.CCCD_SEPARATORS_REMOVED, ic.CCCD_LOST_LEADING_ZERO,
    ic.BIRTH_DATE_YEAR_ONLY,  # a year is enough for "đủ" (the population file has year-only rows)
    ic.BIRTH_DATE_EXCEL_SERIAL, ic.BIRTH_DATE_TWO_DIGIT_YEAR, ic.BIRTH_DATE_DAY_MONTH_SWAPPED,
    ic.SEX_FROM_DATE_COLUMN, ic.SEX_FROM_CCCD, ic.PHONE_NORMALISED, ic.PHONE_OLD_PREFIX,
    ic.COMMUNE_FROM_OLD_NAME, ic.PLACE_FROM_TITLE, ic.PLACE_FROM_FOLDER,
    ic.DUPLICATE_IN_ORG,  # merged rows are counted by `duplicates` and the "not a duplicate" rule
    ic.STEWARD_DECISION_APPLIED,
})
# fmt: on
# Đối soát outcomes: they measure đúng/sống against the population file, not sạch.
# fmt: off
RECONCILE_CODES: frozenset[str] = frozenset({
    ic.MATCH_NAME_DIFFERS, ic.MATCH_BIRTH_DATE_DIFFERS, ic.MATCH_SEX_DIFFERS, ic.MATCH_DECEASED,
    ic.MATCH_NOT_FOUND, ic.MATCH_CCCD_CORRECTION_SUGGESTED,
})
# fmt: on
# A matched member whose fields differ from the population record is not "đúng".
MISMATCH_CODES: frozenset[str] = frozenset(
    {ic.MATCH_NAME_DIFFERS, ic.MATCH_BIRTH_DATE_DIFFERS, ic.MATCH_SEX_DIFFERS}
)
# Every other code (and any code added later) is open: a steward still has to act on it.
OPEN_CODES: frozenset[str] = frozenset(ic.LABELS) - INFORMATIONAL_CODES - RECONCILE_CODES

# fmt: off
COUNT_COLUMNS = (
    "rows_entered", "members", "with_cccd", "matched", "complete", "clean", "correct", "live",
    "duplicates", "deceased",
)
# fmt: on
# (percentage column, numerator, denominator)
# fmt: off
PCT_COLUMNS = (
    ("pct_entered", "members", "expected_members"), ("pct_with_cccd", "with_cccd", "members"),
    ("pct_matched", "matched", "members"), ("pct_complete", "complete", "members"),
    ("pct_clean", "clean", "members"), ("pct_correct", "correct", "members"), ("pct_live", "live", "members"),
)
# fmt: on
KEY_COLUMNS = ("as_of", "org", "level", "province_code", "commune_code")
# Column order of `ddss_metrics` exactly as CONTRACT.md lists it, then the extra `persons`.
# fmt: off
METRIC_COLUMNS = (
    *KEY_COLUMNS, "rows_entered", "members", "expected_members", "pct_entered", "with_cccd",
    "pct_with_cccd", "matched", "pct_matched", "complete", "pct_complete", "clean", "pct_clean",
    "correct", "pct_correct", "live", "pct_live", "duplicates", "deceased", "persons",
)
# fmt: on


@dataclass(frozen=True)
class MetricDefinition:
    """One metric as a leader reads it: what is counted, over what."""

    name: str
    term_vi: str
    formula: str
    denominator: str


_D = MetricDefinition
# fmt: off
METRIC_DEFINITIONS: tuple[MetricDefinition, ...] = (
    _D("rows_entered", "Số dòng đã nhập", "accepted input rows of the unit's members", "—"),
    _D("members", "Số hội viên đã nhập", "distinct `member_id` per org", "—"),
    _D("persons", "Số người (không trùng giữa các tổ chức)", "distinct `person_id`; `org = '*'` rows only",
       "—"),
    _D("expected_members", "Số hội viên theo chỉ tiêu", "sum of `raw/targets` for the unit", "—"),
    _D("pct_entered", "Đủ: tỷ lệ đã nhập", "members / expected_members", "expected_members"),
    _D("with_cccd", "Có CCCD", "golden row `cccd_status` ∈ {valid, repaired}", "members"),
    _D("matched", "Đã đối soát khớp", "golden row `match_status` ∈ {matched, matched_fuzzy}", "members"),
    _D("complete", "Đủ thông tin",
       "full_name ∧ (birth_date ∨ birth_year) ∧ sex ∧ CCCD valid/repaired ∧ commune_code", "members"),
    _D("clean", "Sạch",
       "complete ∧ no code of `OPEN_CODES` ∧ entered once in its org (no row merged into it)", "members"),
    _D("correct", "Đúng", "matched ∧ no code of `MISMATCH_CODES`", "members"),
    _D("live", "Sống", "matched (alive in the population file) ∧ not `record_stale`", "members"),
    _D("duplicates", "Số dòng trùng đã gộp", "rows_entered − members", "—"),
    _D("deceased", "Đã mất", "golden row `match_status` = deceased", "—"),
)
# fmt: on


def definitions_markdown() -> str:
    """The definitions table for README/docs/METRICS.md, rendered from `METRIC_DEFINITIONS`."""
    lines = [
        "| metric | Vietnamese term | formula | denominator |",
        "|---|---|---|---|",
        *(f"| `{d.name}` | {d.term_vi} | {d.formula} | {d.denominator} |" for d in METRIC_DEFINITIONS),
    ]
    notes = [
        "",
        "A member's figures come from its *golden row*: of the member's rows, the one ranked",
        "highest by (valid CCCD, matched, complete, no open issue, no mismatch). Every count of",
        "a member (rows, duplicates) is placed in the golden row's province and commune, so at",
        "every level `rows_entered = members + duplicates`. `org = '*'` sums the per-org counts;",
        "`persons` counts distinct people across orgs (null per org). Percentages are 0–100, two",
        "decimals, null when the denominator is null or 0. Province/commune rows with a null",
        "code hold members whose place is unknown, so sums over provinces equal the national row.",
        "",
        f"Open issue codes (block `clean`): {', '.join(f'`{c}`' for c in sorted(OPEN_CODES))}.",
        "",
        "Informational codes (a fix already applied): "
        + ", ".join(f"`{c}`" for c in sorted(INFORMATIONAL_CODES))
        + ".",
        "",
        "Đối soát codes (measured by `correct`/`live`, not `clean`): "
        + ", ".join(f"`{c}`" for c in sorted(RECONCILE_CODES))
        + ".",
        "",
    ]
    return "\n".join(lines + notes)


@dataclass(frozen=True)
class MetricsResult:
    """Everything `publish_metrics` stores for one `as_of`: codes and counts only."""

    metrics: pl.DataFrame
    branch: pl.DataFrame
    issue_counts: pl.DataFrame


# Bits of the golden-row key, most significant first: of a member's rows, the best one wins.
_KEY_BITS = ("has_cccd", "is_matched", "is_complete", "no_open", "no_mismatch", "not_deceased", "not_stale")
_ROW_BITS = 32  # the low bits hold the row's position (earlier row wins a tie): deterministic


def _has_any(codes: frozenset[str]) -> pl.Expr:
    return pl.col("issues").list.eval(pl.element().is_in(sorted(codes))).list.any().fill_null(False)


def _row_keys(members: pl.DataFrame) -> pl.DataFrame:
    """One narrow row per input row: unit, branch, person and the packed golden-row key."""
    cols = set(members.columns)
    valid_cccd = pl.col("cccd_status").is_in(["valid", "repaired"]).fill_null(False)
    birth = pl.col("birth_date").is_not_null()
    if "birth_year" in cols:
        birth = birth | pl.col("birth_year").is_not_null()
    name = pl.col("full_name").cast(pl.String).str.strip_chars().str.len_chars() > 0
    flags = {
        "has_cccd": valid_cccd,
        "is_matched": pl.col("match_status").is_in(["matched", "matched_fuzzy"]).fill_null(False),
        "is_complete": (
            name & birth & pl.col("sex").is_in(["M", "F"]) & valid_cccd & pl.col("commune_code").is_not_null()
        ).fill_null(False),
        "no_open": ~_has_any(OPEN_CODES),
        "no_mismatch": ~_has_any(MISMATCH_CODES),
        "not_deceased": (pl.col("match_status") != "deceased").fill_null(True),
        "not_stale": ~pl.col("record_stale").fill_null(False) if "record_stale" in cols else pl.lit(True),
    }
    key = pl.lit((1 << _ROW_BITS) - 1, dtype=pl.Int64) - pl.int_range(pl.len(), dtype=pl.Int64)
    for i, bit in enumerate(reversed(_KEY_BITS)):
        key = key + flags[bit].cast(pl.Int64) * (1 << (_ROW_BITS + i))
    branch = [pl.col(c).cast(pl.String) for c in ("branch", "village") if c in cols]
    return members.select(
        pl.col("org").cast(pl.String),
        pl.col("member_id").cast(pl.String),
        pl.col("province_code").cast(pl.String),
        pl.col("commune_code").cast(pl.String),
        (pl.coalesce(branch) if branch else pl.lit(None, pl.String)).alias("branch"),
        (pl.col("person_id").cast(pl.String) if "person_id" in cols else pl.lit(None, pl.String)).alias(
            "person_id"
        ),
        key.alias("key"),
    )


def _bit(name: str) -> str:
    """SQL test of one flag packed in `g.key`."""
    return f"((g.key >> {_ROW_BITS + len(_KEY_BITS) - 1 - _KEY_BITS.index(name)}) & 1) = 1"


_FLAG_SUMS = f"""
    sum(n_rows)::BIGINT AS rows_entered,
    count(*) AS members,
    count(*) FILTER ({_bit("has_cccd")}) AS with_cccd,
    count(*) FILTER ({_bit("is_matched")}) AS matched,
    count(*) FILTER ({_bit("is_complete")}) AS complete,
    count(*) FILTER ({_bit("is_complete")} AND {_bit("no_open")} AND n_rows = 1) AS clean,
    count(*) FILTER ({_bit("is_matched")} AND {_bit("no_mismatch")}) AS correct,
    count(*) FILTER ({_bit("is_matched")} AND {_bit("not_deceased")} AND {_bit("not_stale")}) AS live,
    sum(n_rows - 1)::BIGINT AS duplicates,
    count(*) FILTER (NOT {_bit("not_deceased")}) AS deceased
"""


def _pct_sql(num: str, den: str) -> str:
    return f"round(100.0 * {num} / nullif({den}, 0), 2)"


_TARGETS_SQL = """
    WITH t AS (
      SELECT org, province_code, nullif(trim(commune_code), '') AS commune_code,
             CAST(expected_members AS BIGINT) AS expected_members FROM targets
    ),
    c AS (SELECT org, province_code, commune_code, sum(expected_members) AS e
          FROM t WHERE commune_code IS NOT NULL GROUP BY ALL),
    p AS (SELECT org, province_code, coalesce(
            sum(expected_members) FILTER (commune_code IS NULL),
            sum(expected_members) FILTER (commune_code IS NOT NULL)) AS e
          FROM t GROUP BY ALL),
    unit AS (
      SELECT org, 'commune' AS level, province_code, commune_code, e FROM c
      UNION ALL SELECT org, 'province', province_code, NULL, e FROM p
      UNION ALL SELECT org, 'national', NULL, NULL, sum(e) FROM p GROUP BY org
    )
    SELECT * FROM unit
    UNION ALL SELECT '*', level, province_code, commune_code, sum(e) FROM unit GROUP BY ALL
"""


def _golden(members: pl.DataFrame) -> pl.DataFrame:
    """One golden row per (org, member_id) with the member's row count (window, no join)."""
    member = ["org", "member_id"]
    return (
        _row_keys(members)
        .lazy()
        .with_columns(pl.len().over(member).alias("n_rows"), pl.col("key").max().over(member).alias("_best"))
        .filter(pl.col("key") == pl.col("_best"))
        .drop("_best", "member_id")
        .collect()
    )


def _persons(golden: pl.DataFrame) -> pl.DataFrame:
    """Distinct people across orgs, for the `org = '*'` rows only (within one org a member
    already is one person); a plain group-by per level is far cheaper than DISTINCT in SQL."""
    n = pl.col("person_id").n_unique().cast(pl.Int64).alias("persons")
    none = pl.lit(None, pl.String)
    return pl.concat([
        golden.select(pl.lit("national").alias("level"), none.alias("province_code"),
                      none.alias("commune_code"), n),
        golden.group_by("province_code").agg(n)
        .select(pl.lit("province").alias("level"), "province_code", none.alias("commune_code"), "persons"),
        golden.group_by("province_code", "commune_code").agg(n)
        .select(pl.lit("commune").alias("level"), "province_code", "commune_code", "persons"),
    ])  # fmt: skip


def _connect(members: pl.DataFrame) -> duckdb.DuckDBPyConnection:
    """A DuckDB session holding `g` (golden rows) and `ps` (distinct people per unit)."""
    con = duckdb.connect()
    golden = _golden(members)
    con.register("g", golden)
    con.register("ps", _persons(golden))
    return con


def _unit_metrics(con: duckdb.DuckDBPyConnection, targets: pl.DataFrame | None) -> pl.DataFrame:
    """Counts at commune/province/national level, per org and '*', joined to targets."""
    grouped = f"""
      SELECT
        CASE WHEN grouping(org) = 1 THEN '{ALL_ORGS}' ELSE org END AS org,
        CASE WHEN grouping(g.province_code) = 1 THEN 'national'
             WHEN grouping(g.commune_code) = 1 THEN 'province' ELSE 'commune' END AS level,
        g.province_code AS province_code, g.commune_code AS commune_code,
        {_FLAG_SUMS}
      FROM g
      GROUP BY GROUPING SETS (
        (org), (org, g.province_code), (org, g.province_code, g.commune_code),
        (), (g.province_code), (g.province_code, g.commune_code))
    """
    if targets is None:
        targets = pl.DataFrame(
            schema={
                "org": pl.String,
                "province_code": pl.String,
                "commune_code": pl.String,
                "expected_members": pl.Int64,
            }
        )
    con.register(
        "targets",
        targets.select(
            pl.col("org").cast(pl.String),
            pl.col("province_code").cast(pl.String),
            pl.col("commune_code").cast(pl.String),
            pl.col("expected_members").cast(pl.Int64, strict=False),
        ),
    )
    counts = ", ".join(f"coalesce(u.{c}, 0)::BIGINT AS {c}" for c in COUNT_COLUMNS)
    joined = f"""
      WITH u AS ({grouped}), t AS ({_TARGETS_SQL}),
      j AS (
        SELECT coalesce(u.org, t.org) AS org, coalesce(u.level, t.level) AS level,
          coalesce(u.province_code, t.province_code) AS province_code,
          coalesce(u.commune_code, t.commune_code) AS commune_code,
          {counts}, t.e::BIGINT AS expected_members, ps.persons
        FROM u FULL OUTER JOIN t ON u.org = t.org AND u.level = t.level
          AND u.province_code IS NOT DISTINCT FROM t.province_code
          AND u.commune_code IS NOT DISTINCT FROM t.commune_code
        LEFT JOIN ps ON u.org = '*' AND u.level = ps.level
          AND u.province_code IS NOT DISTINCT FROM ps.province_code
          AND u.commune_code IS NOT DISTINCT FROM ps.commune_code
      )
      SELECT CAST(NULL AS DATE) AS as_of, *,
        {", ".join(f"{_pct_sql(n, d)} AS {p}" for p, n, d in PCT_COLUMNS)}
      FROM j
    """
    return _partial_targets_unknown(con.sql(joined).pl()).select(METRIC_COLUMNS)


def _partial_targets_unknown(frame: pl.DataFrame) -> pl.DataFrame:
    """A total is only comparable with a target that covers all of it: the national expected is
    null when a known province with members has none (members of unknown place cannot have a
    target), and '*' is null when an org's is null. The
    percentage is capped at 100 (more entered than a stale target still means fully entered)."""
    has_gap = (pl.col("members") > 0) & pl.col("expected_members").is_null()
    org_gap = pl.col("org").is_in(
        frame.filter((pl.col("level") == "province") & pl.col("province_code").is_not_null() & has_gap)["org"]
        .unique()
        .to_list()
    )
    frame = frame.with_columns(
        pl.when((pl.col("level") == "national") & org_gap).then(None).otherwise("expected_members")
        .alias("expected_members")
    )  # fmt: skip
    unit = ["level", "province_code", "commune_code"]
    star_gap = (
        frame.filter((pl.col("org") != ALL_ORGS) & has_gap)
        .select(unit)
        .unique()
        .with_columns(_gap=pl.lit(True))
    )
    return (
        frame.join(star_gap, on=unit, how="left", nulls_equal=True)
        .with_columns(
            pl.when((pl.col("org") == ALL_ORGS) & pl.col("_gap").fill_null(False))
            .then(None)
            .otherwise("expected_members")
            .alias("expected_members")
        )
        .with_columns(
            (100.0 * pl.col("members") / pl.col("expected_members").replace(0, None))
            .round(2)
            .clip(upper_bound=100.0)
            .alias("pct_entered")
        )
        .drop("_gap")
    )


def _branch_metrics(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Village/branch (chi hội) level, kept apart so `ddss_metrics.level` stays contractual."""
    pcts = ", ".join(f"{_pct_sql(n, d)} AS {p}" for p, n, d in PCT_COLUMNS if d == "members")
    sql = f"""
      WITH o AS (
        SELECT org, g.province_code AS province_code, g.commune_code AS commune_code,
          g.branch AS branch, {_FLAG_SUMS}
        FROM g WHERE g.branch IS NOT NULL GROUP BY ALL
      ),
      b AS (  -- every count is a sum, so '*' adds up the per-org rows (far fewer than members)
        SELECT * FROM o UNION ALL
        SELECT '{ALL_ORGS}', province_code, commune_code, branch,
          {", ".join(f"sum({c})::BIGINT" for c in COUNT_COLUMNS)}
        FROM o GROUP BY province_code, commune_code, branch
      )
      SELECT CAST(NULL AS DATE) AS as_of, *, {pcts} FROM b
      ORDER BY org, province_code NULLS LAST, commune_code NULLS LAST, branch
    """
    return con.sql(sql).pl()


def _issue_counts(members: pl.DataFrame) -> pl.DataFrame:
    """Rows carrying each issue code, per org and province (and '*'); codes only."""
    codes = (
        members.lazy()
        .select(
            pl.col("org").cast(pl.String),
            pl.col("province_code").cast(pl.String),
            pl.col("issues").alias("code"),
        )
        .explode("code")
        .drop_nulls("code")
        .group_by("org", "province_code", "code")
        .agg(pl.len().cast(pl.Int64).alias("rows"))
        .collect()
    )
    star = (
        codes.group_by("province_code", "code").agg(pl.col("rows").sum()).with_columns(org=pl.lit(ALL_ORGS))
    )
    return (
        pl.concat([codes, star.select(codes.columns)])
        .with_columns(pl.lit(None, pl.Date).alias("as_of"))
        .select("as_of", "org", "province_code", "code", "rows")
        .sort(["org", "province_code", "code"], nulls_last=True)
    )


def compute_all(
    members: pl.DataFrame, targets: pl.DataFrame | None = None, *, as_of: date | None = None
) -> MetricsResult:
    """All metric tables for one run; `as_of` is stamped on every row (publish may set it)."""
    required = {
        "org",
        "member_id",
        "province_code",
        "commune_code",
        "cccd_status",
        "match_status",
        "issues",
        "full_name",
        "birth_date",
        "sex",
    }
    missing = sorted(required - set(members.columns))
    if missing:
        raise ValueError(f"members frame lacks columns: {missing}")
    con = _connect(members)
    try:
        result = MetricsResult(
            metrics=_sort(_unit_metrics(con, targets)),
            branch=_branch_metrics(con),
            issue_counts=_issue_counts(members),
        )
    finally:
        con.close()
    stamp = pl.lit(as_of, dtype=pl.Date).alias("as_of")
    return MetricsResult(
        *(f.with_columns(stamp) for f in (result.metrics, result.branch, result.issue_counts))
    )


def compute_metrics(
    members: pl.DataFrame, targets: pl.DataFrame | None = None, *, as_of: date | None = None
) -> pl.DataFrame:
    """`ddss_metrics` rows (contract columns + `persons`) for one run."""
    return compute_all(members, targets, as_of=as_of).metrics


def _sort(frame: pl.DataFrame) -> pl.DataFrame:
    level_rank = pl.col("level").replace_strict({lvl: i for i, lvl in enumerate(LEVELS)}, default=9)
    return (
        frame.with_columns(level_rank.alias("_lvl"))
        .sort(["org", "_lvl", "province_code", "commune_code"], nulls_last=True)
        .drop("_lvl")
    )


def headline(metrics: pl.DataFrame) -> dict[str, float | int | None]:
    """National all-org figures (numbers only) for Dagster metadata and the report header."""
    row = metrics.filter((pl.col("org") == ALL_ORGS) & (pl.col("level") == "national"))
    if row.is_empty():
        return {}
    keep = [c for c in METRIC_COLUMNS if c not in KEY_COLUMNS]
    return {k: v for k, v in row.select(keep).row(0, named=True).items()}
