"""The README's tour runs as written in a fresh clone: every ``$ saga-lint ...`` line of its
console block, with the exit code its comment promises (``(exit N)``)."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def tour_lines(readme: str) -> list[tuple[list[str], int]]:
    section = readme.split("## A short tour", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```console\n(.*?)```", section, re.S)
    assert block, "the tour has a console block"
    out = []
    for line in block.group(1).splitlines():
        if not line.startswith("$ saga-lint "):
            continue
        command, _, comment = line[2:].partition("  #")
        code = re.search(r"\(exit (\d)\)", comment)
        assert code, f"the tour line says its exit code: {line}"
        out.append((shlex.split(command), int(code.group(1))))
    return out


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(),
                    reason="needs git and a git checkout of the project (the tour is run in a fresh clone)")
def test_every_tour_command_runs_in_a_fresh_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, capture_output=True)
    lines = tour_lines((clone / "README.md").read_text("utf-8"))
    assert {args[1] for args, _ in lines} >= {"check", "rules", "rule", "explain", "schema", "run", "verify", "review",
                                               "report"}
    for args, expected in lines:
        proc = subprocess.run([sys.executable, "-m", "saga_lint", *args[1:]], cwd=clone, capture_output=True, text=True,
                              timeout=300, check=False)
        assert proc.returncode == expected, (args, proc.stderr[-2000:])
