"""Which flows are sagas, and the saga model of each, built from the best evidence there is.

Which flows are sagas (../shared/design/saga-extension.md, docs/saga.md): a flow with an
``x-saga`` block; a plain flow that models compensation the way EventCatalog's own example does (a
``custom`` step of ``type: Compensation``); a flow listed under ``sagas:`` in the config; or a flow
whose participants (services drawn or handling its commands) belong to different owners and whose
map draws a failure (``flowmap.FlowMap.failure_signals``) and has a step to coordinate (a command,
or an event a participant receives: without one the review is of a saga of zero steps, e.g. a
renewal journey of queries and notifications), and the owners differ among the participants that
do work (not a service drawn only to be notified of its events: ``only_notified``). Only the latest
version of each flow is modelled.
A saga that repeats another saga's steps (a customer journey drawn around it) is marked
``copy_of`` that saga and not reviewed a second time (``copies``).

The steps (``steps``) are the flow's command steps, the local transactions started by an event a
participant publishes (choreography), and any step ``x-saga`` describes; how they are coordinated
is ``coordination``. Each attribute of each step comes from the first source that states it, in
this order: the ``x-saga`` block (``xsaga``), the contracts and the flow map (``infer``), a docs
page about the flow (``docs``); else it is ``missing``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from saga_lint.saga import coordination, docs, infer, xsaga
from saga_lint.saga.copies import mark_copies
from saga_lint.saga.flowmap import FlowMap
from saga_lint.saga.infer import step_path
from saga_lint.saga.model import Evidence, Saga, SagaStep, YamlMap
from saga_lint.saga.values import with_yaml12_keys

if TYPE_CHECKING:
    from saga_lint.catalog.model import Catalog, Resource
    from saga_lint.config import Config
    from saga_lint.graph import CatalogGraph

__all__ = ["build_saga", "build_sagas", "is_saga", "saga_reason"]


def _owners_text(parts: dict[str, list[str]]) -> str:
    return ", ".join(f"{sid} ({'/'.join(o) or 'no owner'})" for sid, o in parts.items())


def _different_owners(parts: dict[str, list[str]]) -> bool:
    """Whether the participants belong to different owners: at least two have owners, and no
    owner (team or user) owns all of those."""
    owned = [set(o) for o in parts.values() if o]
    return len(owned) > 1 and not set.intersection(*owned)


def saga_reason(flow: Resource, config: Config | None, fmap: FlowMap | None = None,
                graph: CatalogGraph | None = None) -> tuple[str | None, str]:
    """(why the flow is a saga, or None; why not, and what would make it one, when it is not)."""
    if isinstance(flow.data.get("x-saga"), dict):
        return "it has an x-saga block", ""
    if fmap is None and graph is not None:
        fmap = FlowMap(graph, flow)
    if fmap is not None and any(n.ctype == "compensation" for n in fmap.nodes.values()):
        return "it has a custom step of type Compensation", ""
    if config is not None and flow.id in getattr(config, "sagas", ()):
        return "the configuration lists it under sagas", ""
    if fmap is None or graph is None:
        return None, "no x-saga block, no Compensation node, not listed under sagas: in the config"
    signals = fmap.failure_signals()
    parts = fmap.participants(graph, implied_consumers(graph, fmap))
    make = "Declare an x-saga block, draw a custom Compensation node, or list it under sagas: in the config, to review it as one."
    if signals and _different_owners(parts):
        if not _has_steps(graph, flow, fmap):
            return None, (f"it draws a failure ({'; '.join(signals[:3])}) across participants of different owners "
                          f"({_owners_text(parts)}), but no step is a local transaction to coordinate: no command, and "
                          f"no event a participant receives. {make}")
        notified = only_notified(graph, fmap)
        working = {sid: o for sid, o in parts.items() if sid not in notified}
        if notified and not _different_owners(working):
            return None, (f"it draws a failure ({'; '.join(signals[:3])}) across participants of different owners "
                          f"({_owners_text(parts)}), but {_workers_text(working)}; "
                          f"{_owners_text({s: o for s, o in parts.items() if s in notified})} only "
                          f"{'consumes' if len(notified) == 1 else 'consume'} its events, so nothing has to be undone "
                          f"across teams. {make}")
        return (f"it spans participants of different owners ({_owners_text(parts)}) and draws a failure "
                f"({'; '.join(signals[:3])})"), ""
    if not signals:
        return None, f"its map draws no failure (no Exception or failure node, failure-labelled edge, failure event, retry or " \
                     f"timeout node, or compensation wording), and it has no x-saga block or Compensation node. {make}"
    why_not = _not_across_teams(parts) + _undrawn(graph, fmap)
    return None, f"it draws a failure ({'; '.join(signals[:3])}), but {why_not}. {make}"


def implied_consumers(graph: CatalogGraph, fmap: FlowMap) -> list[Resource]:
    """The services a map of messages only leaves undrawn that act in it: for each event drawn
    straight to the next message, the one service that receives it and sends that message
    (``coordination.implied_consumer``)."""
    commands = [n.target for n in fmap.ordered() if fmap.message_type(n.id) == "command" and n.target is not None]
    events = [n for n in fmap.ordered() if fmap.message_type(n.id) == "event"]
    found = (coordination.implied_consumer(graph, fmap, n, commands) for n in events)
    return [svc for svc in found if svc is not None]


def _undrawn(graph: CatalogGraph, fmap: FlowMap) -> str:
    """For a map of messages only (no service drawn): the services of the catalog that send or
    receive its messages, which drawing them would make its participants (EventCatalog's
    PaymentFlow draws events only)."""
    if any(n.kind in ("service", "agent") for n in fmap.nodes.values()):
        return ""
    found = sorted({str(svc.id) for node in fmap.ordered() if node.kind == "message" and node.target is not None
                    for svc in (*graph.senders_of_any(node.target), *graph.receivers_of_any(node.target))
                    if svc.type == "service" and svc.id is not None})
    if not found:
        return ""
    more = f", and {len(found) - 5} more" if len(found) > 5 else ""
    return (f"; its messages' services are not drawn ({', '.join(found[:5])}{more}): draw them as service steps after "
            "the messages they receive")


def _workers_text(working: dict[str, list[str]]) -> str:
    if not working:
        return "no participant does work in it"
    return f"only {_owners_text(working)} {'does' if len(working) == 1 else 'do'} work in it"


def only_notified(graph: CatalogGraph, fmap: FlowMap) -> set[str]:
    """The services the map draws only as consumers of its events that act on none of them (nothing
    they send or write is drawn after them: a notification, an email to the customer), and that
    neither send nor receive a command of the map: they do no work a saga would have to undo."""
    commands = [n.target for n in fmap.ordered() if fmap.message_type(n.id) == "command" and n.target is not None]
    busy = {svc.id for cmd in commands for svc in (*graph.receivers_of(cmd), *graph.senders_of(cmd))}
    notified: dict[str, bool] = {}
    for node in fmap.ordered():
        svc = node.target
        if node.kind not in ("service", "agent") or svc is None or svc.id is None:
            continue
        into = fmap.before(node.id)
        only_told = bool(into) and all(fmap.message_type(b.id) == "event" for b in into) \
            and not coordination.acts(graph, fmap, node, svc)
        notified[svc.id] = notified.get(svc.id, True) and only_told
    return {sid for sid, told in notified.items() if told and sid not in busy}


def _not_across_teams(parts: dict[str, list[str]]) -> str:
    """Why the participants coordinate nothing across teams: there are none, one has an owner, or they share one."""
    owned = {sid: o for sid, o in parts.items() if o}
    if not parts:
        why = "no service takes part in it (none is drawn, none receives its commands)"
    elif len(owned) < 2:
        why = (f"only one participant has an owner ({_owners_text(owned)})" if owned
               else f"no participant has an owner ({_owners_text(parts)})")
    else:
        why = f"its participants ({_owners_text(parts)}) share an owner"
    return f"{why}, so nothing has to be coordinated across teams"


def _has_steps(graph: CatalogGraph, flow: Resource, fmap: FlowMap) -> bool:
    """Whether the map has a saga step (a command, or an event a participant receives): a flow
    read as a saga from its map alone needs one, or it is reviewed as a saga of zero steps."""
    return bool(coordination.saga_steps(graph, Saga(flow=flow, structured=False, why="", x={}), fmap))


def is_saga(flow: Resource, config: Config | None, graph: CatalogGraph | None = None) -> str | None:
    """Why the flow is a saga, or None."""
    return saga_reason(flow, config, graph=graph)[0]


def build_sagas(catalog: Catalog, graph: CatalogGraph, config: Config | None = None) -> list[Saga]:
    """Every saga of the catalog (copies of another saga included, marked ``copy_of``)."""
    sagas = []
    for flow in catalog.resources:
        if flow.type != "flow" or flow.id is None or flow.versioned_folder is not None:
            continue
        fmap = FlowMap(graph, flow)
        why, _ = saga_reason(flow, config, fmap, graph)
        if why:
            saga = build_saga(catalog, graph, flow, why, fmap)
            saga.failure_signals = fmap.failure_signals()
            sagas.append(saga)
    mark_copies(sagas, graph)
    return sagas


def build_saga(catalog: Catalog, graph: CatalogGraph, flow: Resource, why: str, fmap: FlowMap | None = None) -> Saga:
    block = with_yaml12_keys(flow.data.get("x-saga"))  # compensation.on: YAML 1.1 reads the key as true
    x: YamlMap = block if isinstance(block, dict) else {}
    saga = Saga(flow=flow, structured=bool(x), why=why, x=x)
    fmap = fmap or FlowMap(graph, flow)
    saga.flowmap = fmap
    undo = coordination.drawn_compensations(saga, fmap)
    saga.compensation_nodes = [n.id for n in fmap.ordered() if n.ctype == "compensation" or n.id in undo]
    saga.outcome_nodes = [n.id for n in fmap.ordered() if n.ctype == "outcome"]
    saga.steps = coordination.saga_steps(graph, saga, fmap)
    xsaga.read_step_fields(catalog, saga)

    pages = docs.docs_about(catalog, flow)
    saga.docs_pages = pages[1:]
    saga.docs_table = docs.find_docs_table(pages)
    saga.orchestrator_evidence = (
        xsaga.x_orchestrator(catalog, saga)
        or infer.infer_orchestrator(graph, saga, fmap)
        or Evidence.at("missing", None, flow, ("steps",), "no service sends every step command")
    )
    coordination.decide(graph, saga, fmap)
    types = infer.inferred_types(saga, fmap)
    for step in saga.steps:
        step.evidence["owner"] = _owner(graph, saga, step)
        step.evidence["success"] = _success(graph, saga, step, fmap)
        step.evidence["failure"] = _failure(graph, saga, step, fmap)
    after = infer.failures_after(saga, fmap)
    for step in saga.steps:  # after every step's failures: a choreographed step undoes on a later one's failure event
        step.evidence["retry"] = _retry(saga, step, fmap)
        step.evidence["compensation"] = _compensation(graph, saga, step, fmap, after[id(step)])
        step.evidence["status"] = _status(saga, step)
        if not xsaga.x_step_type(step):
            infer.infer_step_type(saga, step, types)
    xsaga.read_saga_fields(saga)
    saga.outcome_evidence = _outcome(graph, saga, pages, fmap)
    return saga


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


def _success(graph: CatalogGraph, saga: Saga, step: SagaStep, fmap: FlowMap) -> Evidence:
    return (
        xsaga.x_success(saga, step)
        or infer.infer_success(graph, saga, step, fmap)
        or docs.docs_evidence(saga, step, ("success", "success condition"), _no_value)
        or _missing(saga, step, "no success reply event")
    )


def _failure(graph: CatalogGraph, saga: Saga, step: SagaStep, fmap: FlowMap) -> Evidence:
    return (
        xsaga.x_failures(saga, step)
        or infer.infer_failures(graph, saga, step, fmap)
        or docs.docs_evidence(saga, step, ("failure", "failures", "failure condition"), _no_value)
        or _missing(saga, step, "no failure path: nothing says what happens when this step fails")
    )


def _retry(saga: Saga, step: SagaStep, fmap: FlowMap) -> Evidence:
    """x-saga; else the docs' "Saga steps" table; else a summary drawn with the step that says how it is retried."""
    return (
        xsaga.x_retry(saga, step)
        or docs.docs_evidence(saga, step, ("retry", "retries", "retry policy"))
        or infer.summary_retry(saga, step, fmap)
        or _missing(saga, step, "no retry policy")
    )


def _compensation(graph: CatalogGraph, saga: Saga, step: SagaStep, fmap: FlowMap, after: infer.FailuresAfter) -> Evidence:
    """x-saga; else a Compensation node of the flow; else, when a later step can fail, the docs'
    "Compensation" section."""
    return (
        xsaga.x_compensation(saga, step)
        or infer.infer_compensation(graph, saga, step, fmap, after)
        or (docs.compensation_section(saga) if after.drawn else None)
        or _missing(saga, step, "no compensation")
    )


def _status(saga: Saga, step: SagaStep) -> Evidence:
    return (
        xsaga.x_status(saga, step)
        or docs.docs_evidence(saga, step, ("customer status", "status", "customer-visible status"))
        or _missing(saga, step, "no customer-visible status")
    )


def _outcome(graph: CatalogGraph, saga: Saga, pages: list[Resource], fmap: FlowMap) -> Evidence:
    """x-saga.outcome; else a container then an event drawn after a step; else a "Success
    condition" section of the docs; else an Outcome node."""
    ev = xsaga.x_outcome(saga) or infer.drawn_outcome(graph, saga, fmap)
    if ev is not None:
        return ev
    found = docs.outcome_section(pages)
    if found is not None:
        saga.outcome, ev = found
        return ev
    return infer.outcome_node(saga) or Evidence.at("missing", None, saga.flow, ("id",), "no durable outcome")
