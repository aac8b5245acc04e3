"""``saga-lint verify`` and ``saga-lint run``: sagas on the reference orchestrator, under every
fault scenario (verify) or one (run), with the invariants checked."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from saga_lint.cli.common import Failure, catalog_path, guard

if TYPE_CHECKING:
    from saga_lint.orchestrator.invariants import Violation
    from saga_lint.orchestrator.scenarios import Scenario
    from saga_lint.orchestrator.store import Store
    from saga_lint.orchestrator.verify import RunResult
    from saga_lint.saga.model import Saga, SagaStep


def _open_store(db: str) -> Store:
    from saga_lint.orchestrator.store import Store, StoreError

    try:
        return Store(db)
    except StoreError as exc:
        raise Failure(str(exc)) from None


def _pick_sagas(path: str, flows: Sequence[str]) -> tuple[list[Saga], str]:
    """The sagas to verify, and what to say when there are none (else '')."""
    from saga_lint.config import load_config
    from saga_lint.pipeline import run_check

    path = catalog_path(path)
    result = run_check(path, load_config(path))
    sagas = [s for s in result.sagas if s.id in flows or (not flows and s.reviewed)]  # a copy of a saga is verified as it
    unknown = [f for f in flows if f not in {s.id for s in result.sagas}]
    if unknown:
        known = ", ".join(sorted(s.id for s in result.sagas)) or "none"
        raise Failure(f"no saga flow {', '.join(repr(u) for u in unknown)} in {path} (saga flows: {known})")
    return sagas, "" if sagas else _no_saga_note(path, sum(r.type == "flow" for r in result.catalog.resources))


def _no_saga_note(path: str, flow_pages: int) -> str:
    """Why nothing was verified: no flow, or no flow drawn as a saga (docs/saga.md, "Which flows are sagas")."""
    from saga_lint.render.safe import escape_control
    from saga_lint.words import plural

    where = escape_control(path)
    if not flow_pages:
        return f"no saga to verify: {where} has no flow page.\n"
    return (f"no saga to verify: none of the {plural(flow_pages, 'flow page')} in {where} is a saga (an x-saga block, "
            "a Compensation node, `sagas:` in the config, or a failure drawn across teams' services with a command "
            "or event to coordinate; docs/saga.md). `saga-lint explain FLOW` says why a flow is not one.\n")


@click.command("verify")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--flow", "flows", multiple=True, metavar="ID", help="Only this saga flow (repeatable).")
@click.option("--db", default="sqlite://", show_default=True, help="Store: sqlite://, sqlite:///PATH or postgresql://...")
@click.option("--max-scenarios", type=click.IntRange(min=1), default=1000, show_default=True,
              help="Scenario budget per flow; beyond it crash/duplicate variants (and a long saga's "
                   "compensation faults) are sampled.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for sampling.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--break-idempotency", "broken", multiple=True, metavar="STEP",
              help="Checking the checker: STEP's compensation consumer (choreography) neither deduplicates "
                   "nor looks at its state, so it undoes once per delivery; verify must report it.")
@guard
def verify_cmd(path: str, flows: Sequence[str], db: str, max_scenarios: int, seed: int, fmt: str,
               broken: Sequence[str]) -> None:
    """Run every saga under every fault scenario on a real store and check the invariants."""
    from saga_lint.orchestrator.verify import verify_saga
    from saga_lint.render.verify_format import render_json, render_text

    sagas, none_note = _pick_sagas(path, flows)
    unknown = [b for b in broken if not any(s.step(b) is not None and s.coordination != "orchestration" for s in sagas)]
    if unknown:
        raise Failure(f"--break-idempotency: no choreographed step {', '.join(repr(u) for u in unknown)} in the flows verified")
    store = _open_store(db)
    try:
        reports = [verify_saga(store, s, max_scenarios=max_scenarios, seed=seed, non_idempotent=frozenset(broken))
                   for s in sagas]
    finally:
        store.close()
    click.echo(render_json(reports) if fmt == "json" else none_note + render_text(reports), nl=False)
    sys.exit(1 if any(r.violations for r in reports) else 0)


@click.command("run")
@click.argument("flow")
@click.argument("path", default=".", type=click.Path(file_okay=False))
@click.option("--scenario", "scenario_text", default="ok", show_default=True,
              help='Fault plan, e.g. "authorize_payment=declined, crash=4" (see docs/verify.md).')
@click.option("--db", default="sqlite://", show_default=True, help="Store: sqlite://, sqlite:///PATH or postgresql://...")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--participants", "participants", type=click.Choice(["simulated", "plugins"]), default="simulated",
              show_default=True, help="plugins: a step whose service has a participant registered under the "
              "saga_lint.participants entry points calls it (others stay simulated).")
@guard
def run_cmd(flow: str, path: str, scenario_text: str, db: str, fmt: str, participants: str) -> None:
    """Run one saga FLOW under one scenario: its trace, status timeline and invariants."""
    import json
    import uuid

    from saga_lint.orchestrator.invariants import check
    from saga_lint.orchestrator.scenarios import ScenarioError, expected, parse
    from saga_lint.orchestrator.verify import full_trace, run_scenario
    from saga_lint.render.safe import escape_control

    saga = _pick_sagas(path, (flow,))[0][0]
    if saga.coordination != "orchestration" and not saga.steps:
        raise Failure(f"{flow}: no steps to run")
    if saga.coordination != "orchestration" and participants == "plugins":
        raise Failure(f"{flow}: a {saga.coordination} saga runs simulated participants only "
                      "(--participants plugins is for orchestrations)")
    try:
        scenario = parse(scenario_text, saga)
    except ScenarioError as exc:
        raise Failure(f"bad --scenario: {exc}") from None
    store = _open_store(db)
    try:
        if saga.coordination != "orchestration":
            res, violations = _run_choreography(store, saga, scenario)
        else:
            opts: dict[str, Any] = {}
            if participants == "plugins":
                opts["participant_for"] = _plugin_participants(store, saga)
            reference = None
            if scenario.crash_after is not None:
                reference = run_scenario(store, saga, scenario.base(), f"run-{uuid.uuid4().hex[:10]}:{saga.id}:ref", **opts).snap
            res = run_scenario(store, saga, scenario, f"run-{uuid.uuid4().hex[:10]}:{saga.id}", **opts)
            violations = check(saga, scenario, expected(saga, scenario), res.snap, reference)
    finally:
        store.close()
    if fmt == "json":
        click.echo(json.dumps({
            "flow": saga.id, "scenario": scenario.name, "state": res.snap["state"], "status": res.snap["status"],
            "timeline": res.snap["timeline"], "trace": full_trace(res),
            "violations": [{"invariant": v.invariant, "message": v.message} for v in violations],
        }, indent=2, ensure_ascii=False))
    else:
        for line in full_trace(res):
            click.echo(escape_control(line))
        click.echo(f"end: {res.snap['state']}, status {escape_control(res.snap['status'])}")
        for v in violations:
            click.echo(f"✗ {v.invariant}: {escape_control(v.message)}")
        if not violations:
            click.echo("all invariants hold")
    sys.exit(1 if violations else 0)


def _run_choreography(store: Store, saga: Saga, scenario: Scenario) -> tuple[RunResult, list[Violation]]:
    """``run`` on a choreography: the choreography engine, and its reference run when it crashes."""
    import uuid

    from saga_lint.orchestrator import choreo_scenarios
    from saga_lint.orchestrator.invariants import check
    from saga_lint.orchestrator.verify import run_choreography

    reference = None
    if scenario.crash_after is not None:
        reference = run_choreography(store, saga, scenario.base(), f"run-{uuid.uuid4().hex[:10]}:{saga.id}:ref").snap
    res = run_choreography(store, saga, scenario, f"run-{uuid.uuid4().hex[:10]}:{saga.id}")
    return res, check(saga, scenario, choreo_scenarios.expected(saga, scenario), res.snap, reference)


def _plugin_participants(store: Store, saga: Saga) -> Callable[[SagaStep, object], object]:
    """``participant_for(step, scenario)`` for ``run --participants plugins``: a step whose service
    has a factory under the ``saga_lint.participants`` entry points gets it (called as
    ``factory(store=, saga=, step=)``); for every other step it returns None, so the engine keeps
    its simulated participant. Which is which goes to stderr."""
    from saga_lint.orchestrator.participants import entry_point_factories

    factories = entry_point_factories()
    for step in saga.steps:
        svc = step.participant
        name = getattr(svc, "id", None)
        how = f"plug-in {name}" if name in factories else "simulated (no plug-in for its service)"
        click.echo(f"step {step.id}: {how}", err=True)

    def participant_for(step: SagaStep, scenario: object) -> object:
        svc = step.participant
        factory = factories.get(getattr(svc, "id", None) or "")
        return factory(store=store, saga=saga, step=step) if factory is not None else None

    return participant_for
