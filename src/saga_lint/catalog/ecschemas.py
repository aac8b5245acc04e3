"""EventCatalog's content collections as data: the frontmatter schema of every page kind, for
the released 3.x line (3.48.4) and the repository's 4.x core.

Source of truth: ``eventcatalog/src/content.config.ts`` and ``content.config-shared-collections.ts``
in ``@eventcatalog/core`` 3.48.4 (npm) and in event-catalog/eventcatalog at c6cfda58 (4.7.5), plus
Astro's ``reference()`` (a number, a string, or ``{id, collection}`` naming that collection). The
shapes are the node kinds of ``fmschema``; where the two lines differ, ``FIELDS3`` and ``FIELDS4``
hold different objects for the key (``fmschema`` checks both and tags what differs).
Differences (docs/eventcatalog-versions.md): 4.x rejects unknown top-level keys that do not
start with ``x-`` (3.x drops them), loads systems (3.x has no systems collection and does not
load services under a system), accepts ``appliesTo[].type: system`` on ADRs, ``receives[].triggers``,
a domain's ``systems``, a container's ``purpose`` and nested entity ``properties``.
"""

from __future__ import annotations

from saga_lint.catalog.fmschema import (
    Any,
    Arr,
    Bool,
    CoerceDate,
    Date,
    Email,
    Enum,
    Num,
    Obj,
    Rec,
    Ref,
    Str,
    T,
    Union,
    Url,
)

S, N, B, A = Str(), Num(), Bool(), Any()
SN = Union(S, N)
POINTER = Obj({"id": S, "version": S}, required=("id",))
POINTERS = Arr(POINTER)
CHANNEL_POINTER = Obj({"id": S, "version": S, "parameters": Rec(S)}, required=("id",))
_TO = Arr(Obj({"id": S, "version": S, "parameters": Rec(S), "delivery_mode": Enum("push", "pull", "push-pull")},
    required=("id",)))
SENDS = Arr(Obj({"id": S, "version": S, "fields": Arr(S), "group": S, "to": _TO}, required=("id",)))
_RECEIVES_FIELDS: dict[str, T] = {"id": S, "version": S, "fields": Arr(S), "group": S, "from": _TO}
RECEIVES3 = Arr(Obj(_RECEIVES_FIELDS, required=("id",)))
_TRIGGERS = Arr(Obj({"id": S, "version": S, "condition": S}, required=("id",)))
RECEIVES4 = Arr(Obj({**_RECEIVES_FIELDS, "triggers": _TRIGGERS}, required=("id",)))
OWNERS = Arr(Union(S, Obj({"id": S, "collection": Enum("users", "teams")}, required=("id", "collection"))))
BADGES = Arr(Obj({"content": S, "backgroundColor": S, "textColor": S, "icon": S, "url": S},
                 required=("content", "backgroundColor", "textColor")))
SPECIFICATIONS = Union(
    Obj({"openapiPath": S, "asyncapiPath": S, "graphqlPath": S}),
    Arr(Obj({"type": Enum("openapi", "asyncapi", "graphql"), "path": S, "name": S, "headers": Rec(S)},
        required=("type", "path"))),
)
SCHEMA_POINTERS = Arr(Obj({"id": S, "ref": S, "file": S, "path": S, "name": S, "format": S, "environments": Arr(S),
    "default": B}))
_GROUP_TYPES = Enum("agent", "service", "event", "command", "query", "flow", "channel", "domain", "user", "team", "container")
_PANEL_KEYS = [
    "parentDomains", "subdomains", "systems", "services", "entities", "messages", "ubiquitousLanguage",
    "repository", "versions", "owners", "changelog", "attachments", "producers", "consumers", "triggers",
    "triggeredBy", "channels", "specifications", "containers", "tools", "model", "domains", "inputs", "outputs",
    "flows", "status", "date", "decisionMakers", "appliesTo", "relationships", "protocols", "parameters",
    "diagrams"
]
DETAILS_PANEL = Obj({k: Obj({"visible": B}) for k in _PANEL_KEYS}, open=True)
CATALOG_META = Obj({"path": S, "filePath": S, "publicPath": S, "type": S}, required=("path", "filePath", "publicPath", "type"))
BASE: dict[str, T] = {
    "id": S, "name": S, "summary": S, "version": S,
    "draft": Union(B, Obj({"title": S, "message": S}, required=("message",))),
    "badges": BADGES, "owners": OWNERS, "schemaPath": S, "specifications": SPECIFICATIONS,
    "sidebar": Obj({"label": S, "badge": S, "color": S, "backgroundColor": S}),
    "repository": Obj({"language": S, "url": S}),
    "hidden": B, "editUrl": S,
    "resourceGroups": Arr(Obj({
        "id": S, "title": S, "items": Arr(Obj({"id": S, "version": S, "type": _GROUP_TYPES}, required=("id", "type"))),
        "limit": N, "sidebar": B,
    }, required=("items",))),
    "styles": Obj({"icon": S, "node": Obj({"color": S, "label": S})}),
    "deprecated": Union(Obj({"message": S, "date": Union(S, Date())}), B),
    "visualiser": B,
    "attachments": Arr(Union(Url(), Obj({"url": Url(), "title": S, "type": S, "description": S, "icon": S}, required=("url",)))),
    "diagrams": POINTERS,
    "versions": Arr(S), "latestVersion": S, "catalog": CATALOG_META,
    "detailsPanel": DETAILS_PANEL,
}
_STEP_POINTERS = {k: POINTER for k in ("message", "agent", "service", "flow", "container", "dataProduct")}
STEP_REF = Union(S, N, Obj({"id": SN, "label": S}, required=("id",)))
STEP = Obj(
    {
        "id": SN, "title": S, "summary": S, "type": Enum("node", "message", "agent", "user", "actor"),
        **_STEP_POINTERS,
        # the official linter's system steps: the build drops these keys, saga-lint checks the reference
        "system": A, "systems": A,
        "actor": Obj({"name": S, "summary": S}, required=("name",)),
        "externalSystem": Obj({"name": S, "summary": S, "url": Url()}, required=("name",)),
        "custom": Obj(
            {
                "title": S, "icon": S, "type": S, "summary": S, "url": Url(), "color": S,
                "properties": Rec(SN), "height": N,
                "menu": Arr(Obj({"label": S, "url": Url()}, required=("label",))),
            },
            required=("title",),
        ),
        "next_step": STEP_REF,
        "next_steps": Arr(STEP_REF),
    },
    required=("id", "title"),
)
MESSAGE: dict[str, T] = {
    "operation": Obj({"method": Enum("GET", "POST", "PUT", "DELETE", "PATCH"), "path": S, "statusCodes": Arr(S)}),
    "producers": Arr(Ref("services")), "consumers": Arr(Ref("services")),
    "channels": Arr(CHANNEL_POINTER), "schemas": SCHEMA_POINTERS, "messageChannels": Arr(Ref("channels")),
}
_PROPERTY_FIELDS: dict[str, T] = {
    "name": S, "type": S, "required": B, "description": S, "references": S, "referencesIdentifier": S,
    "relationType": S, "enum": Arr(S),
}
PROPERTY3 = Obj({**_PROPERTY_FIELDS, "items": Obj({"type": S}, required=("type",))}, required=("name", "type"))
PROPERTY4 = Obj({**_PROPERTY_FIELDS, "referenceTarget": Enum("entity")}, required=("name", "type"))
PROPERTY4.fields["properties"] = Arr(PROPERTY4)  # recursive, as 4.x's z.lazy
PROPERTY4.fields["items"] = Obj({"type": S, "properties": Arr(PROPERTY4)}, required=("type",))
_ADR_TYPES = ("agent", "service", "event", "command", "query", "flow", "channel", "domain", "user", "team", "container",
              "entity", "diagram", "data-product")
_ADR_COMMON: dict[str, T] = {
    "status": Enum("proposed", "accepted", "rejected", "deprecated", "superseded"),
    "date": CoerceDate(), "decisionMakers": OWNERS,
    **{k: POINTERS for k in ("supersedes", "supersededBy", "amends", "amendedBy", "related")},
}
_ACTOR_COMMON: dict[str, T] = {"sends": SENDS, "writesTo": POINTERS, "readsFrom": POINTERS, "flows": POINTERS}
_SERVICE: dict[str, T] = {**_ACTOR_COMMON, "entities": POINTERS, "externalSystem": B}
_AGENT: dict[str, T] = {
    **_ACTOR_COMMON,
    "model": Obj({"provider": S, "name": S, "version": S}),
    "tools": Arr(Obj({"name": S, "type": S, "icon": S, "url": S, "description": S}, required=("name", "type"))),
}
_DOMAIN: dict[str, T] = {
    **{k: POINTERS for k in ("services", "agents", "domains", "entities", "data-products", "flows")}, "sends": SENDS,
}
_CONTAINER: dict[str, T] = {
    "container_type": Enum("database", "cache", "objectStore", "searchIndex", "dataWarehouse", "dataLake",
        "externalSaaS", "other"),
    "technology": S, "authoritative": B,
    "access_mode": Enum("read", "write", "readWrite", "appendOnly"),
    "classification": Enum("public", "internal", "confidential", "regulated"),
    "residency": S, "retention": S,
    **{k: Arr(Ref("services")) for k in ("services", "servicesThatWriteToContainer", "servicesThatReadFromContainer")},
    **{k: Arr(Ref("data-products")) for k in ("dataProductsThatWriteToContainer", "dataProductsThatReadFromContainer")},
}
_ENTITY: dict[str, T] = {"aggregateRoot": B, "identifier": S, "services": Arr(Ref("services")), "domains": Arr(Ref("domains"))}
_SAME: dict[str, dict[str, T]] = {
    "event": MESSAGE, "command": MESSAGE, "query": MESSAGE,
    "channel": {
        "channels": Arr(CHANNEL_POINTER), "address": S, "protocols": Arr(S),
        "deliveryGuarantee": Enum("at-most-once", "at-least-once", "exactly-once"), "routes": Arr(CHANNEL_POINTER),
        "parameters": Rec(Obj({"enum": Arr(S), "default": S, "examples": Arr(S), "description": S})),
        "messages": Arr(Obj({"collection": S, "name": S, "id": S, "version": S}, required=("collection", "name", "id"))),
    },
    "flow": {"steps": Arr(STEP)},
    "data-product": {
        "inputs": POINTERS,
        "outputs": Arr(Obj({"id": S, "version": S, "contract": Obj({"path": S, "name": S, "type": S}, required=("path", "name"))},
                           required=("id",))),
    },
    "diagram": {},
}
_PEOPLE: dict[str, T] = {
    "id": S, "name": S, "hidden": B, "source": Obj({"provider": S, "id": S, "url": S}, required=("provider",)),
    "readOnly": B, "email": Email(), "slackDirectMessageUrl": S, "msTeamsDirectMessageUrl": S,
    "ownedAgents": Arr(Ref("agents")), "ownedDomains": Arr(Ref("domains")), "ownedServices": Arr(Ref("services")),
    "ownedEvents": Arr(Ref("events")), "ownedCommands": Arr(Ref("commands")), "ownedQueries": Arr(Ref("queries")),
    "ownedSystems": A,  # the official linter's; the build drops it, saga-lint checks the references
}
PLAIN: dict[str, dict[str, T]] = {  # plain objects in both lines: unknown keys are dropped
    "team": {**_PEOPLE, "summary": S, "members": Arr(Ref("users"))},
    "user": {**_PEOPLE, "avatarUrl": S, "role": S, "associatedTeams": Arr(Ref("teams"))},
    "changelog": {"createdAt": Date(), "badges": BADGES, "version": S, "versions": Arr(S), "latestVersion": S,
        "catalog": CATALOG_META},
    "custom-doc": {
        "title": S, "summary": S, "slug": S, "sidebar": Obj({"label": S, "order": N}, required=("label", "order")),
        "owners": OWNERS, "badges": BADGES,
    },
    "resource-doc": {
        "id": S, "type": S, "version": S, "order": N, "badges": BADGES, "title": S, "summary": S, "slug": S, "hidden": B,
    },
    "ubiquitous-language": {
        "dictionary": Arr(Obj({"id": S, "name": S, "summary": S, "description": S, "icon": S}, required=("id", "name"))),
    },
}
PLAIN_REQUIRED: dict[str, tuple[str, ...]] = {"team": ("id", "name"), "user": ("id", "name"), "custom-doc": ("title", "summary")}

FIELDS3: dict[str, dict[str, T]] = {t: {**BASE, **fields} for t, fields in _SAME.items()}
FIELDS4: dict[str, dict[str, T]] = dict(FIELDS3)
FIELDS3.update({
    "service": {**BASE, **_SERVICE, "receives": RECEIVES3},
    "agent": {**BASE, **_AGENT, "receives": RECEIVES3},
    "domain": {**BASE, **_DOMAIN, "receives": RECEIVES3},
    "container": {**BASE, **_CONTAINER},
    "entity": {**BASE, **_ENTITY, "properties": Arr(PROPERTY3)},
    "adr": {**BASE, **_ADR_COMMON, "appliesTo": Arr(Obj({"id": S, "version": S, "type": Enum(*_ADR_TYPES)},
        required=("id", "type")))},
})
FIELDS4.update({
    "service": {**FIELDS3["service"], "receives": RECEIVES4},
    "agent": {**FIELDS3["agent"], "receives": RECEIVES4},
    "domain": {**FIELDS3["domain"], "receives": RECEIVES4, "systems": POINTERS},
    "container": {**FIELDS3["container"], "purpose": S},
    "entity": {**FIELDS3["entity"], "properties": Arr(PROPERTY4)},
    "adr": {
        **FIELDS3["adr"],
        "appliesTo": Arr(Obj({"id": S, "version": S, "type": Enum(*_ADR_TYPES[:9], "system", *_ADR_TYPES[9:])},
            required=("id", "type"))),
    },
    "system": {
        **BASE,
        "scope": Enum("internal", "external"),
        **{k: POINTERS for k in ("services", "flows", "entities", "containers")},
        "relationships": Arr(Obj({"id": S, "version": S, "label": S}, required=("id",))),
        "actors": Arr(Obj({"id": S, "name": S, "label": S, "direction": Enum("inbound", "outbound")}, required=("id",))),
    },
})
REQUIRED: dict[str, tuple[str, ...]] = {"flow": ("steps",), "container": ("container_type",), "adr": ("status", "date")}
