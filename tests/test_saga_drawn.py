"""Flow shapes the other saga tests do not draw, each on a copy of our catalog (catalog/).

Found by drawing our two sagas the ways real catalogs draw flows: without their ``x-saga`` block
(the plain EventCatalog flow a team starts from), with the success event drawn after the container
it is recorded in, with the compensation commands drawn on the failure branch, with a "Saga
steps" table keyed by trigger events, with a pinned message version. Each test states the
finding expected (or its absence) exactly.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import OUR_CATALOG
from test_saga import FLOW, Hit, edit, hits, messages, saga_findings

FULFILMENT = "domains/Fulfilment/systems/shipping-system/flows/OrderFulfilment/index.mdx"
FULFILMENT_DOCS = "docs/flows/order-fulfilment.mdx"
FULFILMENT_SAGA = "flow order-fulfilment@1.0.0"


@pytest.fixture
def cat(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(OUR_CATALOG, root)
    return root


def plain(root: Path, rel: str) -> Path:
    """The flow without its x-saga block: the plain EventCatalog flow a team starts from."""
    edit(root, rel, lambda d: d.pop("x-saga"))
    return root


def of(found: list[Hit], resource: str) -> list[Hit]:
    return [h for h in found if h.resource == resource]


def test_a_success_event_drawn_after_the_container_it_is_recorded_in(cat):
    """shipping-service -> shipment-database -> shipment-dispatched: the event shipping-service
    sends, drawn after the container it writes, is the step's success (contract), as it is the
    saga's durable outcome; no "no success condition"."""
    from saga_lint.pipeline import run_check

    plain(cat, FULFILMENT)
    assert of(hits(cat, "saga/success-condition"), FULFILMENT_SAGA) == []
    saga = next(s for s in run_check(cat).sagas if s.id == "order-fulfilment")
    dispatch = saga.steps[-1]
    assert (dispatch.success, dispatch.evidence["success"].level) == ("shipment-dispatched", "contract")


def test_a_saga_steps_table_keyed_by_trigger_events_matches_a_choreography(cat):
    """The plain choreography's steps are named after their trigger event nodes (order_created,
    payment_captured); its docs table names them "Capture payment" and "Dispatch shipment" with a
    Trigger column: a row is matched by the event that starts the step, so the table is neither
    missing the steps nor listing others, and its status cells are read as prose."""
    from saga_lint.pipeline import run_check

    plain(cat, FULFILMENT)
    assert of(hits(cat, "saga/docs-drift"), FULFILMENT_SAGA) == []
    saga = next(s for s in run_check(cat).sagas if s.id == "order-fulfilment")
    assert [(s.id, s.evidence["status"].level, s.evidence["status"].value) for s in saga.steps] == [
        ("order_created", "prose", "PREPARING"), ("payment_captured", "prose", "PREPARING")]


RELEASE_ON_DECLINE = (
    ("      - id: compensate\n        label: Declined\n", "      - id: release_after_decline\n        label: Declined\n"),
    ("  - id: saga_complete\n    title", "  - id: release_after_decline\n    title: Release inventory\n    message:\n"
     "      id: release-inventory\n      version: 1.0.0\n    next_step:\n      id: checkout_abandoned\n"
     "      label: Released\n\n  - id: saga_complete\n    title"),
)


def _release_drawn_on_decline(root: Path) -> Path:
    """The checkout saga drawing its undo as a command on the failure branch: authorize_payment
    --Declined--> release-inventory --Released--> checkout abandoned (not the Compensation node)."""
    flow = root / FLOW
    text = flow.read_text("utf-8")
    for old, new in RELEASE_ON_DECLINE:
        assert text.count(old) == 1
        text = text.replace(old, new)
    flow.write_text(text, "utf-8")
    return root


def test_a_compensation_command_drawn_on_the_failure_branch_is_no_step(cat):
    """release-inventory, which x-saga declares as reserve_inventory's compensation, drawn on the
    "Declined" branch, is that compensation: no fourth step (which had no status, no retry, a
    second pivot and a "failure path without compensation"), and the path reaches compensation."""
    from saga_lint.pipeline import run_check

    _release_drawn_on_decline(cat)
    assert hits(cat) == []
    saga = next(s for s in run_check(cat).sagas if s.id == "checkout-saga")
    assert [s.id for s in saga.steps] == ["reserve_inventory", "authorize_payment", "create_order"]


def test_a_compensation_command_drawn_on_the_failure_branch_of_a_plain_flow(cat):
    """Without x-saga: a command that undoes (release-) drawn only after a failure branch is the
    compensation of the step whose participant receives it (contract: drawn, and received), not a
    step; the steps and the pivot are those of the flow without it."""
    from saga_lint.pipeline import run_check

    plain(_release_drawn_on_decline(cat), FLOW)
    saga = next(s for s in run_check(cat).sagas if s.id == "checkout-saga")
    assert [(s.id, s.type) for s in saga.steps] == [
        ("reserve_inventory", "compensatable"), ("authorize_payment", "compensatable"), ("create_order", "pivot")]
    reserve = saga.steps[0]
    assert (reserve.compensation, reserve.evidence["compensation"].level) == ("release-inventory", "contract")
    assert not [h for h in hits(cat, "saga/failure-condition") if h.step == "authorize_payment"]


def test_the_whole_saga_must_fit_its_deadline_not_only_each_step(cat):
    """Each step's retries fit a 1m deadline (6.6s, 16.5s, 22.5s), but the steps run one after
    another: 45.6s forward, and when create_order fails for good after its retries, both
    compensations (22.5s each) after it: 90.6s (the sum our catalog's comment makes for its 2m).
    One finding, at the deadline; a deadline one step alone exceeds stays that step's finding."""
    change_deadline = (cat / FLOW).read_text("utf-8").replace("  deadline: 2m\n", "  deadline: 1m\n")
    (cat / FLOW).write_text(change_deadline, "utf-8")
    found = [f for f in saga_findings(cat, "saga/retry-policy")]
    assert [(f.step, f.field, str(f.severity)) for f in found] == [(None, "x-saga.deadline", "error")]
    assert found[0].message == (
        "the saga can run for 90.6s in the worst case, longer than its deadline 60s: reserve_inventory 6.6s + "
        "authorize_payment 16.5s + create_order 22.5s with every retry used, then, when create_order fails for good, "
        "the compensations of authorize_payment 22.5s + reserve_inventory 22.5s. Reduce attempts or timeouts, or "
        "raise the deadline.")
    (cat / FLOW).write_text(change_deadline.replace("  deadline: 1m\n", "  deadline: 20s\n"), "utf-8")
    assert [f.step for f in saga_findings(cat, "saga/retry-policy")] == ["create_order"]


def test_a_step_pinned_to_a_version_the_catalog_lacks_is_still_the_step(cat):
    """create_order drawn with ``version: 0.9.0``, which create-order does not have: one cause, one
    finding (refs/valid-version-range). The saga still reads the command (its latest version), so
    create_order stays the pivot: no second pivot taken from the flow order, no outcome "not sent by
    payment-service", no x-saga step "which is no step"."""
    from saga_lint.pipeline import run_check

    text = (cat / FLOW).read_text("utf-8")
    old = "      id: create-order\n      version: 1.0.0\n"
    assert text.count(old) == 1
    (cat / FLOW).write_text(text.replace(old, "      id: create-order\n      version: 0.9.0\n"), "utf-8")
    found = run_check(cat).findings
    assert [(f.rule, f.file) for f in found] == [("refs/valid-version-range", FLOW)]


def test_a_declared_status_nothing_sets_is_a_warning_at_it(cat):
    """ON_HOLD is in x-saga.statuses, but no step, failure, onSuccess or onCompensationFailure
    sets it: the customer never sees it (a status meant for a step that forgot it, or a leftover).
    A warning (the vocabulary is not wrong, only unused), at the status."""
    text = (cat / FLOW).read_text("utf-8")
    old = '    NEEDS_ATTENTION: { text: "We\'re looking into a problem with your order", terminal: true }\n'
    assert text.count(old) == 1
    (cat / FLOW).write_text(text.replace(old, old + '    ON_HOLD: { text: "Your order is on hold", terminal: true }\n'), "utf-8")
    found = saga_findings(cat, "saga/customer-status")
    assert [(f.step, f.field, str(f.severity)) for f in found] == [(None, "x-saga.statuses.ON_HOLD", "warning")]
    assert found[0].message == (
        'status "ON_HOLD" is declared in x-saga.statuses, but no step, failure, onSuccess or onCompensationFailure '
        "sets it, so the customer never sees it. Set it where it applies, or remove it.")


def _edited(root: Path, rel: str, *edits: tuple[str, str]) -> Path:
    text = (root / rel).read_text("utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (root / rel).write_text(text, "utf-8")
    return root


def test_a_failure_branch_that_retries_the_step_is_a_loop_not_an_abandoned_path(cat):
    """create_order --"Order service unavailable"--> Timer "Wait 5s" --Retry--> create_order: the
    failure path comes back to the step (a retry), it does not end the saga, so it is not "without
    compensation, leaving reserve_inventory, authorize_payment uncompensated" (whose fix, "route it
    to the Compensation node", would be wrong). That the loop needs a bound is saga/loop-bound's."""
    plain(_edited(cat, FLOW,
            ("      - id: compensate\n        label: Order not created\n",
             "      - id: wait\n        label: Order service unavailable\n"),
            ("  - id: saga_complete\n    title",
             "  - id: wait\n    title: Wait\n    custom:\n      title: Wait 5s\n      type: Timer\n"
             "    next_step:\n      id: create_order\n      label: Retry\n\n  - id: saga_complete\n    title")), FLOW)
    assert [h for h in hits(cat, "saga/failure-condition") if h.severity == "error"] == []
    assert [(h.step, h.severity) for h in hits(cat, "saga/loop-bound")] == [("create_order", "warning")]


def test_the_last_step_of_a_plain_flow_is_not_asked_for_an_undo_command(cat):
    """create_order, the last step (taken as the pivot), draws "Order not created" to the
    Compensation node: that node undoes the steps before it, nothing undoes the pivot. Not "the
    compensation is described in prose but is no command contract. Add the undo command's page,
    received by order-service"; the pivot taken from the flow order is saga/pivot's warning."""
    plain(cat, FLOW)
    assert [h for h in hits(cat, "saga/compensation") if h.step == "create_order"] == []
    assert [(h.step, h.severity) for h in hits(cat, "saga/pivot")] == [("create_order", "warning")]


def test_a_choreographed_trigger_the_map_does_not_draw_before_the_participant(cat):
    """x-saga says dispatch_shipment starts on order-created (so shipping would start before the
    payment is captured), while the map draws payment-captured -> shipping-service: the two
    disagree, at the trigger key. order-created is drawn elsewhere (capture_payment's trigger),
    so "not drawn in the map" did not say it."""
    _edited(cat, FULFILMENT, ("      trigger: payment-captured\n", "      trigger: order-created\n"))
    found = [f for f in saga_findings(cat, "saga/map-agreement") if str(f.resource) == FULFILMENT_SAGA]
    assert [(f.step, f.field) for f in found] == [("dispatch_shipment", "x-saga.steps.dispatch_shipment.trigger")]
    assert found[0].message == ("step dispatch_shipment: x-saga says it starts on order-created, but the map draws "
                                "payment-captured before its participant node dispatch_shipment.")


def test_a_compensation_on_a_success_event_undoes_every_run_that_succeeds(cat):
    """capture_payment's compensation.on shipment-dispatched: the success of dispatch_shipment, so
    the payment would be refunded for every order that ships. An error at compensation.on that
    names the later failure events to undo on instead."""
    _edited(cat, FULFILMENT, ("        on: shipment-failed\n", "        on: shipment-dispatched\n"))
    found = [f for f in saga_findings(cat, "saga/compensation") if str(f.resource) == FULFILMENT_SAGA]
    assert [(f.step, f.field) for f in found] == [("capture_payment", "x-saga.steps.capture_payment.compensation.on")]
    assert found[0].message == (
        "step capture_payment: compensation.on is shipment-dispatched, the success event of dispatch_shipment: "
        "payment-service would undo its work on every run that succeeds. Undo on a later step's failure event "
        "(shipment-failed).")


def test_a_redelivered_choreographed_step_without_idempotency(cat):
    """dispatch_shipment's consumer redelivers payment-captured up to 5 times (its retry), but the
    step declares no idempotency: a redelivery after a commit whose acknowledgement was lost does
    the work twice. An error at the step's retry, as for a retried compensation not declared
    idempotent."""
    _edited(cat, FULFILMENT, ("      retry: { maxAttempts: 5, initialInterval: 1s, backoffCoefficient: 2.0, maxInterval: 8s, "
                              "timeout: 30s }\n      idempotency: { key: orderId }\n",
                              "      retry: { maxAttempts: 5, initialInterval: 1s, backoffCoefficient: 2.0, maxInterval: 8s, "
                              "timeout: 30s }\n"))
    found = [f for f in saga_findings(cat, "saga/idempotency") if str(f.resource) == FULFILMENT_SAGA]
    assert [(f.step, f.field) for f in found] == [("dispatch_shipment", "x-saga.steps.dispatch_shipment.retry")]
    assert found[0].message == (
        "step dispatch_shipment: shipping-service's consumer of payment-captured is redelivered up to 5 times, but the "
        "step declares no idempotency: a redelivery after a commit whose acknowledgement was lost does the work twice. "
        "Make the handling safe to repeat and declare idempotency: {key: <a field of payment-captured>}.")


def test_an_x_saga_step_key_with_a_typo_names_the_step_it_probably_means(cat):
    _edited(cat, FLOW, ("    authorize_payment:\n      type: compensatable", "    authorize_paymnet:\n      type: compensatable"))
    found = saga_findings(cat, "saga/schema")
    assert [(f.step, f.field) for f in found] == [("authorize_paymnet", "x-saga.steps.authorize_paymnet")]
    assert found[0].message == ('x-saga.steps names "authorize_paymnet", which is no step of this flow; use the id of a '
                                'flow step. Did you mean "authorize_payment"?')


TYPO_KEY = ("    authorize_payment:\n      type: compensatable", "    authorize_paymnet:\n      type: compensatable")


def test_an_x_saga_step_key_with_a_typo_is_one_finding_not_the_step_missing_everything(cat):
    """The block under the misspelt key describes the step the did-you-mean names: that step is
    not also "missing" its retry, statuses and entry (four follow-on findings of other rules that
    the one fix, renaming the key, clears). The did-you-mean is the only finding."""
    from saga_lint.pipeline import run_check

    _edited(cat, FLOW, TYPO_KEY)
    found = run_check(cat).findings
    assert [(f.rule, f.step, f.field) for f in found] == [
        ("saga/schema", "authorize_paymnet", "x-saga.steps.authorize_paymnet")]


def test_a_finding_of_a_block_under_a_misspelt_key_is_placed_at_the_key_as_written(cat):
    """The misspelt block is read as authorize_payment's: its broken retry policy is reported for
    that step, at the retry under the key as written (there is no x-saga.steps.authorize_payment)."""
    retry = "      retry: { maxAttempts: %d, initialInterval: 500ms, backoffCoefficient: 2.0, maxInterval: 2s"
    _edited(cat, FLOW, TYPO_KEY, (retry % 3, retry % 0))
    found = saga_findings(cat, "saga/retry-policy")
    assert [(f.step, f.field) for f in found] == [("authorize_payment", "x-saga.steps.authorize_paymnet.retry")]
    assert "maxAttempts is 0" in found[0].message


@pytest.mark.parametrize(("field", "key", "rest"), [
    ("compensation", "compensaton", ":\n        command: void-authorization"),
    ("failures", "failurs", ":\n        - { event: payment-declined"),
    ("retry", "retyr", ": { maxAttempts: 3, initialInterval: 500ms, backoffCoefficient: 2.0, maxInterval: 2s"),
])
def test_a_misspelt_field_of_an_x_saga_step_is_one_finding(cat, field, key, rest):
    """``compensaton:`` in authorize_payment's block: one saga/schema finding at the key as written,
    naming the field it probably means; the value under it is read as that field, so the step is
    not also "missing" it (documented only in prose, undeclared failures, no retry policy)."""
    from saga_lint.pipeline import run_check

    _edited(cat, FLOW, (f"      {field}{rest}", f"      {key}{rest}"))
    found = run_check(cat).findings
    assert [(f.rule, f.step, f.field) for f in found] == [
        ("saga/schema", "authorize_payment", f"x-saga.steps.authorize_payment.{key}")]
    assert found[0].message == (f'x-saga.steps.authorize_payment has the key "{key}", which is no x-saga field there (a field '
                                f'of your own starts with x-). Did you mean "{field}"? See the x-saga schema (docs/saga.md).')


def test_a_finding_of_a_misspelt_field_is_placed_at_the_field_as_written(cat):
    retry = "      %s: { maxAttempts: %d, initialInterval: 500ms, backoffCoefficient: 2.0, maxInterval: 2s"
    _edited(cat, FLOW, (retry % ("retry", 3), retry % ("retyr", 0)))
    found = saga_findings(cat, "saga/retry-policy")
    assert [(f.step, f.field) for f in found] == [("authorize_payment", "x-saga.steps.authorize_payment.retyr")]
    assert "maxAttempts is 0" in found[0].message


NOTIFICATIONS = "domains/Ordering/systems/order-management-system/services/NotificationService"
ORCHESTRATOR = "domains/Ordering/systems/checkout-system/services/CheckoutOrchestrator/index.mdx"


def _page(kind: str, mid: str) -> str:
    return (f"---\nid: {mid}\nname: {mid}\nversion: 1.0.0\nsummary: The {mid} {kind}.\nowners:\n  - platform-engineering\n"
            f"schemaPath: schema.json\n---\nThe {mid} {kind}.\n")


def _confirmation_after_the_pivot(root: Path) -> Path:
    """A retriable step after the pivot: create_order -> send_confirmation (notification-service),
    retried until the e-mail goes out; its only failure is technical (what the customer sees when
    the retries run out)."""
    schema = '{"type": "object", "properties": {"orderId": {"type": "string"}}, "required": ["orderId"]}'
    pages = {
        f"{NOTIFICATIONS}/index.mdx": "---\nid: notification-service\nname: Notification Service\nversion: 1.0.0\n"
        "summary: Sends order e-mails.\nowners:\n  - platform-engineering\nreceives:\n  - id: send-confirmation\n"
        "    version: 1.0.0\nsends:\n  - id: confirmation-sent\n    version: 1.0.0\n---\nSends e-mails.\n",
        f"{NOTIFICATIONS}/commands/send-confirmation/index.mdx": _page("command", "send-confirmation"),
        f"{NOTIFICATIONS}/commands/send-confirmation/schema.json": schema,
        f"{NOTIFICATIONS}/events/confirmation-sent/index.mdx": _page("event", "confirmation-sent"),
        f"{NOTIFICATIONS}/events/confirmation-sent/schema.json": schema,
    }
    for rel, text in pages.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, "utf-8")
    _edited(root, ORCHESTRATOR, ("sends:\n", "sends:\n  - id: send-confirmation\n    version: 1.0.0\n"),
            ("receives:\n", "receives:\n  - id: confirmation-sent\n    version: 1.0.0\n"))
    _edited(root, "docs/flows/checkout-saga.mdx", (
        "| Create order | [[command\\|create-order]] |",
        "| Send confirmation | [[command\\|send-confirmation]] | [[team\\|platform-engineering]] | "
        "[[event\\|confirmation-sent]] | timeout after 3 attempts | none: retried | PROCESSING |\n"
        "| Create order | [[command\\|create-order]] |"))
    return _edited(root, FLOW, (
        "      - id: saga_complete\n        label: Order created", "      - id: send_confirmation\n        label: Order created"),
        ("  - id: saga_complete\n    title", "  - id: send_confirmation\n    title: Send confirmation\n    message:\n"
         "      id: send-confirmation\n      version: 1.0.0\n    next_step:\n      id: saga_complete\n      label: Sent\n\n"
         "  - id: saga_complete\n    title"),
        ("      status: PROCESSING\n---", "      status: PROCESSING\n    send_confirmation:\n      type: retriable\n"
         "      owner: platform-engineering\n      success: confirmation-sent\n"
         "      failures: [{ error: timeout, status: CONFIRMED }]\n"
         "      retry: { maxAttempts: 3, initialInterval: 500ms, backoffCoefficient: 2.0, maxInterval: 4s, timeout: 3s }\n"
         "      compensation: none\n      compensationNote: an e-mail cannot be unsent; retried until it goes out\n"
         "      status: PROCESSING\n---"))


def test_a_retriable_step_after_the_pivot_whose_retries_can_run_out(cat):
    """A step after the pivot must be retried until it succeeds (saga-extension.md): the saga can
    no longer be undone. send_confirmation's retry stops after 3 attempts and nothing says what
    happens then (CONFIRMED is what the customer sees, but no one is told): ``saga-lint verify``
    reports send_confirmation=exhaust as leaving the order open, and check says so, once, at
    maxAttempts. Its technical failure is still no path the
    map must draw for saga/failure-condition (there is nothing to compensate after the pivot)."""
    _confirmation_after_the_pivot(cat)
    assert [(h.rule, h.step, h.at) for h in hits(cat)] == [
        ("saga/retry-policy", "send_confirmation", "x-saga.steps.send_confirmation.retry.maxAttempts")]
    assert messages(cat, "saga/retry-policy") == [
        "step send_confirmation: it comes after the pivot create_order, so it must be retried until it succeeds, but "
        "retry.maxAttempts is 3: when the last attempt fails the saga can neither finish nor undo create_order, and the "
        "status CONFIRMED of its technical failures reaches no one. Give its technical failures the status "
        "onCompensationFailure declares (NEEDS_ATTENTION), which must reach a person, as for a compensation that never "
        "succeeds."]


def test_a_retriable_step_after_the_pivot_whose_exhausted_retries_reach_a_person(cat):
    """The same step, with what happens after its last attempt declared: its technical failure ends
    in the status the saga declares for what must reach a person (onCompensationFailure:
    NEEDS_ATTENTION), as a compensation that never succeeds does. Clean. (A failure branch drawn
    after it is no such declaration: saga/failure-condition asks a failure path to compensate.)"""
    _confirmation_after_the_pivot(cat)
    _edited(cat, FLOW, ("[{ error: timeout, status: CONFIRMED }]", "[{ error: timeout, status: NEEDS_ATTENTION }]"))
    assert hits(cat) == []


def test_a_retriable_step_without_failures_is_not_told_to_draw_a_compensation(cat):
    """Without ``failures`` the retriable step has no failure condition, but after the pivot there
    is nothing to compensate: the message asks for the technical errors it is retried on and the
    status the customer sees when the retries run out."""
    _edited(_confirmation_after_the_pivot(cat), FLOW, ("      failures: [{ error: timeout, status: CONFIRMED }]\n", ""))
    _edited(cat, "docs/flows/checkout-saga.mdx", ("| timeout after 3 attempts | none: retried |", "| | none: retried |"))
    found = saga_findings(cat, "saga/failure-condition")
    assert [(f.step, str(f.severity)) for f in found] == [("send_confirmation", "error")]
    assert found[0].message == (
        "step send_confirmation: no failure condition: nothing says what happens if it fails after the earlier steps "
        "succeeded. Declare failures in x-saga: the technical errors it is retried on ({error: timeout}), each with the "
        "status the customer sees when the retries run out (a retriable step has no business failure and nothing to "
        "compensate).")


@pytest.mark.parametrize(("version", "expected"), [("2.0.0", True), ("1.x", False), ("latest", False), ("^1.0.0", False)])
def test_an_x_saga_pointer_pinned_to_a_version_the_catalog_lacks(cat, version, expected):
    """``success: {id: payment-authorized, version: 2.0.0}``: the catalog has only 1.0.0, so the
    contract the step relies on is not the one checked. Ranges and ``latest`` that match pass."""
    _edited(cat, FLOW, ("      success: payment-authorized\n",
                        f"      success: {{ id: payment-authorized, version: '{version}' }}\n"))
    found = saga_findings(cat, "saga/schema")
    if not expected:
        assert found == []
        return
    assert [(f.step, f.field) for f in found] == [("authorize_payment", "x-saga.steps.authorize_payment.success.version")]
    assert found[0].message == ('x-saga.steps.authorize_payment.success asks for payment-authorized version "2.0.0", but '
                                "the catalog has only 1.0.0. Point at one of those versions.")


PAYMENT_FLOW = """---
id: payment-flow
name: Payment flow
version: 1.0.0
summary: Authorize the payment.
owners: [payments-platform]
steps:
  - id: authorize
    title: Authorize
    message: {id: authorize-payment, version: 1.0.0}
    next_step: {id: done, label: Authorized}
  - id: done
    title: Done
    custom: {title: Authorized, type: Outcome}
---
Payment.
"""


def test_a_failure_branch_of_a_sub_flow_step_must_reach_compensation(cat):
    """The checkout embeds its payment as a sub-flow (``flow: payment-flow``) and draws its
    "Declined" branch to the abandoned end, not to the Compensation node: the stock reserved
    before it stays reserved. The sub-flow node is no saga step, but its failure branch is checked
    like a step's, at the node."""
    (cat / "flows/PaymentFlow").mkdir(parents=True)
    (cat / "flows/PaymentFlow/index.mdx").write_text(PAYMENT_FLOW, "utf-8")
    _edited(cat, FLOW,
            ("    message:\n      id: authorize-payment\n      version: 1.0.0\n", "    flow:\n      id: payment-flow\n"),
            ("      - id: compensate\n        label: Declined\n", "      - id: checkout_abandoned\n        label: Declined\n"))
    plain(cat, FLOW)
    found = [f for f in saga_findings(cat, "saga/failure-condition") if "sub-flow" in f.message]
    assert [(f.step, f.field, str(f.severity)) for f in found] == [(None, "steps[3].next_steps[1]", "error")]
    assert found[0].message == (
        'the sub-flow step authorize_payment (payment-flow): the failure path "Declined" goes to checkout_abandoned '
        "without compensation, leaving reserve_inventory uncompensated. Route it to the Compensation node.")


PAYMENT_ROW = "| Authorize payment | [[command\\|authorize-payment]] |"


def _payment_as_a_sub_flow(root: Path) -> Path:
    """The plain checkout embedding its payment as a sub-flow: authorize_payment draws
    ``flow: payment-flow`` (whose Declined branch still reaches the Compensation node)."""
    (root / "flows/PaymentFlow").mkdir(parents=True)
    (root / "flows/PaymentFlow/index.mdx").write_text(PAYMENT_FLOW, "utf-8")
    _edited(root, FLOW, ("    message:\n      id: authorize-payment\n      version: 1.0.0\n",
                         "    flow:\n      id: payment-flow\n"))
    return plain(root, FLOW)


@pytest.mark.parametrize("row", [PAYMENT_ROW, "| Take payment | [[flow\\|payment-flow]] |"], ids=["by-title", "by-flow-link"])
def test_a_saga_steps_row_naming_an_embedded_sub_flow_matches_it(cat, row):
    """The docs table keeps its "Authorize payment" row, now the sub-flow step authorize_payment
    (matched by the node's title, or by the flow it embeds in the Command column): it is no
    "step of the saga" (a sub-flow is reviewed on its own), and no row that the flow lacks."""
    _payment_as_a_sub_flow(cat)
    _edited(cat, "docs/flows/checkout-saga.mdx", (PAYMENT_ROW, row))
    assert [f.message for f in saga_findings(cat, "saga/docs-drift")] == []


def test_a_saga_steps_row_naming_a_flow_the_saga_does_not_embed_is_still_no_step(cat):
    _payment_as_a_sub_flow(cat)
    _edited(cat, "docs/flows/checkout-saga.mdx", (PAYMENT_ROW, "| Refund payment | [[flow\\|refund-flow]] |"))
    found = saga_findings(cat, "saga/docs-drift")
    assert [f.message for f in found] == [
        'the "Saga steps" table lists "Refund payment", which is no step of the saga. Remove the row or add the step to '
        "the flow."]


def test_a_command_drawn_to_a_service_that_does_not_receive_it(cat):
    """The map draws authorize-payment -> order-service (as its handler, with the step's branches),
    while payment-service receives it and order-service does not: the picture shows the wrong
    participant. An error at the handler node, naming both."""
    _edited(cat, FLOW, ("    next_steps:\n      - id: create_order\n        label: Authorized\n      - id: compensate\n"
                        "        label: Declined\n",
                        "    next_step:\n      id: handler\n      label: Handled by\n\n"
                        "  - id: handler\n    title: Order service\n    service:\n      id: order-service\n"
                        "      version: 1.0.0\n    next_steps:\n"
                        "      - id: create_order\n        label: Authorized\n      - id: compensate\n        label: Declined\n"))
    found = saga_findings(cat, "saga/step-owner")
    assert [(f.step, f.field) for f in found] == [("authorize_payment", "steps[4]")]
    assert found[0].message == ("step authorize_payment: the map draws order-service as the handler of authorize-payment, "
                                "but order-service does not receive it (payment-service does). Draw the command to "
                                "payment-service, or correct the receives.")


SHIPPING = "domains/Fulfilment/systems/shipping-system/services/ShippingService/index.mdx"


def test_a_drawn_consumer_that_acts_on_an_event_it_does_not_receive(cat):
    """The map draws payment-captured -> shipping-service -> shipment-database -> shipment-dispatched,
    but shipping-service does not receive payment-captured: the dispatch step the map draws has no
    participant, so it silently was no step (and capture_payment became the last step, "taken as
    the pivot"). An error at the edge, saying what to add."""
    _edited(cat, SHIPPING, ("receives:\n  - id: payment-captured\n    version: 1.0.0\n    from:\n"
                            "      - id: 'orders.{env}.events'\n", ""))
    plain(cat, FULFILMENT)
    found = [f for f in saga_findings(cat, "saga/step-owner") if str(f.resource) == FULFILMENT_SAGA]
    assert [(f.step, f.field) for f in found] == [("payment_captured", "steps[2].next_step")]
    assert found[0].message == (
        "the map draws shipping-service consuming payment-captured and acting on it, but shipping-service does not "
        "receive payment-captured, so the step it draws has no participant and is not reviewed. Add payment-captured "
        "to shipping-service's receives.")


@pytest.mark.parametrize(("old", "new"), [
    ("        - { event: payment-declined, status: PAYMENT_DECLINED }\n",  # a misspelt status: one finding, the use
     "        - { event: payment-declined, status: PAYMENT_DECLIND }\n"),
    ("        - { event: payment-declined, status: PAYMENT_DECLINED }\n",  # a path ending in a non-terminal status
     "        - { event: payment-declined, status: PROCESSING }\n"),
    ("    authorize_payment:\n      type: compensatable", "    authorize_paymnet:\n      type: compensatable"),
])
def test_an_unused_status_is_not_a_second_finding_of_another_cause(cat, old, new):
    """PAYMENT_DECLINED is left unused by a misspelt or wrong status at its use, or by a misspelt step
    key whose block still sets it: the finding of that cause is enough (and the undeclared status
    names the near miss)."""
    _edited(cat, FLOW, (old, new))
    found = [f for f in saga_findings(cat, "saga/customer-status") if "never sees it" in f.message]
    assert found == []
    if "DECLIND" in new:
        assert any('Did you mean "PAYMENT_DECLINED"?' in f.message for f in saga_findings(cat, "saga/customer-status"))


INVENTORY = "domains/Fulfilment/systems/inventory-system/services/InventoryService/index.mdx"


def test_an_undo_command_the_participant_does_not_receive_is_named(cat):
    """The plain checkout saga, with release-inventory gone from inventory-service's receives: the
    command's page is there and the orchestrator sends it; what is missing is the receives entry.
    The finding names the command and that entry, not "Add the undo command's page" (it exists)."""
    plain(cat, FLOW)
    text = (cat / INVENTORY).read_text("utf-8")
    start = text.index("  - id: release-inventory\n")
    (cat / INVENTORY).write_text(text[:start] + text[text.index("sends:", start):], "utf-8")
    found = [f for f in saga_findings(cat, "saga/compensation") if f.step == "reserve_inventory"]
    assert len(found) == 1, found
    assert found[0].message.endswith(
        "checkout-orchestrator sends the command release-inventory, which no step uses, but inventory-service does not "
        "receive it: if it is the undo, add it to inventory-service's receives and declare compensation: "
        "{command: release-inventory, retry: ...} in x-saga.")


def _summary(step_id: str, text: str):
    def put(data: dict) -> None:
        next(s for s in data["steps"] if s["id"] == step_id)["summary"] = text
    return put


@pytest.mark.parametrize(("text", "level", "severity"), [
    ("Retried up to 5 times with exponential backoff (1s, max 30s), 10s timeout per attempt", "prose", "warning"),
    ("The payment provider's client retries transient failures", "prose", "warning"),
    ("Authorize the card; declines and fraud holds are non-retryable", "missing", "error"),  # what may be retried: no policy
    ("Authorize the card", "missing", "error"),
])
def test_a_retry_policy_told_in_the_step_nodes_summary_is_prose(cat, text, level, severity):
    """The plain checkout saga with a summary on authorize_payment's node: words that say how the call
    is tried again are the step's retry policy in prose (saga/retry-policy one level down: documented,
    not checkable), at the summary's line; "non-retryable" says what may not be retried, no policy."""
    from saga_lint.pipeline import run_check

    plain(cat, FLOW)
    edit(cat, FLOW, _summary("authorize_payment", text))
    result = run_check(cat)
    step = next(s for s in result.sagas if s.id == "checkout-saga").step("authorize_payment")
    assert step is not None and step.evidence["retry"].level == level
    found = [f for f in result.findings if f.rule == "saga/retry-policy" and f.step == "authorize_payment"]
    assert [str(f.severity) for f in found] == [severity]
    if level == "prose":
        assert "documented only in prose" in found[0].message and text[:30] in found[0].message
        lines = (cat / FLOW).read_text("utf-8").splitlines()
        assert lines[found[0].line - 1].lstrip().startswith("summary:")
    # the other steps keep their own: no retry policy anywhere else
    others = [f for f in result.findings if f.rule == "saga/retry-policy" and f.step in ("reserve_inventory", "create_order")]
    assert [str(f.severity) for f in others] == ["error", "error"]


def test_a_retry_policy_told_by_the_service_drawn_to_send_the_command_is_prose(cat):
    """A service node drawn right before the command, drawing only it (the activity that sends it),
    tells the retry in its summary: that is the step's retry policy in prose. A service node that
    draws other edges too is some other step's: it tells nothing of this one."""
    from saga_lint.pipeline import run_check

    def sender(data: dict) -> None:
        steps = data["steps"]
        reserve = next(s for s in steps if s["id"] == "reserve_inventory")
        reserve["next_steps"][0] = {"id": "payment_call", "label": "Reserved"}
        at = steps.index(reserve) + 1
        steps.insert(at, {"id": "payment_call", "title": "Authorize activity", "service": {"id": "CheckoutOrchestrator"},
                          "summary": "Temporal activity: retries transient failures with backoff",
                          "next_step": {"id": "authorize_payment"}})

    plain(cat, FLOW)
    edit(cat, FLOW, sender)
    step = next(s for s in run_check(cat).sagas if s.id == "checkout-saga").step("authorize_payment")
    assert step is not None and step.evidence["retry"].level == "prose"
    assert 'node "payment_call"' in step.evidence["retry"].note

    def second_edge(data: dict) -> None:
        node = next(s for s in data["steps"] if s["id"] == "payment_call")
        node["next_steps"] = [node.pop("next_step"), {"id": "compensate", "label": "Unavailable"}]

    edit(cat, FLOW, second_edge)
    step = next(s for s in run_check(cat).sagas if s.id == "checkout-saga").step("authorize_payment")
    assert step is not None and step.evidence["retry"].level == "missing"
