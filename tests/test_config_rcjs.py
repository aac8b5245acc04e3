"""The official linter's ``.eventcatalogrc.js`` (saga_lint.rcjs, #19): read as data without running
JavaScript, applied under the same rule names, and migrated to a saga-lint.yaml. The examples are
those of the official linter's documentation (configure-rules how-to, configuration reference)."""

from __future__ import annotations

import json
import textwrap

import pytest
from conftest import run_cli, write_catalog
from test_rules_official import BASE, CHANNEL, EVENT, EVENT_TXT

SUMMARY = "best-practices/summary-required"
DESCRIPTION = "best-practices/description-required"

MINIMAL = """\
module.exports = {
  rules: {
    'best-practices/description-required': 'off',
  },
};
"""
SEVERITIES = """\
module.exports = {
  rules: {
    'best-practices/owner-required': 'warn', // soften
    'refs/orphan-messages': 'error', // tighten
    'best-practices/schema-required': 'off', // disable
  },
};
"""
OPTIONS = """\
module.exports = {
  rules: {
    'schema/unknown-field': ['error', { allow: ['costCenter', 'legacy*'] }],
    'best-practices/summary-required': ['warn'],
  },
};
"""
ESM = """\
export default {
  rules: { "best-practices/summary-required": "warn" },
  ignorePatterns: ["**/archived/**"],
};
"""
SHAPE = """\
/** @type {import('@eventcatalog/linter').Config} */
const config = {
  rules: {
    'best-practices/summary-required': 'error',
    'some-plugin/rule': 'warn',
  },
  ignorePatterns: ['channels/**', '!channels/keep/**'],
  overrides: [
    {
      files: ['domains/Ordering/**'],
      rules: {
        'best-practices/description-required': ['off', {}],
      },
    },
  ],
};

module.exports = config;
"""


@pytest.fixture
def cat(tmp_path):
    files = {**BASE, CHANNEL: BASE[CHANNEL].replace("summary: Where order events go.\n", ""),
             EVENT: EVENT_TXT.replace("Described here.\n", "")}
    return write_catalog(tmp_path / "catalog", files)


def findings(cat, *extra):
    proc = run_cli("check", cat, "--format", "json", *extra)
    assert proc.returncode in (0, 1), proc.stderr
    return [(f["rule"], f["severity"]) for f in json.loads(proc.stdout)["findings"]]


@pytest.mark.parametrize("rc, expected", [
    (None, [(SUMMARY, "error"), (DESCRIPTION, "warning")]),
    (MINIMAL, [(SUMMARY, "error")]),
    (SEVERITIES, [(SUMMARY, "error"), (DESCRIPTION, "warning")]),
    (OPTIONS, [(SUMMARY, "warning"), (DESCRIPTION, "warning")]),
    (ESM, [(SUMMARY, "warning"), (DESCRIPTION, "warning")]),
    (SHAPE, []),
])
def test_official_examples_are_applied(cat, rc, expected):
    if rc is not None:
        (cat / ".eventcatalogrc.js").write_text(rc)
    assert findings(cat) == expected


def test_read_as_data():
    from saga_lint.rcjs import _Parser

    data = _Parser(SHAPE, "x.js").exported()
    assert data == {
        "rules": {SUMMARY: "error", "some-plugin/rule": "warn"},
        "ignorePatterns": ["channels/**", "!channels/keep/**"],
        "overrides": [{"files": ["domains/Ordering/**"], "rules": {DESCRIPTION: ["off", {}]}}],
    }
    odd = _Parser("export default { a: 'it\\'s', \"b\": [1, 2.5, -3, true, null,], c: `t`, 4: 'x' }", "x.js").exported()
    assert odd == {"a": "it's", "b": [1, 2.5, -3, True, None], "c": "t", "4": "x"}


@pytest.mark.parametrize("text, line, what", [
    ("module.exports = require('./base.js');\n", 1, "the exported 'require' is not a const, let or var of this file"),
    ("module.exports = {\n  a: require('./base.js'),\n};\n", 2, "'require' is not a plain value (string, number, array, object)"),
    ("const base = {};\nmodule.exports = {\n  ...base,\n};\n", 3, "'...' is not a property name"),
    ("module.exports = {\n  rules: { [`${x}/a`]: 'off' },\n};\n", 2,
     "cannot read \"`${x}/a`]: 'off' },\" (an expression, not data)"),
    ("module.exports = {\n  rules: make(),\n};\n", 2, "'make' is not a plain value (string, number, array, object)"),
    ("module.exports = config;\n", 1, "the exported 'config' is not a const, let or var of this file"),
    ("console.log('hi');\n", 1, "no `module.exports =` or `export default`"),
])
def test_what_cannot_be_read_safely_is_exit_2_naming_file_and_line(cat, text, line, what):
    (cat / ".eventcatalogrc.js").write_text(text)
    proc = run_cli("check", cat)
    assert proc.returncode == 2
    assert proc.stderr == (f"saga-lint: configuration error: {cat}/.eventcatalogrc.js:{line}: {what}; "
                                  "saga-lint reads the exported object literal as data and does not run JavaScript: write this "
                                  "configuration in a saga-lint.yaml instead\n"), proc.stderr


def test_a_saga_lint_config_wins_and_show_config_names_the_rc(cat):
    (cat / ".eventcatalogrc.js").write_text(SHAPE)
    proc = run_cli("check", cat, "--show-config")
    assert proc.stdout.splitlines()[:2] == [
        f"# config: {cat}/.eventcatalogrc.js (@eventcatalog/linter)",
        f"# note: {cat}/.eventcatalogrc.js: 'some-plugin/rule' is no saga-lint rule; left out",
    ]
    (cat / "saga-lint.yaml").write_text("rules: {}\n")
    assert findings(cat) == [(SUMMARY, "error"), (DESCRIPTION, "warning")]


def test_migrate_writes_the_equivalent_saga_lint_yaml(cat):
    (cat / ".eventcatalogrc.js").write_text(SHAPE + "\n" + "// " + OPTIONS.replace("\n", "\n// "))
    before = findings(cat)
    proc = run_cli("migrate", cat, "--stdout")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == textwrap.dedent("""\
        # saga-lint configuration, migrated from .eventcatalogrc.js by `saga-lint migrate`.
        # some-plugin/rule: not a saga-lint rule, left out.
        extends: default
        rules:
          best-practices/summary-required: error
        ignore:
        - channels/**
        - '!channels/keep/**'
        overrides:
        - files:
          - domains/Ordering/**
          rules:
            best-practices/description-required: 'off'
        """)
    proc = run_cli("migrate", cat)
    assert proc.returncode == 0 and (cat / "saga-lint.yaml").read_text() == run_cli("migrate", cat, "--stdout").stdout
    (cat / ".eventcatalogrc.js").unlink()
    assert findings(cat) == before  # the same findings from the migrated file
    (cat / ".eventcatalogrc.js").write_text(OPTIONS)
    proc = run_cli("migrate", cat)
    assert proc.returncode == 2 and "exists (--force to overwrite it" in proc.stderr
    proc = run_cli("migrate", cat, "--force")
    assert proc.returncode == 0
    assert (cat / "saga-lint.yaml").read_text().splitlines()[1] == (
        "# Rule options ([severity, {...}]) are not carried over: saga-lint's rules take none.")
    assert findings(cat) == [(SUMMARY, "warning"), (DESCRIPTION, "warning")]


def test_migrate_without_an_rc_is_exit_2(cat):
    proc = run_cli("migrate", cat)
    assert proc.returncode == 2 and proc.stderr == f"saga-lint: no .eventcatalogrc.js in {cat}\n"
