"""``saga-lint --help`` stays light: none of the heavy libraries is imported to print the help.

Timing is for benchmarks/run.py (benchmarks are not tests); this pins the cause of slowness
instead: the modules a ``--help`` process has loaded, checked in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("networkx", "yaml", "jsonschema", "markdown_it", "jinja2", "referencing", "psycopg", "sqlite3")

PROBE = r"""
import json, runpy, sys
sys.argv = ["saga-lint-probe"] + json.loads(sys.argv[1])  # not "saga-lint": check would skip teardown (os._exit)
try:
    runpy.run_module("saga_lint", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted({name.split(".")[0] for name in sys.modules})
sys.stderr.write("\nPROBE " + json.dumps({"code": code, "modules": loaded}) + "\n")
"""


def _probe(args: list) -> tuple[dict, str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True, timeout=60)
    line = [text for text in proc.stderr.splitlines() if text.startswith("PROBE ")][-1]
    return json.loads(line[len("PROBE "):]), proc.stdout


def test_help_imports_no_heavy_module():
    result, out = _probe(["--help"])
    assert result["code"] == 0
    assert "check" in out and "Usage" in out
    loaded = set(result["modules"])
    assert "saga_lint" in loaded and "click" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_check_help_imports_no_heavy_module():
    result, out = _probe(["check", "--help"])
    assert result["code"] == 0 and "--format" in out
    assert not set(result["modules"]) & set(HEAVY)


def test_probe_sees_heavy_imports_when_there_are_some(tmp_path):
    """The probe itself works: a real check run loads YAML and the graph (networkx is loaded only
    by what draws from ``CatalogGraph.g``: the HTML report)."""
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "t.mdx").write_text("---\nid: t\nname: T\nsummary: s\n---\nbody\n")
    result, _ = _probe(["check", str(tmp_path)])
    assert "yaml" in set(result["modules"])


def test_check_in_its_own_process_skips_teardown_but_loses_no_output(tmp_path):
    """``saga-lint check`` ends with os._exit (no interpreter teardown on large catalogs): stdout
    (a pipe, so block-buffered), -o files and the exit code must be complete all the same."""
    import shutil

    cat = tmp_path / "cat"
    (cat / "teams").mkdir(parents=True)
    for i in range(300):  # enough findings to overflow a pipe buffer's worth of text
        (cat / "teams" / f"t{i}.mdx").write_text(f"---\nid: t{i}\nname: T\nemail: not-an-address-{i}\n---\n")
    out_json = tmp_path / "out.json"
    script = shutil.which("saga-lint")
    fast = [script] if script else [sys.executable, "-m", "saga_lint"]
    slow = [sys.executable, "-c", "import sys; from saga_lint.cli import main; sys.argv[0] = 'probe'; main()"]
    a = subprocess.run(fast + ["check", str(cat), "-o", f"json={out_json}"], capture_output=True, text=True, timeout=120)
    b = subprocess.run(slow + ["check", str(cat)], capture_output=True, text=True, timeout=120)
    assert a.returncode == b.returncode == 1
    assert a.stdout == b.stdout and a.stdout.count("schema/valid-email") == 300
    assert len(json.loads(out_json.read_text())["findings"]) >= 300


GC_PROBE = r"""
import gc, json, os, sys
sys.argv = ["saga-lint"] + json.loads(sys.argv[1])  # as the console script: a process of its own
real_exit = os._exit
collections = []
started = []


def watch(phase, info):
    if phase == "start" and started:
        collections.append(info["generation"])


def probe_exit(code):
    sys.stderr.write("\nPROBE " + json.dumps({"code": code, "enabled": gc.isenabled(), "collections": collections}) + "\n")
    sys.stderr.flush()
    real_exit(code)


os._exit = probe_exit
gc.callbacks.append(watch)
import saga_lint.pipeline as pipeline

run_check = pipeline.run_check


def watched_run_check(*args, **kwargs):
    started.append(True)
    return run_check(*args, **kwargs)


pipeline.run_check = watched_run_check
from saga_lint.cli import main

main()
"""


def test_check_process_never_collects_the_catalog_it_built(tmp_path):
    """Run as its own process, ``check`` keeps the cyclic collector off from the pipeline to the
    exit: turned back on, its first collection walked every object of the catalog (0.1 s on 2,000
    services) just before the process ended. In-process callers get it back on (tests below)."""
    from pathlib import Path

    catalog = Path(__file__).resolve().parents[1] / "catalog"
    proc = subprocess.run(
        [sys.executable, "-c", GC_PROBE, json.dumps(["check", str(catalog), "--format", "json"])],
        capture_output=True, text=True, timeout=120,
    )
    line = [text for text in proc.stderr.splitlines() if text.startswith("PROBE ")][-1]
    result = json.loads(line[len("PROBE "):])
    assert result["code"] == 0 and proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["summary"]["errors"] == 0
    assert result["enabled"] is False
    assert result["collections"] == []


def test_check_in_process_leaves_the_collector_on(tmp_path):
    import gc

    from conftest import cli_runner

    from saga_lint.cli import main

    assert gc.isenabled()
    (tmp_path / "events").mkdir()  # an (empty) catalog: a folder with no collection is refused
    result = cli_runner().invoke(main, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()
