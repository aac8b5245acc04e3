"""Invariants checked on the store's data after each scenario (never on the orchestrator's word).

``snapshot(store, saga_id)`` reads what the saga left behind: its instance row and log, outcome
and outbox rows, participant state (reservations, authorizations, orders) and the participants'
journal of effects, and the customer status timeline. ``check`` compares that with what the
catalog declares for the scenario's path (``scenarios.expected``).

Decision: in a successful saga the holds made by the steps (a reservation, an authorization) are
the order's: they are not "left open" because the outcome record owns them. In any other terminal
state every hold must be closed, except those whose compensation failed for good when the saga
ended in the declared compensation-failure status (surfaced, not silent).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from saga_lint.orchestrator.scenarios import attempts_of

INVARIANTS = {
    "terminates": "the saga reaches a terminal state the catalog defines (no undefined path)",
    "success-iff-all-steps": "the saga succeeds iff every step succeeded",
    "one-outcome": "success: exactly one outcome record and one outbox event; otherwise none",
    "compensated-once-reverse": "every completed compensatable step is compensated exactly once, in reverse order",
    "nothing-left-open": "no reservation, authorization or order is left open in a failed terminal state",
    "compensation-failure-surfaced": "a compensation that never succeeds ends in the declared compensation-failure status",
    "declared-status": "the final customer status is the one the catalog declares for the path",
    "retry-policy": "attempts and backoff never exceed the step's retry policy",
    "crash-convergence": "a crash and restart converge to the same end state as the run without the crash",
    "deadline": "the saga ends within its declared deadline (virtual time)",
}


@dataclass
class Violation:
    invariant: str
    message: str


def snapshot(store, saga_id: str) -> dict:
    inst = store.one("SELECT state, status, clock FROM saga_instance WHERE saga_id = ?", (saga_id,))
    log = [
        {"seq": seq, "kind": kind, "step": step, "attempt": attempt, "at": at, "detail": json.loads(detail)}
        for seq, kind, step, attempt, at, detail in store.query(
            "SELECT seq, kind, step, attempt, at, detail FROM saga_log WHERE saga_id = ? ORDER BY seq", (saga_id,))
    ]
    rows = {step: (kind, st, participant) for step, kind, st, participant in store.query(
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
        "log": log,
        "rows": rows,
        "ops": ops,
        "outcomes": outcomes,
        "outbox": outbox,
        "timeline": timeline,
    }


def end_state(snap: dict) -> dict:
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


def _holds(snap, steps) -> str:
    parts = []
    for s in steps:
        kind, _, participant = snap["rows"][s]
        parts.append(f"the {kind} made by {s}" + (f" at {participant}" if participant else ""))
    return ", ".join(parts)


def check(saga, scenario, exp, snap: dict, reference: dict | None = None) -> list[Violation]:
    out: list[Violation] = []
    v = lambda inv, msg: out.append(Violation(inv, msg))  # noqa: E731
    state, status = snap["state"], snap["status"]
    terminal = state in ("completed", "compensated", "compensation-failed")
    open_steps = [s for s, (kind, st, _) in snap["rows"].items() if st == "open"]
    end = next((e for e in reversed(snap["log"]) if e["kind"] == "end"), None)

    if not terminal:
        why = (end or {}).get("detail", {}).get("why") or f"the saga stopped in state {state}"
        consequence = "the saga never finishes"
        if open_steps:
            consequence += f"; {_holds(snap, open_steps)} {'remain' if len(open_steps) > 1 else 'remains'} open"
        consequence += f"; the customer keeps seeing {status or 'no status at all'}"
        v("terminates", f"undefined path: {why}. Consequence: {consequence}")

    # success iff every step succeeded (on data: a 'do' by every step's participant)
    did = [s for op, s in snap["ops"] if op == "do"]
    all_done = all(s.id in did for s in saga.steps)
    if state == "completed" and not all_done:
        missing = [s.id for s in saga.steps if s.id not in did]
        v("success-iff-all-steps", f"the saga completed but {', '.join(missing)} never acted")
    if state == "completed" and not exp.success:
        v("success-iff-all-steps", f"the saga completed although {exp.failed_step} failed for good")
    if terminal and state != "completed" and exp.success:
        v("success-iff-all-steps", "every step succeeded but the saga did not complete")

    # outcome and outbox
    n_out, n_box = len(snap["outcomes"]), len(snap["outbox"])
    if state == "completed":
        if n_out != 1 or n_box != 1:
            v("one-outcome", f"success wrote {n_out} outcome record(s) and {n_box} outbox event(s), expected 1 and 1")
        declared = (saga.outcome or {}).get("event")
        if not declared:
            v("one-outcome", "the catalog declares no outcome event: the success is recorded but nothing is published")
        elif snap["outbox"] and snap["outbox"][0] != declared:
            v("one-outcome", f"the outbox event is {snap['outbox'][0]}, the catalog declares {declared}")
    elif n_out or n_box:
        v("one-outcome", f"a saga that did not succeed wrote {n_out} outcome record(s) and {n_box} outbox event(s)")

    # compensation
    comp_failed = list((end or {}).get("detail", {}).get("compensation_failed") or [])
    if state != "completed":
        done_comp = [s for s in did if saga.step(s) is not None and saga.step(s).type == "compensatable"]
        undos = [s for op, s in snap["ops"] if op == "undo"]
        for s in done_comp:
            n = undos.count(s)
            if n == 0 and s not in comp_failed and terminal:
                why = "it has no compensation" if saga.step(s).compensation in (None, "none") else "its compensation never ran"
                v("compensated-once-reverse", f"{s} acted but was never compensated ({why})")
            elif n > 1:
                v("compensated-once-reverse", f"{s} was compensated {n} times")
        expected_order = [s for s in reversed(done_comp) if s in undos]
        actual_order = list(dict.fromkeys(undos))
        if actual_order != expected_order:
            v("compensated-once-reverse", f"compensations ran in the order {', '.join(actual_order)}; reverse order is {', '.join(expected_order)}")
        # post-pivot failure: a pivot (or retriable step) that acted cannot be undone
        stuck_after_pivot = [s for s in did if saga.step(s) is not None and saga.step(s).type in ("pivot", "retriable")
                             and s != exp.failed_step]
        if terminal and stuck_after_pivot and exp.failed_step:
            v("nothing-left-open", f"{exp.failed_step} failed after {', '.join(stuck_after_pivot)} (not compensatable) had acted: "
              "a step after the pivot can fail, so the saga cannot be undone")
    if terminal and state != "completed":
        allowed = set(comp_failed) if status == saga.on_compensation_failure and saga.on_compensation_failure else set()
        left = [s for s in open_steps if s not in allowed]
        if left:
            v("nothing-left-open", f"the saga ended {state} ({status or 'no status'}) with {_holds(snap, left)} still open")

    # a compensation that never succeeds
    if comp_failed:
        if not saga.on_compensation_failure:
            v("compensation-failure-surfaced", f"the compensation of {', '.join(comp_failed)} never succeeded and the catalog declares "
              f"no compensation-failure status: it ends silently as {status or 'no status'}")
        elif status != saga.on_compensation_failure:
            v("compensation-failure-surfaced", f"the compensation of {', '.join(comp_failed)} never succeeded but the saga ended as "
              f"{status}, not {saga.on_compensation_failure}")

    # final status
    if terminal:
        if exp.status is None:
            v("declared-status", f"the catalog declares no customer status for this path ({exp.status_source or 'failure'}): "
              f"the customer sees {status or 'nothing'}")
        elif status != exp.status:
            v("declared-status", f"final status {status}, the catalog declares {exp.status} ({exp.status_source})")
        elif saga.statuses and status not in saga.statuses:
            v("declared-status", f"final status {status} is not in the declared status vocabulary")
        elif saga.statuses and not saga.status_is_terminal(status):
            v("declared-status", f"final status {status} is not declared terminal")

    # retry policy
    sends = {}
    for e in snap["log"]:
        if e["kind"] == "send":
            sends.setdefault((e["detail"]["direction"], e["step"]), []).append(e)
    for (direction, step_id), es in sends.items():
        step = saga.step(step_id)
        policy = step.retry if direction == "forward" else step.compensation_retry
        limit = attempts_of(policy)
        top = max(e["attempt"] for e in es)
        if top > limit:
            v("retry-policy", f"{step_id} {direction} was attempted {top} times, the policy allows {limit}")
        if policy is not None:
            sched = policy.backoff_schedule()
            for e in es:
                a = e["attempt"]
                if a >= 2 and a - 2 < len(sched) and e["detail"].get("wait", 0) + 1e-9 < sched[a - 2]:
                    v("retry-policy", f"{step_id} {direction} attempt {a} waited {e['detail'].get('wait')}s, the policy says {sched[a - 2]:g}s")

    # deadline (virtual time)
    if terminal and saga.deadline is not None and snap["clock"] is not None and snap["clock"] > saga.deadline + 1e-9:
        v("deadline", f"the saga ended at t={snap['clock']:g}s, after its {saga.deadline:g}s deadline")

    if reference is not None:
        a, b = end_state(snap), end_state(reference)
        if a != b:
            diff = [k for k in a if a[k] != b[k]]
            detail = "; ".join(f"{k}: {a[k]!r} vs {b[k]!r} without the crash" for k in diff)
            v("crash-convergence", f"after crash and restart: {detail}")
    return out
