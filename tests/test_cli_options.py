"""``check``'s adoption options (#19): ``--select`` / ``--ignore``, ``--max-warnings``,
``--format concise`` and ``--color``, each with the exact output.

The catalog is test_rules_official's clean ``BASE`` with a channel without summary
(best-practices/summary-required, an error, at line 2 of the channel page) and an event with an
empty body (best-practices/description-required, a warning)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import run_cli, write_catalog
from test_rules_official import BASE, CHANNEL, EVENT, EVENT_TXT

SUMMARY = "best-practices/summary-required"
DESCRIPTION = "best-practices/description-required"
SUMMARY_MSG = 'channel "orders.{env}.events" has no summary; add a one-line summary of what it is for.'


@pytest.fixture
def cat(tmp_path):
    files = {**BASE, CHANNEL: BASE[CHANNEL].replace("summary: Where order events go.\n", ""),
             EVENT: EVENT_TXT.replace("Described here.\n", "")}
    return write_catalog(tmp_path / "catalog", files)


def findings(proc):
    return [(f["rule"], f["severity"]) for f in json.loads(proc.stdout)["findings"]]


def description_line(cat, color=False):
    proc = run_cli("check", cat, "--format", "json")
    f = next(f for f in json.loads(proc.stdout)["findings"] if f["rule"] == DESCRIPTION)
    sev = "\x1b[33mwarning\x1b[0m" if color else "warning"
    return f"{os.path.relpath(cat / EVENT)}:{f['line']}:{f['column']}: {sev} {DESCRIPTION} {f['message']}\n"


@pytest.mark.parametrize("args, expected, code", [
    ((), [(SUMMARY, "error"), (DESCRIPTION, "warning")], 1),
    (("--select", SUMMARY), [(SUMMARY, "error")], 1),
    (("--select", "best-practices/*"), [(SUMMARY, "error"), (DESCRIPTION, "warning")], 1),
    (("--select", "saga/*,refs/*"), [], 0),
    (("--ignore", SUMMARY), [(DESCRIPTION, "warning")], 0),
    (("--ignore", "best-practices/*"), [], 0),
    (("--select", "best-practices/*", "--ignore", DESCRIPTION), [(SUMMARY, "error")], 1),
    (("--select", SUMMARY, "--select", DESCRIPTION), [(SUMMARY, "error"), (DESCRIPTION, "warning")], 1),
])
def test_select_and_ignore(cat, args, expected, code):
    proc = run_cli("check", cat, "--format", "json", *args)
    assert proc.returncode == code, proc.stderr
    assert findings(proc) == expected


@pytest.mark.parametrize("args, message", [
    (("--select", "best-practices/sumary-required"),
     "saga-lint: configuration error: --select: unknown rule 'best-practices/sumary-required' (see `saga-lint rules`). "
     "Did you mean 'best-practices/summary-required'?"),
    (("--ignore", "bestpractices/*"),
     "saga-lint: configuration error: --ignore: unknown rule 'bestpractices/*' (see `saga-lint rules`). "
     "Did you mean 'best-practices/*'?"),
    (("--select", "nosuchthing"),
     "saga-lint: configuration error: --select: unknown rule 'nosuchthing' (see `saga-lint rules`)"),
])
def test_unknown_rule_names_exit_2_with_the_near_miss(cat, args, message):
    proc = run_cli("check", cat, *args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [message]


def test_max_warnings(cat):
    only_warnings = ("--ignore", SUMMARY, "--format", "json")
    assert run_cli("check", cat, *only_warnings).returncode == 0
    assert run_cli("check", cat, *only_warnings, "--max-warnings", "1").returncode == 0
    assert run_cli("check", cat, *only_warnings, "--max-warnings", "0").returncode == 1
    proc = run_cli("check", cat, "--max-warnings", "-1")
    assert proc.returncode == 2 and "-1" in proc.stderr


def test_concise_is_one_line_per_finding_relative_to_the_working_directory(cat, tmp_path):
    proc = run_cli("check", "catalog", "--format", "concise", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"catalog/{CHANNEL}:2:1: error {SUMMARY} {SUMMARY_MSG}",
        description_line(cat).rstrip("\n").replace(os.path.relpath(cat / EVENT), f"catalog/{EVENT}"),
    ]
    inside = run_cli("check", ".", "--format", "concise", cwd=cat / "channels")
    assert inside.returncode == 2  # channels/ is no catalog: exit 2 as ever
    deeper = tmp_path / "work"
    deeper.mkdir()
    proc = run_cli("check", "../catalog", "--format", "concise", "--select", SUMMARY, cwd=deeper)
    assert proc.stdout == f"../catalog/{CHANNEL}:2:1: error {SUMMARY} {SUMMARY_MSG}\n"
    clean = run_cli("check", "catalog", "--format", "concise", "--select", "saga/*", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_text_paths_are_relative_to_the_working_directory(cat, tmp_path):
    """``text`` heads each file's group with its path from where saga-lint runs (clickable there);
    JSON keeps the catalog as base and the GitHub annotations the repository root, wherever it runs."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, capture_output=True)
    deeper = tmp_path / "work"
    deeper.mkdir()
    tail = run_cli("check", cat, "--select", SUMMARY).stdout.splitlines()[2:]
    assert tail[0] == "" and tail[1].startswith("1 problem (1 error, 0 warnings, 0 info) in ") and len(tail) == 2
    row = f"       2:1  error    {SUMMARY_MSG}  ({SUMMARY})"
    for cwd, arg, header in [
        (tmp_path, "catalog", f"catalog/{CHANNEL}"),
        (deeper, "../catalog", f"../catalog/{CHANNEL}"),
        (deeper, str(cat), f"../catalog/{CHANNEL}"),  # an absolute catalog path too
        (cat, ".", CHANNEL),
        (cat / "channels", "..", CHANNEL.removeprefix("channels/")),
    ]:
        proc = run_cli("check", arg, "--select", SUMMARY, cwd=cwd)
        assert proc.returncode == 1, proc.stderr
        assert proc.stdout.splitlines() == [header, row, *tail], (cwd, arg)
    github = run_cli("check", "../catalog", "--select", SUMMARY, "--format", "github", cwd=deeper)
    annotation = f"::error file=catalog/{CHANNEL},line=2,col=1,title=saga-lint {SUMMARY}::{SUMMARY_MSG}"
    assert github.stdout.splitlines()[0] == annotation
    as_json = run_cli("check", "../catalog", "--select", SUMMARY, "--format", "json", cwd=deeper)
    assert [f["file"] for f in json.loads(as_json.stdout)["findings"]] == [CHANNEL]


def test_quiet_concise_prints_errors_only(cat, tmp_path):
    proc = run_cli("check", "catalog", "--format", "concise", "-q", cwd=tmp_path)
    assert proc.stdout == f"catalog/{CHANNEL}:2:1: error {SUMMARY} {SUMMARY_MSG}\n"


def test_color_always_never_and_no_color(cat, tmp_path):
    always = run_cli("check", "catalog", "--format", "concise", "--color", "always", "--select", SUMMARY, cwd=tmp_path)
    assert always.stdout == f"catalog/{CHANNEL}:2:1: \x1b[31;1merror\x1b[0m {SUMMARY} {SUMMARY_MSG}\n"
    warn = run_cli("check", cat, "--format", "concise", "--color", "always", "--select", DESCRIPTION)
    assert warn.stdout == description_line(cat, color=True)
    for args, env in [(("--color", "never"), {}), ((), {}), ((), {"NO_COLOR": "1"})]:  # a pipe is no terminal
        proc = run_cli("check", "catalog", "--format", "concise", "--select", SUMMARY, *args, cwd=tmp_path, env=env)
        assert "\x1b" not in proc.stdout, (args, env)
    text = run_cli("check", "catalog", "--color", "always", "--select", SUMMARY, cwd=tmp_path)
    assert text.stdout.splitlines()[1] == f"       2:1  \x1b[31;1merror  \x1b[0m  {SUMMARY_MSG}  ({SUMMARY})"
    json_out = run_cli("check", "catalog", "--color", "always", "--format", "json", cwd=tmp_path)
    assert "\x1b" not in json_out.stdout  # machine formats are never coloured


def test_auto_color_on_a_terminal_unless_no_color(monkeypatch):
    from saga_lint.cli.adoption import Adoption

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert Adoption(color="auto").use_color(True) is True
    assert Adoption(color="auto").use_color(False) is False
    assert Adoption(color="always").use_color(False) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert Adoption(color="auto").use_color(True) is False
    assert Adoption(color="always").use_color(True) is True  # the flag wins over the environment
    monkeypatch.setenv("NO_COLOR", "")
    assert Adoption(color="auto").use_color(True) is True  # NO_COLOR counts only when not empty


def test_progress_is_drawn_after_the_delay_and_erased():
    import time

    from saga_lint.progress import CLEAR, Progress

    frames: list[str] = []
    with Progress("catalog", enabled=True, delay=0.0, interval=0.01, write=frames.append) as p:
        time.sleep(0.1)
    assert p.shown
    assert frames[0] == "\rsaga-lint: checking catalog | 0s"
    assert frames[1] == "\rsaga-lint: checking catalog / 0s"
    assert frames[-1] == CLEAR and CLEAR not in frames[:-1]


def test_progress_is_silent_for_short_runs_and_off_terminals():
    from saga_lint.progress import Progress

    frames: list[str] = []
    with Progress("catalog", enabled=True, delay=5.0, write=frames.append):
        pass  # shorter than the delay
    with Progress("catalog", enabled=False, delay=0.0, write=frames.append):
        import time

        time.sleep(0.05)
    assert frames == []
    label = Progress("cat\x1b[31m\nalog", enabled=False).label
    assert label == "cat alog"  # catalog text escaped where shown


def test_no_progress_in_a_pipe(cat):
    proc = run_cli("check", cat, "--format", "json")
    assert proc.stderr == ""


def test_text_and_concise_from_a_working_directory_that_is_gone(cat, tmp_path):
    """A working directory removed under saga-lint (a deleted temp folder, a removed worktree):
    ``os.getcwd`` fails, so no path can be made relative to it; the text formats show the
    catalog's path as given instead of stopping with an internal error (exit 2)."""
    gone = tmp_path / "gone"
    gone.mkdir()
    script = ("import os, runpy, sys; os.chdir(sys.argv[1]); os.rmdir(sys.argv[1]); "
              "sys.argv = ['saga-lint', *sys.argv[2:]]; runpy.run_module('saga_lint', run_name='__main__')")
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    for fmt, first in (("text", str(cat / CHANNEL)), ("concise", f"{cat / CHANNEL}:2:1: error {SUMMARY} {SUMMARY_MSG}")):
        gone.mkdir(exist_ok=True)
        proc = subprocess.run([sys.executable, "-c", script, str(gone), "check", str(cat), "--select", SUMMARY,
                               "--format", fmt], capture_output=True, text=True, env=env, timeout=300)
        assert proc.returncode == 1, proc.stderr
        assert proc.stdout.splitlines()[0] == first
