"""The choreography engine: runs a choreographed saga's participants as event consumers on the store.

Nobody is in charge. Each step's participant consumes its trigger event and, in one transaction,
records the message id in its inbox (``processed_keys``: a redelivered message is acknowledged and
ignored), does its local work (a ``participant_state`` row and a ``do`` in ``participant_ops``) and
writes its success or failure event to the outbox (``outbox.publish``); the relay hands outbox
rows to the broker (``outbox.relay``), which delivers them to every subscriber. A compensatable
step's participant also consumes its ``compensation.on`` event: it undoes its work (``undo``) and
publishes ``compensation.event``; one that has not acted yet leaves a tombstone, so a trigger
arriving late does not act. The status service consumes every event and shows the status of the
furthest one (a fold that does not depend on the order the events arrive in).

Redelivery follows each step's retry policy on a virtual clock: a lost delivery is redelivered
after the per-attempt timeout and the backoff; when the attempts are used up the delivery is
dead-lettered and the dead-letter handler publishes the step's failure event
(``choreo_scenarios.dead_letter_event``), or for a compensation a ``compensation-dead`` notice. Past
the pivot, a step whose exhausted retries the catalog escalates (``scenarios.escalated``) gets an
escalation notice ``STEP.escalated`` instead: nobody undoes on it, the status service shows
``onCompensationFailure``'s status, and the run ends ``escalated``, as an orchestrated one does.
A consumer crash (``crash_point``: ``before-commit`` rolls its transaction back, ``after-commit``
stops before the relay and the acknowledgement) is not a failed attempt: the restarted process
relays what is in the outbox and the broker delivers the unacknowledged message again. When no
delivery is pending the run has settled, and ``_finish`` writes how it ended (``end`` in the log).

Every delivery attempt and its result are written to ``saga_log`` (``send``, ``reply``), with the
status changes (``status``), so the invariants read a choreography's run as they read an
orchestrated one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from saga_lint.orchestrator.choreo_scenarios import (
    by_orchestrator,
    dead_letter_event,
    entry_event,
    orchestrator_undoes,
    outcome_step,
    success_of,
    trigger_of,
    undo_event,
    undoes,
)
from saga_lint.orchestrator.engine import Crash
from saga_lint.orchestrator.invariants import snapshot
from saga_lint.orchestrator.outbox import (
    Delivery,
    Message,
    Subscription,
    ack,
    dead,
    message,
    next_delivery,
    publish,
    redeliver,
    relay,
)
from saga_lint.orchestrator.participants import kind_of
from saga_lint.orchestrator.scenarios import (
    DEFAULT_TIMEOUT,
    attempts_of,
    escalated,
    escalation_why,
    failure_defined,
    failure_status,
    plan_for,
    step_named,
)
from saga_lint.words import plural

if TYPE_CHECKING:
    from saga_lint.orchestrator.records import LogDetail, Snapshot
    from saga_lint.orchestrator.scenarios import Scenario
    from saga_lint.orchestrator.store import Statement, Store
    from saga_lint.saga.model import RetryPolicy, Saga, SagaStep

STATUS_SERVICE = "status-service"  # the consumer that turns events into the customer-visible status
# what the orchestrator of a mixed saga consumes
ORCHESTRATOR_CONSUMES = ("entry", "success", "failure", "compensated", "compensation-dead")


def participant_of(step: SagaStep) -> str:
    return (step.participant.id or step.id) if step.participant is not None else f"participant-of-{step.id}"


def choreography_snapshot(store: Store, saga: Saga, saga_id: str) -> Snapshot:
    """The orchestrated snapshot, with the outcome events the outcome step put in its outbox."""
    snap = snapshot(store, saga_id)
    last = outcome_step(saga)
    snap["outbox"] = [r[0] for r in store.query(
        "SELECT event FROM event_outbox WHERE saga_id = ? AND kind = 'success' AND step = ? ORDER BY id",
        (saga_id, last.id if last else ""))]
    return snap


def _backoff(policy: RetryPolicy | None, attempt: int) -> float:
    """The wait before attempt ``attempt + 1``."""
    if policy is None:
        return 0.0
    sched = policy.backoff_schedule()
    return sched[attempt - 1] if attempt - 1 < len(sched) else (sched[-1] if sched else 0.0)


class Choreography:
    """Runs choreographed sagas of one flow on a store (see the module).

    ``crash_after``/``crash_point``: the consumer crashes at that consume (counted over this
    instance's participant consumes), ``before-commit`` or ``after-commit``. ``non_idempotent``:
    steps whose compensation consumer neither deduplicates nor looks at its state (a deliberately
    broken participant: it undoes once per delivery). ``latest_status``: a status service that
    shows the status of the last event it consumed, whatever its order (broken on purpose).
    """

    def __init__(self, store: Store, saga: Saga, *, crash_after: int | None = None, crash_point: str | None = None,
                 trace: list[str] | None = None, non_idempotent: frozenset[str] = frozenset(), latest_status: bool = False):
        self.store, self.saga = store, saga
        self.crash_after, self.crash_point = crash_after, crash_point
        self.trace: list[str] = trace if trace is not None else []
        self.non_idempotent = non_idempotent
        self.latest_status = latest_status
        self.orchestrator = saga.orchestrator_id or "orchestrator"
        self._seq: dict[str, int] = {}  # saga id -> its last log seq written by this engine
        self._unrelayed = True  # something may wait in the outbox (always so after a restart)
        self.consumes = 0
        self.clock = 0.0

    # --- the journal ------------------------------------------------------------------------------
    def _log(self, saga_id: str, kind: str, at: float, detail: LogDetail, *, step: str | None = None,
             attempt: int | None = None, extra: Sequence[Statement] = ()) -> None:
        """One ``saga_log`` entry (and a status change or the end with it), in the current transaction."""
        store = self.store
        self.clock = max(self.clock, at)
        with store.tx():
            if saga_id not in self._seq:  # read once per engine (a restarted engine reads it again)
                row = store.one("SELECT COALESCE(MAX(seq), 0) FROM saga_log WHERE saga_id = ?", (saga_id,))
                self._seq[saga_id] = int(row[0]) if row is not None else 0
            self._seq[saga_id] += 1
            seq = self._seq[saga_id]
            store.execute("INSERT INTO saga_log (saga_id, seq, kind, step, attempt, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          (saga_id, seq, kind, step, attempt, at, json.dumps(detail, sort_keys=True)))
            if kind in ("start", "status"):
                store.execute("UPDATE saga_instance SET clock = ?, status = ? WHERE saga_id = ?",
                              (self.clock, detail.get("status"), saga_id))
                store.execute("INSERT INTO status_history (saga_id, seq, status, at) VALUES (?, ?, ?, ?)",
                              (saga_id, seq, detail.get("status"), at))
            elif kind == "end":
                store.execute("UPDATE saga_instance SET clock = ?, state = ? WHERE saga_id = ?",
                              (self.clock, detail.get("state"), saga_id))
            else:
                store.execute("UPDATE saga_instance SET clock = ? WHERE saga_id = ?", (self.clock, saga_id))
            for sql, params in extra:
                store.execute(sql, params)

    def _publish(self, saga_id: str, msg: Message) -> Statement:
        """The outbox statement for a message; the next turn of the loop relays it."""
        self._unrelayed = True
        return publish(saga_id, msg)

    def _say(self, at: float, text: str) -> None:
        self.trace.append(f"t={at:g}s  {text}")

    # --- who consumes what --------------------------------------------------------------------------
    def subscribers(self, msg: Message, scenario: Scenario) -> list[Subscription]:
        dup = 2 if scenario.duplicates else 1
        out = []
        for step in self.saga.steps:
            if by_orchestrator(self.saga, step):
                if msg.step == step.id and msg.kind in ("command", "undo-command"):
                    out.append(self._command_subscription(step, msg, scenario, dup))
                continue
            if msg.event is not None and msg.kind != "undo-command" and trigger_of(self.saga, step) == msg.event:
                b = scenario.behaviour(step.id, "forward")
                copies = 2 if b in ("duplicate", "late-duplicate") else dup
                out.append(Subscription(participant_of(step), "forward", step.id, copies, b == "late-duplicate"))
            if msg.event is not None and undoes(self.saga, step) and step.compensation_on == msg.event:
                out.append(Subscription(participant_of(step), "compensate", step.id, dup))
        if self.saga.coordination == "mixed" and msg.kind in ORCHESTRATOR_CONSUMES:
            out.append(Subscription(self.orchestrator, "orchestrate", None, dup))
        out.append(Subscription(STATUS_SERVICE, "status", None, dup))
        return out

    @staticmethod
    def _command_subscription(step: SagaStep, msg: Message, scenario: Scenario, dup: int) -> Subscription:
        """A mixed saga's orchestrated step consumes the orchestrator's command (or compensation command)."""
        b = scenario.behaviour(step.id, "forward")
        if msg.kind == "undo-command":
            return Subscription(participant_of(step), "compensate", step.id, dup)
        copies = 2 if b in ("duplicate", "late-duplicate") else dup
        return Subscription(participant_of(step), "forward", step.id, copies, b == "late-duplicate")

    # --- running ------------------------------------------------------------------------------------
    def start(self, saga_id: str, scenario: Scenario, *, queue: bool = False) -> None:
        """Create the saga and publish its first event, in one transaction (``queue``: for a worker to claim)."""
        saga = self.saga
        first = saga.steps[0]
        entry = Message(f"{saga_id}|entry|{entry_event(saga)}", entry_event(saga), None, "entry", None, 0.0)
        with self.store.tx():
            self.store.execute(
                "INSERT INTO saga_instance (saga_id, flow, scenario, state, status, clock) VALUES (?, ?, ?, 'running', NULL, 0)",
                (saga_id, saga.id, scenario.name))
            if queue:
                self.store.execute("INSERT INTO saga_queue (saga_id) VALUES (?)", (saga_id,))
            self._log(saga_id, "start", 0.0, {"status": first.status}, extra=[self._publish(saga_id, entry)])
        self._say(0.0, f"start, status {first.status}; publish {entry.event}")

    def run(self, saga_id: str, scenario: Scenario) -> None:
        """Run (or, after a crash, resume) one saga until no delivery is pending, then record its end."""
        row = self.store.one("SELECT state, clock FROM saga_instance WHERE saga_id = ?", (saga_id,))
        if row is None:
            self.start(saga_id, scenario)
        elif row[0] != "running":
            return
        else:
            self.clock = float(row[1])
            if self.store.one("SELECT 1 FROM saga_log WHERE saga_id = ? AND kind <> 'start'", (saga_id,)) is not None:
                self._say(self.clock, "RESTART: relay the outbox, redeliver what was not acknowledged")
        for _ in range(100_000):
            relayed = relay(self.store, saga_id, lambda m: self.subscribers(m, scenario)) if self._unrelayed else []
            self._unrelayed = False
            for msg in relayed:
                what = msg.event or f"a {msg.kind} notice"
                self._say(msg.at, f"relay {what} ({msg.kind}{' of ' + msg.step if msg.step else ''})")
            d = next_delivery(self.store, saga_id, status_last=scenario.reordered)
            if d is None:
                self._finish(saga_id)
                return
            self._deliver(saga_id, d, scenario)
        raise RuntimeError(f"saga {saga_id} makes no progress")

    def _deliver(self, saga_id: str, d: Delivery, scenario: Scenario) -> None:
        if d.role == "status":
            self._project(saga_id, d)
            return
        if d.role == "orchestrate":
            self._orchestrate(saga_id, d)
            return
        step = step_named(self.saga, d.step or "")
        direction = "forward" if d.role == "forward" else "compensate"
        self._log(saga_id, "send", d.due, {"direction": direction, "key": d.msg_id, "command": d.event, "wait": d.wait},
                  step=step.id, attempt=d.attempt)
        late = " (late copy)" if d.held else ""
        self._say(d.due, f"deliver {d.event} to {d.consumer} ({step.id} {direction}) attempt {d.attempt}{late}")
        behaviour = plan_for(scenario, self.saga)(step.id, direction, d.attempt)
        if behaviour == "lost":
            self._lost(saga_id, d, step, direction)
            return
        self.consumes += 1
        crash = self.crash_point if self.crash_after == self.consumes else None
        if direction == "forward":
            self._consume_forward(saga_id, d, step, behaviour, crash)
        else:
            self._consume_compensation(saga_id, d, step, crash)
        if crash == "after-commit":
            self._say(self.clock, f"CRASH of {d.consumer} after its commit, before the relay and the ack")
            raise Crash(self.consumes)
        ack(self.store, d.id)

    def _lost(self, saga_id: str, d: Delivery, step: SagaStep, direction: str) -> None:
        """No consume within the timeout: redeliver after the backoff, or dead-letter."""
        policy = step.retry if direction == "forward" else step.compensation_retry
        at = d.due + (policy.timeout if policy is not None and policy.timeout else DEFAULT_TIMEOUT)
        detail: LogDetail = {"direction": direction, "result": "timeout", "msg_id": None}
        if d.attempt < attempts_of(policy):
            wait = _backoff(policy, d.attempt)
            self._log(saga_id, "reply", at, detail, step=step.id, attempt=d.attempt, extra=[redeliver(d, at + wait, wait)])
            self._say(at, f"lost; redelivery after {wait:g}s")
            return
        msg = self._dead_letter(saga_id, step, direction, at)
        self._log(saga_id, "reply", at, detail, step=step.id, attempt=d.attempt, extra=[dead(d), self._publish(saga_id, msg)])
        published = msg.event or f"a {msg.kind} notice ({step.id} declares no failure event)"
        if msg.kind == "escalated":
            pivot = escalated(self.saga, step, "technical")
            published = f"{msg.event}: escalated past the pivot {pivot.id if pivot else '?'}, nothing is undone"
        elif direction != "forward":
            published = f"a {msg.kind} notice"
        self._say(at, f"lost; dead-lettered after {plural(d.attempt, 'attempt')}; the handler publishes {published}")

    def _dead_letter(self, saga_id: str, step: SagaStep, direction: str, at: float) -> Message:
        """What the dead-letter handler publishes: the step's failure event; past the pivot, when the
        catalog escalates the step's exhausted retries (``scenarios.escalated``), an escalation notice
        ``STEP.escalated`` instead, which nobody undoes on and the status service shows as
        onCompensationFailure's status; for a compensation, a ``compensation-dead`` notice."""
        if direction != "forward":
            return Message(f"{saga_id}|compensation-dead|{step.id}", None, step.id, "compensation-dead", None, at)
        if escalated(self.saga, step, "technical") is not None:
            return Message(f"{saga_id}|escalated|{step.id}", f"{step.id}.escalated", step.id, "escalated", "timeout", at)
        event = dead_letter_event(self.saga, step)
        return Message(f"{saga_id}|failure|{step.id}|{event}|timeout", event, step.id, "failure", "timeout", at)

    def _remember(self, scope: str, msg_id: str, saga_id: str) -> None:
        """Record a consumed message id in the consumer's inbox (its deduplication)."""
        self.store.execute("INSERT INTO processed_keys (scope, idem_key, reply) VALUES (?, ?, ?)", (scope, msg_id, saga_id))

    def _seen(self, scope: str, msg_id: str) -> bool:
        return self.store.one("SELECT 1 FROM processed_keys WHERE scope = ? AND idem_key = ?", (scope, msg_id)) is not None

    def _op(self, saga_id: str, step: str, op: str, key: str) -> None:
        self.store.execute(
            "INSERT INTO participant_ops (saga_id, seq, step, op, idem_key) "
            "SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ? FROM participant_ops WHERE saga_id = ?",
            (saga_id, step, op, key, saga_id))

    def _commit_point(self, crash: str | None, consumer: str) -> None:
        if crash == "before-commit":
            self._say(self.clock, f"CRASH of {consumer} before its commit: its transaction rolls back")
            raise Crash(self.consumes)

    def _consume_forward(self, saga_id: str, d: Delivery, step: SagaStep, behaviour: str, crash: str | None) -> None:
        """The participant's local transaction on its trigger: inbox, work, outbox, all or nothing."""
        store, scope = self.store, f"inbox:{d.consumer}:{step.id}:forward"
        with store.tx():
            if self._seen(scope, d.msg_id):
                result, out = "duplicate", None
            else:
                self._remember(scope, d.msg_id, saga_id)
                result, out = self._work(saga_id, d, step, behaviour)
            extra = [self._publish(saga_id, out)] if out is not None else []
            detail: LogDetail = {"direction": "forward", "result": result, "event": out.event if out else None,
                                 "msg_id": d.msg_id}
            self._log(saga_id, "reply", self.clock, detail, step=step.id, attempt=d.attempt, extra=extra)
            self._commit_point(crash, d.consumer)
        said = {"duplicate": "already processed: acknowledged, ignored", "cancelled": "compensated before it arrived: not done"}
        self._say(self.clock, said.get(result) or f"{result}; publish {out.event if out else 'nothing'}")

    def _work(self, saga_id: str, d: Delivery, step: SagaStep, behaviour: str) -> tuple[str, Message | None]:
        """What the participant does with a new trigger: fail, refuse (a tombstone), or act."""
        store, at = self.store, self.clock
        if behaviour.startswith("business:"):
            event = behaviour.split(":", 1)[1]
            return "business", Message(f"{saga_id}|failure|{step.id}|{event}", event, step.id, "failure", "business", at)
        if store.one("SELECT 1 FROM participant_state WHERE saga_id = ? AND step = ?", (saga_id, step.id)) is not None:
            return "cancelled", None
        store.execute("INSERT INTO participant_state (saga_id, step, participant, kind, state) VALUES (?, ?, ?, ?, 'open')",
                      (saga_id, step.id, d.consumer, kind_of(step)))
        self._op(saga_id, step.id, "do", d.msg_id)
        event = success_of(step)
        if outcome_step(self.saga) is step:
            store.execute("INSERT INTO outcome (saga_id, container, event) VALUES (?, ?, ?)",
                          (saga_id, (self.saga.outcome or {}).get("container"), event))
        return "ok", Message(f"{saga_id}|success|{step.id}|{event}", event, step.id, "success", None, at)

    def _consume_compensation(self, saga_id: str, d: Delivery, step: SagaStep, crash: str | None) -> None:
        """The participant's undo on its ``compensation.on`` event (idempotent unless broken on purpose)."""
        store, scope = self.store, f"inbox:{d.consumer}:{step.id}:compensate"
        broken = step.id in self.non_idempotent
        with store.tx():
            if not broken and self._seen(scope, d.msg_id):
                result, out = "duplicate", None
            else:
                if not broken:
                    self._remember(scope, d.msg_id, saga_id)
                result = self._undo(saga_id, d, step, broken)
                event = undo_event(step)
                out = Message(f"{saga_id}|compensated|{step.id}|{event}", event, step.id, "compensated", None, self.clock)
            extra = [self._publish(saga_id, out)] if out is not None else []
            self._log(saga_id, "reply", self.clock, {"direction": "compensate", "result": result,
                                                      "event": out.event if out else None, "msg_id": d.msg_id},
                      step=step.id, attempt=d.attempt, extra=extra)
            self._commit_point(crash, d.consumer)
        said = {"duplicate": "already processed: acknowledged, ignored", "tombstone": "nothing done yet: tombstone left"}
        self._say(self.clock, said.get(result) or f"undone; publish {out.event if out else 'nothing'}")

    def _undo(self, saga_id: str, d: Delivery, step: SagaStep, broken: bool) -> str:
        store = self.store
        row = store.one("SELECT state FROM participant_state WHERE saga_id = ? AND step = ?", (saga_id, step.id))
        if row is None:
            store.execute("INSERT INTO participant_state (saga_id, step, participant, kind, state) "
                          "VALUES (?, ?, ?, ?, 'cancelled')", (saga_id, step.id, d.consumer, kind_of(step)))
            return "tombstone"
        if row[0] == "open" or broken:
            store.execute("UPDATE participant_state SET state = 'closed' WHERE saga_id = ? AND step = ? AND state = 'open'",
                          (saga_id, step.id))
            self._op(saga_id, step.id, "undo", d.msg_id)
            return "ok"
        return "no-op"

    # --- the status service and the end -------------------------------------------------------------
    def _rank(self, msg: Message) -> tuple[tuple[int, int], str | None]:
        """How far along an event says the saga is, and the status that goes with it."""
        saga, steps = self.saga, self.saga.steps
        if msg.kind == "entry":
            return (0, 0), steps[0].status
        step = saga.step(msg.step or "")
        if step is None or msg.kind in ("compensated", "command", "undo-command"):
            return (-1, 0), None
        if msg.kind in ("compensation-dead", "escalated"):
            return (2, 0), saga.on_compensation_failure
        if msg.kind == "failure":
            kind = "business" if msg.reason == "business" else "technical"
            return (1, 0), failure_status(step, kind, msg.event if kind == "business" else None)
        k = steps.index(step)
        return ((1, 0), saga.on_success) if k == len(steps) - 1 else ((0, k + 1), steps[k + 1].status)

    def _status(self, consumed: list[Message], msg_id: str) -> str | None:
        """The status of the furthest event consumed (``latest_status``: of the one just consumed)."""
        ranked = [(r, m.msg_id) for m in consumed if (r := self._rank(m))[1] is not None]
        if self.latest_status:
            return next((r[1] for r, mid in ranked if mid == msg_id), None)
        return max(ranked, key=lambda x: x[0][0])[0][1] if ranked else None

    def _consumed(self, saga_id: str, scope: str) -> list[Message]:
        """The saga's messages a consumer has consumed (its inbox, joined to the outbox)."""
        return [Message(*r) for r in self.store.query(
            "SELECT o.msg_id, o.event, o.step, o.kind, o.reason, o.at FROM event_outbox o JOIN processed_keys p "
            "ON p.scope = ? AND p.idem_key = o.msg_id WHERE o.saga_id = ? ORDER BY o.id", (scope, saga_id))]

    # --- the orchestrator of a mixed saga -------------------------------------------------------------
    def _orchestrate(self, saga_id: str, d: Delivery) -> None:
        """The orchestrator consumes an event and sends the next command, or the next compensation
        command (newest step first, one at a time), in one transaction with its inbox."""
        store, scope = self.store, f"inbox:{self.orchestrator}"
        msg = message(store, d.msg_id)
        with store.tx():
            if msg is not None and not self._seen(scope, d.msg_id):
                self._remember(scope, d.msg_id, saga_id)
                for out in self._orchestrator_next(saga_id, msg, scope):
                    store.execute(*self._publish(saga_id, out))
                    what = f"{'send' if out.kind == 'command' else 'compensate'} {out.step} ({out.event})"
                    self._say(self.clock, f"{self.orchestrator} consumes {msg.event or msg.kind}: {what}")
            ack(store, d.id)

    def _orchestrator_next(self, saga_id: str, msg: Message, scope: str) -> list[Message]:
        saga, steps = self.saga, self.saga.steps
        if msg.kind in ("entry", "success"):
            k = 0 if msg.kind == "entry" else steps.index(step_named(saga, msg.step or "")) + 1
            if k < len(steps) and by_orchestrator(saga, steps[k]):
                s = steps[k]
                return [Message(f"{saga_id}|command|{s.id}", trigger_of(saga, s), s.id, "command", None, self.clock)]
            return []
        if msg.kind != "failure" and not (msg.step and by_orchestrator(saga, step_named(saga, msg.step))):
            return []  # a choreographed participant's undo: not the orchestrator's
        sent = {r[0] for r in self.store.query(
            "SELECT step FROM event_outbox WHERE saga_id = ? AND kind = 'undo-command'", (saga_id,))}
        if msg.kind == "failure" and sent:
            return []
        acted = {m.step for m in self._consumed(saga_id, scope) if m.kind == "success"}
        todo = [s for s in reversed(steps) if s.id in acted and orchestrator_undoes(saga, s) and s.id not in sent]
        return [Message(f"{saga_id}|undo-command|{s.id}", s.compensation, s.id, "undo-command", None, self.clock)
                for s in todo[:1]]

    def _project(self, saga_id: str, d: Delivery) -> None:
        """The status service: the status of the furthest event it has consumed."""
        store, scope = self.store, f"inbox:{STATUS_SERVICE}"
        with store.tx():
            if not self._seen(scope, d.msg_id):
                self._remember(scope, d.msg_id, saga_id)
                status = self._status(self._consumed(saga_id, scope), d.msg_id)
                current = store.one("SELECT status FROM saga_instance WHERE saga_id = ?", (saga_id,))
                if status is not None and (current is None or current[0] != status):
                    self._log(saga_id, "status", max(self.clock, d.due), {"status": status})
                    self._say(self.clock, f"{STATUS_SERVICE} consumes {d.event or 'a notice'}: status {status}")
                else:
                    now = current[0] if current is not None else None
                    self._say(self.clock, f"{STATUS_SERVICE} consumes {d.event or 'a notice'}: status stays {now}")
            ack(store, d.id)

    def _finish(self, saga_id: str) -> None:
        """No delivery pending: record how the saga ended, from what was published."""
        saga, store = self.saga, self.store
        rows = [Message(*r) for r in store.query(
            "SELECT msg_id, event, step, kind, reason, at FROM event_outbox WHERE saga_id = ? ORDER BY id", (saga_id,))]
        status_row = store.one("SELECT status FROM saga_instance WHERE saga_id = ?", (saga_id,))
        detail: LogDetail = {"status": status_row[0] if status_row else None, "failed_step": None}
        dead_comp = list(dict.fromkeys(m.step for m in rows if m.kind == "compensation-dead" and m.step))
        failure = next((m for m in rows if m.kind == "failure"), None)
        escalation = next((m for m in rows if m.kind == "escalated"), None)
        last = saga.steps[-1]
        if escalation is not None:  # past the pivot: nothing undone, a person resolves it
            step = step_named(saga, escalation.step or "")
            pivot = escalated(saga, step, "technical")
            assert pivot is not None  # the dead-letter handler escalates only such a step (_dead_letter)
            detail["state"], detail["failed_step"], detail["why"] = "escalated", step.id, escalation_why(step, pivot)
        elif failure is not None:
            step = step_named(saga, failure.step or "")
            kind = "business" if failure.reason == "business" else "technical"
            detail["failed_step"] = step.id
            detail["state"] = "compensated" if failure_defined(saga, step, kind, failure.event) else "stuck"
            if detail["state"] == "stuck":
                detail["why"] = f"{step.id} failed ({failure.event or 'timeout'}) and the catalog defines no failure path for it"
            if dead_comp:
                detail["state"], detail["compensation_failed"] = "compensation-failed", dead_comp
        elif any(m.kind == "success" and m.step == last.id for m in rows):
            detail["state"] = "completed"
        else:
            detail["state"], detail["why"] = "stuck", self._why_stuck(rows)
        self._log(saga_id, "end", self.clock, detail)
        why = f" ({detail['why']})" if detail.get("why") else ""
        self._say(self.clock, f"settled: {detail['state']}, status {detail['status']}{why}")

    def _why_stuck(self, rows: list[Message]) -> str:
        steps = self.saga.steps
        done = [step_named(self.saga, m.step) for m in rows if m.kind == "success" and m.step]
        if not done:
            return f"nobody acted on the saga's first event {trigger_of(self.saga, steps[0])}"
        prev = max(done, key=steps.index)
        nxt = steps[steps.index(prev) + 1]
        return (f"the chain stops after {prev.id}: it publishes {success_of(prev)}, and {nxt.id} starts on "
                f"{trigger_of(self.saga, nxt) or 'no declared event'}")
