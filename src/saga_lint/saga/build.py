"""Which flows are sagas, and the saga model of each, built from the best evidence there is.

Which flows are sagas (../shared/design/saga-extension.md): a flow with an ``x-saga`` block; a
plain flow that models compensation the way EventCatalog's own example does (a ``custom`` step of
``type: Compensation``); or a flow listed under ``sagas:`` in the config. Only the latest version
of each flow is modelled.

The steps are the flow's command steps and any step ``x-saga`` describes. Each attribute of each
step comes from the first source that states it, in this order: the ``x-saga`` block
(``xsaga``), inference from the plain flow and the contracts (``infer``), a docs page about the
flow (``docs``); else it is ``missing``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_lint.graph import next_steps
from saga_lint.saga import docs, infer, xsaga
from saga_lint.saga.infer import step_path
from saga_lint.saga.model import Evidence, Saga, SagaStep, YamlMap
from saga_lint.saga.values import StepsById, custom_type, pointer_id, steps_by_id

if TYPE_CHECKING:
    from saga_lint.catalog.model import Catalog, Resource
    from saga_lint.config import Config
    from saga_lint.graph import CatalogGraph

__all__ = ["build_saga", "build_sagas", "is_saga"]


def is_saga(flow: Resource, config: Config | None) -> str | None:
    """Why the flow is a saga, or None."""
    if isinstance(flow.data.get("x-saga"), dict):
        return "it has an x-saga block"
    steps = flow.data.get("steps")
    if isinstance(steps, list) and any(isinstance(s, dict) and custom_type(s) == "compensation" for s in steps):
        return "it has a custom step of type Compensation"
    if config is not None and flow.id in getattr(config, "sagas", ()):
        return "the configuration lists it under sagas"
    return None


def build_sagas(catalog: Catalog, graph: CatalogGraph, config: Config | None = None) -> list[Saga]:
    sagas = []
    for flow in catalog.resources:
        if flow.type != "flow" or flow.id is None or flow.versioned_folder is not None:
            continue
        why = is_saga(flow, config)
        if why:
            sagas.append(build_saga(catalog, graph, flow, why))
    return sagas


def build_saga(catalog: Catalog, graph: CatalogGraph, flow: Resource, why: str) -> Saga:
    block = flow.data.get("x-saga")
    x: YamlMap = block if isinstance(block, dict) else {}
    saga = Saga(flow=flow, structured=bool(x), why=why, x=x)
    by_id = steps_by_id(flow)
    saga.compensation_nodes = [sid for sid, (_, s) in by_id.items() if custom_type(s) == "compensation"]
    saga.outcome_nodes = [sid for sid, (_, s) in by_id.items() if custom_type(s) == "outcome"]
    saga.steps = _steps(graph, saga, by_id)

    pages = docs.docs_about(catalog, flow)
    saga.docs_pages = pages[1:]
    saga.docs_table = docs.find_docs_table(pages)
    saga.orchestrator_evidence = (
        xsaga.x_orchestrator(catalog, saga)
        or infer.infer_orchestrator(graph, saga, by_id)
        or Evidence.at("missing", None, flow, ("steps",), "no service sends every step command")
    )
    for step in saga.steps:
        step.evidence["owner"] = _owner(graph, saga, step)
        step.evidence["success"] = _success(saga, step)
        step.evidence["failure"] = _failure(saga, step)
        step.evidence["retry"] = _retry(saga, step)
        step.evidence["compensation"] = _compensation(graph, saga, step, by_id)
        step.evidence["status"] = _status(saga, step)
        if not xsaga.x_step_type(step):
            infer.infer_step_type(saga, step)
    xsaga.read_saga_fields(saga)
    saga.outcome_evidence = _outcome(saga, pages)
    return saga


def _steps(graph: CatalogGraph, saga: Saga, by_id: StepsById) -> list[SagaStep]:
    """The saga's steps in flow order: the command steps, and any step x-saga describes (not an
    event or query step that x-saga leaves alone)."""
    flow = saga.flow
    block = saga.x.get("steps")
    x_steps: YamlMap = {str(k): v for k, v in block.items()} if isinstance(block, dict) else {}
    steps = []
    for sid, (i, s) in sorted(by_id.items(), key=lambda kv: kv[1][0]):
        target = graph.step_target(flow, sid)
        is_command = target is not None and target.type == "command"
        if not is_command and sid not in x_steps:
            continue
        x_step = x_steps.get(sid)
        step = SagaStep(
            id=sid,
            index=i,
            title=str(s.get("title") or sid),
            command_id=pointer_id(s.get("message")) if "message" in s else None,
            command=target if is_command else None,
            x=x_step if isinstance(x_step, dict) else {},
            x_path=("x-saga", "steps", sid) if sid in x_steps else (),
        )
        for tid, label in next_steps(s):
            (step.failure_edges if tid in saga.compensation_nodes else step.success_edges).append((label, tid))
        if step.command is not None:
            step.receivers = graph.receivers_of(step.command)
        steps.append(step)
    return steps


def _missing(saga: Saga, step: SagaStep, note: str) -> Evidence:
    return Evidence.at("missing", None, saga.flow, step_path(step), note)


def _no_value(_text: str) -> None:
    return None


def _owner(graph: CatalogGraph, saga: Saga, step: SagaStep) -> Evidence:
    return (
        xsaga.x_owner(saga, step)
        or infer.infer_owner(graph, saga, step)
        or docs.docs_evidence(saga, step, ("owner", "owners", "team"), docs.cell_ids, "docs table Owner column")
        or _missing(saga, step, f"no service receives {step.command_id or 'the step'}")
    )


def _success(saga: Saga, step: SagaStep) -> Evidence:
    return (
        xsaga.x_success(saga, step)
        or infer.infer_success(saga, step)
        or docs.docs_evidence(saga, step, ("success", "success condition"), _no_value)
        or _missing(saga, step, "no success reply event")
    )


def _failure(saga: Saga, step: SagaStep) -> Evidence:
    return (
        xsaga.x_failures(saga, step)
        or infer.infer_failures(saga, step)
        or docs.docs_evidence(saga, step, ("failure", "failures", "failure condition"), _no_value)
        or _missing(saga, step, "no failure path: nothing says what happens when this step fails")
    )


def _retry(saga: Saga, step: SagaStep) -> Evidence:
    return (
        xsaga.x_retry(saga, step)
        or docs.docs_evidence(saga, step, ("retry", "retries", "retry policy"))
        or _missing(saga, step, "no retry policy")
    )


def _compensation(graph: CatalogGraph, saga: Saga, step: SagaStep, by_id: StepsById) -> Evidence:
    """x-saga; else a Compensation node of the flow; else, when a later step can fail, the docs'
    "Compensation" section."""
    return (
        xsaga.x_compensation(saga, step)
        or infer.infer_compensation(graph, saga, step, by_id)
        or (docs.compensation_section(saga) if infer.later_failures(saga, step) else None)
        or _missing(saga, step, "no compensation")
    )


def _status(saga: Saga, step: SagaStep) -> Evidence:
    return (
        xsaga.x_status(saga, step)
        or docs.docs_evidence(saga, step, ("customer status", "status", "customer-visible status"))
        or _missing(saga, step, "no customer-visible status")
    )


def _outcome(saga: Saga, pages: list[Resource]) -> Evidence:
    """x-saga.outcome; else a "Success condition" section of the docs; else an Outcome node."""
    ev = xsaga.x_outcome(saga)
    if ev is not None:
        return ev
    found = docs.outcome_section(pages)
    if found is not None:
        saga.outcome, ev = found
        return ev
    return infer.outcome_node(saga) or Evidence.at("missing", None, saga.flow, ("id",), "no durable outcome")
