"""A small valid catalog with one page of every collection, and single-edit mutants of it.

Each mutant changes one field of one page. ``INVALID`` mutants are rejected by EventCatalog's
content validation (3.48.4 unless the mutant says otherwise); ``VALID`` mutants are edge cases it
accepts (optional fields absent, enum values, both pointer forms, YAML 1.2 readings). The oracle
test (tests/test_build_oracle.py) checks each against the build and against saga-lint.
"""

from __future__ import annotations

from dataclasses import dataclass


def page(front: str, body: str = "Described here.\n") -> str:
    return "---\n" + front.strip("\n") + "\n---\n" + body


TEAM = "teams/ordering.mdx"
USER = "users/jane.mdx"
DOMAIN = "domains/Ordering/index.mdx"
SERVICE = "domains/Ordering/services/Orders/index.mdx"
EVENT = "domains/Ordering/services/Orders/events/OrderPlaced/index.mdx"
COMMAND = "domains/Ordering/services/Orders/commands/PlaceOrder/index.mdx"
QUERY = "domains/Ordering/services/Orders/queries/GetOrder/index.mdx"
CHANNEL = "channels/orders/index.mdx"
CONTAINER = "containers/orders-db/index.mdx"
FLOW = "domains/Ordering/flows/Checkout/index.mdx"
ENTITY = "domains/Ordering/entities/Order/index.mdx"
ADR = "domains/Ordering/adrs/adr-001/index.mdx"
AGENT = "agents/helper/index.mdx"
PRODUCT = "data-products/orders-daily/index.mdx"
DIAGRAM = "diagrams/overview/index.mdx"
CHANGELOG = "domains/Ordering/services/Orders/changelog.mdx"
DOC = "docs/guide.mdx"

COMMON = "version: 1.0.0\nsummary: Described.\nowners: [ordering]\n"

BASE: dict[str, str] = {
    TEAM: page("id: ordering\nname: Ordering Team\nsummary: Owns ordering.\nmembers: [jane]\n"),
    USER: page("id: jane\nname: Jane Doe\nemail: jane@acme.test\n"),
    DOMAIN: page("id: ordering\nname: Ordering\n" + COMMON + "services:\n  - id: orders-service\n"),
    SERVICE: page(
        "id: orders-service\nname: Orders\n" + COMMON
        + "sends:\n  - id: order-placed\n    version: 1.0.0\nreceives:\n  - id: place-order\n"
        + "writesTo:\n  - id: orders-db\n"
    ),
    EVENT: page("id: order-placed\nname: Order placed\n" + COMMON),
    COMMAND: page("id: place-order\nname: Place order\n" + COMMON),
    QUERY: page("id: get-order\nname: Get order\n" + COMMON),
    CHANNEL: page("id: orders.{env}.events\nname: Orders events\n" + COMMON),
    CONTAINER: page("id: orders-db\nname: Orders database\n" + COMMON + "container_type: database\n"),
    FLOW: page(
        "id: checkout\nname: Checkout\n" + COMMON
        + "steps:\n  - id: place\n    title: Place the order\n    service: {id: orders-service}\n    next_step: placed\n"
        + "  - id: placed\n    title: Order placed\n    message: {id: order-placed}\n"
    ),
    ENTITY: page("id: Order\nname: Order\n" + COMMON + "properties:\n  - name: id\n    type: string\n"),
    ADR: page(
        "id: adr-001\nname: Use an outbox\n" + COMMON
        + "status: accepted\ndate: 2026-02-10\nappliesTo:\n  - type: service\n    id: orders-service\n"
    ),
    AGENT: page("id: helper\nname: Helper\n" + COMMON),
    PRODUCT: page("id: orders-daily\nname: Orders daily\n" + COMMON + "inputs:\n  - id: order-placed\n"),
    DIAGRAM: page("id: overview\nname: Overview\n" + COMMON),
    CHANGELOG: page("createdAt: 2026-01-02\n"),
    DOC: page("title: Guide\nsummary: How to.\n"),
}


@dataclass(frozen=True)
class Mutant:
    """One edit of ``BASE``: in ``file``, ``old`` (once) becomes ``new``; ``valid``: the build accepts it."""

    name: str
    file: str
    old: str
    new: str
    valid: bool

    def files(self) -> dict[str, str]:
        text = BASE[self.file]
        assert text.count(self.old) == 1, (self.name, self.old)
        return {**BASE, self.file: text.replace(self.old, self.new)}


def bad(name: str, file: str, old: str, new: str) -> Mutant:
    return Mutant(name, file, old, new, False)


def good(name: str, file: str, old: str, new: str) -> Mutant:
    return Mutant(name, file, old, new, True)


INVALID = [
    bad("service-no-name", SERVICE, "name: Orders\n", ""),
    bad("event-version-number", EVENT, "version: 1.0.0", "version: 1"),
    bad("domain-id-number", DOMAIN, "id: ordering\n", "id: 12\n"),
    bad("owners-string", COMMAND, "owners: [ordering]", "owners: ordering"),
    bad("owner-object-without-collection", QUERY, "owners: [ordering]", "owners:\n  - id: ordering"),
    bad("owner-object-bad-collection", QUERY, "owners: [ordering]", "owners:\n  - {id: ordering, collection: people}"),
    bad("badge-without-textColor", EVENT, "owners: [ordering]", (
        "owners: [ordering]\nbadges:\n  - {content: New, backgroundColor: blue}"
    )),
    bad("changelog-date-not-date", CHANGELOG, "createdAt: 2026-01-02", "createdAt: last week"),
    bad("sends-plain-string", SERVICE, "  - id: order-placed\n    version: 1.0.0", "  - order-placed"),
    bad("sends-numeric-version", SERVICE, "    version: 1.0.0", "    version: 1"),
    bad("domain-services-string", DOMAIN, "  - id: orders-service", "  - orders-service"),
    bad("subdomain-pointer-string", DOMAIN, "services:", "domains: [payments]\nservices:"),
    bad("attachment-not-url", AGENT, "owners: [ordering]", "owners: [ordering]\nattachments: [not a url]"),
    bad("container-services-object", CONTAINER, "container_type: database",
        "container_type: database\nservices:\n  - id: orders-service"),
    bad("container-type-missing", CONTAINER, "container_type: database\n", ""),
    bad("container-type-enum", CONTAINER, "container_type: database", "container_type: postgres"),
    bad("flow-steps-missing", FLOW, "steps:", "x-steps:"),
    bad("flow-step-no-title", FLOW, "    title: Order placed\n", ""),
    bad("flow-step-two-kinds", FLOW, "    message: {id: order-placed}",
        "    message: {id: order-placed}\n    service: {id: orders-service}"),
    bad("flow-step-pointer-string", FLOW, "    message: {id: order-placed}", "    message: order-placed"),
    bad("flow-step-custom-url", FLOW, "    message: {id: order-placed}", "    custom: {title: Done, url: nowhere}"),
    bad("adr-applies-to-system", ADR, "  - type: service", "  - type: system"),
    bad("adr-status-enum", ADR, "status: accepted", "status: draft"),
    bad("adr-date-missing", ADR, "date: 2026-02-10\n", ""),
    bad("adr-date-not-date", ADR, "date: 2026-02-10", "date: someday"),
    bad("entity-property-no-type", ENTITY, "    type: string\n", ""),
    bad("product-output-contract", PRODUCT, "inputs:", "outputs:\n  - id: orders\n    contract: {path: a.json}\ninputs:"),
    bad("team-name-missing", TEAM, "name: Ordering Team\n", ""),
    bad("team-members-object", TEAM, "members: [jane]", "members:\n  - id: jane"),
    bad("user-id-missing", USER, "id: jane\n", ""),
    bad("doc-summary-missing", DOC, "summary: How to.\n", ""),
    bad("summary-null", EVENT, "summary: Described.", "summary:"),
    bad("hidden-string", DIAGRAM, "owners: [ordering]", "owners: [ordering]\nhidden: 'no'"),
]

VALID = [
    good("name-yes-is-a-string", EVENT, "name: Order placed", "name: yes"),
    good("blank-line-before-frontmatter", EVENT, "---\nid:", "\n---\nid:"),
    good("unknown-top-level-key", SERVICE, "name: Orders", "name: Orders\nowner: [ordering]"),
    good("unknown-nested-key", SERVICE, "    version: 1.0.0", "    version: 1.0.0\n    verison: 1.0.0"),
    good("owner-object-with-collection", QUERY, "owners: [ordering]", "owners:\n  - {id: ordering, collection: teams}"),
    good("version-any-string", EVENT, "version: 1.0.0", "version: one"),
    good("team-email-any-string", TEAM, "members: [jane]", "members: [jane]\nemail: not-an-address"),
    good("pointer-version-range", SERVICE, "    version: 1.0.0", "    version: ^1.0.0"),
    good("container-services-strings", CONTAINER, "container_type: database",
        "container_type: database\nservices: [orders-service]"),
    good("adr-date-string", ADR, "date: 2026-02-10", "date: '2026-02-10'"),
    good("step-ids-numbers", FLOW, "next_step: placed", "next_step: {id: 2, label: go}"),
    good("optional-fields-absent", EVENT, COMMON, "version: 1.0.0\n"),
]


def _every_enum_value() -> dict[str, str]:
    """Extra pages that together use every value of every enumeration, both pointer forms and
    both owner forms: the build accepts them all (one run)."""
    head = "version: 1.0.0\nsummary: Described.\n"
    files: dict[str, str] = {}
    kinds = ["database", "cache", "objectStore", "searchIndex", "dataWarehouse", "dataLake", "externalSaaS", "other"]
    modes = ["read", "write", "readWrite", "appendOnly"]
    classes = ["public", "internal", "confidential", "regulated"]
    for i, kind in enumerate(kinds):
        files[f"containers/store-{i}/index.mdx"] = page(
            f"id: store-{i}\nname: Store {i}\n{head}owners:\n  - {{id: ordering, collection: teams}}\n"
            f"container_type: {kind}\naccess_mode: {modes[i % 4]}\nclassification: {classes[i % 4]}\n"
            f"authoritative: true\nservices: [orders-service, {{id: orders-service, collection: services}}, 7]\n"
        )
    for i, status in enumerate(["proposed", "accepted", "rejected", "deprecated", "superseded"]):
        files[f"adrs/adr-{i}/index.mdx"] = page(
            f"id: adr-{i}\nname: ADR {i}\n{head}status: {status}\ndate: 'March 3, 2026'\n"
            "appliesTo:\n" + "".join(
                f"  - {{type: {t}, id: x}}\n" for t in ("agent", "service", "event", "command", "query", "flow", "channel",
                                                          "domain", "user", "team", "container", "entity", "diagram",
                                                          "data-product")
            )
        )
    guarantees = ["at-most-once", "at-least-once", "exactly-once", "at-least-once", "exactly-once"]
    for i, (guarantee, method) in enumerate(zip(guarantees, ["GET", "POST", "PUT", "DELETE", "PATCH"], strict=True)):
        files[f"channels/ch-{i}/index.mdx"] = page(
            f"id: ch-{i}\nname: Channel {i}\n{head}deliveryGuarantee: {guarantee}\nprotocols: [kafka]\n"
            "parameters:\n  env: {enum: [dev, prod], default: dev, description: Where}\n"
        )
        files[f"events/Ev{i}/index.mdx"] = page(
            f"id: ev-{i}\nname: Ev {i}\n{head}operation: {{method: {method}, path: /x, statusCodes: ['200']}}\n"
            f"channels:\n  - {{id: ch-{i}, version: latest, parameters: {{env: dev}}}}\n"
            "badges:\n  - {content: New, backgroundColor: blue, textColor: white}\n"
            "specifications:\n  - {type: openapi, path: a.yml}\n  - {type: asyncapi, path: b.yml}\n"
            "  - {type: graphql, path: c.graphql}\n"
            "attachments:\n  - https://example.com/a\n  - {url: 'mailto:team@example.com', title: Mail}\n"
            "deprecated: {message: Old, date: 2026-01-01}\ndraft: {title: Draft, message: Soon}\n"
        )
    steps = "".join(
        f"  - id: s{i}\n    title: S{i}\n    type: {t}\n"
        + (f"    next_steps: [s{i + 1}, {{id: s{i + 1}, label: go}}]\n" if i < 4 else "")
        for i, t in enumerate(["node", "message", "agent", "user", "actor"])
    )
    files["flows/Every/index.mdx"] = page(f"id: every\nname: Every\n{head}steps:\n{steps}")
    files["services/Modes/index.mdx"] = page(
        f"id: modes\nname: Modes\n{head}sends:\n" + "".join(
            f"  - id: ev-{i}\n    to:\n      - {{id: ch-{i}, delivery_mode: {mode}}}\n"
            for i, mode in enumerate(["push", "pull", "push-pull"])
        ) + "specifications: {openapiPath: a.yml}\n"
    )
    return files


EVERY_ENUM = _every_enum_value()


# -- which folders each EventCatalog line loads (structure/not-loaded) ---------------------------


def _resource(rid: str, extra: str = "") -> str:
    return page(f"id: {rid}\nname: {rid.title()}\n{COMMON}{extra}")


# pages in every kind of place, each with the lines that load it: 3.x as the 3.48.4 build's data
# store shows (tests/test_build_oracle.py checks), 4.x as its content.config.ts reads.
# ``version: 1`` (a number) on the Billing service: a page the build does not load is not validated.
PLACES: dict[str, tuple[str, str]] = {
    "domains/Ordering/systems/oms/index.mdx": (_resource("oms"), "4"),
    "domains/Ordering/systems/oms/services/Billing/index.mdx": (
        _resource("billing").replace("version: 1.0.0", "version: 1"), "4"),
    "domains/Ordering/systems/oms/services/Invoices/index.mdx": (_resource("invoices"), "4"),
    "domains/Ordering/systems/oms/flows/Bill/index.mdx": (_resource("bill", "steps:\n  - id: a\n    title: A\n"), "34"),
    "domains/Ordering/systems/oms/services/Invoices/events/Invoiced/index.mdx": (_resource("invoiced"), "34"),
    "systems/platform/index.mdx": (_resource("platform"), "4"),
    "systems/platform/services/Gateway/index.mdx": (_resource("gateway"), "4"),
    "systems/platform/docs/runbook.mdx": (page("title: Runbook\nsummary: How to run it.\n"), "4"),
    "domains/Ordering/subdomains/Payments/index.mdx": (_resource("payments"), "34"),
    "domains/Ordering/subdomains/Payments/services/Pay/index.mdx": (_resource("pay"), "34"),
    "domains/Ordering/subdomains/Payments/ubiquitous-language.mdx": (
        page("dictionary:\n  - id: refund\n    name: Refund\n"), "34"),
    "domains/Ordering/subdomains/Payments/subdomains/Refunds/index.mdx": (_resource("refunds"), ""),
    "domains/Ordering/domains/Returns/index.mdx": (_resource("returns"), ""),
    "domains/Ordering/services/Orders/versioned/0.9.0/index.mdx": (
        page("id: orders-service\nname: Orders\nversion: 0.9.0\nsummary: Described.\nowners: [ordering]\n"), "34"),
    "services/Search/index.mdx": (_resource("search"), "34"),
    "platform/services/Legacy/index.mdx": (_resource("legacy"), ""),
    "domains/Ordering/services/Orders/docs/howto.mdx": (page("title: How to\nsummary: Use it.\n"), "34"),
    "federated/acme/teams/platform.mdx": (page("id: platform\nname: Platform Team\n"), "4"),
}
