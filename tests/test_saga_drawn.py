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
from test_saga import Hit, edit, hits

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
