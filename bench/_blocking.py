"""Province-bounded blocking for `--blocking place` (docs/SCALING.md §2): the benchmark's
measured alternative to rules whose key domain is fixed, so their pairs grow with n².
"""

from __future__ import annotations

from ddss.linkage import LinkageSettings


def place_bounded_settings() -> LinkageSettings:
    """ddss's default linkage settings with `province_code` added to every blocking rule whose
    key has a fixed domain (given name, surname, birth year or date, org, middle name).

    Such a key's blocks grow with the data, so its pairs grow with n²; a place key's domain
    grows with the data instead. Rules on CCCD, phone or commune are left as they are, and
    still link people across provinces.
    """
    from dataclasses import replace

    from ddss.linkage import BlockingRule, default_settings

    settings = default_settings()
    linear = {"cccd", "phone", "commune_code", "province_code"}
    rules = tuple(
        r
        if linear & set(r.columns)
        else BlockingRule(f"{r.match_key}_province", (*r.columns, "province_code"))
        for r in settings.blocking_rules
    )
    return replace(settings, blocking_rules=rules)


def place_bounded_search() -> None:
    """The same change for đối soát's search path, patched in for this process only:
    `(name_key, birth_year, sex)` becomes `(name_key, birth_year, sex, province_code)`.

    The rules are a module constant (`ddss.reconcile.search.BLOCKING_RULES`), not a setting,
    so the benchmark replaces the constant; docs/SCALING.md proposes making it the default.
    """
    from ddss.reconcile import search

    bounded = {"province_code", "commune_code", "birth_date"}
    search.BLOCKING_RULES = tuple(
        r if bounded & set(r) else (*r, "province_code") for r in search.BLOCKING_RULES
    )
