"""A plain flow whose drawing branches: the step types come from the success path, not the list order.

The shape is shortlink-org/architecture's DeliverPackage: reserve -> pay, whose participant
branches "Charged" -> ship and "Declined" -> notify (a failure handler, which can fail too). The
steps of the two branches are listed one after the other, but only one of them runs: ``ship`` is
the last step of the success path (the inferred pivot), ``notify`` handles pay's failure
(retriable, nothing to undo), and a failure of ``notify`` leaves only ``reserve`` to undo (``pay``
failed; ``ship`` never ran). Each test compares the findings of the saga rules exactly, on the
branching map and on the same saga drawn in a line (the result of before, unchanged).
"""

from __future__ import annotations

from pathlib import Path

from test_saga_model import TEAMS, build, flow, message, model, msg_step, service, svc_step

FLOW = "order-saga"
CONFIG = ("saga-lint.yaml", "sagas: [order-saga]\n")


def _pages(steps: list[dict], **extra: object) -> list[tuple[str, str]]:
    return [
        CONFIG, *TEAMS,
        service("order-service", "ordering", sends=["reserve-stock", "charge-card", "ship-order", "pick-up-order",
                                                     "notify-decline"],
                receives=["stock-reserved", "card-charged", "order-shipped", "order-picked-up", "decline-notified"]),
        service("inventory-service", "stock", sends=["stock-reserved"], receives=["reserve-stock"]),
        service("payment-service", "payments", sends=["card-charged", "card-declined"], receives=["charge-card"]),
        service("shipping-service", "shipping", sends=["order-shipped", "order-picked-up"],
                receives=["ship-order", "pick-up-order"]),
        service("notify-service", "ordering", sends=["decline-notified"], receives=["notify-decline"]),
        *[message("command", c) for c in ("reserve-stock", "charge-card", "ship-order", "pick-up-order", "notify-decline")],
        *[message("event", e) for e in ("stock-reserved", "card-charged", "card-declined", "order-shipped",
                                         "order-picked-up", "decline-notified")],
        flow(FLOW, steps, **extra),
    ]


def _branching(*payment_edges: tuple[str, str | None]) -> list[dict]:
    """reserve -> pay -> payment-service, which branches per ``payment_edges``; ship, pickup and
    notify (-> "Failed" -> gave_up) are listed after it, in that order."""
    return [
        msg_step("reserve", "reserve-stock", ("inventory", None)),
        svc_step("inventory", "inventory-service", ("pay", None)),
        msg_step("pay", "charge-card", ("payment", None)),
        svc_step("payment", "payment-service", *payment_edges),
        msg_step("ship", "ship-order", ("shipping", None)),
        svc_step("shipping", "shipping-service"),
        msg_step("pickup", "pick-up-order", ("pickup_desk", None)),
        svc_step("pickup_desk", "shipping-service"),
        msg_step("notify", "notify-decline", ("notifier", None)),
        svc_step("notifier", "notify-service", ("gave_up", "Failed")),
        {"id": "gave_up", "title": "Gave up"},
    ]


def _linear() -> list[dict]:
    """The same saga drawn in a line, with pay's "Declined" drawn to an end."""
    return [
        msg_step("reserve", "reserve-stock", ("inventory", None)),
        svc_step("inventory", "inventory-service", ("pay", None)),
        msg_step("pay", "charge-card", ("payment", None)),
        svc_step("payment", "payment-service", ("ship", "Charged"), ("declined", "Declined")),
        {"id": "declined", "title": "Declined"},
        msg_step("ship", "ship-order", ("shipping", None)),
        svc_step("shipping", "shipping-service"),
    ]


def _run(tmp_path: Path, steps: list[dict], **extra: object):
    sagas, findings = model(build(tmp_path, *_pages(steps, **extra)))
    saga = sagas[FLOW]
    types = {s.id: s.type for s in saga.steps}
    assert all(s.type_inferred for s in saga.steps)
    mine = [(f.rule, f.step, str(f.severity), f.message) for f in findings
            if f.rule in ("saga/pivot", "saga/compensation", "saga/failure-condition") and f.resource is not None
            and f.resource.id == FLOW]
    return types, mine


def _about(found, rule: str, step: str) -> list[str]:
    return [m for r, s, _, m in found if r == rule and s == step]


def test_a_failure_handler_on_a_branch_is_no_pivot_and_leaves_only_the_steps_before_it(tmp_path):
    steps = [s for s in _branching(("ship", "Charged"), ("notify", "Declined")) if s["id"] not in ("pickup", "pickup_desk")]
    types, found = _run(tmp_path, steps)
    assert types == {"reserve": "compensatable", "pay": "compensatable", "ship": "pivot", "notify": "retriable"}
    # (a), (b): ship is the pivot, named where it is; notify is asked nothing about its undo
    assert _about(found, "saga/compensation", "ship") == [
        "step ship: taken as the pivot (the last step of its success path), so it has nothing to undo, but the catalog does "
        "not say so. Declare type: pivot and compensation: none with a compensationNote in x-saga."]
    assert _about(found, "saga/compensation", "notify") == []
    # the steps before the pivot are still asked for their undo (the failing side of the rule)
    assert [m.split(":")[1].strip() for m in _about(found, "saga/compensation", "reserve") + _about(
        found, "saga/compensation", "pay")] == ["compensatable step without compensation"] * 2
    # (c): notify runs after pay failed and never with ship: only reserve is left to undo
    assert [m for m in _about(found, "saga/failure-condition", "notify") if "failure path" in m] == [
        'step notify: the failure path "Failed" goes to gave_up without compensation, leaving reserve uncompensated. '
        "Route it to the Compensation node."]
    assert [m for m in _about(found, "saga/failure-condition", "pay") if "failure path" in m] == [
        'step pay: the failure path "Declined" goes to notify without compensation, leaving reserve uncompensated. '
        "Route it to the Compensation node."]
    assert not [m for r, _, _, m in found if "notify" in m and "pivot" in m]


def test_saga_pivot_names_the_inferred_pivot_not_the_last_step_listed(tmp_path):
    """(d): with an undo evidence on ship (compensation: none), saga/pivot is the one to say it."""
    steps = [s for s in _branching(("ship", "Charged"), ("notify", "Declined")) if s["id"] not in ("pickup", "pickup_desk")]
    xsaga = {"steps": {"ship": {"compensation": "none", "compensationNote": "shipped goods are not recalled"}}}
    _, found = _run(tmp_path, steps, **{"x-saga": xsaga})
    assert [(s, sev, m) for r, s, sev, m in found if r == "saga/pivot"] == [
        ("ship", "warning", "no pivot declared; ship (the last step of its success path) is taken as the pivot. Declare "
         "each step's type (compensatable, pivot, retriable) in x-saga.")]


def test_a_success_path_that_branches_has_a_pivot_at_each_end(tmp_path):
    """"Shipped" / "Picked up": one of the two runs, and each is the last step of its run. Neither is
    asked for an undo (nothing comes after it); a failure of either leaves reserve and pay to undo."""
    steps = _branching(("ship", "Ship it"), ("pickup", "Picked up"), ("notify", "Declined"))
    for s in steps:
        if s["id"] in ("shipping", "pickup_desk"):
            s["next_steps"] = [{"id": "gave_up", "label": "Failed"}]
    types, found = _run(tmp_path, steps)
    assert types == {"reserve": "compensatable", "pay": "compensatable", "ship": "pivot", "pickup": "pivot",
                     "notify": "retriable"}
    for end in ("ship", "pickup"):
        assert [m.split(": ")[1] for m in _about(found, "saga/compensation", end)] == ["taken as the pivot (the last step of "
                                                                                       "its success path), so it has nothing "
                                                                                       "to undo, but the catalog does not "
                                                                                       "say so. Declare type"]
        assert [m for m in _about(found, "saga/failure-condition", end) if "failure path" in m] == [
            f'step {end}: the failure path "Failed" goes to gave_up without compensation, leaving reserve, pay '
            "uncompensated. Route it to the Compensation node."]


def test_a_flow_drawn_in_a_line_is_read_as_before(tmp_path):
    types, found = _run(tmp_path, _linear())
    assert types == {"reserve": "compensatable", "pay": "compensatable", "ship": "pivot"}
    assert _about(found, "saga/compensation", "ship") == [
        "step ship: taken as the pivot (the last step), so it has nothing to undo, but the catalog does not say so. "
        "Declare type: pivot and compensation: none with a compensationNote in x-saga."]
    assert [m for m in _about(found, "saga/failure-condition", "pay") if "failure path" in m] == [
        'step pay: the failure path "Declined" goes to declined without compensation, leaving reserve uncompensated. '
        "Route it to the Compensation node."]


def test_a_map_with_no_start_keeps_the_flow_order(tmp_path):
    """Every node on a cycle (no start): the walk begins at the first node; no step ends the success
    path (each leads back to the others), so the last step listed is the pivot, as before."""
    steps = _linear()[:4]
    steps[3]["next_steps"] = [{"id": "reserve", "label": "Again"}]
    types, _ = _run(tmp_path, steps)
    assert types == {"reserve": "compensatable", "pay": "pivot"}


def test_a_failure_handler_listed_after_the_pivot_does_not_run_after_it(tmp_path):
    """With one type declared (reserve), saga/pivot checks the steps after the pivot: notify, listed
    after ship but run only when pay fails, can fail for business reasons (notify-failed) and is
    no step after the pivot; drawn as the handler of ship's failure, it runs after the pivot (the
    failing side)."""
    steps = [s for s in _branching(("ship", "Charged"), ("notify", "Declined")) if s["id"] not in ("pickup", "pickup_desk")]
    xsaga = {"steps": {"reserve": {"type": "compensatable"}}}
    pages = _pages(steps, **{"x-saga": xsaga})
    notifier = service("notify-service", "ordering", sends=["decline-notified", "notify-failed"], receives=["notify-decline"])
    pages = [p for p in pages if p[0] != notifier[0]] + [notifier, message("event", "notify-failed")]
    sagas, findings = model(build(tmp_path, *pages))
    assert [s.business_failures[0].event for s in sagas[FLOW].steps if s.id == "notify"] == ["notify-failed"]
    assert [f.message for f in findings if f.rule == "saga/pivot"] == []
    # drawn as ship's failure handler too (shipping -> "Failed to ship" -> notify), it runs after the pivot
    for s in steps:
        if s["id"] == "shipping":
            s["next_steps"] = [{"id": "notify", "label": "Failed to ship"}]
    pages = [p for p in _pages(steps, **{"x-saga": xsaga}) if p[0] != notifier[0]] + [notifier, message("event", "notify-failed")]
    _, findings = model(build(tmp_path / "drawn", *pages))
    assert [f.message for f in findings if f.rule == "saga/pivot"] == [
        "step notify comes after the pivot ship but can fail for business reasons (notify-failed); it must be retriable "
        "until it succeeds. Remove the business failures or move the step before the pivot."]


def _retry_back(steps: list[dict], label: str = "Retry") -> list[dict]:
    """The shipping service draws a retry back to its command ("Retry" -> ship)."""
    for s in steps:
        if s["id"] == "shipping":
            s["next_steps"] = [*s.get("next_steps", [])[:1], {"id": "ship", "label": label}]
    return steps


def test_a_retry_drawn_back_does_not_take_the_end_of_the_success_path_away(tmp_path):
    """A retry drawn from an end of the success path back to its command (shipping -"Retry"-> ship)
    is a loop, not a step after it: ship is still a pivot, with two ends and with one, and whatever
    the order the steps are listed in; so it is asked for no undo."""
    steps = _retry_back(_branching(("ship", "Ship it"), ("pickup", "Picked up"), ("notify", "Declined")))
    for s in steps:
        if s["id"] == "shipping":
            s["next_steps"] = [{"id": "gave_up", "label": "Failed"}, {"id": "ship", "label": "Retry"}]
    types, found = _run(tmp_path / "two", steps)
    assert (types["ship"], types["pickup"]) == ("pivot", "pivot")
    assert not [m for m in _about(found, "saga/compensation", "ship") if "without compensation" in m]
    one = [s for s in _branching(("ship", "Charged"), ("notify", "Declined")) if s["id"] not in ("pickup", "pickup_desk")]
    order = ["ship", "shipping", "reserve", "inventory", "pay", "payment", "notify", "notifier", "gave_up"]
    for listed in (one, sorted(one, key=lambda s: order.index(s["id"]))):
        types, _found = _run(tmp_path / f"one{len(order)}", _retry_back([dict(s) for s in listed]))
        order = order[1:]  # a folder of its own for each run
        assert (types["ship"], types["pay"], types["reserve"]) == ("pivot", "compensatable", "compensatable")



def _retry_at_every_step(root: Path, n: int, to_first: bool = False) -> None:
    """One plain flow of ``n`` steps across two teams, each step's service drawing "OK" to the next
    command and "Failed" to a handler message that draws "Retry" back to the step (``to_first``: back
    to the first step, "start over"): a long saga with a retry loop and a failure branch at every
    step (no real catalog, but a shape a team can draw)."""
    import json

    def page(rel: str, front: dict) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("---\n" + json.dumps(front) + "\n---\n\nx\n", "utf-8")

    (root / "eventcatalog.config.js").parent.mkdir(parents=True, exist_ok=True)
    (root / "eventcatalog.config.js").write_text("export default {};\n", "utf-8")
    for t in ("a", "b"):
        page(f"teams/{t}.mdx", {"id": t, "name": t, "summary": "Team."})
    steps: list[dict] = []
    for i in range(n):
        t = "ab"[i % 2]
        page(f"services/S{i}/index.mdx", {"id": f"s{i}", "name": f"S{i}", "version": "1.0.0", "summary": "S.",
                                          "owners": [t], "receives": [{"id": f"c{i}"}]})
        page(f"commands/C{i}/index.mdx", {"id": f"c{i}", "name": f"C{i}", "version": "1.0.0", "summary": "C.", "owners": [t]})
        page(f"commands/N{i}/index.mdx", {"id": f"n{i}", "name": f"N{i}", "version": "1.0.0", "summary": "N.", "owners": ["a"]})
        ok = {"id": f"c{i + 1}_m" if i + 1 < n else "done", "label": "OK"}
        failed, retry = {"id": f"h{i}", "label": "Failed"}, {"id": "c0_m" if to_first else f"c{i}_m", "label": "Retry"}
        steps += [{"id": f"c{i}_m", "title": f"C{i}", "message": {"id": f"c{i}"}, "next_step": f"s{i}_n"},
                  {"id": f"s{i}_n", "title": f"S{i}", "service": {"id": f"s{i}"}, "next_steps": [ok, failed]},
                  {"id": f"h{i}", "title": f"H{i}", "message": {"id": f"n{i}"}, "next_steps": [retry]}]
    steps.append({"id": "done", "title": "Done"})
    page("flows/Big/index.mdx", {"id": "big", "name": "Big", "version": "1.0.0", "summary": "Big.", "owners": ["a"],
                                 "steps": steps})


def test_a_retry_and_a_failure_branch_at_every_step_is_linear_work(tmp_path, monkeypatch):
    """Doubling the steps of a saga with a retry loop at every step at most doubles the drawn links
    followed: which branch comes back to its step, the nodes of each loop and which failure branch
    reaches a Compensation node were each a walk per step (1,000 steps: 4 s; 2,000: 15 s)."""
    from saga_lint.pipeline import run_check
    from saga_lint.saga.flowmap import FlowMap

    def links(n: int) -> tuple[int, list]:
        root = tmp_path / f"n{n}"
        _retry_at_every_step(root, n)
        count = {"links": 0}
        for attr in ("in_links", "out_links"):
            real = getattr(FlowMap, attr)

            def wrapper(self, sid, _real=real):
                count["links"] += 1
                return _real(self, sid)

            monkeypatch.setattr(FlowMap, attr, wrapper)
        result = run_check(root)
        monkeypatch.undo()
        return count["links"], [f.rule for f in result.findings if f.rule.startswith("saga/loop")]

    small, loops_small = links(60)
    large, loops_large = links(120)
    assert large <= 2.3 * small, (small, large)
    assert len(loops_large) == 2 * len(loops_small) > 0  # every retry loop is judged, at both sizes


def test_every_step_retrying_from_the_first_is_one_loop_judged_once(tmp_path, monkeypatch):
    """Every step's failure handler draws "Retry" back to the first step: one strongly connected set
    that every back edge closes. Its steps and its bound are found once, not once per back edge
    (which scanned the saga's steps and the loop's nodes per edge: quadratic); every edge is still
    reported."""
    from saga_lint.pipeline import run_check
    from saga_lint.rules.saga import loops

    def scanned(n: int) -> tuple[int, list[str]]:
        root = tmp_path / f"n{n}"
        _retry_at_every_step(root, n, to_first=True)
        real, count = loops.BOUND_WORDS, {"nodes": 0}

        class Counting:  # the words searched for, once per loop node and edge looked at
            def search(self, text: str) -> object:
                count["nodes"] += 1
                return real.search(text)

        monkeypatch.setattr(loops, "BOUND_WORDS", Counting())
        result = run_check(root)
        monkeypatch.undo()
        return count["nodes"], [f.message for f in result.findings if f.rule == "saga/loop-bound"]

    small, found_small = scanned(40)
    large, found_large = scanned(80)
    assert large <= 2.3 * small, (small, large)
    assert len(found_large) == 2 * len(found_small) == 80, found_small[:2]
    assert all("nothing bounds it" in m and "back to c0_m" in m for m in found_large), found_large[:2]


def test_a_compensation_chain_listed_before_the_undo_that_draws_into_it_is_still_drawn_compensation(tmp_path):
    """Backward recovery drawn as a chain: ship's "Failed" enters it at refund, which draws to
    release, which draws to cancelled; pay's "Declined" enters it at release. The steps are listed
    in the order they were written, release before refund: release's edges come from a failure
    branch and from refund, an undo command found only after it. Both are undo commands on the
    failure path, not saga steps, and each is its step's compensation (before, release was a step
    with no undo of its own and reserve had "nothing undoes" it)."""
    steps = [
        msg_step("reserve", "reserve-stock", ("inventory", None)),
        svc_step("inventory", "inventory-service", ("pay", None)),
        msg_step("release", "release-stock", ("cancelled", None)),
        msg_step("pay", "charge-card", ("payment", None)),
        svc_step("payment", "payment-service", ("ship", "Charged"), ("release", "Declined")),
        msg_step("refund", "refund-card", ("release", None)),
        msg_step("ship", "ship-order", ("shipping", None)),
        svc_step("shipping", "shipping-service", ("refund", "Failed")),
        {"id": "cancelled", "title": "Cancelled"},
    ]
    pages = [
        CONFIG, *TEAMS,
        service("order-service", "ordering", sends=["reserve-stock", "charge-card", "ship-order", "release-stock",
                                                     "refund-card"], receives=["stock-reserved", "card-charged"]),
        service("inventory-service", "stock", sends=["stock-reserved"], receives=["reserve-stock", "release-stock"]),
        service("payment-service", "payments", sends=["card-charged", "card-declined"], receives=["charge-card", "refund-card"]),
        service("shipping-service", "shipping", sends=["order-shipped"], receives=["ship-order"]),
        *[message("command", c) for c in ("reserve-stock", "charge-card", "ship-order", "release-stock", "refund-card")],
        *[message("event", e) for e in ("stock-reserved", "card-charged", "card-declined", "order-shipped")],
        flow(FLOW, steps),
    ]
    sagas, findings = model(build(tmp_path, *pages))
    saga = sagas[FLOW]
    assert [(s.id, s.type, s.compensation) for s in saga.steps] == [
        ("reserve", "compensatable", "release-stock"), ("pay", "compensatable", "refund-card"), ("ship", "pivot", None)]
    assert sorted(saga.compensation_nodes) == ["refund", "release"]
    assert not [f.message for f in findings if f.rule == "saga/compensation" and "without compensation" in f.message]
