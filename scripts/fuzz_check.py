#!/usr/bin/env python3
"""Fuzz ``saga-lint check`` on generated catalogs for as long as asked (docs/fuzzing.md).

    python scripts/fuzz_check.py --minutes 30            # until the time is up
    python scripts/fuzz_check.py --minutes 5 --seed 7    # reproducible sequence of batches
    python scripts/fuzz_check.py --replay failure.json   # lint a saved failing catalog again

Runs the property of tests/test_fuzz.py (exit 0 or 1, no exception, JSON parses, text output free
of control characters, each run under --time-limit seconds of CPU time) in batches of hypothesis
examples with fresh seeds until the time is up. Each example runs in this process under a SIGALRM
watchdog (60 s of wall-clock time, or 6 x --time-limit): a stall becomes a failure. On a failure
hypothesis shrinks the catalog, the script writes it to --save (JSON: path -> base64 content or
symlink) and exits 1. Exit 0: no failure.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from badinput.generate import assert_check_is_sound, catalogs, write_catalog  # noqa: E402


class Stalled(Exception):
    pass


def _alarm(signum, frame):
    raise Stalled("check ran past the watchdog")


def check_files(files: dict, time_limit: float) -> None:
    with tempfile.TemporaryDirectory(prefix="saga-lint-fuzz-") as tmp:
        root = write_catalog(Path(tmp) / "cat", files)
        out = Path(tmp) / "out"
        out.mkdir()
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(int(max(60.0, time_limit * 6)))
        try:
            assert_check_is_sound(root, out, time_limit=time_limit)
        finally:
            signal.alarm(0)


def encode(files: dict) -> dict:
    return {
        rel: {"symlink": c[1]} if isinstance(c, tuple) else {"base64": base64.b64encode(c).decode()}
        for rel, c in files.items()
    }


def decode(doc: dict) -> dict:
    return {rel: ("symlink", v["symlink"]) if "symlink" in v else base64.b64decode(v["base64"]) for rel, v in doc.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=5.0, help="how long to run (default 5)")
    ap.add_argument("--batch", type=int, default=200, help="examples per hypothesis run (default 200)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the sequence of batch seeds")
    ap.add_argument("--time-limit", type=float, default=10.0, help="CPU seconds allowed per check (default 10)")
    ap.add_argument("--save", default="fuzz-failure.json", help="where to write a failing catalog")
    ap.add_argument("--replay", help="lint a saved failing catalog and report")
    args = ap.parse_args(argv)

    if args.replay:
        files = decode(json.loads(Path(args.replay).read_text()))
        check_files(files, args.time_limit)
        print("replay: no failure")
        return 0

    from hypothesis import HealthCheck, given, seed, settings

    last: dict = {}

    @settings(
        max_examples=args.batch,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(catalogs())
    def prop(files):
        last["files"] = files
        check_files(files, args.time_limit)

    rng = random.Random(args.seed)
    end = time.monotonic() + args.minutes * 60
    batches = examples = 0
    started = time.monotonic()
    while time.monotonic() < end:
        batch_seed = rng.getrandbits(64)
        try:
            seed(batch_seed)(prop)()
        except BaseException as exc:  # a failure, shrunk by hypothesis: keep it
            if isinstance(exc, KeyboardInterrupt):
                print(f"interrupted after {batches} batches, {examples} examples")
                return 130
            Path(args.save).write_text(json.dumps(encode(last.get("files", {})), indent=1))
            print(f"FAILURE in batch {batches + 1} (seed {batch_seed}): {type(exc).__name__}: {exc}")
            print(f"the (shrunk) catalog is in {args.save}; replay: python {sys.argv[0]} --replay {args.save}")
            return 1
        batches += 1
        examples += args.batch
        mins = (time.monotonic() - started) / 60
        print(f"batch {batches} ok (seed {batch_seed}); {examples} examples in {mins:.1f} min", flush=True)
    print(f"no failure: {batches} batches, {examples} examples, {(time.monotonic() - started) / 60:.1f} minutes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
