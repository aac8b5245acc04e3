"""The machine-readable output of check, explain and review on the corpus, catalog/ and
catalog-examples/ is what tests/golden/ recorded (scripts/golden.py). A refactor must leave it
alone; a change of behaviour re-records it (``python scripts/golden.py --write tests/golden``)
in the same commit, so the diff shows what moved."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed (the review snapshots need it)")
def test_outputs_match_the_recorded_snapshots():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "golden.py"), "--compare", str(ROOT / "tests" / "golden")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-20000:] + proc.stderr[-4000:]
    assert "snapshots unchanged" in proc.stdout
