"""constraints/action.txt, what the GitHub Action and the example workflow install with saga-lint,
pins every run-time dependency (and theirs) at one exact version that pyproject.toml allows, on
Python 3.10 as on 3.11 and later.

A dependency added to pyproject.toml without its pin fails here. The dependencies of the pinned
versions are read from this environment's installed distributions where they are those very
versions (the requirements of another version say nothing about the pinned one's): on the machine
that made the pins, all of them; on a fresh CI venv with newer releases, those that did not move."""

from __future__ import annotations

import importlib.metadata as md
import re
import sys

import pytest
from conftest import ROOT
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.version import Version

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PINS = ROOT / "constraints" / "action.txt"
PYTHONS = ("3.10", "3.11", "3.12", "3.13")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _env(python: str) -> dict[str, str]:
    return {**default_environment(), "python_version": python, "python_full_version": f"{python}.0", "extra": ""}


def pins(python: str) -> dict[str, Version]:
    """``{package: version}`` that applies on ``python``; each line is ``==`` one version."""
    out: dict[str, Version] = {}
    for line in PINS.read_text("utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", line
        if req.marker is None or req.marker.evaluate(_env(python)):
            assert _norm(req.name) not in out, f"two pins for {req.name} on Python {python}"
            out[_norm(req.name)] = Version(spec.version)
    return out


def runtime_requirements(python: str) -> list[Requirement]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
    reqs = [Requirement(d) for d in deps]
    return [r for r in reqs if r.marker is None or r.marker.evaluate(_env(python))]


@pytest.mark.parametrize("python", PYTHONS)
def test_every_runtime_dependency_is_pinned_within_pyproject(python):
    pinned = pins(python)
    for req in runtime_requirements(python):
        name = _norm(req.name)
        assert name in pinned, f"{req.name} is not pinned for Python {python}"
        assert req.specifier.contains(pinned[name]), f"{name}=={pinned[name]} is outside {req}"


def test_the_dependencies_of_the_dependencies_are_pinned():
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    pinned = pins(here)
    seen: set[str] = set()
    todo = runtime_requirements(here)
    while todo:
        req = todo.pop()
        name = _norm(req.name)
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError:
            continue
        if name in pinned and Version(dist.version) != pinned[name]:
            continue  # another version here: its requirements are not the pinned one's
        for text in dist.requires or []:
            sub = Requirement(text)
            if sub.marker is None or sub.marker.evaluate(_env(here)):
                todo.append(sub)
    assert seen - set(pinned) == set(), "not pinned in constraints/action.txt"
    if all(_installed(n) == v for n, v in pinned.items()):  # every pin is what is installed here
        assert set(pinned) - seen <= {"tomli"}, "pinned, but no dependency of saga-lint"


def _installed(name: str) -> Version | None:
    try:
        return Version(md.version(name))
    except md.PackageNotFoundError:
        return None


def test_the_action_and_the_workflow_install_with_the_pins():
    action = (ROOT / "action.yml").read_text("utf-8")
    workflow = (ROOT / ".github" / "workflows" / "saga-lint.yml").read_text("utf-8")
    assert '--constraint "$SAGA_LINT_SOURCE/constraints/action.txt" "$SAGA_LINT_SOURCE"' in action
    assert 'pip install --constraint "$src/constraints/action.txt" "$src"' in workflow
