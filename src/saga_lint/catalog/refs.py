"""Every reference a resource's frontmatter makes to another resource, in one place.

``references(resource)`` yields a ``Reference`` per pointer: where it is (the key path, for a
file:line), what it may point at (resource types), the id and version reference, and the relation
it stands for in the graph (``sends``, ``receives``, ``owns``, ``contains``, ...). The graph builder
and the ``refs/*`` rules both read this list, so the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from saga_lint.catalog.model import MESSAGE_TYPES, Resource

ANY_TYPE = (
    "event", "command", "query", "service", "domain", "system", "flow", "channel",
    "entity", "container", "adr", "agent", "data-product", "diagram",
)
OWNER_TYPES = ("team", "user")
# collection names (plural or singular) used in typed pointers -> resource types
TYPE_NAMES = {
    "events": ("event",), "event": ("event",), "commands": ("command",), "command": ("command",),
    "queries": ("query",), "query": ("query",), "services": ("service",), "service": ("service",),
    "domains": ("domain",), "domain": ("domain",), "systems": ("system",), "system": ("system",),
    "flows": ("flow",), "flow": ("flow",), "channels": ("channel",), "channel": ("channel",),
    "entities": ("entity",), "entity": ("entity",), "containers": ("container",), "container": ("container",),
    "data-stores": ("container",), "adrs": ("adr",), "adr": ("adr",), "agents": ("agent",), "agent": ("agent",),
    "data-products": ("data-product",), "data-product": ("data-product",), "dataProducts": ("data-product",),
    "diagrams": ("diagram",), "diagram": ("diagram",), "teams": ("team",), "team": ("team",),
    "users": ("user",), "user": ("user",), "messages": MESSAGE_TYPES, "message": MESSAGE_TYPES,
}


@dataclass(frozen=True, init=False)
class Reference:
    source: Resource
    path: tuple  # key path in the source's frontmatter, e.g. ("sends", 0)
    targets: tuple  # resource types it may point at
    id: str
    version: str | None
    relation: str

    def __init__(self, source, path, targets, id, version, relation):
        # what the generated __init__ of a frozen dataclass does, one call instead of one per
        # field: large catalogs make hundreds of thousands of references
        self.__dict__.update(source=source, path=path, targets=targets, id=id, version=version, relation=relation)

    @property
    def field(self) -> str:
        return format_path(self.path)

    @property
    def is_owner(self) -> bool:
        return self.targets == OWNER_TYPES or set(self.targets) <= set(OWNER_TYPES)


def format_path(path) -> str:
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def _pointer(value):
    """(id, version) of a pointer written as ``{id, version?}`` or as a bare id; None if neither."""
    if isinstance(value, dict):
        rid = value.get("id")
        if isinstance(rid, (str, int, float)) and not isinstance(rid, bool):
            v = value.get("version")
            return str(rid), (None if v is None else str(v))
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value), None
    return None


def _list(value):
    return value if isinstance(value, list) else []


def references(res: Resource):
    data = res.data
    t = res.type

    def pointers(key, targets, relation, container=data, base=()):
        for i, item in enumerate(_list(container.get(key))):
            p = _pointer(item)
            if p:
                yield Reference(res, base + (key, i), targets, p[0], p[1], relation)

    # owners on every versioned resource; decisionMakers on ADRs
    for key in ("owners", "decisionMakers"):
        for i, item in enumerate(_list(data.get(key))):
            if isinstance(item, dict) and isinstance(item.get("collection"), str):
                targets = TYPE_NAMES.get(item["collection"], OWNER_TYPES)
            else:
                targets = OWNER_TYPES
            p = _pointer(item)
            if p:
                yield Reference(res, (key, i), targets, p[0], None, "owns")
    yield from pointers("diagrams", ("diagram",), "diagram")
    for g, group in enumerate(_list(data.get("resourceGroups"))):
        if isinstance(group, dict):
            for i, item in enumerate(_list(group.get("items"))):
                p = _pointer(item)
                if p and isinstance(item, dict):
                    targets = TYPE_NAMES.get(str(item.get("type")), ANY_TYPE)
                    yield Reference(res, ("resourceGroups", g, "items", i), targets, p[0], p[1], "groups")

    if t in ("service", "agent", "domain"):
        for key, relation, chan_key in (("sends", "sends", "to"), ("receives", "receives", "from")):
            for i, item in enumerate(_list(data.get(key))):
                p = _pointer(item)
                if not p:
                    continue
                yield Reference(res, (key, i), MESSAGE_TYPES, p[0], p[1], relation)
                if isinstance(item, dict):
                    for j, ch in enumerate(_list(item.get(chan_key))):
                        q = _pointer(ch)
                        if q:
                            yield Reference(res, (key, i, chan_key, j), ("channel",), q[0], q[1], "channel")
                    for j, trig in enumerate(_list(item.get("triggers"))):
                        q = _pointer(trig)
                        if q:
                            yield Reference(res, (key, i, "triggers", j), MESSAGE_TYPES, q[0], q[1], "triggers")
        yield from pointers("writesTo", ("container",), "writes-to")
        yield from pointers("readsFrom", ("container",), "reads-from")
        yield from pointers("entities", ("entity",), "contains")
        yield from pointers("flows", ("flow",), "contains")
    if t == "domain":
        yield from pointers("services", ("service",), "contains")
        yield from pointers("agents", ("agent",), "contains")
        yield from pointers("domains", ("domain",), "contains")
        yield from pointers("systems", ("system",), "contains")
        yield from pointers("data-products", ("data-product",), "contains")
        yield from pointers("dataProducts", ("data-product",), "contains")
    elif t == "system":
        yield from pointers("services", ("service",), "contains")
        yield from pointers("flows", ("flow",), "contains")
        yield from pointers("entities", ("entity",), "contains")
        yield from pointers("containers", ("container",), "contains")
        yield from pointers("relationships", ANY_TYPE, "relates-to")
    elif t in MESSAGE_TYPES:
        yield from pointers("channels", ("channel",), "channel")
        yield from pointers("messageChannels", ("channel",), "channel")
        # written on the message by hand (EventCatalog computes them from sends/receives)
        yield from pointers("producers", ("service",), "produced-by")
        yield from pointers("consumers", ("service",), "consumed-by")
    elif t == "container":
        yield from pointers("services", ("service",), "relates-to")
        yield from pointers("servicesThatWriteToContainer", ("service",), "relates-to")
        yield from pointers("servicesThatReadFromContainer", ("service",), "relates-to")
        yield from pointers("dataProductsThatWriteToContainer", ("data-product",), "relates-to")
        yield from pointers("dataProductsThatReadFromContainer", ("data-product",), "relates-to")
    elif t == "channel":
        yield from pointers("routes", ("channel",), "routes-to")
        yield from pointers("channels", ("channel",), "routes-to")
        for i, item in enumerate(_list(data.get("messages"))):
            p = _pointer(item)
            if p and isinstance(item, dict):
                targets = TYPE_NAMES.get(str(item.get("collection")), MESSAGE_TYPES)
                yield Reference(res, ("messages", i), targets, p[0], p[1], "carries")
    elif t == "flow":
        for i, step in enumerate(_list(data.get("steps"))):
            if not isinstance(step, dict):
                continue
            for key, targets in (
                ("message", MESSAGE_TYPES),
                ("service", ("service",)),
                ("agent", ("agent",)),
                ("system", ("system",)),
                ("systems", ("system",)),  # one pointer, despite the name (EventCatalog's step schema)
                ("flow", ("flow",)),
                ("container", ("container",)),
                ("dataProduct", ("data-product",)),
            ):
                if key in step:
                    p = _pointer(step[key])
                    if p:
                        yield Reference(res, ("steps", i, key), targets, p[0], p[1], "step")
    elif t == "entity":
        yield from pointers("services", ("service",), "relates-to")
        yield from pointers("domains", ("domain",), "relates-to")
        for i, prop in enumerate(_list(data.get("properties"))):
            target = prop.get("references") if isinstance(prop, dict) else None
            if isinstance(target, str) and target:
                yield Reference(res, ("properties", i, "references"), ("entity",), target, None, "relates-to")
    elif t == "adr":
        for i, item in enumerate(_list(data.get("appliesTo"))):
            p = _pointer(item)
            if p:
                targets = TYPE_NAMES.get(str(item.get("type")), ANY_TYPE) if isinstance(item, dict) else ANY_TYPE
                yield Reference(res, ("appliesTo", i), targets, p[0], p[1], "applies-to")
        for key in ("supersedes", "supersededBy", "amends", "amendedBy", "related"):
            yield from pointers(key, ("adr",), "relates-to")
    elif t == "data-product":
        yield from pointers("inputs", ANY_TYPE, "reads-from")
        yield from pointers("outputs", ANY_TYPE, "writes-to")
    elif t in ("team", "user"):
        if t == "team":
            for i, item in enumerate(_list(data.get("members"))):
                p = _pointer(item)
                if p:
                    yield Reference(res, ("members", i), ("user",), p[0], None, "member")
        else:
            for i, item in enumerate(_list(data.get("associatedTeams"))):
                p = _pointer(item)
                if p:
                    yield Reference(res, ("associatedTeams", i), ("team",), p[0], None, "member")
        for key, targets in (
            ("ownedAgents", ("agent",)),
            ("ownedDomains", ("domain",)),
            ("ownedSystems", ("system",)),
            ("ownedServices", ("service",)),
            ("ownedEvents", ("event",)),
            ("ownedCommands", ("command",)),
            ("ownedQueries", ("query",)),
        ):
            yield from pointers(key, targets, "owns")


def references_of(res: Resource) -> list:
    """``list(references(res))``, kept with the resource (recomputed if its frontmatter object was
    replaced). The loader computes it for large catalogs while its workers are still parsing
    (``prepare``), so that building the graph afterwards only resolves."""
    kept = res.__dict__.get("_references")
    if kept is not None and kept[0] is res.data:
        return kept[1]
    refs = list(references(res))
    res.__dict__["_references"] = (res.data, refs)
    return refs


def prepare(resources) -> None:
    """``references_of`` for some resources (pages are skipped: they point at nothing)."""
    for res in resources:
        if res.type not in ("doc", "changelog", "ubiquitous-language", "page"):
            references_of(res)
