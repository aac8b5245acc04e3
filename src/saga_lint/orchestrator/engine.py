"""The reference orchestrator: runs a ``Saga`` exactly as the catalog defines it.

Every transition is first written to the saga log (``saga_log``), in the same transaction as
what it changes (instance row, status history, outcome and outbox); the in-memory state is only
ever a replay of that log (``State.apply``), so an orchestrator restarted after a crash rebuilds
each unfinished saga from its log and carries on: a command whose reply was not logged is sent
again with the same idempotency key, and the participant answers with its stored reply.

Time is virtual: a timed-out attempt advances the saga's clock by the step's per-attempt
timeout, a retry waits the policy's backoff; nothing sleeps.

Log entries (``kind``): ``start``, ``status``, ``send``, ``reply``, ``compensate`` (the decision
to undo, with the list of steps), ``skip`` (a step to undo that has no compensation), ``end``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from saga_lint.orchestrator.participants import Command, Participant, SimulatedParticipant
from saga_lint.orchestrator.records import attempt_of, read_log, step_of
from saga_lint.orchestrator.scenarios import (
    DEFAULT_TIMEOUT,
    Scenario,
    attempts_of,
    escalated,
    escalation_why,
    failure_defined,
    failure_status,
    plan_for,
    step_named,
)

if TYPE_CHECKING:
    from saga_lint.orchestrator.records import Failure, InFlight, LogDetail, LogEntry
    from saga_lint.orchestrator.store import Statement, Store
    from saga_lint.saga.model import RetryPolicy, Saga, SagaStep

# ``participant_for(step, scenario)``: the participant for a step, or None for the simulated one
ParticipantFor = Callable[["SagaStep", Scenario], "Participant | None"]


class EngineOptions(TypedDict, total=False):
    """The engine's keyword options that ``verify`` and ``run`` pass through (see ``Engine``)."""

    participant_for: ParticipantFor | None
    compensation_order: str
    dedupe_replies: bool


class Crash(Exception):
    """The orchestrator process 'died' right after a log write (fault injection)."""


@dataclass
class State:
    """A saga's state: a replay of its log, entry by entry (``apply``)."""

    seq: int = 0
    clock: float = 0.0
    started: bool = False
    ended: bool = False
    end_state: str | None = None
    status: str | None = None
    phase: str = "forward"
    k: int = 0  # index of the current forward step
    attempt: int = 0  # attempts sent for the current step (forward or compensation)
    inflight: InFlight | None = None  # the last ``send`` without a logged reply
    failure: Failure | None = None  # a forward step failed for good
    queue: list[str] = field(default_factory=list)  # steps to compensate, in the order to run them
    ci: int = 0  # index into queue
    comp_failed: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # reply ids already processed
    attempts: dict[tuple[str, str], int] = field(default_factory=dict)  # (direction, step) -> attempts sent

    def apply(self, saga: Saga, e: LogEntry) -> None:
        """Fold one log entry into the state (the only way the state changes)."""
        self.seq = e["seq"]
        self.clock = e["at"]
        kind, d = e["kind"], e["detail"]
        if kind == "start":
            self.started, self.status = True, d.get("status")
        elif kind == "status":
            self.status = d.get("status")
        elif kind == "send":
            step_id, attempt = step_of(e), attempt_of(e)
            self.inflight = {"step": step_id, "attempt": attempt, "direction": d["direction"], "key": d["key"], "at": e["at"]}
            self.attempt = attempt
            self.attempts[(d["direction"], step_id)] = max(self.attempts.get((d["direction"], step_id), 0), attempt)
        elif kind == "reply":
            self._apply_reply(saga, step_of(e), d)
        elif kind == "compensate":
            self.phase = "compensate"
            self.queue = list(d["queue"])
            self.ci = 0
            self.attempt = 0
        elif kind == "skip":
            self.ci += 1
            self.attempt = 0
        elif kind == "end":
            self.ended, self.end_state, self.status = True, d["state"], d.get("status")

    def _apply_reply(self, saga: Saga, step_id: str, d: LogDetail) -> None:
        """A reply (or a timeout): the step goes on, fails for good, or is tried again."""
        self.inflight = None
        msg_id = d.get("msg_id")
        if msg_id:
            self.seen.add(msg_id)
        if d["direction"] == "forward":
            if d["result"] == "ok":
                self.k += 1
                self.attempt = 0
            elif d["result"] == "business":
                self.failure = {"step": step_id, "kind": "business", "event": d.get("event")}
            elif self.attempt >= attempts_of(step_named(saga, step_id).retry):
                self.failure = {"step": step_id, "kind": "technical", "event": None}
        else:
            if d["result"] == "ok":
                self.ci += 1
                self.attempt = 0
            elif self.attempt >= attempts_of(step_named(saga, step_id).compensation_retry):
                self.comp_failed.append(step_id)
                self.ci += 1
                self.attempt = 0


class Engine:
    """Runs sagas of one flow on a store.

    ``participant_for(step, scenario)`` returns the Participant for a step, or None for the
    default: simulated, driven by the scenario's fault plan. ``compensation_order`` is ``reverse`` (correct) or
    ``forward`` (a deliberately wrong orchestrator, for mutation tests); ``dedupe_replies=False``
    is another one, which takes a duplicated reply for a new one. ``crash_after`` raises
    ``Crash`` right after that many log writes by this engine instance.
    """

    def __init__(self, store: Store, saga: Saga, *, participant_for: ParticipantFor | None = None,
                 compensation_order: str = "reverse", crash_after: int | None = None, trace: list[str] | None = None,
                 dedupe_replies: bool = True):
        self.store, self.saga = store, saga
        self.participant_for: ParticipantFor = participant_for or self._simulated
        self.compensation_order = compensation_order
        self.dedupe_replies = dedupe_replies
        self.crash_after = crash_after
        self.writes = 0
        self.trace: list[str] = trace if trace is not None else []
        self._participants: dict[tuple[str, str], Participant] = {}

    # --- participants ---------------------------------------------------------------------------
    def _simulated(self, step: SagaStep, scenario: Scenario) -> SimulatedParticipant:
        return SimulatedParticipant(self.store, self.saga, step, plan_for(scenario, self.saga), scenario.duplicates)

    def _participant(self, saga_id: str, step: SagaStep, scenario: Scenario) -> Participant:
        key = (saga_id, step.id)
        if key not in self._participants:
            participant = self.participant_for(step, scenario)
            if participant is None:  # None leaves the step to the simulated participant
                participant = self._simulated(step, scenario)
            self._participants[key] = participant
        return self._participants[key]

    # --- instances ------------------------------------------------------------------------------
    def create(self, saga_id: str, scenario: Scenario, *, queue: bool = False) -> None:
        with self.store.tx():
            self.store.execute(
                "INSERT INTO saga_instance (saga_id, flow, scenario, state, status, clock) VALUES (?, ?, ?, 'running', NULL, 0)",
                (saga_id, self.saga.id, scenario.name),
            )
            if queue:
                self.store.execute("INSERT INTO saga_queue (saga_id) VALUES (?)", (saga_id,))

    def load(self, saga_id: str) -> State:
        state = State()
        for entry in read_log(self.store, saga_id):
            state.apply(self.saga, entry)
        return state

    def unfinished(self) -> list[str]:
        return [r[0] for r in self.store.query(
            "SELECT saga_id FROM saga_instance WHERE flow = ? AND state = 'running' ORDER BY saga_id", (self.saga.id,))]

    def resume_all(self, scenario_of: Callable[[str], Scenario] | None = None) -> list[str]:
        """Restart: carry every unfinished saga of this flow on from its log."""
        from saga_lint.orchestrator.scenarios import parse

        done = []
        for saga_id in self.unfinished():
            if scenario_of:
                sc = scenario_of(saga_id)
            else:
                row = self.store.one("SELECT scenario FROM saga_instance WHERE saga_id = ?", (saga_id,))
                assert row is not None  # the instance row the query above found
                sc = parse(row[0], self.saga)
            self.run(saga_id, sc)
            done.append(saga_id)
        return done

    # --- the log --------------------------------------------------------------------------------
    def _write(self, saga_id: str, state: State, kind: str, *, step: str | None = None, attempt: int | None = None,
               at: float | None = None, detail: LogDetail | None = None, extra: Sequence[Statement] = ()) -> None:
        at = state.clock if at is None else at
        detail = detail or {}
        entry: LogEntry = {"seq": state.seq + 1, "kind": kind, "step": step, "attempt": attempt, "at": at, "detail": detail}
        new_status = detail.get("status", state.status) if kind in ("start", "status", "end") else state.status
        inst_state = detail["state"] if kind == "end" else "running"
        stmts: list[Statement] = [
            ("INSERT INTO saga_log (saga_id, seq, kind, step, attempt, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
             (saga_id, entry["seq"], kind, step, attempt, at, json.dumps(detail, sort_keys=True))),
            ("UPDATE saga_instance SET state = ?, status = ?, clock = ? WHERE saga_id = ?",
             (inst_state, new_status, at, saga_id)),
        ]
        if new_status is not None and (kind in ("start", "status") or (kind == "end" and new_status != state.status)):
            stmts.append(("INSERT INTO status_history (saga_id, seq, status, at) VALUES (?, ?, ?, ?)",
                          (saga_id, entry["seq"], new_status, at)))
        stmts.extend(extra)
        self.store.batch(stmts)  # one transaction: the log entry and everything it changes
        state.apply(self.saga, entry)
        self.trace.append(_describe(entry))
        self.writes += 1
        if self.crash_after is not None and self.writes >= self.crash_after:
            self.trace.append(f"t={at:g}s  CRASH after log write {entry['seq']}")
            raise Crash(entry["seq"])

    # --- running --------------------------------------------------------------------------------
    def run(self, saga_id: str, scenario: Scenario) -> State:
        state = self.load(saga_id)
        guard = 0
        if state.seq:
            self.trace.append(f"t={state.clock:g}s  RESTART: replayed {state.seq} log entries")
        while not state.ended:
            guard += 1
            if guard > 100_000:
                raise RuntimeError(f"saga {saga_id} makes no progress")
            self._next(saga_id, state, scenario)
        return state

    def _next(self, saga_id: str, state: State, scenario: Scenario) -> None:
        """Take the saga one log write further."""
        steps = self.saga.steps
        if not state.started:
            first = steps[0].status if steps else None
            self._write(saga_id, state, "start", detail={"status": first})
            return
        if state.inflight is not None:
            self._deliver(saga_id, state, scenario)
            return
        if state.phase != "forward":
            self._next_compensation(saga_id, state, scenario)
            return
        if state.failure is not None:
            self._decide_compensation(saga_id, state, state.failure)
            return
        if state.k >= len(steps):
            self._finish(saga_id, state)
            return
        step = steps[state.k]
        if step.status and step.status != state.status:
            self._write(saga_id, state, "status", step=step.id, detail={"status": step.status})
            return
        self._send(saga_id, state, scenario, step, "forward", step.retry)

    def _next_compensation(self, saga_id: str, state: State, scenario: Scenario) -> None:
        """Compensating: undo the next step of the queue, or end when the queue is done."""
        saga = self.saga
        if state.ci >= len(state.queue):
            f = state.failure
            if state.comp_failed:
                status, end = saga.on_compensation_failure, "compensation-failed"
            else:
                assert f is not None  # compensation starts from a failure (see _decide_compensation)
                status, end = failure_status(step_named(saga, f["step"]), f["kind"], f["event"]), "compensated"
            self._write(saga_id, state, "end", detail={"state": end, "status": status, "failed_step": f["step"] if f else None,
                                                          "compensation_failed": state.comp_failed})
            return
        step = step_named(saga, state.queue[state.ci])
        if step.compensation in (None, "none"):
            why = "no compensation defined" if step.compensation is None else "compensation: none"
            self._write(saga_id, state, "skip", step=step.id, detail={"why": why})
            return
        self._send(saga_id, state, scenario, step, "compensate", step.compensation_retry)

    def _send(self, saga_id: str, state: State, scenario: Scenario, step: SagaStep, direction: str,
              policy: RetryPolicy | None) -> None:
        attempt = state.attempt + 1
        wait = 0.0
        if state.attempt >= 1 and policy is not None:
            sched = policy.backoff_schedule()
            wait = sched[state.attempt - 1] if state.attempt - 1 < len(sched) else (sched[-1] if sched else 0.0)
        key = f"{saga_id}:{step.id}:{'fwd' if direction == 'forward' else 'comp'}"
        cmd = step.command_id if direction == "forward" else step.compensation
        self._write(saga_id, state, "send", step=step.id, attempt=attempt, at=state.clock + wait,
                    detail={"direction": direction, "key": key, "command": cmd, "wait": wait})
        self._deliver(saga_id, state, scenario)

    def _deliver(self, saga_id: str, state: State, scenario: Scenario) -> None:
        inf = state.inflight
        assert inf is not None  # called right after a ``send``, or on restart with one in flight
        step = step_named(self.saga, inf["step"])
        direction = inf["direction"]
        policy = step.retry if direction == "forward" else step.compensation_retry
        participant = self._participant(saga_id, step, scenario)
        cmd = Command(saga_id, step.id, step.command_id if direction == "forward" else step.compensation, direction, inf["key"],
                      inf["attempt"])
        replies = participant.handle(cmd)
        if not replies:
            timeout = policy.timeout if policy is not None and policy.timeout else DEFAULT_TIMEOUT
            self._write(saga_id, state, "reply", step=step.id, attempt=inf["attempt"], at=inf["at"] + timeout,
                        detail={"direction": direction, "result": "timeout", "msg_id": None})
            return
        first, rest = replies[0], replies[1:]
        if first.msg_id in state.seen:  # a reply processed before: count it as no reply
            self.trace.append(f"t={state.clock:g}s  duplicate reply {first.msg_id} ignored")
            timeout = policy.timeout if policy is not None and policy.timeout else DEFAULT_TIMEOUT
            self._write(saga_id, state, "reply", step=step.id, attempt=inf["attempt"], at=inf["at"] + timeout,
                        detail={"direction": direction, "result": "timeout", "msg_id": None})
            return
        self._write(
            saga_id, state, "reply", step=step.id, attempt=inf["attempt"],
            detail={"direction": direction, "result": first.result, "event": first.event, "msg_id": first.msg_id},
            extra=[("INSERT INTO processed_keys (scope, idem_key, reply) VALUES (?, ?, ?)",
                    (f"orchestrator:{saga_id}", first.msg_id, first.to_json()))],
        )
        for r in rest:
            if self.dedupe_replies and r.msg_id in state.seen:
                self.trace.append(f"t={state.clock:g}s  duplicate reply {r.msg_id} ignored")
            elif not state.ended and not self.dedupe_replies:
                # a careless orchestrator: takes the duplicate for the reply to whatever it waits for
                self.trace.append(f"t={state.clock:g}s  duplicate reply {r.msg_id} taken as a new reply")
                self._write(saga_id, state, "reply", step=step.id, attempt=inf["attempt"],
                            detail={"direction": direction, "result": r.result, "event": r.event, "msg_id": r.msg_id})

    def _decide_compensation(self, saga_id: str, state: State, f: Failure) -> None:
        saga = self.saga
        failed = step_named(saga, f["step"])
        if not failure_defined(saga, failed, f["kind"], f.get("event")):
            self._write(saga_id, state, "end", step=failed.id, detail={
                "state": "stuck", "status": state.status, "failed_step": failed.id,
                "why": f"{failed.id} failed ({f.get('event') or 'timeout'}) and the catalog defines no failure path for it"})
            return
        pivot = escalated(saga, failed, f["kind"])
        if pivot is not None:  # past the pivot nothing can be undone: the order waits for a person
            self._write(saga_id, state, "end", step=failed.id, detail={
                "state": "escalated", "status": saga.on_compensation_failure, "failed_step": failed.id,
                "why": escalation_why(failed, pivot)})
            return
        done = [s.id for s in saga.steps[: state.k] if s.type == "compensatable"]
        if f["kind"] == "technical" and failed.type == "compensatable":
            done.append(failed.id)  # it may have acted before timing out: undo it too (a no-op if not)
        queue = list(reversed(done)) if self.compensation_order == "reverse" else done
        self._write(saga_id, state, "compensate", step=failed.id, detail={"queue": queue, "failure": f})

    def _finish(self, saga_id: str, state: State) -> None:
        saga = self.saga
        container = (saga.outcome or {}).get("container")
        event = (saga.outcome or {}).get("event")
        payload = json.dumps({"saga_id": saga_id, "flow": saga.id, "event": event}, sort_keys=True)
        self._write(saga_id, state, "end", detail={"state": "completed", "status": saga.on_success}, extra=[
            ("INSERT INTO outcome (saga_id, container, event) VALUES (?, ?, ?)", (saga_id, container, event)),
            ("INSERT INTO outbox (saga_id, event, payload) VALUES (?, ?, ?)", (saga_id, event, payload)),
        ])

    def start_and_run(self, saga_id: str, scenario: Scenario) -> State:
        if self.store.one("SELECT 1 FROM saga_instance WHERE saga_id = ?", (saga_id,)) is None:
            self.create(saga_id, scenario)
        return self.run(saga_id, scenario)


def _describe(e: LogEntry) -> str:
    """One line of a run's trace for a log entry."""
    d, t = e["detail"], f"t={e['at']:g}s"
    k = e["kind"]
    if k == "start":
        return f"{t}  #{e['seq']} start, status {d.get('status')}"
    if k == "status":
        return f"{t}  #{e['seq']} status {d.get('status')}"
    if k == "send":
        what = "send" if d["direction"] == "forward" else "compensate"
        wait = f" after {d['wait']:g}s backoff" if d.get("wait") else ""
        return f"{t}  #{e['seq']} {what} {e['step']} ({d.get('command')}) attempt {e['attempt']}{wait} key={d['key']}"
    if k == "reply":
        ev = f" {d['event']}" if d.get("event") else ""
        return f"{t}  #{e['seq']} {d['direction']} reply {e['step']} attempt {e['attempt']}: {d['result']}{ev}"
    if k == "compensate":
        failure = d["failure"]
        queue = ", ".join(d["queue"]) or "nothing"
        return f"{t}  #{e['seq']} {e['step']} failed for good ({failure.get('event') or failure.get('kind')}); compensate {queue}"
    if k == "skip":
        return f"{t}  #{e['seq']} cannot compensate {e['step']}: {d.get('why')}"
    if k == "end":
        extra = f" ({d['why']})" if d.get("why") else ""
        return f"{t}  #{e['seq']} end {d['state']}, status {d.get('status')}{extra}"
    return f"{t}  #{e['seq']} {k}"
