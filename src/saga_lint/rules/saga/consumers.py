"""``saga/compensation-consumers``: whoever a compensation is promised on an event actually receives that event."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import flowmap, lookup, receivers
from saga_lint.saga.values import pointer_id
from saga_lint.saga.xsaga import compensation_block, compensation_on, field_path, on_key, raw_steps

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.rules import Context
    from saga_lint.saga.flowmap import Node
    from saga_lint.saga.model import KeyPath, Saga


@rule("saga/compensation-consumers", "error")
def compensation_consumers(ctx: Context) -> Iterator[Problem]:
    """A compensation is promised on an event that nobody, or not the promised consumer, receives.

    What it checks: every compensation promised on an event has its consumers in the catalog.
    A ``custom`` Compensation node drawn after an event node ("Consumers of OrderCancelled release
    the stock") promises that somebody receives that event: someone must ``receive`` it, and each
    consumer the node names (``properties.consumers``, matched to services by id or name) must
    ``receive`` it. ``x-saga`` ``compensation.on`` promises that the step's participant (in an
    orchestration, the orchestrator) reacts to the event: it must ``receive`` it (where x-saga
    states the promise on an event, the drawn one on that event is not checked twice). One
    finding per promise, naming the event and the consumers that do not receive it.
    Why: in a choreography nothing is in charge of the undo. If the service that must release the
    stock never subscribes to the failure event, the stock stays reserved, and no test of a single
    service shows it.
    Example that fails: the flow draws order-cancelled -> "Consumers release inventory, refund the
    payment" with ``consumers: inventory, payment``, and no service ``receives`` order-cancelled.
    Fix: add the event to the ``receives`` of each consumer (or correct the promise).
    """
    for saga in ctx.sagas:
        yield from _drawn_promises(ctx, saga)
        yield from _declared_promises(ctx, saga)


def _drawn_promises(ctx: Context, saga: Saga) -> Iterator[Problem]:
    """Compensation nodes drawn after an event node (where x-saga does not state the promise on
    that event itself: then the structured promise is checked, and saga/map-agreement holds the two
    together)."""
    fm = flowmap(ctx, saga)
    declared = {e for b in raw_steps(saga).values() if (e := compensation_on(compensation_block(b)))}
    for node in fm.nodes.values():
        if node.ctype != "compensation":
            continue
        for before in fm.before(node.id):
            event = before.message_id
            if event is None or event in declared or lookup(ctx, ("event",), event) is None:
                continue
            got = receivers(ctx, event)
            named = _named_consumers(node)
            missing = [name for name in named if not any(_matches(name, r) for r in got)]
            if got and not missing:
                continue
            promise = f'the compensation drawn at "{node.id}"'
            yield Problem(_message(event, got, missing, promise), saga.flow, node.path, step=node.id)


def _declared_promises(ctx: Context, saga: Saga) -> Iterator[Problem]:
    """``x-saga`` ``compensation.on``: the participant (or the orchestrator) receives the event."""
    style = saga.coordination
    for key, block in raw_steps(saga).items():
        event = compensation_on(compensation_block(block))
        if not event or lookup(ctx, ("event",), event) is None:
            continue
        step = saga.step(key)
        consumer = pointer_id(block.get("participant")) if style != "orchestration" else saga.orchestrator_id
        if consumer is None and step is not None and step.participant is not None:
            consumer = step.participant.id
        got = receivers(ctx, event)
        missing = [consumer] if consumer and consumer not in {r.id for r in got} else []
        if got and not missing:
            continue
        # placed at the key as YAML read it (``on`` may arrive as true), reported by its written name
        where: KeyPath = field_path(saga, key, "compensation", on_key(compensation_block(block)))
        yield Problem(_message(event, got, missing, f"step {key}'s compensation"), saga.flow, at=where, step=key,
                      field=f"x-saga.steps.{key}.compensation.on")


def _message(event: str, got: list[Resource], missing: list[str], promise: str) -> str:
    if not got:
        who = f" (promised consumers: {', '.join(missing)})" if missing else ""
        return (f"{promise} relies on {event}, but nobody in the catalog receives {event}{who}. "
                f"Add {event} to the receives of each service that must undo its work.")
    names = ", ".join(missing)
    return (f"{promise} relies on {event}, but {names} {'has' if len(missing) == 1 else 'have'} no "
            f"receives of {event} (received by {', '.join(sorted(r.id or '?' for r in got))}). "
            f"Add {event} to the receives of {names}, or correct the promise.")


def _named_consumers(node: Node) -> list[str]:
    """``custom.properties.consumers``: a list, or a comma/``and`` separated string."""
    custom = node.data.get("custom")
    props = custom.get("properties") if isinstance(custom, dict) else None
    value = props.get("consumers") if isinstance(props, dict) else None
    items = value if isinstance(value, list) else re.split(r",|\band\b", value) if isinstance(value, str) else []
    return [s for item in items if (s := str(item).strip())]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _matches(name: str, service: Resource) -> bool:
    """A named consumer is this service: its id or name, or their first word(s) ("inventory" is inventory-service)."""
    want = _norm(name)
    for have in (_norm(service.id or ""), _norm(str(service.data.get("name") or ""))):
        if have and (have == want or have.startswith(want + "-")):
            return True
    return False
