"""``saga-lint verify``: run every scenario of every saga and check the invariants on the store.

Base scenarios (no crash) always run; their crash variants (a crash after each of the base run's
log writes, then a restart) and duplicate-delivery variants run exhaustively when the total fits
``max_scenarios``, else a seeded sample of them fills the remaining budget. Each violation is
reported once per (invariant, message), with the smallest scenario that shows it and its trace.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from saga_lint.orchestrator.engine import Crash, Engine
from saga_lint.orchestrator.invariants import check, snapshot
from saga_lint.orchestrator.scenarios import Scenario, base_scenarios, expected, sample, with_variants


@dataclass
class RunResult:
    saga_id: str
    scenario: Scenario
    trace: list
    snap: dict
    writes: int
    crashed: bool = False


@dataclass
class FlowReport:
    flow: str
    structured: bool
    scenarios: int = 0
    violations: list = field(default_factory=list)  # dicts: invariant, message, scenario, trace, also
    notes: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "flow": self.flow,
            "structured": self.structured,
            "scenarios": self.scenarios,
            "violations": [
                {"invariant": x["invariant"], "message": x["message"], "scenario": x["scenario"], "trace": x["trace"],
                 "also_in": x["also_in"]}
                for x in self.violations
            ],
            "notes": self.notes,
        }


def run_scenario(store, saga, scenario: Scenario, saga_id: str, **engine_opts) -> RunResult:
    trace: list = []
    eng = Engine(store, saga, crash_after=scenario.crash_after, trace=trace, **engine_opts)
    crashed = False
    try:
        eng.start_and_run(saga_id, scenario)
    except Crash:
        crashed = True
        restarted = Engine(store, saga, trace=trace, **engine_opts)
        restarted._scenario = scenario
        restarted.run(saga_id, scenario)
    snap = snapshot(store, saga_id)
    return RunResult(saga_id, scenario, trace, snap, eng.writes, crashed)


def full_trace(res: RunResult) -> list[str]:
    lines = [f"scenario: {res.scenario.name}"] + list(res.trace)
    lines.append("status timeline: " + " -> ".join(str(s) for s in res.snap["timeline"]))
    rows = ", ".join(f"{step}: {kind} {st}" for step, (kind, st, _) in sorted(res.snap["rows"].items())) or "none"
    lines.append(f"participant state: {rows}")
    lines.append(f"outcome records: {len(res.snap['outcomes'])}, outbox events: {len(res.snap['outbox'])}")
    return lines


def verify_saga(store, saga, *, max_scenarios: int = 1000, seed: int = 0, prefix: str | None = None, **engine_opts) -> FlowReport:
    report = FlowReport(saga.id, saga.structured)
    if not saga.steps:
        report.notes.append("no command steps: nothing to run")
        return report
    prefix = prefix or uuid.uuid4().hex[:10]
    counter = [0]

    def next_id():
        counter[0] += 1
        return f"{prefix}:{saga.id}:{counter[0]}"

    found: dict = {}

    def record(res: RunResult, violations):
        for viol in violations:
            key = (viol.invariant, viol.message)
            cur = found.get(key)
            rank = (res.scenario.size, len(res.scenario.name), res.scenario.name)
            if cur is None:
                found[key] = {"rank": rank, "res": res, "count": 1}
            else:
                cur["count"] += 1
                if rank < cur["rank"]:
                    cur["rank"], cur["res"] = rank, res

    from saga_lint.orchestrator.scenarios import MAX_ATTEMPTS

    for step in saga.steps:
        for what, policy in (("retry", step.retry), ("compensation retry", step.compensation_retry)):
            if policy is not None and isinstance(policy.max_attempts, int) and policy.max_attempts > MAX_ATTEMPTS:
                report.notes.append(f"{step.id}: {what} maxAttempts {policy.max_attempts} is run as {MAX_ATTEMPTS} attempts")
    bases = base_scenarios(saga)
    references, writes = {}, {}
    for sc in bases:
        res = run_scenario(store, saga, sc, next_id(), **engine_opts)
        references[sc], writes[sc] = res.snap, res.writes
        record(res, check(saga, sc, expected(saga, sc), res.snap))
    variants = sample(with_variants(bases, writes), max(0, (max_scenarios or 0) - len(bases)), seed)
    if len(variants) < len(with_variants(bases, writes)):
        report.notes.append(f"sampled {len(variants)} of {len(with_variants(bases, writes))} crash/duplicate variants (seed {seed})")
    for sc in variants:
        res = run_scenario(store, saga, sc, next_id(), **engine_opts)
        record(res, check(saga, sc, expected(saga, sc), res.snap, references.get(sc.base())))
    report.scenarios = len(bases) + len(variants)
    for (inv, msg), info in sorted(found.items(), key=lambda kv: (kv[0][0], kv[1]["rank"])):
        report.violations.append({
            "invariant": inv, "message": msg, "scenario": info["res"].scenario.name,
            "trace": full_trace(info["res"]), "also_in": info["count"] - 1,
        })
    return report


def _clean(text) -> str:
    """Catalog text shown on a terminal: control characters escaped."""
    s = str(text)
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in s)


def render_text(reports: list[FlowReport]) -> str:
    lines = []
    total_v = 0
    for r in reports:
        kind = "x-saga" if r.structured else "plain flow, prose model"
        head = f"{_clean(r.flow)} ({kind}): {r.scenarios} scenarios, "
        head += "all invariants hold" if not r.violations else f"{len(r.violations)} violation(s)"
        lines.append(head)
        for note in r.notes:
            lines.append(f"  note: {_clean(note)}")
        for x in r.violations:
            total_v += 1
            also = f" (and {x['also_in']} more scenario(s))" if x["also_in"] else ""
            lines.append(f"  ✗ {x['invariant']}: {_clean(x['message'])}")
            lines.append(f"    minimal scenario: {_clean(x['scenario'])}{also}")
            for t in x["trace"][1:]:
                lines.append(f"      {_clean(t)}")
    lines.append(f"{len(reports)} flow(s), {sum(r.scenarios for r in reports)} scenarios, {total_v} violation(s)")
    return "\n".join(lines) + "\n"


def render_json(reports: list[FlowReport]) -> str:
    import json

    return json.dumps({"flows": [r.to_dict() for r in reports]}, indent=2, ensure_ascii=False) + "\n"
