"""Thin Dagster assets: each reads its inputs, calls one ddss function, attaches counts, returns."""
