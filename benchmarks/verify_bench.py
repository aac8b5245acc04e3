"""Benchmark the reference orchestrator.

    python benchmarks/verify_bench.py [--catalog catalog] [--flow checkout-saga]
                                      [--pg postgresql://...] [--sagas 1000] [--workers 4]

1. ``saga-lint verify``'s engine on SQLite in memory: scenarios per second for the flow (every
   scenario: run, snapshot, check the invariants), best of ``--repeat`` runs.
2. With ``--pg`` (default: $SAGA_LINT_TEST_PG): ``--sagas`` sagas queued on PostgreSQL and run by
   ``--workers`` orchestrator processes claiming with FOR UPDATE SKIP LOCKED: sagas per second,
   wall clock from spawning the processes to the last one exiting (process start-up included),
   then every invariant checked over all of them.

Prints a Markdown table (and the machine's load average, since other work skews it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_sqlite(saga, repeat: int) -> tuple[int, float]:
    from saga_lint.orchestrator.store import Store
    from saga_lint.orchestrator.verify import verify_saga

    best = None
    n = 0
    for _ in range(repeat):
        with Store("sqlite://") as store:
            t = time.perf_counter()
            rep = verify_saga(store, saga, max_scenarios=100_000)
            dt = time.perf_counter() - t
        assert not rep.violations, rep.violations[:1]
        n = rep.scenarios
        best = dt if best is None else min(best, dt)
    return n, best


def bench_pg(url: str, saga, catalog: str, flow: str, sagas: int, workers: int) -> dict:
    from saga_lint.orchestrator.store import Store
    from saga_lint.orchestrator.worker import check_all, enqueue

    store = Store(url)
    prefix = f"bench{uuid.uuid4().hex[:8]}-"
    enqueue(store, saga, sagas, prefix, seed=1)
    t = time.perf_counter()
    procs = [
        subprocess.Popen([sys.executable, "-m", "saga_lint.orchestrator.worker", "--db", url, "--catalog", catalog,
                          "--flow", flow, "--prefix", prefix], stdout=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    done = [json.loads(p.communicate()[0].strip().splitlines()[-1])["done"] for p in procs]
    dt = time.perf_counter() - t
    problems = check_all(store, saga, prefix)
    store.close()
    return {"sagas": sum(done), "per_worker": done, "seconds": dt, "violations": len(problems)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--catalog", default=str(ROOT / "catalog"))
    ap.add_argument("--flow", default="checkout-saga")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--pg", default=os.environ.get("SAGA_LINT_TEST_PG"))
    ap.add_argument("--sagas", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()

    from saga_lint.orchestrator.worker import load_saga

    saga = load_saga(args.catalog, args.flow)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print("| measurement | figure |\n|---|---|")
    n, dt = bench_sqlite(saga, args.repeat)
    print(
        f"| `verify` {args.flow}, SQLite in memory: {n} scenarios (best of {args.repeat}) "
        f"| {dt:.2f} s, **{n / dt:,.0f} scenarios/s** |"
    )
    if args.pg:
        r = bench_pg(args.pg, saga, args.catalog, args.flow, args.sagas, args.workers)
        print(
            f"| {r['sagas']} {args.flow} sagas on PostgreSQL, {args.workers} processes "
            f"(SKIP LOCKED; per process {r['per_worker']}) "
            f"| {r['seconds']:.1f} s, **{r['sagas'] / r['seconds']:,.0f} sagas/s**, {r['violations']} violations |"
        )
    else:
        print("| PostgreSQL | skipped: no --pg / SAGA_LINT_TEST_PG |")
    print(f"\nload average (1 min) at the start: {load:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
