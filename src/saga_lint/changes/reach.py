"""Who a message's breaking change reaches: its receivers and senders, and the saga steps that use it.

Read at the base revision (what runs today): the services, agents and domains whose ``receives``
or ``sends`` name the message's newest version there, and every saga step whose command, trigger,
success reply, failure event, compensation (command, event or trigger) it is. ``change/breaking-schema``
names them in each finding, so that a reviewer sees the blast radius.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from saga_lint.results import Result
    from saga_lint.saga.model import SagaStep

MAX_NAMED = 8  # names shown per list; the rest are counted


@dataclass
class Reach:
    receivers: list[str] = field(default_factory=list)  # "service order-service"
    senders: list[str] = field(default_factory=list)
    saga_steps: list[str] = field(default_factory=list)  # "checkout-saga/authorize_payment (success)"

    def words(self) -> str:
        """``receivers: ...; senders: ...; saga steps: ...`` (empty when nothing uses the message)."""
        parts = []
        for label, names in (("receivers", self.receivers), ("senders", self.senders), ("saga steps", self.saga_steps)):
            if names:
                shown = ", ".join(names[:MAX_NAMED]) + (f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else "")
                parts.append(f"{label}: {shown}")
        return "; ".join(parts)

    def to_json(self) -> dict[str, list[str]]:
        return {"receivers": list(self.receivers), "senders": list(self.senders), "saga_steps": list(self.saga_steps)}


def _roles(step: SagaStep, message_id: str) -> list[str]:
    roles = []
    for role, mid in (("command", step.command_id), ("trigger", step.trigger), ("success", step.success),
                      ("compensation", step.compensation), ("compensation trigger", step.compensation_on)):
        if mid == message_id and role not in roles and not (role == "trigger" and "command" in roles):
            roles.append(role)
    if any(f.event == message_id for f in step.failures):
        roles.append("failure")
    return roles


def reach_of(base: Result, message_type: str, message_id: str) -> Reach:
    """Who uses the message at the base revision (``base``: the base's run)."""
    reach = Reach()
    by_version = base.catalog.index().get((message_type, message_id), {})
    if by_version:
        from saga_lint.catalog import versions

        newest = versions.newest([v for v in by_version if v is not None])
        message = by_version[newest][0] if newest in by_version else next(iter(by_version.values()))[0]
        reach.receivers = sorted({f"{r.type} {r.id}" for r in base.graph.receivers_of(message)})
        reach.senders = sorted({f"{r.type} {r.id}" for r in base.graph.senders_of(message)})
    for saga in base.sagas:
        for step in saga.steps:
            roles = _roles(step, message_id)
            if roles:
                reach.saga_steps.append(f"{saga.id}/{step.id} ({', '.join(roles)})")
    return reach
