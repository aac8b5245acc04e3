"""Scenarios: a fault plan per saga run, their enumeration, and what the catalog says should happen.

A scenario is written as comma-separated ``key=value`` items (the form ``saga-lint run
--scenario`` takes and reports print)::

    authorize_payment=payment-declined          business failure (any unique part of the event id)
    create_order=transient:2                    2 timeouts, then success
    create_order=exhaust                        every attempt times out
    reserve_inventory=timeout-after-effect      done, but the reply is lost; the retry gets it
    reserve_inventory.compensation=transient:1  the compensation times out once
    reserve_inventory.compensation=fail         the compensation never succeeds
    crash=5                                     the orchestrator crashes after its 5th log write
    duplicates=yes                              every reply is delivered twice

A choreography (``choreography.py``) reads the same items as deliveries of events: ``transient:K``
is K lost deliveries of the step's trigger, each redelivered; ``exhaust`` loses every delivery (the
trigger is dead-lettered). It adds::

    capture_payment=duplicate                   the trigger is delivered twice
    capture_payment=late-duplicate              ... and the second copy arrives after everything
                                                else, the compensation event included
    crash=before-commit:3                       the 3rd consumer crashes before its commit, restarts
    crash=after-commit:3                        ... after its commit, before the relay and the ack
    reordered=yes                               the status service gets its events newest first

Steps not named succeed. ``ok`` (or an empty scenario) is the happy path.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from saga_lint.orchestrator.participants import Plan
    from saga_lint.saga.model import RetryPolicy, Saga, SagaStep, StepFailure

DEFAULT_TIMEOUT = 30.0  # seconds a step waits when the catalog declares no per-attempt timeout


class ScenarioError(ValueError):
    """A scenario text that does not fit the saga (unknown step, key or behaviour)."""


@dataclass(frozen=True)
class Scenario:
    """One fault plan: how each step's participant behaves, a crash point, duplicated replies."""

    # ((step id, behaviour), ...) behaviour: business:EVENT | transient:K | exhaust | timeout-after-effect
    forward: tuple[tuple[str, str], ...] = ()
    compensation: tuple[tuple[str, str], ...] = ()  # ((step id, transient:K | fail), ...)
    crash_after: int | None = None
    duplicates: bool = False
    crash_point: str | None = None  # choreography: before-commit | after-commit (crash_after: which consume)
    reordered: bool = False  # choreography: the status service receives its events newest first

    @property
    def name(self) -> str:
        parts = [f"{s}={b.split(':', 1)[1] if b.startswith('business:') else b}" for s, b in self.forward]
        parts += [f"{s}.compensation={b}" for s, b in self.compensation]
        if self.crash_after is not None:
            point = f"{self.crash_point}:" if self.crash_point else ""
            parts.append(f"crash={point}{self.crash_after}")
        if self.duplicates:
            parts.append("duplicates=yes")
        if self.reordered:
            parts.append("reordered=yes")
        return ", ".join(parts) or "ok"

    @property
    def size(self) -> int:
        return (len(self.forward) + len(self.compensation) + (self.crash_after is not None) + self.duplicates
                + self.reordered)

    def base(self) -> Scenario:
        """The same faults without the crash (the run a crash run must converge to)."""
        return Scenario(self.forward, self.compensation, None, self.duplicates, None, self.reordered)

    def behaviour(self, step_id: str, direction: str) -> str:
        table = self.forward if direction == "forward" else self.compensation
        for s, b in table:
            if s == step_id:
                return b
        return "ok"

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "forward": dict(self.forward), "compensation": dict(self.compensation),
                "crash_after": self.crash_after, "crash_point": self.crash_point, "duplicates": self.duplicates,
                "reordered": self.reordered}


_KINDS = {  # forward behaviour -> (orchestration, choreography) words
    "business": ("business failure", "business failure event"),
    "transient": ("transient failure", "delivery lost then redelivered"),
    "exhaust": ("retries exhausted", "trigger dead-lettered"),
    "timeout-after-effect": ("timeout after the effect", "timeout after the effect"),
    "duplicate": ("trigger delivered twice", "trigger delivered twice"),
    "late-duplicate": ("trigger redelivered after the compensation", "trigger redelivered after the compensation"),
}


def kind_of(sc: Scenario, choreography: bool = False) -> str:
    """What a scenario exercises, in words (``verify`` counts its scenarios by these)."""
    if sc.crash_after is not None:
        return f"consumer crash {sc.crash_point.replace('-', ' ')}" if sc.crash_point else "orchestrator crash"
    if sc.duplicates:
        return "every delivery duplicated" if choreography else "every reply delivered twice"
    if sc.reordered:
        return "status events reordered"
    behaviours = [b.split(":", 1)[0] for _, b in sc.forward]
    if "late-duplicate" in behaviours:
        return _KINDS["late-duplicate"][1]
    if sc.compensation:
        dead = sc.compensation[0][1] == "fail"
        if choreography:
            return "compensation dead-lettered" if dead else "compensation event lost"
        return "compensation never succeeds" if dead else "compensation fails transiently"
    if not behaviours:
        return "all steps succeed"
    return _KINDS.get(behaviours[0], (behaviours[0], behaviours[0]))[choreography]


MAX_ATTEMPTS = 100  # a policy allowing more is run with this many (reported as a note)


def attempts_of(policy: RetryPolicy | None) -> int:
    """Attempts a policy allows: 1 without a (valid) policy, at most ``MAX_ATTEMPTS``."""
    if policy is None or not isinstance(policy.max_attempts, int) or policy.max_attempts < 1:
        return 1
    return min(int(policy.max_attempts), MAX_ATTEMPTS)


def step_named(saga: Saga, step_id: str) -> SagaStep:
    """The saga's step with this id, which the caller knows exists (it came from the saga or its log)."""
    step = saga.step(step_id)
    if step is None:
        raise LookupError(f"no step {step_id!r} in saga {saga.id}")
    return step


def transient_counts(n: int) -> list[int]:
    """How many transient failures to try for a policy of n attempts: all when few, else the edges."""
    if n - 1 <= 4:
        return list(range(1, n))
    return [1, 2, n - 2, n - 1]


def plan_for(scenario: Scenario, saga: Saga) -> Plan:
    """``plan(step, direction, attempt) -> behaviour`` for the simulated participants."""

    def plan(step_id: str, direction: str, attempt: int) -> str:
        b = scenario.behaviour(step_id, direction)
        if b == "ok":
            return "ok"
        if b.startswith("business:"):
            return b
        if b.startswith("transient:"):
            return "lost" if attempt <= int(b.split(":", 1)[1]) else "ok"
        if b in ("exhaust", "fail"):
            return "lost"
        if b == "timeout-after-effect":
            return "lost-after" if attempt <= 1 else "ok"
        return "ok"

    return plan


CHOREOGRAPHY_BEHAVIOURS = ("duplicate", "late-duplicate")  # forward behaviours only a choreography has
CRASH_POINTS = ("before-commit", "after-commit")  # where a choreography's consumer crashes


def _on(value: str) -> bool:
    return value.lower() in ("yes", "true", "1", "all", "on")


def _parse_crash(value: str, choreography: bool) -> tuple[int, str | None]:
    """``crash=N`` (orchestrator: after its Nth log write) or, in a choreography,
    ``crash=before-commit:N`` / ``crash=after-commit:N`` (the Nth consume)."""
    point, _, number = value.rpartition(":")
    if not number.isdigit() or int(number) < 1:
        raise ScenarioError("crash=N needs a positive number of log writes" if not choreography
                            else "crash=before-commit:N or crash=after-commit:N needs a positive number of consumes")
    if choreography and point not in CRASH_POINTS:
        raise ScenarioError("a choreography crashes a consumer: crash=before-commit:N or crash=after-commit:N")
    if not choreography and point:
        raise ScenarioError("crash=N: the orchestrator crashes after its Nth log write (crash points are for choreographies)")
    return int(number), point or None


def _parse_forward(step: SagaStep, value: str, saga: Saga) -> str | None:
    """A forward behaviour, or None for ``ok``."""
    choreography = saga.coordination in ("choreography", "mixed")
    plain = ("ok", "exhaust") + (CHOREOGRAPHY_BEHAVIOURS if choreography else ("timeout-after-effect",))
    if value in plain or _transient(value):
        return None if value == "ok" else value
    return "business:" + _business_event(step, value, saga.structured)


def parse(text: str, saga: Saga) -> Scenario:
    """Parse ``step=behaviour, ...`` against the saga's steps (errors name what is allowed)."""
    forward: list[tuple[str, str]] = []
    comp: list[tuple[str, str]] = []
    crash: tuple[int, str | None] = (0, None)
    dups = reordered = False
    ids = [s.id for s in saga.steps]
    for item in [p.strip() for p in (text or "").replace(";", ",").split(",") if p.strip()]:
        if item == "ok":
            continue
        if "=" not in item:
            raise ScenarioError(f"expected KEY=VALUE, got {item!r}")
        key, value = (x.strip() for x in item.split("=", 1))
        if key == "crash":
            crash = _parse_crash(value, saga.coordination in ("choreography", "mixed"))
            continue
        if key == "reordered" and saga.coordination not in ("choreography", "mixed"):
            raise ScenarioError("reordered=yes reorders the status service's events: choreographies only")
        if key in ("duplicates", "duplicate", "reordered"):
            dups, reordered = (_on(value), reordered) if key != "reordered" else (dups, _on(value))
            continue
        step_id, _, sub = key.partition(".")
        step = saga.step(step_id)
        if step is None:
            raise ScenarioError(f"no step {step_id!r} in {saga.id} (steps: {', '.join(ids) or 'none'})")
        if sub == "compensation":
            if value != "fail" and not _transient(value):
                raise ScenarioError(f"{key}: use transient:K or fail")
            comp.append((step_id, value))
            continue
        if sub:
            raise ScenarioError(f"unknown key {key!r}")
        behaviour = _parse_forward(step, value, saga)
        if behaviour is not None:
            forward.append((step_id, behaviour))
    return Scenario(tuple(forward), tuple(comp), crash[0] or None, dups, crash[1], reordered)


def _transient(value: str) -> bool:
    return value.startswith("transient:") and value.split(":", 1)[1].isdigit() and int(value.split(":", 1)[1]) >= 1


def _business_events(step: SagaStep) -> list[str]:
    """The reply events of a step's declared business failures."""
    failures: Sequence[StepFailure] = step.business_failures
    return [f.event for f in failures if f.event is not None]


def _edge_labels(step: SagaStep) -> list[str | None]:
    """The labels of a plain flow step's failure edges (None or empty when unlabelled)."""
    edges: Sequence[tuple[str | None, str]] = step.failure_edges  # (label, target step id)
    return [label for label, _ in edges]


def _business_event(step: SagaStep, value: str, structured: bool = False) -> str:
    events = _business_events(step)
    labels: list[str] = [] if structured else [label for label in _edge_labels(step) if label]
    value = value.removeprefix("business:")
    for cand in events + labels:
        if cand == value:
            return cand
    matches = [c for c in events + labels if value.lower() in c.lower()]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(events + labels) or "none declared"
    raise ScenarioError(f"{step.id}: {value!r} is not one of its business failures ({known}); "
                        "use ok, transient:K, exhaust or timeout-after-effect")


# --- enumeration -------------------------------------------------------------------------------


def business_reasons(step: SagaStep, structured: bool = False) -> list[str]:
    """Declared business failure events; for plain flows, labelled failure edges stand in (an
    x-saga block's ``failures`` are the whole list: its edges draw those failures)."""
    events = _business_events(step)
    if events or structured:
        return events
    return [label or "(unlabelled failure edge)" for label in _edge_labels(step)][:1]


def base_scenarios(saga: Saga) -> list[Scenario]:
    """Every step succeeds; each business failure; k transient failures; exhausted retries;
    a timeout after the side effect; each compensation failing transiently (once, and one short
    of its limit) or for good, on the failure path that needs the most compensations."""
    out = forward_scenarios(saga)
    return out + _compensation_scenarios(saga, out)


def forward_scenarios(saga: Saga, last: str = "timeout-after-effect") -> list[Scenario]:
    """The happy path, then per step: each business failure, k transient failures, exhausted
    retries, and ``last`` (an orchestration: a timeout after the side effect; a choreography: the
    trigger delivered twice)."""
    out = [Scenario()]
    for step in saga.steps:
        for ev in business_reasons(step, saga.structured):
            out.append(Scenario(((step.id, "business:" + ev),)))
        n = attempts_of(step.retry)
        for k in transient_counts(n):
            out.append(Scenario(((step.id, f"transient:{k}"),)))
        out.append(Scenario(((step.id, "exhaust"),)))
        out.append(Scenario(((step.id, last),)))
    return out


def _compensation_scenarios(saga: Saga, forward: list[Scenario]) -> list[Scenario]:
    """On every single-fault failure path that compensates something, each compensation fails
    once or for good; on the first path with the most to undo also one short of its limit."""
    out: list[Scenario] = []
    paths: list[tuple[Scenario, list[str]]] = []
    for sc in forward:
        if len(sc.forward) == 1 and (sc.forward[0][1].startswith("business:") or sc.forward[0][1] == "exhaust"):
            exp = expected(saga, sc)
            queue = compensation_queue(saga, exp)
            if queue:
                paths.append((sc, queue))
    widest = max((len(q) for _, q in paths), default=0)
    seen_widest = False
    for sc, queue in paths:
        extra_last = len(queue) == widest and not seen_widest
        seen_widest = seen_widest or extra_last
        for sid in queue:
            cs = step_named(saga, sid)
            if cs.compensation in (None, "none"):
                continue
            m = attempts_of(cs.compensation_retry)
            ks = [1] if m > 1 else []
            if extra_last and m - 1 > 1:
                ks.append(m - 1)
            for k in ks:
                out.append(Scenario(sc.forward, ((sid, f"transient:{k}"),)))
            out.append(Scenario(sc.forward, ((sid, "fail"),)))
    return out


def with_variants(bases: list[Scenario], log_writes: dict[Scenario, int]) -> list[Scenario]:
    """Crash after each log write of each base run, and each base run with duplicated replies."""
    out: list[Scenario] = []
    for b in bases:
        for i in range(1, log_writes.get(b, 0) + 1):
            out.append(Scenario(b.forward, b.compensation, i, False))
        out.append(Scenario(b.forward, b.compensation, None, True))
    return out


def budget_bases(bases: list[Scenario], limit: int, seed: int) -> tuple[list[Scenario], int]:
    """The base scenarios to run within the budget ``limit``, and how many were left out. Bases
    within the budget all run. But a saga of n steps has about n^2 compensation faults (each
    compensation failing on each failure path before it), so a long saga's bases alone exceed any
    budget; then every scenario without a compensation fault runs (linear in the steps), so does
    each distinct compensation fault once, on the last failure path that has it (the one with the
    most to undo), and a ``seed``ed sample of the other compensation faults fills half the budget,
    which leaves the rest to the crash and duplicate variants. Those that always run are linear in
    the steps (about 8 a step), so a saga too long for half the budget leaves the variants less than
    half, and one too long for the whole budget runs them beyond it and leaves the variants none."""
    if len(bases) <= limit:
        return list(bases), 0
    kept: set[int] = set()
    covered: set[tuple[tuple[str, str], ...]] = set()
    for i in range(len(bases) - 1, -1, -1):
        fault = bases[i].compensation
        if not fault or fault not in covered:
            covered.add(fault)
            kept.add(i)
    rest = [i for i in range(len(bases)) if i not in kept]
    room = max(0, limit // 2 - len(kept))
    picked = random.Random(seed).sample(rest, room) if room < len(rest) else rest
    kept.update(picked)
    return [bases[i] for i in sorted(kept)], len(bases) - len(kept)


def sample(scenarios: list[Scenario], limit: int | None, seed: int) -> list[Scenario]:
    """At most ``limit`` of the scenarios, in their order; which ones is decided by ``seed``."""
    if limit is None or len(scenarios) <= limit:
        return list(scenarios)
    rng = random.Random(seed)
    picked = rng.sample(range(len(scenarios)), limit)
    return [scenarios[i] for i in sorted(picked)]


# --- what the catalog says should happen (the oracle) -------------------------------------------


@dataclass
class Expected:
    """What the catalog declares for a scenario's path."""

    success: bool
    failed_step: str | None = None
    failure_kind: str | None = None  # business | technical
    defined: bool = True  # does the catalog say what happens on this failure?
    status: str | None = None  # the declared final status for this path (None: undeclared)
    status_source: str = ""
    completed: list[str] = field(default_factory=list)  # steps whose effect happened, in order
    to_compensate: list[str] = field(default_factory=list)  # compensatable steps whose effect happened
    compensation_fails: list[str] = field(default_factory=list)  # steps whose compensation never succeeds
    escalated: bool = False  # a step after the pivot ran out of retries: nothing compensated, a person resolves it


def failure_status(step: SagaStep, kind: str, event: str | None) -> str | None:
    """The customer status the catalog declares for this step failing so (None: undeclared)."""
    f: StepFailure
    if kind == "business":
        for f in step.failures:
            if f.event == event:
                return f.status
        return None
    for f in step.failures:
        if f.error in ("timeout", "error") or (f.error and not f.event):
            return f.status
    return None


def failure_defined(saga: Saga, step: SagaStep, kind: str, event: str | None) -> bool:
    """Whether the catalog says what happens when this step fails so."""
    if kind == "business":
        return any(f.event == event for f in step.failures) or any(label == event for label, _ in step.failure_edges) or (
            event == "(unlabelled failure edge)" and bool(step.failure_edges))
    return bool(saga.structured or step.failures or step.failure_edges)


def escalated(saga: Saga, step: SagaStep, kind: str) -> SagaStep | None:
    """The pivot, when ``step`` failing so is escalated to a person: a retriable step after the
    pivot whose retries ran out (a technical failure) and whose technical failures end in the
    ``onCompensationFailure`` status (``Saga.escalates``, the case saga/retry-policy accepts). The
    saga cannot be undone past its pivot, so nothing is compensated and that status is shown, as
    for a compensation that never succeeds. None for every other failure."""
    pivot = saga.pivot_before(step) if kind == "technical" else None
    return pivot if pivot is not None and saga.escalates(step) else None


def escalation_why(step: SagaStep, pivot: SagaStep) -> str:
    """Why a run ended escalated (the ``end`` entry's ``why``; the orchestrator's and the choreography's)."""
    return f"{step.id} ran out of retries after the pivot {pivot.id}: nothing is compensated, a person resolves it"


def escalate(saga: Saga, step: SagaStep, kind: str, e: Expected) -> bool:
    """Mark ``e`` escalated when ``step`` failing so is (``escalated``): nothing to compensate, the
    onCompensationFailure status. The oracle of orchestrations and of choreographies alike."""
    if escalated(saga, step, kind) is None:
        return False
    e.escalated, e.to_compensate = True, []
    e.status, e.status_source = saga.on_compensation_failure, "onCompensationFailure: escalated"
    return True


def compensation_queue(saga: Saga, exp: Expected) -> list[str]:
    """The steps the orchestrator compensates on this failure path, in order: the completed
    compensatable steps, newest first, and a compensatable step that failed by timing out (it
    may have acted); none when the failure is escalated (``escalated``)."""
    if exp.success or not exp.defined or exp.escalated:
        return []
    done = [s.id for s in saga.steps if s.type == "compensatable" and s.id in exp.completed and s.id != exp.failed_step]
    failed = saga.step(exp.failed_step) if exp.failed_step is not None else None
    if failed is not None and failed.type == "compensatable" and exp.failure_kind == "technical":
        done.append(failed.id)
    return list(reversed(done))


def failed_at(saga: Saga, step: SagaStep, kind: str, event: str | None, completed: list[str]) -> Expected:
    """The expectation when ``step`` fails (``kind`` business or technical): the steps completed
    before it, and those of them to compensate."""
    e = Expected(False, step.id, kind, failure_defined(saga, step, kind, event))
    e.completed = completed
    e.to_compensate = [s for s in completed if step_named(saga, s).type == "compensatable"]
    return e


def settle_status(saga: Saga, step: SagaStep, kind: str, event: str | None, e: Expected) -> Expected:
    """The status the customer is left with, once ``e.compensation_fails`` is known: the saga's
    onCompensationFailure when a compensation fails, else the failing step's failure status."""
    if e.compensation_fails:
        e.status, e.status_source = saga.on_compensation_failure, "onCompensationFailure"
    else:
        e.status = failure_status(step, kind, event)
        e.status_source = f"{step.id} failure {event or 'timeout'}"
    return e


def expected(saga: Saga, sc: Scenario) -> Expected:
    """What the catalog declares for the path this scenario takes (the oracle of the invariants)."""
    completed: list[str] = []
    for step in saga.steps:
        b = sc.behaviour(step.id, "forward")
        n = attempts_of(step.retry)
        ok = b == "ok" or (b.startswith("transient:") and int(b.split(":")[1]) < n) or (b == "timeout-after-effect" and n >= 2)
        if ok:
            completed.append(step.id)
            continue
        if b.startswith("business:"):
            kind, event = "business", b.split(":", 1)[1]
        else:
            kind, event = "technical", None
            if b == "timeout-after-effect":  # done, but no retry left to learn it
                completed.append(step.id)
        e = failed_at(saga, step, kind, event, completed)
        if escalate(saga, step, kind, e):
            return e
        attempted = compensation_queue(saga, e)
        e.compensation_fails = [s for s, cb in sc.compensation if cb == "fail" and s in attempted
                                and step_named(saga, s).compensation not in (None, "none")]
        return settle_status(saga, step, kind, event, e)
    return Expected(True, completed=completed, status=saga.on_success, status_source="onSuccess")
