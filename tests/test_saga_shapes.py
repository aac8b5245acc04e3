"""The saga shape rules of issue #16 on small catalogs written from EventCatalog's format.

``saga/entry``, ``saga/compensation-consumers``, ``saga/map-agreement``, ``saga/correlation`` and
``saga/idempotency`` are stated in terms of contracts (who sends, who receives, which schema has
which field). Each test writes a small catalog (a declared choreography, or a plain flow), changes
one fact, and compares the rule's findings exactly: rule, severity, resource, step, file and line.
The passing side is the unchanged catalog. Until the x-saga schema has the coordination fields
(``coordination``, ``correlation``, ``participant``, ``trigger``, ``idempotency``,
``compensation.on``/``idempotent``), ``saga/schema`` may flag them here: only the rule under test
is compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import pytest
from conftest import lint, run_cli

FLOW = "flows/PlaceOrder/index.mdx"
ORDERS = "services/OrderService/index.mdx"
INVENTORY = "services/InventoryService/index.mdx"
PAYMENT = "services/PaymentService/index.mdx"
SAGA = "flow place-order@1.0.0"

EVENTS = ("order-placed", "inventory-reserved", "inventory-unavailable", "payment-authorized", "payment-declined")
COMMANDS = ("release-inventory",)

SERVICE = """\
---
id: {id}
name: {name}
version: 1.0.0
summary: {name}.
owners: [shop-team]
{relations}---
{name}.
"""

MESSAGE = """\
---
id: {id}
name: {id}
version: 1.0.0
summary: The {id} message.
owners: [shop-team]
schemaPath: schema.json
---
The {id} message.
"""

CHOREOGRAPHY = """\
---
id: place-order
name: Place Order
version: 1.0.0
summary: Order placed, stock reserved, payment authorized; a declined payment releases the stock.
owners: [shop-team]
steps:
  - id: shopper
    title: Shopper
    actor: {name: Shopper}
    next_step: {id: order_placed, label: Places an order}
  - id: order_placed
    title: Order placed
    message: {id: order-placed, version: 1.0.0}
    next_step: {id: reserve_inventory, label: Reserve}
  - id: reserve_inventory
    title: Reserve inventory
    service: {id: inventory-service, version: 1.0.0}
    next_steps:
      - {id: inventory_reserved, label: Reserved}
      - {id: inventory_unavailable, label: Out of stock}
  - id: inventory_reserved
    title: Inventory reserved
    message: {id: inventory-reserved, version: 1.0.0}
    next_step: {id: authorize_payment, label: Authorize}
  - id: inventory_unavailable
    title: Inventory unavailable
    message: {id: inventory-unavailable, version: 1.0.0}
    next_step: {id: failed, label: Give up}
  - id: authorize_payment
    title: Authorize payment
    service: {id: payment-service, version: 1.0.0}
    next_steps:
      - {id: payment_authorized, label: Authorized}
      - {id: payment_declined, label: Declined}
  - id: payment_authorized
    title: Payment authorized
    message: {id: payment-authorized, version: 1.0.0}
    next_step: {id: done, label: Done}
  - id: payment_declined
    title: Payment declined
    message: {id: payment-declined, version: 1.0.0}
    next_step: {id: release, label: Undo}
  - id: release
    title: Release stock
    custom:
      {title: Release stock, type: Compensation, summary: Consumers of payment-declined release the stock.,
       properties: {consumers: inventory}}
  - id: done
    title: Done
    custom: {title: Order placed, type: Outcome}
  - id: failed
    title: Failed
    custom: {title: Not placed, type: Exception}
x-saga:
  coordination: choreography
  correlation: orderId
  steps:
    reserve_inventory:
      participant: inventory-service
      trigger: order-placed
      success: inventory-reserved
      failures: [{event: inventory-unavailable}]
      idempotency: {key: orderId}
      compensation:
        on: payment-declined
        command: release-inventory
        idempotent: true
        retry: {maxAttempts: 5, initialInterval: 1s, backoffCoefficient: 2, maxInterval: 10s, timeout: 2s}
    authorize_payment:
      participant: payment-service
      trigger: inventory-reserved
      success: payment-authorized
      failures: [{event: payment-declined}]
      idempotency: {key: orderId}
---
The order saga as a choreography.
"""


def base_files() -> dict[str, str]:
    """A declared choreography with every contract in place: every rule of this file passes on it."""
    files: dict[str, str] = {"teams/shop-team.mdx": "---\nid: shop-team\nname: Shop\n---\nThe shop team.\n"}
    for mid in EVENTS:
        files[f"events/{mid}/index.mdx"] = MESSAGE.format(id=mid)
    for mid in COMMANDS:
        files[f"commands/{mid}/index.mdx"] = MESSAGE.format(id=mid)
    for mid in (*EVENTS, *COMMANDS):
        folder = "commands" if mid in COMMANDS else "events"
        files[f"{folder}/{mid}/schema.json"] = json.dumps(
            {"type": "object", "properties": {"orderId": {"type": "string"}, "at": {"type": "string"}}}, indent=2)
    files[ORDERS] = SERVICE.format(id="order-service", name="Order Service",
                                   relations="sends:\n  - id: order-placed\n")
    files[INVENTORY] = SERVICE.format(
        id="inventory-service", name="Inventory Service",
        relations="receives:\n  - id: order-placed\n  - id: payment-declined\n  - id: release-inventory\n"
                  "sends:\n  - id: inventory-reserved\n  - id: inventory-unavailable\n")
    files[PAYMENT] = SERVICE.format(
        id="payment-service", name="Payment Service",
        relations="receives:\n  - id: inventory-reserved\nsends:\n  - id: payment-authorized\n  - id: payment-declined\n")
    files[FLOW] = CHOREOGRAPHY
    return files


def edit(files: dict[str, str], rel: str, old: str, new: str) -> dict[str, str]:
    """``old`` (exactly once) replaced by ``new`` in one file."""
    assert files[rel].count(old) == 1, f"{rel}: {old!r} occurs {files[rel].count(old)} times"
    files[rel] = files[rel].replace(old, new)
    return files


class Hit(NamedTuple):
    rule: str
    severity: str
    resource: str
    step: str | None
    file: str
    line: int


def hits(root: Path, rule: str) -> list[Hit]:
    from saga_lint.pipeline import run_check

    return sorted(Hit(f.rule, str(f.severity), str(f.resource), f.step, f.file or "", f.line or 0)
                  for f in run_check(root).findings if f.rule == rule)


def line(files: dict[str, str], rel: str, needle: str) -> int:
    text = files[rel]
    assert text.count(needle) == 1, f"{rel}: {needle!r} occurs {text.count(needle)} times"
    return text[: text.index(needle)].count("\n") + 1


def write(make_catalog, files: dict[str, str]) -> Path:
    root: Path = make_catalog(files)
    return root


RULES = ("saga/entry", "saga/compensation-consumers", "saga/map-agreement", "saga/correlation", "saga/idempotency")


@pytest.mark.parametrize("rule", RULES)
def test_the_declared_choreography_passes(make_catalog, rule):
    assert hits(write(make_catalog, base_files()), rule) == []


def test_a_step_keyed_by_its_participant_node_is_one_step(make_catalog):
    """x-saga keys a choreographed step by the consumer's service node (reserve_inventory), the map
    draws the trigger event before it (order_placed): one step, not one per node."""
    from saga_lint.pipeline import run_check

    result = run_check(write(make_catalog, base_files()))
    saga = next(s for s in result.sagas if s.id == "place-order")
    assert [(s.id, s.trigger_kind, s.handler.id if s.handler else None) for s in saga.steps] == [
        ("reserve_inventory", "event", "inventory-service"),
        ("authorize_payment", "event", "payment-service"),
    ]
    assert not [f for f in result.findings if f.rule.startswith("saga/") and f.step in ("order_placed", "inventory_reserved")]


# -- saga/entry ----------------------------------------------------------------------------------


def test_entry_without_a_sender(make_catalog):
    files = edit(base_files(), ORDERS, "sends:\n  - id: order-placed\n", "")
    files = edit(files, FLOW, "    next_step: {id: order_placed, label: Places an order}\n", "")
    root = write(make_catalog, files)
    assert hits(root, "saga/entry") == [
        Hit("saga/entry", "error", SAGA, "order_placed", FLOW, line(files, FLOW, "  - id: order_placed\n"))]


def test_an_actor_drawn_before_the_entry_is_its_sender(make_catalog):
    files = edit(base_files(), ORDERS, "sends:\n  - id: order-placed\n", "")
    assert hits(write(make_catalog, files), "saga/entry") == []


def test_entry_routed_to_a_participant_that_does_not_receive_it(make_catalog):
    files = edit(base_files(), INVENTORY, "receives:\n  - id: order-placed\n", "receives:\n")
    root = write(make_catalog, files)
    assert hits(root, "saga/entry") == [
        Hit("saga/entry", "error", SAGA, "order_placed", FLOW, line(files, FLOW, "    next_step: {id: reserve_inventory"))]


# -- saga/compensation-consumers -----------------------------------------------------------------


def test_declared_compensation_on_an_event_the_participant_does_not_receive(make_catalog):
    files = edit(base_files(), INVENTORY, "  - id: payment-declined\n", "")
    root = write(make_catalog, files)
    assert hits(root, "saga/compensation-consumers") == [
        Hit("saga/compensation-consumers", "error", SAGA, "reserve_inventory", FLOW,
            line(files, FLOW, "        on: payment-declined"))]


PLAIN = "flows/Cancel/index.mdx"
CANCEL_FLOW = """\
---
id: cancel-order
name: Cancel Order
version: 1.0.0
summary: A declined payment is published; its consumers undo their work.
owners: [shop-team]
steps:
  - id: payment_declined
    title: Payment declined
    message: {id: payment-declined, version: 1.0.0}
    next_step: {id: unwind, label: Unwind}
  - id: unwind
    title: Unwind
    custom:
      {title: Unwind, type: Compensation, summary: Consumers of payment-declined undo their work.,
       properties: {consumers: 'CONSUMERS'}}
---
Cancel.
"""


@pytest.mark.parametrize("consumers, missing", [("inventory", False), ("Inventory Service", False),
                                                 ("inventory, shipping", True)])
def test_drawn_compensation_names_a_consumer_that_does_not_receive_the_event(make_catalog, consumers, missing):
    files = base_files()
    files[PLAIN] = CANCEL_FLOW.replace("CONSUMERS", consumers)
    root = write(make_catalog, files)
    got = [h for h in hits(root, "saga/compensation-consumers") if h.resource == "flow cancel-order@1.0.0"]
    want = [Hit("saga/compensation-consumers", "error", "flow cancel-order@1.0.0", "unwind", PLAIN,
                line(files, PLAIN, "  - id: unwind"))]
    assert got == (want if missing else [])


def test_drawn_compensation_on_an_event_nobody_receives(make_catalog):
    files = edit(base_files(), INVENTORY, "  - id: payment-declined\n", "")
    files[PLAIN] = CANCEL_FLOW.replace("CONSUMERS", "inventory")
    root = write(make_catalog, files)
    from saga_lint.pipeline import run_check

    found = [f for f in run_check(root).findings if f.rule == "saga/compensation-consumers" and f.step == "unwind"]
    assert [(f.file, f.line) for f in found] == [(PLAIN, line(files, PLAIN, "  - id: unwind"))]
    assert "nobody in the catalog receives payment-declined (promised consumers: inventory)" in found[0].message


def test_corpus_order_cancellation_promises_consumers_nobody_is(corpus):
    """On the real corpus: the consumers of order-cancelled undo inventory, payment and fulfilment,
    and no service, agent or domain receives order-cancelled (checked by grep before this test)."""
    from saga_lint.pipeline import run_check

    result = run_check(corpus)
    order_cancelled = [r for r in result.catalog.resources if r.id == "order-cancelled"]
    assert order_cancelled and not any(result.graph.receivers_of(r) for r in order_cancelled)
    found = [f for f in result.findings if f.rule == "saga/compensation-consumers"]
    flow = "domains/Ordering/systems/order-management-system/flows/OrderCancellation/index.mdx"
    assert [(f.file, f.line, str(f.severity), f.step, str(f.resource)) for f in found] == [
        (flow, 70, "error", "downstream_unwind", "flow order-cancellation@1.0.0")]
    promised = "(promised consumers: inventory, payment, fulfilment)"
    assert f"nobody in the catalog receives order-cancelled {promised}" in found[0].message


# -- saga/map-agreement --------------------------------------------------------------------------


def test_failure_branch_drawn_but_not_declared(make_catalog):
    files = edit(base_files(), FLOW, "      failures: [{event: payment-declined}]\n", "")
    root = write(make_catalog, files)
    assert hits(root, "saga/map-agreement") == [
        Hit("saga/map-agreement", "error", SAGA, "authorize_payment", FLOW,
            line(files, FLOW, "      - {id: payment_declined, label: Declined}"))]


def test_failure_declared_but_no_branch_drawn(make_catalog):
    files = edit(base_files(), FLOW, "      - {id: inventory_unavailable, label: Out of stock}\n", "")
    files = edit(files, FLOW, "    next_step: {id: failed, label: Give up}\n", "")
    root = write(make_catalog, files)
    assert hits(root, "saga/map-agreement") == [
        Hit("saga/map-agreement", "error", SAGA, "reserve_inventory", FLOW,
            line(files, FLOW, "      failures: [{event: inventory-unavailable}]"))]


def test_failure_event_drawn_that_x_saga_does_not_declare(make_catalog):
    files = edit(base_files(), FLOW, "      failures: [{event: inventory-unavailable}]\n",
                 "      failures: [{error: timeout}]\n")
    root = write(make_catalog, files)
    assert hits(root, "saga/map-agreement") == [
        Hit("saga/map-agreement", "error", SAGA, "reserve_inventory", FLOW, line(files, FLOW, "  - id: inventory_unavailable\n"))]


def test_trigger_not_drawn_and_command_step_without_an_entry(make_catalog):
    files = edit(base_files(), FLOW, "      trigger: inventory-reserved\n", "      trigger: payment-authorized-too\n")
    files = edit(files, FLOW, "    custom: {title: Order placed, type: Outcome}\n",
                 "    custom: {title: Order placed, type: Outcome}\n    next_step: {id: undo, label: Later}\n"
                 "  - id: undo\n    title: Undo\n    message: {id: release-inventory, version: 1.0.0}\n")
    files = edit(files, FLOW, "        command: release-inventory\n", "        command: release-inventory-v2\n")
    root = write(make_catalog, files)
    assert hits(root, "saga/map-agreement") == sorted([
        Hit("saga/map-agreement", "error", SAGA, "authorize_payment", FLOW,
            line(files, FLOW, "      trigger: payment-authorized-too")),
        Hit("saga/map-agreement", "error", SAGA, "undo", FLOW, line(files, FLOW, "  - id: undo\n")),
    ])


def test_compensation_the_map_never_reaches(make_catalog):
    files = edit(base_files(), FLOW, "        on: payment-declined\n", "")
    files = edit(files, FLOW, "    next_step: {id: release, label: Undo}\n", "")
    files = edit(files, FLOW, "{title: Release stock, type: Compensation,", "{title: Release stock, type: Note,")
    root = write(make_catalog, files)
    assert hits(root, "saga/map-agreement") == [
        Hit("saga/map-agreement", "error", SAGA, "reserve_inventory", FLOW,
            line(files, FLOW, "      compensation:\n        command"))]


# -- saga/correlation and saga/idempotency -------------------------------------------------------


def _schema_without_order_id(files: dict[str, str], folder: str) -> dict[str, str]:
    files[f"{folder}/schema.json"] = json.dumps({"type": "object", "properties": {"at": {"type": "string"}}})
    return files


def test_a_step_message_without_the_correlation_key(make_catalog):
    files = _schema_without_order_id(base_files(), "events/payment-authorized")
    root = write(make_catalog, files)
    page = "events/payment-authorized/index.mdx"
    assert hits(root, "saga/correlation") == [
        Hit("saga/correlation", "error", SAGA, "authorize_payment", page, line(files, page, "schemaPath:"))]


def test_correlation_key_found_through_refs_and_all_of(make_catalog):
    files = base_files()
    files["events/payment-authorized/schema.json"] = json.dumps({
        "$defs": {"ids": {"properties": {"orderId": {"type": "string"}}}},
        "allOf": [{"$ref": "#/$defs/ids"}, {"properties": {"at": {"type": "string"}}}]})
    assert hits(write(make_catalog, files), "saga/correlation") == []


def test_idempotency_key_not_in_the_trigger(make_catalog):
    files = _schema_without_order_id(base_files(), "events/inventory-reserved")
    root = write(make_catalog, files)
    assert hits(root, "saga/idempotency") == [
        Hit("saga/idempotency", "error", SAGA, "authorize_payment", FLOW,
            line(files, FLOW, "      failures: [{event: payment-declined}]\n      idempotency") + 1)]


def test_retried_compensation_not_declared_idempotent(make_catalog):
    files = edit(base_files(), FLOW, "        idempotent: true\n", "")
    root = write(make_catalog, files)
    assert hits(root, "saga/idempotency") == [
        Hit("saga/idempotency", "error", SAGA, "reserve_inventory", FLOW, line(files, FLOW, "      compensation:\n        on"))]



def test_retried_compensation_not_declared_idempotent_without_other_message_contracts(make_catalog):
    """The check once ran only when the saga declared correlation or an idempotency key: a saga that
    declares neither, with a retried compensation, was never asked to make the undo idempotent."""
    files = edit(base_files(), FLOW, "        idempotent: true\n", "")
    files = edit(files, FLOW, "  correlation: orderId\n", "")
    files[FLOW] = files[FLOW].replace("      idempotency: {key: orderId}\n", "")
    assert "correlation" not in files[FLOW].split("x-saga:")[1] and "idempotency" not in files[FLOW]
    root = write(make_catalog, files)
    assert hits(root, "saga/idempotency") == [
        Hit("saga/idempotency", "error", SAGA, "reserve_inventory", FLOW, line(files, FLOW, "      compensation:\n        on"))]


def _undo_by_event(files: dict[str, str], sent: bool) -> dict[str, str]:
    """reserve_inventory undoes by publishing inventory-released (an event) instead of a command."""
    files = edit(files, FLOW, "        command: release-inventory\n", "        event: inventory-released\n")
    files["events/inventory-released/index.mdx"] = MESSAGE.format(id="inventory-released")
    files["events/inventory-released/schema.json"] = files["events/order-placed/schema.json"]
    if sent:
        files = edit(files, INVENTORY, "  - id: inventory-unavailable\n",
                     "  - id: inventory-unavailable\n  - id: inventory-released\n")
    files[ORDERS] = files[ORDERS].replace("sends:\n", "receives:\n  - id: inventory-released\nsends:\n", 1)
    return files


def test_compensation_event_sent_by_the_participant_passes(make_catalog):
    found = hits(write(make_catalog, _undo_by_event(base_files(), sent=True)), "saga/compensation")
    assert [h for h in found if h.step == "reserve_inventory"] == []


@pytest.mark.parametrize("case", ["not sent", "no page", "no retry"])
def test_compensation_event_is_checked_as_a_contract(make_catalog, case):
    """compensation.event was not checked at all: a missing page or a participant that does not send it passed."""
    files = _undo_by_event(base_files(), sent=case != "not sent")
    if case == "no page":
        del files["events/inventory-released/index.mdx"], files["events/inventory-released/schema.json"]
    if case == "no retry":
        files = edit(files, FLOW, "        retry: {maxAttempts: 5, initialInterval: 1s, backoffCoefficient: 2, maxInterval: 10s, "
                                  "timeout: 2s}\n", "")
    message = {
        "not sent": "is not sent by the participant inventory-service",
        "no page": "is not an event contract in the catalog",
        "no retry": "has no retry policy",
    }[case]
    from saga_lint.pipeline import run_check

    found = [(f.rule, f.step, f.line) for f in run_check(write(make_catalog, files)).findings
             if f.rule == "saga/compensation" and message in f.message]
    assert found == [("saga/compensation", "reserve_inventory", line(files, FLOW, "      compensation:\n        on"))]

def test_a_choreographed_undo_started_by_its_event_needs_no_sender(make_catalog):
    """``compensation: {on: payment-declined, command: release-inventory}`` is the participant's local
    undo, started by the event (docs/saga.md): nobody sends the command in a choreography, which has
    no orchestrator. It was "sent by nobody. Add it to the orchestrator's sends"."""
    from saga_lint.pipeline import run_check

    found = [f.message for f in run_check(write(make_catalog, base_files())).findings if f.rule == "saga/compensation"]
    assert found and not [m for m in found if "release-inventory" in m]  # (the other: authorize_payment, taken as the pivot)


def test_a_choreographed_undo_without_its_event_asks_which_event_starts_it(make_catalog):
    from saga_lint.pipeline import run_check

    files = edit(base_files(), FLOW, "        on: payment-declined\n", "")
    found = [(f.step, f.line, f.message) for f in run_check(write(make_catalog, files)).findings
             if f.rule == "saga/compensation" and f.step == "reserve_inventory"]
    assert found == [("reserve_inventory", line(files, FLOW, "      compensation:\n        command"),
                      'step reserve_inventory: compensation "release-inventory" is sent by nobody, and x-saga does not say '
                      "which event starts it. Declare compensation.on, the failure event that makes inventory-service "
                      "undo (a choreography has no orchestrator), or add release-inventory to the sends of the service "
                      "that asks for the undo.")]


# -- catalog-examples/broken-choreography ---------------------------------------------------------


def test_the_broken_choreography_example_shows_its_defects():
    from conftest import ROOT

    from saga_lint.pipeline import run_check

    root = ROOT / "catalog-examples" / "broken-choreography"
    found = sorted((f.rule, f.step, f.file, f.line) for f in run_check(root).findings if f.rule in RULES)
    assert found == [
        ("saga/compensation-consumers", "reserve_inventory", FLOW, 66),  # inventory-service does not receive payment-declined
        ("saga/correlation", "authorize_payment", "events/payment-authorized/index.mdx", 7),  # no orderId
        ("saga/idempotency", "reserve_inventory", FLOW, 65),  # retried release not declared idempotent
        ("saga/map-agreement", "authorize_payment", FLOW, 40),  # payment-declined drawn, not declared
    ]


def test_a_choreographed_step_without_retry_asks_for_the_consumers_redelivery_policy():
    """In a choreography the retry attribute is the consumer's redelivery policy (docs/saga.md):
    the finding names the consumer and the event it consumes, not a call."""
    from conftest import ROOT

    from saga_lint.pipeline import run_check

    root = ROOT / "catalog-examples" / "broken-choreography"
    found = [(f.step, f.message) for f in run_check(root).findings if f.rule == "saga/retry-policy"]
    assert ("reserve_inventory", "step reserve_inventory: no redelivery policy for inventory-service consuming order-placed "
            "(how often a failed or timed-out handling is retried before it goes to a dead-letter queue). Declare retry: "
            "{maxAttempts, initialInterval, backoffCoefficient, maxInterval, timeout} in x-saga.") in found


def test_x_saga_step_keyed_by_a_node_that_is_no_step(make_catalog):
    files = edit(base_files(), FLOW, "x-saga:\n  coordination: choreography\n",
                 "x-saga:\n  coordination: choreography\n  # a key on the Outcome node\n")
    files = edit(files, FLOW, "    authorize_payment:\n      participant:",
                 "    done: {}\n    authorize_payment:\n      participant:")
    root = write(make_catalog, files)
    assert hits(root, "saga/map-agreement") == [
        Hit("saga/map-agreement", "error", SAGA, "done", FLOW, line(files, FLOW, "    done: {}"))]


# -- one finding per cause: saga/customer-status and saga/pivot on a plain orchestrated flow --------

PLAIN_SAGA = "flows/Checkout/index.mdx"
PLAIN_SAGA_FLOW = """\
---
id: checkout
name: Checkout
version: 1.0.0
summary: Reserve the stock, then charge the card; a declined card releases the stock.
owners: [shop-team]
steps:
  - id: reserve
    title: Reserve
    message: {id: reserve-stock, version: 1.0.0}
    next_steps:
      - {id: charge, label: Reserved}
      - {id: undo, label: Out of stock}
  - id: charge
    title: Charge
    message: {id: charge-card, version: 1.0.0}
    next_steps:
      - {id: undo, label: Declined}
  - id: undo
    title: Undo
    custom: {title: Release the stock, type: Compensation}
---
Checkout.
"""


def plain_saga_files() -> dict[str, str]:
    files = base_files()
    for mid in ("reserve-stock", "charge-card"):
        files[f"commands/{mid}/index.mdx"] = MESSAGE.format(id=mid)
        files[f"commands/{mid}/schema.json"] = json.dumps({"type": "object", "properties": {"orderId": {"type": "string"}}})
    files = edit(files, ORDERS, "sends:\n  - id: order-placed\n", "sends:\n  - id: order-placed\n  - id: reserve-stock\n"
                 "  - id: charge-card\n")
    files = edit(files, INVENTORY, "receives:\n", "receives:\n  - id: reserve-stock\n")
    files = edit(files, PAYMENT, "receives:\n", "receives:\n  - id: charge-card\n")
    files[PLAIN_SAGA] = PLAIN_SAGA_FLOW
    return files


def test_no_status_anywhere_is_one_finding_that_names_the_steps(make_catalog):
    from saga_lint.pipeline import run_check

    files = plain_saga_files()
    found = [f for f in run_check(write(make_catalog, files)).findings
             if f.rule == "saga/customer-status" and f.file == PLAIN_SAGA]
    assert [(str(f.severity), f.step, f.line) for f in found] == [("error", None, 2)]
    assert "no status while its steps run (reserve, charge)" in found[0].message


def test_the_pivot_taken_from_the_flow_order_is_reported_once(make_catalog):
    from saga_lint.pipeline import run_check

    files = plain_saga_files()
    found = [(f.rule, str(f.severity), f.step) for f in run_check(write(make_catalog, files)).findings
             if f.file == PLAIN_SAGA and "pivot" in f.message]
    # here by saga/pivot: charge has compensation evidence (the Compensation node), so saga/compensation
    # does not speak of the pivot
    assert found == [("saga/pivot", "warning", "charge")]


def test_an_orchestrated_first_command_is_left_to_the_orchestrator_rules(make_catalog):
    """The entry of this plain saga is the command reserve-stock: who sends it is saga/orchestrator's
    question, so saga/entry says nothing even when nobody sends it."""
    from saga_lint.pipeline import run_check

    files = edit(plain_saga_files(), ORDERS, "  - id: reserve-stock\n", "")
    found = {f.rule for f in run_check(write(make_catalog, files)).findings if f.file == PLAIN_SAGA}
    assert "saga/entry" not in found and "saga/orchestrator" in found


def test_a_missing_participant_page_is_one_finding_on_the_step(corpus, tmp_path):
    """One cause, one finding: without inventory-service's page, nobody receives reserve-inventory
    (saga/step-owner says so once); the step's owner, success, failure and compensation fall back
    to prose because of it, and those prose warnings are not reported again."""
    import shutil

    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    before = {(f.rule, f.step) for f in lint(copy) if f.step == "reserve_inventory"}
    shutil.rmtree(copy / "domains/Fulfilment/systems/inventory-system/services/InventoryService")
    findings = lint(copy)
    after = sorted((f.rule, f.severity.value) for f in findings if f.step == "reserve_inventory")
    assert ("saga/step-owner", "error") in after
    demoted = [f for f in findings if f.step == "reserve_inventory" and "documented only in prose" in f.message]
    assert demoted == [], [f.message for f in demoted]
    assert [r for r, _ in after if (r, "reserve_inventory") not in before] == ["saga/step-owner"]
    missing = [f for f in findings if f.rule == "refs/resource-exists" and "inventory-service" in f.message]
    assert len(missing) == 1


def test_back_links_on_a_deep_map_and_a_self_loop():
    """The loop walk is iterative: a chain of 5,000 nodes with an edge back to the start, and a
    node drawn to itself, are two loops, found without recursion."""
    from saga_lint.rules.saga.loops import back_links, loop_nodes
    from saga_lint.saga.flowmap import FlowMap, Link, Node

    class Map:
        # the drawing's strongly connected sets, as the flow map finds them (``loop_nodes`` asks)
        _components = FlowMap._components
        reach_each_other = FlowMap.reach_each_other
        cycle_members = FlowMap.cycle_members

        def __init__(self, edges):
            self.nodes = {n: Node(n, i, "custom", {}) for i, n in enumerate(sorted({x for e in edges for x in e}))}
            self._component = None
            self._members: dict = {}  # filled by _components
            self.links = [Link(a, b, None, ()) for a, b in edges]
            self.outs: dict = {}
            self.ins: dict = {}
            for e in self.links:
                self.outs.setdefault(e.source, []).append(e)
                self.ins.setdefault(e.target, []).append(e)

        def starts(self):
            return [n for n in self.nodes.values() if not self.in_links(n.id)]

        def ordered(self):
            return list(self.nodes.values())

        def out_links(self, sid):
            return self.outs.get(sid, [])

        def in_links(self, sid):
            return self.ins.get(sid, [])

        def reachable(self, start):
            seen, todo = set(), [start]
            while todo:
                n = todo.pop()
                if n not in seen:
                    seen.add(n)
                    todo += [e.target for e in self.out_links(n)]
            return seen

    n = 5000
    chain = [(f"n{i:05d}", f"n{i + 1:05d}") for i in range(n)] + [(f"n{n:05d}", "n00001"), ("s", "s"), ("n00000", "s")]
    fmap = Map(chain)
    loops = back_links(fmap)
    assert sorted((e.source, e.target) for e in loops) == [(f"n{n:05d}", "n00001"), ("s", "s")]
    assert len(loop_nodes(fmap, next(e for e in loops if e.target == "n00001"))) == n


EXTERNAL_FLOW = """\
---
id: pay
name: Pay
version: 1.0.0
summary: Reserve stock, then charge the card at the payment provider; a declined card releases the stock.
owners: [shop-team]
steps:
  - id: checkout
    title: Checkout
    service: {id: checkout-service, version: 1.0.0}
    next_step: {id: reserve_stock}
  - id: reserve_stock
    title: Reserve stock
    message: {id: reserve-stock, version: 1.0.0}
    next_step: {id: charge_card, label: Reserved}
  - id: charge_card
    title: Charge card
    message: {id: charge-card, version: 1.0.0}
    next_step: {id: stripe}
  - id: stripe
    title: Stripe
    externalSystem: {name: Stripe, summary: The payment provider., url: "https://stripe.com"}
    next_steps:
      - {id: done, label: Charged}
      - {id: undo, label: Card declined}
  - id: done
    title: Done
    custom: {title: Paid, type: Outcome}
  - id: undo
    title: Undo
    custom: {title: Release the stock, type: Compensation, summary: The checkout releases the reservation.}
---
Pay.
"""


def test_an_external_system_drawn_as_the_handler_is_the_steps_participant(make_catalog):
    """charge-card has no receiver in the catalog: the map draws the payment provider after it. The
    step's participant is that external system, owned by its caller (prose: the map is no contract),
    and its retry policy is asked for with a timeout; no "no service receives" error."""
    files = {
        "flows/Pay/index.mdx": EXTERNAL_FLOW,
        "services/Checkout/index.mdx": SERVICE.format(
            id="checkout-service", name="Checkout", relations="sends:\n  - id: reserve-stock\n  - id: charge-card\n"
        ).replace("owners: [shop-team]", "owners: [checkout-team]"),
        "services/Inventory/index.mdx": SERVICE.format(
            id="inventory-service", name="Inventory", relations="receives:\n  - id: reserve-stock\n"
        ).replace("owners: [shop-team]", "owners: [stock-team]"),
        "commands/reserve-stock/index.mdx": MESSAGE.format(id="reserve-stock"),
        "commands/reserve-stock/schema.json": "{}",
        "commands/charge-card/index.mdx": MESSAGE.format(id="charge-card"),
        "commands/charge-card/schema.json": "{}",
        "teams/shop-team.mdx": "---\nid: shop-team\nname: Shop\nsummary: Shop.\n---\nShop.\n",
        "teams/checkout-team.mdx": "---\nid: checkout-team\nname: Checkout\nsummary: Checkout.\n---\nCheckout.\n",
        "teams/stock-team.mdx": "---\nid: stock-team\nname: Stock\nsummary: Stock.\n---\nStock.\n",
    }
    root = make_catalog(files)
    findings = [f for f in lint(root) if f.step == "charge_card"]
    assert not [f for f in findings if "no service receives" in f.message]
    owner = [f for f in findings if f.rule == "saga/step-owner"]
    assert [(f.severity.value, "external system" in f.message) for f in owner] == [("warning", True)]
    retry = [f.message for f in findings if f.rule == "saga/retry-policy"]
    assert len(retry) == 1 and "the external system Stripe handles it" in retry[0] and "timeout" in retry[0]
    doc = json.loads(run_cli("explain", "pay", root, "--format", "json").stdout)
    step = next(s for s in doc["steps"] if s["id"] == "charge_card")
    assert step["external"] == "Stripe" and step["participant"] is None
    assert step["attributes"]["owner"]["level"] == "prose"
    text = run_cli("explain", "pay", root).stdout
    assert "charge_card (charge-card, participant the external system Stripe):" in text


def _failure_drawn_only_as_an_exception(failures_line: str) -> dict:
    """authorize_payment's failure drawn as a labelled edge to an Exception node (no failure
    event drawn), its x-saga ``failures`` line replaced by ``failures_line``."""
    files = edit(base_files(), FLOW, "      failures: [{event: payment-declined}]\n", failures_line)
    return edit(files, FLOW, "    message: {id: payment-declined, version: 1.0.0}\n    next_step: {id: release, label: Undo}\n",
                "    custom: {title: Declined, type: Exception}\n    next_step: {id: release, label: Undo}\n")


def test_failure_drawn_only_in_prose_and_no_failures_key_is_one_finding(make_catalog):
    """What `saga-lint fix` writes when it cannot name the failure event (the key left open): the
    gap is saga/failure-condition's (documented only in prose), not a second finding of map-agreement."""
    files = _failure_drawn_only_as_an_exception("")
    root = write(make_catalog, files)
    assert hits(root, "saga/map-agreement") == []
    assert hits(root, "saga/failure-condition") == [
        Hit("saga/failure-condition", "warning", SAGA, "authorize_payment", FLOW,
            line(files, FLOW, "  - id: authorize_payment\n"))]


def test_failure_drawn_but_declared_empty_disagrees(make_catalog):
    files = _failure_drawn_only_as_an_exception("      failures: []\n")
    root = write(make_catalog, files)
    assert hits(root, "saga/map-agreement") == [
        Hit("saga/map-agreement", "error", SAGA, "authorize_payment", FLOW,
            line(files, FLOW, "      - {id: payment_declined, label: Declined}"))]


SUBSCRIPTION_CANCEL_FLOW = """\
---
id: cancel-subscription
name: Cancel Subscription
version: 1.0.0
summary: The user cancels; the subscription service cancels it, and the customer is emailed.
owners: [subs-team]
steps:
  - id: user
    title: User
    actor: {name: User}
    next_step: {id: cancel_request, label: Cancel}
  - id: cancel_request
    title: Cancel Subscription
    message: {id: cancel-subscription}
    next_step: {id: subscription_service, label: Proceed to subscription service}
  - id: subscription_service
    title: Subscription Service
    service: {id: subscription-service}
    next_steps:
      - {id: subscription_cancelled, label: Successful cancellation}
      - {id: rejected, label: Failed cancellation}
  - id: subscription_cancelled
    title: Subscription cancelled
    message: {id: subscription-cancelled}
    next_step: {id: notification_service, label: Email customer}
  - id: rejected
    title: Cancellation rejected
  - id: notification_service
    title: Notification Service
    service: {id: notification-service}
---
Cancel a subscription.
"""


@pytest.mark.parametrize("declared", [True, False])
def test_one_teams_transaction_and_another_teams_notification_is_no_saga(make_catalog, declared):
    """Seen in the public eventcatalog-ddd example's CancelSubscription: one command, handled by the
    subscriptions team's service (drawn after it; there it does not even declare receiving it), a
    "Failed cancellation" edge, and the success event drawn to a notification service of another
    team that only emails the customer (it acts on nothing drawn after it). It was reviewed as a
    one-step saga: no orchestrator, no durable outcome, no retry, no status, the pivot (six
    findings). Only one team does work that could need undoing; the other is notified: no saga."""
    receives = "receives:\n  - id: cancel-subscription\n" if declared else ""
    files = {
        "flows/CancelSubscription/index.mdx": SUBSCRIPTION_CANCEL_FLOW,
        "services/Subscriptions/index.mdx": SERVICE.format(
            id="subscription-service", name="Subscriptions", relations=f"{receives}sends:\n  - id: subscription-cancelled\n"
        ).replace("owners: [shop-team]", "owners: [subs-team]"),
        "services/Notifications/index.mdx": SERVICE.format(
            id="notification-service", name="Notifications", relations="receives:\n  - id: subscription-cancelled\n"
        ).replace("owners: [shop-team]", "owners: [mail-team]"),
        "commands/cancel-subscription/index.mdx": MESSAGE.format(id="cancel-subscription").replace("shop-team", "subs-team"),
        "commands/cancel-subscription/schema.json": "{}",
        "events/subscription-cancelled/index.mdx": MESSAGE.format(id="subscription-cancelled").replace("shop-team", "subs-team"),
        "events/subscription-cancelled/schema.json": "{}",
        "teams/subs-team.mdx": "---\nid: subs-team\nname: Subscriptions\nsummary: Subs.\n---\nSubs.\n",
        "teams/mail-team.mdx": "---\nid: mail-team\nname: Mail\nsummary: Mail.\n---\nMail.\n",
    }
    root = make_catalog(files)
    assert [f.rule for f in lint(root) if f.rule.startswith("saga/")] == []
    proc = run_cli("explain", "cancel-subscription", root)
    assert proc.returncode == 2, proc.stdout
    assert ("but only subscription-service (subs-team) does work in it; notification-service (mail-team) only consumes "
            "its events, so nothing has to be undone across teams") in proc.stderr, proc.stderr


def test_a_command_drawn_to_a_service_that_does_not_receive_it_names_that_service(make_catalog):
    """Seen in the public eventcatalog-ddd example (CancelSubscription drawn to SubscriptionService,
    whose page keeps the command in its folder but not in its receives) and in clt_crux_docu: when no
    service receives the step's command, the one finding names the service the map draws as its
    handler and the receives entry to add, instead of "Add it to the participant's receives"."""
    files = edit(plain_saga_files(), INVENTORY, "receives:\n  - id: reserve-stock\n", "receives:\n")
    files = edit(files, PLAIN_SAGA, "    message: {id: reserve-stock, version: 1.0.0}\n    next_steps:\n",
                 "    message: {id: reserve-stock, version: 1.0.0}\n    next_step: {id: inventory}\n"
                 "  - id: inventory\n    title: Inventory\n    service: {id: inventory-service}\n    next_steps:\n")
    from saga_lint.pipeline import run_check

    found = [f for f in run_check(write(make_catalog, files)).findings
             if f.rule == "saga/step-owner" and f.file == PLAIN_SAGA]
    at = line(files, PLAIN_SAGA, "  - id: reserve\n")
    assert [(str(f.severity), f.step, f.line) for f in found] == [("error", "reserve", at)]
    assert found[0].message.endswith(
        "The map draws inventory-service as its handler: add reserve-stock to inventory-service's receives."), found[0].message


JOURNEY = "flows/PlaceOrder/Journey/index.mdx"
JOURNEY_FLOW = """\
---
id: place-order-journey
name: Place an order
version: 1.0.0
summary: The shopper submits the order; the checkout reserves the stock and charges the card.
owners: [shop-team]
steps:
  - id: shopper
    title: Shopper
    actor: {name: Shopper}
    next_step: {id: submit, label: Submit}
  - id: submit
    title: Submit order
    message: {id: submit-order, version: 1.0.0}
    next_step: {id: reserve, label: Start checkout}
  - id: reserve
    title: Reserve
    message: {id: reserve-stock, version: 1.0.0}
    next_steps:
      - {id: charge, label: Reserved}
      - {id: undo, label: Out of stock}
  - id: charge
    title: Charge
    message: {id: charge-card, version: 1.0.0}
    next_steps:
      - {id: undo, label: Declined}
  - id: undo
    title: Undo
    custom: {title: Release the stock, type: Compensation}
---
The shopper's side of the checkout.
"""


def test_a_journey_copying_a_saga_is_checked_for_the_handlers_of_the_commands_it_adds(make_catalog):
    """Seen in the EventCatalog example (place-an-order repeats checkout-saga): the journey's own
    command checkout-cart, which the saga does not draw, is received by both cart-api and
    checkout-api. The copy is not reviewed again for the saga's steps, so nothing said that the
    command it adds has two handlers. saga/step-owner checks the steps a copy adds (one finding, on
    the copy's step); the saga's own steps are still not reported twice."""
    files = plain_saga_files()
    files["commands/submit-order/index.mdx"] = MESSAGE.format(id="submit-order")
    files["commands/submit-order/schema.json"] = "{}"
    files = edit(files, ORDERS, "sends:\n", "receives:\n  - id: submit-order\nsends:\n")
    files = edit(files, INVENTORY, "receives:\n", "receives:\n  - id: submit-order\n")
    files[JOURNEY] = JOURNEY_FLOW
    root = write(make_catalog, files)
    found = [(f.rule, f.step, f.line) for f in lint(root) if f.file == JOURNEY]
    assert found == [("saga/step-owner", "submit", line(files, JOURNEY, "  - id: submit\n"))], found
    msg = next(f.message for f in lint(root) if f.file == JOURNEY)
    assert "2 services receive submit-order (inventory-service, order-service)" in msg
    assert "place-order-journey repeats the saga checkout" in msg


def test_a_success_label_naming_an_event_the_participant_sends_is_its_success(make_catalog):
    """Seen in the create-eventcatalog default template's checkout-saga (services without
    receives[].triggers, the common case): inventory-service sends inventory-reserved and the edge
    after reserve-inventory is labelled "Reserved"; order-service sends order-created and the edge
    after create-order is labelled "Order created". Each step's success is that event (contract: the
    participant sends it; only the reading of the label is inferred, and said), not "documented only
    in prose"; and, being a reply, it is checked like one (the orchestrator receives it)."""
    from saga_lint.pipeline import run_check

    root = write(make_catalog, plain_saga_files())
    result = run_check(root)
    reserve = next(s for s in result.sagas if s.id == "checkout").steps[0]
    ev = reserve.evidence["success"]
    assert (reserve.success, ev.level) == ("inventory-reserved", "contract")
    assert ev.note == 'labelled edge "Reserved" names inventory-reserved, which inventory-service sends'
    mine = [(f.rule, f.step) for f in result.findings if f.file == PLAIN_SAGA]
    assert ("saga/success-condition", "reserve") not in mine
    assert ("saga/orchestrator", "reserve") in mine


def test_a_failure_branch_and_the_failure_event_the_participant_sends_is_its_failure(make_catalog):
    """Seen in the create-eventcatalog default template's checkout-saga: reserve-inventory's "Out of
    stock" branch, and inventory-service sends one event that reads as a failure,
    inventory-unavailable (and no receives[].triggers): that event is the step's failure (contract,
    the reading shown), as a label naming the event is ("Declined": payment-declined), not
    "documented only in prose"."""
    from saga_lint.pipeline import run_check

    root = write(make_catalog, plain_saga_files())
    result = run_check(root)
    reserve, charge = next(s for s in result.sagas if s.id == "checkout").steps
    for step, event, how in ((reserve, "inventory-unavailable", 'labelled edge "Out of stock" to undo; inventory-service '
                              "sends inventory-unavailable, the one event it sends that reads as a failure"),
                             (charge, "payment-declined", 'labelled edge "Declined" to undo; labelled edge "Declined" '
                              "names payment-declined, which payment-service sends")):
        ev = step.evidence["failure"]
        assert ([f.event for f in step.failures], ev.level, ev.note) == ([event], "contract", how)
    mine = [(f.rule, f.step) for f in result.findings if f.file == PLAIN_SAGA]
    assert ("saga/failure-condition", "reserve") not in mine and ("saga/failure-condition", "charge") not in mine


def test_the_success_of_another_command_is_not_read_as_a_steps_failure(make_catalog):
    """The fallback of the test above (the one event the participant sends that reads as a failure)
    must not take another command's success for this step's failure: inventory-service also
    receives cancel-reservation and sends reservation-cancelled, which reads as a failure
    ("cancel") but is cancel-reservation's own reply. The "Out of stock" branch of reserve is
    inventory-unavailable, the one failure event left (before: two candidates, so prose); with
    inventory-unavailable gone, the branch stays prose, never reservation-cancelled."""
    from saga_lint.pipeline import run_check

    files = plain_saga_files()
    files["commands/cancel-reservation/index.mdx"] = MESSAGE.format(id="cancel-reservation")
    files["commands/cancel-reservation/schema.json"] = "{}"
    files["events/reservation-cancelled/index.mdx"] = MESSAGE.format(id="reservation-cancelled")
    files["events/reservation-cancelled/schema.json"] = "{}"
    files = edit(files, INVENTORY, "receives:\n", "receives:\n  - id: cancel-reservation\n")
    files = edit(files, INVENTORY, "sends:\n", "sends:\n  - id: reservation-cancelled\n")
    reserve = next(s for s in run_check(write(make_catalog, files)).sagas if s.id == "checkout").steps[0]
    assert ([f.event for f in reserve.failures], reserve.evidence["failure"].level) == (["inventory-unavailable"], "contract")
    files = edit(files, INVENTORY, "  - id: inventory-unavailable\n", "")
    reserve = next(s for s in run_check(write(make_catalog, files)).sagas if s.id == "checkout").steps[0]
    assert ([f.event for f in reserve.failures], reserve.evidence["failure"].level) == ([], "prose")


def test_a_compensation_command_read_from_prose_is_not_called_not_checkable(make_catalog):
    """Seen on the EventCatalog example's checkout-saga: reserve_inventory's compensation is read
    from the Compensation node's words ("releases any reservation"; inventory-service receives
    release-inventory), and its contract IS checked (the error beside it: the orchestrator does
    not send it). The warning said "documented only in prose ..., not checkable", contradicting
    that error; it says what is not declared: that this command is the undo, and its own retry
    policy."""
    from saga_lint.pipeline import run_check

    found = [f for f in run_check(write(make_catalog, plain_saga_files())).findings
             if f.rule == "saga/compensation" and f.file == PLAIN_SAGA and str(f.severity) == "warning"]
    assert [f.step for f in found] == ["reserve"]
    assert found[0].message == (
        'step reserve: the compensation release-inventory is read from prose (Compensation node "undo" says "Release the '
        'stock"; inventory-service receives release-inventory): its contract is checked, but nothing declares that it is '
        "the undo, nor its own retry policy (a compensation must eventually succeed). Declare compensation: "
        "{command: release-inventory, retry: ...} in x-saga.")


def test_an_unlabelled_branch_to_a_plain_node_titled_as_a_failure_is_a_failure_branch(make_catalog):
    """EventCatalog's own PaymentFlow (v3 example, copied into the starter catalog and 10 public
    repositories) draws ``next_steps: ["payment_processed", "payment_failed"]`` with
    ``payment_failed`` a plain node (``type: node``) titled "Payment Failed". In a saga, such a
    branch of charge (on to the Compensation node) was read as a success edge: "no failure
    condition: nothing says what happens if it fails", while the map says it. It is the step's
    failure branch (prose), and the drawing is a failure signal of the flow."""
    from saga_lint.pipeline import run_check
    from saga_lint.saga.flowmap import FlowMap

    files = edit(plain_saga_files(), PLAIN_SAGA, "    next_steps:\n      - {id: undo, label: Declined}\n  - id: undo\n",
                 "    next_steps:\n      - charge_failed\n  - id: charge_failed\n    title: Payment Failed\n    type: node\n"
                 "    next_step: {id: undo}\n  - id: undo\n")
    files = edit(files, PAYMENT, "  - id: payment-declined\n", "")
    result = run_check(write(make_catalog, files))
    saga = next(s for s in result.sagas if s.id == "checkout")
    charge = saga.steps[1]
    assert (charge.failure_edges, charge.evidence["failure"].level) == ([(None, "charge_failed")], "prose")
    assert 'a failure node "charge_failed" (Payment Failed)' in FlowMap(result.graph, saga.flow).failure_signals()
    found = [(f.rule, str(f.severity)) for f in result.findings if f.file == PLAIN_SAGA and f.step == "charge"
             and f.rule == "saga/failure-condition"]
    assert found == [("saga/failure-condition", "warning")]


def test_the_steps_success_is_never_also_read_as_its_failure(make_catalog):
    """Seen on the starter catalog's CancelSubscription (boyney123/starter-catalog and its copies),
    listed as a saga: the "Successful cancellation" branch draws UserSubscriptionCancelled, which
    SubscriptionService sends (the success, contract), and the "Failed cancellation" branch a
    plain node. The event reads as a failure by its words ("Cancelled"), so it was also taken as the
    one failure event the participant sends: success and failure the same event. The failure is the
    branch's prose; the success stays the event."""
    from saga_lint.pipeline import run_check

    flow = SUBSCRIPTION_CANCEL_FLOW.replace("{id: cancel-subscription}", "{id: CancelSubscription}").replace(
        "{id: subscription-cancelled}", "{id: UserSubscriptionCancelled}")
    files = {
        "flows/CancelSubscription/index.mdx": flow,
        "saga-lint.yaml": "sagas: [cancel-subscription]\n",
        "services/Subscriptions/index.mdx": SERVICE.format(
            id="subscription-service", name="Subscriptions",
            relations="receives:\n  - id: CancelSubscription\nsends:\n  - id: UserSubscriptionCancelled\n"),
        "commands/CancelSubscription/index.mdx": MESSAGE.format(id="CancelSubscription"),
        "commands/CancelSubscription/schema.json": "{}",
        "events/UserSubscriptionCancelled/index.mdx": MESSAGE.format(id="UserSubscriptionCancelled"),
        "events/UserSubscriptionCancelled/schema.json": "{}",
        "teams/shop-team.mdx": "---\nid: shop-team\nname: Shop\nsummary: Shop.\n---\nShop.\n",
    }
    saga = next(s for s in run_check(write(make_catalog, files)).sagas if s.id == "cancel-subscription")
    step = saga.steps[0]
    assert (step.success, step.evidence["success"].level) == ("UserSubscriptionCancelled", "contract")
    assert ([f.event for f in step.failures], step.evidence["failure"].level) == ([], "prose")


def test_camel_case_ids_tell_a_commands_success_from_a_failure(make_catalog):
    """EventCatalog ids are often CamelCase (the starter catalog's CancelSubscription,
    UserSubscriptionCancelled; OrderCancelled). The command's own words are ignored when a reply is
    read as a failure (order-cancelled is the success of cancel-order), but a CamelCase id was one
    word: CancelOrder's trigger OrderCancelled ("when the order can be cancelled") read as its
    failure, and the step had no success. Words are split at case changes too."""
    from saga_lint.pipeline import run_check
    from saga_lint.saga.infer import own_words, reads_as_failure

    assert own_words("CancelOrder") == own_words("cancel-order") == ["cance", "order"]
    assert not reads_as_failure("OrderCancelled", own_words("CancelOrder"))
    assert reads_as_failure("OrderCancellationRejected", own_words("CancelOrder"))
    flow = SUBSCRIPTION_CANCEL_FLOW.replace("{id: cancel-subscription}", "{id: CancelSubscription}").replace(
        "{id: subscription-cancelled}", "{id: OtherEvent}").replace("message: {id: OtherEvent}", "custom: {title: Done}")
    files = {
        "flows/CancelSubscription/index.mdx": flow,
        "saga-lint.yaml": "sagas: [cancel-subscription]\n",
        "services/Subscriptions/index.mdx": SERVICE.format(
            id="subscription-service", name="Subscriptions",
            relations="receives:\n  - id: CancelSubscription\n    triggers:\n      - id: UserSubscriptionCancelled\n"
                      "        condition: When the subscription can be cancelled\n"
                      "sends:\n  - id: UserSubscriptionCancelled\n"),
        "commands/CancelSubscription/index.mdx": MESSAGE.format(id="CancelSubscription"),
        "commands/CancelSubscription/schema.json": "{}",
        "events/UserSubscriptionCancelled/index.mdx": MESSAGE.format(id="UserSubscriptionCancelled"),
        "events/UserSubscriptionCancelled/schema.json": "{}",
        "teams/shop-team.mdx": "---\nid: shop-team\nname: Shop\nsummary: Shop.\n---\nShop.\n",
    }
    step = next(s for s in run_check(write(make_catalog, files)).sagas if s.id == "cancel-subscription").steps[0]
    assert (step.success, step.evidence["success"].level) == ("UserSubscriptionCancelled", "contract")
    assert "UserSubscriptionCancelled" not in [f.event for f in step.failures]


def test_a_flow_of_messages_only_says_which_services_it_leaves_out(make_catalog):
    """EventCatalog's PaymentFlow (v3 example, in about ten public repositories) draws messages
    only; its events are sent and received by services of the catalog (eventcatalog-ddd:
    PaymentService receives PaymentInitiated and sends PaymentProcessed). explain said "no service
    takes part in it (none is drawn, none receives its commands)" and offered only an x-saga block,
    a Compensation node or the config; it names the services of its messages, which drawing them
    as service steps would make its participants. The one that acts in the map (payment-service
    receives payment-initiated and sends payment-processed, drawn right after it) is its
    participant even undrawn (tests/test_saga_real_shapes.py): one team's, so no saga."""
    flow = """\
---
id: pay
name: Pay
version: 1.0.0
summary: Payment.
owners: [shop-team]
steps:
  - id: initiated
    title: Payment initiated
    message: {id: payment-initiated}
    next_steps: [processed, failed]
  - id: processed
    title: Payment processed
    message: {id: payment-processed}
  - id: failed
    title: Payment Failed
    type: node
---
Pay.
"""
    files = {
        "flows/Pay/index.mdx": flow,
        "services/Payments/index.mdx": SERVICE.format(
            id="payment-service", name="Payments",
            relations="receives:\n  - id: payment-initiated\nsends:\n  - id: payment-processed\n"),
        "services/Shipping/index.mdx": SERVICE.format(
            id="shipping-service", name="Shipping", relations="receives:\n  - id: payment-processed\n"),
        "events/payment-initiated/index.mdx": MESSAGE.format(id="payment-initiated"),
        "events/payment-processed/index.mdx": MESSAGE.format(id="payment-processed"),
        "teams/shop-team.mdx": "---\nid: shop-team\nname: Shop\nsummary: Shop.\n---\nShop.\n",
    }
    proc = run_cli("explain", "pay", make_catalog(files))
    assert proc.returncode == 2
    assert ("only one participant has an owner (payment-service (shop-team)), so nothing has to be coordinated "
            "across teams; its messages' services are not drawn (payment-service, shipping-service): draw them as "
            "service steps after the messages they receive") in proc.stderr, proc.stderr


def test_a_saga_with_no_step_to_review_says_so(make_catalog):
    """Seen when the starter catalog's SubscriptionRenewed (copied in six public repositories) is
    listed as a saga: its map draws PaymentProcessed to SubscriptionService, which does not receive
    that version and draws nothing it sends, and no command: the saga has no step. explain showed
    an empty matrix and check only "no status" and "no outcome", as if the steps were fine. One
    saga/pivot error says the saga has no step to review, and how to draw one."""
    from saga_lint.pipeline import run_check

    flow = """\
---
id: renew
name: Renew
version: 1.0.0
summary: Renewal.
owners: [shop-team]
steps:
  - id: processed
    title: Payment processed
    message: {id: payment-processed}
    next_step: {id: update}
  - id: update
    title: Update subscription
    service: {id: subscription-service}
    next_steps:
      - {id: done, label: Renewed}
      - {id: failed, label: Renewal failed}
  - id: done
    title: Done
  - id: failed
    title: Failed
---
Renew.
"""
    files = {
        "flows/Renew/index.mdx": flow,
        "saga-lint.yaml": "sagas: [renew]\n",
        "services/Subscriptions/index.mdx": SERVICE.format(id="subscription-service", name="Subscriptions", relations=""),
        "events/payment-processed/index.mdx": MESSAGE.format(id="payment-processed"),
        "teams/shop-team.mdx": "---\nid: shop-team\nname: Shop\nsummary: Shop.\n---\nShop.\n",
    }
    found = [f for f in run_check(write(make_catalog, files)).findings if f.rule == "saga/pivot"]
    assert [(str(f.severity), f.step, f.file) for f in found] == [("error", None, "flows/Renew/index.mdx")]
    assert found[0].message.startswith("the saga has no step to review: no command is drawn, and no event is drawn to a "
                                       "service that receives it and acts on it"), found[0].message


def test_a_single_command_from_an_actor_needs_no_orchestrator(make_catalog):
    """Seen listing the eventcatalog-ddd example's CancelSubscription as a saga: the user sends the
    one step command (an actor drawn before it, no service sends it). That command is the saga's
    entry (docs/saga.md: a command no service sends comes from an actor), and with one step there
    is nothing to orchestrate: no "no orchestrator: no service sends every step command" error."""
    flow = SUBSCRIPTION_CANCEL_FLOW.replace(
        "      - {id: subscription_cancelled, label: Successful cancellation}\n", "      - {id: rejected, label: Done}\n"
    ).replace("      - {id: rejected, label: Failed cancellation}\n", "      - {id: done, label: Failed cancellation}\n")
    flow = flow.replace("  - id: rejected\n    title: Cancellation rejected\n",
                        "  - id: rejected\n    title: Cancelled\n  - id: done\n    title: Not cancelled\n")
    files = {
        "flows/CancelSubscription/index.mdx": flow,
        "saga-lint.yaml": "sagas: [cancel-subscription]\n",
        "services/Subscriptions/index.mdx": SERVICE.format(
            id="subscription-service", name="Subscriptions", relations="receives:\n  - id: cancel-subscription\n"),
        "services/Notifications/index.mdx": SERVICE.format(id="notification-service", name="Notifications", relations=""),
        "commands/cancel-subscription/index.mdx": MESSAGE.format(id="cancel-subscription"),
        "commands/cancel-subscription/schema.json": "{}",
        "events/subscription-cancelled/index.mdx": MESSAGE.format(id="subscription-cancelled"),
        "teams/shop-team.mdx": "---\nid: shop-team\nname: Shop\nsummary: Shop.\n---\nShop.\n",
    }
    root = make_catalog(files)
    from saga_lint.pipeline import run_check

    result = run_check(root)
    saga = next(s for s in result.sagas if s.id == "cancel-subscription")
    assert [s.id for s in saga.orchestrated_steps] == ["cancel_request"]
    assert [f.message for f in result.findings if f.rule == "saga/orchestrator"] == []
