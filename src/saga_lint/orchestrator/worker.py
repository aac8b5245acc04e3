"""An orchestrator process: claims queued sagas and runs them to a terminal state (a choreography's
or mixed saga's on the choreography engine: its consumers, relay and status service).

    python -m saga_lint.orchestrator.worker --db URL --catalog PATH --flow ID [--prefix P]

Several workers can share one PostgreSQL database: each claims a saga with ``SELECT ... FOR
UPDATE SKIP LOCKED`` on ``saga_queue`` and holds that row lock (on a second connection) while it
runs the saga; if the process is killed the lock goes with its connection and another worker (or
the restarted one) resumes the saga from its log. Prints ``ready`` once set up and a JSON summary
line (``{"done": N}``) when the queue has nothing left to claim.

``enqueue`` creates sagas with scenarios for these workers; ``check_all`` checks every invariant
over them, including convergence with a crash-free reference run on SQLite in memory.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO, TypedDict

if TYPE_CHECKING:
    from saga_lint.orchestrator.records import Snapshot
    from saga_lint.orchestrator.scenarios import Scenario
    from saga_lint.orchestrator.store import Store
    from saga_lint.saga.model import Saga


class Problem(TypedDict):
    """An invariant violated by one of the sagas the workers ran."""

    saga: str  # saga id
    scenario: str  # scenario name
    invariant: str
    message: str


def load_saga(catalog: str, flow: str) -> Saga:
    """The saga model of one flow of a catalog."""
    from saga_lint.pipeline import run_check

    sagas: Sequence[Saga] = run_check(catalog).sagas
    for s in sagas:
        if s.id == flow:
            return s
    raise SystemExit(f"no saga flow {flow!r} in {catalog}")


def enqueue(store: Store, saga: Saga, n: int, prefix: str, seed: int = 0) -> list[str]:
    """Create ``n`` queued sagas with scenarios drawn from the base scenarios (and duplicates); a
    choreography's (or mixed saga's) are started: created with their first event in the outbox."""
    from saga_lint.orchestrator import choreo_scenarios
    from saga_lint.orchestrator.choreography import Choreography
    from saga_lint.orchestrator.engine import Engine
    from saga_lint.orchestrator.scenarios import Scenario, base_scenarios

    rng = random.Random(seed)
    orchestrated = saga.coordination == "orchestration"
    bases = base_scenarios(saga) if orchestrated else choreo_scenarios.base_scenarios(saga)
    eng, chor = Engine(store, saga), Choreography(store, saga)
    ids = []
    for i in range(n):
        b = rng.choice(bases)
        sc = Scenario(b.forward, b.compensation, None, rng.random() < 0.25)
        sid = f"{prefix}{i:05d}"
        if orchestrated:
            eng.create(sid, sc, queue=True)
        else:
            chor.start(sid, sc, queue=True)
        ids.append(sid)
    return ids


def work(url: str, saga: Saga, prefix: str = "", compensation_order: str = "reverse", out: TextIO = sys.stdout) -> int:
    """Claim and run queued sagas (ids starting with ``prefix``) until none is left; how many ran."""
    from saga_lint.orchestrator.choreography import Choreography
    from saga_lint.orchestrator.engine import Engine
    from saga_lint.orchestrator.scenarios import parse
    from saga_lint.orchestrator.store import Store

    claims, store = Store(url), Store(url, create=False)
    print("ready", file=out, flush=True)
    done = 0
    try:
        while True:
            with claims.claim(prefix) as saga_id:
                if saga_id is None:
                    break
                row = store.one("SELECT scenario, state FROM saga_instance WHERE saga_id = ?", (saga_id,))
                if row is not None and row[1] == "running" and saga.coordination != "orchestration":
                    Choreography(store, saga).run(saga_id, parse(row[0], saga))
                elif row is not None and row[1] == "running":
                    Engine(store, saga, compensation_order=compensation_order).run(saga_id, parse(row[0], saga))
                done += 1
    finally:
        claims.close()
        store.close()
    print(json.dumps({"done": done}), file=out, flush=True)
    return done


def check_all(store: Store, saga: Saga, prefix: str) -> list[Problem]:
    """Every invariant over every saga whose id starts with ``prefix``; [] when all hold."""
    from saga_lint.orchestrator import choreo_scenarios
    from saga_lint.orchestrator.choreography import choreography_snapshot
    from saga_lint.orchestrator.invariants import check, snapshot
    from saga_lint.orchestrator.scenarios import expected, parse
    from saga_lint.orchestrator.store import Store
    from saga_lint.orchestrator.verify import run_choreography, run_scenario

    ref_store = Store("sqlite://")
    refs: dict[Scenario, Snapshot] = {}
    problems: list[Problem] = []
    orchestrated = saga.coordination == "orchestration"
    rows = store.query("SELECT saga_id, scenario FROM saga_instance WHERE saga_id LIKE ? ORDER BY saga_id", (prefix + "%",))
    for saga_id, text in rows:
        sc = parse(text, saga)
        if sc not in refs:
            run = run_scenario if orchestrated else run_choreography
            refs[sc] = run(ref_store, saga, sc, f"ref-{len(refs)}").snap
        snap = snapshot(store, saga_id) if orchestrated else choreography_snapshot(store, saga, saga_id)
        exp = expected(saga, sc) if orchestrated else choreo_scenarios.expected(saga, sc)
        for v in check(saga, sc, exp, snap, refs[sc]):
            problems.append({"saga": saga_id, "scenario": sc.name, "invariant": v.invariant, "message": v.message})
    ref_store.close()
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m saga_lint.orchestrator.worker")
    ap.add_argument("--db", required=True)
    ap.add_argument("--catalog", required=True)
    ap.add_argument("--flow", required=True)
    ap.add_argument("--prefix", default="")
    ap.add_argument("--compensation-order", default="reverse", choices=["reverse", "forward"])
    args = ap.parse_args(argv)
    saga = load_saga(args.catalog, args.flow)
    work(args.db, saga, args.prefix, args.compensation_order)
    return 0


if __name__ == "__main__":
    sys.exit(main())
