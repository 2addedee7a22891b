"""Refuse to run when member data is tracked by git.

Member spreadsheets and the clean outputs hold personal data (Personal Data Protection Law);
a commit would copy them to every clone and every remote, forever. `.gitignore` keeps them out
by default, but `git add -f` gets past it, so the pipeline checks the index before it reads
anything.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

DEFAULT_DATA_FOLDERS: tuple[str, ...] = ("data/raw", "data/clean")
ALLOWED_NAMES = frozenset({".gitkeep", "README", "README.md"})
"""Placeholders that may be committed so the empty folders exist in a fresh clone."""


class DataTrackedByGitError(RuntimeError):
    """Raised before a run when git tracks files under a data folder."""


def tracked_data_files(repo_root: Path, folders: Sequence[str | Path] = DEFAULT_DATA_FOLDERS) -> list[str]:
    """Paths (relative to the repo) that git tracks under `folders`, placeholders excepted.

    Folders outside `repo_root` are ignored (git cannot track them); no git or no repository
    means nothing can be tracked.
    """
    root = Path(repo_root).resolve()
    git = shutil.which("git")
    if git is None:
        return []
    inside = [str(p) for p in (_resolve(root, f) for f in folders) if p == root or root in p.parents]
    if not inside:
        return []
    proc = subprocess.run(
        [git, "-c", f"safe.directory={root}", "-C", str(root), "ls-files", "-z", "--", *inside],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        if b"not a git repository" in proc.stderr:
            return []
        raise DataTrackedByGitError(
            f"cannot check whether data folders are tracked by git (git ls-files exit {proc.returncode})"
        )
    names = [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    return sorted(n for n in names if n.rsplit("/", 1)[-1] not in ALLOWED_NAMES)


def assert_data_not_tracked(repo_root: Path, folders: Sequence[str | Path] = DEFAULT_DATA_FOLDERS) -> None:
    """Raise `DataTrackedByGitError` if git tracks member data under `folders`.

    The message gives the count and the command to list them, never the file names: a
    steward's file name can carry a person's name.
    """
    tracked = tracked_data_files(repo_root, folders)
    if tracked:
        shown = " ".join(str(f) for f in folders)
        raise DataTrackedByGitError(
            f"refusing to run: {len(tracked)} file(s) under {shown} are tracked by git and would "
            f"publish personal data. Untrack them with `git rm -r --cached {shown}` (they stay on "
            f"disk), commit, and check .gitignore; `git ls-files {shown}` lists them."
        )


def _resolve(root: Path, folder: str | Path) -> Path:
    path = Path(folder)
    return (path if path.is_absolute() else root / path).resolve()
