"""The wheel carries what the installed tool needs: rulesets, the x-saga schema, templates."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot build a wheel here (no build backend reachable): {proc.stderr.strip()[-200:]}")
    (whl,) = out.glob("*.whl")
    return zipfile.ZipFile(whl)


def test_wheel_contains_data(wheel):
    names = set(wheel.namelist())
    for rel in ("saga_lint/rulesets/default.yaml", "saga_lint/rulesets/strict.yaml", "saga_lint/rulesets/relaxed.yaml",
                "saga_lint/saga/x-saga.schema.json", "saga_lint/cli/__init__.py",
                "saga_lint/render/html/templates/report.html.j2", "saga_lint/render/html/templates/report.js",
                "saga_lint/render/html/templates/report.css"):
        assert rel in names, rel
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "saga-lint = saga_lint.cli:main" in wheel.read(entry).decode()


def test_packaged_rulesets_equal_the_source(wheel):
    for name in ("default", "strict", "relaxed"):
        assert wheel.read(f"saga_lint/rulesets/{name}.yaml") == (ROOT / "rules" / f"{name}.yaml").read_bytes()


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    """The source distribution, built by hatchling as ``python -m build --sdist`` builds it."""
    import tarfile

    out = tmp_path_factory.mktemp("sdist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (tgz,) = out.glob("*.tar.gz")
    with tarfile.open(tgz) as tar:
        names = tar.getnames()
    top = names[0].split("/")[0]
    return [n[len(top) + 1:] for n in names if n != top]


def test_sdist_has_the_source_docs_tests_and_licence(sdist):
    """#19: the sdist carries LICENSE, the docs and the tests with what they read, and nothing else."""
    names = set(sdist)
    for rel in ("LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", "src/saga_lint/cli/__init__.py",
                "rules/default.yaml", "docs/rules.md", "docs/architecture.md", "tests/conftest.py",
                "tests/test_packaging.py", "catalog/package.json", "benchmarks/generate.py", "scripts/golden.py",
                "constraints/lowest.txt"):
        assert rel in names, rel
    tops = {n.split("/")[0] for n in names}
    assert tops <= {"LICENSE", "README.md", "CHANGELOG.md", "pyproject.toml", "PKG-INFO", ".gitignore", "src", "rules", "docs",
                    "tests", "catalog", "catalog-examples", "benchmarks", "scripts", "constraints"}, tops
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or ".saga-lint-cache" in n]


def test_wheel_carries_the_licence(wheel):
    names = wheel.namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names), names
