"""``saga-lint verify``: run every scenario of every saga and check the invariants on the store.

Base scenarios (no crash) run, all of them when they fit ``max_scenarios`` (a long saga's
quadratically many compensation faults are cut to half the budget, ``budget_bases``); their crash
variants (a crash after each of the base run's log writes, then a restart) and duplicate-delivery
variants run exhaustively when the total fits ``max_scenarios``, else a seeded sample of them
fills the remaining budget. Each violation is
reported once per (invariant, message), with the smallest scenario that shows it and its trace.
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from saga_lint.orchestrator.engine import Crash, Engine
from saga_lint.orchestrator.invariants import Violation, check, snapshot
from saga_lint.orchestrator.scenarios import (
    MAX_ATTEMPTS,
    Scenario,
    base_scenarios,
    budget_bases,
    expected,
    kind_of,
    sample,
    with_variants,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from saga_lint.orchestrator.engine import EngineOptions
    from saga_lint.orchestrator.records import Snapshot
    from saga_lint.orchestrator.store import Store
    from saga_lint.saga.model import Saga


@dataclass
class RunResult:
    """One scenario run: its trace and what it left in the store."""

    saga_id: str
    scenario: Scenario
    trace: list[str]
    snap: Snapshot
    writes: int  # log writes before the crash (all of them without one)
    crashed: bool = False


class ReportedViolation(TypedDict):
    """A violation as reported: the smallest scenario that shows it, and how many more do."""

    invariant: str
    message: str
    scenario: str
    trace: list[str]
    also_in: int


@dataclass
class FlowReport:
    flow: str
    structured: bool
    scenarios: int = 0
    violations: list[ReportedViolation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_verified: str | None = None  # why the flow was not run (then it has no scenarios and counts as not verified)
    coordination: str = "orchestration"  # orchestration (the reference orchestrator) | choreography | mixed
    kinds: dict[str, int] = field(default_factory=dict)  # scenarios run, by what they exercise (scenarios.kind_of)

    def to_dict(self) -> dict[str, object]:
        return {
            "flow": self.flow,
            "structured": self.structured,
            "coordination": self.coordination,
            "verified": self.not_verified is None,
            "not_verified": self.not_verified,
            "scenarios": self.scenarios,
            "scenario_kinds": self.kinds,
            "violations": [
                {"invariant": x["invariant"], "message": x["message"], "scenario": x["scenario"], "trace": x["trace"],
                 "also_in": x["also_in"]}
                for x in self.violations
            ],
            "notes": self.notes,
        }


def run_scenario(store: Store, saga: Saga, scenario: Scenario, saga_id: str, **engine_opts: Unpack[EngineOptions]) -> RunResult:
    """Run one saga under one scenario; a crash is followed by a restart from the log."""
    trace: list[str] = []
    eng = Engine(store, saga, crash_after=scenario.crash_after, trace=trace, **engine_opts)
    crashed = False
    try:
        eng.start_and_run(saga_id, scenario)
    except Crash:
        crashed = True
        restarted = Engine(store, saga, trace=trace, **engine_opts)
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


@dataclass
class _Witness:
    rank: tuple[int, int, str]  # smaller is simpler: (faults, length of the name, name)
    res: RunResult
    count: int = 1


def _keep_simplest(table: dict[Any, _Witness], key: object, res: RunResult) -> None:
    """Count a run under ``key``, keeping its simplest scenario (fewest faults, shortest name)."""
    rank = (res.scenario.size, len(res.scenario.name), res.scenario.name)
    cur = table.get(key)
    if cur is None:
        table[key] = _Witness(rank, res)
    else:
        cur.count += 1
        if rank < cur.rank:
            cur.rank, cur.res = rank, res


class _Counterexamples:
    """Each (invariant, message) seen, with the simplest scenario that shows it."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str], _Witness] = {}
        self.escalated: dict[str, _Witness] = {}  # failing step -> the runs it escalated without a violation

    def record(self, res: RunResult, violations: list[Violation]) -> None:
        """A run's violations, each under (invariant, message); or its escalation, when it ended
        escalated without one."""
        for viol in violations:
            _keep_simplest(self.found, (viol.invariant, viol.message), res)
        self._record_escalation(res, violations)

    def _record_escalation(self, res: RunResult, violations: list[Violation]) -> None:
        """A run that ended escalated (``scenarios.escalated``) without a violation: reported as
        such, once per failing step, with its simplest scenario."""
        end = next((e for e in reversed(res.snap["log"]) if e["kind"] == "end"), None)
        if violations or end is None or end["detail"].get("state") != "escalated":
            return
        _keep_simplest(self.escalated, str(end["detail"].get("failed_step")), res)

    def escalation_notes(self, saga: Saga) -> list[str]:
        """One note per step whose exhausted retries past the pivot were escalated to a person."""
        notes = []
        for step_id, w in self.escalated.items():
            end = next(e for e in reversed(w.res.snap["log"]) if e["kind"] == "end")
            more = f" (and {w.count - 1} more scenarios)" if w.count > 1 else ""
            pivot = saga.pivots[0].id if saga.pivots else "the pivot"
            notes.append(f"escalated, not a violation: {w.res.scenario.name} ends in {end['detail'].get('status')} "
                         f"(onCompensationFailure): {step_id} ran out of retries after the pivot {pivot}, so nothing is "
                         f"compensated and a person resolves the order{more}")
        return notes

    def reported(self) -> list[ReportedViolation]:
        """By invariant, then simplest scenario first."""
        return [
            {"invariant": inv, "message": msg, "scenario": w.res.scenario.name, "trace": full_trace(w.res),
             "also_in": w.count - 1}
            for (inv, msg), w in sorted(self.found.items(), key=lambda kv: (kv[0][0], kv[1].rank))
        ]


def _capped_policy_notes(saga: Saga) -> list[str]:
    """A note per policy that allows more attempts than are run (``attempts_of``: ``MAX_ATTEMPTS``),
    for orchestrations and choreographies alike."""
    notes = []
    for step in saga.steps:
        for what, policy in (("retry", step.retry), ("compensation retry", step.compensation_retry)):
            if policy is not None and isinstance(policy.max_attempts, int) and policy.max_attempts > MAX_ATTEMPTS:
                notes.append(f"{step.id}: {what} maxAttempts {policy.max_attempts} is run as {MAX_ATTEMPTS} attempts")
    return notes


def run_choreography(store: Store, saga: Saga, scenario: Scenario, saga_id: str,
                     non_idempotent: frozenset[str] = frozenset()) -> RunResult:
    """Run one choreographed saga under one scenario; a consumer crash is followed by a restart.
    ``writes`` of the result counts the participants' consumes (the crash points of the variants)."""
    from saga_lint.orchestrator.choreography import Choreography, choreography_snapshot

    trace: list[str] = []
    eng = Choreography(store, saga, crash_after=scenario.crash_after, crash_point=scenario.crash_point, trace=trace,
                       non_idempotent=non_idempotent)
    crashed = False
    try:
        eng.run(saga_id, scenario)
    except Crash:
        crashed = True
        Choreography(store, saga, trace=trace, non_idempotent=non_idempotent).run(saga_id, scenario)
    return RunResult(saga_id, scenario, trace, choreography_snapshot(store, saga, saga_id), eng.consumes, crashed)


def _budgeted(bases: list[Scenario], report: FlowReport, max_scenarios: int, seed: int) -> list[Scenario]:
    """``budget_bases``, with a note when compensation faults were sampled."""
    kept, left_out = budget_bases(bases, max_scenarios, seed)
    if left_out:
        report.notes.append(
            f"sampled {len(kept)} of {len(bases)} base scenarios (seed {seed}): every forward fault and each "
            f"compensation fault once ran, {left_out} repeats of a compensation fault on another failure path "
            "did not; raise --max-scenarios to run them")
    return kept


def verify_choreography(store: Store, saga: Saga, report: FlowReport, *, max_scenarios: int, seed: int, prefix: str,
                        non_idempotent: frozenset[str] = frozenset()) -> FlowReport:
    """A choreography's base scenarios, then its crash, duplicate and reordering variants within
    ``max_scenarios`` (``choreo_scenarios``), checked with the choreography's invariants."""
    from saga_lint.orchestrator import choreo_scenarios as cs

    ids = (f"{prefix}:{saga.id}:{n}" for n in itertools.count(1))
    found = _Counterexamples()
    report.notes.extend(_capped_policy_notes(saga))  # redeliveries are capped as retries are
    bases = _budgeted(cs.base_scenarios(saga), report, max_scenarios, seed)
    references: dict[Scenario, Snapshot] = {}
    consumes: dict[Scenario, int] = {}
    for sc in bases:
        res = run_choreography(store, saga, sc, next(ids), non_idempotent)
        references[sc], consumes[sc] = res.snap, res.writes
        found.record(res, check(saga, sc, cs.expected(saga, sc), res.snap))
    every_variant = cs.with_variants(bases, consumes)
    variants = sample(every_variant, max(0, max_scenarios - len(bases)), seed)
    if len(variants) < len(every_variant):
        report.notes.append(f"sampled {len(variants)} of {len(every_variant)} crash/duplicate/reordering variants (seed {seed})")
    for sc in variants:
        res = run_choreography(store, saga, sc, next(ids), non_idempotent)
        found.record(res, check(saga, sc, cs.expected(saga, sc), res.snap, references.get(sc.base())))
    report.scenarios = len(bases) + len(variants)
    report.kinds = dict(Counter(kind_of(sc, choreography=True) for sc in [*bases, *variants]))
    report.violations.extend(found.reported())
    report.notes.extend(found.escalation_notes(saga))
    return report


def verify_saga(store: Store, saga: Saga, *, max_scenarios: int = 1000, seed: int = 0, prefix: str | None = None,
                non_idempotent: frozenset[str] = frozenset(), **engine_opts: Unpack[EngineOptions]) -> FlowReport:
    """Every base scenario, then crash and duplicate variants within ``max_scenarios`` (sampled
    with ``seed`` beyond it); each violation with its simplest counterexample. A choreography runs
    on the choreography engine (``non_idempotent``: steps whose compensation consumer is broken on
    purpose), and so does a mixed saga, its orchestrator as one more consumer."""
    report = FlowReport(saga.id, saga.structured, coordination=saga.coordination)
    if not saga.steps:
        report.notes.append("no command steps: nothing to run")
        return report
    prefix = prefix or uuid.uuid4().hex[:10]
    if saga.coordination in ("choreography", "mixed"):
        return verify_choreography(store, saga, report, max_scenarios=max_scenarios or 0, seed=seed, prefix=prefix,
                                   non_idempotent=non_idempotent)
    ids = (f"{prefix}:{saga.id}:{n}" for n in itertools.count(1))
    found = _Counterexamples()
    report.notes.extend(_capped_policy_notes(saga))
    bases = _budgeted(base_scenarios(saga), report, max_scenarios or 0, seed)
    references: dict[Scenario, Snapshot] = {}
    writes: dict[Scenario, int] = {}
    for sc in bases:
        res = run_scenario(store, saga, sc, next(ids), **engine_opts)
        references[sc], writes[sc] = res.snap, res.writes
        violations = check(saga, sc, expected(saga, sc), res.snap)
        found.record(res, violations)
    every_variant = with_variants(bases, writes)
    variants = sample(every_variant, max(0, (max_scenarios or 0) - len(bases)), seed)
    if len(variants) < len(every_variant):
        report.notes.append(f"sampled {len(variants)} of {len(every_variant)} crash/duplicate variants (seed {seed})")
    for sc in variants:
        res = run_scenario(store, saga, sc, next(ids), **engine_opts)
        violations = check(saga, sc, expected(saga, sc), res.snap, references.get(sc.base()))
        found.record(res, violations)
    report.scenarios = len(bases) + len(variants)
    report.kinds = dict(Counter(kind_of(sc) for sc in [*bases, *variants]))
    report.violations.extend(found.reported())
    report.notes.extend(found.escalation_notes(saga))
    return report
