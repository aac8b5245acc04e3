"""The frontmatter schema of every resource type, as data, and a small fast validator.

Mirrors EventCatalog core's ``content.config.ts`` (see ../shared/design/eventcatalog-format.md
section 2). ``validate(resource_type, data)`` yields ``Issue(kind, path, message)`` where kind is
one of ``required``, ``type``, ``semver``, ``email``, ``invalid`` (enum, URL, shape), ``unknown``
(top-level key) and ``unknown-nested``; the ``schema/*`` rules map kinds to rule names.

Hand-written rather than JSON Schema: it runs once per page on catalogs of 45,000 pages, and
the mapping to the official linter's rule names needs the kind of each failure.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Hashable, Iterable
from typing import NamedTuple

from saga_lint.catalog import versions
from saga_lint.suggest import did_you_mean

# a key path from the frontmatter's root, e.g. ("sends", 0, "id")
KeyPath = tuple[Hashable, ...]


class Issue(NamedTuple):
    """One way a frontmatter fails its schema: ``kind`` (see the module's docstring), where, what."""

    kind: str
    path: KeyPath
    message: str


class T:  # spec node kinds
    name: str = ""


class Str(T):
    name = "string"


class Num(T):
    name = "number"


class Bool(T):
    name = "boolean"


class Any(T):
    name = "any"


class Date(T):
    name = "date"


class Url(T):
    name = "URL"


class Email(T):
    name = "e-mail address"


class Enum(T):
    def __init__(self, *values: object):
        self.values = values
        self.name = "one of " + ", ".join(map(str, values))


class Arr(T):
    def __init__(self, item: T):
        self.item = item
        self.name = "array"


class Obj(T):
    def __init__(self, fields: dict[str, T] | None = None, required: tuple[str, ...] = (), open: bool = False):
        self.fields: dict[str, T] = fields or {}
        self.required = required
        self.open = open
        self.name = "object"


class Union(T):
    def __init__(self, *options: T):
        self.options = options
        self.name = " or ".join(o.name for o in options)


S, N, B, A = Str(), Num(), Bool(), Any()
SN = Union(S, N)
POINTER = Union(S, Obj({"id": SN, "version": SN}, required=("id",)))
POINTERS = Arr(POINTER)
CHANNEL_POINTER = Union(
    S,
    Obj(
        {"id": S, "version": SN, "parameters": Obj(open=True), "delivery_mode": Enum("push", "pull", "push-pull")},
        required=("id",),
    ),
)
SENDS = Arr(Union(S, Obj({"id": S, "version": SN, "fields": Arr(S), "group": S, "to": Arr(CHANNEL_POINTER)}, required=("id",))))
RECEIVES = Arr(
    Union(
        S,
        Obj(
            {
                "id": S,
                "version": SN,
                "fields": Arr(S),
                "group": S,
                "from": Arr(CHANNEL_POINTER),
                "triggers": Arr(Obj({"id": S, "version": SN, "condition": S}, required=("id",))),
            },
            required=("id",),
        ),
    )
)
OWNERS = Arr(Union(S, Obj({"id": S, "collection": Enum("users", "teams")}, required=("id",))))
BADGES = Arr(Obj({"content": S, "backgroundColor": S, "textColor": S, "icon": S, "url": S}, required=("content",)))
SPECIFICATIONS = Union(
    Obj({"openapiPath": S, "asyncapiPath": S, "graphqlPath": S}),
    Arr(Obj({"type": Enum("openapi", "asyncapi", "graphql"), "path": S, "name": S, "headers": A}, required=("type", "path"))),
)
SCHEMAS = Arr(Obj({"id": S, "ref": S, "file": S, "path": S, "name": S, "format": S, "environments": A, "default": B}, open=True))
BASE: dict[str, T] = {
    "id": S,
    "name": S,
    "version": S,  # checked separately (valid-type / valid-semver)
    "summary": S,
    "owners": OWNERS,
    "badges": BADGES,
    "schemaPath": S,
    "specifications": SPECIFICATIONS,
    "draft": Union(B, Obj({"title": S, "message": S})),
    "deprecated": Union(B, Obj({"message": S, "date": Union(S, Date())})),
    "hidden": B,
    "visualiser": B,
    "sidebar": Obj({"label": S, "badge": S, "color": S, "backgroundColor": S}),
    "repository": Obj({"language": S, "url": S}),
    "editUrl": S,
    "styles": Obj({"icon": S, "node": Obj({"color": S, "label": S})}),
    "attachments": Arr(Union(S, Obj({"url": S, "title": S, "type": S, "description": S, "icon": S}, required=("url",)))),
    "diagrams": POINTERS,
    "resourceGroups": Arr(
        Obj(
            {
                "id": S,
                "title": S,
                "items": Arr(Obj({"id": S, "version": SN, "type": S}, required=("id",))),
                "limit": N,
                "sidebar": A,
            },
            open=True,
        )
    ),
    "detailsPanel": Obj(open=True),
    "versions": A,
    "latestVersion": A,
    "catalog": A,
}
STEP = Obj(
    {
        "id": SN,
        "title": S,
        "summary": S,
        "type": Enum("node", "message", "agent", "user", "actor"),
        "message": POINTER,
        "service": POINTER,
        "agent": POINTER,
        "system": POINTER,
        "systems": POINTER,
        "flow": POINTER,
        "container": POINTER,
        "dataProduct": POINTER,
        "actor": Obj({"name": S, "summary": S}, required=("name",)),
        "externalSystem": Obj({"name": S, "summary": S, "url": Url()}, required=("name",)),
        "custom": Obj(
            {
                "title": S,
                "icon": S,
                "type": S,
                "summary": S,
                "url": S,
                "color": S,
                "properties": Obj(open=True),
                "height": N,
                "menu": Arr(Obj({"label": S, "url": S}, required=("label",))),
            },
            required=("title",),
        ),
        "next_step": Union(SN, Obj({"id": SN, "label": S}, required=("id",))),
        "next_steps": Arr(Union(SN, Obj({"id": SN, "label": S}, required=("id",)))),
    },
    required=("id", "title"),
)
MESSAGE: dict[str, T] = {
    "operation": Obj({"method": Enum("GET", "POST", "PUT", "DELETE", "PATCH"), "path": S, "statusCodes": A}),
    "channels": Arr(CHANNEL_POINTER),
    "schemas": SCHEMAS,
    "messageChannels": A,
    "producers": A,
    "consumers": A,
}
ACTOR: dict[str, T] = {
    "sends": SENDS, "receives": RECEIVES, "writesTo": POINTERS, "readsFrom": POINTERS, "flows": POINTERS, "entities": POINTERS,
}
PER_TYPE: dict[str, dict[str, T]] = {
    "event": MESSAGE,
    "command": MESSAGE,
    "query": MESSAGE,
    "service": {**ACTOR, "externalSystem": B, "schemas": SCHEMAS},
    "agent": {
        **ACTOR,
        "model": Obj({"provider": S, "name": S, "version": S}),
        "tools": Arr(Obj({"name": S, "type": S, "icon": S, "url": S, "description": S}, required=("name",))),
    },
    "domain": {
        "services": POINTERS, "agents": POINTERS, "domains": POINTERS, "systems": POINTERS,
        "entities": POINTERS, "data-products": POINTERS, "dataProducts": POINTERS, "flows": POINTERS,
        "sends": SENDS, "receives": RECEIVES,
    },
    "system": {
        "scope": Enum("internal", "external"), "services": POINTERS, "flows": POINTERS, "entities": POINTERS,
        "containers": POINTERS, "relationships": Arr(Obj({"id": S, "version": SN, "label": S}, required=("id",), open=True)),
        "actors": Arr(
            Obj({"id": S, "name": S, "label": S, "direction": Enum("inbound", "outbound")}, required=("id",), open=True)
        ),
    },
    "channel": {
        "address": S, "protocols": Arr(S), "deliveryGuarantee": Enum("at-most-once", "at-least-once", "exactly-once"),
        "routes": POINTERS, "channels": POINTERS,
        "messages": Arr(Obj({"collection": S, "name": S, "id": S, "version": SN}, open=True)),
        "parameters": Obj(open=True),
    },
    "container": {
        "container_type": Enum(
            "database", "cache", "objectStore", "searchIndex", "dataWarehouse", "dataLake", "externalSaaS", "other"
        ),
        "technology": S, "purpose": S, "authoritative": B,
        "access_mode": Enum("read", "write", "readWrite", "appendOnly"),
        "classification": Enum("public", "internal", "confidential", "regulated"),
        "residency": S, "retention": S, "services": A,
        "servicesThatWriteToContainer": A, "servicesThatReadFromContainer": A,
        "dataProductsThatWriteToContainer": A, "dataProductsThatReadFromContainer": A,
    },
    "entity": {"aggregateRoot": B, "identifier": S, "properties": Arr(Obj(open=True)), "services": POINTERS, "domains": POINTERS},
    "adr": {
        "status": Enum("proposed", "accepted", "rejected", "deprecated", "superseded"),
        "date": Union(Date(), S), "decisionMakers": OWNERS,
        "appliesTo": Arr(Obj({"type": S, "id": S, "version": SN}, required=("id",))),
        "supersedes": POINTERS, "supersededBy": POINTERS, "amends": POINTERS, "amendedBy": POINTERS, "related": POINTERS,
    },
    "data-product": {
        "inputs": POINTERS,
        "outputs": Arr(
            Obj(
                {"id": S, "version": SN, "contract": Obj({"path": S, "name": S, "type": S}, required=("path", "name"))},
                required=("id",),
            )
        ),
    },
    "diagram": {},
    "flow": {"steps": Arr(STEP)},
}
PEOPLE_COMMON: dict[str, T] = {
    "id": S, "name": S, "email": Email(), "hidden": B, "slackDirectMessageUrl": S, "msTeamsDirectMessageUrl": S,
    "ownedAgents": POINTERS, "ownedDomains": POINTERS, "ownedSystems": POINTERS, "ownedServices": POINTERS,
    "ownedEvents": POINTERS, "ownedCommands": POINTERS, "ownedQueries": POINTERS,
    "source": Obj({"provider": S, "id": S, "url": S}, open=True), "readOnly": B,
}
TEAM = {**PEOPLE_COMMON, "summary": S, "members": Arr(S)}
USER = {**PEOPLE_COMMON, "avatarUrl": S, "role": S, "associatedTeams": Arr(S)}
REQUIRED: dict[str, tuple[str, ...]] = {"flow": ("steps",), "container": ("container_type",), "adr": ("status", "date")}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://\S+$")


_FIELDS: dict[str, dict[str, T]] = {}


def fields_for(rtype: str) -> dict[str, T]:
    if rtype == "team":
        return TEAM
    if rtype == "user":
        return USER
    fields = _FIELDS.get(rtype)
    if fields is None:  # merged once per type (callers only read it)
        fields = {**BASE, **PER_TYPE.get(rtype, {})}
        if rtype in PER_TYPE:
            _FIELDS[rtype] = fields
    return fields


def required_for(rtype: str) -> tuple[str, ...]:
    if rtype in ("team", "user"):
        return ("id", "name")
    return ("id", "name", "version") + REQUIRED.get(rtype, ())


def suggest(key: str, known: Iterable[str]) -> str:
    return did_you_mean(key, list(known), cutoff=0.6)


def _type_ok(value: object, spec: T) -> bool:
    """Cheap top-level type test used to pick a union branch."""
    test = _TYPE_TESTS.get(spec.__class__)  # one dict look-up instead of a chain of isinstance
    if test is not None:
        return test(value, spec)
    if isinstance(spec, Str):
        return isinstance(value, str)
    if isinstance(spec, Num):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(spec, Bool):
        return isinstance(value, bool)
    if isinstance(spec, Any):
        return True
    if isinstance(spec, Date):
        return isinstance(value, (datetime.date, datetime.datetime))
    if isinstance(spec, (Url, Email)):
        return isinstance(value, str)
    if isinstance(spec, Enum):
        return value in spec.values
    if isinstance(spec, Arr):
        return isinstance(value, list)
    if isinstance(spec, Obj):
        return isinstance(value, dict)
    if isinstance(spec, Union):
        return any(_type_ok(value, o) for o in spec.options)
    return False


_TYPE_TESTS: dict[type[T], Callable[[object, T], bool]] = {
    Str: lambda v, s: isinstance(v, str),
    Num: lambda v, s: isinstance(v, (int, float)) and not isinstance(v, bool),
    Bool: lambda v, s: isinstance(v, bool),
    Any: lambda v, s: True,
    Date: lambda v, s: isinstance(v, (datetime.date, datetime.datetime)),
    Url: lambda v, s: isinstance(v, str),
    Email: lambda v, s: isinstance(v, str),
    Enum: lambda v, s: isinstance(s, Enum) and v in s.values,
    Arr: lambda v, s: isinstance(v, list),
    Obj: lambda v, s: isinstance(v, dict),
    Union: lambda v, s: isinstance(s, Union) and any(_type_ok(v, o) for o in s.options),
}


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "date"
    return type(value).__name__


def check_value(value: object, spec: T, path: KeyPath, out: list[Issue]) -> None:
    """Append to ``out`` every way ``value`` (at ``path``) fails ``spec``."""
    # the common specs first (the generic checks below give the same answers)
    if isinstance(spec, Str):  # most values: a string where a string is expected
        if not isinstance(value, str):
            out.append(Issue("type", path, f"must be {spec.name}, got {_describe(value)}"))
        return
    if isinstance(spec, Obj) and isinstance(value, dict):
        _check_object(value, spec, path, out)
        return
    if isinstance(spec, Arr) and isinstance(value, list):
        item_spec = spec.item
        for i, item in enumerate(value):
            check_value(item, item_spec, path + (i,), out)
        return
    if isinstance(spec, Any):
        return
    if isinstance(spec, Union):
        _check_union(value, spec, path, out)
        return
    if isinstance(spec, Enum):
        if value not in spec.values:
            out.append(Issue("invalid", path, f"must be {spec.name}, got {str(value)[:80]!r}"))
        return
    if not _type_ok(value, spec):
        out.append(Issue("type", path, f"must be {spec.name}, got {_describe(value)}"))
        return
    if isinstance(spec, Email) and isinstance(value, str):
        if not _EMAIL.match(value):
            out.append(Issue("email", path, f"{value[:80]!r} is not a valid e-mail address"))
    elif isinstance(spec, Url) and isinstance(value, str) and not _URL.match(value):
        out.append(Issue("invalid", path, f"{value[:80]!r} is not a valid URL"))


def _check_union(value: object, spec: Union, path: KeyPath, out: list[Issue]) -> None:
    """The first option whose type the value has decides; none: a type (or enum) issue."""
    for o in spec.options:
        if _type_ok(value, o):
            check_value(value, o, path, out)
            return
    if any(isinstance(o, Enum) for o in spec.options) and isinstance(value, str):
        out.append(Issue("invalid", path, f"must be {spec.name}, got {value!r}"))
    else:
        out.append(Issue("type", path, f"must be {spec.name}, got {_describe(value)}"))


def _check_object(value: dict[str, object], spec: Obj, path: KeyPath, out: list[Issue]) -> None:
    for required in spec.required:
        if required not in value or value[required] is None:
            out.append(Issue("required", path + (required,), f'required key "{required}" is missing'))
    fields = spec.fields
    for key, item in value.items():
        sub = fields.get(key)
        if sub is None:
            if not spec.open and not (isinstance(key, str) and key.startswith("x-")):
                out.append(
                    Issue("unknown-nested", path + (key,), f'unknown key "{key}".{suggest(str(key), spec.fields)}')
                )
            continue
        if item is None and key not in spec.required:
            continue
        check_value(item, sub, path + (key,), out)


def validate(rtype: str, data: dict[str, object]) -> list[Issue]:
    """Every way a frontmatter of type ``rtype`` fails EventCatalog's schema (a page fact: ``pagefacts``)."""
    out: list[Issue] = []
    known = fields_for(rtype)
    for key in required_for(rtype):
        if key not in data or data[key] is None or data[key] == "":
            out.append(Issue("required", (key,), f'required key "{key}" is missing'))
    people = rtype in ("team", "user")
    for key, value in data.items():
        spec = known.get(key)
        if spec is None:
            if not people and not (isinstance(key, str) and key.startswith("x-")):
                out.append(
                    Issue(
                        "unknown",
                        (key,),
                        f'unknown property "{key}"; custom properties must start with "x-".{suggest(str(key), known)}',
                    )
                )
            continue
        if value is None:
            continue
        if key == "version" and not people:
            if isinstance(value, bool) or not isinstance(value, (str, int, float)):
                out.append(Issue("type", (key,), f"version must be a string, got {_describe(value)}"))
            elif not isinstance(value, str):
                out.append(Issue("type", (key,), f'version must be a string, got the number {value}; quote it: "{value}"'))
            elif not versions.is_valid_resource_version(value):
                out.append(
                    Issue(
                        "semver",
                        (key,),
                        f'version "{value[:80]}" is not semver (e.g. 1.0.0), number-like (1, v1, 1.2) or "latest"',
                    )
                )
            continue
        check_value(value, spec, (key,), out)
    return out
