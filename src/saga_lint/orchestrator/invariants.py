"""Invariants checked on the store's data after each scenario (never on the orchestrator's word).

``snapshot(store, saga_id)`` reads what the saga left behind: its instance row and log, outcome
and outbox rows, participant state (reservations, authorizations, orders) and the participants'
journal of effects, and the customer status timeline. ``check`` compares that with what the
catalog declares for the scenario's path (``scenarios.expected``).

Decision: in a successful saga the holds made by the steps (a reservation, an authorization) are
the order's: they are not "left open" because the outcome record owns them. In any other terminal
state every hold must be closed, except those whose compensation failed for good when the saga
ended in the declared compensation-failure status (surfaced, not silent). A saga escalated past
its pivot (a step after it ran out of retries and ends in that status: ``scenarios.escalated``)
undoes nothing: its holds are the order's, which a person resolves; so is, in a choreography, the
outcome record and event that its outcome step (the pivot or a step before it) already wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from saga_lint.orchestrator.choreo_scenarios import by_orchestrator, outcome_step
from saga_lint.orchestrator.records import attempt_of, read_log, step_of
from saga_lint.orchestrator.scenarios import attempts_of, step_named

if TYPE_CHECKING:
    from saga_lint.orchestrator.records import LogEntry, ParticipantRow, Snapshot
    from saga_lint.orchestrator.scenarios import Expected, Scenario
    from saga_lint.orchestrator.store import Store
    from saga_lint.saga.model import Saga

INVARIANTS = {
    "terminates": "the saga reaches a terminal state the catalog defines (no undefined path)",
    "success-iff-all-steps": "the saga succeeds iff every step succeeded",
    "one-outcome": "success: exactly one outcome record and one outbox event; otherwise none",
    "compensated-once-reverse": "every completed compensatable step is compensated exactly once, in reverse order",
    "compensated-once": "choreography: every completed compensatable step is compensated exactly once (no order)",
    "nothing-left-open": "no reservation, authorization or order is left open in a failed terminal state",
    "compensation-failure-surfaced": "a compensation that never succeeds ends in the declared compensation-failure status",
    "declared-status": "the final customer status is the one the catalog declares for the path",
    "retry-policy": "attempts and backoff never exceed the step's retry policy",
    "crash-convergence": "a crash and restart converge to the same end state as the run without the crash",
    "deadline": "the saga ends within its declared deadline (virtual time)",
}

TERMINAL_STATES = ("completed", "compensated", "compensation-failed", "escalated")


@dataclass
class Violation:
    invariant: str
    message: str


def snapshot(store: Store, saga_id: str) -> Snapshot:
    """What the saga left in the store (read from the data, never from the orchestrator's state)."""
    inst = store.one("SELECT state, status, clock FROM saga_instance WHERE saga_id = ?", (saga_id,))
    rows: dict[str, ParticipantRow] = {step: (kind, st, participant) for step, kind, st, participant in store.query(
        "SELECT step, kind, state, participant FROM participant_state WHERE saga_id = ? ORDER BY step", (saga_id,))}
    ops = [(op, step) for op, step in store.query(
        "SELECT op, step FROM participant_ops WHERE saga_id = ? ORDER BY seq", (saga_id,))]
    outcomes = [r[0] for r in store.query("SELECT event FROM outcome WHERE saga_id = ? ORDER BY id", (saga_id,))]
    outbox = [r[0] for r in store.query("SELECT event FROM outbox WHERE saga_id = ? ORDER BY id", (saga_id,))]
    timeline = [r[0] for r in store.query("SELECT status FROM status_history WHERE saga_id = ? ORDER BY seq", (saga_id,))]
    return {
        "state": inst[0] if inst else None,
        "status": inst[1] if inst else None,
        "clock": inst[2] if inst else None,
        "log": read_log(store, saga_id),
        "rows": rows,
        "ops": ops,
        "outcomes": outcomes,
        "outbox": outbox,
        "timeline": timeline,
    }


def end_state(snap: Snapshot) -> dict[str, object]:
    """What must be identical with and without a crash."""
    return {
        "state": snap["state"],
        "status": snap["status"],
        "rows": {k: v[:2] for k, v in snap["rows"].items()},
        "ops": snap["ops"],
        "outcomes": len(snap["outcomes"]),
        "outbox": len(snap["outbox"]),
        "timeline": snap["timeline"],
    }


def _holds(snap: Snapshot, steps: list[str]) -> str:
    parts = []
    for s in steps:
        kind, _, participant = snap["rows"][s]
        parts.append(f"the {kind} made by {s}" + (f" at {participant}" if participant else ""))
    return ", ".join(parts)


@dataclass
class RunFacts:
    """One finished run as the invariants see it: the saga, what the catalog declares for the
    scenario's path, the store's data, and the facts several invariants derive from that data."""

    saga: Saga
    exp: Expected
    snap: Snapshot
    reference: Snapshot | None  # the same scenario's run without the crash (crash variants only)
    state: str | None
    status: str | None
    terminal: bool  # ended in a state the catalog defines
    open_steps: list[str]  # steps whose participant still holds something open
    end: LogEntry | None  # the log's ``end`` entry
    did: list[str]  # steps whose participant acted ('do' in its journal), in order
    comp_failed: list[str]  # steps whose compensation never succeeded (from the ``end`` entry)

    @classmethod
    def of(cls, saga: Saga, exp: Expected, snap: Snapshot, reference: Snapshot | None) -> RunFacts:
        state = snap["state"]
        end = next((e for e in reversed(snap["log"]) if e["kind"] == "end"), None)
        return cls(
            saga, exp, snap, reference, state, snap["status"],
            terminal=state in TERMINAL_STATES,
            open_steps=[s for s, (_kind, st, _) in snap["rows"].items() if st == "open"],
            end=end,
            did=[s for op, s in snap["ops"] if op == "do"],
            comp_failed=list((end["detail"].get("compensation_failed") if end else None) or []),
        )


# --- the invariants: one function each, yielding the violation messages ---------------------------


def _terminates(run: RunFacts) -> Iterator[str]:
    """The saga reaches a terminal state the catalog defines. A saga stuck on a failure the
    catalog says nothing about never finishes: its holds stay open and its customer waits."""
    if run.terminal:
        return
    why = (run.end["detail"].get("why") if run.end else None) or f"the saga stopped in state {run.state}"
    consequence = "the saga never finishes"
    if run.open_steps:
        consequence += f"; {_holds(run.snap, run.open_steps)} {'remain' if len(run.open_steps) > 1 else 'remains'} open"
    consequence += f"; the customer keeps seeing {run.status or 'no status at all'}"
    yield f"undefined path: {why}. Consequence: {consequence}"


def _success_iff_all_steps(run: RunFacts) -> Iterator[str]:
    """The saga completes if and only if every step succeeded, judged on the participants' data
    (a 'do' by each step): an orchestrator that takes a duplicated or stale reply for success
    completes a saga whose steps never acted."""
    saga, state = run.saga, run.state
    all_done = all(s.id in run.did for s in saga.steps)
    if state == "completed" and not all_done:
        missing = [s.id for s in saga.steps if s.id not in run.did]
        yield f"the saga completed but {', '.join(missing)} never acted"
    if state == "completed" and not run.exp.success:
        yield f"the saga completed although {run.exp.failed_step} failed for good"
    if run.terminal and state != "completed" and run.exp.success:
        yield "every step succeeded but the saga did not complete"


def _one_outcome(run: RunFacts) -> Iterator[str]:
    """A success writes exactly one outcome record and one outbox event (the catalog's outcome
    event), in the same transaction; anything else writes none. Two records mean a double order,
    a record without its event means downstream services never hear of it."""
    snap = run.snap
    n_out, n_box = len(snap["outcomes"]), len(snap["outbox"])
    if run.state != "completed":
        kept = _kept_outcome(run)
        if kept is not None and (n_out, n_box) != (1, 1):
            yield (f"the saga escalated after {kept}, its outcome step, had acted: it wrote {n_out} outcome record(s) "
                   f"and {n_box} outbox event(s), expected 1 and 1 (they stand: nothing is undone past the pivot)")
        elif kept is None and (n_out or n_box):
            yield f"a saga that did not succeed wrote {n_out} outcome record(s) and {n_box} outbox event(s)"
        return
    if n_out != 1 or n_box != 1:
        yield f"success wrote {n_out} outcome record(s) and {n_box} outbox event(s), expected 1 and 1"
    declared = (run.saga.outcome or {}).get("event")
    if not declared:
        yield "the catalog declares no outcome event: the success is recorded but nothing is published"
    elif snap["outbox"] and snap["outbox"][0] != declared:
        yield f"the outbox event is {snap['outbox'][0]}, the catalog declares {declared}"


def _kept_outcome(run: RunFacts) -> str | None:
    """The outcome step of a choreography escalated past its pivot when it acted: its participant
    wrote the outcome record and event with its success, and past the pivot nothing is undone, so
    they stand (the order's, as its holds). An orchestrator writes the outcome only on success."""
    saga, exp = run.saga, run.exp
    if saga.coordination not in ("choreography", "mixed") or not exp.escalated or run.state != "escalated":
        return None
    step = outcome_step(saga)
    return step.id if step is not None and step.id in exp.completed else None


def _compensated_steps(run: RunFacts) -> list[str]:
    """Compensatable steps whose participant acted, in the order they acted."""
    out = []
    for s in run.did:
        step = run.saga.step(s)
        if step is not None and step.type == "compensatable":
            out.append(s)
    return out


def _undone_past_the_pivot(run: RunFacts, undos: list[str]) -> Iterator[str]:
    """Each step undone in a run the catalog escalates (``Expected.escalated``): none may be."""
    for s in dict.fromkeys(undos):
        yield f"{s} was compensated although {run.exp.failed_step} failed after the pivot (escalated: nothing is undone)"


def _compensated_once_reverse(run: RunFacts) -> Iterator[str]:
    """In a saga that did not succeed, every compensatable step that acted is undone exactly once
    (unless its compensation failed for good), newest first: a missing undo leaves a hold behind,
    a second one refunds twice, the wrong order undoes a step while a later one still uses it."""
    if run.state == "completed":
        return
    undos = [s for op, s in run.snap["ops"] if op == "undo"]
    if run.exp.escalated:  # past the pivot nothing is undone: an undo leaves the order without what it holds
        yield from _undone_past_the_pivot(run, undos)
        return
    done_comp = _compensated_steps(run)
    for s in done_comp:
        n = undos.count(s)
        if n == 0 and s not in run.comp_failed and run.terminal:
            no_compensation = step_named(run.saga, s).compensation in (None, "none")
            why = "it has no compensation" if no_compensation else "its compensation never ran"
            yield f"{s} acted but was never compensated ({why})"
        elif n > 1:
            yield f"{s} was compensated {n} times"
    expected_order = [s for s in reversed(done_comp) if s in undos]
    actual_order = list(dict.fromkeys(undos))
    if actual_order != expected_order:
        yield f"compensations ran in the order {', '.join(actual_order)}; reverse order is {', '.join(expected_order)}"


def _compensated_once(run: RunFacts) -> Iterator[str]:
    """In a choreography that did not succeed, every compensatable step whose participant acted is
    undone exactly once (unless its compensation failed for good): nobody orders the undos, each
    participant undoes when its ``compensation.on`` event reaches it, so no order is required (but
    a mixed saga's orchestrator undoes its own steps newest first); a missing undo leaves a hold
    behind, a second one refunds twice (a consumer that does not deduplicate a redelivered
    compensation event)."""
    if run.state == "completed":
        return
    undos = [s for op, s in run.snap["ops"] if op == "undo"]
    if run.exp.escalated:  # past the pivot nothing is undone: an undo leaves the order without what it holds
        yield from _undone_past_the_pivot(run, undos)
        return
    for s in _compensated_steps(run):
        n = undos.count(s)
        if n == 0 and s not in run.comp_failed and run.terminal:
            step = step_named(run.saga, s)
            on = step.compensation_on
            if by_orchestrator(run.saga, step):  # a mixed saga's orchestrated step
                why = "it has no compensation" if step.compensation in (None, "none") else "its compensation never ran"
            else:
                why = (f"nobody publishes {on}, its compensation.on, on this path" if on
                       else "it declares no compensation.on event to undo on")
            yield f"{s} acted but was never compensated ({why})"
        elif n > 1:
            yield f"{s} was compensated {n} times"
    # a mixed saga's orchestrator undoes its own steps newest first
    ordered = [s for s in _compensated_steps(run) if by_orchestrator(run.saga, step_named(run.saga, s))]
    expected_order = [s for s in reversed(ordered) if s in undos]
    actual_order = [s for s in dict.fromkeys(undos) if s in ordered]
    if actual_order != expected_order:
        yield (f"the orchestrator undid {', '.join(actual_order)}; reverse order is {', '.join(expected_order)}")


def _nothing_left_open(run: RunFacts) -> Iterator[str]:
    """A saga that ended without success holds nothing: every reservation, authorization or order
    its steps made is closed again, except a hold whose compensation failed for good in a saga that
    ended in the declared compensation-failure status (surfaced for a person to resolve). A step
    that cannot be undone (a pivot or retriable step) acting before a later step fails leaves the
    saga impossible to undo: the catalog's step types allow a failure after the pivot."""
    saga, exp, state = run.saga, run.exp, run.state
    if state == "completed" or (exp.escalated and state == "escalated" and run.status == saga.on_compensation_failure):
        return
    stuck_after_pivot = []
    for s in run.did:
        step = saga.step(s)
        if step is not None and step.type in ("pivot", "retriable") and s != exp.failed_step:
            stuck_after_pivot.append(s)
    if run.terminal and stuck_after_pivot and exp.failed_step:
        yield (f"{exp.failed_step} failed after {', '.join(stuck_after_pivot)} (not compensatable) had acted: "
               + _why_after_the_pivot(saga, exp))
    if run.terminal:
        declared = saga.on_compensation_failure
        allowed = set(run.comp_failed) if run.status == declared and declared else set()
        left = [s for s in run.open_steps if s not in allowed]
        if left:
            yield f"the saga ended {state} ({run.status or 'no status'}) with {_holds(run.snap, left)} still open"


def _why_after_the_pivot(saga: Saga, exp: Expected) -> str:
    """Why a failure after a step that cannot be undone is wrong, and, for a step after the pivot
    whose retries ran out, the fix ``check`` gives (saga/retry-policy: ``Saga.unescalated``)."""
    failed = saga.step(exp.failed_step) if exp.failed_step else None
    pivot = saga.pivot_before(failed) if failed is not None and exp.failure_kind == "technical" else None
    generic = "a step after the pivot can fail, so the saga cannot be undone"
    if failed is None or pivot is None or failed.retry is None:
        return generic
    if exp.escalated:  # an engine that did not escalate what the catalog escalates
        return (f"the catalog escalates its exhausted retries to a person ({saga.on_compensation_failure}): "
                "nothing may be undone past the pivot and the saga must end escalated")
    return (f"it comes after the pivot {pivot.id}, so it must be retried until it succeeds, but its "
            f"{failed.retry.max_attempts} attempts (retry.maxAttempts) ran out, the saga can neither finish nor undo "
            f"{pivot.id}, and {saga.unescalated(failed)}")


def _compensation_failure_surfaced(run: RunFacts) -> Iterator[str]:
    """A compensation that never succeeds ends the saga in the catalog's declared
    compensation-failure status: the hold it leaves must reach a person, not end silently as an
    ordinary failure."""
    if not run.comp_failed:
        return
    declared = run.saga.on_compensation_failure
    failed = ", ".join(run.comp_failed)
    if not declared:
        yield (f"the compensation of {failed} never succeeded and the catalog declares "
               f"no compensation-failure status: it ends silently as {run.status or 'no status'}")
    elif run.status != declared:
        yield f"the compensation of {failed} never succeeded but the saga ended as {run.status}, not {declared}"


def _declared_status(run: RunFacts) -> Iterator[str]:
    """The customer's final status is the one the catalog declares for the path the saga took,
    a status of the declared vocabulary, and a terminal one: otherwise the customer is shown a
    status nobody designed, or one that says the order is still in progress."""
    if not run.terminal:
        return
    saga, exp, status, declared = run.saga, run.exp, run.status, run.exp.status
    if declared is None:
        yield (f"the catalog declares no customer status for this path ({exp.status_source or 'failure'}): "
               f"the customer sees {status or 'nothing'}")
    elif status != declared:
        yield f"final status {status}, the catalog declares {declared} ({exp.status_source})"
    elif saga.statuses and declared not in saga.statuses:  # from here on, status == declared
        yield f"final status {status} is not in the declared status vocabulary"
    elif saga.statuses and not saga.status_is_terminal(declared):
        yield f"final status {status} is not declared terminal"


def _retry_policy(run: RunFacts) -> Iterator[str]:
    """No command is sent more often than its step's retry policy allows, and no retry comes
    sooner than the policy's backoff: more attempts or shorter waits overload the participant the
    policy was written to protect."""
    sends: dict[tuple[str, str], list[LogEntry]] = {}
    for e in run.snap["log"]:
        if e["kind"] == "send":
            sends.setdefault((e["detail"]["direction"], step_of(e)), []).append(e)
    for (direction, step_id), es in sends.items():
        step = step_named(run.saga, step_id)
        policy = step.retry if direction == "forward" else step.compensation_retry
        limit = attempts_of(policy)
        top = max(attempt_of(e) for e in es)
        if top > limit:
            yield f"{step_id} {direction} was attempted {top} times, the policy allows {limit}"
        if policy is None:
            continue
        sched = policy.backoff_schedule()
        for e in es:
            a = attempt_of(e)
            wait = e["detail"].get("wait", 0)
            if a >= 2 and a - 2 < len(sched) and wait + 1e-9 < sched[a - 2]:
                yield f"{step_id} {direction} attempt {a} waited {e['detail'].get('wait')}s, the policy says {sched[a - 2]:g}s"


def _deadline(run: RunFacts) -> Iterator[str]:
    """The saga ends within its declared deadline, on the virtual clock (attempts, timeouts and
    backoff included): a deadline the retry policies cannot meet is a promise the flow breaks."""
    deadline, clock = run.saga.deadline, run.snap["clock"]
    if run.terminal and deadline is not None and clock is not None and clock > deadline + 1e-9:
        yield f"the saga ended at t={clock:g}s, after its {deadline:g}s deadline"


def _crash_convergence(run: RunFacts) -> Iterator[str]:
    """A run whose orchestrator crashed and restarted from its log ends exactly as the same
    scenario without the crash (state, status, holds, effects, outcome, status timeline): the log
    is the only truth, so a restart must neither lose nor repeat anything."""
    if run.reference is None:
        return
    a, b = end_state(run.snap), end_state(run.reference)
    if a != b:
        diff = [k for k in a if a[k] != b[k]]
        detail = "; ".join(f"{k}: {a[k]!r} vs {b[k]!r} without the crash" for k in diff)
        yield f"after crash and restart: {detail}"


# invariant -> its check, in the order the violations are reported
CHECKS: dict[str, Callable[[RunFacts], Iterator[str]]] = {
    "terminates": _terminates,
    "success-iff-all-steps": _success_iff_all_steps,
    "one-outcome": _one_outcome,
    "compensated-once-reverse": _compensated_once_reverse,
    "nothing-left-open": _nothing_left_open,
    "compensation-failure-surfaced": _compensation_failure_surfaced,
    "declared-status": _declared_status,
    "retry-policy": _retry_policy,
    "deadline": _deadline,
    "crash-convergence": _crash_convergence,
}


# a choreography's checks: the same, except that nobody orders its compensations
CHOREOGRAPHY_CHECKS: dict[str, Callable[[RunFacts], Iterator[str]]] = {
    name: fn for name, fn in CHECKS.items() if name != "compensated-once-reverse"} | {"compensated-once": _compensated_once}


def checks_for(saga: Saga) -> dict[str, Callable[[RunFacts], Iterator[str]]]:
    return CHOREOGRAPHY_CHECKS if saga.coordination in ("choreography", "mixed") else CHECKS


def check(saga: Saga, scenario: Scenario, exp: Expected, snap: Snapshot, reference: Snapshot | None = None) -> list[Violation]:
    """Every invariant on one run's data; ``reference`` is the run of ``scenario.base()`` when the
    scenario crashes (for crash convergence). ``scenario`` is the plan the run followed."""
    run = RunFacts.of(saga, exp, snap, reference)
    return [Violation(name, message) for name, invariant in checks_for(saga).items() for message in invariant(run)]
