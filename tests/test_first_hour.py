"""The first hour of a new user (#18): a wrong folder or a broken config stops with exit 2 and a
message that says what was expected, where, and the near miss."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = "is not an EventCatalog catalog: it has no eventcatalog.config.js and no collection folder"


def test_empty_folder_is_not_a_catalog(tmp_path):
    proc = run_cli("check", tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"saga-lint: {tmp_path} {EXPECTED} (domains/, services/, events/, commands/, flows/, ...)"
    assert proc.stdout == ""


def test_a_folder_of_other_files_is_not_a_catalog(tmp_path):
    (tmp_path / "hosts").write_text("127.0.0.1 localhost\n", "utf-8")
    (tmp_path / "avahi" / "services").mkdir(parents=True)  # a folder name alone makes no catalog below
    (tmp_path / "avahi" / "services" / "ssh.service").write_text("<service/>\n", "utf-8")
    for command in ("check", "report", "explain"):
        args = ("explain", "some-flow", tmp_path) if command == "explain" else (command, tmp_path)
        proc = run_cli(*args)
        assert proc.returncode == 2, (command, proc.stderr)
        assert EXPECTED in proc.stderr and "Catalogs below it" not in proc.stderr


def test_repository_root_names_the_catalog_below_it(tmp_path):
    shutil.copytree(ROOT / "catalog", tmp_path / "docs" / "architecture" / "catalog")
    (tmp_path / "node_modules" / "x" / "services" / "a").mkdir(parents=True)  # never searched
    (tmp_path / "node_modules" / "x" / "services" / "a" / "index.mdx").write_text("---\nid: a\n---\n", "utf-8")
    proc = run_cli("check", tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("Catalogs below it: docs/architecture/catalog; run saga-lint on one of them")


def test_catalogs_with_pages_are_named_before_folders_with_only_a_config_file(tmp_path):
    """A repository holding EventCatalog's own source (a config file, no pages: found first, nearer
    the root) and a catalog deeper down: the catalog is named first, the config-only folder after
    it and marked so (on a public repository, ``packages/core/src`` was offered first)."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "eventcatalog.config.ts").write_text("export default {};\n", "utf-8")
    shutil.copytree(ROOT / "catalog", tmp_path / "examples" / "shop" / "catalog")
    proc = run_cli("check", tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith(
        "Catalogs below it: examples/shop/catalog, src (a config file, no pages); run saga-lint on one of them")


def test_a_catalog_with_only_a_config_file_is_a_catalog(tmp_path):
    (tmp_path / "eventcatalog.config.js").write_text("export default { title: 'x' };\n", "utf-8")
    proc = run_cli("check", tmp_path, "--format", "json")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    "config, message",
    [
        ("rulez:\n  best-practices/owner-required: off\n",
         ":1: unknown key 'rulez'. Did you mean 'rules'? (a configuration has: extends, rules, "
         "ignore, overrides, fail-on, sagas, schema-compatibility, eventcatalog-version)"),
        ("extends: default\nfail-on: error\nignor:\n  - drafts/**\n",
         ":3: unknown key 'ignor'. Did you mean 'ignore'? (a configuration has: extends, rules, ignore, overrides, "
         "fail-on, sagas, schema-compatibility, eventcatalog-version)"),
        ("rules:\n  best-practices/owner-requird: off\n",
         ":2: unknown rule 'best-practices/owner-requird' (see `saga-lint rules`). "
         "Did you mean 'best-practices/owner-required'?"),
        ("rules:\n  best-practices/owner-required: off\n  flow/dead-end: [\n",
         ":4:1: the file is not valid YAML: did not find expected node content"),
    ],
    ids=["misspelt-key", "misspelt-key-line-3", "misspelt-rule", "broken-yaml"],
)
def test_config_mistakes_name_file_line_and_near_miss(tmp_path, config, message):
    shutil.copytree(ROOT / "catalog", tmp_path / "cat")
    (tmp_path / "cat" / "saga-lint.yaml").write_text(config, "utf-8")
    proc = run_cli("check", tmp_path / "cat")
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert line == f"saga-lint: configuration error: {tmp_path / 'cat' / 'saga-lint.yaml'}{message}"


@pytest.mark.parametrize("script", sorted(p.relative_to(ROOT).as_posix() for d in ("scripts", "benchmarks")
                                          for p in (ROOT / d).glob("*.py")))
def test_every_script_answers_help_and_does_nothing_else(script):
    import subprocess
    import sys

    rules_md = ROOT / "docs" / "rules.md"
    before = rules_md.stat().st_mtime_ns
    proc = subprocess.run([sys.executable, str(ROOT / script), "--help"], capture_output=True, text=True, timeout=60,
                          cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage:"), proc.stdout[:200]
    assert rules_md.stat().st_mtime_ns == before


def test_a_folder_inside_a_catalog_points_at_the_catalog(tmp_path):
    """A collection folder of a catalog (``domains``) or a domain inside it (``domains/Ordering``,
    which holds a services/ folder of its own) is a part of the catalog: exit 2 naming the catalog,
    not its sub-folders offered as catalogs, nor a run full of broken references. A catalog kept
    inside another one's collection folder, with its own config file, is a catalog."""
    cat = tmp_path / "catalog"
    shutil.copytree(ROOT / "catalog", cat)
    for part in ("domains", "domains/Ordering"):
        proc = run_cli("check", cat / part)
        assert proc.returncode == 2, proc.stdout[-500:]
        assert proc.stderr.strip().startswith(f"saga-lint: {cat / part} is a part of the catalog at ")
        assert "(inside its domains/ folder), not a catalog" in proc.stderr and "Catalogs below it" not in proc.stderr
        assert proc.stderr.strip().endswith(f"Run saga-lint on {cat}") or proc.stderr.strip().endswith("Run saga-lint on catalog")
    nested = cat / "domains" / "Ordering"
    (nested / "eventcatalog.config.js").write_text("export default { title: 'ordering' };\n", "utf-8")
    proc = run_cli("check", nested, "--format", "json")
    assert proc.returncode in (0, 1), proc.stderr
