"""``saga/orchestrator``: the orchestrator sends every step command and receives every reply.

Only orchestrated steps have an orchestrator: the rule never fires on a choreography, and in a
mixed saga it checks only the steps started by a command (``SagaStep.orchestrated``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.rules import Problem, rule
from saga_lint.rules.saga.common import at, at_evidence, flowmap, lookup, received_ids, sent_ids

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.rules import Context
    from saga_lint.saga.model import Saga, SagaStep


@rule("saga/orchestrator", "error")
def orchestrator(ctx: Context) -> Iterator[Problem]:
    """The orchestrator does not send a step's command or does not receive its replies.

    What it checks: the orchestrator (``x-saga.orchestrator``, else the service that sends every
    step command) exists; it ``sends`` each step's command and ``receives`` each step's success
    and failure reply events. A choreography (``x-saga.coordination``, or inferred: steps start on
    events participants publish) has no orchestrator and is not checked; in a mixed saga only
    the steps started by a command are; a saga with no step command and no declared orchestrator
    (listed in the config, say, with only queries and events drawn) has nothing to orchestrate,
    unless its x-saga says ``coordination: orchestration`` (then that is the finding); nor has a
    saga whose one step command no service sends and an actor or external system is drawn sending
    (a user's request: the saga's entry). The orchestrator is not asked to send the first step
    command when it is the one service that receives it (the saga's entry, sent in by a gateway,
    say), nor to receive that step's replies: it sends them itself.
    Why: the catalog's relations are the contract between teams; an orchestrator that does not
    declare the replies it waits for will not be told when their shape changes.
    Example that fails: checkout-orchestrator sends reserve-inventory but has no ``receives`` for
    inventory-reserved.
    Fix: add the replies to the orchestrator's ``receives``.
    """
    for saga in ctx.sagas:
        if saga.coordination == "choreography":
            continue
        flow = saga.flow
        ev = saga.orchestrator_evidence
        orch = saga.orchestrator
        if orch is None:
            if not saga.orchestrator_id and not saga.orchestrated_steps:
                # no step command: nothing to orchestrate ("no service sends every step command" is vacuous),
                # unless x-saga says it is an orchestration
                if saga.x.get("coordination") == "orchestration":
                    yield Problem("x-saga says coordination: orchestration, but it names no orchestrator and no step is "
                                  "started by a command. Declare x-saga.orchestrator and the step commands, or "
                                  "coordination: choreography.", flow, ("x-saga", "coordination"))
                continue
            if saga.orchestrator_id:
                yield Problem(f'orchestrator "{saga.orchestrator_id}" is no service of the catalog.', flow,
                              ("x-saga", "orchestrator"))
            elif not _entry_only(ctx, saga):
                yield Problem("no orchestrator: no service sends every step command. Declare x-saga.orchestrator and add the "
                              "commands to its sends.", flow, ("steps",))
            continue
        if ev is not None and ev.level == "prose":
            yield at_evidence(saga, f"orchestrator {orch.id} is only drawn in the flow ({ev.note}). Declare x-saga.orchestrator.",
                              ev, demote=True)
        yield from _commands_and_replies(ctx, saga, orch)


def _entry_only(ctx: Context, saga: Saga) -> bool:
    """The saga's one step command is its entry: no service sends it and the map draws an actor or
    an external system right before it (a user's request to one participant orchestrates nothing)."""
    steps = saga.orchestrated_steps
    if len(steps) != 1 or steps[0].command is None or ctx.graph.senders_of(steps[0].command):
        return False
    return any(n.kind in ("actor", "externalSystem") for n in flowmap(ctx, saga).before(steps[0].id))


def _entry(saga: Saga, orch: Resource, sends: set[str]) -> SagaStep | None:
    """The first orchestrated step, when its command is the orchestrator's entry: the orchestrator
    is the one service that receives it and does not send it (a gateway drawn before it sends it
    in). Declared or inferred alike: ``saga-lint fix`` writes the inferred one into x-saga, and
    "add it to its sends" would ask it to send the command to itself."""
    steps = saga.orchestrated_steps
    if not steps:
        return None
    first = steps[0]
    if first.command is None or first.command.id in sends or [r.key for r in first.receivers] != [orch.key]:
        return None
    return first


def _commands_and_replies(ctx: Context, saga: Saga, orch: Resource) -> Iterator[Problem]:
    """Per step: the orchestrator sends the command and receives the replies that are event contracts."""
    sends = sent_ids(ctx, orch)
    receives = received_ids(ctx, orch)
    entry = _entry(saga, orch, sends)
    for step in saga.orchestrated_steps:
        if step is entry:
            continue
        if step.command is not None and step.command.id not in sends:
            yield at(saga, step, f"step {step.id}: the orchestrator {orch.id} does not send {step.command_id}. "
                     f"Add it to {orch.id}'s sends.")
        replies = ([step.success] if step.success else []) + [f.event for f in step.failures if f.event]
        missing = [r for r in replies if r not in receives and lookup(ctx, ("event",), r) is not None]
        if missing:
            replies_word, them = ("reply", "it") if len(missing) == 1 else ("replies", "them")
            yield at(saga, step, f"step {step.id}: the orchestrator {orch.id} does not receive the {replies_word} "
                     f"{', '.join(missing)}. Add {them} to {orch.id}'s receives.")
