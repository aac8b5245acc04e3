"""The catalog as a graph: who owns, sends, receives, contains, writes and reads what.

Nodes are resource keys ``(type, id, version)`` (teams and users have version None) with the
``Resource`` as attribute ``resource``; flow steps are nodes ``("step", flow_key, step_id)``.
Edges carry ``kind``: ``owns`` (owner -> resource), ``sends`` and ``receives`` (service/agent/domain
-> message), ``triggers`` (received message -> produced message), ``contains``, ``writes-to``,
``reads-from``, ``channel``, ``step`` (flow -> step), ``refers`` (step -> resource), ``next-step``
(step -> step, with ``label``), and the other pointer relations of ``catalog.refs``.

``build_graph`` resolves every reference once; the ``refs/*`` rules read ``CatalogGraph.resolved``
(and ``unresolved``, the references that resolved to nothing). ``neighbours(node, kind)`` and
``sources(node, kind)`` are the nodes one edge of a kind away; the named questions (``senders_of``,
``steps_of``, ...) are built on them.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from saga_lint.catalog.model import Catalog, Resource
from saga_lint.catalog.refs import Reference, references_of

if TYPE_CHECKING:
    import networkx as nx

# a node: a resource key (type, id, version) or a flow step ("step", flow key, step id)
Node = Hashable
ResourceKey = tuple[str, str | None, str | None]


@dataclass
class Resolved:
    """A reference with what it resolved to."""

    ref: Reference
    status: str  # ok | missing | no-version | external
    target: Resource | None


@dataclass
class CatalogGraph:
    """The catalog's graph (``g``, a networkx ``MultiDiGraph``) and its resolved references.

    ``neighbours`` and ``sources`` answer from an index of a node's edges by kind, made on the
    node's first question (the saga model and rules ask tens of thousands of them on a large
    catalog, many about the same nodes; networkx's edge views cost several times more each time). ``g`` is
    complete when ``build_graph`` returns and is not changed after."""

    catalog: Catalog
    g: nx.MultiDiGraph
    resolved: list[Resolved] = field(default_factory=list)
    unresolved: list[Resolved] = field(default_factory=list)  # those of ``resolved`` with no target, in order
    # node -> kind -> the nodes at the other end, in networkx's edge order; made on the node's first question
    _out: dict[Node, dict[str, list[Node]]] | None = field(default=None, init=False, repr=False, compare=False)
    _in: dict[Node, dict[str, list[Node]]] | None = field(default=None, init=False, repr=False, compare=False)

    # -- questions rules ask ------------------------------------------------------------------
    def neighbours(self, node: Node, kind: str) -> list[Node]:
        """The nodes ``node`` has an edge of ``kind`` to (one per edge, in edge order); [] for a
        node not in the graph. E.g. ``neighbours(flow.key, "step")``: the flow's step nodes."""
        if self._out is None:
            self._out = {}
        by = self._out.get(node)
        if by is None:
            succs = self.g.succ.get(node) if node in self.g else None
            by = self._out[node] = _by_kind(succs)
        return list(by.get(kind, ()))

    def sources(self, node: Node, kind: str) -> list[Node]:
        """The nodes with an edge of ``kind`` to ``node`` (one per edge, in edge order)."""
        if self._in is None:
            self._in = {}
        by = self._in.get(node)
        if by is None:
            preds = self.g.pred.get(node) if node in self.g else None
            by = self._in[node] = _by_kind(preds)
        return list(by.get(kind, ()))

    def resource(self, key: Node) -> Resource | None:
        if key in self.g:
            found: Resource | None = self.g.nodes[key].get("resource")
            return found
        return None

    def receivers_of(self, message: Resource) -> list[Resource]:
        """Services, agents and domains whose ``receives`` resolves to this message version."""
        return self._unique(self.sources(message.key, "receives"))

    def senders_of(self, message: Resource) -> list[Resource]:
        """Services, agents and domains whose ``sends`` resolves to this message version."""
        return self._unique(self.sources(message.key, "sends"))

    def sends(self, actor: Resource) -> list[Resource]:
        return self._unique(self.neighbours(actor.key, "sends"))

    def receives(self, actor: Resource) -> list[Resource]:
        return self._unique(self.neighbours(actor.key, "receives"))

    def owners_of(self, res: Resource) -> list[Resource]:
        return self._unique(self.sources(res.key, "owns"))

    def writes_to(self, actor: Resource) -> list[Resource]:
        return self._unique(self.neighbours(actor.key, "writes-to"))

    def step_target(self, flow: Resource, step_id: object) -> Resource | None:
        node = ("step", flow.key, str(step_id))
        targets = self.neighbours(node, "refers")
        return self.resource(targets[0]) if targets else None

    def referrers(self, res: Resource) -> list[tuple[Resource, str]]:
        """Every resource that points at ``res``, with the relation."""
        out: list[tuple[Resource, str]] = []
        if res.key not in self.g:
            return out
        for u, _, kind in self.g.in_edges(res.key, data="kind"):
            r = self.resource(u)
            if r is None and isinstance(u, tuple) and u and u[0] == "step":
                r = self.resource(u[1])
            if r is not None:
                out.append((r, kind))
        return out

    def _unique(self, keys: Iterable[Node]) -> list[Resource]:
        seen: set[Node] = set()
        out: list[Resource] = []
        for k in keys:
            if k in seen:
                continue
            seen.add(k)
            r = self.resource(k)
            if r is not None:
                out.append(r)
        return out


def _by_kind(adjacent: Mapping[Node, Mapping[object, Mapping[str, object]]] | None) -> dict[str, list[Node]]:
    """``{kind: [node, ...]}`` of one node's edges (networkx's ``succ[n]`` or ``pred[n]``: node ->
    edge key -> attributes), in networkx's order."""
    out: dict[str, list[Node]] = {}
    for other, keyed in (adjacent or {}).items():
        for attrs in keyed.values():
            kind = attrs.get("kind")
            if isinstance(kind, str):
                found = out.get(kind)
                if found is None:
                    out[kind] = [other]
                else:
                    found.append(other)
    return out


def build_graph(catalog: Catalog) -> CatalogGraph:
    """The graph of a catalog: a node per resource with an id, an edge per resolved reference,
    and each flow's steps (``_add_flow``)."""
    import networkx as nx

    g = nx.MultiDiGraph()
    # each resource's key, computed once (``Resource.key`` is a property over its frontmatter)
    key_of: dict[int, ResourceKey] = {}
    for r in catalog.resources:
        if r.id is not None:
            key = key_of[id(r)] = r.key
            g.add_node(key, resource=r)
    cg = CatalogGraph(catalog, g)
    cache: dict[tuple[tuple[str, ...], str, str | None], tuple[str, Resource | None]] = {}
    step_targets: dict[ResourceKey, dict[Hashable, Resource]] = {}  # flow key -> {step index: target resource}
    resolved = cg.resolved
    unresolved = cg.unresolved
    lookup = catalog.lookup
    add_edge = g.add_edge

    for r in catalog.resources:
        rkey = key_of.get(id(r))
        if rkey is None:
            continue
        local: dict[tuple[Hashable, ...], Resource] = {}  # key path -> target, for triggers
        for ref in references_of(r):
            ck = (ref.targets, ref.id, ref.version)
            hit = cache.get(ck)
            if hit is None:
                hit = lookup(ref.targets, ref.id, ref.version)
                cache[ck] = hit
            status, target = hit
            x = Resolved(ref, status, target)
            resolved.append(x)
            if target is None:
                unresolved.append(x)
                continue
            local[ref.path] = target
            rel = ref.relation
            if rel == "step":
                step_targets.setdefault(rkey, {})[ref.path[1]] = target
                continue
            tkey = key_of[id(target)]
            if rel == "owns" and ref.path[0] in ("owners", "decisionMakers"):
                add_edge(tkey, rkey, kind="owns")
            elif rel == "member" and r.type == "user":
                add_edge(tkey, rkey, kind="member")
            elif rel == "triggers":
                parent = ref.path[:2]
                trig_from = local.get(parent)
                if trig_from is not None:
                    add_edge(key_of[id(trig_from)], tkey, kind="triggers", via=rkey)
            else:
                add_edge(rkey, tkey, kind=rel)
    for flow in catalog.resources:
        if flow.type != "flow" or id(flow) not in key_of:
            continue
        _add_flow(cg, flow, step_targets.get(key_of[id(flow)], {}))
    return cg


def _add_flow(cg: CatalogGraph, flow: Resource, targets: dict[Hashable, Resource]) -> None:
    g = cg.g
    steps = flow.data.get("steps")
    if not isinstance(steps, list):
        return
    ids: set[str] = set()
    for i, step in enumerate(steps):
        if not isinstance(step, dict) or step.get("id") is None:
            continue
        sid = str(step["id"])
        ids.add(sid)
        node = ("step", flow.key, sid)
        g.add_node(node, step=step, index=i, flow=flow.key)
        g.add_edge(flow.key, node, kind="step")
        if i in targets:
            g.add_edge(node, targets[i].key, kind="refers")
    for step in steps:
        if not isinstance(step, dict) or step.get("id") is None:
            continue
        node = ("step", flow.key, str(step["id"]))
        for target_id, label in next_steps(step):
            if target_id in ids:
                g.add_edge(node, ("step", flow.key, target_id), kind="next-step", label=label)


def next_steps(step: dict[str, Any]) -> list[tuple[str, str | None]]:
    """The ``(target step id, label)`` pairs of a step's ``next_step`` / ``next_steps``."""
    out: list[tuple[str, str | None]] = []
    items: list[object] = []
    if "next_step" in step:
        items.append(step["next_step"])
    ns = step.get("next_steps")
    if isinstance(ns, list):
        items.extend(ns)
    for item in items:
        if isinstance(item, dict):
            tid = item.get("id")
            label = item.get("label")
            if tid is not None and not isinstance(tid, (dict, list)):
                out.append((str(tid), str(label) if label is not None else None))
        elif item is not None and not isinstance(item, list):
            out.append((str(item), None))
    return out
