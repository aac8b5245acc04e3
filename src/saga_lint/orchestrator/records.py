"""The typed shapes of what the orchestrator writes to its store and reads back.

The engine writes the saga log (``saga_log``: one ``LogEntry`` per transition, its ``LogDetail``
stored as JSON) and replays it into its state; the invariants read the same log, with the rows the
participants left, into a ``Snapshot``. Both read the log with ``read_log``. These are plain
dicts at run time (``TypedDict``): the hot loop of ``verify`` builds and folds thousands of them,
and the tests and the JSON output see them as dicts.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from saga_lint.orchestrator.store import Store


class Failure(TypedDict):
    """A forward step that failed for good: ``kind`` is ``business`` (with the reply ``event``)
    or ``technical`` (no reply within the attempts its retry policy allows; ``event`` is None)."""

    step: str
    kind: str
    event: str | None


class InFlight(TypedDict):
    """The last command sent whose reply is not logged yet."""

    step: str
    attempt: int
    direction: str  # forward | compensate
    key: str  # idempotency key
    at: float  # virtual time it was sent


class LogDetail(TypedDict, total=False):
    """The JSON ``detail`` of a log entry; which keys are set depends on the entry's ``kind``."""

    status: str | None  # start, status, end: the customer status
    direction: str  # send, reply: forward | compensate
    key: str  # send: the idempotency key
    command: str | None  # send: the command (message) id
    wait: float  # send: backoff waited before this attempt (virtual seconds)
    result: str  # reply: ok | business | error | timeout
    event: str | None  # reply: the reply event
    msg_id: str | None  # reply: the reply's message id (None for a timeout)
    queue: list[str]  # compensate: the steps to undo, in the order to undo them
    failure: Failure  # compensate: the failure that made the saga compensate
    why: str  # skip, end: why (no compensation; no failure path defined)
    state: str  # end: completed | compensated | compensation-failed | escalated | stuck
    failed_step: str | None  # end
    compensation_failed: list[str]  # end: steps whose compensation never succeeded


class LogEntry(TypedDict):
    """One transition in the write-ahead saga log (``kind``: start, status, send, reply,
    compensate, skip, end)."""

    seq: int
    kind: str
    step: str | None
    attempt: int | None
    at: float
    detail: LogDetail


# step -> (kind of hold, state open | closed | cancelled, participant service id)
ParticipantRow = tuple[str, str, str | None]


class Snapshot(TypedDict):
    """What one saga left in the store: the data the invariants are checked on."""

    state: str | None  # the instance row's state (None: no such saga)
    status: str | None  # the customer status it ended with
    clock: float | None  # virtual time at its last transition
    log: list[LogEntry]
    rows: dict[str, ParticipantRow]  # step -> what its participant holds
    ops: list[tuple[str, str]]  # the participants' journal of effects: (do | undo, step), in order
    outcomes: list[str | None]  # events of the outcome records
    outbox: list[str | None]  # events in the outbox
    timeline: list[str | None]  # the customer status history


def read_log(store: Store, saga_id: str) -> list[LogEntry]:
    """A saga's log entries, in order."""
    return [
        {"seq": seq, "kind": kind, "step": step, "attempt": attempt, "at": at, "detail": json.loads(detail)}
        for seq, kind, step, attempt, at, detail in store.query(
            "SELECT seq, kind, step, attempt, at, detail FROM saga_log WHERE saga_id = ? ORDER BY seq", (saga_id,))
    ]


def step_of(e: LogEntry) -> str:
    """The step of a ``send`` or ``reply`` entry (always set for those kinds)."""
    step = e["step"]
    assert step is not None, e
    return step


def attempt_of(e: LogEntry) -> int:
    """The attempt of a ``send`` or ``reply`` entry (always set for those kinds)."""
    attempt = e["attempt"]
    assert attempt is not None, e
    return attempt
