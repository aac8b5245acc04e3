"""Interleaved A/B of ``saga-lint check`` between two source trees, as whole processes.

    python benchmarks/ab.py BASE_SRC NEW_SRC CATALOG [--runs 5] [-- EXTRA CHECK ARGS]

e.g. ``git archive 61977c7 src rules | tar -x -C /tmp/base`` then
``python benchmarks/ab.py /tmp/base/src src /tmp/sd2000 --runs 5``. Each tree runs as
``PYTHONPATH=<tree> python -m saga_lint check CATALOG -f json`` with ``SAGA_LINT_NO_CACHE=1``: one
untimed round first, then base and new alternately, so that both see the same machine. Prints the
median wall and CPU (user + system of the process and its workers) of each, and whether the two
outputs are the same byte for byte. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time


def _one(tree: str, catalog: str, extra: list) -> tuple[float, float, bytes]:
    env = dict(os.environ, PYTHONPATH=os.path.abspath(tree), SAGA_LINT_NO_CACHE="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "saga_lint", "check", catalog, "-f", "json", *extra], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base")
    ap.add_argument("new")
    ap.add_argument("catalog")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("extra", nargs="*", help="more arguments for check (after --)")
    args = ap.parse_args(argv)
    trees = {"base": args.base, "new": args.new}
    times: dict = {k: [] for k in trees}
    outputs: dict = {}
    for tree in trees.values():
        _one(tree, args.catalog, args.extra)
    for _ in range(args.runs):
        for name, tree in trees.items():
            wall, cpu, out = _one(tree, args.catalog, args.extra)
            times[name].append((wall, cpu))
            outputs[name] = out
    for name in trees:
        walls = [w for w, _ in times[name]]
        print(f"{name}: median wall {statistics.median(walls):.2f} s (min {min(walls):.2f}), "
              f"median CPU {statistics.median(c for _, c in times[name]):.2f} s")
    print(f"same output: {outputs['base'] == outputs['new']}; load average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
