"""A finding's file as the human-readable formats show it (``text``, ``concise``): relative to the
working directory, so that it is clickable in the terminal or editor that ran saga-lint
(``saga-lint check path/to/catalog`` from the repository root shows ``path/to/catalog/...``).
The machine formats keep their documented bases: JSON the catalog, SARIF and the CI formats the
repository root (``render.repopath``)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def cwd_path(root: Path, file: str | None) -> str:
    """A finding's file (relative to the catalog ``root``, as given on the command line) relative to
    the working directory, POSIX on POSIX systems; the catalog folder itself for a finding without
    a file."""
    target = os.path.join(root, file) if file else str(root)
    try:
        rel = os.path.relpath(target)
    except ValueError:  # another drive on Windows
        rel = os.path.abspath(target)
    except OSError:  # the working directory is gone (os.getcwd fails): the path as given
        rel = target
    return rel.replace(os.sep, "/") if os.sep != "/" else rel
