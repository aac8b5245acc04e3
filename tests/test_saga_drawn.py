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
from test_saga import FLOW, Hit, edit, hits

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
