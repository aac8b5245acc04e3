"""flow/* rules: one failing and one passing fixture each, with file, line, column and step.

Flows are written into the clean catalog of test_rules_official (``BASE``); the semantics are
those of ../shared/design/eventcatalog-format.md section 8: the first step is the start, a step
without next_step/next_steps is an end, loops are fine when they have an exit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from conftest import lint
from test_rules_official import BASE, FLOW, build, describe, locate, of_rule, page

HEAD = """
id: checkout
name: Checkout
version: 1.0.0
summary: From cart to order.
owners: [ordering]
steps:
"""


def flow_page(steps: str) -> str:
    return page(HEAD.strip("\n") + "\n" + steps.strip("\n"))


@dataclass
class FlowCase:
    rule: str
    id: str
    bad: str  # the steps of the failing flow
    needles: list  # one needle per expected finding: its line and column
    steps: list  # the step id of each finding
    fix: str  # regex on every message
    good: str  # the steps of the corrected flow
    path: str = FLOW


CASES = [
    FlowCase(
        "flow/duplicate-step-id", "same-id-twice",
        """
  - id: reserve
    title: Reserve
  - id: reserve
    title: Reserve again
""",
        ["id: reserve\n    title: Reserve again"], ["reserve"], r"used again \(first by steps\[0\]\); give this step its own id",
        """
  - id: reserve
    title: Reserve
    next_step: reserve-again
  - id: reserve-again
    title: Reserve again
""",
    ),
    FlowCase(
        "flow/duplicate-step-id", "number-and-string",
        """
  - id: 1
    title: One
    next_step: 2
  - id: "1"
    title: One again
  - id: 2
    title: Two
""",
        ['id: "1"'], ["1"], r'step id "1" is used again',
        """
  - id: 1
    title: One
    next_step: 2
  - id: 2
    title: Two
""",
    ),
    FlowCase(
        "flow/unknown-step", "typo-in-next-step",
        """
  - id: reserve
    title: Reserve
    next_step: authorise_payment
  - id: authorize_payment
    title: Authorize
""",
        ["next_step: authorise"], ["reserve"],
        r'goes to "authorise_payment", which is no step of this flow\. Did you mean "authorize_payment"\?',
        """
  - id: reserve
    title: Reserve
    next_step: authorize_payment
  - id: authorize_payment
    title: Authorize
""",
    ),
    FlowCase(
        "flow/unknown-step", "labelled-next-steps-item",
        """
  - id: pay
    title: Pay
    next_steps:
      - {id: paid, label: ok}
      - {id: declned, label: declined}
  - id: paid
    title: Paid
  - id: declined
    title: Declined
""",
        ["{id: declned"], ["pay"], r'next_steps of step "pay" goes to "declned".*Did you mean "declined"',
        """
  - id: pay
    title: Pay
    next_steps:
      - {id: paid, label: ok}
      - {id: declined, label: declined}
  - id: paid
    title: Paid
  - id: declined
    title: Declined
""",
    ),
    FlowCase(
        "flow/unreachable-step", "nothing-leads-there",
        """
  - id: a
    title: A
    next_step: b
  - id: b
    title: B
  - id: c
    title: C
""",
        ["id: c\n"], ["c"], r'step "c" cannot be reached from the first step "a"; add a next_step that leads to it or remove it',
        """
  - id: a
    title: A
    next_steps: [b, c]
  - id: b
    title: B
  - id: c
    title: C
""",
    ),
    FlowCase(
        "flow/unreachable-step", "island-loop",
        """
  - id: start
    title: Start
  - id: x
    title: X
    next_step: y
  - id: y
    title: Y
    next_step: x
""",
        ["id: x", "id: y"], ["x", "y"], r"cannot be reached from the first step \"start\"",
        """
  - id: start
    title: Start
    next_step: x
  - id: x
    title: X
    next_step: y
  - id: y
    title: Y
""",
    ),
    FlowCase(
        "flow/dead-end", "retry-loop-without-exit",
        """
  - id: start
    title: Start
    next_step: pay
  - id: pay
    title: Pay
    next_step: retry
  - id: retry
    title: Retry payment
    next_step: pay
""",
        ["id: pay"], ["pay"],
        r'steps "pay", "retry" loop with no exit: no end of the flow can be reached from them, nor from 1 step that '
        r'leads only into the loop \("start"\); add an exit from the loop to an end step\.$',
        """
  - id: start
    title: Start
    next_step: pay
  - id: pay
    title: Pay
    next_steps:
      - {id: paid, label: success}
      - {id: retry, label: failure}
  - id: retry
    title: Retry payment
    next_steps:
      - pay
      - {id: gave-up, label: max retries exceeded}
  - id: paid
    title: Paid
  - id: gave-up
    title: Gave up
""",
    ),
    FlowCase(
        "flow/step-kind", "two-node-kinds",
        """
  - id: reserve
    title: Reserve
    message: {id: order-placed}
    service: {id: orders-service}
""",
        ["service: {id"], ["reserve"],
        r"step sets message, service; a step is one kind of node\. Split it into steps joined by next_step",
        """
  - id: reserve
    title: Reserve
    service: {id: orders-service}
    next_step: reserved
  - id: reserved
    title: Reserved
    message: {id: order-placed}
""",
    ),
    FlowCase(
        "flow/step-kind", "system-and-service",
        """
  - id: reserve
    title: Reserve
    systems: {id: orders-service}
    service: {id: orders-service}
""",
        ["systems: {id"], ["reserve"], r"step sets service, systems; a step is one kind of node",
        """
  - id: reserve
    title: Reserve
    service: {id: orders-service}
""",
    ),
    FlowCase(
        "flow/step-kind", "next-step-and-next-steps",
        """
  - id: a
    title: A
    next_step: b
    next_steps: [c]
  - id: b
    title: B
  - id: c
    title: C
""",
        ["next_steps:"], ["a"], r"both next_step and next_steps; use next_steps alone",
        """
  - id: a
    title: A
    next_steps: [b, c]
  - id: b
    title: B
  - id: c
    title: C
""",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.id}")
def test_flow_rule_fails(make_catalog, case: FlowCase):
    from saga_lint.rules import all_rules

    text = flow_page(case.bad)
    findings = lint(build(make_catalog, {FLOW: None, case.path: text}))
    hits = of_rule(findings, case.rule)
    assert [(f.file, f.line, f.column) for f in hits] == [(case.path, *locate(text, n)) for n in case.needles], describe(findings)
    assert [f.step for f in hits] == case.steps
    for f in hits:
        assert re.search(case.fix, f.message), f.message
        assert f.severity == all_rules()[case.rule].severity
        assert f.resource is not None and (f.resource.type, f.resource.id) == ("flow", "checkout")
    # the flow rules are ours: no other rule reports the same problem
    others = [f for f in findings if f.rule != case.rule and f.rule.startswith("flow/")]
    if case.rule in ("flow/duplicate-step-id", "flow/step-kind"):
        assert others == [], describe(others)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}:{c.id}")
def test_flow_rule_passes_when_fixed(make_catalog, case: FlowCase):
    findings = lint(build(make_catalog, {FLOW: None, case.path: flow_page(case.good)}))
    assert findings == [], describe(findings)


@pytest.mark.parametrize(
    "path",
    [
        "flows/Checkout/index.mdx",
        "flows/sales/online/Checkout/index.mdx",
        "domains/Ordering/systems/shop/flows/Checkout/index.mdx",
        "domains/Ordering/services/Orders/flows/Checkout/index.mdx",
        "domains/Ordering/flows/Checkout/versioned/0.1.0/index.mdx",
    ],
)
def test_flows_nested_anywhere_are_checked(make_catalog, path):
    bad = flow_page(CASES[2].bad).replace("version: 1.0.0", "version: 0.1.0" if "versioned" in path else "version: 1.0.0")
    files = {path: bad}
    if "versioned" not in path:
        files[FLOW] = None
    findings = lint(build(make_catalog, files))
    hits = of_rule(findings, "flow/unknown-step")
    assert [(f.file, f.line) for f in hits] == [(path, locate(bad, "next_step:")[0])], describe(findings)


def test_numeric_step_ids_link_to_each_other(make_catalog):
    steps = """
  - id: 1
    title: One
    next_steps: [2, {id: "3", label: also}]
  - id: 2
    title: Two
    next_step: {id: 3}
  - id: 3
    title: Three
"""
    assert lint(build(make_catalog, {FLOW: flow_page(steps)})) == []


def test_flow_step_kinds_other_than_messages_are_fine(make_catalog):
    steps = """
  - id: customer
    title: Customer
    actor: {name: Customer}
    next_step: psp
  - id: psp
    title: Payment provider
    externalSystem: {name: PSP, url: "https://psp.example"}
    next_step: sub
  - id: sub
    title: Sub-flow
    flow: {id: checkout}
    next_step: store
  - id: store
    title: Store
    container: {id: orders-db}
    next_step: done
  - id: done
    title: Done
    custom: {title: Outcome, type: Outcome}
"""
    assert lint(build(make_catalog, {FLOW: flow_page(steps)})) == []


@pytest.mark.parametrize(
    "steps, rule",
    [
        ("  - just a string\n", "schema/valid-type"),
        ("  - {title: No id}\n", "schema/required-fields"),
        ("  - id: [a, b]\n    title: List id\n", "schema/valid-type"),
        ("  - id: a\n    title: A\n    next_step: [b]\n  - id: b\n    title: B\n", "schema/valid-type"),
        ("  - id: a\n    title: A\n    next_steps: b\n  - id: b\n    title: B\n", "schema/valid-type"),
    ],
)
def test_malformed_steps_are_schema_findings_not_crashes(make_catalog, steps, rule):
    findings = lint(build(make_catalog, {FLOW: flow_page(steps)}))
    assert rule in {f.rule for f in findings}, describe(findings)


def test_flow_without_steps_list(make_catalog):
    text = page(HEAD.strip("\n").replace("steps:", "steps: none"))
    findings = lint(build(make_catalog, {FLOW: text}))
    assert [f.rule for f in findings] == ["schema/valid-type"], describe(findings)
    text = page(HEAD.strip("\n").replace("steps:\n", "").rstrip("\n").replace("\nsteps:", ""))
    findings = lint(build(make_catalog, {FLOW: text}))
    assert [(f.rule, f.field) for f in findings] == [("schema/required-fields", "steps")], describe(findings)


def test_base_flow_is_clean():
    """The flow of the clean catalog is a valid two-step flow (guards the fixtures above)."""
    assert "next_step: placed" in BASE[FLOW]


def test_a_misspelt_edge_is_one_finding_not_one_per_step_behind_it(make_catalog):
    """Cascade folded into its cause: the steps only the misspelt edge leads to are named in the
    flow/unknown-step finding and not reported one by one as unreachable; a step that is
    unreachable for another reason still is."""
    steps = """
  - id: start
    title: Start
    next_step: reserv
  - id: reserve
    title: Reserve
    next_step: pay
  - id: pay
    title: Pay
  - id: orphan
    title: Orphan
"""
    findings = lint(build(make_catalog, {FLOW: flow_page(steps)}))
    flow = [(f.rule, f.step, f.message) for f in findings if f.rule.startswith("flow/")]
    assert flow == [
        ("flow/unknown-step", "start", 'next_step of step "start" goes to "reserv", which is no step of this flow. '
         'Did you mean "reserve"? 2 steps behind it (pay, reserve) cannot be reached until it is fixed.'),
        ("flow/unreachable-step", "orphan", 'step "orphan" cannot be reached from the first step "start"; '
         "add a next_step that leads to it or remove it."),
    ], describe(findings)


def test_steps_before_an_edge_to_an_unknown_step_are_no_dead_ends(make_catalog):
    """Cascade folded into its cause (seen in the public eventcatalog-ai-demo CancelSubscription
    flow): a loop whose exits go to steps the flow forgot to define is reported once, as
    flow/unknown-step at each missing target, not once more per step in front of the loop as a
    dead end "that only leads into a loop"; the missing targets were meant as the loop's exits."""
    steps = """
  - id: start
    title: Cancels subscription
    next_step: service
  - id: stripe
    title: Stripe
    next_step: service
  - id: service
    title: Subscription service
    next_steps:
      - stripe
      - {id: cancelled, label: Successful cancellation}
      - {id: rejected, label: Failed cancellation}
"""
    findings = lint(build(make_catalog, {FLOW: flow_page(steps)}))
    flow = [(f.rule, f.step) for f in findings if f.rule.startswith("flow/")]
    assert flow == [("flow/unknown-step", "service"), ("flow/unknown-step", "service")], describe(findings)


def test_did_you_mean_never_names_the_step_the_edge_leaves(make_catalog):
    """The public eventcatalog-ai-demo's subscription_service -> subscription_cancelled (a step the
    flow forgot) was answered 'Did you mean "subscription_service"?': the step itself. The step
    the edge leaves is suggested only for a target that is all but its id."""
    steps = """
  - id: subscription_service
    title: Subscription service
    next_steps:
      - {id: subscription_cancelled, label: Successful cancellation}
      - {id: subscription_serivce, label: Retry}
"""
    findings = lint(build(make_catalog, {FLOW: flow_page(steps)}))
    messages = [f.message for f in findings if f.rule == "flow/unknown-step"]
    assert messages == [
        'next_steps of step "subscription_service" goes to "subscription_cancelled", which is no step of this flow.',
        'next_steps of step "subscription_service" goes to "subscription_serivce", which is no step of this flow. '
        'Did you mean "subscription_service"?',  # all but its id: a retry edge to itself, misspelt
    ], describe(findings)


def test_a_loop_with_no_exit_behind_a_step_with_a_missing_target_is_still_a_dead_end(make_catalog):
    """The exception above is only for the steps that reach the missing target: a closed loop
    elsewhere in the flow is still a dead end."""
    steps = """
  - id: start
    title: Start
    next_steps: [gone, retry]
  - id: retry
    title: Retry
    next_step: pay
  - id: pay
    title: Pay
    next_step: retry
"""
    findings = lint(build(make_catalog, {FLOW: flow_page(steps)}))
    flow = [(f.rule, f.step) for f in findings if f.rule.startswith("flow/")]
    assert flow == [("flow/unknown-step", "start"), ("flow/dead-end", "retry")], \
        describe(findings)


def test_did_you_mean_prefers_the_step_itself_when_it_is_by_far_the_nearest(make_catalog):
    """A misspelt retry edge of a step to itself, beside another step of a similar id: the step
    itself (all but the target) is the better guess, not the other step that is only close; the
    unreachable-step cascade reads the same repair (ok_path is reached through the real edge)."""
    steps = """
  - id: reserve_stock
    title: Reserve stock
    next_steps:
      - {id: reserve_stok, label: Retry}
      - {id: reserve_stock_ok, label: Reserved}
  - id: reserve_stock_ok
    title: Reserved
"""
    findings = lint(build(make_catalog, {FLOW: flow_page(steps)}))
    messages = [f.message for f in findings if f.rule.startswith("flow/")]
    assert messages == [
        'next_steps of step "reserve_stock" goes to "reserve_stok", which is no step of this flow. '
        'Did you mean "reserve_stock"?',
    ], describe(findings)


def test_a_flow_with_no_end_at_all_is_one_dead_end_not_one_per_step(make_catalog):
    """A flow drawn as one ring (its last step goes back to its first; a public catalog's
    conversation flow did this with 17 steps) has one cause: one finding, at the loop's first
    step, not one per step."""
    ring = "".join(f"""
  - id: s{i}
    title: Step {i}
    next_step: s{(i + 1) % 7}""" for i in range(7))
    findings = lint(build(make_catalog, {FLOW: flow_page(ring)}))
    dead = [f for f in findings if f.rule == "flow/dead-end"]
    assert [(f.step, f.line) for f in dead] == [("s0", 8)], describe(findings)
    assert dead[0].message == ('steps "s0", "s1", "s2", "s3", "s4" and 2 more loop with no exit: no end of the flow can '
                               'be reached from them; add an exit from the loop to an end step.')


def test_each_closed_loop_is_one_finding_naming_the_steps_in_front_of_it(make_catalog):
    """Two loops without an exit behind one fork, and a step that loops on itself: one finding per
    loop, at its first step; the steps that lead only into a loop are named in its finding (the
    fork in both)."""
    steps = """
  - id: start
    title: Start
    next_steps: [left, right]
  - id: left
    title: Left
    next_step: left-again
  - id: left-again
    title: Left again
    next_step: left
  - id: right
    title: Right
    next_step: right
"""
    findings = lint(build(make_catalog, {FLOW: flow_page(steps)}))
    dead = [(f.step, f.message) for f in findings if f.rule == "flow/dead-end"]
    assert dead == [
        ("left", 'steps "left", "left-again" loop with no exit: no end of the flow can be reached from them, nor from '
                 '1 step that leads only into the loop ("start"); add an exit from the loop to an end step.'),
        ("right", 'step "right" loops back to itself with no exit: no end of the flow can be reached from it, nor from '
                  '1 step that leads only into the loop ("start"); add an exit from the loop to an end step.'),
    ], describe(findings)


def test_a_dead_end_keeps_its_fingerprint_when_a_step_is_added_in_front(make_catalog, tmp_path):
    """The finding names the steps in front of the loop, but a baseline entry is the loop's: one
    more step in front is the same finding."""
    loop = """
  - id: pay
    title: Pay
    next_step: retry
  - id: retry
    title: Retry
    next_step: pay
"""
    front = """
  - id: start
    title: Start
    next_step: pay
"""
    before = [f for f in lint(build(make_catalog, {FLOW: flow_page(loop)})) if f.rule == "flow/dead-end"]
    after = [f for f in lint(build(make_catalog, {FLOW: flow_page(front + loop)})) if f.rule == "flow/dead-end"]
    assert len(before) == len(after) == 1 and before[0].message != after[0].message
    assert before[0].fingerprint == after[0].fingerprint
