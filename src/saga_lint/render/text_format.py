"""``--format text``: findings grouped by file, ``line:col  severity  message  (rule)``, summary last."""

from __future__ import annotations

from saga_lint.render.safe import terminal_safe

_MARK = {"error": "error", "warning": "warning", "info": "info"}


def render(result, **kw) -> str:
    out = []
    current = object()
    for f in result.findings:
        if f.file != current:
            if out:
                out.append("")
            out.append(terminal_safe(f.file or "(catalog)"))
            current = f.file
        where = f"{f.line}:{f.column or 1}" if f.line else "-"
        step = f" [step {terminal_safe(f.step)}]" if f.step else ""
        out.append(f"  {where:>8}  {_MARK.get(f.severity, f.severity):<7}  {terminal_safe(f.message)}{step}  ({f.rule})")
    s = result.summary()
    total = s["errors"] + s["warnings"] + s["infos"]
    if out:
        out.append("")
    n_res = sum(s["resources"].values())
    out.append(
        f"{total} problem{'s' if total != 1 else ''} ({s['errors']} error{'s' if s['errors'] != 1 else ''}, "
        f"{s['warnings']} warning{'s' if s['warnings'] != 1 else ''}, {s['infos']} info) "
        f"in {n_res} resources, {s['files']} files checked"
    )
    return "\n".join(out) + "\n"
