"""``--format text``: findings grouped by file, ``line:col  severity  message  (rule)``, summary last.

Each group starts with the file's path relative to the working directory (``render.cwdpath``), so
that it is clickable where saga-lint was run; ``(catalog)`` for findings about no file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_lint.render.colour import paint
from saga_lint.render.cwdpath import cwd_path
from saga_lint.render.safe import terminal_safe
from saga_lint.words import plural

if TYPE_CHECKING:
    from saga_lint.results import Checked


def render(result: Checked, color: bool = False) -> str:
    out: list[str] = []
    current: object = object()
    for f in result.findings:
        if f.file != current:
            if out:
                out.append("")
            out.append(terminal_safe(cwd_path(result.root, f.file) if f.file else "(catalog)"))
            current = f.file
        where = f"{f.line}:{f.column or 1}" if f.line else "-"
        step = f" [step {terminal_safe(f.step)}]" if f.step else ""
        sev = paint(f.severity, f"{f.severity!s:<7}", color)
        out.append(f"  {where:>8}  {sev}  {terminal_safe(f.message)}{step}  ({f.rule})")
    s = result.summary()
    total = s["errors"] + s["warnings"] + s["infos"]
    if out:
        out.append("")
    n_res = sum(s["resources"].values())
    out.append(
        f"{plural(total, 'problem')} ({plural(s['errors'], 'error')}, {plural(s['warnings'], 'warning')}, "
        f"{s['infos']} info) in {plural(n_res, 'resource')}, {plural(s['files'], 'file')} checked"
        + (f" against {result.eventcatalog.label()}" if result.eventcatalog is not None else "")
    )
    return "\n".join(out) + "\n"
