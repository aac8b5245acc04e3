"""The whole flow map of one flow: every node kind, its edges, and what the drawing says.

EventCatalog draws a flow as ``steps`` with ``next_step`` / ``next_steps``; a step is a
``message`` (command, event or query), a ``service``, a ``container``, an ``actor``, an
``externalSystem``, a nested ``flow`` or a ``custom`` node of any ``type`` (Compensation,
Exception, Outcome, Policy, Decision, Timer, ...). ``FlowMap`` reads all of them once (linear in
the number of steps) and answers what the saga model asks of the drawing: which nodes are
failures, which edges are failure branches, which service is drawn after a message (its
handler), what is drawn after a step through its handler, the plain decision nodes and the external
systems it calls (the branches that belong to the step: ``step_edges``, ``is_decision``),
and whether a container is followed by an event (a durable outcome).

The saga rules read the same map (``Saga.flowmap``, built once per flow by ``build``): each
node's ``path``, ``message_id`` and ``service_id``; the drawn edges as ``Link`` (source, target,
label and the key path where the edge is written), indexed lazily on first use
(``out_links``/``in_links``, ``after``/``before``, ``branches``, ``reachable``, ``starts``,
``message_nodes``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from saga_lint.graph import next_steps
from saga_lint.saga.model import Edge, KeyPath, YamlMap
from saga_lint.saga.values import custom_type, pointer_id, steps_by_id

if TYPE_CHECKING:
    from collections.abc import Iterable

    from saga_lint.catalog.model import Resource
    from saga_lint.graph import CatalogGraph

NODE_KINDS = ("message", "service", "container", "actor", "externalSystem", "flow", "agent", "channel", "custom")
# a label on an edge that means the step failed ("Handle cancellation" is routing, not a failure)
FAILURE_LABEL = re.compile(
    r"\bfail|declin|reject|\berror|time ?out|timed out|out of stock|unavailable|denied|insufficient|not enough|invalid"
    r"|abort|expired",
    re.I,
)
# a custom node type (or title) that draws a failure, a retry or a timeout
FAILURE_TYPES = ("exception", "failure", "error", "fault", "deadletter", "dead letter")
# the custom types the shape rules (saga/map-agreement) take for a failure node, matched exactly
FAILURE_NODE_TYPES = ("exception", "failure", "error", "compensation")
# the participant kinds whose branches belong to the step drawn before them (``FlowMap.branches``)
BRANCH_KINDS = ("service", "agent", "container", "externalSystem")
RETRY_TYPES = ("retry", "timer", "timeout", "grace", "delay", "backoff")
COMPENSATION_WORDS = re.compile(r"compensat|roll ?back|\bundo|\bunwind|\brevert", re.I)
FAILURE_EVENT = re.compile(r"fail|declin|reject|unavailable|denied|insufficient|timed-?out|expired|aborted|error", re.I)


@dataclass(slots=True)
class Node:
    """One step of the map: its id, index, kind, the ``custom`` type, and the resource it draws."""

    id: str
    index: int
    kind: str  # one of NODE_KINDS, or "other"
    data: YamlMap
    ctype: str | None = None  # lower-cased custom type
    target: Resource | None = None  # the message, service or container it draws (resolved)
    edges: list[Edge] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The words of the node: title, and for a custom node its title, summary and properties."""
        parts = [str(self.data.get("title") or "")]
        c = self.data.get("custom")
        if isinstance(c, dict):
            props = c.get("properties")
            parts += [str(c.get(k) or "") for k in ("title", "summary")]
            parts += [str(v) for v in (props.values() if isinstance(props, dict) else ())]
        return " ".join(p for p in parts if p)

    @property
    def path(self) -> KeyPath:
        """The node's key path in the flow's frontmatter."""
        return ("steps", self.index)

    @property
    def message_id(self) -> str | None:
        """The id a message node points at (resolved or not)."""
        return pointer_id(self.data.get("message")) if self.kind == "message" else None

    @property
    def service_id(self) -> str | None:
        """The id a service or agent node points at (resolved or not)."""
        return pointer_id(self.data.get(self.kind)) if self.kind in ("service", "agent") else None

    @property
    def failure_typed(self) -> bool:
        """A custom node whose type is exactly one of ``FAILURE_NODE_TYPES`` (narrower than
        ``FlowMap.is_failure_node``, which also matches Fault, Dead letter, PaymentFailure, ...)."""
        return self.ctype in FAILURE_NODE_TYPES


@dataclass(slots=True)
class Link:
    """A drawn ``next_step``/``next_steps`` edge: its ends, its label and where it is written."""

    source: str
    target: str
    label: str | None
    path: KeyPath


def _declared_owners(svc: Resource) -> list[str]:
    """The owner ids a service declares (when they are no teams or users of the catalog)."""
    declared = svc.data.get("owners")
    return sorted(str(o) for o in (pointer_id(x) for x in declared) if o) if isinstance(declared, list) else []


_TARGET_TYPES = {"message": ("event", "command", "query"), "service": ("service",), "container": ("container",),
                 "agent": ("agent",)}


def _other_version(graph: CatalogGraph, kind: str, step: YamlMap) -> Resource | None:
    """The latest version of what a step points at when its pinned version is not in the catalog:
    the saga reads the step as drawn (``refs/valid-version-range`` reports the version, once)."""
    types = _TARGET_TYPES.get(kind)
    rid = pointer_id(step.get(kind)) if types else None
    return graph.catalog.lookup(types, rid)[1] if types and rid else None


class FlowMap:
    """The nodes of a flow by id, with the questions the saga model asks of the drawing."""

    def __init__(self, graph: CatalogGraph, flow: Resource) -> None:
        self.flow = flow
        self.nodes: dict[str, Node] = {}  # by id, in flow order
        self._out: dict[str, list[Link]] | None = None  # the links, indexed on first use (the rules ask)
        self._into: dict[str, list[Link]] = {}
        self._success: dict[frozenset[str], set[str]] = {}  # ``success_path``'s answers, by the nodes avoided
        self._by_message: dict[str, list[Node]] | None = None  # message nodes by message id, on first use
        # the strongly connected set of every id the drawing names (``components``), on first use
        self._component: dict[str, int] | None = None
        self._members: dict[int, frozenset[str]] = {}
        # ``reaching_through``'s (and ``reaching``'s) answers, by the targets and the node kinds walked through
        self._through: dict[tuple[frozenset[str], frozenset[str] | None], set[str]] = {}
        for sid, (i, s) in steps_by_id(flow).items():
            kind = next((k for k in NODE_KINDS if k in s), "other")
            target = (graph.step_target(flow, sid) or _other_version(graph, kind, s)) if kind in _TARGET_TYPES else None
            self.nodes[sid] = Node(sid, i, kind, s, custom_type(s), target, [(label, tid) for tid, label in next_steps(s)])

    def ordered(self) -> list[Node]:
        return sorted(self.nodes.values(), key=lambda n: n.index)

    def message_type(self, sid: str) -> str | None:
        """``command``, ``event`` or ``query`` for a message node that resolves, else None."""
        node = self.nodes.get(sid)
        return node.target.type if node is not None and node.kind == "message" and node.target is not None else None

    def is_failure_node(self, sid: str) -> bool:
        """A custom node of a failure type (Exception, Failure, ...) or a Compensation node."""
        node = self.nodes.get(sid)
        if node is None or node.ctype is None:
            return False
        return node.ctype == "compensation" or any(t in node.ctype for t in FAILURE_TYPES)

    def is_failure_edge(self, edge: Edge) -> bool:
        """An edge that draws a failure: to a failure node, or labelled as one, or to a failure event,
        or unlabelled to a plain node titled as one (``type: node`` "Payment Failed", EventCatalog's
        PaymentFlow). A label that reads as no failure says what the branch is: skedular's AddTeam
        draws "Customer Authorized" to a node whose title, copied from its sibling, says "Authorized
        Failed"; the title does not make that branch a failure."""
        label, tid = edge
        if self.is_failure_node(tid) or (label and FAILURE_LABEL.search(label)) or (not label and self.is_failure_title(tid)):
            return True
        node = self.nodes.get(tid)
        return self.message_type(tid) == "event" and node is not None and node.target is not None \
            and bool(FAILURE_EVENT.search(node.target.id or ""))

    def is_failure_title(self, sid: str) -> bool:
        """A plain node (no message, service, custom or other resource: ``type: node`` or nothing)
        whose title reads as a failure: "Payment Failed", "Cancellation rejected"."""
        node = self.nodes.get(sid)
        return node is not None and node.kind == "other" and bool(FAILURE_LABEL.search(str(node.data.get("title") or "")))

    def handler_nodes(self, sid: str) -> list[Node]:
        """The service (agent, external system) nodes drawn right after a message node: its handler,
        or, for an event drawn to several of them, its consumers (a parallel fan-out)."""
        node = self.nodes.get(sid)
        if node is None:
            return []
        found = (self.nodes.get(tid) for _, tid in node.edges)
        return [n for n in found if n is not None and n.kind in ("service", "agent", "externalSystem")]

    def handler_node(self, sid: str) -> Node | None:
        """The first service node drawn right after a message node (the step's handler), if any."""
        handlers = self.handler_nodes(sid)
        return handlers[0] if handlers else None

    def step_edges(self, sid: str, handler: Node | None = None) -> list[Edge]:
        """The branches that belong to a message step: its own edges, except the routing edge to its
        handler, plus the edges drawn on the handler (command -> service -> "Already completed").
        With ``handler`` (one consumer of a fan-out), only that consumer's edges."""
        if handler is not None:
            return self._through_decisions(list(handler.edges), {handler.id})
        node = self.nodes.get(sid)
        if node is None:
            return []
        handler = self.handler_node(sid)
        own = [e for e in node.edges if handler is None or e[1] != handler.id]
        edges = own + (handler.edges if handler is not None else [])
        return self._through_decisions(edges, {sid} | ({handler.id} if handler is not None else set()))

    def is_decision(self, sid: str, sources: set[str]) -> bool:
        """A node the step passes through: drawn only from ``sources`` (the step, its handler, the
        nodes already passed: no other path merges into it), with edges out, and either a plain
        node (``type: node`` or nothing: "Customer loaded" -> "Authorization Failed" / "Customer
        Authorized", a decision the step's participant takes), or an external system the handler
        calls (OCR LLM Service -> OpenAI API -> the event the service publishes): not a step of its
        own. An edge that draws a failure is not passed (``_through_decisions``): an unlabelled edge
        to a plain node titled as a failure is one, a labelled one is what its label says."""
        node = self.nodes.get(sid)
        if node is None or not node.edges or not all(link.source in sources for link in self.in_links(sid)):
            return False
        return node.kind in ("externalSystem", "other")

    def _through_decisions(self, edges: list[Edge], sources: set[str]) -> list[Edge]:
        """``edges``, each one to a decision node (``is_decision``) replaced by the decision's own
        edges, and so on: the branches and the reply drawn after the decisions belong to the step.
        An edge that draws a failure itself is kept as it is."""
        out: list[Edge] = []
        todo = list(reversed(edges))
        while todo:
            edge = todo.pop()
            tid = edge[1]
            if tid in sources or self.is_failure_edge(edge) or not self.is_decision(tid, sources):
                out.append(edge)
                continue
            sources = sources | {tid}
            todo.extend(reversed(self.nodes[tid].edges))
        return out

    def outcome_after(self, sid: str) -> tuple[Node, Node] | None:
        """A container drawn after this node (directly or through policy nodes), then an event: the
        durable outcome (container, event) of the step, as drawn."""
        seen: set[str] = set()
        stack = [t for _, t in self.step_edges(sid)]
        while stack:
            tid = stack.pop()
            node = self.nodes.get(tid)
            if node is None or tid in seen or node.kind == "message":
                continue
            seen.add(tid)
            if node.kind == "container":
                event = next((self.nodes[t] for _, t in node.edges if self.message_type(t) == "event"), None)
                if event is not None:
                    return node, event
            if node.kind == "custom" and not self.is_failure_node(tid):
                stack.extend(t for _, t in node.edges)
        return None

    def failure_signals(self) -> list[str]:
        """What in the drawing says that something can fail, in words (empty when nothing does)."""
        out: list[str] = []
        for node in self.ordered():
            if node.ctype is not None and any(t in node.ctype for t in FAILURE_TYPES):
                kind = node.ctype.capitalize()
                out.append(f'{"an" if kind[0] in "AEIOU" else "a"} {kind} node "{node.id}"')
            elif node.ctype is not None and any(t in node.ctype for t in RETRY_TYPES):
                out.append(f'a retry or timeout node "{node.id}"')
            elif node.kind == "custom" and COMPENSATION_WORDS.search(node.text):
                out.append(f'compensation wording on node "{node.id}"')
            elif self.is_failure_title(node.id):
                out.append(f'a failure node "{node.id}" ({node.data.get("title")})')
            if self.message_type(node.id) == "event" and node.target is not None and FAILURE_EVENT.search(node.target.id or ""):
                out.append(f'a failure event "{node.target.id}"')
            out += [f'a failure-labelled edge "{label}" from {node.id}' for label, _ in node.edges
                    if label and FAILURE_LABEL.search(label)]
        return out

    def participants(self, graph: CatalogGraph, implied: Iterable[Resource] = ()) -> dict[str, list[str]]:
        """The services drawn in the map or handling its commands (a handler of another version of
        a command when none handles the version drawn), then the ``implied`` ones (the consumers
        a map of messages only leaves undrawn), with their owners' ids."""
        found: list[Resource] = []
        for node in self.nodes.values():
            if node.kind in ("service", "agent") and node.target is not None:
                found.append(node.target)
            elif self.message_type(node.id) == "command" and node.target is not None:
                found += graph.handlers_of(node.target)
        out: dict[str, list[str]] = {}
        for svc in [*found, *implied]:
            if svc.id is not None and svc.id not in out:
                out[svc.id] = sorted(o.id for o in graph.owners_of(svc) if o.id is not None) or _declared_owners(svc)
        return out

    # -- the drawing as the shape rules read it: links with their key paths, who comes before whom --

    def _index_links(self) -> dict[str, list[Link]]:
        if self._out is None:
            self._out = {}
            for node in self.nodes.values():
                offset = 1 if "next_step" in node.data else 0  # next_step is the first edge, then next_steps
                for j, (label, tid) in enumerate(node.edges):
                    path: KeyPath = (*node.path, "next_step") if j < offset else (*node.path, "next_steps", j - offset)
                    link = Link(node.id, tid, label, path)
                    self._out.setdefault(node.id, []).append(link)
                    self._into.setdefault(tid, []).append(link)
        return self._out

    def out_links(self, sid: str) -> list[Link]:
        """The edges drawn out of a node, in the order they are written."""
        return self._index_links().get(sid, [])

    def in_links(self, sid: str) -> list[Link]:
        """The edges drawn into a node (from any node of the map)."""
        self._index_links()
        return self._into.get(sid, [])

    def after(self, sid: str) -> list[Node]:
        """The nodes drawn right after a node."""
        return [self.nodes[e.target] for e in self.out_links(sid) if e.target in self.nodes]

    def before(self, sid: str) -> list[Node]:
        """The nodes drawn right before a node."""
        return [self.nodes[e.source] for e in self.in_links(sid) if e.source in self.nodes]

    def message_nodes(self, message_id: str) -> list[Node]:
        """The message nodes that point at this message id (in flow order; indexed once: the rules ask
        per step, and a scan per question was quadratic in the steps)."""
        if self._by_message is None:
            self._by_message = {}
            for n in self.nodes.values():
                if (mid := n.message_id) is not None:
                    self._by_message.setdefault(mid, []).append(n)
        return list(self._by_message.get(message_id, ()))

    def branches(self, sid: str) -> list[Link]:
        """The edges out of a node and out of each participant (``BRANCH_KINDS``) drawn right after
        it: a branch on the service node after a command belongs to the command."""
        links = list(self.out_links(sid))
        for n in self.after(sid):
            if n.kind in BRANCH_KINDS:
                links += self.out_links(n.id)
        return links

    def reachable(self, start: str) -> set[str]:
        """The ids reached from ``start`` along drawn edges (``start`` included)."""
        seen: set[str] = set()
        todo = [start]
        while todo:
            nid = todo.pop()
            if nid in seen:
                continue
            seen.add(nid)
            todo += [e.target for e in self.out_links(nid)]
        return seen

    def _components(self) -> dict[str, int]:
        if self._component is None:
            from saga_lint.backedges import components

            self._component = components(list(self.nodes), lambda nid: [e.target for e in self.out_links(nid)])
            members: dict[int, set[str]] = {}
            for nid, c in self._component.items():
                members.setdefault(c, set()).add(nid)
            self._members = {c: frozenset(ids) for c, ids in members.items()}
        return self._component

    def reach_each_other(self, a: str, b: str) -> bool:
        """Whether ``a`` and ``b`` reach each other along drawn edges (one strongly connected set;
        an id reaches itself): ``a in reaching((b,))`` when ``b`` reaches ``a``, without a walk per question."""
        if a == b:
            return True
        component = self._components()
        return a in component and component.get(b) == component[a]

    def cycle_members(self, a: str, b: str) -> frozenset[str]:
        """The ids of the strongly connected set of ``a`` and ``b`` when they reach each other (for an
        edge ``a -> b``: the nodes of the loop it closes), else none. The same set for every edge of
        one set (not a copy each: a drawing whose every step retries back to the first is one set)."""
        component = self._components()
        c = component.get(a)
        if c is None or (a != b and component.get(b) != c):
            return frozenset()
        return self._members[c]

    def reaching_through(self, targets: Iterable[str], kinds: Iterable[str] | None) -> set[str]:
        """``targets`` and the ids from which one of them is reached along drawn edges that leave only
        nodes of ``kinds`` (None: any; a walk that stops at any other node: a service ends it), in one
        walk backwards, memoized by both."""
        key = (frozenset(targets), None if kinds is None else frozenset(kinds))
        found = self._through.get(key)
        if found is None:
            found = self._through[key] = set()
            todo = list(key[0])
            walked = key[1]
            while todo:
                nid = todo.pop()
                if nid not in found:
                    found.add(nid)
                    todo += [e.source for e in self.in_links(nid) if walked is None or self.nodes[e.source].kind in walked]
        return found

    def reaching(self, targets: Iterable[str]) -> set[str]:
        """The ids from which one of ``targets`` is reached along drawn edges (``targets`` included):
        ``start in reaching(ts)`` is ``not reachable(start).isdisjoint(ts)``, found in one walk
        backwards for all starts, where a walk forwards from every step of a long flow was quadratic."""
        return self.reaching_through(targets, None)

    def success_links(self, sid: str, avoid: Iterable[str] = ()) -> list[Link]:
        """The edges out of a node that draw no failure (``is_failure_edge``) and lead to no node of
        ``avoid`` (the saga's compensation nodes: a drawn undo command is no failure node)."""
        return [e for e in self.out_links(sid) if e.target not in avoid and not self.is_failure_edge((e.label, e.target))]

    def success_path(self, avoid: Iterable[str] = ()) -> set[str]:
        """The ids reached from where the drawing begins (``starts``, not a failure node; with none,
        the first node) along ``success_links`` only: the nodes a run that never fails can pass. A
        node reached only through a failure branch ("Declined" -> notify) is not on it. One walk,
        memoized by ``avoid``; a cycle (a retry drawn back) is walked once."""
        key = frozenset(avoid)
        found = self._success.get(key)
        if found is None:
            found = self._success[key] = set()
            starts = self.starts()
            todo = [n.id for n in starts if n.id not in key and not self.is_failure_node(n.id)]
            if not starts and self.nodes:
                todo = [self.ordered()[0].id]  # no start: every node is on a cycle
            while todo:
                nid = todo.pop()
                if nid not in found:
                    found.add(nid)
                    todo += [e.target for e in self.success_links(nid, key) if e.target in self.nodes]
        return found

    def starts(self) -> list[Node]:
        """The nodes no edge leads to (where the drawing begins)."""
        return [n for n in self.nodes.values() if not self.in_links(n.id)]
