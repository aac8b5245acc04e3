"""The transactional outbox, its relay and the broker's deliveries, for choreographies, on the store.

A participant writes the events it publishes into ``event_outbox`` in the same transaction as its
local change (``publish`` returns the statement to add to that transaction). The relay (``relay``)
hands each unrelayed row to the broker: one ``event_delivery`` row per subscriber (and a second
copy when the transport duplicates it), marked relayed in the same transaction. The broker hands
out pending deliveries by due time (``next_delivery``); a consumer acknowledges one (``ack``), a
lost one is redelivered later (``redeliver``) or dead-lettered (``dead``). Everything is in the
store, so a restarted process carries on from it: an unrelayed row is relayed then, and an
unacknowledged delivery is delivered again (its consumer deduplicates it by message id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from saga_lint.orchestrator.store import Statement, Store


@dataclass(frozen=True)
class Subscription:
    """Who consumes an event: a step's participant (``forward`` on its trigger, ``compensate`` on
    its ``compensation.on``) or the status service (``status``, every event)."""

    consumer: str
    role: str  # forward | compensate | status
    step: str | None
    copies: int = 1  # deliveries the transport makes of one message
    held: bool = False  # the second copy waits until nothing else is pending (a late redelivery)


@dataclass(frozen=True)
class Message:
    """An outbox row: what was published, by which step, why."""

    msg_id: str
    event: str | None
    step: str | None
    kind: str  # entry | success | failure | compensated | compensation-dead | escalated
    reason: str | None  # failure: business | timeout
    at: float


@dataclass(frozen=True)
class Delivery:
    """One delivery of a message to one consumer."""

    id: int
    msg_id: str
    event: str | None
    consumer: str
    role: str
    step: str | None
    attempt: int
    due: float
    wait: float  # backoff waited before this attempt
    held: bool


def publish(saga_id: str, msg: Message) -> Statement:
    """The statement that puts a message in the outbox (run it in the publisher's transaction)."""
    return ("INSERT INTO event_outbox (saga_id, msg_id, event, step, kind, reason, at, relayed) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 0)", (saga_id, msg.msg_id, msg.event, msg.step, msg.kind, msg.reason, msg.at))


def message(store: Store, msg_id: str) -> Message | None:
    row = store.one("SELECT msg_id, event, step, kind, reason, at FROM event_outbox WHERE msg_id = ? ORDER BY id LIMIT 1",
                    (msg_id,))
    return Message(*row) if row is not None else None


def relay(store: Store, saga_id: str, subscribers: Callable[[Message], list[Subscription]]) -> list[Message]:
    """Hand every unrelayed outbox row of the saga to the broker, each in one transaction; the rows relayed."""
    rows = store.query("SELECT id, msg_id, event, step, kind, reason, at FROM event_outbox "
                       "WHERE saga_id = ? AND relayed = 0 ORDER BY id", (saga_id,))
    out = []
    for row_id, *fields in rows:
        msg = Message(*fields)
        stmts: list[Statement] = []
        for sub in subscribers(msg):
            for copy in range(sub.copies):
                held = 1 if sub.held and copy > 0 else 0
                stmts.append((
                    "INSERT INTO event_delivery (saga_id, msg_id, event, consumer, role, step, attempt, due, wait, held, state) "
                    "VALUES (?, ?, ?, ?, ?, ?, 1, ?, 0, ?, 'pending')",
                    (saga_id, msg.msg_id, msg.event, sub.consumer, sub.role, sub.step, msg.at, held)))
        stmts.append(("UPDATE event_outbox SET relayed = 1 WHERE id = ?", (row_id,)))
        store.batch(stmts)
        out.append(msg)
    return out


def next_delivery(store: Store, saga_id: str, *, status_last: bool = False) -> Delivery | None:
    """The next pending delivery: by due time, then publication order; held deliveries only when
    nothing else is pending. ``status_last``: the status service's deliveries are held too, and
    come newest first (the reordered scenario)."""
    rows = store.query("SELECT id, msg_id, event, consumer, role, step, attempt, due, wait, held FROM event_delivery "
                       "WHERE saga_id = ? AND state = 'pending'", (saga_id,))
    pending = [Delivery(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9])) for r in rows]
    if not pending:
        return None

    def later(d: Delivery) -> bool:
        return d.held or (status_last and d.role == "status")

    now = [d for d in pending if not later(d)]
    if now:
        return min(now, key=lambda d: (d.due, d.id))
    if status_last:
        return max(pending, key=lambda d: d.id)
    return min(pending, key=lambda d: d.id)


def ack(store: Store, delivery_id: int) -> None:
    store.execute("UPDATE event_delivery SET state = 'done' WHERE id = ?", (delivery_id,))


def redeliver(delivery: Delivery, due: float, wait: float) -> Statement:
    """The statement that schedules the next attempt of a lost delivery."""
    return ("UPDATE event_delivery SET attempt = ?, due = ?, wait = ? WHERE id = ?",
            (delivery.attempt + 1, due, wait, delivery.id))


def dead(delivery: Delivery) -> Statement:
    """The statement that dead-letters a delivery whose redeliveries are used up."""
    return ("UPDATE event_delivery SET state = 'dead' WHERE id = ?", (delivery.id,))
