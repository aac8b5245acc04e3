"""saga-lint's frontmatter checks agree with EventCatalog's build (#22), without the build.

The mutants of tests/build_mutants.py carry the build's verdict, recorded from EventCatalog
3.48.4's content validation (tests/test_build_oracle.py checks them against the real build when
it is installed). Here: saga-lint gives each page the same verdict, names the field at its line,
applies the catalog's EventCatalog version (package.json, config, --eventcatalog-version, the
latest release) and says which version a version-dependent finding is for; YAML is read as the
build reads it (YAML 1.2).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from build_mutants import ADR, BASE, EVENT, EVERY_ENUM, INVALID, SERVICE, VALID, Mutant
from conftest import check_json, lint, run_cli, write_catalog

from saga_lint.ecversion import LATEST, EcVersion, detect, from_text

# findings that fail the build: EventCatalog's content validation (schema/*, the step
# refinements flow/step-kind reports) and pages it cannot read (parse/*)
BUILD_RULES = ("schema/", "parse/", "flow/step-kind")


def build_errors(findings) -> dict[str, list]:
    """Error findings of the build's rules, by file."""
    out: dict[str, list] = {}
    for f in findings:
        if f.severity == "error" and f.rule.startswith(BUILD_RULES):
            out.setdefault(f.file, []).append(f)
    return out


def verdict(tmp_path: Path, files: dict[str, str], *extra: str) -> dict[str, list]:
    root = tmp_path / "cat"
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return build_errors(lint(root))


def test_base_catalog_has_no_build_error(tmp_path):
    assert verdict(tmp_path, BASE) == {}


@pytest.mark.parametrize("mutant", INVALID, ids=lambda m: m.name)
def test_a_page_the_build_rejects_is_an_error_at_its_field(tmp_path, mutant: Mutant):
    errors = verdict(tmp_path, mutant.files())
    assert list(errors) == [mutant.file], errors
    for f in errors[mutant.file]:
        assert f.line is not None and f.line >= 1


@pytest.mark.parametrize("mutant", VALID, ids=lambda m: m.name)
def test_a_page_the_build_accepts_has_no_build_error(tmp_path, mutant: Mutant):
    assert verdict(tmp_path, mutant.files()) == {}


# EventCatalog 4.x (the repository's core, read from its source; not on the registry, so no build
# to run): the mutants whose verdict differs from 3.48.4's
FLIPPED_ON_4 = {"adr-applies-to-system": True, "unknown-top-level-key": False}
PKG4 = json.dumps({"dependencies": {"@eventcatalog/core": "4.7.5"}})


@pytest.mark.parametrize("mutant", INVALID + VALID, ids=lambda m: m.name)
def test_the_verdict_on_4(tmp_path, mutant: Mutant):
    valid = FLIPPED_ON_4.get(mutant.name, mutant.valid)
    errors = verdict(tmp_path, {**mutant.files(), "package.json": PKG4})
    assert list(errors) == ([] if valid else [mutant.file]), errors


def test_a_system_is_validated_on_4_only(tmp_path):
    files = {**BASE, "systems/checkout/index.mdx": "---\nid: checkout\nname: Checkout\nversion: 1\nscope: public\n---\n"}
    assert verdict(tmp_path, files) == {}  # 3.48.4 has no systems collection: the page is not read
    errors = verdict(tmp_path, {**files, "package.json": PKG4})
    assert [(f.rule, f.field) for f in errors["systems/checkout/index.mdx"]] == [("schema/valid-type", "version"),
                                                                             ("schema/validation-error", "scope")]


def test_every_enum_value_and_both_pointer_forms_are_accepted(tmp_path):
    assert verdict(tmp_path, {**BASE, **EVERY_ENUM}) == {}


def test_owner_object_without_collection_names_the_field_and_the_accepted_values(tmp_path):
    files = {**BASE, EVENT: BASE[EVENT].replace("owners: [ordering]", "owners:\n  - id: ordering")}
    [f] = verdict(tmp_path, files)[EVENT]
    assert (f.rule, f.field, f.line, f.column) == ("schema/required-fields", "owners[0].collection", 7, 5)


def test_enum_finding_lists_the_accepted_values(tmp_path):
    files = {**BASE, ADR: BASE[ADR].replace("status: accepted", "status: draft")}
    [f] = verdict(tmp_path, files)[ADR]
    assert f.rule == "schema/validation-error" and "proposed, accepted, rejected, deprecated, superseded" in f.message


# -- the EventCatalog version ------------------------------------------------------------------

SYSTEM_ADR = {**BASE, ADR: BASE[ADR].replace("  - type: service", "  - type: system")}


@pytest.mark.parametrize(
    ("declared", "rejected"),
    [(None, True), ("3.48.4", True), ("^3.40.0", True), ("^4.0.0", False), ("4.7.5", False)],
)
def test_adr_applies_to_system_depends_on_the_declared_version(tmp_path, declared, rejected):
    files = dict(SYSTEM_ADR)
    if declared:
        files["package.json"] = json.dumps({"dependencies": {"@eventcatalog/core": declared}})
    errors = verdict(tmp_path, files)
    assert (ADR in errors) == rejected
    if rejected:
        [f] = errors[ADR]
        assert f.line == BASE[ADR].split("\n").index("  - type: service") + 1
        assert "EventCatalog 3.48.4" in f.message and "4.x accepts it" in f.message


def _schema_errors(data: dict) -> list[dict]:
    return [f for f in data["findings"] if f["severity"] == "error" and f["rule"].startswith(BUILD_RULES)]


def test_the_flag_and_the_config_choose_the_version(tmp_path):
    root = write_catalog(tmp_path / "cat", SYSTEM_ADR)
    assert _schema_errors(check_json(root))
    data = check_json(root, "--eventcatalog-version", "4.7.5")
    assert data["summary"]["eventcatalog"] == {"version": "4.7.5", "source": "--eventcatalog-version"}
    assert not _schema_errors(data)
    (root / "saga-lint.yaml").write_text("eventcatalog-version: '4'\n")
    data = check_json(root)
    assert data["summary"]["eventcatalog"] == {"version": "4.7.5", "source": "config"}
    assert not _schema_errors(data)


def test_the_text_output_states_the_version_once(tmp_path):
    root = write_catalog(tmp_path / "cat", BASE)
    out = run_cli("check", root).stdout
    assert out.count("EventCatalog 3.48.4") == 1 and "latest release" in out


def test_unknown_top_level_key_is_a_warning_on_3_and_an_error_on_4(tmp_path):
    files = {**BASE, SERVICE: BASE[SERVICE].replace("name: Orders", "name: Orders\nowner: [ordering]")}
    findings = lint(write_catalog(tmp_path / "cat", files))
    [f] = [f for f in findings if f.rule == "schema/unknown-field"]
    assert f.severity == "warning" and 'Did you mean "owners"' in f.message and "ignores it" in f.message
    files["package.json"] = '{"devDependencies": {"@eventcatalog/core": "4.7.5"}}'
    findings = lint(write_catalog(tmp_path / "cat4", files))
    [f] = [f for f in findings if f.rule == "schema/unknown-field"]
    assert f.severity == "error" and 'Did you mean "owners"' in f.message


def test_an_unknown_key_on_a_2_x_catalog_names_the_declared_version(tmp_path):
    """The public bicatu/event-catalog declares @eventcatalog/core 2.49.1 and was told 38 times that
    "EventCatalog 3.x ignores it": a 2.x catalog (read with 3.x's schemas) hears about its own version."""
    files = {**BASE, SERVICE: BASE[SERVICE].replace("name: Orders", "name: Orders\ndescription: Takes orders."),
             "package.json": '{"dependencies": {"@eventcatalog/core": "2.49.1"}}'}
    [f] = [f for f in lint(write_catalog(tmp_path / "cat", files)) if f.rule == "schema/unknown-field"]
    assert f.severity == "warning" and f.message.startswith(
        'unknown property "description": EventCatalog 2.49.1 ignores it (custom properties start with "x-"; 4.x rejects it).'
    ), f.message


def test_an_unknown_key_of_a_team_is_a_warning_naming_the_near_key(tmp_path):
    files = {**BASE, "teams/ordering.mdx": BASE["teams/ordering.mdx"].replace("members:", "emial: a@b.c\nmembers:")}
    [f] = [f for f in lint(write_catalog(tmp_path / "cat", files)) if f.rule == "schema/unknown-field"]
    assert f.severity == "warning" and 'Did you mean "email"' in f.message and f.line == 5


@pytest.mark.parametrize(
    ("text", "version"),
    [("3.48.4", "3.48.4"), ("^3.40.0", "3.48.4"), ("~4.7.1", "4.7.5"), ("4", "4.7.5"), (">=3", "3.48.4"), ("latest", None),
     ("^2.39.2", "2.39.2"), ("~2.14", "2.14.0"), ("2", "2.0.0"), ("2.x", "2.0.0")],
)
def test_declared_versions(text, version):
    """A range of a line saga-lint carries no schemas of (2.x) stands for the lowest version it
    allows, never a version outside it: the public unwork-ag sandbox's ``^2.39.2`` was reported as
    "checked against EventCatalog 2.0.0 (package.json: ^2.39.2)"."""
    assert from_text(text) == version


def test_detect_order(tmp_path, monkeypatch):
    monkeypatch.delenv("SAGA_LINT_EVENTCATALOG_VERSION", raising=False)
    assert detect(tmp_path) == EcVersion(LATEST, "latest release")
    assert detect(tmp_path, "4").source == "config"
    (tmp_path / "package.json").write_text('{"dependencies": {"@eventcatalog/core": "^3.48.0"}}')
    assert detect(tmp_path, "4") == EcVersion("3.48.4", "package.json", "^3.48.0")
    assert detect(tmp_path, "4", flag="4.7.5").source == "--eventcatalog-version"
    (tmp_path / "package.json").write_text("not json")
    assert detect(tmp_path).source == "latest release"


# -- YAML as the build reads it ------------------------------------------------------------------


def test_yaml_1_2_words_are_strings(tmp_path):
    from saga_lint.catalog.yaml.locations import load

    value, _ = load("a: yes\nb: on\nc: 010\nd: 1e3\ne: 1_000\nf: 1:20\ng: 2026-02-10\nh: True\n")
    assert value["a"] == "yes" and value["b"] == "on" and value["c"] == 10 and value["d"] == 1000.0
    assert value["e"] == "1_000" and value["f"] == "1:20" and value["h"] is True


def test_the_corpus_adrs_are_errors_on_3_and_not_on_4(corpus):
    data = check_json(corpus)
    adr = [f for f in data["findings"]
           if "/adrs/" in (f["file"] or "") and f["severity"] == "error" and f["rule"].startswith("schema/")]
    assert len(adr) == 3 and all(f["field"] == "appliesTo[0].type" for f in adr)
    data = check_json(corpus, "--eventcatalog-version", "4.7.5")
    assert not [f for f in data["findings"] if f["rule"].startswith(("schema/", "parse/")) and f["severity"] == "error"]


@pytest.mark.parametrize("where", ["catalog", "catalog-examples/broken-checkout", "catalog-examples/broken-choreography"])
def test_our_catalogs_have_no_schema_error(where):
    from conftest import ROOT

    data = check_json(ROOT / where)
    assert not [f for f in data["findings"] if f["rule"].startswith(("schema/", "parse/")) and f["severity"] == "error"]


def test_a_package_json_that_is_a_fifo_does_not_hang_the_check(tmp_path):
    """A FIFO named ``package.json`` (or anything not a regular file) declares no version; reading
    it blocked until a writer came, so ``check`` hung forever."""
    import os
    import subprocess
    import sys

    write_catalog(tmp_path, BASE)
    os.mkfifo(tmp_path / "package.json")
    proc = subprocess.run([sys.executable, "-m", "saga_lint", "check", str(tmp_path), "--no-cache", "-f", "json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, 1), proc.stderr
    assert detect(tmp_path).source == "latest release"


def test_a_team_or_user_with_owners_is_told_they_take_none():
    """``owners`` on a team or user page (BookWorm's teams have it) is a field of other resources:
    the warning says so instead of a near miss among the page's own fields ("ownedQueries"); a
    slip of one of its own fields still gets its "did you mean"."""
    from saga_lint.catalog.fmschema import validate

    for kind in ("team", "user"):
        [issue] = validate(kind, {"id": "t", "name": "T", "owners": ["x"]}, f"{kind}s/t.mdx")
        assert issue.message == (f'unknown property "owners": EventCatalog ignores it. A {kind} page has no "owners": it is '
                                 "a field of services, messages and other resources.")
    [issue] = validate("team", {"id": "t", "name": "T", "memebrs": ["x"]}, "teams/t.mdx")
    assert issue.message.endswith('Did you mean "members"?')
