"""Cycles in a directed graph, by depth-first walks that are iterative (a hostile flow map can be
deep): the edges that close a cycle (``saga/loop-bound`` and the report's step pictures) and the
closed loops no edge leaves (``flow/dead-end``)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

E = TypeVar("E")
H = TypeVar("H", bound=Hashable)


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


def components(nodes: Iterable[H], succ: Callable[[H], Iterable[H]]) -> dict[H, int]:
    """The strongly connected set of each node reached from ``nodes``, numbered in the order Tarjan's
    algorithm closes them (a set before any set that reaches it): two nodes reach each other exactly
    when their numbers are equal. ``succ(node)`` gives a node's targets. Iterative (a hostile flow
    can be a chain of thousands of steps)."""
    index: dict[H, int] = {}
    low: dict[H, int] = {}
    on_stack: set[H] = set()
    stack: list[H] = []
    component: dict[H, int] = {}
    count = 0
    for root in nodes:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        walk = [(root, iter(succ(root)))]
        while walk:
            node, targets = walk[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    walk.append((target, iter(succ(target))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            walk.pop()
            if walk:
                parent = walk[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:  # the root of a strongly connected set: pop it
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component[member] = count
                    if member == node:
                        break
                count += 1
    return component


def closed_loops(nodes: list[H], succ: Callable[[H], Iterable[H]]) -> list[list[H]]:
    """The closed loops among ``nodes``: the strongly connected sets no edge leaves (each with a
    cycle or with no edge at all), each in ``nodes``' order, the sets in the order of their first
    node. ``succ(node)`` gives a node's targets, all among ``nodes``."""
    component = components(nodes, succ)
    leaves = {component[n] for n in nodes if any(component[t] != component[n] for t in succ(n))}
    order = {n: i for i, n in enumerate(nodes)}
    sets: dict[int, list[H]] = {}
    for n in nodes:
        if component[n] not in leaves:
            sets.setdefault(component[n], []).append(n)
    return sorted(sets.values(), key=lambda members: order[members[0]])
