"""Time whole ``saga-lint review`` processes on a generated catalog in a git repository.

    python benchmarks/review_bench.py [--size 2000] [--runs 3] [--work /tmp/review-bench]

Builds the repository once: the catalog of ``--size`` services from ``benchmarks/generate.py``,
committed as the base, then one change in the working tree (an event's summary edited and a
required field added to its schema, so that the review diffs resources and compares a schema).
Then, interleaved round by round after a warm-up round (see ``run.py``), it times
``saga-lint review --base HEAD .`` twice: with the base copy where saga-lint puts it by default
(``/dev/shm`` when there is room, docs/review.md) and with ``TMPDIR`` set to a folder on disk
(``--disk-tmp``, default ``<work>/tmp``). Prints a Markdown table.

Benchmarks are not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from run import _row, run_once  # noqa: E402  (the same measurement as the check benchmark)


def build_repo(size: int, work: str) -> str:
    """A git repository holding the generated catalog (committed) and one uncommitted change."""
    repo = os.path.join(work, f"repo{size}")
    if os.path.isdir(os.path.join(repo, ".git")):
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), str(size), repo], check=True, stdout=subprocess.DEVNULL)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(git + ["init", "-q"], cwd=repo, check=True, env=env)
    subprocess.run(git + ["add", "-A"], cwd=repo, check=True, env=env)
    subprocess.run(git + ["commit", "-q", "-m", "base"], cwd=repo, check=True, env=env)
    page, schema = _first_event(repo)
    with open(page, encoding="utf-8") as fh:
        text = fh.read()
    with open(page, "w", encoding="utf-8") as fh:
        fh.write(re.sub(r"(?m)^summary:.*$", "summary: changed by the benchmark", text, count=1))
    if schema:
        with open(schema, encoding="utf-8") as fh:
            doc = json.load(fh)
        doc.setdefault("properties", {})["addedByBenchmark"] = {"type": "string"}
        doc["required"] = list(doc.get("required", [])) + ["addedByBenchmark"]
        with open(schema, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=2)
    return repo


def _first_event(repo: str) -> tuple[str, str | None]:
    for folder, dirs, files in os.walk(repo):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        if os.path.basename(os.path.dirname(folder)) == "events" and "index.mdx" in files:
            schema = os.path.join(folder, "schema.json")
            return os.path.join(folder, "index.mdx"), schema if os.path.isfile(schema) else None
    raise SystemExit("the generated catalog has no event page")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", default="/tmp/review-bench", help="where the repository is built (kept for reruns)")
    ap.add_argument("--disk-tmp", default=None, help="TMPDIR on disk for the second timing (default: <work>/tmp)")
    args = ap.parse_args(argv)
    os.makedirs(args.work, exist_ok=True)
    disk_tmp = args.disk_tmp or os.path.join(args.work, "tmp")
    os.makedirs(disk_tmp, exist_ok=True)
    repo = build_repo(args.size, args.work)
    saga_lint = shutil.which("saga-lint")
    base = [saga_lint] if saga_lint else [sys.executable, "-m", "saga_lint"]
    review = base + ["review", "--base", "HEAD", "."]
    plain_env = {k: v for k, v in os.environ.items() if k not in ("TMPDIR", "TEMP", "TMP")}
    commands = [
        (f"`saga-lint review` {args.size} services, base copy where saga-lint puts it", review, plain_env),
        (f"`saga-lint review` {args.size} services, `TMPDIR` on disk", review, {**plain_env, "TMPDIR": disk_tmp}),
    ]
    for _label, argv_, env in commands:  # warm-up round
        _run_env(argv_, repo, env)
    results: dict = {label: [] for label, _a, _e in commands}
    for _ in range(args.runs):
        for label, argv_, env in commands:
            results[label].append(_run_env(argv_, repo, env))
    rows = [_row(label, results[label]) for label, _a, _e in commands]
    print("| command | median wall (s) | min–max (s) | CPU user+sys (s) | peak RSS, process tree (MiB) | exit |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['label']} | {r['median']:.2f} | {r['min']:.2f}–{r['max']:.2f} | {r['cpu']:.2f} | {r['tree']:.0f} | "
            f"{r['code']} |"
        )
    print(f"\n{args.runs} runs each after a warm-up round; repository {repo}; disk TMPDIR {disk_tmp}.")
    return 0


def _run_env(argv_: list, cwd: str, env: dict) -> dict:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        return run_once(argv_, cwd)
    finally:
        os.environ.clear()
        os.environ.update(saved)


if __name__ == "__main__":
    sys.exit(main())
