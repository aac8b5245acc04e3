"""Sagas that repeat another saga's steps: a customer journey drawn around a saga is not reviewed twice.

A saga B is a copy of a saga A when every step message of A (A has at least two) is a step
message of B, and A is the better source: declared (x-saga) before a Compensation node before
the config before a saga found only from its map, then fewer steps, then its id. Two sagas
coordinated by different orchestrators (each named or found) are two sagas that share
participants, never a saga and its copy: both are reviewed. B keeps its
model (``explain`` shows it) but is marked ``copy_of = A`` (and A lists it in ``copied_by``) and
is left out of the review (``Saga.reviewed``). Linear in
the number of steps: sagas are found through an index of their step messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from saga_lint.saga.model import Saga

_RANK = ("it has an x-saga block", "it has a custom step of type Compensation", "the configuration lists it")


def _rank(saga: Saga) -> int:
    return next((i for i, prefix in enumerate(_RANK) if saga.why.startswith(prefix)), len(_RANK))


def _messages(saga: Saga) -> frozenset[str]:
    return frozenset(t for s in saga.steps if (t := s.trigger or s.command_id))


def _other_orchestrators(a: Saga, b: Saga) -> bool:
    """Whether ``a`` and ``b`` are coordinated by two different orchestrators: a second saga over
    the same participants (say, a web and a store checkout), not a journey drawn around ``a``."""
    return bool(a.orchestrator_id and b.orchestrator_id and a.orchestrator_id != b.orchestrator_id)


def mark_copies(sagas: list[Saga]) -> None:
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
                         and not _other_orchestrators(a, saga)), None)
        if original is not None:
            saga.copy_of = original.id
            original.copied_by.append(saga)
            saga.why += (f"; it repeats the steps of the saga {original.id} ({', '.join(sorted(keys[id(original)]))}) "
                         f"instead of embedding it with a flow: step, so it is reviewed as {original.id}, not twice")
            continue
        for m in mine:
            index.setdefault(m, []).append(saga)
