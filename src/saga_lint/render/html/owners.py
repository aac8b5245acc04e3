"""Who owns what, for the HTML report: owner ids of resources, steps and findings, and the senders
and receivers of messages, read from the catalog graph in one pass over its edges."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from saga_lint.render.safe import visible as clean

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.findings import Finding
    from saga_lint.graph import CatalogGraph
    from saga_lint.results import Result


def _id_of(key: Hashable) -> str:
    """A node key's id: the second item of a resource key ``(type, id, version)``."""
    return clean(key[1]) if isinstance(key, tuple) and len(key) > 1 else clean(key)


def owner_ids(graph: CatalogGraph, key: Hashable) -> list[str]:
    """The ids of the owners of the resource ``key`` (not a team or user), from its in-edges:
    ``Owners.of_resource`` without the index of the whole graph (a forked process asks for a
    few flows' owners)."""
    into = graph.pred.get(key, {})
    return sorted({_id_of(u) for u, edges in into.items() if any(attrs.get("kind") == "owns" for attrs in edges)})


_KINDS_READ = frozenset(("owns", "sends", "receives"))


class Owners:
    """Owner ids for resources and findings, and senders/receivers of messages: one pass over the graph."""

    def __init__(self, result: Result) -> None:
        self.graph = result.graph
        self.step_owners: dict[tuple[Any, str], list[str]] = {}
        for saga in result.sagas or []:
            for st in saga.steps:
                self.step_owners[(saga.flow.key, st.id)] = [clean(o) for o in st.owners]
        self.owners: defaultdict[Hashable, set[str]] = defaultdict(set)
        self.owned: defaultdict[Hashable, list[Hashable]] = defaultdict(list)  # owner -> what it owns, in edge order
        self.senders: defaultdict[Hashable, list[Hashable]] = defaultdict(list)
        self.receivers: defaultdict[Hashable, list[Hashable]] = defaultdict(list)
        self.ids: dict[Hashable, str] = {}  # the id (``_id_of``) of every node with an owns, sends or receives edge
        with contextlib.suppress(Exception):  # a graph it cannot read: no owners, never a crash
            self._read_edges()

    def _read_edges(self) -> None:
        """The tables from every edge, in the graph's edge order (``CatalogGraph.edges``, its loops
        written out here: 200,000 edges at 10,000 services)."""
        owners, owned, senders, receivers, ids = self.owners, self.owned, self.senders, self.receivers, self.ids
        succ = self.graph.succ
        for u in self.graph.nodes:
            out = succ.get(u)
            if not out:
                continue
            uid: str | None = None  # u's id, once it has an edge of these kinds
            for v, edges in out.items():
                for attrs in edges:
                    kind = attrs.get("kind")
                    if kind not in _KINDS_READ:
                        continue
                    if uid is None:
                        uid = ids[u] = _id_of(u)
                    if kind == "owns":
                        owners[v].add(uid)
                        owned[u].append(v)
                    elif kind == "sends":
                        senders[v].append(u)
                    else:
                        receivers[v].append(u)

    def of_resource(self, res: Resource | None) -> list[str]:
        if res is None:
            return []
        if res.type in ("team", "user"):
            return [clean(res.id)]
        return sorted(self.owners.get(res.key, ()))

    def actors(self, table: Mapping[Hashable, Sequence[Hashable]], key: Hashable) -> list[str]:
        """The ids of the senders (or receivers: ``table``) of a message (its ``key``), each once, in order."""
        keys = table.get(key)
        if not keys:
            return []
        ids = self.ids
        return [ids[k] if k in ids else _id_of(k) for k in dict.fromkeys(keys)]

    def of_finding(self, f: Finding) -> list[str]:
        if f.resource is None:
            return []
        key = (f.resource.type, f.resource.id, f.resource.version)
        if f.step and (key, f.step) in self.step_owners:
            owners = self.step_owners[(key, f.step)]
            if owners:
                return owners
        try:
            res = self.graph.resource(key)
        except Exception:
            res = None
        return self.of_resource(res)
