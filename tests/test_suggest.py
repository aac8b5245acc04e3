"""The one "did you mean" (saga_lint.suggest): folded names, aliases, only good suggestions."""

from __future__ import annotations

import pytest
from conftest import lint, write_catalog
from hypothesis import given
from hypothesis import strategies as st

from saga_lint.suggest import did_you_mean, fold, nearest


@pytest.mark.parametrize(
    "word, known, want",
    [
        ("OrderPlaced", ["order-placed", "order-paid"], ["order-placed"]),  # case and separators folded
        ("order_placed", ["order-placed"], ["order-placed"]),
        ("ordring", ["ordering", "orders-team"], ["ordering"]),
        ("authorise-payment", ["authorize-payment", "void-authorization"], ["authorize-payment"]),
        ("shipping", ["order-placed", "payment-declined"], []),  # nothing near: no guess
        ("order-placed", ["order-placed"], []),  # the name itself is no suggestion
    ],
)
def test_nearest(word, known, want):
    assert nearest(word, known) == want


@pytest.mark.parametrize(
    "word, known, want",
    [
        # shares most letters, but is no slip of it: 11 edits, Python's bound for 21 + 27 letters is 8
        ("subscription_rejected", ["cancel_subscription_request"], []),
        ("subscription_serivce", ["subscription_service", "subscription_cancelled"], ["subscription_service"]),
        ("ownres", ["owners"], ["owners"]),
        ("OrderPlacd", ["order-placed"], ["order-placed"]),
    ],
)
def test_names_of_the_catalog_are_suggested_only_for_a_plausible_slip(word, known, want):
    """References and flow steps (``slips_only``): the ratio alone would suggest the first."""
    assert nearest(word, known, cutoff=0.7, slips_only=True) == want
    if not want:
        assert nearest(word, known, cutoff=0.7)  # what the ratio alone says (rule and config names)


def test_aliases_point_at_the_name_to_suggest():
    known = {"order-placed": "order-placed", "Order placed": "order-placed", "OrderPlacedEvent": "order-placed"}
    assert nearest("Order Placed", known) == ["order-placed"]
    assert nearest("OrderPlacedEvnt", known) == ["order-placed"]


def test_a_second_suggestion_only_when_it_is_as_good():
    assert nearest("best-practices/owner-requird", ["best-practices/owner-required", "best-practices/schema-required"],
                   cutoff=0.6, most=2) == ["best-practices/owner-required"]
    assert nearest("abcx", ["abcy", "abcz"], cutoff=0.6, most=2) == ["abcy", "abcz"]


@given(st.text(max_size=30), st.lists(st.text(max_size=30), max_size=20))
def test_suggestions_are_known_names_and_never_the_word(word, known):
    for s in nearest(word, known, cutoff=0.0, most=3):
        assert s in known and s != word
    assert did_you_mean(word, []) == ""
    assert fold(fold(word)) == fold(word)


EVENT = "---\nid: order-placed\nname: Order placed\nversion: 1.0.0\nsummary: s\nowners: [core]\n---\nx\n"
TEAM = "---\nid: core\nname: Core\nsummary: The core team.\n---\nx\n"


@pytest.mark.parametrize("written", ["OrderPlaced", "Order placed", "order_placed"])
def test_a_reference_written_as_a_name_or_folder_suggests_the_id(tmp_path, written):
    service = (f"---\nid: orders\nname: Orders\nversion: 1.0.0\nsummary: s\nowners: [core]\nsends:\n"
               f"  - id: {written}\n---\nx\n")
    root = write_catalog(tmp_path, {"events/OrderPlaced/index.mdx": EVENT, "services/Orders/index.mdx": service,
                                    "teams/core.mdx": TEAM})
    [f] = [f for f in lint(root) if f.rule == "refs/resource-exists"]
    assert f.message.endswith('Did you mean "order-placed"? Add its page or correct the id.'), f.message
