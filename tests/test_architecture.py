"""The domain library stays free of Dagster and of the layers above it (STYLE.md)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"dagster", "assets", "checks", "pipelines"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_library_imports_no_orchestration_layer() -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & FORBIDDEN) for p in (ROOT / "ddss").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_assets_and_checks_do_not_import_pipelines() -> None:
    for folder in ("assets", "checks"):
        for p in (ROOT / folder).rglob("*.py"):
            assert "pipelines" not in _imports(p), p


def test_domain_code_has_no_per_row_python_udfs() -> None:
    """`map_elements` runs Python per row; ddss must stay vectorised (STYLE.md)."""
    hits = [
        str(p.relative_to(ROOT)) for p in (ROOT / "ddss").rglob("*.py") if "map_elements(" in p.read_text()
    ]
    assert hits == []
