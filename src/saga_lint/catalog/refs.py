"""Every reference a resource's frontmatter makes to another resource, in one place.

``references(resource)`` yields a ``Reference`` per pointer: where it is (the key path, for a
file:line), what it may point at (resource types), the id and version reference, and the relation
it stands for in the graph (``sends``, ``receives``, ``owns``, ``contains``, ...). The graph builder
and the ``refs/*`` rules both read this list, so the two always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from saga_lint.catalog.model import MESSAGE_TYPES, PAGE_KINDS, KeyPath, Resource

ANY_TYPE = (
    "event", "command", "query", "service", "domain", "system", "flow", "channel",
    "entity", "container", "adr", "agent", "data-product", "diagram",
)
OWNER_TYPES = ("team", "user")
# collection names (plural or singular) used in typed pointers -> resource types
TYPE_NAMES: dict[str, tuple[str, ...]] = {
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


@dataclass(slots=True)
class Reference:
    """One pointer of a resource's frontmatter to another resource. Treated as read-only; not
    frozen, because a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__`` and large catalogs make hundreds of thousands of references."""

    source: Resource
    path: KeyPath  # key path in the source's frontmatter, e.g. ("sends", 0)
    targets: tuple[str, ...]  # resource types it may point at
    id: str
    version: str | None
    relation: str

    @property
    def field(self) -> str:
        return format_path(self.path)


def format_path(path: Iterable[Hashable]) -> str:
    """A key path as written in messages: ``sends[0].to[1]``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += ("." if out else "") + str(p)
    return out


def _pointer(value: object) -> tuple[str, str | None] | None:
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


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _pointers(res: Resource, key: str, targets: tuple[str, ...], relation: str) -> Iterator[Reference]:
    """The pointers listed under a top-level key: ``key: [id, {id, version}, ...]``."""
    for i, item in enumerate(_list(res.data.get(key))):
        p = _pointer(item)
        if p:
            yield Reference(res, (key, i), targets, p[0], p[1], relation)


def _typed(item: object, default: tuple[str, ...], type_key: str) -> tuple[str, ...]:
    """The resource types a pointer names in ``type_key`` (``type``, ``collection``), else ``default``."""
    return TYPE_NAMES.get(str(item.get(type_key)), default) if isinstance(item, dict) else default


def _common(res: Resource) -> Iterator[Reference]:
    """What any resource may point at: owners (decision makers of ADRs), diagrams, resource groups."""
    data = res.data
    for key in ("owners", "decisionMakers"):
        for i, item in enumerate(_list(data.get(key))):
            if isinstance(item, dict) and isinstance(item.get("collection"), str):
                targets = TYPE_NAMES.get(item["collection"], OWNER_TYPES)
            else:
                targets = OWNER_TYPES
            p = _pointer(item)
            if p:
                yield Reference(res, (key, i), targets, p[0], None, "owns")
    yield from _pointers(res, "diagrams", ("diagram",), "diagram")
    for g, group in enumerate(_list(data.get("resourceGroups"))):
        if isinstance(group, dict):
            for i, item in enumerate(_list(group.get("items"))):
                p = _pointer(item)
                if p and isinstance(item, dict):
                    targets = _typed(item, ANY_TYPE, "type")
                    yield Reference(res, ("resourceGroups", g, "items", i), targets, p[0], p[1], "groups")


def _actor(res: Resource) -> Iterator[Reference]:
    """Services, agents and domains: the messages they send and receive (with channels and
    triggers), the containers they write to and read from, their entities and flows."""
    for key, chan_key in (("sends", "to"), ("receives", "from")):
        for i, item in enumerate(_list(res.data.get(key))):
            p = _pointer(item)
            if not p:
                continue
            yield Reference(res, (key, i), MESSAGE_TYPES, p[0], p[1], key)
            if isinstance(item, dict):
                for j, ch in enumerate(_list(item.get(chan_key))):
                    q = _pointer(ch)
                    if q:
                        yield Reference(res, (key, i, chan_key, j), ("channel",), q[0], q[1], "channel")
                for j, trig in enumerate(_list(item.get("triggers"))):
                    q = _pointer(trig)
                    if q:
                        yield Reference(res, (key, i, "triggers", j), MESSAGE_TYPES, q[0], q[1], "triggers")
    yield from _pointers(res, "writesTo", ("container",), "writes-to")
    yield from _pointers(res, "readsFrom", ("container",), "reads-from")
    yield from _pointers(res, "entities", ("entity",), "contains")
    yield from _pointers(res, "flows", ("flow",), "contains")


def _domain(res: Resource) -> Iterator[Reference]:
    yield from _actor(res)
    yield from _pointers(res, "services", ("service",), "contains")
    yield from _pointers(res, "agents", ("agent",), "contains")
    yield from _pointers(res, "domains", ("domain",), "contains")
    yield from _pointers(res, "systems", ("system",), "contains")
    yield from _pointers(res, "data-products", ("data-product",), "contains")
    yield from _pointers(res, "dataProducts", ("data-product",), "contains")


def _system(res: Resource) -> Iterator[Reference]:
    yield from _pointers(res, "services", ("service",), "contains")
    yield from _pointers(res, "flows", ("flow",), "contains")
    yield from _pointers(res, "entities", ("entity",), "contains")
    yield from _pointers(res, "containers", ("container",), "contains")
    yield from _pointers(res, "relationships", ANY_TYPE, "relates-to")


def _message(res: Resource) -> Iterator[Reference]:
    yield from _pointers(res, "channels", ("channel",), "channel")
    yield from _pointers(res, "messageChannels", ("channel",), "channel")
    # written on the message by hand (EventCatalog computes them from sends/receives)
    yield from _pointers(res, "producers", ("service",), "produced-by")
    yield from _pointers(res, "consumers", ("service",), "consumed-by")


def _container(res: Resource) -> Iterator[Reference]:
    yield from _pointers(res, "services", ("service",), "relates-to")
    yield from _pointers(res, "servicesThatWriteToContainer", ("service",), "relates-to")
    yield from _pointers(res, "servicesThatReadFromContainer", ("service",), "relates-to")
    yield from _pointers(res, "dataProductsThatWriteToContainer", ("data-product",), "relates-to")
    yield from _pointers(res, "dataProductsThatReadFromContainer", ("data-product",), "relates-to")


def _channel(res: Resource) -> Iterator[Reference]:
    yield from _pointers(res, "routes", ("channel",), "routes-to")
    yield from _pointers(res, "channels", ("channel",), "routes-to")
    for i, item in enumerate(_list(res.data.get("messages"))):
        p = _pointer(item)
        if p and isinstance(item, dict):
            yield Reference(res, ("messages", i), _typed(item, MESSAGE_TYPES, "collection"), p[0], p[1], "carries")


# a flow step's pointer keys and the types they point at
_STEP_POINTERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("message", MESSAGE_TYPES),
    ("service", ("service",)),
    ("agent", ("agent",)),
    ("system", ("system",)),
    ("systems", ("system",)),  # one pointer, despite the name (EventCatalog's step schema)
    ("flow", ("flow",)),
    ("container", ("container",)),
    ("dataProduct", ("data-product",)),
)


def _flow(res: Resource) -> Iterator[Reference]:
    for i, step in enumerate(_list(res.data.get("steps"))):
        if not isinstance(step, dict):
            continue
        for key, targets in _STEP_POINTERS:
            if key in step:
                p = _pointer(step[key])
                if p:
                    yield Reference(res, ("steps", i, key), targets, p[0], p[1], "step")


def _entity(res: Resource) -> Iterator[Reference]:
    yield from _pointers(res, "services", ("service",), "relates-to")
    yield from _pointers(res, "domains", ("domain",), "relates-to")
    for i, prop in enumerate(_list(res.data.get("properties"))):
        target = prop.get("references") if isinstance(prop, dict) else None
        if isinstance(target, str) and target:
            yield Reference(res, ("properties", i, "references"), ("entity",), target, None, "relates-to")


def _adr(res: Resource) -> Iterator[Reference]:
    for i, item in enumerate(_list(res.data.get("appliesTo"))):
        p = _pointer(item)
        if p:
            yield Reference(res, ("appliesTo", i), _typed(item, ANY_TYPE, "type"), p[0], p[1], "applies-to")
    for key in ("supersedes", "supersededBy", "amends", "amendedBy", "related"):
        yield from _pointers(res, key, ("adr",), "relates-to")


def _data_product(res: Resource) -> Iterator[Reference]:
    yield from _pointers(res, "inputs", ANY_TYPE, "reads-from")
    yield from _pointers(res, "outputs", ANY_TYPE, "writes-to")


_OWNED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ownedAgents", ("agent",)),
    ("ownedDomains", ("domain",)),
    ("ownedSystems", ("system",)),
    ("ownedServices", ("service",)),
    ("ownedEvents", ("event",)),
    ("ownedCommands", ("command",)),
    ("ownedQueries", ("query",)),
)


def _person(res: Resource) -> Iterator[Reference]:
    """Teams (their members) and users (their teams), and what they own."""
    key, to = ("members", ("user",)) if res.type == "team" else ("associatedTeams", ("team",))
    for i, item in enumerate(_list(res.data.get(key))):
        p = _pointer(item)
        if p:
            yield Reference(res, (key, i), to, p[0], None, "member")
    for owned, targets in _OWNED:
        yield from _pointers(res, owned, targets, "owns")


# resource type -> the pointers particular to it
_BY_TYPE: dict[str, Callable[[Resource], Iterator[Reference]]] = {
    "service": _actor,
    "agent": _actor,
    "domain": _domain,
    "system": _system,
    "event": _message,
    "command": _message,
    "query": _message,
    "container": _container,
    "channel": _channel,
    "flow": _flow,
    "entity": _entity,
    "adr": _adr,
    "data-product": _data_product,
    "team": _person,
    "user": _person,
}


def references(res: Resource) -> Iterator[Reference]:
    """Every pointer of the resource's frontmatter, in the order of its keys' kinds (see each part)."""
    yield from _common(res)
    particular = _BY_TYPE.get(res.type)
    if particular is not None:
        yield from particular(res)


def references_of(res: Resource) -> list[Reference]:
    """``list(references(res))``, kept with the resource (``Resource.references``; a page edited in
    place forgets it with ``forget_derived``). The pipeline computes it for large catalogs while the
    loader's workers are still parsing (``prepare``), so that building the graph afterwards only resolves."""
    refs = res.references
    if refs is None:
        refs = res.references = list(references(res))
    return refs


def prepare(resources: Iterable[Resource]) -> None:
    """``references_of`` for some resources (pages are skipped: they point at nothing)."""
    for res in resources:
        if res.type not in PAGE_KINDS:
            references_of(res)
