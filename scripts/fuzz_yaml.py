"""Long runs of the YAML fast path's property, outside CI.

    python scripts/fuzz_yaml.py [--minutes 10] [--seed N]

The property (tests/test_yamlfast.py): whenever ``catalog.yaml.fast.parse`` returns a value,
libyaml (through ``catalog.yaml.locations``, as before the fast path) accepts the same text and
gives an equal value, type for type. Batches of generated documents (in and just outside the
subset) and of arbitrary YAML-ish text run until the time is up; the first counterexample is
printed and the exit code is 1.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from tests.test_yamlfast import assert_same_as_libyaml, documents  # noqa: E402

BATCH = 2_000


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args(argv)
    deadline = time.monotonic() + args.minutes * 60
    examples = 0
    batch = 0
    while time.monotonic() < deadline:
        common = settings(max_examples=BATCH, deadline=None, database=None, suppress_health_check=list(HealthCheck))

        @common
        @given(documents())
        def generated(text):
            assert_same_as_libyaml(text)

        @common
        @given(st.text(alphabet="ab:-#'\"|>[]{}, \n!&*.1", max_size=80))
        def arbitrary(text):
            assert_same_as_libyaml(text)

        for test in (generated, arbitrary):
            if args.seed is not None:
                test = seed(args.seed + batch)(test)
            try:
                test()
            except BaseException as exc:  # hypothesis reports the shrunk counterexample
                print(f"counterexample after {examples} examples: {exc}", file=sys.stderr)
                return 1
            examples += BATCH
        batch += 1
        print(f"batch {batch}: {examples} examples, no difference", file=sys.stderr)
    print(f"no difference in {examples} examples ({batch} batches)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
