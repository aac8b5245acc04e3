"""Inference from plain EventCatalog flows: what a flow without ``x-saga`` says about its saga.

Checkable relations give structured evidence (the orchestrator is the service that sends every
step command; a step's owners are the owners of the one service that receives its command).
The rest is prose evidence: the participant's ``receives[].triggers`` (success and failure
replies, told apart by their wording), labelled edges, ``custom`` Compensation and Outcome nodes,
a service drawn before the first step. Each function returns the evidence, or None when the
flow says nothing (then the builder falls back to the docs pages, then to ``missing``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from saga_lint.graph import next_steps
from saga_lint.saga.model import Evidence, KeyPath, Saga, SagaStep, StepFailure
from saga_lint.saga.values import StepsById, ids_of, pointer_id

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.graph import CatalogGraph

FAILURE_WORDS = re.compile(
    r"unavailable|declin|fail|reject|error|insufficient|not enough|denied|cancel|timeout|timed out|out of stock|invalid|abort",
    re.I,
)
COMPENSATING_VERBS = ("release", "void", "cancel", "refund", "compensate", "undo", "revert", "rollback", "unreserve", "reverse")

# (event id, condition, service, key path) of one of the participant's receives[].triggers
Trigger = tuple[str, str, "Resource", KeyPath]


def step_path(step: SagaStep) -> KeyPath:
    """The key path of the step in the flow's ``steps``."""
    return ("steps", step.index)


def infer_orchestrator(graph: CatalogGraph, saga: Saga, by_id: StepsById) -> Evidence | None:
    """The one service (or agent) that sends every step command; else a service drawn right before
    the first step (EventCatalog's example draws it so), as prose."""
    common: dict[tuple[str, str | None, str | None], Resource] | None = None
    for cmd in (s.command for s in saga.steps if s.command is not None):
        senders = {r.key: r for r in graph.senders_of(cmd) if r.type in ("service", "agent")}
        common = senders if common is None else {k: v for k, v in common.items() if k in senders}
    if common and len(common) == 1:
        res = next(iter(common.values()))
        saga.orchestrator, saga.orchestrator_id = res, res.id
        return Evidence("structured", res.id, res.file, res.loc("sends")[0], 1, f"{res.id} sends every step command")
    if not saga.steps:
        return None
    first = saga.steps[0]
    for sid, (i, s) in by_id.items():
        if i < first.index and "service" in s and any(t == first.id for t, _ in next_steps(s)):
            target = graph.step_target(saga.flow, sid)
            if target is not None:
                saga.orchestrator, saga.orchestrator_id = target, target.id
                return Evidence.at(
                    "prose", target.id, saga.flow, ("steps", i, "service"),
                    f'the flow draws service "{target.id}" before the first step, but it does not send every step command',
                )
    return None


def infer_owner(graph: CatalogGraph, saga: Saga, step: SagaStep) -> Evidence | None:
    """The owners of the one service that receives the step's command (missing when it has none,
    or when several services receive the command); None when no service receives it."""
    if len(step.receivers) == 1:
        svc = step.receivers[0]
        owners = ids_of(graph.owners_of(svc))
        if not owners:
            declared = svc.data.get("owners")
            owners = [str(pointer_id(o)) for o in declared or [] if pointer_id(o)] if isinstance(declared, list) else []
        if owners:
            step.owners = owners
            return Evidence(
                "structured", owners, svc.file, svc.loc("owners")[0], 1,
                f"owners of {svc.id}, the one service that receives {step.command_id}",
            )
        return Evidence.at("missing", None, svc, ("id",), f"{svc.id} receives {step.command_id} but has no owners")
    if len(step.receivers) > 1:
        names = ", ".join(sorted(ids_of(step.receivers)))
        return Evidence.at("missing", None, saga.flow, step_path(step), f"ambiguous: {names} all receive {step.command_id}")
    return None


def participant_triggers(step: SagaStep) -> list[Trigger]:
    """The participant's ``receives[].triggers`` for the step's command."""
    out: list[Trigger] = []
    svc = step.participant
    if svc is None or not isinstance(svc.data.get("receives"), list):
        return out
    for i, item in enumerate(svc.data["receives"]):
        if isinstance(item, dict) and pointer_id(item) == step.command_id and isinstance(item.get("triggers"), list):
            for j, trig in enumerate(item["triggers"]):
                tid = pointer_id(trig)
                if tid:
                    cond = str(trig.get("condition") or "") if isinstance(trig, dict) else ""
                    out.append((tid, cond, svc, ("receives", i, "triggers", j)))
    return out


def failure_like(step: SagaStep, trigger: Trigger) -> bool:
    """A trigger reads as a failure reply when its id or condition says so, ignoring the words of
    the command itself (``order-cancelled`` is the success of ``cancel-order``)."""
    text = f"{trigger[0]} {trigger[1]}".lower()
    for word in re.split(r"[-_ ]+", (step.command_id or "").lower()):
        if len(word) > 2:
            text = re.sub(rf"\b{re.escape(word[:5])}\w*", " ", text)
    return bool(FAILURE_WORDS.search(text))


def infer_success(saga: Saga, step: SagaStep) -> Evidence | None:
    """The first trigger that does not read as a failure; else a labelled edge onwards (prose)."""
    ok = [t for t in participant_triggers(step) if not failure_like(step, t)]
    if ok:
        tid, cond, svc, path = ok[0]
        step.success = tid
        note = f"{svc.id} receives[].triggers {tid}" + (f" ({cond})" if cond else "")
        return Evidence.at("prose", tid, svc, path, note)
    labelled = [(label, tid) for label, tid in step.success_edges if label]
    if labelled:
        label, tid = labelled[0]
        return Evidence.at("prose", None, saga.flow, step_path(step), f'labelled edge "{label}" to {tid}')
    return None


def infer_failures(saga: Saga, step: SagaStep) -> Evidence | None:
    """Triggers that read as failures (business failure events) and edges to Compensation nodes."""
    triggers = [t for t in participant_triggers(step) if failure_like(step, t)]
    if not step.failure_edges and not triggers:
        return None
    notes = [f'labelled edge "{label or "(no label)"}" to {tid}' for label, tid in step.failure_edges]
    notes += [f"{t[2].id} receives[].triggers {t[0]}" for t in triggers]
    for t in triggers:
        step.failures.append(StepFailure(event=t[0]))
    if step.failure_edges:
        value: list[str | None] = [f.label for f in step.failures] or [label for label, _ in step.failure_edges]
        return Evidence.at("prose", value, saga.flow, step_path(step), "; ".join(notes))
    _, _, svc, path = triggers[0]
    return Evidence.at("prose", [t[0] for t in triggers], svc, path, "; ".join(notes))


def later_failures(saga: Saga, step: SagaStep) -> bool:
    """Whether a step after this one draws a failure edge (then this step may need undoing)."""
    return any(s.failure_edges for s in saga.steps if s.index > step.index)


def _compensation_texts(saga: Saga, by_id: StepsById) -> list[tuple[str, int, str]]:
    """(step id, index, words) of the flow's Compensation nodes: title, summary and properties."""
    texts = []
    for sid in saga.compensation_nodes:
        i, s = by_id[sid]
        c = s.get("custom")  # a mapping: that is how the node was found (values.custom_type)
        if not isinstance(c, dict):
            continue
        props = c.get("properties")
        values = props.values() if isinstance(props, dict) else ()
        texts.append((sid, i, " ".join(str(v) for v in [c.get("title"), c.get("summary"), *values] if v)))
    return texts


def _compensating_commands(graph: CatalogGraph, participant: Resource, step: SagaStep) -> list[Resource]:
    """Other commands the participant receives whose first word undoes something (release-, void-, ...)."""
    return [
        cmd for cmd in graph.receives(participant)
        if cmd.type == "command" and cmd.id != step.command_id and _verb(cmd) in COMPENSATING_VERBS
    ]


def _verb(cmd: Resource) -> str:
    """The first word of a command's id (``release`` of ``release-inventory``)."""
    return re.split(r"[-_ ]", (cmd.id or "").lower())[0]


def _named_compensation(
    graph: CatalogGraph, saga: Saga, step: SagaStep, participant: Resource, texts: list[tuple[str, int, str]]
) -> Evidence | None:
    """The first Compensation node whose words name the undo verb of a command the participant receives."""
    candidates = _compensating_commands(graph, participant, step)
    for sid, i, text in texts:
        for cmd in candidates:
            verb = _verb(cmd)
            if re.search(rf"\b{re.escape(verb)}", text, re.I):
                step.compensation = cmd.id
                return Evidence.at(
                    "prose", cmd.id, saga.flow, ("steps", i, "custom"),
                    f'Compensation node "{sid}" says "{text[:100]}"; {participant.id} receives {cmd.id}',
                )
    return None


def infer_compensation(graph: CatalogGraph, saga: Saga, step: SagaStep, by_id: StepsById) -> Evidence | None:
    """A Compensation node that names the undo of a command the participant receives (prose, with
    that command); else the node alone, when a failure path leads to it."""
    texts = _compensation_texts(saga, by_id)
    participant = step.participant
    if texts and participant is not None and (ev := _named_compensation(graph, saga, step, participant, texts)):
        return ev
    if texts and (later_failures(saga, step) or step.failure_edges):
        sid, i, text = texts[0]
        return Evidence.at(
            "prose", None, saga.flow, ("steps", i, "custom"),
            f'Compensation node "{sid}" says "{text[:100]}", but no command contract matches it',
        )
    return None


def infer_step_type(saga: Saga, step: SagaStep) -> None:
    """Steps whose failures lead to compensation are compensatable; the last step, with nothing
    after it that could fail, is taken as the pivot."""
    step.type_inferred = True
    step.type = "pivot" if step is saga.steps[-1] else "compensatable"


def outcome_node(saga: Saga) -> Evidence | None:
    """The first ``custom`` Outcome node of the flow, as prose evidence of the outcome."""
    if not saga.outcome_nodes:
        return None
    sid = saga.outcome_nodes[0]
    steps = saga.flow.data["steps"]
    idx = next(s_i for s_i, s in enumerate(steps) if isinstance(s, dict) and str(s.get("id")) == sid)
    return Evidence.at("prose", None, saga.flow, ("steps", idx), f'Outcome node "{sid}"')
