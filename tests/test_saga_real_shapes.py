"""Flows drawn the way public EventCatalog catalogs draw them, read as sagas.

Each test writes a small catalog in the shape found in public catalogs (named in its docstring),
and checks the saga model or the findings on it. The shapes:

- a map of messages only (EventCatalog's PaymentFlow, copied in about ten public repositories:
  events drawn straight to the next events, no service drawn): the service that receives an event
  and sends the message drawn right after it acts in the map, and is its participant;
- a flow pinned to an older version of a message while its services receive or send the latest
  (eventcatalog-ddd: PaymentFlow draws PaymentProcessed 0.0.1, PaymentService sends PaymentProcessed
  with no version, i.e. 1.0.0; SubscriptionRenewed draws PaymentProcessed 1.0.0 to
  SubscriptionService, which receives 0.0.1): the service still sends or receives that message.
"""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

SERVICE = """\
---
id: {id}
name: {id}
version: 1.0.0
summary: The {id}.
owners: [{team}]
{relations}---
The {id}.
"""

MESSAGE = """\
---
id: {id}
name: {id}
version: {version}
summary: The {id} message.
owners: [{team}]
---
The {id} message.
"""

TEAM = "---\nid: {id}\nname: {id}\nsummary: The {id}.\n---\nThe {id}.\n"

# A shopper places an order (a command the order service handles; it publishes order-placed), and
# the payment service, of another team, charges for it on order-placed: processed or failed.
MESSAGES_ONLY = """\
---
id: order-payment
name: Order payment
version: 1.0.0
summary: An order is placed, then paid for.
owners: [orders-team]
steps:
  - id: shopper
    title: Shopper
    actor: {name: Shopper}
    next_step: {id: place_order, label: Places an order}
  - id: place_order
    title: Place order
    message: {id: place-order, version: 1.0.0}
    next_step: {id: order_placed, label: Order placed}
  - id: order_placed
    title: Order placed
    message: {id: order-placed, version: 1.0.0}
    next_steps:
      - {id: payment_processed, label: Charge}
      - {id: payment_failed, label: Payment failed}
  - id: payment_processed
    title: Payment processed
    message: {id: payment-processed, version: 1.0.0}
  - id: payment_failed
    title: Payment failed
    message: {id: payment-failed, version: 1.0.0}
---
Order payment.
"""

# The same saga with the payment service drawn after order-placed (a choreographed step).
DRAWN = MESSAGES_ONLY.replace(
    "    next_steps:\n      - {id: payment_processed, label: Charge}\n      - {id: payment_failed, label: Payment failed}\n",
    "    next_step: {id: payment_service, label: Charge}\n"
    "  - id: payment_service\n"
    "    title: Payment service\n"
    "    service: {id: payment-service}\n"
    "    next_steps:\n      - {id: payment_processed, label: Paid}\n      - {id: payment_failed, label: Payment failed}\n",
)


def catalog_files(flow: str = MESSAGES_ONLY, order_placed_received: str = "") -> dict[str, str]:
    """The catalog of the saga: the order service handles place-order and sends order-placed; the
    payment service receives order-placed (``order_placed_received``: its version line, if any)
    and sends payment-processed and payment-failed."""
    files = {
        "flows/OrderPayment/index.mdx": flow,
        "services/Orders/index.mdx": SERVICE.format(
            id="order-service", team="orders-team",
            relations="receives:\n  - id: place-order\nsends:\n  - id: order-placed\n"),
        "services/Payments/index.mdx": SERVICE.format(
            id="payment-service", team="payments-team",
            relations=f"receives:\n  - id: order-placed\n{order_placed_received}sends:\n"
                      "  - id: payment-processed\n  - id: payment-failed\n"),
        "teams/orders-team.mdx": TEAM.format(id="orders-team"),
        "teams/payments-team.mdx": TEAM.format(id="payments-team"),
    }
    for kind, mid, team in (("commands", "place-order", "orders-team"), ("events", "order-placed", "orders-team"),
                            ("events", "payment-processed", "payments-team"), ("events", "payment-failed", "payments-team")):
        files[f"{kind}/{mid}/index.mdx"] = MESSAGE.format(id=mid, version="1.0.0", team=team)
    return files


def with_latest(files: dict[str, str], kind: str, mid: str, team: str) -> dict[str, str]:
    """The message at 2.0.0 (its page), 1.0.0 moved under ``versioned/``: the flow draws 1.0.0."""
    out = dict(files)
    out[f"{kind}/{mid}/versioned/1.0.0/index.mdx"] = out.pop(f"{kind}/{mid}/index.mdx")
    out[f"{kind}/{mid}/index.mdx"] = MESSAGE.format(id=mid, version="2.0.0", team=team)
    return out


def sagas(root: Path) -> dict:
    from saga_lint.pipeline import run_check

    return {s.id: s for s in run_check(root).sagas}


def test_a_map_of_messages_only_has_the_consumer_that_acts_as_its_participant(make_catalog):
    """PaymentFlow's shape: order-placed is drawn straight to payment-processed and payment-failed,
    and no service is drawn. The catalog says who acts: payment-service receives order-placed and
    sends both. It was "not a saga: only one participant has an owner (order-service)" (the
    handler of the command), its payment step unread; now the payment service of another team is
    a participant, the saga is reviewed, and its payment step (choreographed, started by
    order-placed) has its success and failure from the contracts."""
    root = make_catalog(catalog_files())
    saga = sagas(root)["order-payment"]
    assert saga.why.startswith("it spans participants of different owners (order-service (orders-team), "
                               "payment-service (payments-team))"), saga.why
    steps = {s.id: s for s in saga.steps}
    assert list(steps) == ["place_order", "order_placed"]
    pay = steps["order_placed"]
    assert (pay.trigger_kind, pay.participant.id if pay.participant else None) == ("event", "payment-service")
    assert (pay.success, pay.evidence["success"].level) == ("payment-processed", "contract")
    assert [f.event for f in pay.failures] == ["payment-failed"]
    assert pay.evidence["failure"].level == "contract"
    assert saga.coordination == "choreography"


def test_a_map_of_messages_only_with_no_consumer_that_acts_is_no_saga(make_catalog):
    """The passing side of the rule above: when the payment service does not receive order-placed,
    nothing in the catalog says who acts on it; the map has one participant, and is no saga."""
    files = catalog_files()
    files["services/Payments/index.mdx"] = files["services/Payments/index.mdx"].replace(
        "receives:\n  - id: order-placed\n", "")
    root = make_catalog(files)
    assert "order-payment" not in sagas(root)
    proc = run_cli("explain", "order-payment", root)
    assert proc.returncode == 2
    assert "only one participant has an owner (order-service (orders-team))" in proc.stderr, proc.stderr


def test_two_services_that_could_act_on_an_event_are_not_guessed(make_catalog):
    """When two services receive the event and send the message drawn after it, the map does not
    say which one acts: neither is taken as the step's participant."""
    files = catalog_files()
    files["services/Billing/index.mdx"] = SERVICE.format(
        id="billing-service", team="payments-team",
        relations="receives:\n  - id: order-placed\nsends:\n  - id: payment-processed\n")
    root = make_catalog(files)
    assert "order-payment" not in sagas(root)


def test_a_consumer_of_the_latest_version_of_an_event_drawn_at_an_older_one_is_its_step(make_catalog):
    """eventcatalog-ddd's SubscriptionRenewed draws PaymentProcessed 1.0.0 to SubscriptionService,
    which receives 0.0.1: the same events, another version. Here the flow draws order-placed
    1.0.0 and the payment service, drawn after it, receives order-placed with no version (the
    latest, 2.0.0). Its step was not read (the service "does not receive" the version drawn), and
    the saga had one step; it is the choreographed payment step."""
    root = make_catalog(with_latest(catalog_files(DRAWN), "events", "order-placed", "orders-team"))
    steps = {s.id: s for s in sagas(root)["order-payment"].steps}
    assert list(steps) == ["place_order", "order_placed"]
    assert steps["order_placed"].participant is not None and steps["order_placed"].participant.id == "payment-service"
    assert (steps["order_placed"].success, steps["order_placed"].evidence["success"].level) == ("payment-processed", "contract")


def test_a_consumer_pinned_to_the_version_drawn_is_its_step(make_catalog):
    """The passing side: the payment service pinned to order-placed 1.0.0, the version drawn."""
    files = with_latest(catalog_files(DRAWN, "    version: 1.0.0\n"), "events", "order-placed", "orders-team")
    steps = {s.id: s for s in sagas(make_catalog(files))["order-payment"].steps}
    assert list(steps) == ["place_order", "order_placed"]


def test_the_sender_of_the_latest_version_of_a_reply_drawn_at_an_older_one_sends_it(make_catalog):
    """eventcatalog-ddd's PaymentFlow draws PaymentProcessed 0.0.1; PaymentService sends
    PaymentProcessed with no version (1.0.0). The payment step's success, drawn at 1.0.0 while the
    payment service sends the latest (2.0.0), was read from the edge label only (prose, a
    warning); the service sends that event: it is contract evidence."""
    files = with_latest(catalog_files(DRAWN), "events", "payment-processed", "payments-team")
    step = {s.id: s for s in sagas(make_catalog(files))["order-payment"].steps}["order_placed"]
    assert (step.success, step.evidence["success"].level) == ("payment-processed", "contract")


def test_a_handler_of_the_latest_version_of_a_command_drawn_at_an_older_one_is_its_participant(make_catalog):
    """A flow pinned to place-order 1.0.0 while the order service receives place-order with no
    version (2.0.0): the step had no participant ("no service receives place-order", a
    saga/step-owner error, and the saga was judged on one owner); the order service handles it."""
    from saga_lint.pipeline import run_check

    root = make_catalog(with_latest(catalog_files(DRAWN), "commands", "place-order", "orders-team"))
    result = run_check(root)
    step = {s.id: s for s in next(s for s in result.sagas if s.id == "order-payment").steps}["place_order"]
    assert step.participant is not None and step.participant.id == "order-service"
    assert [f.message for f in result.findings if f.rule == "saga/step-owner" and f.step == "place_order"] == []


def _entry_findings(root: Path) -> list[tuple[str | None, str]]:
    from saga_lint.pipeline import run_check

    return [(f.step, f.message) for f in run_check(root).findings if f.rule == "saga/entry"]


START_AS_A_PLAIN_NODE = MESSAGES_ONLY.replace(
    "  - id: shopper\n    title: Shopper\n    actor: {name: Shopper}\n", "  - id: shopper\n    title: Customer places order\n")


def test_a_plain_node_where_the_map_begins_starts_the_entry_message(make_catalog):
    """EventCatalog's PaymentFlow (about ten public repositories) begins with a plain node,
    "Customer places order" (no actor:), drawn to PlaceOrder, which no service sends. Reviewed as a
    saga (listed under sagas:, or across teams), saga/entry said "nothing sends PlaceOrder ... the map
    starts it from no actor or external system": the map draws who starts it, as a plain box."""
    assert _entry_findings(make_catalog(catalog_files(START_AS_A_PLAIN_NODE))) == []


def test_an_entry_message_drawn_from_nothing_still_has_no_sender(make_catalog):
    """The failing side: with nothing drawn before place-order (and no service sending it), nothing starts the saga."""
    flow = START_AS_A_PLAIN_NODE.replace("  - id: shopper\n    title: Customer places order\n"
                                         "    next_step: {id: place_order, label: Places an order}\n", "")
    found = _entry_findings(make_catalog(catalog_files(flow)))
    assert [(s, m.split(",")[0]) for s, m in found] == [("place_order", "nothing sends place-order")]


def test_a_plain_node_drawn_after_another_step_is_no_starter(make_catalog):
    """A plain node inside the map (something is drawn into it: a "Payment Failed" box, a join) is
    no starter: only one where the map begins names who starts it."""
    flow = START_AS_A_PLAIN_NODE.replace(
        "    next_step: {id: place_order, label: Places an order}\n",
        "    next_step: {id: checkout, label: Checks out}\n"
        "  - id: checkout\n    title: Checkout page\n    next_step: {id: place_order, label: Places an order}\n")
    found = _entry_findings(make_catalog(catalog_files(flow)))
    assert [(s, m.split(",")[0]) for s, m in found] == [("place_order", "nothing sends place-order")]


def test_an_unlabelled_failure_branch_is_called_unlabelled(make_catalog):
    """PaymentFlow draws payment_initiated -> payment_failed (a plain node titled "Payment Failed")
    with no label; the step's failure evidence read 'labelled edge "(no label)" to payment_failed'."""
    flow = MESSAGES_ONLY.replace("      - {id: payment_failed, label: Payment failed}\n", "      - payment_failed\n")
    flow = flow.replace("    title: Payment failed\n    message: {id: payment-failed, version: 1.0.0}\n",
                        "    title: Payment Failed\n    type: node\n")
    step = {s.id: s for s in sagas(make_catalog(catalog_files(flow)))["order-payment"].steps}["order_placed"]
    assert step.evidence["failure"].note.startswith("unlabelled edge to payment_failed;"), step.evidence["failure"].note


# DRAWN with the handler of place-order drawn as a service, and payment-failed drawn back to it
ROLLBACK = DRAWN.replace(
    "    next_step: {id: order_placed, label: Order placed}\n",
    "    next_step: {id: order_service, label: Handle}\n"
    "  - id: order_service\n    title: Order service\n    service: {id: order-service}\n"
    "    next_step: {id: order_placed, label: Order placed}\n",
).replace("    title: Payment failed\n    message: {id: payment-failed, version: 1.0.0}\n",
          "    title: Payment failed\n    message: {id: payment-failed, version: 1.0.0}\n"
          "    next_step: {id: order_service, label: Subscribe event & Rollback order}\n")


def _loop_findings(make_catalog, flow: str, order_receives_failure: bool = True) -> list[tuple[str | None, str]]:
    from saga_lint.pipeline import run_check

    files = catalog_files(flow)
    if order_receives_failure:
        files["services/Orders/index.mdx"] = files["services/Orders/index.mdx"].replace(
            "  - id: place-order\n", "  - id: place-order\n  - id: payment-failed\n")
    return [(f.step, f.message) for f in run_check(make_catalog(files)).findings if f.rule == "saga/loop-bound"]


def test_a_reply_drawn_back_to_the_service_that_receives_it_is_no_loop(make_catalog):
    """BookWorm's CreateOrder (foxminchan/BookWorm) draws its saga's coordinator once and draws the
    replies back to it: BasketDeletedFailedEvent -> FinanceService ("Subscribe event"), and
    DeleteBasketFailedCommand -> OrderingService ("Subscribe event & Rollback order"), which
    receive them. Read as retry loops, each was "nothing bounds it: it can retry forever" (four
    errors). A message delivered to a service drawn earlier that receives it repeats nothing."""
    assert _loop_findings(make_catalog, ROLLBACK) == []


def test_a_message_drawn_back_to_a_service_that_does_not_receive_it_is_a_loop(make_catalog):
    """The failing side: the order service does not receive payment-failed; the edge back is a loop."""
    found = _loop_findings(make_catalog, ROLLBACK, order_receives_failure=False)
    assert [s for s, _ in found] == ["order_placed"], found
    assert "the map draws a loop \"Subscribe event & Rollback order\" from payment_failed back to order_service" in found[0][1]


def test_a_message_drawn_back_with_a_retry_label_is_a_loop(make_catalog):
    """An edge back that says it retries is a loop, even to a service that receives the message."""
    found = _loop_findings(make_catalog, ROLLBACK.replace("label: Subscribe event & Rollback order", "label: Retry the order"))
    assert [s for s, _ in found] == ["order_placed"], found
