"""Every official-linter rule (schema/, refs/, best-practices/, versions/, structure/), the loader's
parse/ rules and security/path-outside-catalog: one failing and one passing fixture each.

A failing fixture is the clean catalog ``BASE`` with one change; the test asserts the rule, the
file, the line and column of the finding (found from a needle in the fixture text, so the
expectation is readable), the severity and that the message says what to fix. The passing
fixture is the corrected catalog: it must give no finding at all.

The second half covers the layouts (nested folders, subdomains, versioned folders with their own
schema, index.md, teams/users, channels with ``{env}``) and version references, each as an
assertion on resolution.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT, lint, missing_tool, run_cli

# -- the clean catalog ------------------------------------------------------------------------

TEAM = "teams/ordering.mdx"
USER = "users/jane.mdx"
DOMAIN = "domains/Ordering/index.mdx"
SERVICE = "domains/Ordering/services/Orders/index.mdx"
EVENT = "domains/Ordering/services/Orders/events/OrderPlaced/index.mdx"
SCHEMA = "domains/Ordering/services/Orders/events/OrderPlaced/schema.json"
CHANNEL = "channels/orders/index.mdx"
CONTAINER = "containers/orders-db/index.mdx"
FLOW = "domains/Ordering/flows/Checkout/index.mdx"


def page(front: str, body: str = "Described here.\n") -> str:
    return "---\n" + front.strip("\n") + "\n---\n" + body


TEAM_TXT = page(
    """
id: ordering
name: Ordering Team
summary: Owns ordering.
email: ordering@acme.test
members: [jane]
"""
)
USER_TXT = page(
    """
id: jane
name: Jane Doe
email: jane@acme.test
"""
)
DOMAIN_TXT = page(
    """
id: ordering
name: Ordering
version: 1.0.0
summary: The ordering domain.
owners: [ordering]
services:
  - id: orders-service
"""
)
SERVICE_TXT = page(
    """
id: orders-service
name: Orders
version: 1.0.0
summary: Takes orders.
owners: [ordering]
sends:
  - id: order-placed
    version: 1.0.0
    to:
      - id: orders.{env}.events
writesTo:
  - id: orders-db
"""
)
EVENT_TXT = page(
    """
id: order-placed
name: Order placed
version: 1.0.0
summary: An order was placed.
owners: [ordering]
schemaPath: schema.json
"""
)
CHANNEL_TXT = page(
    """
id: orders.{env}.events
name: Orders events
version: 1.0.0
summary: Where order events go.
owners: [ordering]
"""
)
CONTAINER_TXT = page(
    """
id: orders-db
name: Orders database
version: 1.0.0
summary: Orders, as stored.
owners: [ordering]
container_type: database
"""
)
FLOW_TXT = page(
    """
id: checkout
name: Checkout
version: 1.0.0
summary: From cart to order.
owners: [ordering]
steps:
  - id: place
    title: Place the order
    service: {id: orders-service}
    next_step: placed
  - id: placed
    title: Order placed
    message: {id: order-placed}
"""
)

BASE = {
    TEAM: TEAM_TXT,
    USER: USER_TXT,
    DOMAIN: DOMAIN_TXT,
    SERVICE: SERVICE_TXT,
    EVENT: EVENT_TXT,
    SCHEMA: "{}\n",
    CHANNEL: CHANNEL_TXT,
    CONTAINER: CONTAINER_TXT,
    FLOW: FLOW_TXT,
}


SYSTEM_PAGE = "domains/Ordering/systems/Checkout/index.mdx"
SYSTEM_TXT = page(
    """
id: checkout-system
name: Checkout
version: 1.0.0
summary: Takes the order through checkout.
owners: [ordering]
"""
)
_SYSTEM_STEP = (
    "    message: {{id: order-placed}}\n    next_step: handover\n  - id: handover\n    title: Hand over\n    system: {{id: {}}}\n"
)
_PAYMENTS = page("id: payments\nname: Payments\nversion: 1.0.0\nsummary: Takes payments.\nowners: [ordering]\n")
ENTITY_PAGE = "domains/Ordering/entities/Order/index.mdx"
ENTITY_TXT = page(
    """
id: Order
name: Order
version: 1.0.0
summary: An order.
owners: [ordering]
properties:
  - {{name: id, type: string}}
  - {{name: customer, type: string, references: {}}}
"""
)


def edit(path: str, old: str, new: str, base: dict = BASE) -> dict:
    """``{path: BASE[path] with old replaced by new}``; ``old`` must occur exactly once."""
    text = base[path]
    assert text.count(old) == 1, (path, old)
    return {path: text.replace(old, new)}


def build(make_catalog, changes: dict) -> Path:
    """A fresh catalog: BASE with changes (make_catalog always writes to the same folder)."""
    shutil.rmtree(make_catalog({}), ignore_errors=True)
    files = {**BASE, **changes}
    return make_catalog({k: v for k, v in files.items() if v is not None})


EDIT_OWNER_TYPO = edit(EVENT, "owners: [ordering]", "owners: [ordring]")


def locate(text, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the first occurrence of needle in text."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    i = text.index(needle)
    return text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1


def of_rule(findings, name):
    return [f for f in findings if f.rule == name]


def describe(findings) -> str:
    return "\n".join(f"{f.file}:{f.line}:{f.column} {f.rule} {f.message}" for f in findings)


def test_base_catalog_is_clean(make_catalog):
    findings = lint(build(make_catalog, {}))
    assert findings == [], describe(findings)


# -- the table ----------------------------------------------------------------------------------


@dataclass
class Case:
    rule: str
    id: str
    bad: dict  # changes to BASE that break the rule (None deletes a file)
    file: str  # where the finding must be
    needle: str | None  # text at the finding's line and column (column = where the needle starts)
    fix: str  # regex: the message says what to do
    good: dict = field(default_factory=dict)  # changes to BASE that are right (default: BASE itself)
    line: int | None = None  # explicit position when there is no needle
    column: int | None = None
    column_from_needle: bool = True


PKG4 = '{"dependencies": {"@eventcatalog/core": "^4.0.0"}}\n'


def _without(path, line):
    return edit(path, line + "\n", "")


_V2 = "domains/Ordering/services/Orders/events/OrderPlaced/versioned/2.0.0"  # a folder named as its page says

CASES = [
    # schema/*
    Case(
        "schema/required-fields", "service-without-name",
        _without(SERVICE, "name: Orders"), SERVICE, "id: orders-service", r'required key "name" is missing',
    ),
    Case(
        "schema/required-fields", "flow-step-without-title",
        edit(FLOW, "    title: Order placed\n", ""), FLOW, "id: placed", r'required key "title" is missing',
    ),
    Case(
        "schema/required-fields", "container-without-type",
        _without(CONTAINER, "container_type: database"), CONTAINER, "id: orders-db", r'"container_type" is missing',
    ),
    Case(
        "schema/valid-type", "owners-as-string",
        edit(EVENT, "owners: [ordering]", "owners: ordering"), EVENT, "owners:", r"must be array, got string",
    ),
    Case(
        "schema/valid-type", "version-as-number",
        edit(EVENT, "version: 1.0.0", "version: 1"), EVENT, "version: 1", r'quote it: "1"',
        good=edit(EVENT, "version: 1.0.0", 'version: "1.0.0"'),
    ),
    Case(
        "schema/valid-semver", "four-part-version",
        edit(EVENT, "version: 1.0.0", "version: 1.0.0.0"), EVENT, "version:", r"not semver \(e\.g\. 1\.0\.0\)",
    ),
    Case(
        "schema/valid-semver", "number-like-version",
        edit(EVENT, "version: 1.0.0", "version: v1"), EVENT, "version:",
        r'version "v1" is not semver: EventCatalog reads it as 1\.0\.0, but the official linter .* Write 1\.0\.0',
    ),
    Case(
        "schema/valid-email", "user-email",
        edit(USER, "email: jane@acme.test", "email: jane-at-acme"), USER, "email:", r"not a valid e-mail address",
    ),
    Case(
        "schema/valid-email", "team-email",
        edit(TEAM, "email: ordering@acme.test", "email: ordering.acme.test"), TEAM, "email:", r"not a valid e-mail",
    ),
    Case(
        "schema/validation-error", "container-type-enum",
        edit(CONTAINER, "container_type: database", "container_type: postgres"), CONTAINER, "container_type:",
        r"must be one of database, cache",
    ),
    Case(
        "schema/validation-error", "step-type-enum",
        edit(FLOW, "    title: Order placed\n", "    title: Order placed\n    type: banana\n"), FLOW, "type: banana",
        r"must be one of node, message",
        good=edit(FLOW, "    title: Order placed\n", "    title: Order placed\n    type: message\n"),
    ),
    Case(
        "schema/unknown-field", "typo-summary",
        # an error from EventCatalog 4 on (3.x drops the key: a warning, tests/test_schema_build.py)
        {**edit(SERVICE, "summary: Takes orders.\n", "summary: Takes orders.\nsumary: again\n"), "package.json": PKG4},
        SERVICE, "sumary:", r'must start with "x-"\. Did you mean "summary"\?',
        good={**edit(SERVICE, "summary: Takes orders.\n", "summary: Takes orders.\nx-sumary: again\n"), "package.json": PKG4},
    ),
    Case(
        "schema/unknown-nested-field", "typo-in-sends",
        edit(SERVICE, "    version: 1.0.0\n", "    verison: 1.0.0\n"), SERVICE, "verison:",
        r'unknown key "verison"\. Did you mean "version"\?',
    ),
    # refs/*
    Case(
        "refs/owner-exists", "misspelt-owner",
        edit(EVENT, "owners: [ordering]", "owners: [ordring]"), EVENT, "ordring", r'Did you mean "ordering"\?.*correct the id',
    ),
    Case(
        "refs/owner-exists", "owner-as-object",
        edit(EVENT, "owners: [ordering]", "owners:\n  - id: jan\n    collection: users"), EVENT, "id: jan",
        r'refers to user "jan".*Did you mean "jane"',
        good=edit(EVENT, "owners: [ordering]", "owners:\n  - id: jane\n    collection: users"),
    ),
    Case(
        "refs/resource-exists", "domain-service",
        edit(DOMAIN, "  - id: orders-service", "  - id: orders-servce"), DOMAIN, "id: orders-servce",
        r'service "orders-servce", which is not in the catalog\. Did you mean "orders-service"\? Add its page or correct the id',
    ),
    Case(
        "refs/resource-exists", "id-of-another-type",
        edit(FLOW, "message: {id: order-placed}", "message: {id: orders-db}"), FLOW, "message: {id: orders-db}",
        r'message \(event, command or query\) "orders-db", which is not in the catalog\. '
        r'"orders-db" is a container in this catalog, not a message',
    ),
    Case(
        "refs/resource-exists", "flow-step-message",
        edit(FLOW, "message: {id: order-placed}", "message: {id: order-plac}"), FLOW, "message: {id: order-plac}",
        r'message \(event, command or query\) "order-plac".*Did you mean "order-placed"',
    ),
    Case(
        "refs/channel-exists", "env-channel",
        edit(SERVICE, "- id: orders.{env}.events", "- id: orders.{env}.event"), SERVICE, "id: orders.{env}.event",
        r'channel "orders\.\{env\}\.event".*Did you mean "orders\.\{env\}\.events"',
    ),
    Case(
        "refs/container-exists", "writes-to",
        edit(SERVICE, "  - id: orders-db", "  - id: order-db"), SERVICE, "id: order-db",
        r'container "order-db", which is not in the catalog.*correct the id',
    ),
    Case(
        "refs/valid-version-range", "caret-too-high",
        edit(SERVICE, "    version: 1.0.0\n", "    version: ^2.0.0\n"), SERVICE, "id: order-placed",
        r'version "\^2\.0\.0", but the catalog has only 1\.0\.0\. Point at one of those versions',
        good=edit(SERVICE, "    version: 1.0.0\n", "    version: ^1.0.0\n"),
    ),
    Case(
        "refs/file-exists", "schema-path",
        edit(EVENT, "schemaPath: schema.json", "schemaPath: schema.jsn"), EVENT, "schemaPath:",
        r'"schema\.jsn", which does not exist in .*OrderPlaced/\. Add the file or correct the path',
    ),
    Case(
        "refs/file-exists", "schema-viewer-in-body",
        {EVENT: EVENT_TXT.replace("Described here.\n", 'Intro.\n\n<SchemaViewer file="schema.jsn" />\n')}, EVENT,
        "<SchemaViewer", r'<SchemaViewer file> points at "schema\.jsn".*Add the file',
        good={EVENT: EVENT_TXT.replace("Described here.\n", 'Intro.\n\n<SchemaViewer file="schema.json" />\n')},
    ),
    Case(
        "refs/file-exists", "schema-viewer-in-fence-is-ignored-but-real-one-is-not",
        {EVENT: EVENT_TXT.replace(
            "Described here.\n", '```mdx\n<SchemaViewer file="a.json" />\n```\n\n<SchemaViewer file="b.json" />\n'
        )},
        EVENT, '<SchemaViewer file="b.json"', r'"b\.json"',
        good={EVENT: EVENT_TXT.replace("Described here.\n", '```mdx\n<SchemaViewer file="a.json" />\n```\n')},
    ),
    # references the official linter also follows (flow system steps, producers/consumers written
    # on a message, container service lists, entity property references, team ownedSystems)
    Case(
        "refs/resource-exists", "flow-system-step",
        # a catalog with systems is an EventCatalog 4 catalog (undeclared: schema/undeclared-version)
        {**edit(FLOW, "    message: {id: order-placed}\n", _SYSTEM_STEP.format("checkout-systm")), SYSTEM_PAGE: SYSTEM_TXT,
         "package.json": PKG4},
        FLOW, "system: {id: checkout-systm}",
        r'steps\[2\]\.system refers to system "checkout-systm", which is not in the catalog',
        good={**edit(FLOW, "    message: {id: order-placed}\n", _SYSTEM_STEP.format("checkout-system")), SYSTEM_PAGE: SYSTEM_TXT,
              "package.json": PKG4},
    ),
    Case(
        "refs/resource-exists", "message-producers",
        edit(EVENT, "schemaPath: schema.json", "schemaPath: schema.json\nproducers:\n  - id: order-service"), EVENT,
        "id: order-service", r'producers\[0\] refers to service "order-service".*Did you mean "orders-service"',
        good=edit(EVENT, "schemaPath: schema.json",
                  "schemaPath: schema.json\nproducers:\n  - id: orders-service\n    collection: services"),
    ),
    Case(
        "refs/resource-exists", "container-services",
        edit(CONTAINER, "container_type: database",
             "container_type: database\nservicesThatWriteToContainer:\n  - id: order-service"),
        CONTAINER, "id: order-service", r'servicesThatWriteToContainer\[0\] refers to service "order-service"',
        good=edit(CONTAINER, "container_type: database",
                  "container_type: database\nservicesThatWriteToContainer:\n  - id: orders-service\n    collection: services"),
    ),
    Case(
        "refs/resource-exists", "entity-property-references",
        {ENTITY_PAGE: ENTITY_TXT.format("Custmer")}, ENTITY_PAGE, "references: Custmer",
        r'properties\[1\]\.references refers to entity "Custmer", which is not in the catalog',
        good={ENTITY_PAGE: ENTITY_TXT.format("Order")},
    ),
    Case(
        "refs/resource-exists", "team-owned-systems",
        {**edit(TEAM, "members: [jane]", "members: [jane]\nownedSystems: [checkout-systm]"), SYSTEM_PAGE: SYSTEM_TXT,
         "package.json": PKG4},
        TEAM, "checkout-systm", r'ownedSystems\[0\] refers to system "checkout-systm"',
        good={**edit(TEAM, "members: [jane]", "members: [jane]\nownedSystems: [checkout-system]"), SYSTEM_PAGE: SYSTEM_TXT,
              "package.json": PKG4},
    ),
    Case(
        "refs/file-exists", "styles-icon-missing-from-public",
        {**edit(SERVICE, "writesTo:", "styles:\n  icon: /icons/orders.svg\nwritesTo:"), "public/icons/other.svg": "<svg/>\n"},
        SERVICE, "icon:",
        r'styles\.icon points at "/icons/orders\.svg", which does not exist: '
        r"EventCatalog serves it from public/icons/orders\.svg",
        good={**edit(SERVICE, "writesTo:", "styles:\n  icon: /icons/orders.svg\nwritesTo:"),
              "public/icons/orders.svg": "<svg/>\n"},
    ),
    Case(
        "refs/file-exists", "schemas-ref-file-url",
        edit(EVENT, "schemaPath: schema.json", "schemas:\n  - id: v1\n    ref: file://schema%20v1.json"), EVENT, "ref:",
        r'schemas\.0\.ref points at "schema v1\.json", which does not exist in .*OrderPlaced/',
        good={**edit(EVENT, "schemaPath: schema.json", "schemas:\n  - id: v1\n    ref: file://schema%20v1.json"),
              "domains/Ordering/services/Orders/events/OrderPlaced/schema v1.json": "{}\n"},
    ),
    Case(
        "refs/file-exists", "empty-schema-path",
        edit(EVENT, "schemaPath: schema.json", "schemaPath: ''"), EVENT, "schemaPath:",
        r"^schemaPath is empty\. Name the file, or remove the key\.$",
        good=edit(EVENT, "schemaPath: schema.json", "schemaPath: schema.json"),
    ),
    Case(
        "refs/orphan-messages", "nobody-sends",
        {"events/OrderCancelled/index.mdx": EVENT_TXT.replace("order-placed", "order-cancelled")},
        "events/OrderCancelled/index.mdx", "id: order-cancelled",
        r"Add it to its producer's sends and its consumers' receives, or remove it",
        good={
            "events/OrderCancelled/index.mdx": EVENT_TXT.replace("order-placed", "order-cancelled"),
            "events/OrderCancelled/schema.json": "{}\n",
            **edit(SERVICE, "writesTo:", "receives:\n  - id: order-cancelled\nwritesTo:"),
        },
    ),
    # best-practices/*
    Case(
        "best-practices/summary-required", "no-summary",
        _without(SERVICE, "summary: Takes orders."), SERVICE, "id: orders-service", r"add a one-line summary",
    ),
    Case(
        "best-practices/summary-required", "blank-summary",
        edit(SERVICE, "summary: Takes orders.", 'summary: "  "'), SERVICE, "summary:", r"add a one-line summary",
    ),
    Case(
        "best-practices/summary-required", "team-without-summary",
        _without(TEAM, "summary: Owns ordering."), TEAM, "id: ordering", r'team "ordering" has no summary',
    ),
    Case(
        "best-practices/owner-required", "no-owners",
        _without(CHANNEL, "owners: [ordering]"), CHANNEL, "id: orders", r"add owners: \[<team or user id>\]",
    ),
    Case(
        "best-practices/owner-required", "empty-owners",
        edit(CHANNEL, "owners: [ordering]", "owners: []"), CHANNEL, "owners:", r"add owners:",
    ),
    Case(
        "best-practices/description-required", "empty-body",
        {EVENT: EVENT_TXT.replace("Described here.\n", "")}, EVENT, None, r"describe it below the frontmatter",
        line=EVENT_TXT.count("\n", 0, EVENT_TXT.index("Described")) + 1, column=1,
    ),
    Case(
        "best-practices/schema-required", "event-without-schema",
        {**_without(EVENT, "schemaPath: schema.json"), SCHEMA: None}, EVENT, "id: order-placed",
        r"add a schema file and schemaPath: schema\.json",
    ),
    # versions/*
    Case(
        "versions/no-deprecated-references", "writes-to-deprecated-container",
        edit(CONTAINER, "container_type: database", "container_type: database\ndeprecated:\n  message: use orders-store"),
        SERVICE, "id: orders-db",
        r'container "orders-db" 1\.0\.0, which is deprecated \(use orders-store\)\. Move to its replacement',
        good=edit(CONTAINER, "container_type: database", "container_type: database\ndeprecated: false"),
    ),
    Case(
        "versions/current-is-latest", "versioned-copy-newer-than-current-page",
        {f"{_V2}/index.mdx": EVENT_TXT.replace("version: 1.0.0", "version: 2.0.0"), f"{_V2}/schema.json": "{}\n"},
        f"{_V2}/index.mdx", "version: 2.0.0",
        r'version 2\.0\.0 in this older version.s folder is newer than the current page '
        r".*OrderPlaced/index\.mdx \(version 1\.0\.0\).*Give the current page the newest version",
        good={f"{_V2}/index.mdx": EVENT_TXT.replace("version: 1.0.0", "version: 0.9.0"), f"{_V2}/schema.json": "{}\n"},
    ),
    # structure/*
    Case(
        "structure/duplicate-resource-ids", "two-pages-same-id-version",
        {"services/OrdersCopy/index.mdx": SERVICE_TXT}, "services/OrdersCopy/index.mdx", "id: orders-service",
        r"is also defined in domains/Ordering/services/Orders/index\.mdx.*Rename one or give it another version",
        good={"services/OrdersCopy/index.mdx": SERVICE_TXT.replace("version: 1.0.0\nsummary", "version: 0.9.0\nsummary")},
    ),
    Case(
        "structure/unrecognised-file", "page-not-in-index",
        {"domains/Ordering/services/Orders/events/OrderPlaced.mdx": EVENT_TXT},
        "domains/Ordering/services/Orders/events/OrderPlaced.mdx", "---",
        r"a resource is a folder with an index page.*move it to domains/Ordering/services/Orders/events/OrderPlaced/index\.mdx",
        good={"domains/Ordering/services/Orders/events/OrderPlaced/changelog.mdx": "---\ncreatedAt: 2024-01-01\n---\nFirst.\n"},
    ),
    Case(
        "structure/unrecognised-file", "folder-named-almost-like-a-collection",
        {"event/Refunded/index.mdx": EVENT_TXT.replace("order-placed", "order-refunded")}, "event/Refunded/index.mdx", "---",
        r'folder "event" is not an EventCatalog collection.*did you mean events/Refunded/index\.mdx\?',
    ),
    Case(
        "structure/unrecognised-file", "user-in-a-folder",
        {"users/jim/index.mdx": USER_TXT.replace("jane", "jim")}, "users/jim/index.mdx", "---",
        r"users are single files.*move it to users/jim\.mdx",
    ),
    Case(
        "structure/unrecognised-file", "team-below-the-root",
        {"my-catalog/teams/mobile.mdx": "---\nid: mobile\nname: Mobile\n---\n\nTeam.\n"}, "my-catalog/teams/mobile.mdx", "---",
        r"teams are read only from the teams/ folder at the catalog's root.*move it to teams/mobile\.mdx "
        r"\(or, if my-catalog/ is the catalog, run saga-lint on it\)",
    ),
    Case(
        "structure/unrecognised-file", "index-directly-in-collection",
        {"events/index.mdx": EVENT_TXT.replace("order-placed", "order-refunded")}, "events/index.mdx", "---",
        r"each resource needs its own folder.*events/<id>/index\.mdx",
    ),
    Case(
        "structure/unrecognised-file", "versioned-without-version-folder",
        {"domains/Ordering/services/Orders/events/OrderPlaced/versioned/index.mdx": EVENT_TXT.replace("1.0.0", "0.9.0")},
        "domains/Ordering/services/Orders/events/OrderPlaced/versioned/index.mdx", "---",
        r"older version needs a folder named after it.*OrderPlaced/versioned/<version>/index\.mdx",
    ),
    Case(  # the public autodidaddict/crafterhustle-catalog groups its events by aggregate
        "structure/unrecognised-file", "message-in-a-group-folder",
        {"events/Orders/OrderRefunded/index.mdx": EVENT_TXT.replace("order-placed", "order-refunded")},
        "events/Orders/OrderRefunded/index.mdx", "---",
        r"an event is one folder below events/, so EventCatalog ignores this page \(Orders/ groups it one folder too "
        r"deep\); move it to events/OrderRefunded/index\.mdx",
    ),
    Case(
        "structure/unrecognised-file", "older-version-in-a-group-folder",
        {"events/Orders/OrderPlaced/versioned/0.9.0/index.mdx": EVENT_TXT.replace("1.0.0", "0.9.0")},
        "events/Orders/OrderPlaced/versioned/0.9.0/index.mdx", "---",
        r"move it to events/OrderPlaced/versioned/0\.9\.0/index\.mdx",
    ),
    Case(
        "structure/unrecognised-file", "notes-beside-the-index",
        {"domains/Ordering/services/Orders/notes.mdx": "# Notes\n"}, "domains/Ordering/services/Orders/notes.mdx", None,
        r"only index pages are resources.*e\.g\. domains/Ordering/services/Orders/docs/notes\.mdx",
        good={"domains/Ordering/services/Orders/docs/notes.mdx": "# Notes\n"}, line=1, column=1,
    ),
    # parse/* (emitted by the loader)
    Case(
        "parse/frontmatter", "no-frontmatter",
        {EVENT: "# Order placed\n\nNo frontmatter.\n"}, EVENT, "# Order", r"must start with a line '---'",
    ),
    Case(
        "parse/frontmatter", "unterminated",
        {EVENT: EVENT_TXT.replace("\n---\n", "\n\n")}, EVENT, "---", r"no closing '---' line",
    ),
    Case(
        "parse/frontmatter", "not-a-mapping",
        {EVENT: "---\n- id: order-placed\n---\nBody.\n"}, EVENT, "- id", r"must be a YAML mapping",
    ),
    Case(
        "parse/yaml", "colon-in-plain-value",
        edit(EVENT, "name: Order placed", "name: Order: placed"), EVENT, ": placed",
        r"invalid YAML: mapping values are not allowed",
        good=edit(EVENT, "name: Order placed", 'name: "Order: placed"'),
    ),
    Case(
        "parse/yaml", "tab-indentation",
        edit(SERVICE, "  - id: orders-db", "\t- id: orders-db"), SERVICE, "\t- id", r"YAML allows only spaces",
    ),
    Case(
        "parse/duplicate-key", "two-summaries",
        edit(EVENT, "schemaPath: schema.json", "schemaPath: schema.json\nsummary: again"), EVENT, "summary: again",
        r'duplicate key "summary"; .*remove or rename one',
    ),
    Case(
        "parse/encoding", "latin-1",
        {EVENT: EVENT_TXT.replace("Order placed", "Commande pass\u00e9e").encode("latin-1")}, EVENT, "pass",
        r"not valid UTF-8 \(byte 0xe9\); save the file as UTF-8", column_from_needle=False, column=len("name: Commande pass") + 1,
    ),
    Case(
        "parse/encoding", "binary",
        {EVENT: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}, EVENT, None, r"replace it with a UTF-8 text page", line=1, column=1,
    ),
    Case(
        "parse/too-large", "over-5-mb",
        {EVENT: EVENT_TXT + "x" * (5 * 1024 * 1024)}, EVENT, None, r"over the 5242880-byte cap.*Split it", line=1, column=1,
    ),
    # security/path-outside-catalog
    Case(
        "security/path-outside-catalog", "dotdot-schema-path",
        edit(EVENT, "schemaPath: schema.json", "schemaPath: ../../../../../../../../../etc/passwd"), EVENT, "schemaPath:",
        r"points outside the catalog folder; it was not read\. Keep the file inside the catalog",
    ),
    Case(
        "security/path-outside-catalog", "absolute-spec-path",
        edit(SERVICE, "writesTo:", "specifications:\n  openapiPath: /etc/hostname\nwritesTo:"), SERVICE, "openapiPath:",
        r"specifications\.openapiPath points outside the catalog",
        good={**edit(SERVICE, "writesTo:", "specifications:\n  openapiPath: openapi.yml\nwritesTo:"),
              "domains/Ordering/services/Orders/openapi.yml": "openapi: 3.0.0\n"},
    ),
    Case(
        "security/path-outside-catalog", "styles-icon-climbs",
        {**edit(SERVICE, "writesTo:", "styles:\n  icon: /../../../../secret.svg\nwritesTo:"),
         "public/icons/orders.svg": "<svg/>\n"},
        SERVICE, "icon:", r"styles\.icon points outside the catalog",
        good={**edit(SERVICE, "writesTo:", "styles:\n  icon: /icons/orders.svg\nwritesTo:"),
              "public/icons/orders.svg": "<svg/>\n"},
    ),
    # the catalog against its EventCatalog version as a whole (tests/test_eventcatalog_loads.py has more)
    Case(
        "schema/undeclared-version", "system-page-without-a-version",
        {SYSTEM_PAGE: SYSTEM_TXT, "package.json": '{"name": "shop", "private": true}\n'}, "package.json", None,
        r'uses 1 EventCatalog 4 feature\. Pages 3\.x does not load: systems.*Declare "@eventcatalog/core": "\^4\.0\.0"',
        good={SYSTEM_PAGE: SYSTEM_TXT, "package.json": PKG4}, line=1, column=1,
    ),
    Case(
        "structure/not-loaded", "domain-under-a-domain",
        {"domains/Ordering/domains/Payments/index.mdx": _PAYMENTS,
         **edit(DOMAIN, "services:", "domains:\n  - id: payments\nservices:")},
        "domains/Ordering/domains/Payments/index.mdx", None,
        r"does not load domains at domains/\*/domains/\*/index\.mdx.*No EventCatalog version loads them there: move them",
        good={"domains/Ordering/subdomains/Payments/index.mdx": _PAYMENTS,
              **edit(DOMAIN, "services:", "domains:\n  - id: payments\nservices:")},
        line=1, column=1,
    ),
    Case(
        "security/path-outside-catalog", "schemas-ref-absolute-file-url",
        edit(EVENT, "schemaPath: schema.json", "schemas:\n  - id: v1\n    ref: file:///etc/passwd"), EVENT, "ref:",
        r"schemas\.0\.ref points outside the catalog",
    ),
    Case(
        "security/path-outside-catalog", "schema-viewer-climbs",
        {EVENT: EVENT_TXT.replace("Described here.\n", 'Schema:\n<SchemaViewer file="../../../../../../../secret.json" />\n')},
        EVENT, "<SchemaViewer", r"<SchemaViewer file> points outside the catalog",
    ),
]


def _case_id(c: Case) -> str:
    return f"{c.rule}:{c.id}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_rule_fails(make_catalog, case: Case):
    from saga_lint.rules import all_rules

    root = build(make_catalog, case.bad)
    findings = lint(root)
    hits = of_rule(findings, case.rule)
    assert len(hits) == 1, describe(findings)
    f = hits[0]
    assert f.file == case.file
    if case.needle is not None:
        line, col = locate({**BASE, **case.bad}[case.file], case.needle)
    else:
        line, col = case.line, case.column
    if case.line is not None:
        line = case.line
    if not case.column_from_needle or case.column is not None:
        col = case.column
    assert (f.line, f.column) == (line, col), describe(hits)
    assert re.search(case.fix, f.message), f.message
    assert f.severity == all_rules()[case.rule].severity


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_rule_passes_when_fixed(make_catalog, case: Case):
    findings = lint(build(make_catalog, case.good))
    assert findings == [], describe(findings)


# -- cases that need the file system ------------------------------------------------------------


def test_icons_are_not_checked_in_a_catalog_without_public_folder(make_catalog):
    """No ``public/`` folder: the static files live elsewhere (the real corpus was copied without
    them), so no icon is reported missing; with the folder, the same page's icon is."""
    changes = edit(SERVICE, "writesTo:", "styles:\n  icon: /icons/languages/go.svg\nwritesTo:")
    assert lint(build(make_catalog, changes)) == []
    findings = lint(build(make_catalog, {**changes, "public/favicon.ico": "x"}))
    assert [f.rule for f in findings] == ["refs/file-exists"], describe(findings)
    assert "public/icons/languages/go.svg" in findings[0].message
    # a protocol-relative URL or a bare icon name is no file in public/
    for icon in ("//cdn.example.com/go.svg", "go.svg", "https://example.com/go.svg"):
        other = edit(SERVICE, "writesTo:", f"styles:\n  icon: {icon}\nwritesTo:")
        assert lint(build(make_catalog, {**other, "public/favicon.ico": "x"})) == [], icon


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_parse_unreadable_fifo_does_not_block(make_catalog):
    """A FIFO named like a page used to block the loader forever; it is reported instead."""
    root = build(make_catalog, {EVENT: None})
    os.mkfifo(root / EVENT)
    findings = lint(root)
    hits = of_rule(findings, "parse/unreadable")
    assert [(f.file, f.line, f.column) for f in hits] == [(EVENT, 1, 1)]
    assert "replace it with a text page" in hits[0].message
    (root / EVENT).unlink()
    (root / EVENT).write_text(EVENT_TXT)
    assert of_rule(lint(root), "parse/unreadable") == []


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads every file")
def test_parse_unreadable_permissions(make_catalog):  # pragma: no cover - not as root
    root = build(make_catalog, {})
    (root / EVENT).chmod(0)
    try:
        hits = of_rule(lint(root), "parse/unreadable")
        assert [(f.file, f.line) for f in hits] == [(EVENT, 1)]
        assert "make the file readable" in hits[0].message or "cannot read the file" in hits[0].message
    finally:
        (root / EVENT).chmod(0o644)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_security_symlink_out_of_catalog(make_catalog, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text('{"key": "s3cret"}\n')
    root = build(make_catalog, {SCHEMA: None})
    os.symlink(outside / "secret.json", root / SCHEMA)
    findings = lint(root)
    hits = of_rule(findings, "security/path-outside-catalog")
    assert [(f.file, f.line) for f in hits] == [(EVENT, locate(EVENT_TXT, "schemaPath")[0]), (SCHEMA, None)], describe(findings)
    assert "Copy the file into the catalog instead" in hits[1].message
    # the schemaPath that goes through the link is reported as outside, not as missing
    assert of_rule(findings, "refs/file-exists") == []
    # a link that stays inside the catalog is fine
    os.unlink(root / SCHEMA)
    (root / "shared.json").write_text("{}\n")
    os.symlink(root / "shared.json", root / SCHEMA)
    assert lint(root) == []


def test_security_symlinked_folder_out_of_catalog(make_catalog, tmp_path):
    outside = tmp_path / "elsewhere"
    (outside / "Leak").mkdir(parents=True)
    (outside / "Leak" / "index.mdx").write_text(EVENT_TXT.replace("order-placed", "leak"))
    root = build(make_catalog, {})
    os.symlink(outside, root / "domains" / "Ordering" / "services" / "Orders" / "events" / "linked")
    findings = lint(root)
    assert [(f.rule, f.file) for f in findings] == [
        ("security/path-outside-catalog", "domains/Ordering/services/Orders/events/linked")
    ], describe(findings)


# -- layouts -----------------------------------------------------------------------------------


def resources(root):
    from saga_lint.catalog import load_catalog

    cat = load_catalog(root)
    return cat, {(r.type, r.id, r.version): r.file for r in cat.resources}


def test_layout_nested_domain_system_service_event(make_catalog):
    base = "domains/Shop/systems/checkout/services/Cart/events/CartChecked"
    changes = {
        # domains list their systems from EventCatalog 4 on (3.x ignores the key: a warning)
        "package.json": '{"dependencies": {"@eventcatalog/core": "^4.0.0"}}\n',
        "domains/Shop/index.mdx": DOMAIN_TXT.replace("id: ordering\nname: Ordering", "id: shop\nname: Shop")
        .replace("  - id: orders-service", "  - id: orders-service\nsystems:\n  - id: checkout"),
        "domains/Shop/systems/checkout/index.mdx": page(
            "id: checkout\nname: Checkout\nversion: 1.0.0\nsummary: s\nowners: [ordering]\nservices:\n  - id: cart-service"
        ),
        "domains/Shop/systems/checkout/services/Cart/index.mdx": SERVICE_TXT.replace("orders-service", "cart-service")
        .replace("id: order-placed\n    version: 1.0.0", "id: cart-checked\n    version: 1.0.0"),
        f"{base}/index.mdx": EVENT_TXT.replace("order-placed", "cart-checked"),
        f"{base}/schema.json": "{}\n",
    }
    root = build(make_catalog, changes)
    cat, keys = resources(root)
    assert keys[("event", "cart-checked", "1.0.0")] == f"{base}/index.mdx"
    assert keys[("system", "checkout", "1.0.0")] == "domains/Shop/systems/checkout/index.mdx"
    assert keys[("service", "cart-service", "1.0.0")] == "domains/Shop/systems/checkout/services/Cart/index.mdx"
    assert lint(root) == []
    # the same catalog with the event's id misspelt in sends is caught at the sends entry (it names a
    # version: refs/valid-version-range, as the official linter says; without one, refs/resource-exists)
    svc = "domains/Shop/systems/checkout/services/Cart/index.mdx"
    for version, rule in (("\n    version: 1.0.0", "refs/valid-version-range"), ("", "refs/resource-exists")):
        bad = dict(changes)
        bad[svc] = changes[svc].replace("id: cart-checked\n    version: 1.0.0", "id: cart-checkd" + version)
        findings = lint(build(make_catalog, bad))
        rx = [f for f in findings if f.rule.startswith("refs/") and f.rule != "refs/orphan-messages"]
        assert [(f.rule, f.file, f.line) for f in rx] == [(rule, svc, locate(bad[svc], "id: cart-checkd")[0])], \
            describe(findings)
        assert 'refers to message (event, command or query) "cart-checkd", which is not in the catalog. ' \
               'Did you mean "cart-checked"?' in rx[0].message


def test_layout_subdomain(make_catalog):
    sub = "domains/Ordering/subdomains/Payments/index.mdx"
    sub_txt = DOMAIN_TXT.replace("id: ordering\nname: Ordering", "id: payments\nname: Payments").replace(
        "services:\n  - id: orders-service\n", ""
    )
    good = {sub: sub_txt, **edit(DOMAIN, "services:", "domains:\n  - id: payments\nservices:")}
    root = build(make_catalog, good)
    cat, keys = resources(root)
    assert keys[("domain", "payments", "1.0.0")] == sub
    assert lint(root) == []
    bad = {sub: sub_txt, **edit(DOMAIN, "services:", "domains:\n  - id: paymnts\nservices:")}
    hits = of_rule(lint(build(make_catalog, bad)), "refs/resource-exists")
    assert [(f.file, f.line, f.column) for f in hits] == [(DOMAIN, *locate(bad[DOMAIN], "id: paymnts"))]
    assert 'Did you mean "payments"' in hits[0].message


def test_layout_versioned_folder_with_its_own_schema(make_catalog):
    vdir = "domains/Ordering/services/Orders/events/OrderPlaced/versioned/0.9.0"
    old = EVENT_TXT.replace("version: 1.0.0", "version: 0.9.0")
    root = build(make_catalog, {f"{vdir}/index.mdx": old, f"{vdir}/schema.json": "{}\n"})
    cat, keys = resources(root)
    assert keys[("event", "order-placed", "0.9.0")] == f"{vdir}/index.mdx"
    assert [r.versioned_folder for r in cat.resources if r.version == "0.9.0"] == ["0.9.0"]
    assert lint(root) == []
    # the old version's schemaPath resolves in its own folder, not in the latest version's folder
    findings = lint(build(make_catalog, {f"{vdir}/index.mdx": old}))
    assert [(f.rule, f.file, f.line) for f in findings] == [
        ("refs/file-exists", f"{vdir}/index.mdx", locate(old, "schemaPath")[0])
    ], describe(findings)
    assert "0.9.0/" in findings[0].message


def test_layout_versioned_page_same_version_as_root_is_a_duplicate(make_catalog):
    vdir = "domains/Ordering/services/Orders/events/OrderPlaced/versioned/1.0.0"
    findings = lint(build(make_catalog, {f"{vdir}/index.mdx": EVENT_TXT, f"{vdir}/schema.json": "{}\n"}))
    assert [f.rule for f in findings] == ["structure/duplicate-resource-ids"], describe(findings)


@pytest.mark.parametrize("suffix", ["md", "mdx"])
def test_layout_index_md_and_mdx(make_catalog, suffix):
    path = f"events/OrderShipped/index.{suffix}"
    txt = EVENT_TXT.replace("order-placed", "order-shipped")
    root = build(make_catalog, {path: txt, "events/OrderShipped/schema.json": "{}\n",
                                **edit(SERVICE, "writesTo:", "receives:\n  - id: order-shipped\nwritesTo:")})
    cat, keys = resources(root)
    assert keys[("event", "order-shipped", "1.0.0")] == path
    assert lint(root) == []
    # and a finding in it names the .md/.mdx file
    root = build(make_catalog, {path: txt.replace("owners: [ordering]", "owners: [nobody]"),
                                "events/OrderShipped/schema.json": "{}\n",
                                **edit(SERVICE, "writesTo:", "receives:\n  - id: order-shipped\nwritesTo:")})
    assert [(f.rule, f.file) for f in lint(root)] == [("refs/owner-exists", path)]


def test_layout_teams_and_users_are_files(make_catalog):
    root = build(make_catalog, {"teams/payments.md": page("id: payments\nname: Payments\nsummary: Pays.\nmembers: [jane]"),
                                **edit(EVENT, "owners: [ordering]", "owners: [payments, jane]")})
    cat, keys = resources(root)
    assert keys[("team", "payments", None)] == "teams/payments.md"
    assert keys[("user", "jane", None)] == USER
    assert lint(root) == []
    # a team folder is not a team page
    root = build(make_catalog, {"teams/platform/index.mdx": page("id: platform\nname: Platform\nsummary: s"),
                                **edit(EVENT, "owners: [ordering]", "owners: [platform]")})
    hits = of_rule(lint(root), "refs/owner-exists")
    assert [f.line for f in hits] == [locate(BASE[EVENT], "owners:")[0]]
    # a team's member that is no user
    root = build(make_catalog, edit(TEAM, "members: [jane]", "members: [jane, john]"))
    hits = of_rule(lint(root), "refs/resource-exists")
    assert [(f.file, f.line, f.column) for f in hits] == [(TEAM, *locate(TEAM_TXT, "members:")[:1], 17)]
    assert 'user "john"' in hits[0].message


@pytest.mark.parametrize(
    "flow_path",
    ["flows/Checkout/index.mdx", "flows/sales/checkout/deep/index.mdx", "domains/Ordering/systems/shop/flows/Checkout/index.mdx"],
)
def test_layout_flows_nested_anywhere(make_catalog, flow_path):
    root = build(make_catalog, {FLOW: None, flow_path: FLOW_TXT})
    cat, keys = resources(root)
    assert keys[("flow", "checkout", "1.0.0")] == flow_path
    assert lint(root) == []
    bad = FLOW_TXT.replace("service: {id: orders-service}", "service: {id: order-service}")
    hits = of_rule(lint(build(make_catalog, {FLOW: None, flow_path: bad})), "refs/resource-exists")
    assert [(f.file, f.line) for f in hits] == [(flow_path, locate(bad, "service:")[0])]


def test_layout_channels_with_env_placeholder(make_catalog):
    nested = "channels/buses/orders/index.mdx"
    root = build(make_catalog, {CHANNEL: None, nested: CHANNEL_TXT,
                                **edit(EVENT, "schemaPath:", "channels:\n  - id: orders.{env}.events\nschemaPath:")})
    cat, keys = resources(root)
    assert keys[("channel", "orders.{env}.events", "1.0.0")] == nested
    assert lint(root) == []
    # a channel id with the placeholder filled in is a different id
    bad = edit(SERVICE, "- id: orders.{env}.events", "- id: orders.prod.events")
    hits = of_rule(lint(build(make_catalog, bad)), "refs/channel-exists")
    assert len(hits) == 1 and '"orders.prod.events"' in hits[0].message


def test_layout_page_outside_collections_is_ignored(make_catalog):
    guide = "---\ntitle: Guide\nsummary: How to.\n---\n# Guide\n"
    root = build(make_catalog, {"README.md": "# Hello\n", "docs/guide.mdx": guide})
    assert lint(root) == []


def test_custom_docs_page_without_frontmatter_fails_as_the_build_fails(make_catalog):
    # EventCatalog 3.48.4's build: "customPages → docs/guide ... title: Required, summary: Required"
    root = build(make_catalog, {"docs/guide.mdx": "# Guide\nNo frontmatter.\n"})
    assert [(f.rule, f.file, f.field) for f in lint(root)] == [
        ("schema/required-fields", "docs/guide.mdx", "summary"), ("schema/required-fields", "docs/guide.mdx", "title")]


# -- version references --------------------------------------------------------------------------

VERSIONS = ["2.1.0", "2.0.0", "1.5.0", "1.0.0", "0.3.0"]  # 2.1.0 is the root page


def versioned_catalog(make_catalog, ref_line: str) -> Path:
    ev = "domains/Ordering/services/Orders/events/OrderPlaced"
    changes = {EVENT: EVENT_TXT.replace("version: 1.0.0", "version: 2.1.0")}
    for v in VERSIONS[1:]:
        changes[f"{ev}/versioned/{v}/index.mdx"] = EVENT_TXT.replace("version: 1.0.0", f"version: {v}")
        changes[f"{ev}/versioned/{v}/schema.json"] = "{}\n"
    changes.update(edit(SERVICE, "    version: 1.0.0\n", ref_line))
    return build(make_catalog, changes)


@pytest.mark.parametrize(
    "ref_line, expected",
    [
        ("", "2.1.0"),  # omitted: latest
        ("    version: latest\n", "2.1.0"),
        ("    version: 1.5.0\n", "1.5.0"),  # exact
        ("    version: 0.3.0\n", "0.3.0"),
        ("    version: ^1.0.0\n", "1.5.0"),  # newest match wins
        ("    version: ^2.0.0\n", "2.1.0"),
        ("    version: ~1.0.0\n", "1.0.0"),
        ("    version: ~2.0.0\n", "2.0.0"),
        ('    version: ">=1.5"\n', "2.1.0"),
        ('    version: ">=1.0.0 <2.0.0"\n', "1.5.0"),
        ("    version: 1.0.0 - 1.9.9\n", "1.5.0"),
        ("    version: 1.x\n", "1.5.0"),
        ("    version: 0.x\n", "0.3.0"),
        ("    version: 1.x.x\n", "1.5.0"),
        ("    version: 2.0.x\n", "2.0.0"),
        ("    version: 0.x.1\n", "0.3.0"),
        ("    version: ^0.3\n", "0.3.0"),
        ('    version: "=1.0.0"\n', "1.0.0"),
        ('    version: "1.0.0 || 2.0.0"\n', "2.0.0"),
        ("    version: v1.5.0\n", "1.5.0"),
        ("    version: x\n", "2.1.0"),
        ('    version: "*"\n', "2.1.0"),
        ("    version: 1\n", "1.0.0"),  # number-like: 1 is 1.0.0
        ('    version: "1"\n', "1.0.0"),
        ("    version: v1\n", "1.0.0"),
        ("    version: 2\n", "2.0.0"),
        ("    version: 0.3\n", "0.3.0"),
        ("    version: ^3.0.0\n", None),
        ("    version: 9.9.9\n", None),
        ("    version: ~0.4.0\n", None),
        ("    version: 1.6.x\n", None),
        ("    version: 0.0.x\n", None),
        ("    version: 1.2\n", None),  # number-like 1.2 is 1.2.0, and 1.2.x has nothing
        ("    version: 1.5.0-beta\n", None),  # a pre-release is not its release
        ("    version: <0.1.0\n", None),
        ("    version: 3\n", None),
        ("    version: v7\n", None),
    ],
    ids=lambda v: repr(v.strip()) if isinstance(v, str) else repr(v),
)
def test_version_reference_resolution(make_catalog, ref_line, expected):
    from saga_lint.pipeline import run_check

    root = versioned_catalog(make_catalog, ref_line)
    result = run_check(root)
    sends = [x for x in result.graph.resolved if x.ref.relation == "sends"]
    assert len(sends) == 1
    hits = of_rule(result.findings, "refs/valid-version-range")
    if expected is None:
        assert sends[0].status == "no-version"
        assert [(f.file, f.line) for f in hits] == [(SERVICE, locate(BASE[SERVICE], "- id: order-placed")[0])]
        assert "but the catalog has only 0.3.0, 1.0.0, 1.5.0, 2.0.0, 2.1.0" in hits[0].message
    else:
        assert hits == [], describe(hits)
        assert sends[0].status == "ok"
        assert sends[0].target.version == expected
        assert result.graph.sends(result.catalog.latest("service", "orders-service"))[0].version == expected


def test_version_reference_to_number_like_resource_versions(make_catalog):
    """Resources versioned ``1`` and ``v2``: ``^1.0.0`` picks ``1``; ``latest`` picks ``v2``."""
    ev = "domains/Ordering/services/Orders/events/OrderPlaced"
    changes = {
        EVENT: EVENT_TXT.replace("version: 1.0.0", "version: v2"),
        f"{ev}/versioned/1/index.mdx": EVENT_TXT.replace("version: 1.0.0", 'version: "1"'),
        f"{ev}/versioned/1/schema.json": "{}\n",
    }
    from saga_lint.pipeline import run_check

    for ref, want in [("^1.0.0", "1"), ("latest", "v2"), ("2.0.0", "v2"), ("1", "1"), ("^2", "v2")]:
        root = build(make_catalog, {**changes, **edit(SERVICE, "    version: 1.0.0\n", f'    version: "{ref}"\n')})
        result = run_check(root)
        assert of_rule(result.findings, "refs/valid-version-range") == [], ref
        [x] = [x for x in result.graph.resolved if x.ref.relation == "sends"]
        assert x.target.version == want, ref


def test_version_reference_message_mismatch_in_flow_step(make_catalog):
    bad = FLOW_TXT.replace("message: {id: order-placed}", "message: {id: order-placed, version: 2.0.0}")
    hits = of_rule(lint(build(make_catalog, {FLOW: bad})), "refs/valid-version-range")
    assert [(f.file, f.line, f.column) for f in hits] == [(FLOW, *locate(bad, "message: {id: order-placed"))]
    assert hits[0].field == "steps[1].message"


# -- every rule has a test ----------------------------------------------------------------------

OWNED_ELSEWHERE = ("saga/",)  # tests/test_saga.py
OWNED_ELSEWHERE_NAMES = ("schema/invalid-json-schema", "security/remote-ref", "structure/v1-layout",  # v1: test_v1_layout
                         # tests/test_avro_protobuf_check.py (failing and passing cases each)
                         "schema/avro-parse", "schema/protobuf-parse", "schema/compatibility-mode")


def test_every_rule_is_tested():
    """Every registered rule (except those other people own) is named in some test under tests/."""
    from saga_lint.rules import all_rules

    text = "\n".join(p.read_text("utf-8") for p in (ROOT / "tests").rglob("*.py"))
    missing = [
        name
        for name in all_rules()
        if not name.startswith(OWNED_ELSEWHERE) and name not in OWNED_ELSEWHERE_NAMES and f'"{name}"' not in text
    ]
    assert missing == [], f"rules with no test naming them: {missing}"


def test_every_official_rule_has_a_failing_and_passing_case_here():
    """The families of this file: each rule has a row in CASES (or a dedicated test below it)."""
    from saga_lint.rules import all_rules

    dedicated = {"parse/unreadable"}
    families = ("schema/", "refs/", "best-practices/", "versions/", "structure/", "parse/")
    names = {
        n for n in all_rules() if n.startswith(families) and n not in OWNED_ELSEWHERE_NAMES
    } | {"security/path-outside-catalog"}
    covered = {c.rule for c in CASES} | dedicated
    assert sorted(names - covered) == []


def test_every_change_rule_has_a_failing_and_passing_case():
    """``change/*``: each rule has a row in test_review.CHANGE_CASES, a change to a small git
    repository that makes exactly the findings listed, and the same change done right."""
    from test_review import CHANGE_CASES

    from saga_lint.rules import all_rules

    names = {n for n in all_rules() if n.startswith("change/")}
    assert names, "the change/* rules are registered"
    assert sorted(names - {c.rule for c in CHANGE_CASES}) == []
    for case in CHANGE_CASES:
        assert case.expected and all(f[0] == case.rule for f in case.expected), case.id
        assert callable(case.bad) and callable(case.good), case.id


def test_cli_reports_the_same_positions(make_catalog):
    """The CLI's JSON carries the same file/line/column as the in-process run."""
    import json

    case = next(c for c in CASES if c.id == "misspelt-owner")
    root = build(make_catalog, case.bad)
    proc = run_cli("check", root, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    [f] = [f for f in doc["findings"] if f["rule"] == case.rule]
    assert (f["file"], f["line"], f["column"]) == (EVENT, *locate(case.bad[EVENT], "ordring"))
    assert f["field"] == "owners[0]"
    assert f["resource"] == {"type": "event", "id": "order-placed", "version": "1.0.0"}


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.replace("\n", "\r\n").encode(),
        lambda s: ("\ufeff" + s).encode(),
        lambda s: ("\ufeff" + s.replace("\n", "\r\n")).encode(),
    ],
    ids=["crlf", "bom", "bom-crlf"],
)
def test_positions_survive_crlf_and_bom(make_catalog, encode):
    text = EDIT_OWNER_TYPO[EVENT].replace("Described here.\n", 'Intro.\n\n<SchemaViewer file="nope.json" />\n')
    findings = lint(build(make_catalog, {EVENT: encode(text)}))
    assert [(f.rule, f.file, f.line, f.column) for f in findings] == [
        ("refs/owner-exists", EVENT, *locate(text, "ordring")),
        ("refs/file-exists", EVENT, *locate(text, "<SchemaViewer")),
    ], describe(findings)


@pytest.mark.parametrize(
    "name, meant",
    [
        ("event", "events"), ("Services", "services"), ("comands", "commands"), ("DOMAINS", "domains"),
        ("sytems", "systems"), ("data-product", "data-products"), ("user", None),  # too short to guess
        ("events", None), ("docs", None), ("pages", None), ("assets", None), ("images", None),
        ("snippets", None), ("templates", None), ("guides", None), ("examples", None),
    ],
)
def test_near_miss_collection_folders(name, meant):
    from saga_lint.catalog.classify import near_miss_folder

    assert near_miss_folder(name) == meant


@pytest.mark.parametrize(
    "rel, kind",
    [
        ("random/thing.mdx", None), ("README.md", None), ("guides/setup/index.mdx", None),
        ("Events/E/index.mdx", "unrecognised"), ("teams/platform/index.mdx", "unrecognised"),
        ("events/index.md", "unrecognised"), ("events/E/index.md", "event"),
        ("systems/S/event/Foo/index.mdx", "system"),  # systems nest: EventCatalog reads it as a system
        # a repository's README beside code (the public RailsEventStore/ecommerce keeps its Ruby
        # bounded contexts in domains/<name>/ with a README each): documentation for the repository,
        # not a misplaced page; 14 structure/unrecognised-file warnings said to move them into docs/
        ("domains/crm/README.md", None), ("domains/Orders/services/S/readme.mdx", None), ("events/E/Readme.md", None),
        ("docs/README.md", "doc"), ("domains/Orders/docs/README.md", "doc"),  # under docs/ they are doc pages
        ("domains/Orders/notes.md", "unrecognised"),
    ],
)
def test_classify_pages_outside_the_patterns(rel, kind):
    from saga_lint.catalog.classify import classify

    assert classify(tuple(rel.split("/")))[0] == kind


# The rules @eventcatalog/linter 1.1.1 emits (read from its dist/index.js: the names assigned to a
# finding's `rule`; DEFAULT_RULES also lists naming/*, versions/consistent-format and
# versions/no-deprecated, which no validator of 1.1.1 emits).
OFFICIAL_1_1_1 = {
    "schema/required-fields", "schema/valid-type", "schema/valid-semver", "schema/valid-email", "schema/validation-error",
    "refs/owner-exists", "refs/resource-exists", "refs/valid-version-range", "refs/channel-exists",
    "refs/container-exists", "refs/orphan-messages",
    "best-practices/summary-required", "best-practices/owner-required", "best-practices/description-required",
    "best-practices/schema-required", "versions/no-deprecated-references", "structure/duplicate-resource-ids",
}


def _official_linter_dist() -> Path | None:
    for base in filter(None, (os.environ.get("SAGA_LINT_ECLINT"), "/tmp/eclint")):
        dist = Path(base) / "node_modules" / "@eventcatalog" / "linter" / "dist" / "index.js"
        if dist.is_file():
            return dist
    return None


def test_rules_marked_official_since_1_1_1_are_exactly_the_official_linters():
    """docs/rules.md says "since 1.1.1" for exactly the rules @eventcatalog/linter 1.1.1 has, with
    its names; the rules it gained later (1.1.17) say so; every other rule is marked saga-lint's."""
    from saga_lint.rules import all_rules

    rules = all_rules()
    assert {n for n, r in rules.items() if r.official_since == "1.1.1"} == OFFICIAL_1_1_1
    assert {n for n, r in rules.items() if r.official_since == "1.1.17"} == {
        "refs/file-exists", "schema/unknown-field", "schema/unknown-nested-field", "structure/unrecognised-file"}
    assert all(r.official == (r.official_since is not None) for r in rules.values())


def test_the_recorded_list_is_what_the_installed_official_linter_emits():
    dist = _official_linter_dist()
    if dist is None:
        missing_tool("@eventcatalog/linter 1.1.1 is not installed (npm install @eventcatalog/linter@1.1.1 in "
                    "$SAGA_LINT_ECLINT or /tmp/eclint)")
    package = json.loads((dist.parent.parent / "package.json").read_text("utf-8"))
    if package.get("version") != "1.1.1":
        missing_tool(f"the installed @eventcatalog/linter is {package.get('version')}, not 1.1.1")
    text = dist.read_text("utf-8")
    emitted = set(re.findall(r'(?:rule\s*=\s*|rule:\s*|return\s+)"([a-z-]+/[a-z-]+)"', text))
    assert emitted == OFFICIAL_1_1_1


def test_a_reference_to_a_page_eventcatalog_does_not_load_says_where_the_page_is(make_catalog):
    """Seen in the public autodidaddict/crafterhustle-catalog: events grouped by aggregate
    (events/Orders/OrderPlaced/index.md) are not loaded, so every sends/receives of them is
    refs/resource-exists; "Add its page" sent the reader to write a page that exists. The finding
    names the page that is there and why it does not count (matched by folder name, folded)."""
    moved = "domains/Ordering/services/Orders/events/Orders/OrderPlaced/index.mdx"
    root = build(make_catalog, {EVENT: None, SCHEMA: None, moved: EVENT_TXT.replace("schemaPath: schema.json\n", "")})
    refs = [f for f in lint(root) if f.rule == "refs/resource-exists" and '"order-placed"' in f.message]
    assert refs, describe(lint(root))
    for f in refs:
        assert f.message.endswith(
            f"which is not in the catalog: its page {moved} is in a folder EventCatalog does not load "
            "(structure/unrecognised-file). Move the page or correct the id."), f.message


def test_a_long_markdown_deprecation_message_is_one_short_line_in_the_finding(make_catalog):
    """Seen in the public eventcatalog-ddd example: a ``deprecated.message`` of several Markdown lines
    (the catalog's page shows it as a notice) went whole into every finding, newlines included."""
    note = ("This container is **being retired** and replaced by the new store.\n"
            "Please contact the [team for more information](mailto:team@example.com) or visit our "
            "[website](https://eventcatalog.dev) to learn how and when to move, and what happens to old data.\n")
    dep = "container_type: database\ndeprecated:\n  message: |\n" + "".join(f"    {line}\n" for line in note.splitlines())
    [f] = [f for f in lint(build(make_catalog, edit(CONTAINER, "container_type: database\n", dep)))
           if f.rule == "versions/no-deprecated-references"]
    assert "\n" not in f.message and len(f.message) < 260, f.message
    assert f.message.startswith('writesTo[0] refers to container "orders-db" 1.0.0, which is deprecated (This container is '
                                "**being retired** and replaced by the new store. Please contact"), f.message
    assert f.message.endswith("…). Move to its replacement."), f.message


def test_did_you_mean_never_names_the_page_that_makes_the_reference(make_catalog):
    """The public eventcatalog-ddd example's data product order-fulfillment-metrics lists an output
    fulfillment-metrics-db that does not exist, and was answered 'Did you mean
    "order-fulfillment-metrics"?': itself. A page is not suggested as the target of its own reference."""
    root = build(make_catalog, edit(DOMAIN, "services:\n", "domains:\n  - id: orderings\nservices:\n"))
    [f] = [f for f in lint(root) if f.rule == "refs/resource-exists"]
    assert f.message == ('domains[0] refers to domain "orderings", which is not in the catalog. '
                         "Add its page or correct the id."), f.message


def test_a_reference_is_not_sent_to_an_unloaded_page_of_another_kind(make_catalog):
    """The unloaded page named like a missing id must be of a kind the reference points at: a
    domain "order-placed" that does not exist is not answered with the grouped event page
    OrderPlaced (an event), which would not satisfy it once moved either."""
    moved = "domains/Ordering/services/Orders/events/Orders/OrderPlaced/index.mdx"
    files = {EVENT: None, SCHEMA: None, moved: EVENT_TXT.replace("schemaPath: schema.json\n", "")}
    files.update(edit(DOMAIN, "services:\n", "domains:\n  - id: order-placed\nservices:\n"))
    root = build(make_catalog, files)
    [f] = [f for f in lint(root) if f.rule == "refs/resource-exists" and f.message.startswith("domains[0]")]
    assert f.message == ('domains[0] refers to domain "order-placed", which is not in the catalog. '
                         "Add its page or correct the id."), f.message
    events = [f for f in lint(root) if f.rule == "refs/resource-exists" and not f.message.startswith("domains[0]")]
    assert events and all(f"its page {moved} is in a folder" in f.message for f in events), describe(lint(root))


@pytest.mark.parametrize(("current", "copy", "reported"), [
    ("1", "v2", True),  # number-like versions are read as semver, as EventCatalog coerces them
    ("1.10.0", "1.9.0", False),  # compared as versions, not as text
    ("1.0.0", "1.0.0-rc.1", False),  # a pre-release sorts before its release
    ("1.0.0", "next", False),  # one version is not a version: EventCatalog sorts by text, no claim
    ("2.0.0-beta.2", "2.0.0-beta.10", False),  # EventCatalog's coerce drops pre-releases: a tie, no claim
])
def test_versions_current_is_latest_compares_as_eventcatalog_sorts(make_catalog, current, copy, reported):
    vdir = "domains/Ordering/services/Orders/events/OrderPlaced/versioned/old"
    changes = {
        **edit(EVENT, "version: 1.0.0", f"version: {current}"),
        f"{vdir}/index.mdx": EVENT_TXT.replace("version: 1.0.0", f"version: {copy}"),
        f"{vdir}/schema.json": "{}\n",
    }
    hits = of_rule(lint(build(make_catalog, changes)), "versions/current-is-latest")
    assert [f.file for f in hits] == ([f"{vdir}/index.mdx"] if reported else []), describe(hits)


@pytest.mark.parametrize("version", ["\n    version: 1.0.0", "\n    version: latest", ""])
def test_a_reference_to_a_missing_message_has_the_official_linters_rule_name(make_catalog, version):
    """The oracle: @eventcatalog/linter 1.1.1, run with node on the same catalog, names a reference to
    a message the catalog does not have refs/valid-version-range when the reference gives a version
    (``latest`` too) and refs/resource-exists when it gives none; saga-lint names it the same."""
    dist = _official_linter_dist()
    if dist is None or shutil.which("node") is None:
        missing_tool("node and @eventcatalog/linter 1.1.1 (in $SAGA_LINT_ECLINT or /tmp/eclint) are needed")
    changes = edit(SERVICE, "id: order-placed\n    version: 1.0.0", "id: order-plcaed" + version)
    root = build(make_catalog, changes)
    out = _official_output(dist, root)
    theirs = sorted(set(re.findall(r"\((refs/(?:resource-exists|valid-version-range))\)", out)))
    ours = sorted({f.rule for f in lint(root) if f.rule in ("refs/resource-exists", "refs/valid-version-range")})
    assert theirs == ours == (["refs/valid-version-range"] if version else ["refs/resource-exists"]), out


def _official_output(dist: Path, root: Path) -> str:
    """What @eventcatalog/linter prints on the catalog at ``root`` (its bin, run with node)."""
    cli = dist.parent / "cli" / "index.js"  # the package's bin, eventcatalog-linter
    return subprocess.run(["node", str(cli), "."], capture_output=True, text=True, timeout=120, cwd=root).stdout


def test_a_duplicate_is_reported_at_the_page_the_official_linter_reports(make_catalog):
    """Two pages with one id and version: the official linter reports the one it finds second (its
    domains/ patterns before services/), saga-lint the one later in path order: the same page."""
    dist = _official_linter_dist()
    if dist is None or shutil.which("node") is None:
        missing_tool("node and @eventcatalog/linter 1.1.1 (in $SAGA_LINT_ECLINT or /tmp/eclint) are needed")
    root = build(make_catalog, {"services/OrdersCopy/index.mdx": SERVICE_TXT})
    out = _official_output(dist, root)
    theirs = re.findall(r"^(\S[^\n]*)\n[^\n]*\(structure/duplicate-resource-ids\)", out, re.M)  # the file line above
    ours = [f.file for f in lint(root) if f.rule == "structure/duplicate-resource-ids"]
    assert theirs == ours == ["services/OrdersCopy/index.mdx"], out


def test_valid_semver_accepts_what_the_official_linter_accepts(make_catalog):
    """The oracle: one event per version text, the official linter run with node; both name the same
    pages under schema/valid-semver (number-like versions, four parts, words and leading v rejected;
    pre-releases, build metadata, latest and the range forms it lets through accepted)."""
    dist = _official_linter_dist()
    if dist is None or shutil.which("node") is None:
        missing_tool("node and @eventcatalog/linter 1.1.1 (in $SAGA_LINT_ECLINT or /tmp/eclint) are needed")
    texts = ["1", "v1", "1.2", "v1.0.0", "1.0.0.0", "one", "1.0", "1.0.0-rc.1", "1.0.0+build.5", "latest", "1.x",
             "1.2.x", "^1.0.0", "~2.1.0", "^1", "x", "1.0.0-", "01.0.0", " 1.0.0"]
    changes = {}
    for i, text in enumerate(texts):
        changes[f"events/E{i}/index.mdx"] = EVENT_TXT.replace("id: order-placed", f"id: e{i}").replace(
            "version: 1.0.0", f"version: {json.dumps(text)}").replace("schemaPath: schema.json\n", "")
    root = build(make_catalog, changes)
    out = _official_output(dist, root)
    theirs = sorted(re.findall(r"^(events/E\d+/index\.mdx)\n[^\n]*\(schema/valid-semver\)", out, re.M))
    ours = sorted(f.file for f in lint(root) if f.rule == "schema/valid-semver")
    assert ours == theirs, (out, [texts[int(f.split("/")[1][1:])] for f in theirs])
    assert len(theirs) >= 7


@pytest.mark.parametrize(("changes", "rule"), [
    (edit(SERVICE, "  - id: orders-db\n", "  - id: orders-db\n    version: 2.0.0\n"), "refs/container-exists"),
    (edit(SERVICE, "      - id: orders.{env}.events\n", "      - id: orders.{env}.events\n        version: 2.0.0\n"),
     "refs/channel-exists"),
    (edit(SERVICE, "  - id: order-placed\n    version: 1.0.0\n", "  - id: order-placed\n    version: 2.0.0\n"),
     "refs/valid-version-range"),
], ids=["container", "channel", "message"])
def test_a_version_the_catalog_lacks_has_the_official_linters_rule_name(make_catalog, changes, rule):
    """The oracle: a container or channel that exists without the version asked for is
    refs/container-exists / refs/channel-exists to the official linter (its rule follows the field),
    a message refs/valid-version-range; saga-lint names each the same, at the same page."""
    dist = _official_linter_dist()
    if dist is None or shutil.which("node") is None:
        missing_tool("node and @eventcatalog/linter 1.1.1 (in $SAGA_LINT_ECLINT or /tmp/eclint) are needed")
    root = build(make_catalog, changes)
    out = _official_output(dist, root)
    theirs = re.findall(r"^(\S[^\n]*)\n(?:[^\n]*\n)*?[^\n]*\((refs/[a-z-]+)\)", out, re.M)
    ours = [(f.file, f.rule) for f in lint(root) if f.rule.startswith("refs/")]
    assert ours == [(SERVICE, rule)] and (SERVICE, rule) in theirs, out


def test_a_version_of_thousands_of_digits_is_a_finding_not_a_crash(make_catalog):
    """A number-like version too long for int() (5,000 digits), as a page's version and in a
    reference: valid-semver on the page; the reference names that exact text, so it resolves; no
    internal error (int() refuses 4,300 digits and more)."""
    digits = "1" * 5000
    changes = {**edit(EVENT, "version: 1.0.0", f'version: "{digits}"'),
               **edit(SERVICE, "  - id: order-placed\n    version: 1.0.0\n", f'  - id: order-placed\n    version: "{digits}"\n')}
    findings = lint(build(make_catalog, changes))
    semver = [f for f in findings if f.rule == "schema/valid-semver"]
    assert [f.file for f in semver] == [EVENT] and "is not semver (e.g. 1.0.0)" in semver[0].message
    assert [f.rule for f in findings if f.file == SERVICE] == []
    other = {**changes, **edit(SERVICE, "  - id: order-placed\n    version: 1.0.0\n",
                               f'  - id: order-placed\n    version: "2{digits}"\n')}
    assert [f.rule for f in lint(build(make_catalog, other)) if f.file == SERVICE] == ["refs/valid-version-range"]


@pytest.mark.parametrize(("text", "said"), [
    ("v1.0.0", 'starts with "v", which semver does not allow; write 1.0.0'),
    ("1.0.0\n", "has spaces or line breaks around it; write 1.0.0"),
    ("\u0661.\u0660.\u0660", "is not semver (e.g. 1.0.0)"),  # Arabic-Indic digits: no version to EventCatalog either
])
def test_valid_semver_says_what_is_wrong(make_catalog, text, said):
    [f] = [f for f in lint(build(make_catalog, edit(EVENT, "version: 1.0.0", f"version: {json.dumps(text)}")))
           if f.rule == "schema/valid-semver"]
    assert said in f.message, f.message
