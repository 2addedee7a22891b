"""Assemble the contract table `members` from the normalised rows, linkage and đối soát results."""

from __future__ import annotations

import polars as pl

from ddss.store import PROVENANCE, in_order

MEMBER_COLUMNS: tuple[str, ...] = (
    "source_file",
    "source_sheet",
    "source_row",
    "org",
    "province_code",
    "commune_code",
    "full_name",
    "birth_date",
    "birth_year",
    "sex",
    "cccd",
    "cccd_status",
    "member_id",
    "person_id",
    "match_status",
    "matched_cccd",
    "match_score",
    "issues",
)
"""Columns of `members.duckdb`.`members`, in the order CONTRACT.md lists them."""

EXTRA_COLUMNS: tuple[str, ...] = ("row_id", "branch", "village", "phone", "is_duplicate")
"""Kept beside the contract columns: metrics by branch, exports, and review need them."""


def assemble_members(normalised: pl.DataFrame, links: pl.DataFrame, matches: pl.DataFrame) -> pl.DataFrame:
    """One row per accepted input row: the contract columns, issue lists merged and sorted.

    Every normalised row must have exactly one link and one match row; a missing one is a
    programming error, so the row ids must be unique and the row count is asserted. The link
    and match columns are gathered into the normalised rows' order and set beside them, so
    the normalised columns are never copied, and the final provenance sort costs no copy
    when the rows arrive sorted (as ingest emits them): at 10M rows each full copy of the
    frame is gigabytes (issue #10).
    """
    link_cols = ["member_id", "person_id", "is_duplicate"]
    match_cols = ["match_status", "matched_cccd", "match_score", *_optional(matches, "corrected_cccd")]
    own = [c for c in normalised.columns if c in (*MEMBER_COLUMNS, *EXTRA_COLUMNS)]
    rows = _RowOrder(normalised.get_column("row_id"))
    link_at, match_at = rows.positions(links), rows.positions(matches)
    joined = pl.concat(
        [normalised.select(own), links.select(pl.col(link_cols).gather(link_at)),
         matches.select(pl.col(match_cols).gather(match_at))],
        how="horizontal",
    )  # fmt: skip
    issue_lists = [(normalised.get_column("issues"), None), (matches.get_column("match_issues"), match_at)]
    if "duplicate_issues" in links.columns:
        issue_lists.append((links.get_column("duplicate_issues"), link_at))
    merged_issues = pl.lit(_merged_lists(issue_lists)).alias("issues")
    if "corrected_cccd" in joined.columns:  # a steward's correction (đối soát decision) wins
        joined = joined.with_columns(
            pl.coalesce("corrected_cccd", "cccd").alias("cccd"),
            pl.when(pl.col("corrected_cccd").is_not_null())
            .then(pl.lit("valid"))
            .otherwise(pl.col("cccd_status"))
            .alias("cccd_status"),
        )
    keep = [c for c in (*MEMBER_COLUMNS, *EXTRA_COLUMNS) if c in joined.columns]
    # Scores are sums of floats aggregated in parallel; 6 decimals keep reruns identical.
    members = joined.with_columns(
        merged_issues, pl.col("is_duplicate").fill_null(False), pl.col("match_score").round(6)
    ).select(keep)
    del joined
    return in_order(members, list(PROVENANCE))


class _RowOrder:
    """Where each of another frame's rows goes among the normalised rows.

    Upstream frames hold the same row ids, usually sorted by id: then a sort of the ids (and a
    comparison with the other frame's sorted ids) gives the positions, at a tenth of a hash
    join's cost at 1M rows; a frame already in id order (links and matches are) costs one
    comparison. Anything else (a row missing, a duplicate) takes the checked join.
    """

    def __init__(self, row_ids: pl.Series) -> None:
        self.row_ids = row_ids
        self.order = row_ids.arg_sort()
        self.sorted_ids = row_ids.gather(self.order)
        n = len(row_ids)
        repeated = n > 1 and (self.sorted_ids.slice(1) == self.sorted_ids.slice(0, n - 1)).any()
        self.unique = not repeated and row_ids.null_count() == 0  # a null id never matches
        self.rank = self.order.arg_sort()  # each normalised row's place among the sorted ids

    def positions(self, frame: pl.DataFrame) -> pl.Series:
        """Where each normalised row's row is in `frame` (null where it is missing)."""
        return self._positions(frame.get_column("row_id"))

    def _positions(self, theirs: pl.Series) -> pl.Series:
        if self.unique and len(theirs) == len(self.row_ids):
            if theirs.equals(self.sorted_ids):  # already sorted by id: one comparison, no sort
                return self.rank
            their_order = theirs.arg_sort()
            if theirs.gather(their_order).equals(self.sorted_ids):
                return their_order.gather(self.rank)
        at = (
            self.row_ids.to_frame()
            .join(
                theirs.to_frame().with_row_index("_at"),
                on="row_id",
                how="left",
                validate="1:1",
                maintain_order="left",
            )
            .get_column("_at")
        )
        if at.len() != len(self.row_ids):
            raise AssertionError("assemble_members changed the number of rows")
        return at


ListSource = tuple[pl.Series, pl.Series | None]
"""A list column and where each normalised row's list is in it (None: in the normalised rows'
own order; elsewhere a missing row or a null list counts as an empty list)."""


def _gathered(values: pl.Series, at: pl.Series | None) -> pl.Series:
    return values if at is None else values.gather(at).fill_null([])


def _combo_hash(sources: list[ListSource], seed: int) -> pl.Series:
    """Per normalised row, a hash of its lists: each list column is hashed where it lies and
    only the hashes are gathered (gathering lists costs 10x more: 1M rows 0.6 s)."""
    hashes = []
    for i, (values, at) in enumerate(sources):
        if at is None:
            hashes.append(values.hash(seed).alias(f"_{i}"))
            continue
        empty = pl.Series([[]], dtype=values.dtype).hash(seed).item()
        hashes.append(values.fill_null([]).hash(seed).gather(at).fill_null(empty).alias(f"_{i}"))
    return pl.DataFrame(hashes).select(pl.struct(pl.all()).hash(seed)).to_series()


def _merged_lists(sources: list[ListSource]) -> pl.Series:
    """Each row's lists concatenated, deduplicated and sorted.

    A list operation over every row costs seconds at 1M rows, yet only ~55k distinct
    combinations of lists occur: the merge runs once per combination, found by a hash of the
    row's lists. A second, independently seeded hash checks the first: should two different
    combinations ever share a hash, every row is merged directly instead.
    """
    hashes = pl.DataFrame({"_h": _combo_hash(sources, 0), "_h2": _combo_hash(sources, 1)})
    # list.eval: polars 2.1's list.sort costs ~30 µs per list of strings, the eval a tenth
    merge = pl.concat_list(pl.all()).list.eval(pl.element().unique().sort())
    firsts = hashes.with_row_index("_at").unique("_h", keep="first", maintain_order=True)
    if hashes.n_unique() != firsts.height:  # a collision of the first hash: merge every row
        return pl.DataFrame([_gathered(v, at) for v, at in sources]).select(merge).to_series()
    at = firsts.get_column("_at")
    distinct = pl.DataFrame(
        [v.gather(at) if p is None else _gathered(v, p.gather(at)) for v, p in sources]
    ).select(merge.alias("_merged"))
    merged = hashes.select("_h").join(
        pl.concat([firsts.select("_h"), distinct], how="horizontal"),
        on="_h",
        how="left",
        maintain_order="left",
    )
    return merged.get_column("_merged")


def _optional(frame: pl.DataFrame, *names: str) -> list[str]:
    return [n for n in names if n in frame.columns]
