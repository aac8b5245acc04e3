"""A step whose outcome is drawn through plain decision nodes, read as a saga.

The shape is skedular/skedular's AddTeam, UpdateTeam and DeleteTeam flows: the command is drawn
to a plain node (``type: node`` "Customer loaded") that branches "Authorization Failed" to an end
and "Customer Authorized" to another plain node, then to the event the handler publishes. The
plain nodes are decisions the handler takes, not steps of their own: the failure branch is the
step's failure path, and the event drawn after them is its success reply.
"""

from __future__ import annotations

from test_saga_model import TEAMS, build, message, model, msg_step, service

FLOW = "add-team-flow"
CONFIG = ("saga-lint.yaml", f"sagas: [{FLOW}]\n")


def _node(sid: str, title: str, *edges: tuple[str, str | None]) -> dict:
    step: dict = {"id": sid, "title": title, "type": "node"}
    if edges:
        step["next_steps"] = [{"id": t, **({"label": label} if label else {})} for t, label in edges]
    return step


def _steps(authorized_title: str = "Customer authorized") -> list[dict]:
    return [
        _node("received", "Add team request received", ("add", None)),
        msg_step("add", "add-team", ("loaded", None)),
        _node("loaded", "Customer loaded", ("denied", "Authorization Failed"), ("authorized", "Customer Authorized")),
        _node("denied", "Not authorized"),
        _node("authorized", authorized_title, ("upserted", None)),
        msg_step("upserted", "team-upserted", ("created", None)),
        _node("created", "Team created"),
    ]


def _pages(steps: list[dict]) -> list[tuple[str, str]]:
    from test_saga_model import flow

    return [
        CONFIG, *TEAMS,
        service("team-service", "ordering", sends=["team-upserted"], receives=["add-team"]),
        message("command", "add-team"), message("event", "team-upserted"),
        flow(FLOW, steps),
    ]


def _step(tmp_path, steps):
    sagas, findings = model(build(tmp_path, *_pages(steps)))
    step = next(s for s in sagas[FLOW].steps if s.id == "add")
    rules = {(f.rule, str(f.severity)) for f in findings if f.rule.startswith("saga/") and f.step == "add"}
    return step, rules


def test_the_event_drawn_after_the_decision_nodes_is_the_success_reply(tmp_path):
    step, rules = _step(tmp_path, _steps())
    assert step.success == "team-upserted"
    assert step.evidence["success"].level == "contract"
    assert not [r for r in rules if r[0] == "saga/success-condition"]


def test_a_failure_branch_of_the_decision_node_is_the_steps_failure_path(tmp_path):
    step, rules = _step(tmp_path, _steps())
    assert step.failure_edges == [("Authorization Failed", "denied")]
    assert step.evidence["failure"].level == "prose"
    # documented in prose only (a warning), no longer "no failure condition" (an error)
    assert [r for r in rules if r[0] == "saga/failure-condition"] == [("saga/failure-condition", "warning")]


def test_a_plain_node_another_path_merges_into_is_no_decision_of_the_step(tmp_path):
    """"Customer loaded" is also drawn straight from the request: it is no decision the step takes,
    and the step keeps only the edge drawn to it (as before)."""
    steps = _steps()
    steps[0]["next_steps"] = [{"id": "add"}, {"id": "loaded"}]
    step, _ = _step(tmp_path, steps)
    assert step.success_edges == [(None, "loaded")] and step.failure_edges == []
    assert step.success is None


def test_a_saga_whose_drawn_messages_are_not_in_the_catalog_says_so(tmp_path):
    """skedular keeps its command and event pages one folder too deep (commands/Team/AddTeam/), where
    EventCatalog does not load them: the saga has no step, because its messages are missing, not
    because none is drawn."""
    from test_saga_model import flow

    pages = [CONFIG, *TEAMS, service("team-service", "ordering", sends=["team-upserted"], receives=["add-team"]),
             flow(FLOW, _steps())]
    _, findings = model(build(tmp_path, *pages))
    [msg] = [f.message for f in findings if f.rule == "saga/pivot"]
    assert msg.startswith("the saga has no step to review: messages it draws are not in the catalog (add-team, "
                          "team-upserted: see refs/resource-exists or, for a pointer with a version, "
                          "refs/valid-version-range), and no other command is drawn")


def test_a_labelled_branch_is_what_its_label_says_whatever_the_title_it_leads_to(tmp_path):
    """skedular titles the node after "Customer Authorized" "Authorized Failed" (copied from its
    sibling): the branch is still the success path, and the event after it the step's success."""
    step, rules = _step(tmp_path, _steps(authorized_title="Authorized Failed"))
    assert step.failure_edges == [("Authorization Failed", "denied")]
    assert step.success == "team-upserted"


def test_an_unlabelled_edge_to_a_node_titled_as_a_failure_is_a_failure_branch(tmp_path):
    """EventCatalog's PaymentFlow draws the failure as an unlabelled edge to "Payment Failed"."""
    steps = _steps()
    steps[2]["next_steps"][0] = {"id": "denied"}
    steps[3]["title"] = "Authorization failed"
    step, _ = _step(tmp_path, steps)
    assert step.failure_edges == [(None, "denied")]
