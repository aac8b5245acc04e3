"""constraints/lowest.txt is the floor of every dependency pyproject.toml declares, and .ci/run
installs it in a venv of its own and runs the tests there (docs/development.md, "Lowest versions").

The run itself is .ci/run's; this test keeps the file from drifting away from pyproject.toml: a
floor raised or a dependency added without its line here fails."""

from __future__ import annotations

import re
import sys

from conftest import ROOT
from packaging.requirements import Requirement
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

LOWEST = ROOT / "constraints" / "lowest.txt"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_floors() -> dict[str, Version]:
    """``{package: lowest version}`` of every requirement in pyproject.toml with a ``>=`` bound."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    reqs = [*project["dependencies"], *(r for extra in project["optional-dependencies"].values() for r in extra)]
    floors = {}
    for text in reqs:
        req = Requirement(text)
        lows = [s.version for s in req.specifier if s.operator == ">="]
        if lows:
            floors[_norm(req.name)] = Version(lows[0])
    return floors


def pinned() -> dict[str, Version]:
    out = {}
    for line in LOWEST.read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", line
            out[_norm(req.name)] = Version(spec.version)
    return out


def test_every_floor_is_pinned_at_its_floor():
    floors = declared_floors()
    assert "click" in floors and "pathspec" in floors and "pytest" in floors
    assert pinned() == floors


def test_ci_runs_the_tests_at_the_lowest_versions():
    run = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "--constraint constraints/lowest.txt" in run
    assert "-m venv" in run
