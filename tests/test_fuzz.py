"""Fuzzing the whole ``saga-lint check`` on generated catalogs (tests/badinput/generate.py).

Property: whatever the catalog holds (random frontmatter trees, near-valid resources, flow graphs,
x-saga blocks, random bytes, odd layouts, JSON schemas with hostile ``$ref``, symlinks), ``check``
exits 0 or 1, no exception escapes, the JSON output parses, the text output carries no control
characters, and each run stays under 10 seconds. The CI run is bounded (about 30 seconds;
``SAGA_LINT_FUZZ_EXAMPLES`` changes the number of examples); scripts/fuzz_check.py runs the same
property for as long as asked (docs/fuzzing.md).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from badinput.generate import assert_check_is_sound, catalogs, write_catalog
from hypothesis import HealthCheck, example, given, settings

EXAMPLES = int(os.environ.get("SAGA_LINT_FUZZ_EXAMPLES", "120"))


def check_catalog(files: dict) -> None:
    with tempfile.TemporaryDirectory(prefix="saga-lint-fuzz-") as tmp:
        root = write_catalog(Path(tmp) / "cat", files)
        out = Path(tmp) / "out"
        out.mkdir()
        assert_check_is_sound(root, out)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(catalogs())
@example({
    "events/A/index.mdx": b"---\nid: a\nname: A\nversion: 1.0.0\nschemaPath: schema.json\n---\n",
    "events/A/schema.json": b'{"$ref": "#"}',
})
@example({
    "flows/F/index.mdx":
        b"---\nid: f\nsteps: [{id: s1, next_step: s1}]\nx-saga: {steps: {s1: {retry: {maxAttempts: 1000000000000}}}}\n---\n",
})
@example({"events/A/index.mdx": ("symlink", "/dev/zero"), "events/B/index.mdx": b"\x00\xff"})
def test_check_never_crashes_on_generated_catalogs(files):
    check_catalog(files)


def test_the_property_can_fail(tmp_path, monkeypatch):
    """The property notices an exception that escapes a rule (exit 2 through the CLI guard)."""
    import pytest

    from saga_lint.rules import structure

    def boom(ctx):
        raise RuntimeError("rule crashed")

    root = write_catalog(tmp_path / "cat", {"events/A/index.mdx": b"---\nid: a\n---\n"})
    (tmp_path / "out").mkdir()
    from saga_lint.rules import RULES

    monkeypatch.setattr(RULES["structure/duplicate-resource-ids"], "func", boom)
    with pytest.raises(AssertionError, match="exit 2"):
        assert_check_is_sound(root, tmp_path / "out")
    assert structure  # imported for the registry


@settings(
    max_examples=max(20, EXAMPLES // 4),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(catalogs())
def test_parallel_loading_equals_sequential_on_generated_catalogs(files):
    """Whatever the catalog holds, the loader's workers (forced on with SAGA_LINT_JOBS=2) and the
    sequential loader give the same findings, in the same order."""
    from conftest import cli_runner

    from saga_lint.cli import main

    with tempfile.TemporaryDirectory(prefix="saga-lint-fuzz-") as tmp:
        root = write_catalog(Path(tmp) / "cat", files)
        outputs = []
        for jobs in ("1", "2"):
            result = cli_runner().invoke(main, ["check", str(root), "-f", "json"], env={"SAGA_LINT_JOBS": jobs})
            assert result.exit_code in (0, 1), result.output
            outputs.append(result.stdout)
        assert outputs[0] == outputs[1]
