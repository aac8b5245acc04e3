"""Sagas that repeat another saga's steps: a customer journey drawn around a saga is not reviewed twice.

A saga B is a copy of a saga A when every step message of A (A has at least two) is a step
message of B, and A is the better source: declared (x-saga) before a Compensation node before
the config before a saga found only from its map, then fewer steps, then its id. Two sagas
coordinated by different orchestrators (declared, the one service that sends every step command,
or one drawn before the first step that sends the first saga's step commands: not a journey's web
shop drawn before the shopper's own command) are two sagas that share
participants, never a saga and its copy: both are reviewed. B keeps its
model (``explain`` shows it) but is marked ``copy_of = A`` (and A lists it in ``copied_by``) and
is left out of the review (``Saga.reviewed``). Linear in
the number of steps: sagas are found through an index of their step messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from saga_lint.graph import CatalogGraph
    from saga_lint.saga.model import Saga

_RANK = ("it has an x-saga block", "it has a custom step of type Compensation", "the configuration lists it")


def _rank(saga: Saga) -> int:
    return next((i for i, prefix in enumerate(_RANK) if saga.why.startswith(prefix)), len(_RANK))


def _messages(saga: Saga) -> frozenset[str]:
    return frozenset(t for s in saga.steps if (t := s.trigger or s.command_id))


def _coordinator(saga: Saga, original: Saga, graph: CatalogGraph | None) -> str | None:
    """The orchestrator that coordinates ``saga``: declared, the one service that sends every step
    command, or a service drawn before the first step that sends ``original``'s step commands;
    not one that sends none of them (a journey's web shop drawn before the shopper's own command)."""
    ev, orch = saga.orchestrator_evidence, saga.orchestrator
    if ev is None or ev.level != "prose" or orch is None or graph is None:
        return saga.orchestrator_id
    commands = [s.command for s in original.steps if s.command is not None and s.orchestrated]
    sends = bool(commands) and all(any(r.key == orch.key for r in graph.senders_of(c)) for c in commands)
    return saga.orchestrator_id if sends else None


def _other_orchestrators(a: Saga, b: Saga, graph: CatalogGraph | None) -> bool:
    """Whether ``a`` and ``b`` are coordinated by two different orchestrators: a second saga over
    the same participants (say, a web and a store checkout), not a journey drawn around ``a``."""
    oa, ob = _coordinator(a, a, graph), _coordinator(b, a, graph)
    return bool(oa and ob and oa != ob)


def mark_copies(sagas: list[Saga], graph: CatalogGraph | None = None) -> None:
    """Set ``copy_of`` (and say so in ``why``) on every saga that repeats a better saga's steps."""
    keys = {id(s): _messages(s) for s in sagas}
    order = sorted(sagas, key=lambda s: (_rank(s), len(keys[id(s)]), s.id))
    pos = {id(s): i for i, s in enumerate(order)}
    index: dict[str, list[Saga]] = {}
    for saga in order:
        mine = keys[id(saga)]
        candidates = {id(a): a for m in sorted(mine) for a in index.get(m, [])}
        ranked = sorted(candidates.values(), key=lambda a: pos[id(a)])
        original = next((a for a in ranked if len(keys[id(a)]) > 1 and keys[id(a)] <= mine
                         and not _other_orchestrators(a, saga, graph)), None)
        if original is not None:
            saga.copy_of = original.id
            original.copied_by.append(saga)
            saga.why += (f"; it repeats the steps of the saga {original.id} ({', '.join(sorted(keys[id(original)]))}) "
                         f"instead of embedding it with a flow: step, so it is reviewed as {original.id}, not twice")
            continue
        for m in mine:
            index.setdefault(m, []).append(saga)
