"""pandera (polars) contracts for the tables CONTRACT.md fixes; custom checks are expressions."""

import pandera.polars as pa
import polars as pl

CCCD_STATUSES = ["valid", "missing", "invalid", "repaired", "legacy_cmnd"]
MATCH_STATUSES = ["matched", "matched_fuzzy", "mismatch", "not_found", "deceased", "no_cccd"]


class NormalisedMember(pa.DataFrameModel):
    """members_normalised: each field in its one canonical form (issue codes say what changed)."""

    row_id: str = pa.Field(nullable=False, unique=True)
    org: str = pa.Field(nullable=False)
    full_name: str = pa.Field(nullable=True, str_matches=r"^\S+( \S+)*$")
    given_name: str = pa.Field(nullable=True)
    name_key: str = pa.Field(nullable=True, str_matches=r"^[a-z0-9' -]*$")
    birth_date: pl.Date = pa.Field(nullable=True)
    birth_year: pl.Int32 = pa.Field(nullable=True, ge=1880, le=2030)
    sex: str = pa.Field(nullable=True, isin=["M", "F"])
    cccd: str = pa.Field(nullable=True, str_matches=r"^\d{12}$")
    cccd_status: str = pa.Field(isin=CCCD_STATUSES)
    phone: str = pa.Field(nullable=True, str_matches=r"^0\d{9,10}$")
    province_code: str = pa.Field(nullable=True, str_matches=r"^\d{2}$")
    commune_code: str = pa.Field(nullable=True, str_matches=r"^\d{5}$")

    @pa.dataframe_check
    def birth_year_agrees_with_date(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            pl.col("birth_date").is_null() | (pl.col("birth_date").dt.year() == pl.col("birth_year"))
        )

    class Config:
        strict = False


class Member(pa.DataFrameModel):
    """members.duckdb · members: one row per accepted input row."""

    source_file: str = pa.Field(nullable=False)
    source_sheet: str = pa.Field(nullable=False)
    source_row: int = pa.Field(ge=1)
    org: str = pa.Field(nullable=False, str_matches=r"^[a-z0-9][a-z0-9_-]*$")
    province_code: str = pa.Field(nullable=True, str_matches=r"^\d{2}$")
    commune_code: str = pa.Field(nullable=True, str_matches=r"^\d{5}$")
    full_name: str = pa.Field(nullable=True)
    birth_date: pl.Date = pa.Field(nullable=True)
    birth_year: pl.Int32 = pa.Field(nullable=True, ge=1880, le=2030)
    sex: str = pa.Field(nullable=True, isin=["M", "F"])
    cccd: str = pa.Field(nullable=True, str_matches=r"^\d{12}$")
    cccd_status: str = pa.Field(isin=CCCD_STATUSES)
    member_id: str = pa.Field(nullable=False)
    person_id: str = pa.Field(nullable=False)
    match_status: str = pa.Field(isin=MATCH_STATUSES)
    matched_cccd: str = pa.Field(nullable=True, str_matches=r"^\d{12}$")
    match_score: float = pa.Field(nullable=True, ge=0.0, le=1.0)

    @pa.dataframe_check
    def cccd_only_when_usable(cls, data: pa.PolarsData) -> pl.LazyFrame:
        """A CCCD is stored only with status valid or repaired (never an invented one)."""
        return data.lazyframe.select(
            pl.col("cccd").is_null() | pl.col("cccd_status").is_in(["valid", "repaired"])
        )

    @pa.dataframe_check
    def provenance_is_unique(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(~pl.struct("source_file", "source_sheet", "source_row").is_duplicated())

    class Config:
        strict = False
        coerce = False


class RejectedRow(pa.DataFrameModel):
    """members.duckdb · rejected_rows."""

    source_file: str = pa.Field(nullable=False)
    source_sheet: str = pa.Field(nullable=False)
    source_row: int = pa.Field(ge=1)
    org: str = pa.Field(nullable=False)
    reason: str = pa.Field(nullable=False)
    raw: str = pa.Field(nullable=True)


class RejectedFile(pa.DataFrameModel):
    """members.duckdb · rejected_files."""

    source_file: str = pa.Field(nullable=False)
    reason: str = pa.Field(nullable=False)


class Metric(pa.DataFrameModel):
    """metrics.duckdb · ddss_metrics (no personal data)."""

    org: str = pa.Field(nullable=False)
    level: str = pa.Field(isin=["national", "province", "commune"])
    province_code: str = pa.Field(nullable=True, str_matches=r"^\d{2}$")
    commune_code: str = pa.Field(nullable=True, str_matches=r"^\d{5}$")
    rows_entered: int = pa.Field(ge=0)
    members: int = pa.Field(ge=0)
    pct_with_cccd: float = pa.Field(nullable=True, ge=0, le=100)
    pct_matched: float = pa.Field(nullable=True, ge=0, le=100)
    pct_complete: float = pa.Field(nullable=True, ge=0, le=100)
    pct_clean: float = pa.Field(nullable=True, ge=0, le=100)
    pct_correct: float = pa.Field(nullable=True, ge=0, le=100)
    pct_live: float = pa.Field(nullable=True, ge=0, le=100)
    pct_entered: float = pa.Field(nullable=True, ge=0)

    @pa.dataframe_check
    def members_not_above_rows(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col("members") <= pl.col("rows_entered"))
