"""``--format concise``: one finding per line, ``path:line:col: severity rule message``, for
editors and ``errorformat``; the path relative to the working directory, so that it is
clickable where saga-lint was run. No summary line; nothing at all when there is no finding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_lint.render.colour import paint
from saga_lint.render.cwdpath import cwd_path
from saga_lint.render.safe import terminal_safe

if TYPE_CHECKING:
    from pathlib import Path

    from saga_lint.findings import Finding
    from saga_lint.results import Checked


def line(f: Finding, root: Path, color: bool = False) -> str:
    where = f"{cwd_path(root, f.file)}:{f.line or 1}:{f.column or 1}"
    step = f" [step {f.step}]" if f.step else ""
    sev = paint(f.severity, f.severity.value, color)
    return f"{terminal_safe(where)}: {sev} {f.rule} {terminal_safe(f.message + step)}"


def render(result: Checked, color: bool = False) -> str:
    return "".join(line(f, result.root, color) + "\n" for f in result.findings)
