"""The flow map as the shape rules read it: every node with its kind, the edges, failure branches.

The saga model names the steps; the rules about the shape of a saga (``entry``, ``consumers``,
``agreement``, ``contracts``) also need the rest of the drawing: ``service``, ``container``,
``actor`` and ``externalSystem`` nodes, ``custom`` nodes of any type, labelled edges and who
comes before whom. ``flow_map`` reads it once per flow (kept in ``Context.memo``); the raw
``x-saga`` helpers read the fields of the block that the model does not carry yet.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from saga_lint.graph import next_steps
from saga_lint.saga.values import custom_type, pointer_id, steps_by_id

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.rules import Context
    from saga_lint.saga.model import KeyPath, Saga, YamlMap

# the node kinds of an EventCatalog flow step, in the order a step is tested for them
KINDS = ("message", "service", "agent", "container", "actor", "externalSystem", "flow", "custom")
FAILURE_NODE_TYPES = ("exception", "failure", "error", "compensation")
MESSAGE_TYPES = ("event", "command", "query")


@dataclass
class MapNode:
    """One step of the flow drawing."""

    id: str
    index: int
    data: YamlMap
    kind: str  # one of KINDS, or "other"
    target: Resource | None = None  # the resource a message/service/container step points at
    custom: str | None = None  # the lower-cased custom type

    @property
    def path(self) -> KeyPath:
        return ("steps", self.index)

    @property
    def message_id(self) -> str | None:
        return pointer_id(self.data.get("message")) if self.kind == "message" else None

    @property
    def service_id(self) -> str | None:
        return pointer_id(self.data.get(self.kind)) if self.kind in ("service", "agent") else None

    @property
    def failure_node(self) -> bool:
        return self.custom in FAILURE_NODE_TYPES


@dataclass
class Edge:
    """A ``next_step``/``next_steps`` edge: where it is written (``path``), its label and ends."""

    source: str
    target: str
    label: str | None
    path: KeyPath


@dataclass
class FlowMap:
    nodes: dict[str, MapNode] = field(default_factory=dict)  # by id, in flow order
    out: dict[str, list[Edge]] = field(default_factory=dict)
    into: dict[str, list[Edge]] = field(default_factory=dict)

    def after(self, node_id: str) -> list[MapNode]:
        return [self.nodes[e.target] for e in self.out.get(node_id, []) if e.target in self.nodes]

    def before(self, node_id: str) -> list[MapNode]:
        return [self.nodes[e.source] for e in self.into.get(node_id, []) if e.source in self.nodes]

    def message_nodes(self, message_id: str) -> list[MapNode]:
        return [n for n in self.nodes.values() if n.message_id == message_id]

    def branches(self, node_id: str) -> list[Edge]:
        """The edges out of a step and out of the participant drawn right after it (a branch on the
        service node after a command belongs to the command)."""
        edges = list(self.out.get(node_id, []))
        for n in self.after(node_id):
            if n.kind in ("service", "agent", "container", "externalSystem"):
                edges += self.out.get(n.id, [])
        return edges

    def reachable(self, start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            nid = todo.pop()
            if nid in seen:
                continue
            seen.add(nid)
            todo += [e.target for e in self.out.get(nid, [])]
        return seen

    def starts(self) -> list[MapNode]:
        """The nodes no edge leads to (where the drawing begins)."""
        return [n for n in self.nodes.values() if not self.into.get(n.id)]


def _kind(step: YamlMap) -> str:
    return next((k for k in KINDS if k in step), "other")


def flow_map(ctx: Context, saga: Saga) -> FlowMap:
    """The flow's drawing, read once per run."""
    key = f"saga-shapes:flowmap:{saga.flow.file}"
    found = ctx.memo.get(key)
    if isinstance(found, FlowMap):
        return found
    fm = FlowMap()
    by_id = steps_by_id(saga.flow)
    for sid, (i, s) in sorted(by_id.items(), key=lambda kv: kv[1][0]):
        fm.nodes[sid] = MapNode(sid, i, s, _kind(s), ctx.graph.step_target(saga.flow, sid), custom_type(s))
    for sid, node in fm.nodes.items():
        offset = 1 if "next_step" in node.data else 0
        for j, (tid, label) in enumerate(next_steps(node.data)):
            path: KeyPath = (*node.path, "next_step") if j < offset else (*node.path, "next_steps", j - offset)
            edge = Edge(sid, tid, label, path)
            fm.out.setdefault(sid, []).append(edge)
            fm.into.setdefault(tid, []).append(edge)
    ctx.memo[key] = fm
    return fm


# -- x-saga fields the model does not carry yet (coordination, correlation, trigger, ...) --------


def x_block(saga: Saga) -> YamlMap:
    block = saga.flow.data.get("x-saga")
    return block if isinstance(block, dict) else {}


def x_steps(saga: Saga) -> dict[str, YamlMap]:
    """``x-saga.steps`` as written: key -> the step block (non-mapping blocks as empty)."""
    steps = x_block(saga).get("steps")
    if not isinstance(steps, dict):
        return {}
    return {str(k): (v if isinstance(v, dict) else {}) for k, v in steps.items()}


def x_compensation(block: YamlMap) -> YamlMap:
    comp = block.get("compensation")
    return comp if isinstance(comp, dict) else {}


def on_key(comp: YamlMap) -> Hashable:
    """The key ``compensation.on`` is stored under: YAML 1.1 (PyYAML, libyaml) reads a bare ``on``
    as the boolean true, so ``on: payment-declined`` arrives as ``{True: "payment-declined"}``."""
    keys: set[Hashable] = set(comp)
    return True if "on" not in keys and True in keys else "on"


def x_on(comp: YamlMap) -> str | None:
    """The event id of ``compensation.on``, however YAML read the key."""
    key = on_key(comp)
    return next((pointer_id(v) for k, v in comp.items() if k == key), None)


def coordination(saga: Saga) -> str:
    """``x-saga.coordination``; else orchestration when an orchestrator is named or inferred, or
    when every saga step is a command (someone must send them: saga/orchestrator asks who);
    else choreography. (Until the saga model carries its own inference of the style.)"""
    declared = x_block(saga).get("coordination")
    if isinstance(declared, str) and declared in ("orchestration", "choreography", "mixed"):
        return declared
    if saga.orchestrator_id or (saga.steps and all(s.command is not None for s in saga.steps)):
        return "orchestration"
    return "choreography"


def message_versions(ctx: Context, message_id: str) -> list[Resource]:
    """Every version of the message with this id (events, commands and queries share one namespace)."""
    index = ctx.catalog.index()
    out: list[Resource] = []
    for t in MESSAGE_TYPES:
        for resources in index.get((t, message_id), {}).values():
            out += resources
    return out


def receivers(ctx: Context, message_id: str) -> list[Resource]:
    """Who ``receives`` any version of the message."""
    seen: dict[object, Resource] = {}
    for m in message_versions(ctx, message_id):
        for r in ctx.graph.receivers_of(m):
            seen.setdefault(r.key, r)
    return list(seen.values())


def senders(ctx: Context, message_id: str) -> list[Resource]:
    """Who ``sends`` any version of the message."""
    seen: dict[object, Resource] = {}
    for m in message_versions(ctx, message_id):
        for r in ctx.graph.senders_of(m):
            seen.setdefault(r.key, r)
    return list(seen.values())
