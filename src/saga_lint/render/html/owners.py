"""Who owns what, for the HTML report: owner ids of resources, steps and findings, and the senders
and receivers of messages, read from the catalog graph in one pass over its edges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from saga_lint.render.safe import visible as clean

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.findings import Finding
    from saga_lint.results import Result


def _id_of(key: Hashable) -> str:
    """A node key's id: the second item of a resource key ``(type, id, version)``."""
    return clean(key[1]) if isinstance(key, tuple) and len(key) > 1 else clean(key)


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
        try:
            for u, v, attrs in self.graph.edges():
                kind = attrs.get("kind")
                if kind == "owns":
                    self.owners[v].add(_id_of(u))
                    self.owned[u].append(v)
                elif kind == "sends":
                    self.senders[v].append(u)
                elif kind == "receives":
                    self.receivers[v].append(u)
        except Exception:
            pass

    def of_resource(self, res: Resource | None) -> list[str]:
        if res is None:
            return []
        if res.type in ("team", "user"):
            return [clean(res.id)]
        return sorted(self.owners.get(res.key, ()))

    def actors(self, table: Mapping[Hashable, Sequence[Hashable]], res: Resource) -> list[str]:
        """The ids of the senders (or receivers: ``table``) of a message, each once, in order."""
        keys = list(dict.fromkeys(table.get(res.key, ())))
        return [_id_of(k) for k in keys]

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
