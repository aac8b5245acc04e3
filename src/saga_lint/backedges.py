"""The edges that close a cycle in a directed graph: a depth-first walk, iterative (a hostile
flow map can be deep), shared by ``saga/loop-bound`` and the report's step pictures."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

E = TypeVar("E")


def back_edges(roots: Iterable[Hashable], out_of: Callable[[Hashable], Iterable[tuple[Hashable, E]]]) -> list[E]:
    """The edges, in walk order, that go from a node to one the walk is still inside. The walk
    starts at each root not yet seen, in order; ``out_of(node)`` gives ``(target, edge)`` pairs."""
    state: dict[Hashable, int] = {}  # 1 = on the walk's path, 2 = done
    found: list[E] = []
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(out_of(root)))]
        while stack:
            node, pairs = stack[-1]
            nxt = next(pairs, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                continue
            target, edge = nxt
            seen = state.get(target)
            if seen == 1:
                found.append(edge)
            elif seen is None:
                state[target] = 1
                stack.append((target, iter(out_of(target))))
    return found
