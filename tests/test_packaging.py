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
