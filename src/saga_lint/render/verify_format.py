"""``saga-lint verify``: the flows' reports as text (one block per flow, a summary last) or JSON.

Catalog text is escaped, not removed (``safe.escape_control``): a scenario trace is evidence."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from saga_lint.render.safe import escape_control
from saga_lint.words import plural

if TYPE_CHECKING:
    from saga_lint.orchestrator.verify import FlowReport


def render_text(reports: list[FlowReport]) -> str:
    lines = []
    total_v = 0
    for r in reports:
        kind = "x-saga" if r.structured else "plain flow, prose model"
        if r.coordination == "choreography" and r.not_verified is None:
            kind += "; choreography: participants as event consumers"
        elif r.coordination == "mixed" and r.not_verified is None:
            kind += "; mixed: the orchestrator and the participants as event consumers"
        if r.not_verified is not None:
            lines.append(f"{escape_control(r.flow)} ({kind}): not verified: {escape_control(r.not_verified)}")
            continue
        head = f"{escape_control(r.flow)} ({kind}): {plural(r.scenarios, 'scenario')}, "
        head += "all invariants hold" if not r.violations else plural(len(r.violations), "violation")
        lines.append(head)
        if r.kinds:
            lines.append("  scenarios: " + ", ".join(f"{escape_control(k)} {n}" for k, n in r.kinds.items()))
        for note in r.notes:
            lines.append(f"  note: {escape_control(note)}")
        for x in r.violations:
            total_v += 1
            also = f" (and {plural(x['also_in'], 'more scenario')})" if x["also_in"] else ""
            lines.append(f"  ✗ {x['invariant']}: {escape_control(x['message'])}")
            lines.append(f"    minimal scenario: {escape_control(x['scenario'])}{also}")
            for t in x["trace"][1:]:
                lines.append(f"      {escape_control(t)}")
    skipped = [r.flow for r in reports if r.not_verified is not None]
    verified = plural(len(reports) - len(skipped), "flow") + (" verified" if skipped else "")
    summary = f"{verified}, {plural(sum(r.scenarios for r in reports), 'scenario')}, {plural(total_v, 'violation')}"
    if skipped:
        summary += f"; {len(skipped)} not verified ({escape_control(', '.join(skipped))})"
    lines.append(summary)
    return "\n".join(lines) + "\n"


def render_json(reports: list[FlowReport]) -> str:
    return json.dumps({"flows": [r.to_dict() for r in reports]}, indent=2, ensure_ascii=False) + "\n"
