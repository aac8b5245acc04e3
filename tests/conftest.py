"""Shared test helpers: paths, a catalog builder, and a CLI runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Property tests explore new examples on every run by default. The landing gate (.ci/run) sets
# SAGA_LINT_HYPOTHESIS_PROFILE=gate: the same examples every run, so that a change lands or not on
# its own merits; exploration is for developers' runs and scripts/fuzz_check.py (docs/fuzzing.md).
try:
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("gate", derandomize=True)
    if os.environ.get("SAGA_LINT_HYPOTHESIS_PROFILE"):
        _hypothesis_settings.load_profile(os.environ["SAGA_LINT_HYPOTHESIS_PROFILE"])
except ImportError:  # pragma: no cover - hypothesis is in the [test] extra
    pass
CORPUS = (ROOT.parent / "shared" / "corpus" / "eventcatalog-default").resolve()
SHARED = (ROOT.parent / "shared").resolve()
OUR_CATALOG = ROOT / "catalog"


# Under CI=true a test whose tool is missing (PostgreSQL, Chromium, the official linter, shellcheck,
# the oracles) fails instead of skipping: the gate must run every test (README, "Tests").
TOOLS_REQUIRED = os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def missing_tool(reason: str) -> None:
    """A test cannot run because a tool is missing: skip with ``reason`` (fail under CI=true)."""
    if TOOLS_REQUIRED:
        pytest.fail(f"CI=true and a tool the test needs is missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _no_check_cache():
    """``saga-lint check`` keeps a cache in the catalog's root by default: the tests run without it,
    so that no test writes into catalog/, the examples or the (read-only) corpus, and a second run
    in a test really runs (tests/test_cache.py turns it on, in folders of its own)."""
    old = os.environ.get("SAGA_LINT_NO_CACHE")
    os.environ["SAGA_LINT_NO_CACHE"] = "1"
    yield
    if old is None:
        os.environ.pop("SAGA_LINT_NO_CACHE", None)
    else:
        os.environ["SAGA_LINT_NO_CACHE"] = old


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the real EventCatalog corpus is not at {CORPUS} (it lives in ../shared beside the project)")
    return CORPUS


def write_catalog(root: Path, files: dict) -> Path:
    """Write ``{relative path: text}`` under root (text is dedented); bytes are written as-is."""
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def make_catalog(tmp_path):
    def _make(files: dict) -> Path:
        return write_catalog(tmp_path / "cat", files)

    return _make


def run_cli(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.pop("GITHUB_STEP_SUMMARY", None)
    if env:
        e.update(env)
    return subprocess.run(
        [sys.executable, "-m", "saga_lint", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=e, timeout=300
    )


def check_json(path, *extra) -> dict:
    proc = run_cli("check", path, "--format", "json", *extra)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def lint(path, config=None):
    """Run the pipeline in-process; return findings."""
    from saga_lint.pipeline import run_check

    return run_check(path, config).findings


def cli_runner():
    """A click ``CliRunner`` whose result has stderr apart from stdout: click 8.1 mixes them unless
    told (``mix_stderr=False``), click 8.2 dropped the option and always keeps them apart."""
    import inspect

    from click.testing import CliRunner

    apart = "mix_stderr" in inspect.signature(CliRunner.__init__).parameters
    return CliRunner(mix_stderr=False) if apart else CliRunner()
