"""Participants: the services a saga's commands go to.

The interface (``Participant``) is what the orchestrator calls; a team can plug in a participant
that calls its real service by registering a factory under the entry point group
``saga_lint.participants``, named after the participant service id::

    # pyproject.toml of your plug-in
    [project.entry-points."saga_lint.participants"]
    payment-service = "acme_saga.participants:PaymentParticipant"

The factory is called as ``factory(store=..., saga=..., step=...)`` and returns an object with
``handle(command) -> list[Reply]``:

- return ``[reply]`` for a reply (``result``: ``ok``, ``business`` with the failure ``event`` id,
  or ``error`` for a technical failure); ``[]`` when no reply came within the step's timeout;
  several replies when the transport delivered one more than once;
- honour ``command.key`` (the idempotency key): a command seen before must not act again, and
  its stored reply must be returned (same ``msg_id``); a ``compensate`` command for a key whose
  forward command never acted is a no-op that still succeeds (and blocks a late forward).

The simulated participant below keeps real state in the store (a reservation, an authorization,
an order: one ``participant_state`` row per step, open or closed, and a ``participant_ops``
journal), so that invariants are checked on data, not on the orchestrator's word. Its behaviour
per attempt comes from the scenario's fault plan.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from saga_lint.orchestrator.store import Store
    from saga_lint.saga.model import Saga, SagaStep

ENTRY_POINT_GROUP = "saga_lint.participants"

# ``plan(step id, direction, attempt) -> behaviour``: how a simulated participant acts
Plan = Callable[[str, str, int], str]


@dataclass
class Command:
    saga_id: str
    step: str  # flow step id
    command: str | None  # command (message) id
    direction: str  # forward | compensate
    key: str  # idempotency key
    attempt: int


@dataclass
class Reply:
    msg_id: str
    key: str
    result: str  # ok | business | error
    event: str | None = None

    def to_json(self) -> str:
        return json.dumps({"event": self.event, "key": self.key, "msg_id": self.msg_id, "result": self.result}, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Reply:
        d = json.loads(text)
        return cls(d["msg_id"], d["key"], d["result"], d.get("event"))


@runtime_checkable
class Participant(Protocol):
    def handle(self, command: Command) -> list[Reply]:
        """Act on a command (idempotently by ``command.key``); return the replies delivered."""


def kind_of(step: SagaStep) -> str:
    """What a step's participant holds: reservation, authorization, order, or the command id."""
    for text in (step.id.lower(), (step.command_id or "").lower()):  # the step's own words first
        for word, kind in (("reserv", "reservation"), ("authori", "authorization"), ("order", "order"),
                           ("book", "booking"), ("charge", "charge"), ("captur", "charge"), ("ship", "shipment")):
            if word in text:
                return kind
    return step.command_id or step.id


class SimulatedParticipant:
    """A participant that keeps its state in the store and follows a fault plan.

    ``plan(step_id, direction, attempt)`` returns one of: ``ok``, ``business:EVENT``, ``error``
    (technical failure reply, nothing done), ``lost`` (no reply, nothing done: a timeout),
    ``lost-after`` (done, but the reply is lost: a timeout after the side effect).
    ``duplicates``: every reply is delivered twice.
    """

    def __init__(self, store: Store, saga: Saga, step: SagaStep, plan: Plan, duplicates: bool = False):
        self.store, self.saga, self.step, self.plan = store, saga, step, plan
        self.duplicates = duplicates
        self.name = step.participant.id if step.participant is not None else f"participant-of-{step.id}"
        self.kind = kind_of(step)

    def _deliver(self, reply: Reply) -> list[Reply]:
        return [reply, reply] if self.duplicates else [reply]

    def handle(self, cmd: Command) -> list[Reply]:
        store = self.store
        behaviour = self.plan(cmd.step, cmd.direction, cmd.attempt)
        if behaviour == "lost":
            return []
        if behaviour == "error":
            return self._deliver(Reply(f"{cmd.key}#error{cmd.attempt}", cmd.key, "error"))
        scope = f"participant:{self.name}"
        with store.tx():
            row = store.one("SELECT reply FROM processed_keys WHERE scope = ? AND idem_key = ?", (scope, cmd.key))
            if row is not None:
                reply = Reply.from_json(row[0])
            else:
                reply = self._act(cmd, behaviour)
                store.execute("INSERT INTO processed_keys (scope, idem_key, reply) VALUES (?, ?, ?)",
                              (scope, cmd.key, reply.to_json()))
        if behaviour == "lost-after":
            return []
        return self._deliver(reply)

    def _op(self, cmd: Command, op: str) -> None:
        self.store.execute(
            "INSERT INTO participant_ops (saga_id, seq, step, op, idem_key) "
            "SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ? FROM participant_ops WHERE saga_id = ?",
            (cmd.saga_id, cmd.step, op, cmd.key, cmd.saga_id),
        )

    def _act(self, cmd: Command, behaviour: str) -> Reply:
        store = self.store
        msg = f"{cmd.key}#reply"
        existing = store.one("SELECT state FROM participant_state WHERE saga_id = ? AND step = ?", (cmd.saga_id, cmd.step))
        if cmd.direction == "forward":
            if behaviour.startswith("business:"):
                return Reply(msg, cmd.key, "business", behaviour.split(":", 1)[1] or None)
            if existing is not None and existing[0] == "cancelled":
                # compensated before the forward command arrived: refuse to act late
                return Reply(msg, cmd.key, "business", "cancelled-before-arrival")
            store.execute(
                "INSERT INTO participant_state (saga_id, step, participant, kind, state) VALUES (?, ?, ?, ?, 'open')",
                (cmd.saga_id, cmd.step, self.name, self.kind),
            )
            self._op(cmd, "do")
            return Reply(msg, cmd.key, "ok", self.step.success)
        # compensate
        if existing is None:
            store.execute(
                "INSERT INTO participant_state (saga_id, step, participant, kind, state) VALUES (?, ?, ?, ?, 'cancelled')",
                (cmd.saga_id, cmd.step, self.name, self.kind),
            )
        elif existing[0] == "open":
            store.execute("UPDATE participant_state SET state = 'closed' WHERE saga_id = ? AND step = ?", (cmd.saga_id, cmd.step))
            self._op(cmd, "undo")
        return Reply(msg, cmd.key, "ok", self.step.compensation if self.step.compensation not in (None, "none") else None)


# ``factory(store=..., saga=..., step=...)``, as registered by a plug-in
ParticipantFactory = Callable[..., Participant]


def entry_point_factories() -> dict[str, ParticipantFactory]:
    """Participant factories registered under ``saga_lint.participants`` (name -> loaded object)."""
    from importlib.metadata import entry_points

    out: dict[str, ParticipantFactory] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            out[ep.name] = ep.load()
        except Exception:  # noqa: BLE001 - a broken plug-in must not break verify
            continue
    return out
