"""The run refuses to start when member data is tracked by git (personal data in every clone)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ddss.guard import DataTrackedByGitError, assert_data_not_tracked, tracked_data_files


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-C", str(repo), *args],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository laid out like ddss: data/raw and data/clean with placeholders committed."""
    root = tmp_path / "repo"
    for folder in ("data/raw", "data/clean"):
        (root / folder).mkdir(parents=True)
        (root / folder / ".gitkeep").write_text("")
    (root / "data" / "raw" / "README.md").write_text("Drop member spreadsheets here.\n")
    ignore = "/data/raw/*\n!/data/raw/.gitkeep\n!/data/raw/README.md\n/data/clean/*\n"
    (root / ".gitignore").write_text(ignore)
    _git(root, "init", "-q")
    _git(root, "add", ".gitignore", "data/raw/.gitkeep", "data/raw/README.md")
    _git(root, "add", "-f", "data/clean/.gitkeep")
    _git(root, "commit", "-q", "-m", "layout")
    return root


def test_placeholders_and_ignored_data_pass(repo: Path) -> None:
    (repo / "data" / "raw" / "hoi-phu-nu").mkdir()
    (repo / "data" / "raw" / "hoi-phu-nu" / "DS hoi vien.xlsx").write_bytes(b"x")  # ignored, untracked
    assert tracked_data_files(repo) == []
    assert_data_not_tracked(repo)


@pytest.mark.parametrize(
    "tracked",
    ["data/raw/hoi-phu-nu/Nguyen Van A.xlsx", "data/clean/members.duckdb", "data/clean/review/x.xlsx"],
)
def test_tracked_member_data_refuses_to_run(repo: Path, tracked: str) -> None:
    path = repo / tracked
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"personal data")
    _git(repo, "add", "-f", tracked)  # `git add -f` gets past .gitignore: the guard must not
    assert tracked_data_files(repo) == [tracked]
    with pytest.raises(DataTrackedByGitError) as err:
        assert_data_not_tracked(repo)
    message = str(err.value)
    assert "refusing to run" in message and "1 file(s)" in message and "git rm -r --cached" in message
    assert "Nguyen" not in message  # file names can carry a person's name: count only


def test_staged_file_counts_even_before_commit(repo: Path) -> None:
    (repo / "data" / "clean" / "metrics.duckdb").write_bytes(b"x")
    _git(repo, "add", "-f", "data/clean/metrics.duckdb")
    with pytest.raises(DataTrackedByGitError):
        assert_data_not_tracked(repo)


def test_absolute_data_folders_inside_and_outside_the_repo(repo: Path, tmp_path: Path) -> None:
    (repo / "data" / "raw" / "a.csv").write_text("x")
    _git(repo, "add", "-f", "data/raw/a.csv")
    with pytest.raises(DataTrackedByGitError):
        assert_data_not_tracked(repo, [repo / "data" / "raw", repo / "data" / "clean"])
    # A data folder outside the repository cannot be tracked by it.
    assert tracked_data_files(repo, [tmp_path / "elsewhere" / "raw"]) == []


def test_not_a_repository_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "data" / "raw").mkdir(parents=True)
    assert tracked_data_files(tmp_path) == []
