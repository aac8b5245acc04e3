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

from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from saga_lint.catalog.model import Catalog, Resource
from saga_lint.catalog.refs import Reference, references_of

if TYPE_CHECKING:
    import networkx as nx

# a node: a resource key (type, id, version) or a flow step ("step", flow key, step id)
Node = Hashable
ResourceKey = tuple[str, str | None, str | None]


@dataclass(slots=True)
class Resolved:
    """A reference with what it resolved to."""

    ref: Reference
    status: str  # ok | missing | no-version | external
    target: Resource | None


# an edge's attributes: ``kind``, and ``via`` (triggers) or ``label`` (next-step); one shared,
# never-changed mapping per plain kind
EdgeAttrs = Mapping[str, object]
_PLAIN: dict[str, EdgeAttrs] = {}


def _attrs(kind: str) -> EdgeAttrs:
    found = _PLAIN.get(kind)
    if found is None:
        found = _PLAIN[kind] = MappingProxyType({"kind": kind})
    return found


@dataclass
class CatalogGraph:
    """The catalog's graph: its nodes with their attributes and its edges, in the order they were
    added, and its resolved references. ``g`` is the same graph as a networkx ``MultiDiGraph``,
    made on first use (the HTML report draws from it); the rules ask ``neighbours``/``sources``
    and the named questions, which answer from adjacency kept here: ``build_graph`` on a catalog
    of 10,000 services adds 200,000 edges, and networkx's multigraph costs several times more
    time and memory per edge than the rules need.

    ``neighbours`` and ``sources`` answer from an index of a node's edges by kind, made on the
    node's first question, in networkx's order (neighbour by neighbour, in the order each was
    first linked, then edge by edge). The graph is complete when ``build_graph`` returns and is
    not changed after."""

    catalog: Catalog
    nodes: dict[Node, dict[str, Any]] = field(default_factory=dict)  # node -> attributes
    succ: dict[Node, dict[Node, list[EdgeAttrs]]] = field(default_factory=dict)  # u -> v -> edges u->v
    pred: dict[Node, dict[Node, list[EdgeAttrs]]] = field(default_factory=dict)  # v -> u -> edges u->v
    resolved: list[Resolved] = field(default_factory=list)
    unresolved: list[Resolved] = field(default_factory=list)  # those of ``resolved`` with no target, in order
    # node -> kind -> the nodes at the other end, in edge order; made on the node's first question
    _out: dict[Node, dict[str, list[Node]]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _in: dict[Node, dict[str, list[Node]]] = field(default_factory=dict, init=False, repr=False, compare=False)
    _nx: nx.MultiDiGraph | None = field(default=None, init=False, repr=False, compare=False)

    # -- building (``build_graph``) -----------------------------------------------------------
    def add_node(self, node: Node, **attrs: Any) -> None:
        self.nodes[node] = attrs

    def add_edge(self, u: Node, v: Node, attrs: EdgeAttrs) -> None:
        """An edge ``u -> v`` (both nodes already added)."""
        out = self.succ.get(u)
        if out is None:
            out = self.succ[u] = {}
        edges = out.get(v)
        if edges is None:
            out[v] = edges = []
            back = self.pred.get(v)
            if back is None:
                back = self.pred[v] = {}
            back[u] = edges  # the same list: one edge, seen from both ends
        edges.append(attrs)

    @property
    def g(self) -> nx.MultiDiGraph:
        """The graph as a networkx ``MultiDiGraph`` (nodes with their attributes, edges with
        theirs), made on first use. Nodes and each node's out-edges are in the order they were
        added; its in-edges may be in another order than ``sources`` gives (the view adds the
        edges source by source). No command needs it: it is for library users and tests."""
        if self._nx is None:
            import networkx as nx

            g = nx.MultiDiGraph()
            for node, attrs in self.nodes.items():
                g.add_node(node, **attrs)
            for u, out in self.succ.items():
                for v, edges in out.items():
                    for edge in edges:
                        g.add_edge(u, v, **edge)
            self._nx = g
        return self._nx

    def edges(self) -> Iterator[tuple[Node, Node, EdgeAttrs]]:
        """Every edge ``(u, v, attributes)``, in networkx's order (``g.edges(data=True)``: node by
        node, then as ``succ``)."""
        succ = self.succ
        for u in self.nodes:
            for v, edges in succ.get(u, {}).items():
                for attrs in edges:
                    yield u, v, attrs

    # -- questions rules ask ------------------------------------------------------------------
    def neighbours(self, node: Node, kind: str) -> list[Node]:
        """The nodes ``node`` has an edge of ``kind`` to (one per edge, in edge order); [] for a
        node not in the graph. E.g. ``neighbours(flow.key, "step")``: the flow's step nodes."""
        by = self._out.get(node)
        if by is None:
            by = self._out[node] = _by_kind(self.succ.get(node))
        return list(by.get(kind, ()))

    def sources(self, node: Node, kind: str) -> list[Node]:
        """The nodes with an edge of ``kind`` to ``node`` (one per edge, in edge order)."""
        by = self._in.get(node)
        if by is None:
            by = self._in[node] = _by_kind(self.pred.get(node))
        return list(by.get(kind, ()))

    def resource(self, key: Node) -> Resource | None:
        attrs = self.nodes.get(key)
        if attrs is None:
            return None
        found: Resource | None = attrs.get("resource")
        return found

    def receivers_of(self, message: Resource) -> list[Resource]:
        """Services, agents and domains whose ``receives`` resolves to this message version."""
        return self._unique(self.sources(message.key, "receives"))

    def senders_of(self, message: Resource) -> list[Resource]:
        """Services, agents and domains whose ``sends`` resolves to this message version."""
        return self._unique(self.sources(message.key, "sends"))

    def versions_of(self, message: Resource) -> list[Resource]:
        """Every version the catalog has of this message (its type and id): this one first, then
        the others in the order they were loaded."""
        if message.id is None:
            return [message]
        found = [r for rs in self.catalog.index().get((message.type, message.id), {}).values() for r in rs]
        return [message, *(r for r in found if r.key != message.key)]

    def receivers_of_any(self, message: Resource) -> list[Resource]:
        """Who ``receives`` any version of this message (this version's receivers first): a
        service pinned to another version, or to the latest while a flow draws an older one,
        consumes the same messages."""
        return self._unique(k for m in self.versions_of(message) for k in self.sources(m.key, "receives"))

    def handlers_of(self, command: Resource) -> list[Resource]:
        """Who handles the command: the receivers of the version drawn, else (none receives it)
        those of another version (a handler pinned to the latest while a flow draws an older
        version handles the same command)."""
        return self.receivers_of(command) or self.receivers_of_any(command)

    def senders_of_any(self, message: Resource) -> list[Resource]:
        """Who ``sends`` any version of this message (this version's senders first)."""
        return self._unique(k for m in self.versions_of(message) for k in self.sources(m.key, "sends"))

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
        for u, edges in self.pred.get(res.key, {}).items():
            r = self.resource(u)
            if r is None and isinstance(u, tuple) and u and u[0] == "step":
                r = self.resource(u[1])
            if r is not None:
                out.extend((r, str(attrs.get("kind"))) for attrs in edges)
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


def _by_kind(adjacent: Mapping[Node, list[EdgeAttrs]] | None) -> dict[str, list[Node]]:
    """``{kind: [node, ...]}`` of one node's edges (``succ[n]`` or ``pred[n]``: node -> the
    edges' attributes), in networkx's order."""
    out: dict[str, list[Node]] = {}
    for other, edges in (adjacent or {}).items():
        for attrs in edges:
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
    cg = CatalogGraph(catalog)
    # each resource's key, computed once
    key_of: dict[int, ResourceKey] = {}
    for r in catalog.resources:
        if r.id is not None:
            key = key_of[id(r)] = r.key
            cg.add_node(key, resource=r)
    cache: dict[tuple[tuple[str, ...], str, str | None], tuple[str, Resource | None]] = {}
    step_targets: dict[ResourceKey, dict[Hashable, Resource]] = {}  # flow key -> {step index: target resource}
    resolved = cg.resolved
    unresolved = cg.unresolved
    lookup = catalog.lookup
    add_edge = cg.add_edge
    owns, member = _attrs("owns"), _attrs("member")

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
                add_edge(tkey, rkey, owns)
            elif rel == "member" and r.type == "user":
                add_edge(tkey, rkey, member)
            elif rel == "triggers":
                parent = ref.path[:2]
                trig_from = local.get(parent)
                if trig_from is not None:
                    add_edge(key_of[id(trig_from)], tkey, {"kind": "triggers", "via": rkey})
            else:
                add_edge(rkey, tkey, _attrs(rel))
    for flow in catalog.resources:
        if flow.type != "flow" or id(flow) not in key_of:
            continue
        _add_flow(cg, flow, step_targets.get(key_of[id(flow)], {}))
    return cg


def _add_flow(cg: CatalogGraph, flow: Resource, targets: dict[Hashable, Resource]) -> None:
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
        cg.add_node(node, step=step, index=i, flow=flow.key)
        cg.add_edge(flow.key, node, _attrs("step"))
        if i in targets:
            cg.add_edge(node, targets[i].key, _attrs("refers"))
    for step in steps:
        if not isinstance(step, dict) or step.get("id") is None:
            continue
        node = ("step", flow.key, str(step["id"]))
        for target_id, label in next_steps(step):
            if target_id in ids:
                cg.add_edge(node, ("step", flow.key, target_id), {"kind": "next-step", "label": label})


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
