"""Linkage settings: a frozen, JSON-serialisable description of one linkage model.

Shaped like Splink's `SettingsCreator`: comparisons, blocking rules, thresholds and the
trained weights live in one object that is saved beside the outputs, so any run can be
reproduced and every score explained.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

COMPARISON_KINDS = ("name", "date", "exact", "id", "place")
NAME_MARKED = "name_marked"  # derived from `full_name` when absent (records.prepare_records)
# Sorted-neighbourhood blocking (blocking.py): within one blocking key value each row meets
# only its next DEFAULT_BLOCK_WINDOW rows, ordered by the full folded name, then commune and
# birth date, so a person's copies (same name, same commune branch: DOMAIN.md) sit side by
# side; the stable row id breaks ties, so the pairs do not depend on the files' row order.
# 6 rows: 3.2M candidates and 0.9991 candidate recall at 1M rows (10: 3.7M, 0.9995).
DEFAULT_BLOCK_WINDOW = 6
# Of those, only the next DEFAULT_BLOCK_WINDOW_FREE are paired whatever they hold; farther
# ones must share the full folded name (blocking.py). At 1M rows: 3.2M -> 1.6M candidates,
# the same true pairs among them; at 3M rows 5.5 -> 2.3 candidates per row.
DEFAULT_BLOCK_WINDOW_FREE = 1
DEFAULT_WINDOW_ORDERS: tuple[tuple[str, ...], ...] = (("name_fold", "commune_code", "birth_date", "row_id"),)


@dataclass(frozen=True)
class ComparisonSpec:
    """One comparison: a name and how its ordered levels are built (see comparisons.py).

    kind: `name` (exact / diacritic-insensitive / phonetic / Jaro-Winkler thresholds),
    `date` (exact / day-month swapped / one digit off / year / year ±1), `exact`,
    `id` (exact / one digit off / transposition) or `place` (commune, then province).
    marked_column: boolean column, True where the row's name is written with diacritics;
    two such rows agreeing only once the marks are dropped (Hoa / Hóa) hold two names,
    so the diacritic-insensitive level is kept for pairs where a side lacks diacritics.
    """

    name: str
    kind: str
    column: str
    fold_column: str | None = None
    phonetic_column: str | None = None
    year_column: str | None = None
    parent_column: str | None = None
    thresholds: tuple[float, ...] = ()
    tf_adjust: bool = False
    marked_column: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in COMPARISON_KINDS:
            raise ValueError(f"unknown comparison kind {self.kind!r}; use one of {COMPARISON_KINDS}")
        if any(not 0 < t <= 1 for t in self.thresholds):
            raise ValueError("thresholds must be in (0, 1]")
        if tuple(sorted(self.thresholds, reverse=True)) != tuple(self.thresholds):
            raise ValueError("thresholds must be listed strongest first")


@dataclass(frozen=True)
class BlockingRule:
    """Rows whose key columns are all equal (and non-null) become candidate pairs."""

    match_key: str
    columns: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.columns:
            raise ValueError("a blocking rule needs at least one column")


@dataclass(frozen=True)
class LevelWeight:
    """Trained m and u for one level of one comparison."""

    comparison: str
    gamma: int
    label: str
    m: float
    u: float


@dataclass(frozen=True)
class LinkageSettings:
    """Everything a run needs; `weights`/`threshold` are filled in by training.

    threshold: match probability at or above which a pair is accepted (None: choose from
    the data). review_band: how many bits below the threshold weight a pair is still sent
    to stewards. block_window: each row of a blocking key value is paired with its next
    `block_window` rows in each of `window_orders` (sorted neighbourhood), so pairs grow
    linearly with the rows; None pairs blocks completely and skips those above
    max_block_size (reported). block_window_free: of those neighbours, how many are paired
    whatever they hold; the others only when they share the full folded name (None: all).
    sex_guessed: boolean column (derived from `issues` when absent, see records.py)
    marking a sex the normaliser guessed and flagged for checking: it never vetoes a merge.
    id_suspect: boolean column (derived from `issues` when absent, see records.py)
    marking an ID that fails its own cross-check (sex or birth year encoded in the CCCD differ
    from the row's): likely someone else's number, so it gives no evidence against a pair
    that otherwise agrees on name, birth date (or year, one side year-only) and sex.
    full_name_tf: folded full-name column; when two records agree on it, the name parts'
    separate term-frequency adjustments are replaced by one on the whole name (see scoring.py).
    false_merge_cost: how many missed merges one false merge is worth (a false merge hides a
    real member and takes a steward to undo). Whatever threshold the data suggests, a pair is
    accepted automatically only when its own odds reach this cost (`accept_probability`): a
    precision target over all pairs would otherwise let a 2-to-1 pair through whenever easy
    pairs are plentiful. 0 turns the floor off.
    """

    comparisons: tuple[ComparisonSpec, ...]
    blocking_rules: tuple[BlockingRule, ...]
    unique_id: str = "row_id"
    threshold: float | None = None
    review_band: float = 5.0
    target_precision: float = 0.995
    false_merge_cost: float = 6.0
    prior: float | None = None
    max_block_size: int = 500
    block_window: int | None = DEFAULT_BLOCK_WINDOW
    window_orders: tuple[tuple[str, ...], ...] = DEFAULT_WINDOW_ORDERS
    block_window_free: int | None = DEFAULT_BLOCK_WINDOW_FREE
    em_iterations: int = 40
    random_pairs: int = 200_000
    max_birth_year_gap: int = 2
    cannot_link_weight: float = -12.0
    tf_max_bits: float = 4.0
    full_name_tf: str | None = "name_fold"
    full_name_tf_max_bits: float = 10.0
    label_id: str | None = "cccd"
    veto_id: str | None = "cccd"
    veto_sex: str | None = "sex"
    sex_guessed: str | None = "sex_guessed"
    id_suspect: str | None = "cccd_suspect"
    veto_year: str | None = "birth_year"
    weights: tuple[LevelWeight, ...] = ()
    tf_u: tuple[tuple[str, float], ...] = ()

    def with_training(
        self,
        *,
        weights: tuple[LevelWeight, ...],
        prior: float,
        threshold: float,
        tf_u: tuple[tuple[str, float], ...],
    ) -> LinkageSettings:
        """A copy carrying trained weights, so later runs (incremental) score identically."""
        return replace(self, weights=weights, prior=prior, threshold=threshold, tf_u=tf_u)

    @property
    def accept_probability(self) -> float | None:
        """The probability a pair needs to be accepted: the trained threshold, raised to the
        false-merge-cost floor `cost / (1 + cost)`."""
        if self.threshold is None:
            return None
        return max(self.threshold, self.false_merge_cost / (1.0 + self.false_merge_cost))

    @property
    def is_trained(self) -> bool:
        return bool(self.weights) and self.prior is not None and self.threshold is not None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, path: str | Path | None = None) -> str:
        """Serialise: numbers and column names only (no term-frequency tables, no names)."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinkageSettings:
        data = dict(data)
        data["comparisons"] = tuple(
            ComparisonSpec(**{**c, "thresholds": tuple(c.get("thresholds", ()))}) for c in data["comparisons"]
        )
        data["blocking_rules"] = tuple(
            BlockingRule(b["match_key"], tuple(b["columns"])) for b in data["blocking_rules"]
        )
        if "window_orders" in data:
            data["window_orders"] = tuple(tuple(o) for o in data["window_orders"])
        data["weights"] = tuple(LevelWeight(**w) for w in data.get("weights", ()))
        data["tf_u"] = tuple((str(k), float(v)) for k, v in data.get("tf_u", ()))
        return cls(**data)

    @classmethod
    def from_json(cls, text_or_path: str | Path) -> LinkageSettings:
        path = Path(text_or_path) if not str(text_or_path).lstrip().startswith("{") else None
        text = path.read_text(encoding="utf-8") if path else str(text_or_path)
        return cls.from_dict(json.loads(text))


def default_settings() -> LinkageSettings:
    """Settings for `members_normalised`.

    Surname agreement is weak evidence (DOMAIN.md: Nguyễn 38.4 %), so surname and given
    name carry term-frequency adjustment, and several strict blocking rules are unioned
    rather than one loose one (Splink's blocking guidance).
    """
    comparisons = (
        ComparisonSpec(
            "given_name",
            "name",
            "given_name",
            fold_column="given_fold",
            phonetic_column="given_key",
            thresholds=(0.92, 0.85),
            tf_adjust=True,
            marked_column=NAME_MARKED,
        ),
        ComparisonSpec(
            "surname",
            "name",
            "surname",
            fold_column="surname_fold",
            phonetic_column="surname_key",
            thresholds=(0.9,),
            tf_adjust=True,
            marked_column=NAME_MARKED,
        ),
        # Middle names are few and skewed (Thị, Văn: DOMAIN.md "Names"): agreeing on a rare one
        # says much more than agreeing on Thị.
        ComparisonSpec(
            "middle_name",
            "name",
            "middle_name",
            fold_column="middle_fold",
            thresholds=(0.8,),
            tf_adjust=True,
            marked_column=NAME_MARKED,
        ),
        ComparisonSpec("birth_date", "date", "birth_date", year_column="birth_year"),
        ComparisonSpec("sex", "exact", "sex"),
        ComparisonSpec("cccd", "id", "cccd"),
        ComparisonSpec("commune", "place", "commune_code", parent_column="province_code"),
        ComparisonSpec("phone", "id", "phone"),
    )
    blocking = (
        BlockingRule("cccd", ("cccd",)),
        # Rules keyed only on names and a birth year or date stay within a province: those
        # domains are fixed, so nationwide blocks grow with n² (surname_date alone: 3.7M pairs
        # at 1M rows, 0.26M within provinces, same recall); members are entered by commune
        # branches (DOMAIN.md), and people across provinces still meet through the CCCD,
        # phone, given_date and commune rules.
        BlockingRule("org_given_year", ("org", "given_fold", "birth_year", "province_code")),
        BlockingRule("date_commune", ("birth_date", "commune_code")),
        BlockingRule("phonetic_year", ("surname_key", "given_key", "birth_year", "province_code")),
        BlockingRule("given_date", ("given_key", "birth_date")),
        BlockingRule("surname_date", ("surname_key", "birth_date", "province_code")),
        # org is one of a handful of organisations and the middle name mostly Thị or Văn
        # (DOMAIN.md "Names"): nationwide this rule is nearly "same date and sex"
        BlockingRule("org_date_middle", ("org", "birth_date", "middle_fold", "province_code")),
        BlockingRule("name_commune", ("name_fold", "commune_code")),
        BlockingRule("phone", ("phone",)),
    )
    return LinkageSettings(comparisons=comparisons, blocking_rules=blocking)
