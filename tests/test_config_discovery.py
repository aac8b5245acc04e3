"""Where the configuration is found (#19): as ruff does, from the catalog folder up to the
repository root, the nearest ``saga-lint.yaml`` / ``.saga-lint.yaml`` / ``pyproject.toml`` with
``[tool.saga-lint]``; ``--config`` wins; ``check --show-config`` says which file was used.

The catalog is test_rules_official's clean ``BASE`` with a channel without summary
(best-practices/summary-required, an error) and an event with an empty body
(best-practices/description-required, a warning)."""

from __future__ import annotations

import json
import sys

import pytest
from conftest import run_cli, write_catalog
from test_rules_official import BASE, CHANNEL, EVENT, EVENT_TXT

SUMMARY = "best-practices/summary-required"
DESCRIPTION = "best-practices/description-required"
OFF_SUMMARY = "rules:\n  best-practices/summary-required: off\n"


@pytest.fixture
def repo(tmp_path):
    """A repository (a folder with .git) with the catalog in ``catalog/``."""
    top = tmp_path / "repo"
    files = {**BASE, CHANNEL: BASE[CHANNEL].replace("summary: Where order events go.\n", ""),
             EVENT: EVENT_TXT.replace("Described here.\n", "")}
    write_catalog(top / "catalog", files)
    (top / ".git").mkdir()
    return top


def rules(top, *extra, cwd=None):
    proc = run_cli("check", "catalog", "--format", "json", *extra, cwd=cwd or top)
    assert proc.returncode in (0, 1), proc.stderr
    return [f["rule"] for f in json.loads(proc.stdout)["findings"]]


def test_without_config_the_default_ruleset(repo):
    assert rules(repo) == [SUMMARY, DESCRIPTION]


@pytest.mark.parametrize("name", ["saga-lint.yaml", ".saga-lint.yaml", "saga-lint.yml"])
def test_yaml_at_the_repository_root_applies(repo, name):
    (repo / name).write_text(OFF_SUMMARY)
    assert rules(repo) == [DESCRIPTION]


def test_pyproject_at_the_repository_root_applies(repo):
    if sys.version_info < (3, 11):
        pytest.importorskip("tomli", reason="Python 3.10 reads TOML with the tomli package (a dependency there)")
    (repo / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.saga-lint.rules]\n'
                                         '"best-practices/summary-required" = "off"\n')
    assert rules(repo) == [DESCRIPTION]


def test_nearest_wins_and_a_pyproject_without_the_table_is_passed_over(repo):
    (repo / "saga-lint.yaml").write_text(OFF_SUMMARY)
    (repo / "catalog" / "pyproject.toml").write_text('[project]\nname = "catalog"\n')
    assert rules(repo) == [DESCRIPTION]  # passed over: the root's YAML applies
    (repo / "catalog" / "saga-lint.yaml").write_text("rules:\n  best-practices/description-required: off\n")
    assert rules(repo) == [SUMMARY]  # the catalog's own is nearer


def test_nothing_above_the_repository_root_is_read(repo, tmp_path):
    (tmp_path / "saga-lint.yaml").write_text(OFF_SUMMARY)  # above the repository: not its config
    assert rules(repo) == [SUMMARY, DESCRIPTION]


def test_outside_a_repository_only_the_catalog_folder(repo):
    (repo / ".git").rmdir()
    (repo / "saga-lint.yaml").write_text(OFF_SUMMARY)
    assert rules(repo) == [SUMMARY, DESCRIPTION]


def test_explicit_config_wins(repo, tmp_path):
    (repo / "saga-lint.yaml").write_text(OFF_SUMMARY)
    other = tmp_path / "other.yaml"
    other.write_text("rules:\n  best-practices/description-required: off\n")
    assert rules(repo, "--config", other) == [SUMMARY]


def test_globs_of_a_root_config_may_be_relative_to_its_folder(repo):
    (repo / "saga-lint.yaml").write_text('ignore: ["catalog/channels/**"]\n')
    assert rules(repo) == [DESCRIPTION]
    (repo / "saga-lint.yaml").write_text('ignore: ["channels/**"]\n')  # relative to the catalog: still works
    assert rules(repo) == [DESCRIPTION]
    (repo / "saga-lint.yaml").write_text('overrides:\n  - files: ["catalog/domains/**"]\n'
                                         '    rules: {best-practices/*: off}\n')
    assert rules(repo) == [SUMMARY]
    (repo / "saga-lint.yaml").write_text('ignore: ["catalog/**", "!catalog/channels/**"]\n')  # ! re-includes
    assert rules(repo) == [SUMMARY]


def test_show_config_names_the_file_and_the_effective_config(repo):
    (repo / "saga-lint.yaml").write_text(OFF_SUMMARY + "fail-on: warning\nignore: [drafts/**]\n")
    proc = run_cli("check", "catalog", "--show-config", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:7] == [
        "# config: saga-lint.yaml",
        "# globs also match paths relative to the config's folder: catalog/...",
        "extends: default",
        "fail-on: warning",
        "ignore:",
        "- drafts/**",
        "overrides: []",
    ]
    assert "  best-practices/summary-required: 'off'" in lines
    assert "  best-practices/description-required: warning" in lines
    proc = run_cli("check", "catalog", "--show-config", "--ignore", "saga/*", cwd=repo / "catalog" / "..")
    assert "  saga/retry-policy: 'off'" in proc.stdout.splitlines()
    assert "# command line: --select ['*'] --ignore ['saga/*']" in proc.stdout.splitlines()
    (repo / "saga-lint.yaml").unlink()
    proc = run_cli("check", ".", "--show-config", cwd=repo / "catalog")
    assert proc.stdout.splitlines()[0] == "# config: none found (the default ruleset)"


def test_a_broken_config_above_the_catalog_is_exit_2_naming_it(repo):
    (repo / "saga-lint.yaml").write_text("rules:\n  best-practices/sumary-required: off\n")
    proc = run_cli("check", "catalog", cwd=repo)
    assert proc.returncode == 2
    assert proc.stderr.startswith("saga-lint: configuration error: saga-lint.yaml:2: unknown rule "
                                  "'best-practices/sumary-required'")


def test_toml_reader_is_tomllib_or_tomli():
    from saga_lint.config import _toml_loads

    assert _toml_loads('[tool.saga-lint]\nfail-on = "warning"\n') == {"tool": {"saga-lint": {"fail-on": "warning"}}}
