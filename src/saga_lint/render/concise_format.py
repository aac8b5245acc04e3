"""``--format concise``: one finding per line, ``path:line:col: severity rule message``, for
editors and ``errorformat``; the path relative to the working directory, so that it is
clickable where saga-lint was run. No summary line; nothing at all when there is no finding."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from saga_lint.render.colour import paint
from saga_lint.render.safe import terminal_safe

if TYPE_CHECKING:
    from pathlib import Path

    from saga_lint.findings import Finding
    from saga_lint.results import Checked


def cwd_path(root: Path, file: str | None) -> str:
    """A finding's file (relative to the catalog ``root``) relative to the working directory, POSIX
    on POSIX systems; the catalog folder itself for a finding without a file."""
    target = os.path.join(root, file) if file else str(root)
    try:
        rel = os.path.relpath(target)
    except ValueError:  # another drive on Windows
        rel = os.path.abspath(target)
    return rel.replace(os.sep, "/") if os.sep != "/" else rel


def line(f: Finding, root: Path, color: bool = False) -> str:
    where = f"{cwd_path(root, f.file)}:{f.line or 1}:{f.column or 1}"
    step = f" [step {f.step}]" if f.step else ""
    sev = paint(f.severity, f.severity.value, color)
    return f"{terminal_safe(where)}: {sev} {f.rule} {terminal_safe(f.message + step)}"


def render(result: Checked, color: bool = False) -> str:
    return "".join(line(f, result.root, color) + "\n" for f in result.findings)
