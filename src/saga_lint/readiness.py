"""The release verdict of each saga: is it ready, to be reviewed, or not ready?

A step is ``bad`` when an attribute has no evidence or an error finding is about it, ``weak``
when an attribute is only described in prose or a warning is about it, else ``ok`` (structured
and contract evidence are both checked against the catalog). A saga is
"Not ready" with any error finding, "Review" with a warning or any step attribute missing or in
prose, else "Ready". Computed here, from the check's findings and the saga model, so that the
HTML report only shows it (``results.SagaReadiness``, handed over in a ``results.ReportInput``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from saga_lint.results import BaseChanges, Health, ReportInput, SagaReadiness, VerificationItem
from saga_lint.saga.model import LEVELS

if TYPE_CHECKING:
    from saga_lint.findings import Finding
    from saga_lint.results import Result
    from saga_lint.saga.model import Saga, SagaStep


def flow_findings(saga: Saga, findings: Sequence[Finding]) -> list[Finding]:
    """The findings about the saga's flow (its version), in their order."""
    flow = saga.flow
    return [f for f in findings if f.resource is not None and f.resource.type == flow.type
            and f.resource.id == flow.id and f.resource.version == flow.version]


def _step_health(step: SagaStep, attrs: Sequence[str], findings: Sequence[Finding], levels: Counter[str]) -> Health:
    """How one step stands; counts its evidence cells by level into ``levels``."""
    worst: Health = "ok"
    for a in attrs:
        ev = step.evidence.get(a)
        if ev is None:
            worst = "bad"
            levels["missing"] += 1
            continue
        levels[ev.level] += 1
        if ev.level == "missing":
            worst = "bad"
        elif ev.level == "prose" and worst == "ok":
            worst = "weak"
    sevs = {f.severity for f in findings}
    if "error" in sevs:
        worst = "bad"
    elif "warning" in sevs and worst == "ok":
        worst = "weak"
    return worst


def assess_saga(saga: Saga, findings: Sequence[Finding]) -> SagaReadiness:
    """The verdict of one saga from all of the check's findings."""
    from saga_lint.saga import ATTRIBUTES

    mine = flow_findings(saga, findings)
    by_step: defaultdict[str, list[Finding]] = defaultdict(list)
    for f in mine:
        if f.step:
            by_step[f.step].append(f)
    levels: Counter[str] = Counter()
    steps = tuple(_step_health(st, ATTRIBUTES, by_step.get(st.id, []), levels) for st in saga.steps)
    sev = Counter(str(f.severity) for f in mine)
    verdict: str
    cls: Health
    if sev["error"]:
        verdict, cls = "Not ready", "bad"
    elif sev["warning"] or levels["missing"] or levels["prose"]:
        verdict, cls = "Review", "weak"
    else:
        verdict, cls = "Ready", "ok"
    return SagaReadiness(
        verdict=verdict,
        health=cls,
        steps=steps,
        step_health={st.id: h for st, h in zip(saga.steps, steps, strict=True)},
        step_findings={st.id: len(by_step.get(st.id, [])) for st in saga.steps},
        levels={k: levels[k] for k in LEVELS},
        errors=sev["error"],
        warnings=sev["warning"],
        infos=sev["info"],
    )


def assess(result: Result) -> list[SagaReadiness]:
    """The verdict of every saga of a check, in the order of ``result.sagas``."""
    return [assess_saga(s, result.findings) for s in result.sagas or []]


def report_input(result: Result, changes: BaseChanges | None = None,
                 verification: Sequence[VerificationItem] | None = None) -> ReportInput:
    """What the HTML report of a check shows: the result, each saga's verdict, and what the
    caller adds (the changes since a base revision, verification results)."""
    return ReportInput(check=result, readiness=assess(result), changes=changes, verification=verification)
