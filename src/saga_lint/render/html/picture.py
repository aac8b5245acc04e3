"""The picture of one saga flow for the HTML report: a layered layout of its step graph.

Steps are boxes, ``next-step`` edges are paths; everything is returned as numbers and plain text
for the template to draw as SVG. Layout: edges that close a cycle are set aside (a DFS in step
order), the rest is layered by topological generations, each layer ordered by the
mean position of its predecessors (barycentre), layers top to bottom centred on the widest one.
Edges between adjacent layers are curves; long and backward edges run in lanes right of every
box they pass, shorter spans nearer the boxes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from saga_lint.render.safe import visible as clean

if TYPE_CHECKING:
    from saga_lint.graph import CatalogGraph
    from saga_lint.saga.model import Saga, SagaStep

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 196, 60, 40, 46, 16
_STEP_KEYS = ("message", "service", "system", "systems", "flow", "agent", "container", "dataProduct", "entity",
              "channel", "actor", "externalSystem", "custom")

Node = tuple[Any, ...]  # ("step", flow key, step id)
Edge = tuple[Node, Node, Any]  # (from, to, label)


@dataclass
class _Layout:
    """The step graph and its layers: where every box goes."""

    attrs: Mapping[Hashable, Mapping[str, Any]]  # the catalog graph's nodes and their attributes
    nodes: list[Node]
    edges: list[Edge]
    back: set[int]  # indices of edges that close a cycle
    layers: list[list[Node]] = field(default_factory=list)
    layer_of: dict[Node, int] = field(default_factory=dict)
    pos_in_layer: dict[Node, int] = field(default_factory=dict)

    def index(self, n: Node) -> Any:
        return self.attrs[n].get("index", 0)

    @property
    def body_w(self) -> int:
        max_cols = max((len(layer) for layer in self.layers), default=1)
        return max_cols * (BOX_W + GAP_X) - GAP_X


def _step_kind(step: Mapping[str, Any]) -> tuple[str, str]:
    for key in _STEP_KEYS:
        v = step.get(key)
        if v is None:
            continue
        if key == "custom":
            t = v.get("type") if isinstance(v, dict) else None
            return "custom", clean(t or "custom", 30)
        name = (v.get("id") or v.get("name") or "") if isinstance(v, dict) else v
        return key, clean(name, 30)
    return "step", ""


def _remove_back_edges(nodes: Sequence[Hashable], edges: Sequence[tuple[Hashable, Hashable, Any]]) -> set[int]:
    """Indices of edges that close a cycle (found by a DFS in step order, ``backedges``)."""
    from saga_lint.backedges import back_edges

    out_by: defaultdict[Hashable, list[tuple[Hashable, int]]] = defaultdict(list)
    for i, (u, v, _label) in enumerate(edges):
        out_by[u].append((v, i))
    return set(back_edges(nodes, lambda node: out_by[node]))


def _step_graph(graph: CatalogGraph, saga: Saga) -> _Layout:
    """The flow's step nodes in step order and the ``next-step`` edges between them."""
    attrs = graph.nodes
    nodes = [n for n in graph.neighbours(saga.flow.key, "step") if isinstance(n, tuple) and n and n[0] == "step"]
    nodes = list(dict.fromkeys(nodes))
    nodes.sort(key=lambda n: attrs[n].get("index", 0))
    node_set = set(nodes)
    edges: list[Edge] = []
    succ = graph.succ
    for u in nodes:  # in the order of the graph's out-edges of u
        for v, between in succ.get(u, {}).items():
            if v in node_set:
                edges.extend((u, v, data.get("label")) for data in between if data.get("kind") == "next-step")
    return _Layout(attrs, nodes, edges, _remove_back_edges(nodes, edges))


def _generations(nodes: Sequence[Node], pairs: Sequence[tuple[Node, Node]]) -> list[list[Node]]:
    """The topological generations of a DAG (networkx's ``topological_generations``): the nodes
    with no predecessor, then those whose predecessors are all in earlier generations, ..."""
    indegree = dict.fromkeys(nodes, 0)
    after: defaultdict[Node, list[Node]] = defaultdict(list)
    for u, v in pairs:
        indegree[v] += 1
        after[u].append(v)
    layer = [n for n in nodes if not indegree[n]]
    layers = []
    while layer:
        layers.append(layer)
        nxt = []
        for u in layer:
            for v in after[u]:
                indegree[v] -= 1
                if not indegree[v]:
                    nxt.append(v)
        layer = nxt
    if sum(map(len, layers)) != len(indegree):
        raise ValueError("the step graph has a cycle left")  # cannot happen: back edges are set aside
    return layers


def _assign_layers(lay: _Layout) -> None:
    """Layers by topological generation of the graph without its back edges; each layer after
    the first ordered by the mean position of its predecessors (then step order)."""
    pairs = list(dict.fromkeys((u, v) for i, (u, v, _) in enumerate(lay.edges) if i not in lay.back and u != v))
    before: defaultdict[Node, list[Node]] = defaultdict(list)
    for u, v in pairs:
        before[v].append(u)
    lay.layers = _generations(lay.nodes, pairs)
    pos = lay.pos_in_layer

    def bary(n: Node) -> tuple[float, Any]:
        preds = [pos[p] for p in before[n] if p in pos]
        return (sum(preds) / len(preds) if preds else 0.0, lay.index(n))

    for li, layer in enumerate(lay.layers):
        if li == 0:
            layer.sort(key=lay.index)
        else:
            layer.sort(key=bary)
        for pi, n in enumerate(layer):
            pos[n] = pi
            lay.layer_of[n] = li


def _cut(text: str, limit: int) -> str:
    """Text already cleaned (``clean``) cut to ``limit`` characters as ``clean`` cuts it."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _box_text(saga: Saga, st: SagaStep | None, sid: str, step_health: Mapping[str, str]) -> tuple[str, str]:
    """The box's class and its third line: the step's evidence marks and owners, or its role."""
    from saga_lint.saga import ATTRIBUTES

    if st is not None:
        evidence = st.evidence
        marks = "".join([evidence[a].mark for a in ATTRIBUTES if a in evidence])
        owner = ", ".join([clean(o) for o in st.owners]) or "no owner"
        return f"step {step_health.get(sid, 'ok')}", f"{marks} · {owner}"
    if sid in saga.compensation_nodes:
        return "step comp", "compensation"
    if sid in saga.outcome_nodes:
        return "step outcome", "outcome"
    return "step neutral", ""


def _boxes(lay: _Layout, saga: Saga, step_health: Mapping[str, str], ids: Mapping[str, str]) -> dict[Node, dict[str, Any]]:
    """One box per step node, in step order (``ids``: each step id cleaned)."""
    pivots = {s.id for s in saga.steps if s.type == "pivot"}
    saga_steps = {s.id: s for s in saga.steps}
    body_w = lay.body_w
    n_in_layers = [len(layer) for layer in lay.layers] or [1]
    layer_of, pos_in_layer, attrs = lay.layer_of, lay.pos_in_layer, lay.attrs
    boxes: dict[Node, dict[str, Any]] = {}
    for n in lay.nodes:
        sid = n[2]
        step = attrs[n].get("step") or {}
        li, pi = layer_of.get(n, 0), pos_in_layer.get(n, 0)
        offset = (body_w - (n_in_layers[li] * (BOX_W + GAP_X) - GAP_X)) / 2
        x = PAD + offset + pi * (BOX_W + GAP_X)
        y = PAD + 14 + li * (BOX_H + GAP_Y)
        kind, detail = _step_kind(step)
        cid = ids[sid]
        given_title = step.get("title")
        title = clean(given_title) if given_title else cid
        cls, line3 = _box_text(saga, saga_steps.get(sid), sid, step_health)
        pivot = sid in pivots
        if pivot:
            cls += " pivot"
        boxes[n] = {
            "id": cid, "x": round(x, 1), "y": round(y, 1), "w": BOX_W, "h": BOX_H, "cls": cls,
            "title": _cut(title, 26),
            "full": f"{title} ({cid}) {kind} {detail}".strip(),
            "line2": _cut(f"{kind} {detail}".strip(), 30),
            "line3": _cut(line3, 30),
            "pivot": pivot,
        }
    return boxes


def _edge_kind(su: str, sv: str, step_ids: set[str], comp: set[str], failure_pairs: set[tuple[str, str]]) -> str:
    if (su, sv) in failure_pairs or (su in step_ids and sv in comp):
        return "failure"
    if su in comp:
        return "compensation"
    return "forward"


class _RangeMax:
    """The largest of ``values[lo..hi]`` in constant time (a sparse table): an edge passes every
    layer between its ends, and a long saga's every step has an edge to its Compensation node, so
    taking the maximum layer by layer was quadratic in the steps."""

    def __init__(self, values: list[float]) -> None:
        self.rows = [values]  # rows[j][i]: the largest of values[i .. i + 2**j - 1]
        while 1 << len(self.rows) <= len(values):
            prev, half = self.rows[-1], 1 << (len(self.rows) - 1)
            self.rows.append([max(prev[i], prev[i + half]) for i in range(len(prev) - half)])

    def __call__(self, lo: int, hi: int) -> float:
        j = (hi - lo + 1).bit_length() - 1
        row = self.rows[j]
        return max(row[lo], row[hi - (1 << j) + 1])


class _Lanes:
    """Where long and backward edges run: a lane right of every box they pass, shorter spans
    nearer the boxes."""

    def __init__(self, lay: _Layout, boxes: Mapping[Node, Mapping[str, Any]]) -> None:
        right_of_layer: defaultdict[int, float] = defaultdict(float)
        for n, b in boxes.items():
            li = lay.layer_of.get(n, 0)
            right_of_layer[li] = max(right_of_layer[li], b["x"] + BOX_W)
        layer = lay.layer_of
        self.right_of = _RangeMax([right_of_layer[k] for k in range(max([*layer.values(), *right_of_layer], default=0) + 1)])
        long_edges = [i for i, (u, v, _l) in enumerate(lay.edges)
                      if i in lay.back or layer.get(v, 0) != layer.get(u, 0) + 1]
        long_edges.sort(key=lambda i: (abs(layer.get(lay.edges[i][1], 0) - layer.get(lay.edges[i][0], 0)), i))
        self.lane_no = {i: k for k, i in enumerate(long_edges)}
        self.max_x: float = PAD + lay.body_w

    def x(self, i: int, lu: int, lv: int) -> float:
        lo, hi = min(lu, lv), max(lu, lv)
        lane = self.right_of(lo, hi) + 16 + 12 * self.lane_no[i]
        self.max_x = max(self.max_x, lane)
        return lane


def _path(a: Mapping[str, Any], b: Mapping[str, Any], lane: float | None) -> tuple[str, float, float]:
    """The SVG path from box ``a`` to box ``b`` and where its label goes: a curve between
    adjacent layers (``lane`` None), else along the lane."""
    if lane is None:
        x0, y0 = a["x"] + BOX_W / 2, a["y"] + BOX_H
        x3, y3 = b["x"] + BOX_W / 2, b["y"]
        dy = (y3 - y0) / 2
        d = f"M{x0:.1f},{y0:.1f} C{x0:.1f},{y0 + dy:.1f} {x3:.1f},{y3 - dy:.1f} {x3:.1f},{y3:.1f}"
        return d, (x0 + x3) / 2 + 4, (y0 + y3) / 2 + 4
    y0 = a["y"] + BOX_H / 2 + 8
    y3 = b["y"] + BOX_H / 2 - 8
    x0 = a["x"] + BOX_W
    x3 = b["x"] + BOX_W
    r = 8 if y3 >= y0 else -8
    d = (f"M{x0:.1f},{y0:.1f} H{lane - 8:.1f} Q{lane:.1f},{y0:.1f} {lane:.1f},{y0 + r:.1f} "
         f"V{y3 - r:.1f} Q{lane:.1f},{y3:.1f} {lane - 8:.1f},{y3:.1f} H{x3:.1f}")
    return d, lane + 4, y0 + (16 if r > 0 else -8)


def _edges(lay: _Layout, saga: Saga, boxes: Mapping[Node, Mapping[str, Any]], lanes: _Lanes,
           ids: Mapping[str, str]) -> list[dict[str, Any]]:
    failure_pairs = {(st.id, tid) for st in saga.steps for _label, tid in st.failure_edges}
    step_ids = {st.id for st in saga.steps}
    comp = set(saga.compensation_nodes)
    layer_of, back = lay.layer_of, lay.back
    out = []
    for i, (u, v, label) in enumerate(lay.edges):
        su, sv = u[2], v[2]
        kind = _edge_kind(su, sv, step_ids, comp, failure_pairs)
        lu, lv = layer_of.get(u, 0), layer_of.get(v, 0)
        cls = kind
        adjacent = i not in back and lv == lu + 1
        d, lx, ly = _path(boxes[u], boxes[v], None if adjacent else lanes.x(i, lu, lv))
        if not adjacent and (i in back or lv <= lu):
            cls += " back"
        full = clean(label) if label else ""
        out.append({
            "d": d, "cls": cls, "kind": kind,
            "label": _cut(full, 22),
            "full": full,
            "lx": round(lx, 1), "ly": round(ly, 1), "anchor": "start",
            "from": ids[su], "to": ids[sv],
        })
    return out


def flow_picture(graph: CatalogGraph, saga: Saga, step_health: Mapping[str, str], uid: str) -> dict[str, Any]:
    """Layered layout of the flow's step graph: boxes and edge paths (numbers and plain text)."""
    lay = _step_graph(graph, saga)
    _assign_layers(lay)
    ids = {n[2]: clean(n[2]) for n in lay.nodes}
    boxes = _boxes(lay, saga, step_health, ids)
    lanes = _Lanes(lay, boxes)
    edges = _edges(lay, saga, boxes, lanes, ids)
    width = lanes.max_x + 150
    height = PAD * 2 + 14 + max(len(lay.layers), 1) * (BOX_H + GAP_Y) - GAP_Y
    return {
        "uid": uid,
        "width": round(width, 1),
        "height": round(height, 1),
        "boxes": list(boxes.values()),
        "edges": edges,
    }
