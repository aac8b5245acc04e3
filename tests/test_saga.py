"""The saga model and the saga/* rules: each rule fails on a mutant of our catalog and passes on it.

Every test starts from a copy of our own catalog (catalog/: the Acme checkout, a clean, fully
annotated saga) and changes one fact. ``CASES`` is the table the meta-test holds every ``saga/*``
rule to: a failing fixture (text edits of the copy) with the exact finding it must give (rule,
severity, resource, step, file, and the frontmatter field or line at fault), and a passing
fixture (our catalog, or the corrected edit) that gives no saga finding at all. The tests after the
table cover what one row cannot: several findings at once, the retry arithmetic, the evidence
levels of a plain EventCatalog flow (the real corpus).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml
from conftest import OUR_CATALOG, run_cli

FLOW = "domains/Ordering/systems/checkout-system/flows/CheckoutSaga/index.mdx"
ORCH = "domains/Ordering/systems/checkout-system/services/CheckoutOrchestrator/index.mdx"
INVENTORY = "domains/Fulfilment/systems/inventory-system/services/InventoryService/index.mdx"
PAYMENT = "domains/Payments/systems/payment-system/services/PaymentService/index.mdx"
ORDER_SVC = "domains/Ordering/systems/order-management-system/services/OrderService/index.mdx"
DOCS = "docs/flows/checkout-saga.mdx"
SAGA = "flow checkout-saga@1.0.0"  # the resource every saga finding names


# -- fixtures: a copy of our catalog, changed by text edits or by editing parsed frontmatter ---------


@dataclass(frozen=True)
class Change:
    """Replace ``old`` (which must occur exactly once) with ``new`` in one file of the catalog copy."""

    file: str
    old: str
    new: str

    def apply(self, root: Path) -> None:
        path = root / self.file
        if self.old == "" and not path.exists():  # a new page
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.new, "utf-8")
            return
        text = path.read_text("utf-8")
        assert text.count(self.old) == 1, f"{self.file}: {self.old!r} occurs {text.count(self.old)} times"
        path.write_text(text.replace(self.old, self.new), "utf-8")


def change(root: Path, *changes: Change) -> Path:
    for c in changes:
        c.apply(root)
    return root


def _split(text):
    _, fm, body = text.split("---\n", 2)
    return yaml.safe_load(fm), body


def edit(root, rel, fn):
    """Change a page's frontmatter as data: parse it, let ``fn`` change it, write it back."""
    path = root / rel
    data, body = _split(path.read_text("utf-8"))
    fn(data)
    path.write_text("---\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True) + "---\n" + body, "utf-8")


def xsaga(data):
    return data["x-saga"]


@pytest.fixture
def cat(tmp_path):
    root = tmp_path / "catalog"
    shutil.copytree(OUR_CATALOG, root)
    return root


# -- findings, compared exactly --------------------------------------------------------------------


class Hit(NamedTuple):
    """What identifies a finding: the field at fault when it is placed at a frontmatter key, else the line."""

    rule: str
    severity: str
    resource: str
    step: str | None
    file: str
    at: str | int


def saga_findings(root, rule=None):
    from saga_lint.pipeline import run_check

    out = [f for f in run_check(root).findings if f.rule.startswith("saga/")]
    return [f for f in out if rule is None or f.rule == rule]


def hits(root, rule=None) -> list[Hit]:
    return [
        Hit(f.rule, str(f.severity), str(f.resource), f.step, f.file, f.field if f.field is not None else f.line)
        for f in saga_findings(root, rule)
    ]


def messages(root, rule) -> list[str]:
    return [f.message for f in saga_findings(root, rule)]


def line_of(root: Path, rel: str, needle: str) -> int:
    """The 1-based line where ``needle`` (which may span lines, and must occur once) starts in the file."""
    text = (root / rel).read_text("utf-8")
    assert text.count(needle) == 1, f"{rel}: {needle!r} occurs {text.count(needle)} times"
    return text[: text.index(needle)].count("\n") + 1


@dataclass(frozen=True)
class Line:
    """The line where ``needle`` starts in the fixture file (for findings placed by line, not by field)."""

    needle: str


def test_our_catalog_has_no_saga_findings():
    assert saga_findings(OUR_CATALOG) == []


# -- the model ---------------------------------------------------------------------------------------


def test_model_of_our_checkout_saga():
    from saga_lint.pipeline import run_check

    result = run_check(OUR_CATALOG)
    saga = next(s for s in result.sagas if s.id == "checkout-saga")
    assert [s.id for s in saga.steps] == ["reserve_inventory", "authorize_payment", "create_order"]
    assert [s.type for s in saga.steps] == ["compensatable", "compensatable", "pivot"]
    assert saga.orchestrator_id == "checkout-orchestrator"
    for step in saga.steps:  # an owner not declared in x-saga comes from the participant's contract: checked, not declared
        owner = "structured" if "owner" in step.x else "contract"
        assert {a: e.level for a, e in step.evidence.items()} == {
            "owner": owner, **dict.fromkeys(("success", "failure", "retry", "compensation", "status"), "structured")
        }
    assert saga.coordination == "orchestration" and saga.copy_of is None
    assert saga.steps[0].retry is not None and saga.steps[0].retry.worst_case() == pytest.approx(6.6)
    assert saga.steps[0].participant is not None and saga.steps[0].participant.id == "inventory-service"
    assert saga.on_success == "CONFIRMED" and saga.on_compensation_failure == "NEEDS_ATTENTION"
    assert saga.outcome == {"container": "order-database", "event": "order-created"}


def test_worst_case_schedule():
    from saga_lint.saga import RetryPolicy

    p = RetryPolicy.from_mapping({"maxAttempts": 5, "initialInterval": "500ms", "backoffCoefficient": 2,
                                  "maxInterval": "4s", "timeout": "3s"})
    assert p is not None
    assert p.backoff_schedule() == [0.5, 1.0, 2.0, 4.0]
    assert p.worst_case() == pytest.approx(22.5)


def test_on_success_as_a_bare_status_name(cat):
    """The model reads ``onSuccess: CONFIRMED`` as ``onSuccess: {status: CONFIRMED}``; only the schema
    asks for the mapping."""
    from saga_lint.pipeline import run_check

    change(cat, Change(FLOW, "onSuccess: { status: CONFIRMED }", "onSuccess: CONFIRMED"))
    saga = next(s for s in run_check(cat).sagas if s.id == "checkout-saga")
    assert saga.on_success == "CONFIRMED"
    assert hits(cat) == [Hit("saga/schema", "error", SAGA, None, FLOW, "x-saga.onSuccess")]


# -- the table: one failing and one passing fixture per rule ----------------------------------------

RESERVE_RETRY = "retry: { maxAttempts: 3, initialInterval: 200ms"
RELEASE_SENT = "  - id: release-inventory\n    version: 1.0.0\n    to:\n      - id: 'checkout.{env}.commands'\n"
REPLY_RECEIVED = "  - id: inventory-reserved\n    version: 1.0.0\n    from:\n      - id: 'checkout.{env}.replies'\n"
DECLINED_EDGE = "      - id: compensate\n        label: Declined\n"
FAILED_NODE = "  - id: checkout_failed\n    title: Checkout failed\n    custom:\n      title: Failed\n      type: Exception\n"
RETRY_22_5S = "retry: { maxAttempts: 5, initialInterval: 500ms, backoffCoefficient: 2.0, maxInterval: 4s, timeout: 3s }\n"
VOID_COMPENSATION = (
    "      compensation:\n        command: void-authorization\n"
    "        idempotent: true  # the participant answers a repeated undo with the same reply\n"
    "        # 5 x 3s + waits 500ms + 1s + 2s + 4s = 22.5s\n"
    "        " + RETRY_22_5S
)
CREATE_ORDER_RETRY = "      " + RETRY_22_5S
OWNER_LINE = "      owner: fulfilment-platform\n"
JOURNEY = "domains/Ordering/flows/CustomerJourney/index.mdx"
TRY_AGAIN = "      - id: authorize_payment\n        label: Try again\n"
PAYMENT_RETRY = "      retry: { maxAttempts: 3, initialInterval: 500ms, backoffCoefficient: 2.0, maxInterval: 2s, timeout: 5s }\n"


def journey(reserve_next: str) -> str:
    """A customer journey that repeats the checkout saga's steps (a copy of it, reviewed there)."""
    def msg(sid: str, mid: str, nxt: str) -> str:
        return f"  - id: {sid}\n    title: {sid}\n    message: {{id: {mid}, version: 1.0.0}}\n{nxt}"

    return (
        "---\nid: customer-journey\nname: Customer journey\nversion: 1.0.0\nsummary: From cart to order.\n"
        "owners: [ordering-platform]\nsteps:\n"
        "  - id: shopper\n    title: Shopper\n    actor: {name: Shopper}\n"
        "    next_step: {id: reserve_inventory, label: Check out}\n"
        + msg("reserve_inventory", "reserve-inventory", reserve_next)
        + msg("authorize_payment", "authorize-payment",
              "    next_steps:\n      - {id: create_order, label: Authorized}\n      - {id: failed, label: Declined}\n")
        + msg("create_order", "create-order",
              "    next_steps:\n      - {id: done, label: Order created}\n      - {id: failed, label: Order not created}\n")
        + "  - id: done\n    title: Done\n    custom: {title: Order confirmed, type: Outcome}\n"
        "  - id: failed\n    title: Failed\n    custom: {title: Checkout failed, type: Exception, summary: Undone.}\n"
        "---\n\nThe customer's journey.\n"
    )


@dataclass
class Case:
    rule: str
    id: str
    bad: tuple[Change, ...]  # the failing fixture: edits of our catalog
    severity: str
    step: str | None
    file: str  # where the finding must be
    at: str | Line  # the frontmatter field at fault, or the line
    good: tuple[Change, ...] = field(default_factory=tuple)  # the passing fixture (default: our catalog)
    resource: str = SAGA  # the resource the finding names (a copy of the saga names itself)


CASES = [
    # saga/schema
    Case("saga/schema", "misspelt-step-field",
         (Change(FLOW, OWNER_LINE, OWNER_LINE + "      retries: 3\n"),),
         "error", "reserve_inventory", FLOW, "x-saga.steps.reserve_inventory.retries",  # at the key as written
         # extension fields (x-...) are allowed
         good=(Change(FLOW, OWNER_LINE, OWNER_LINE + "      x-runbook: wiki/checkout\n"),)),
    Case("saga/schema", "step-that-the-flow-does-not-have",
         (Change(FLOW, "    create_order:\n", "    ship_it: { type: retriable }\n    create_order:\n"),),
         "error", "ship_it", FLOW, "x-saga.steps.ship_it"),
    Case("saga/schema", "deadline-not-a-duration",
         (Change(FLOW, "  deadline: 2m\n", "  deadline: soon\n"),),
         "error", None, FLOW, "x-saga.deadline",
         good=(Change(FLOW, "  deadline: 2m\n", "  deadline: 120s\n"),)),
    # saga/step-owner
    Case("saga/step-owner", "owner-not-a-team",
         (Change(FLOW, "owner: fulfilment-platform", "owner: nobody-team"),),
         "error", "reserve_inventory", FLOW, "x-saga.steps.reserve_inventory.owner",
         good=(Change(FLOW, "owner: fulfilment-platform", "owner: jonas-berg"),
               Change(DOCS, "[[team\\|fulfilment-platform]]", "[[user\\|jonas-berg]]"))),
    Case("saga/step-owner", "two-services-receive-the-command",
         (Change(PAYMENT, "receives:\n", "receives:\n  - id: reserve-inventory\n"),),
         "error", "reserve_inventory", FLOW, "steps[2]"),
    # saga/success-condition
    Case("saga/success-condition", "success-not-an-event",
         (Change(FLOW, "success: inventory-reserved", "success: stock-held"),),
         "error", "reserve_inventory", FLOW, "x-saga.steps.reserve_inventory.success"),
    Case("saga/success-condition", "success-not-sent-by-the-participant",
         (Change(FLOW, "success: inventory-reserved", "success: payment-authorized"),),
         "error", "reserve_inventory", FLOW, "x-saga.steps.reserve_inventory.success"),
    # a success read from the participant's triggers is contract evidence (no warning), checked against the catalog
    Case("saga/success-condition", "success-from-triggers-not-sent-by-the-participant",
         (Change(FLOW, "      success: order-created\n", ""),
          Change(ORDER_SVC, "      - id: order-created\n        version: 1.0.0\nsends:",
                 "      - id: payment-authorized\n        version: 1.0.0\nsends:")),
         "error", "create_order", ORDER_SVC, Line("- id: payment-authorized\n        version: 1.0.0\nsends:")),
    # saga/failure-condition
    Case("saga/failure-condition", "failure-event-not-sent-by-the-participant",
         (Change(FLOW, "{ event: payment-declined, status: PAYMENT_DECLINED }",
                 "{ event: inventory-unavailable, status: PAYMENT_DECLINED }"),),
         "error", "authorize_payment", FLOW, "x-saga.steps.authorize_payment.failures[0]"),
    Case("saga/failure-condition", "failure-path-skips-compensation",
         (Change(FLOW, DECLINED_EDGE, DECLINED_EDGE.replace("compensate", "checkout_failed")),
          Change(FLOW, "  - id: checkout_abandoned\n    title:", FAILED_NODE + "\n  - id: checkout_abandoned\n    title:")),
         "error", "authorize_payment", FLOW, "steps[3]",
         # a failure end that then compensates is fine
         good=(Change(FLOW, DECLINED_EDGE, DECLINED_EDGE.replace("compensate", "checkout_failed")),
               Change(FLOW, "  - id: checkout_abandoned\n    title:",
                      FAILED_NODE + "    next_step: compensate\n\n  - id: checkout_abandoned\n    title:"))),
    # saga/retry-policy
    Case("saga/retry-policy", "no-attempt-at-all",
         (Change(FLOW, RESERVE_RETRY, RESERVE_RETRY.replace("3", "0")),),
         "error", "reserve_inventory", FLOW, "x-saga.steps.reserve_inventory.retry",
         good=(Change(FLOW, RESERVE_RETRY, RESERVE_RETRY.replace("3", "1")),)),
    Case("saga/retry-policy", "no-retry-policy",
         (Change(FLOW, CREATE_ORDER_RETRY + "      compensation: none\n", "      compensation: none\n"),),
         "error", "create_order", FLOW, Line("  - id: create_order\n    title:")),
    # saga/compensation
    Case("saga/compensation", "orchestrator-does-not-send-the-undo",
         (Change(ORCH, RELEASE_SENT, ""),),
         "error", "reserve_inventory", FLOW, "x-saga.steps.reserve_inventory.compensation"),
    Case("saga/compensation", "undo-only-in-the-compensation-node",
         (Change(FLOW, VOID_COMPENSATION, ""),),
         "warning", "authorize_payment", FLOW, Line("    custom:\n      title: Compensate and abort")),
    # saga/customer-status
    Case("saga/customer-status", "non-terminal-status-without-timeout",
         (Change(FLOW, "terminal: false, timeout: 2m }", "terminal: false }"),),
         "error", None, FLOW, "x-saga.statuses.PROCESSING"),
    Case("saga/customer-status", "step-status-only-in-the-docs-table",
         (Change(FLOW, "      status: PROCESSING\n---", "---"),),
         "warning", "create_order", DOCS, Line("| Create order | [[command")),
    # saga/pivot
    Case("saga/pivot", "two-pivots",
         (Change(FLOW, "    authorize_payment:\n      type: compensatable", "    authorize_payment:\n      type: pivot"),),
         "error", "create_order", FLOW, "x-saga.steps"),
    # saga/outcome
    Case("saga/outcome", "pivot-participant-does-not-write-the-container",
         (Change(ORDER_SVC, "writesTo:\n  - id: order-database\n    version: 1.0.0\n", ""),),
         "error", None, FLOW, "x-saga.outcome"),
    # saga/orchestrator
    Case("saga/orchestrator", "orchestrator-does-not-receive-the-reply",
         (Change(ORCH, REPLY_RECEIVED, ""),),
         "error", "reserve_inventory", FLOW, "steps[2]"),
    # saga/docs-drift
    Case("saga/docs-drift", "docs-table-names-another-team",
         (Change(DOCS, "[[team\\|payments-platform]]", "[[team\\|ordering-platform]]"),),
         "warning", "authorize_payment", DOCS, Line("| Authorize payment | [[command"),
         # the system that holds the participant is an owner the table may name
         good=(Change(DOCS, "[[team\\|payments-platform]]", "[[system\\|payment-system]]"),)),
    Case("saga/docs-drift", "docs-table-names-another-command",
         (Change(DOCS, "[[command\\|reserve-inventory]] | [[team", "[[command\\|reserve-stock]] | [[team"),),
         "warning", "reserve_inventory", DOCS, Line("| Reserve inventory | [[command")),
    # saga/entry (issue #16)
    Case("saga/entry", "first-participant-does-not-receive-the-entry",
         (Change(ORCH, "receives:\n  - id: cart-checked-out\n    version: 1.0.0\n", "receives:\n"),),
         "error", "cart_checked_out", FLOW, "steps[0].next_step"),
    # saga/compensation-consumers (issue #16)
    Case("saga/compensation-consumers", "compensation-on-an-event-nobody-receives",
         (Change(FLOW, "        command: release-inventory\n",
                 "        command: release-inventory\n        on: payment-declined\n"),
          Change(ORCH, "  - id: payment-declined\n    version: 1.0.0\n    from:\n      - id: 'checkout.{env}.replies'\n",
                 "")),
         "error", "reserve_inventory", FLOW, "x-saga.steps.reserve_inventory.compensation.on"),
    # saga/map-agreement (issue #16)
    Case("saga/map-agreement", "declared-failure-with-no-branch-in-the-map",
         (Change(FLOW, "        label: Order created\n      - id: compensate\n        label: Order not created\n",
                 "        label: Order created\n"),),
         "error", "create_order", FLOW, "x-saga.steps.create_order.failures"),
    # saga/correlation (issue #16)
    Case("saga/correlation", "a-reply-without-the-correlation-key",
         (Change(FLOW, "  deadline: 2m\n", "  deadline: 2m\n  correlation: checkoutId\n"),
          Change(PAYMENT.replace("index.mdx", "events/payment-declined/schema.json"),
                 '    "checkoutId": {', '    "checkout": {')),
         "error", "authorize_payment", PAYMENT.replace("index.mdx", "events/payment-declined/index.mdx"),
         Line("schemaPath: schema.json")),
    # saga/copy-drift (issue #16): a journey repeats the saga's steps but draws no "Out of stock" branch
    Case("saga/copy-drift", "journey-without-the-failure-branch",
         (Change(JOURNEY, "", journey("    next_step: {id: authorize_payment, label: Reserved}\n")),),
         "warning", None, JOURNEY, "steps",
         good=(Change(JOURNEY, "", journey("    next_steps:\n      - {id: authorize_payment, label: Reserved}\n"
                                            "      - {id: failed, label: Out of stock}\n")),),
         resource="flow customer-journey@1.0.0"),
    # saga/loop-bound (issue #16): "Try again" from authorize_payment back to itself
    Case("saga/loop-bound", "retry-loop-without-max-attempts",
         (Change(FLOW, "        label: Declined\n", "        label: Declined\n" + TRY_AGAIN), Change(FLOW, PAYMENT_RETRY, "")),
         "error", "authorize_payment", FLOW, "steps[3].next_steps[2]",
         good=(Change(FLOW, "        label: Declined\n", "        label: Declined\n" + TRY_AGAIN),)),
    Case("saga/loop-bound", "retry-loop-bounded-in-words",
         (Change(FLOW, "        label: Declined\n", "        label: Declined\n" + TRY_AGAIN.replace("again", "again, max 3")),
          Change(FLOW, PAYMENT_RETRY, "")),
         "warning", "authorize_payment", FLOW, "steps[3].next_steps[2]"),
    # saga/idempotency (issue #16)
    Case("saga/idempotency", "idempotency-key-not-in-the-trigger",
         (Change(FLOW, OWNER_LINE, OWNER_LINE + "      idempotency: { key: orderId }\n"),),
         "error", "reserve_inventory", FLOW, "x-saga.steps.reserve_inventory.idempotency.key"),
]


def _case_id(c: Case) -> str:
    return f"{c.rule}:{c.id}"


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_rule_fails(cat, case: Case):
    change(cat, *case.bad)
    at = line_of(cat, case.file, case.at.needle) if isinstance(case.at, Line) else case.at
    expected = Hit(case.rule, case.severity, case.resource, case.step, case.file, at)
    assert hits(cat, case.rule) == [expected], messages(cat, case.rule)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_rule_passes_when_fixed(cat, case: Case):
    """The passing fixture gives no saga finding at all, not only none of this rule."""
    change(cat, *case.good)
    assert hits(cat) == [], [f.message for f in saga_findings(cat)]


def test_every_saga_rule_is_documented_and_has_a_failing_and_a_passing_case():
    from saga_lint.rules import all_rules

    saga_rules = {name: r for name, r in all_rules().items() if name.startswith("saga/")}
    assert sorted(saga_rules) == sorted({c.rule for c in CASES})
    for name, r in saga_rules.items():
        assert r.summary, name
        for label in ("What it checks:", "Why:", "Example", "Fix:"):
            assert label in r.doc, f"{name}: the docstring has no {label!r}"
    # a rule whose failing side is a prose (demoted) finding is also tested at its own severity
    for name, r in saga_rules.items():
        assert any(c.rule == name and c.severity == r.severity for c in CASES), name


# -- several findings at once ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "retry, expected",
    [
        ({"maxAttempts": 0, "initialInterval": "200ms", "backoffCoefficient": 2, "maxInterval": "1s", "timeout": "2s"},
         ["step reserve_inventory: retry maxAttempts is 0; it must be >= 1 (1 means no retry)."]),
        ({"maxAttempts": 3, "initialInterval": "200ms", "backoffCoefficient": 0.5, "maxInterval": "1s", "timeout": "2s"},
         ["step reserve_inventory: retry backoffCoefficient is 0.5; it must be a number >= 1."]),
        ({"maxAttempts": 3, "initialInterval": "2s", "backoffCoefficient": 2, "maxInterval": "1s", "timeout": "2s"},
         ["step reserve_inventory: retry maxInterval 1s is below initialInterval 2s."]),
        ({"maxAttempts": 3, "initialInterval": "200ms", "backoffCoefficient": 2, "maxInterval": "1s"},
         ["step reserve_inventory: retry has no per-attempt timeout; without one a hung participant blocks the saga forever."]),
        # 40 x 5s + waits 1+2+4+8 + 35 x 10s = 565s: beyond the 2m deadline and the 2m of PROCESSING
        ({"maxAttempts": 40, "initialInterval": "1s", "backoffCoefficient": 2, "maxInterval": "10s", "timeout": "5s"},
         ["step reserve_inventory: worst-case retry time 9.41667m (40 attempts x 5s + waits 1s+2s+4s+8s"
          + "+10s" * 35 + ") exceeds the saga deadline 2m. Reduce attempts or timeouts, or raise the deadline.",
          "step reserve_inventory: worst-case retry time 9.41667m exceeds the 2m timeout of status PROCESSING, which the "
          "customer sees meanwhile. Shorten the retries or raise the status timeout."]),
    ],
    ids=["attempts", "coefficient", "intervals", "timeout", "deadline"],
)
def test_retry_values(cat, retry, expected):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["reserve_inventory"].update(retry=retry))
    at = Hit("saga/retry-policy", "error", SAGA, "reserve_inventory", FLOW, "x-saga.steps.reserve_inventory.retry")
    assert hits(cat, "saga/retry-policy") == [at] * len(expected)
    assert messages(cat, "saga/retry-policy") == expected


def test_retry_exceeds_status_timeout(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["statuses"]["PROCESSING"].__setitem__("timeout", "5s"))
    steps = ("reserve_inventory", "authorize_payment", "create_order")
    assert hits(cat, "saga/retry-policy") == [
        Hit("saga/retry-policy", "error", SAGA, s, FLOW, f"x-saga.steps.{s}.retry") for s in steps
    ]
    assert messages(cat, "saga/retry-policy")[0] == (
        "step reserve_inventory: worst-case retry time 6.6s exceeds the 5s timeout of status PROCESSING, which the "
        "customer sees meanwhile. Shorten the retries or raise the status timeout."
    )


def test_compensation_missing_everywhere(cat):
    """No x-saga compensation, no Compensation node, no "Compensation" section: an error."""

    def fn(d):
        xsaga(d)["steps"]["authorize_payment"].pop("compensation")
        d["steps"] = [s for s in d["steps"] if (s.get("custom") or {}).get("type") != "Compensation"]
        for s in d["steps"]:
            if "next_steps" in s:
                s["next_steps"] = [n for n in s["next_steps"] if not str(n.get("id", n)).startswith("compensat")]

    edit(cat, FLOW, fn)
    change(cat, Change(DOCS, "## Compensation", "## Undo"))
    step_line = line_of(cat, FLOW, "- id: authorize_payment\n  title:")  # as PyYAML writes it
    assert hits(cat, "saga/compensation") == [Hit("saga/compensation", "error", SAGA, "authorize_payment", FLOW, step_line)]
    assert messages(cat, "saga/compensation") == [
        "step authorize_payment: compensatable step without compensation: when a later step fails, nothing undoes "
        "authorize-payment. Declare compensation: {command: <undo command>, retry: ...}."
    ]


def test_compensation_without_retry_and_not_received(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["reserve_inventory"].update(compensation={"command": "void-authorization"}))
    at = Hit("saga/compensation", "error", SAGA, "reserve_inventory", FLOW, "x-saga.steps.reserve_inventory.compensation")
    assert hits(cat, "saga/compensation") == [at, at]
    assert sorted(messages(cat, "saga/compensation")) == [
        'step reserve_inventory: compensation "void-authorization" has no retry policy; a compensation must eventually '
        "succeed. Add compensation.retry.",
        'step reserve_inventory: compensation "void-authorization" is not received by the participant inventory-service. '
        "Add it to inventory-service's receives.",
    ]


def test_compensation_none_rules(cat):
    def fn(d):
        xsaga(d)["steps"]["reserve_inventory"]["compensation"] = "none"
        xsaga(d)["steps"]["create_order"].pop("compensationNote")

    edit(cat, FLOW, fn)
    reserve = Hit("saga/compensation", "error", SAGA, "reserve_inventory", FLOW, "x-saga.steps.reserve_inventory.compensation")
    create = Hit("saga/compensation", "error", SAGA, "create_order", FLOW, "x-saga.steps.create_order.compensation")
    assert hits(cat, "saga/compensation") == [reserve, reserve, create]
    assert messages(cat, "saga/compensation") == [
        "step reserve_inventory: compensation: none needs a compensationNote saying why nothing has to be undone.",
        "step reserve_inventory: compensation: none on a compensatable step; declare the undo command, or make the step "
        "the pivot or retriable.",
        "step create_order: compensation: none needs a compensationNote saying why nothing has to be undone.",
    ]


def test_compensation_not_a_command(cat):
    edit(cat, FLOW, lambda d: xsaga(d)["steps"]["reserve_inventory"]["compensation"].__setitem__("command", "inventory-released"))
    assert hits(cat, "saga/compensation") == [
        Hit("saga/compensation", "error", SAGA, "reserve_inventory", FLOW, "x-saga.steps.reserve_inventory.compensation")
    ]
    assert messages(cat, "saga/compensation") == [
        'step reserve_inventory: compensation "inventory-released" is a event, not a command. '
        "Add commands/inventory-released/index.mdx with its schema."
    ]


def test_status_rules(cat):
    def fn(d):
        x = xsaga(d)
        x["steps"]["reserve_inventory"]["status"] = "WAITING"
        x["steps"]["authorize_payment"]["failures"][0]["status"] = "PROCESSING"
        x["statuses"]["FAILED"] = {"terminal": True}
        x["statuses"]["PROCESSING"].pop("timeout")
        x.pop("onSuccess")

    edit(cat, FLOW, fn)

    def status(step, at):
        return Hit("saga/customer-status", "error", SAGA, step, FLOW, at)

    assert hits(cat, "saga/customer-status") == [
        status(None, "x-saga"),  # onSuccess is missing
        status(None, "x-saga.statuses.PROCESSING"),  # non-terminal, no timeout
        status(None, "x-saga.statuses.FAILED"),  # no text
        status("reserve_inventory", "x-saga.steps.reserve_inventory.status"),  # WAITING is not declared
        status("authorize_payment", "x-saga.steps.authorize_payment.failures[0].status"),  # a failure ends in PROCESSING
    ]
    assert [re.sub(r"\(declared: .*\)", "(declared: ...)", m) for m in messages(cat, "saga/customer-status")] == [
        "x-saga.onSuccess is missing: declare the terminal status the customer sees when the saga succeeds.",
        'non-terminal status "PROCESSING" has no timeout: say how long the customer may see it.',
        'status "FAILED" has no text: write what the customer reads.',
        'status "WAITING" is not declared in x-saga.statuses (declared: ...).',
        'status "PROCESSING" ends a path of the saga but is not terminal; the customer would wait forever. '
        "Use a terminal status.",
    ]


def test_status_missing_on_step(cat):
    """The docs table's "Customer status" column is prose evidence (a warning); without it, an error."""
    change(cat, Change(FLOW, "      status: PROCESSING\n---", "---"))
    row = line_of(cat, DOCS, "| Create order | [[command")
    assert hits(cat, "saga/customer-status") == [Hit("saga/customer-status", "warning", SAGA, "create_order", DOCS, row)]
    change(cat, Change(DOCS, "| Customer status |", "| Notes |"))
    step_line = line_of(cat, FLOW, "  - id: create_order\n    title:")
    assert hits(cat, "saga/customer-status") == [Hit("saga/customer-status", "error", SAGA, "create_order", FLOW, step_line)]


def test_compensatable_and_business_failure_after_pivot(cat):
    def fn(d):
        x = xsaga(d)
        x["steps"]["reserve_inventory"]["type"] = "pivot"
        x["steps"]["reserve_inventory"]["compensation"] = "none"
        x["steps"]["reserve_inventory"]["compensationNote"] = "test"

    edit(cat, FLOW, fn)
    assert hits(cat, "saga/pivot") == [
        Hit("saga/pivot", "error", SAGA, "create_order", FLOW, "x-saga.steps"),  # two pivots
        Hit("saga/pivot", "error", SAGA, "authorize_payment", FLOW, "x-saga.steps.authorize_payment.type"),
        Hit("saga/pivot", "error", SAGA, "authorize_payment", FLOW, "x-saga.steps.authorize_payment.failures"),
    ]
    assert messages(cat, "saga/pivot")[1:] == [
        "step authorize_payment is compensatable but comes after the pivot reserve_inventory; after the pivot the saga "
        "only moves forward. Move it before the pivot or make it retriable.",
        "step authorize_payment comes after the pivot reserve_inventory but can fail for business reasons "
        "(payment-declined); it must be retriable until it succeeds. Remove the business failures or move the step "
        "before the pivot.",
    ]


def test_outcome_missing_falls_back_to_the_docs_section(cat):
    """Without x-saga.outcome the "Success condition" section of the docs page is prose evidence. Its
    outcome event is the one linked after the container (written and published together), not the
    first event it links: "succeeds only when inventory is reserved ([[event|inventory-reserved]])"
    names an earlier step's reply on the way. Checked like a declared outcome: here
    payment-authorized, which order-service (the pivot's participant) does not send."""
    from saga_lint.pipeline import run_check

    edit(cat, FLOW, lambda d: xsaga(d).pop("outcome"))
    section = line_of(cat, DOCS, "## Success condition")
    assert hits(cat, "saga/outcome") == [Hit("saga/outcome", "warning", SAGA, None, DOCS, section)]
    saga = next(s for s in run_check(cat).sagas if s.id == "checkout-saga")
    assert saga.outcome == {"container": "order-database", "event": "order-created"}
    change(cat, Change(DOCS, "publishes\n[[event|order-created]]", "publishes\n[[event|payment-authorized]]"))
    assert hits(cat, "saga/outcome") == [
        Hit("saga/outcome", "error", SAGA, None, DOCS, section),
        Hit("saga/outcome", "warning", SAGA, None, DOCS, section),
    ]


def test_orchestrator_does_not_send_command(cat):
    edit(cat, ORCH, lambda d: d.__setitem__("sends", [r for r in d["sends"] if r["id"] != "create-order"]))
    assert hits(cat, "saga/orchestrator") == [Hit("saga/orchestrator", "error", SAGA, "create_order", FLOW, "steps[4]")]


def test_docs_drift_table_and_flow_disagree(cat):
    change(cat, Change(DOCS, "[[command\\|reserve-inventory]] | [[team", "[[command\\|reserve-stock]] | [[team"),
           Change(DOCS, "[[team\\|payments-platform]]", "[[team\\|ordering-platform]]"))
    assert hits(cat, "saga/docs-drift") == [
        Hit("saga/docs-drift", "warning", SAGA, "reserve_inventory", DOCS, line_of(cat, DOCS, "| Reserve inventory | [[command")),
        Hit("saga/docs-drift", "warning", SAGA, "authorize_payment", DOCS, line_of(cat, DOCS, "| Authorize payment | [[command")),
    ]


def test_docs_drift_row_for_no_step_and_step_without_row(cat):
    """A row is matched to a step by its contract, else by its step name: a row with neither is no
    step of the saga, and the step it replaced is missing from the table."""
    change(cat, Change(DOCS, "| Create order | [[command\\|create-order]]", "| Ship order | [[command\\|ship-order]]"))
    assert hits(cat, "saga/docs-drift") == [
        Hit("saga/docs-drift", "warning", SAGA, "create_order", DOCS, line_of(cat, DOCS, "| Step | Command |")),
        Hit("saga/docs-drift", "warning", SAGA, None, DOCS, line_of(cat, DOCS, "| Ship order |")),
    ]
    # renamed, but with its contract: still the create_order row
    change(cat, Change(DOCS, "[[command\\|ship-order]]", "[[command\\|create-order]]"))
    assert hits(cat, "saga/docs-drift") == []


def test_docs_drift_accepts_the_system_whose_folder_encloses_the_participant(cat):
    # the system no longer lists the service (no "contains" edge): only its folder encloses it
    edit(cat, "domains/Payments/systems/payment-system/index.mdx", lambda d: d.pop("services"))
    change(cat, Change(DOCS, "[[team\\|payments-platform]]", "[[system\\|payment-system]]"))
    assert hits(cat, "saga/docs-drift") == []
    # a system that does not enclose it is still reported
    change(cat, Change(DOCS, "[[system\\|payment-system]]", "[[system\\|checkout-system]]"))
    row = line_of(cat, DOCS, "| Authorize payment | [[command")
    assert hits(cat, "saga/docs-drift") == [Hit("saga/docs-drift", "warning", SAGA, "authorize_payment", DOCS, row)]


# -- the real corpus: a plain EventCatalog flow -----------------------------------------------------


def _corpus_hits(doc: dict) -> set[tuple[str, str, str | None]]:
    return {(f["rule"], f["severity"], f["step"]) for f in doc["findings"]}


def test_explain_corpus_checkout_saga(corpus):
    proc = run_cli("explain", "checkout-saga", corpus, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    steps = {s["id"]: s for s in doc["steps"]}
    assert list(steps) == ["reserve_inventory", "authorize_payment", "create_order"]
    owners = {sid: s["attributes"]["owner"] for sid, s in steps.items()}
    assert {sid: (o["level"], o["value"]) for sid, o in owners.items()} == {  # from the services' contracts
        "reserve_inventory": ("contract", ["fulfilment-platform"]),
        "authorize_payment": ("contract", ["payments-platform"]),
        "create_order": ("contract", ["ordering-platform"]),
    }
    # success and failure backed by the participants' receives[].triggers: contract level, no prose warning
    assert {sid: s["attributes"]["success"]["level"] for sid, s in steps.items()} == {
        "reserve_inventory": "contract", "authorize_payment": "prose", "create_order": "contract"}
    assert steps["reserve_inventory"]["attributes"]["failure"]["level"] == "contract"
    assert ("saga/success-condition", "warning", "reserve_inventory") not in _corpus_hits(doc)
    assert ("saga/success-condition", "warning", "create_order") not in _corpus_hits(doc)
    assert ("saga/failure-condition", "warning", "reserve_inventory") not in _corpus_hits(doc)
    assert ("saga/success-condition", "warning", "authorize_payment") in _corpus_hits(doc)  # only the edge label says it
    assert doc["coordination"]["style"] == "orchestration"
    assert {(f["resource"]["type"], f["resource"]["id"]) for f in doc["findings"]} == {("flow", "checkout-saga")}
    found = _corpus_hits(doc)
    assert not any(rule == "saga/step-owner" for rule, _, _ in found)
    for sid in steps:
        assert ("saga/retry-policy", "error", sid) in found
    # no status anywhere: one saga-wide finding that names the steps (#16), not one per step
    status = [f for f in doc["findings"] if f["rule"] == "saga/customer-status"]
    assert [(f["severity"], f["step"]) for f in status] == [("error", None)]
    assert "(reserve_inventory, authorize_payment, create_order)" in status[0]["message"]
    # release-inventory exists and inventory-service receives it, but nobody sends it
    release = [f for f in doc["findings"] if f["step"] == "reserve_inventory" and f["rule"] == "saga/compensation"]
    assert [f["severity"] for f in release] == ["error", "warning"]  # the warning: documented only in prose
    assert release[0]["message"] == (
        'step reserve_inventory: compensation "release-inventory" is not sent by the orchestrator checkout-orchestrator. '
        "Nobody sends it. Add it to checkout-orchestrator's sends."
    )
    # "void authorization" is prose only: no command contract
    assert ("saga/compensation", "error", "authorize_payment") in found
    # what happens if the order cannot be created after payment was authorized?
    assert ("saga/failure-condition", "error", "create_order") in found
    # the orchestrator declares no replies
    assert ("saga/orchestrator", "error", "reserve_inventory") in found
    # the pivot taken from the flow order is said once, by saga/compensation (#16: one finding per cause)
    assert ("saga/compensation", "warning", "create_order") in found
    assert not any(rule == "saga/pivot" for rule, _, _ in found)


def test_explain_text_matrix(corpus):
    proc = run_cli("explain", "checkout-saga", corpus)
    assert "reserve_inventory" in proc.stdout and "≈ fulfilment-platform" in proc.stdout
    assert "✗" in proc.stdout and "~" in proc.stdout


def test_explain_unknown_flow_exit_2():
    proc = run_cli("explain", "no-such-flow", OUR_CATALOG)
    assert proc.returncode == 2 and "no flow" in proc.stderr


def test_json_output_carries_step_for_every_step_finding(corpus):
    """Every saga finding names the flow; every one about a step (its message says "step X") names the step."""
    doc = json.loads(run_cli("check", corpus, "--format", "json").stdout)
    saga_f = [f for f in doc["findings"] if f["rule"].startswith("saga/")]
    assert saga_f
    for f in saga_f:
        assert f["resource"]["type"] == "flow"
        if f["message"].startswith("step "):
            assert f["step"] == f["message"].split()[1].rstrip(":"), f


def test_journey_repeating_the_saga_is_recognised_and_not_reviewed_twice(corpus):
    from saga_lint.pipeline import run_check

    result = run_check(corpus)
    sagas = {s.id: s for s in result.sagas}
    assert set(sagas) == {"checkout-saga", "order-cancellation", "place-an-order"}
    journey = sagas["place-an-order"]
    assert journey.copy_of == "checkout-saga" and not journey.reviewed
    assert "repeats the steps of the saga checkout-saga" in journey.why
    assert sagas["checkout-saga"].copied_by == [journey]
    # reviewed once, as checkout-saga: the journey's saga findings are where it differs from the saga
    # (it draws no "Out of stock" branch, and its failure path cancels an order the saga never created)
    # and the command it adds, checkout-cart, which two services receive
    own = [f for f in result.findings
           if f.resource is not None and f.resource.id == "place-an-order" and f.rule.startswith("saga/")]
    assert [(f.rule, f.severity.value, f.line) for f in own] == [("saga/copy-drift", "warning", 9),
                                                                 ("saga/step-owner", "error", 19)]
    assert 'draws no failure branch after reserve-inventory (checkout-saga draws "Out of stock")' in own[0].message
    assert "ends a failure in order-cancelled, which checkout-saga never draws" in own[0].message


def test_a_non_string_key_in_x_saga_is_a_finding_not_a_crash(cat):
    """YAML allows ``1:`` as a key; JSON Schema's pattern checks expect strings (jsonschema raised)."""
    change(cat, Change(FLOW, OWNER_LINE, OWNER_LINE + "      1: odd\n"))
    proc = run_cli("check", cat, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    found = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "saga/schema"]
    assert [(f["step"], 'has the key "1", which is no x-saga field' in f["message"]) for f in found] == [
        ("reserve_inventory", True)]
