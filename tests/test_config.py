"""Configuration (saga-lint.yaml, [tool.saga-lint], x-saga-lint), exit codes, and the
``saga-lint rules`` / ``saga-lint rule NAME`` commands.

The catalog is the clean ``BASE`` of test_rules_official with two problems added:
the channel has no summary (best-practices/summary-required, an error by default) and the event
has an empty body (best-practices/description-required, a warning by default).
"""

from __future__ import annotations

import json
import re
import textwrap

import pytest
import yaml
from conftest import ROOT, cli_runner, run_cli
from test_rules_official import BASE, CHANNEL, EVENT, EVENT_TXT, SERVICE, build, edit

SUMMARY = "best-practices/summary-required"
DESCRIPTION = "best-practices/description-required"

NO_SUMMARY = edit(CHANNEL, "summary: Where order events go.\n", "")
EMPTY_BODY = {EVENT: EVENT_TXT.replace("Described here.\n", "")}


def invoke(*args):
    from saga_lint.cli import main

    return cli_runner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def check(root, *extra):
    """Run ``check --format json`` in-process: (exit code, parsed JSON or None, stderr)."""
    r = invoke("check", root, "--format", "json", *extra)
    doc = json.loads(r.stdout) if r.exit_code in (0, 1) else None
    return r.exit_code, doc, r.stderr


def rules_of(doc) -> list:
    return [(f["rule"], f["severity"], f["file"]) for f in doc["findings"]]


@pytest.fixture
def catalog(make_catalog):
    """The catalog with both problems, plus an optional config text."""

    def _make(config: str | None = None, name: str = "saga-lint.yaml", extra: dict | None = None):
        files = {**NO_SUMMARY, **EMPTY_BODY, **(extra or {})}
        if config is not None:
            files[name] = textwrap.dedent(config).lstrip("\n")
        return build(make_catalog, files)

    return _make


# -- exit codes -----------------------------------------------------------------------------------


def test_exit_0_clean_1_findings_2_cannot_run(make_catalog, tmp_path):
    clean = build(make_catalog, {})
    proc = run_cli("check", clean)
    assert proc.returncode == 0, proc.stderr
    assert "0 problems" in proc.stdout
    bad = build(make_catalog, NO_SUMMARY)
    proc = run_cli("check", bad)
    assert proc.returncode == 1
    assert f"({SUMMARY})" in proc.stdout
    proc = run_cli("check", tmp_path / "no-such-folder")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [f"saga-lint: catalog folder not found: {tmp_path / 'no-such-folder'}"]
    proc = run_cli("check", clean, "--format", "xml")
    assert proc.returncode == 2 and "xml" in proc.stderr


def test_warnings_alone_exit_0_unless_fail_on_warning(make_catalog):
    root = build(make_catalog, EMPTY_BODY)
    code, doc, _ = check(root)
    assert code == 0
    assert rules_of(doc) == [(DESCRIPTION, "warning", EVENT)]
    code, doc, _ = check(root, "--fail-on", "warning")
    assert code == 1
    code, _, _ = check(root, "--fail-on", "info")
    assert code == 1
    code, _, _ = check(root, "--fail-on", "error")
    assert code == 0


def test_fail_on_in_config_and_cli_wins(catalog):
    root = catalog("fail-on: warning\nrules:\n  best-practices/summary-required: off\n")
    assert check(root)[0] == 1
    assert check(root, "--fail-on", "error")[0] == 0


def test_info_findings_fail_only_with_fail_on_info(catalog):
    root = catalog("rules:\n  best-practices/*: info\n")
    code, doc, _ = check(root)
    assert code == 0
    assert sorted(rules_of(doc)) == [(DESCRIPTION, "info", EVENT), (SUMMARY, "info", CHANNEL)]
    assert check(root, "--fail-on", "warning")[0] == 0
    assert check(root, "--fail-on", "info")[0] == 1


# -- severities -----------------------------------------------------------------------------------


def test_default_severities(catalog):
    code, doc, _ = check(catalog())
    assert code == 1
    assert rules_of(doc) == [(SUMMARY, "error", CHANNEL), (DESCRIPTION, "warning", EVENT)]


@pytest.mark.parametrize(
    "config, expected",
    [
        ("rules:\n  best-practices/description-required: error\n", [(SUMMARY, "error"), (DESCRIPTION, "error")]),
        ("rules:\n  best-practices/summary-required: warn\n", [(SUMMARY, "warning"), (DESCRIPTION, "warning")]),
        ("rules:\n  best-practices/summary-required: [warn, {allow: []}]\n", [(SUMMARY, "warning"), (DESCRIPTION, "warning")]),
        ("rules:\n  best-practices/description-required: off\n", [(SUMMARY, "error")]),
        ('rules:\n  best-practices/description-required: "off"\n', [(SUMMARY, "error")]),
        ("rules:\n  best-practices/description-required: OFF\n", [(SUMMARY, "error")]),
        ("rules:\n  best-practices/*: off\n", []),
        ("rules:\n  best-practices/*: warning\n", [(SUMMARY, "warning"), (DESCRIPTION, "warning")]),
        # the exact name beside a wildcard wins over it, whatever the order
        ("rules:\n  best-practices/summary-required: info\n  best-practices/*: off\n", [(SUMMARY, "info")]),
        ("rules:\n  best-practices/*: off\n  best-practices/description-required: error\n", [(DESCRIPTION, "error")]),
        ('rules:\n  "*": off\n', []),
        ('rules:\n  "*": info\n  best-practices/summary-required: error\n', [(SUMMARY, "error"), (DESCRIPTION, "info")]),
        ("rules:\n  refs/*: off\n", [(SUMMARY, "error"), (DESCRIPTION, "warning")]),
        ("rules: {}\n", [(SUMMARY, "error"), (DESCRIPTION, "warning")]),
        ("", [(SUMMARY, "error"), (DESCRIPTION, "warning")]),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_rule_severities(catalog, config, expected):
    code, doc, err = check(catalog(config))
    assert code in (0, 1), err
    assert [(r, s) for r, s, _ in rules_of(doc)] == expected
    assert code == (1 if any(s == "error" for _, s in expected) else 0)


@pytest.mark.parametrize(
    "config, expected",
    [
        ("extends: default\n", [(SUMMARY, "error"), (DESCRIPTION, "warning")]),
        ("extends: strict\n", [(SUMMARY, "error"), (DESCRIPTION, "error")]),
        ("extends: relaxed\n", [(SUMMARY, "warning")]),  # description-required is off in relaxed
        (
            "extends: relaxed\nrules:\n  best-practices/description-required: warning\n",
            [(SUMMARY, "warning"), (DESCRIPTION, "warning")],
        ),
        ("extends: strict\nrules:\n  best-practices/*: warning\n", [(SUMMARY, "warning"), (DESCRIPTION, "warning")]),
    ],
)
def test_extends(catalog, config, expected):
    code, doc, err = check(catalog(config))
    assert code in (0, 1), err
    assert [(r, s) for r, s, _ in rules_of(doc)] == expected


def test_extends_a_ruleset_file(catalog):
    extra = {"lint/team.yaml": "extends: relaxed\nrules:\n  best-practices/*: error\n"}
    code, doc, _ = check(catalog("extends: lint/team.yaml\n", extra=extra))
    assert [(r, s) for r, s, _ in rules_of(doc)] == [(SUMMARY, "error"), (DESCRIPTION, "error")]


def test_rulesets_shipped_are_valid_and_relaxed_is_laxer_than_strict():
    from saga_lint.config import from_mapping
    from saga_lint.findings import SEVERITY_RANK

    tables = {n: from_mapping({"extends": n}, ROOT, n).severities for n in ("default", "strict", "relaxed")}
    for name in tables["default"]:
        if "*" in name:
            continue
        relaxed, default, strict = (SEVERITY_RANK[tables[t][name]] for t in ("relaxed", "default", "strict"))
        assert relaxed <= default <= strict, name
    # strict: every warning of the default ruleset is an error (saga/* and change/* are owned elsewhere)
    assert [n for n, v in tables["strict"].items() if v == "warning" and not n.startswith(("saga/", "change/"))] == []


def test_default_ruleset_lists_every_rule_with_the_registry_severity():
    from saga_lint.config import rulesets_dir
    from saga_lint.rules import all_rules

    data = yaml.safe_load((rulesets_dir() / "default.yaml").read_text("utf-8"))
    listed = {k: ("off" if v is False else v) for k, v in data["rules"].items()}
    registry = {name: r.severity for name, r in all_rules().items()}
    assert listed == registry


def test_rulesets_name_only_known_rules():
    from saga_lint.config import rulesets_dir
    from saga_lint.rules import all_rules

    known = set(all_rules())
    for path in sorted(rulesets_dir().glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        unknown = [k for k in (data.get("rules") or {}) if k not in known and not k.endswith("*")]
        assert unknown == [], path.name


# -- which files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [
        'ignore: ["channels/**"]\n',
        'ignore: ["**/orders/index.mdx"]\n',
        'ignore: ["channels/*/index.mdx"]\n',
        'ignorePatterns: ["channels/**"]\n',
    ],
)
def test_ignore_globs(catalog, config):
    code, doc, _ = check(catalog(config))
    assert rules_of(doc) == [(DESCRIPTION, "warning", EVENT)]
    assert code == 0


def test_ignore_glob_that_matches_nothing(catalog):
    code, doc, _ = check(catalog('ignore: ["chan/**", "events/**"]\n'))
    assert [r for r, _, _ in rules_of(doc)] == [SUMMARY, DESCRIPTION]


def test_overrides_by_glob(catalog):
    # the service also lacks a summary: the override silences only the channel's
    extra = edit(SERVICE, "summary: Takes orders.\n", "")
    config = """
    overrides:
      - files: ["channels/**"]
        rules:
          best-practices/summary-required: off
      - files: ["domains/**/events/**"]
        rules:
          best-practices/*: error
    """
    code, doc, _ = check(catalog(config, extra=extra))
    assert rules_of(doc) == [(DESCRIPTION, "error", EVENT), (SUMMARY, "error", SERVICE)]


def test_override_turns_on_a_rule_that_is_off(catalog):
    config = """
    rules:
      best-practices/description-required: off
    overrides:
      - files: ["**/OrderPlaced/**"]
        rules: {best-practices/description-required: error}
    """
    code, doc, _ = check(catalog(config))
    assert rules_of(doc) == [(SUMMARY, "error", CHANNEL), (DESCRIPTION, "error", EVENT)]


def test_later_override_wins(catalog):
    config = """
    overrides:
      - files: ["channels/**"]
        rules: {best-practices/summary-required: off}
      - files: ["channels/orders/*"]
        rules: {best-practices/summary-required: info}
    """
    code, doc, _ = check(catalog(config))
    assert rules_of(doc)[0] == (SUMMARY, "info", CHANNEL)


# -- where the config comes from ---------------------------------------------------------------------


def test_pyproject_tool_section(catalog):
    toml = '[tool.saga-lint]\nfail-on = "warning"\n\n[tool.saga-lint.rules]\n"best-practices/summary-required" = "off"\n'
    code, doc, _ = check(catalog(toml, name="pyproject.toml"))
    assert rules_of(doc) == [(DESCRIPTION, "warning", EVENT)]
    assert code == 1  # fail-on: warning came from pyproject.toml


def test_pyproject_without_section_is_the_default(catalog):
    code, doc, _ = check(catalog('[project]\nname = "x"\n', name="pyproject.toml"))
    assert [r for r, _, _ in rules_of(doc)] == [SUMMARY, DESCRIPTION]


def test_saga_lint_yaml_wins_over_pyproject(catalog):
    root = catalog('[tool.saga-lint.rules]\n"best-practices/*" = "off"\n', name="pyproject.toml")
    (root / "saga-lint.yaml").write_text("rules:\n  best-practices/summary-required: off\n")
    code, doc, _ = check(root)
    assert rules_of(doc) == [(DESCRIPTION, "warning", EVENT)]


def test_dot_saga_lint_yaml_and_explicit_config(catalog, tmp_path):
    root = catalog("rules:\n  best-practices/summary-required: off\n", name=".saga-lint.yaml")
    assert [r for r, _, _ in rules_of(check(root)[1])] == [DESCRIPTION]
    other = tmp_path / "elsewhere.yaml"
    other.write_text("rules:\n  best-practices/*: off\n")
    assert rules_of(check(root, "-c", other)[1]) == []


def test_x_saga_lint_ignore_in_frontmatter(catalog):
    ch = BASE[CHANNEL].replace("summary: Where order events go.\n", "")
    for ignore, expected in [
        ("[best-practices/summary-required]", [DESCRIPTION]),
        ("[best-practices/*]", [DESCRIPTION]),
        ('["*"]', [DESCRIPTION]),
        ("[refs/owner-exists]", [SUMMARY, "suppression/unused", DESCRIPTION]),  # silences nothing: reported
        ("best-practices/summary-required", [SUMMARY, "suppression/invalid", DESCRIPTION]),  # not a list: reported
    ]:
        text = ch.replace("owners: [ordering]\n", f"owners: [ordering]\nx-saga-lint:\n  ignore: {ignore}\n")
        code, doc, _ = check(catalog(extra={CHANNEL: text}))
        assert [r for r, _, _ in rules_of(doc)] == expected, ignore


def test_x_saga_lint_ignore_is_per_resource(catalog):
    """Ignoring a rule in the channel does not silence it in the service."""
    ch = BASE[CHANNEL].replace("summary: Where order events go.\n", "x-saga-lint: {ignore: [best-practices/summary-required]}\n")
    extra = {CHANNEL: ch, **edit(SERVICE, "summary: Takes orders.\n", "")}
    code, doc, _ = check(catalog(extra=extra))
    assert rules_of(doc) == [(DESCRIPTION, "warning", EVENT), (SUMMARY, "error", SERVICE)]


# -- bad configurations: exit 2 with one line ----------------------------------------------------------


@pytest.mark.parametrize(
    "config, reason",
    [
        ("rules: [\n", r"is not valid YAML"),
        ("- a\n- b\n", r"the configuration must be a mapping"),
        ("rules:\n  best-practices/summary-required: loud\n",
         r"saga-lint\.yaml:2: rules\.best-practices/summary-required: severity must be one of error, warning, info, off; "
         r"got 'loud'"),
        ("rules:\n  best-practices/sumary-required: off\n", r"saga-lint\.yaml:2: unknown rule 'best-practices/sumary-required'"),
        ("rules: [best-practices/summary-required]\n", r"rules must be a mapping"),
        ("ignore: channels/**\n", r"ignore must be a list of globs"),
        ("overrides:\n  - files: channels/**\n", r"saga-lint\.yaml:2: overrides\[0\] must be \{files: \[globs\]"),
        ("overrides:\n  - file: [a]\n", r"overrides\[0\] must be \{files: \[globs\], rules: \{rule: severity\}\} "
                                         r"\(files, not file\)"),
        ("overrides:\n  - files: [a]\n    rules: {nope/nope: off}\n",
         r"saga-lint\.yaml:3: overrides\[0\]: unknown rule 'nope/nope'"),
        ("extends: nope\n", r"unknown ruleset 'nope' \(available: default, relaxed, strict\)"),
        ("extends: missing.yaml\n", r"unknown ruleset 'missing.yaml'"),
        ("fail-on: sometimes\n", r"fail-on: severity must be one of"),
        ("fail-on: off\n", r"fail-on must be one of error, warning, info"),
    ],
)
def test_bad_config_exits_2_with_one_line(catalog, config, reason):
    r = invoke("check", catalog(config))
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("saga-lint: configuration error: ")
    assert re.search(reason, lines[0]), lines[0]


def test_bad_config_in_a_real_process(catalog, tmp_path):
    proc = run_cli("check", catalog("rules:\n  no/such-rule: error\n"))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"saga-lint: configuration error: {tmp_path / 'cat' / 'saga-lint.yaml'}:2: "
        "unknown rule 'no/such-rule' (see `saga-lint rules`)"
    ]
    proc = run_cli("check", catalog(), "-c", tmp_path / "absent.yaml")
    assert proc.returncode == 2
    assert "config file" in proc.stderr and "not found" in proc.stderr


def test_bad_pyproject_exits_2(catalog):
    r = invoke("check", catalog("[tool.saga-lint\n", name="pyproject.toml"))
    assert r.exit_code == 2
    assert r.stderr.startswith("saga-lint: configuration error: cannot read")


# -- saga-lint rules / rule NAME ------------------------------------------------------------------------


def test_rules_lists_every_rule_once_with_its_severity():
    from saga_lint.rules import all_rules

    r = invoke("rules")
    assert r.exit_code == 0
    rows = {}
    for line in r.stdout.splitlines():
        m = re.match(r"^(\S+)\s+(error|warning|info|off)\s+(.+)$", line)
        assert m, line
        assert m.group(1) not in rows
        rows[m.group(1)] = (m.group(2), m.group(3))
    registry = all_rules()
    assert set(rows) == set(registry)
    for name, (sev, summary) in rows.items():
        assert sev == registry[name].severity
        assert summary == registry[name].summary.replace("``", "`") and summary
    assert list(rows) == sorted(rows)


def test_rule_explains_a_rule():
    from saga_lint.rules import all_rules

    r = invoke("rule", "refs/owner-exists")
    assert r.exit_code == 0
    first = r.stdout.splitlines()[0]
    assert first == "refs/owner-exists  [default: error] (same name as in @eventcatalog/linter 1.1.1 and later)"
    assert all_rules()["refs/owner-exists"].doc.replace("``", "`") in r.stdout
    assert "``" not in invoke("rule", "saga/correlation").stdout  # reStructuredText literals read as Markdown ones
    for part in ("What it checks:", "Why:", "Example that fails:", "Fix:"):
        assert part in r.stdout
    r = invoke("rule", "flow/dead-end")
    assert r.stdout.splitlines()[0] == "flow/dead-end  [default: error]"


def test_every_rule_has_a_documented_explanation():
    from saga_lint.rules import all_rules

    rules = all_rules()
    assert any(n.startswith("change/") for n in rules) and any(n.startswith("saga/") for n in rules)
    for name, rule in rules.items():
        r = invoke("rule", name)
        assert r.exit_code == 0, name
        assert r.stdout.startswith(f"{name}  [default: {rule.severity}]")
        assert rule.summary, name
        for label in ("What it checks:", "Why:", "Example", "Fix:"):  # the rules' documentation, every family
            assert label in rule.doc, (name, label)


@pytest.mark.parametrize(
    "name, hint",
    [
        ("refs/owner-exist", r"Did you mean: refs/owner-exists"),
        ("best-practices/sumary-required", r"Did you mean: best-practices/summary-required"),
        ("zzz", r"See `saga-lint rules`"),
    ],
)
def test_rule_unknown_exits_2_with_suggestion(name, hint):
    r = invoke("rule", name)
    assert r.exit_code == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"saga-lint: unknown rule '{name}'.")
    assert re.search(hint, lines[0])


def test_rule_unknown_in_a_real_process():
    proc = run_cli("rule", "flow/dead-ends")
    assert proc.returncode == 2
    assert "Did you mean: flow/dead-end" in proc.stderr


def test_extends_loop_exits_2(catalog):
    extra = {"a.yaml": "extends: b.yaml\n", "b.yaml": "extends: a.yaml\n"}
    r = invoke("check", catalog("extends: a.yaml\n", extra=extra))
    assert r.exit_code == 2
    assert "extends itself" in r.stderr and len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "path, pattern, expected",
    [
        ("channels/orders/index.mdx", "channels/*/index.mdx", True),
        ("channels/buses/orders/index.mdx", "channels/*/index.mdx", False),  # * stays in one folder
        ("channels/buses/orders/index.mdx", "channels/**/index.mdx", True),
        ("channels/buses/orders/index.mdx", "channels/**", True),
        ("channels/buses/orders/index.mdx", "channels", True),  # a folder: everything inside it
        ("channels/buses/orders/index.mdx", "./channels/", True),
        ("channelsX/orders/index.mdx", "channels/**", False),
        ("events/A/index.mdx", "*.mdx", True),  # no slash: a name at any depth
        ("events/A/index.mdx", "index.md", False),
        ("domains/Legacy/services/Old/index.mdx", "**/services/*/index.mdx", True),
        ("services/Old/index.mdx", "**/services/*/index.mdx", True),
        ("domains/Legacy/services/Old/versioned/1/index.mdx", "**/services/*/index.mdx", False),
        ("events/a?c/index.mdx", "events/a[?]c/*", True),
        ("a/b", "", False),
        ("channels/buses/orders/index.mdx", "channels/*", True),  # a folder matched holds what is in it
        ("channels", "channels/**", False),  # gitignore: what is inside, not the name itself
        ("events/A/index.mdx", "/index.mdx", True),  # a leading slash changes nothing (as before pathspec)
        ("#notes/a.mdx", "#notes/**", False),  # a comment
        ("#notes/a.mdx", "\\#notes/**", True),  # ... unless escaped
    ],
)
def test_glob_semantics(path, pattern, expected):
    from saga_lint.globs import match

    assert match([pattern], path) is expected


def test_glob_negation_re_includes():
    from saga_lint.globs import match

    globs = ["drafts/**", "!drafts/keep.mdx"]
    assert match(globs, "drafts/x.mdx") and not match(globs, "drafts/keep.mdx")
    # the last pattern that matches decides (also inside a folder matched as a whole, unlike git)
    assert not match(["drafts", "!drafts/keep.mdx"], "drafts/keep.mdx")
    assert match(["!drafts/keep.mdx", "drafts"], "drafts/keep.mdx")


def test_ignore_with_negation(catalog):
    extra = {CHANNEL: BASE[CHANNEL].replace("summary: Where order events go.\n", "")}
    code, doc, _ = check(catalog('ignore: ["channels/**", "!channels/orders/index.mdx"]\n', extra=extra))
    assert (SUMMARY, "error", CHANNEL) in rules_of(doc)
    code, doc, _ = check(catalog('ignore: ["channels/**"]\n', extra=extra))
    assert (SUMMARY, "error", CHANNEL) not in rules_of(doc)


@pytest.mark.parametrize(
    "pattern",
    ["**/x/**/x/**/x/**/x/**/y", "**/*x*/**/*x*/**/*x*/**/*x*y", "*a*a*a*a*a*a*a*a*a*a*a*b", "/".join(["**/*a*"] * 40) + "/b"],
)
def test_hostile_globs_take_linear_time(pattern):
    """Python's regular expressions backtrack: the matcher commits each ``*`` part and each run of
    folders between two ``**`` to its first match, so these stay far under a second."""
    import time

    from saga_lint.globs import match

    paths = ["/".join(["x"] * 100), "/".join(["x" * 40] * 100), "/".join(["a" * 60] * 60)]
    t0 = time.monotonic()
    assert not any(match([pattern], p) or match([pattern], p, anchored=True) for p in paths)
    assert time.monotonic() - t0 < 1


def test_ignore_star_does_not_cross_folders(catalog):
    nested = "channels/buses/orders/index.mdx"
    extra = {CHANNEL: None, nested: BASE[CHANNEL].replace("summary: Where order events go.\n", "")}
    code, doc, _ = check(catalog('ignore: ["channels/*/index.mdx"]\n', extra=extra))
    assert (SUMMARY, "error", nested) in rules_of(doc)
    code, doc, _ = check(catalog('ignore: ["channels/**/index.mdx"]\n', extra=extra))
    assert (SUMMARY, "error", nested) not in rules_of(doc)


def test_hostile_glob_is_a_config_error_not_a_crash(catalog):
    r = invoke("check", catalog('ignore: ["' + "/".join(["*"] * 2000) + '"]\n'))
    assert r.exit_code == 2
    assert r.stderr.startswith("saga-lint: configuration error: glob")
