"""The catalog against its EventCatalog version as a whole (#22 follow-up), without the build.

- ``schema/undeclared-version``: a catalog that declares no version and uses EventCatalog 4
  features gets one finding listing them, instead of one warning per dropped key; a declared 3.x
  keeps the per-page warnings.
- ``structure/not-loaded``: pages the version does not load (services under a system on 3.x,
  systems on 3.x, domains nested deeper than a subdomain), one finding per place.

Which folders 3.48.4 loads is recorded in tests/build_mutants.py (``PLACES``) from the build's
data store; tests/test_build_oracle.py checks the record against the real build.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from build_mutants import ADR, BASE, CONTAINER, DOMAIN, PLACES, SERVICE, page
from conftest import ROOT, check_json, lint, run_cli, write_catalog

from saga_lint.catalog import ecloads

PKG3 = json.dumps({"dependencies": {"@eventcatalog/core": "3.48.4"}})
PKG4 = json.dumps({"dependencies": {"@eventcatalog/core": "^4.0.0"}})
SYSTEM = "domains/Ordering/systems/oms/index.mdx"
DOMAINS = [f"domains/D{i}/index.mdx" for i in range(5)]


def _places() -> dict[str, str]:
    return {**BASE, **{k: text for k, (text, _) in PLACES.items()}}


def _lines_of(file: str) -> str:
    return PLACES[file][1] if file in PLACES else "34"


def _by_rule(findings, rule: str) -> list:
    return [f for f in findings if f.rule == rule]


def _named_pages(findings) -> set[str]:
    """The pages the structure/not-loaded findings name (each lists all of its pages here: at most 3)."""
    out = set()
    for f in _by_rule(findings, "structure/not-loaded"):
        assert " more" not in f.message
        out |= {p for p in _places() if p in f.message}
    return out


# -- which pages each line loads -------------------------------------------------------------------


def test_the_pages_each_line_loads_are_the_recorded_ones(tmp_path):
    from saga_lint.catalog import load_catalog

    catalog = load_catalog(write_catalog(tmp_path / "cat", _places()))
    seen = set()
    for res in (*catalog.resources, *catalog.pages):
        kind = ecloads.kind_of(res.type, res.file)
        for line in ecloads.LINES:
            assert ecloads.loads(line, kind, res.file) == (line in _lines_of(res.file)), (line, res.file, kind)
        seen.add(res.file)
    assert seen == set(_places())  # saga-lint reads every page, loaded or not


@pytest.mark.parametrize("line", ecloads.LINES)
@pytest.mark.parametrize(("kind", "file", "loaded"), [
    ("team", "teams/platform.mdx", True),
    ("team", "teams/platform.md/notes/more.mdx", False),  # the first pattern is no prefix of a longer path
    ("event", "events/OrderPlaced/index.mdx", True),
    ("event", "events/OrderPlaced/index.mdx/old/index.mdx", False),
    ("event", "events/OrderPlaced/versioned/0.1.0/index.mdx", True),
])
def test_every_pattern_of_a_collection_matches_a_whole_path(line, kind, file, loaded):
    assert ecloads.loads(line, kind, file) is loaded


@pytest.mark.parametrize(
    ("file", "shape"),
    [
        ("domains/Ordering/systems/oms/services/Billing/index.mdx", "domains/*/systems/*/services/*/index.mdx"),
        ("systems/platform/docs/runbook.mdx", "systems/*/docs/*.mdx"),
        ("federated/acme/teams/platform.mdx", "federated/*/teams/*.mdx"),
    ],
)
def test_a_place_is_the_path_without_its_own_names(file, shape):
    assert ecloads.shape(file) == shape


# -- structure/not-loaded ----------------------------------------------------------------------------


def test_pages_3x_does_not_load_are_one_finding_per_place(tmp_path):
    findings = lint(write_catalog(tmp_path / "cat", {**_places(), "package.json": PKG3}))
    not_loaded = _by_rule(findings, "structure/not-loaded")
    assert _named_pages(findings) == {p for p, (_, lines) in PLACES.items() if "3" not in lines}
    assert all(f.severity == "warning" and f.line == 1 for f in not_loaded)
    [services] = [f for f in not_loaded if "domains/*/systems/*/services/*/index.mdx" in f.message]
    assert services.file == "domains/Ordering/systems/oms/services/Billing/index.mdx"
    assert "2 pages" in services.message and "Invoices" in services.message and "EventCatalog 4.x loads them" in services.message
    assert "services/*/index.mdx" in services.message  # where 3.x loads services from
    [systems] = [f for f in not_loaded if "no systems collection" in f.message]
    assert "2 pages" in systems.message
    # the Billing service's `version: 1` is no build error: the build never reads the page
    assert not [f for f in findings if f.rule.startswith("schema/") and f.severity == "error"]


def test_pages_no_version_loads_are_reported_under_4_too(tmp_path):
    findings = lint(write_catalog(tmp_path / "cat", {**_places(), "package.json": PKG4}))
    assert _named_pages(findings) == {p for p, (_, lines) in PLACES.items() if not lines}
    assert all("No EventCatalog version loads them" in f.message for f in _by_rule(findings, "structure/not-loaded"))
    # 4.x loads the Billing service, and rejects its number version
    [error] = [f for f in findings if f.rule == "schema/valid-type"]
    assert error.file.endswith("Billing/index.mdx") and "3.x does not load the page" in error.message


def test_pages_in_places_every_version_loads_are_not_reported(tmp_path):
    loaded = {k: v for k, v in _places().items() if _lines_of(k) == "34"}
    for pkg in (PKG3, PKG4, None):
        files = {**loaded, "package.json": pkg} if pkg else loaded
        root = write_catalog(tmp_path / f"cat{len(str(pkg))}", files)
        assert not _by_rule(lint(root), "structure/not-loaded")


# -- schema/undeclared-version -----------------------------------------------------------------------

FOUR = {
    **BASE,
    DOMAIN: BASE[DOMAIN].replace("services:", "systems:\n  - id: oms\nservices:"),
    CONTAINER: BASE[CONTAINER].replace("container_type: database", "container_type: database\npurpose: Orders"),
    SERVICE: BASE[SERVICE].replace("  - id: place-order\n", "  - id: place-order\n    triggers:\n      - id: order-placed\n"),
    SYSTEM: PLACES[SYSTEM][0],
}


def test_4x_features_without_a_declared_version_are_one_finding(tmp_path):
    findings = lint(write_catalog(tmp_path / "cat", FOUR))
    [f] = _by_rule(findings, "schema/undeclared-version")
    assert (f.severity, f.file, f.line) == ("warning", None, None)  # the catalog: no package.json, no config
    for feature in ('domain "systems" (1 page: domains/Ordering/index.mdx)', 'container "purpose"',
                    'service "receives[].triggers"', "systems: 3.x has no systems collection (1 page: " + SYSTEM):
        assert feature in f.message, feature
    assert "EventCatalog 3.48.4 (latest release)" in f.message and '"@eventcatalog/core": "^4.0.0"' in f.message
    assert not _by_rule(findings, "schema/unknown-field") and not _by_rule(findings, "schema/unknown-nested-field")
    assert not _by_rule(findings, "structure/not-loaded")  # the system page is one of the features


def test_the_finding_is_where_a_version_would_be_declared(tmp_path):
    pkg = '{\n  "name": "acme-catalog",\n  "dependencies": {\n    "react": "^18.0.0"\n  }\n}\n'
    [f] = _by_rule(lint(write_catalog(tmp_path / "a", {**FOUR, "package.json": pkg})), "schema/undeclared-version")
    assert (f.file, f.line, f.column) == ("package.json", 3, 1)
    config = "export default { cId: 'x', title: 'X' };\n"
    [f] = _by_rule(lint(write_catalog(tmp_path / "b", {**FOUR, "eventcatalog.config.js": config})), "schema/undeclared-version")
    assert (f.file, f.line) == ("eventcatalog.config.js", 1)


def test_many_pages_are_the_first_few_and_a_count(tmp_path):
    files = dict(BASE)
    for i, rel in enumerate(DOMAINS):
        files[rel] = page(f"id: d{i}\nname: D{i}\nversion: 1.0.0\nsummary: S.\nowners: [ordering]\nsystems:\n  - id: s{i}\n")
    [f] = _by_rule(lint(write_catalog(tmp_path / "cat", files)), "schema/undeclared-version")
    assert f'domain "systems" (5 pages: {", ".join(DOMAINS[:3])} and 2 more)' in f.message
    assert re.search(r"uses 1 EventCatalog 4 feature\b", f.message)


def test_what_no_version_reads_and_what_the_build_rejects_stay_on_their_pages(tmp_path):
    files = {
        **FOUR,
        SERVICE: FOUR[SERVICE].replace("name: Orders", "name: Orders\nsumary: typo"),
        ADR: BASE[ADR].replace("  - type: service", "  - type: system"),
    }
    findings = lint(write_catalog(tmp_path / "cat", files))
    [typo] = _by_rule(findings, "schema/unknown-field")  # unknown in every version: the page's own
    assert typo.file == SERVICE and typo.severity == "warning" and 'Did you mean "summary"' in typo.message
    [adr] = [f for f in findings if f.file == ADR and f.rule.startswith("schema/")]  # the 3.x build fails on it
    assert adr.field == "appliesTo[0].type" and adr.severity == "error"
    [f] = _by_rule(findings, "schema/undeclared-version")
    assert 'Values the 3.x build rejects (errors on their pages): adr "appliesTo[].type: system" (1 page: ' + ADR in f.message


def test_a_declared_version_is_not_folded(tmp_path):
    four = lint(write_catalog(tmp_path / "four", {**FOUR, "package.json": PKG4}))
    assert not [f for f in four if f.rule.startswith(("schema/", "structure/"))]
    three = lint(write_catalog(tmp_path / "three", {**FOUR, "package.json": PKG3}))
    assert not _by_rule(three, "schema/undeclared-version")
    # the user chose 3.x: each key that build drops is a warning on its page, each folder it skips a finding
    assert sorted((f.file, f.field) for f in _by_rule(three, "schema/unknown-field")) == [
        (CONTAINER, "purpose"), (DOMAIN, "systems")]
    assert [(f.file, f.field) for f in _by_rule(three, "schema/unknown-nested-field")] == [(SERVICE, "receives[0].triggers")]
    assert [f.file for f in _by_rule(three, "structure/not-loaded")] == [SYSTEM]
    flag = check_json(write_catalog(tmp_path / "flag", FOUR), "--eventcatalog-version", "3.48.4")
    assert not [f for f in flag["findings"] if f["rule"] == "schema/undeclared-version"]
    assert len([f for f in flag["findings"] if f["rule"] == "schema/unknown-field"]) == 2


def test_a_catalog_without_4x_features_needs_no_version(tmp_path):
    assert not _by_rule(lint(write_catalog(tmp_path / "cat", BASE)), "schema/undeclared-version")


def test_the_saga_dense_benchmark_without_package_json_is_one_finding(tmp_path):
    out = tmp_path / "dense"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--shape", "saga-dense", "27", str(out)],
                   capture_output=True, check=True)
    (out / "package.json").unlink()
    data = check_json(out)
    assert [f["rule"] for f in data["findings"]] == ["schema/undeclared-version"]
    [f] = data["findings"]
    assert f["file"] is None and "services at domains/*/systems/*/services/*/index.mdx (27 pages: " in f["message"]


def test_the_rules_explain_themselves():
    for name in ("schema/undeclared-version", "structure/not-loaded"):
        out = run_cli("rule", name)
        assert out.returncode == 0 and "Fix:" in out.stdout and "Source of truth:" in out.stdout, out.stdout


def test_sarif_and_text_place_a_catalog_finding(tmp_path):
    root = write_catalog(tmp_path / "cat", FOUR)
    sarif = json.loads(run_cli("check", root, "--format", "sarif").stdout)
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "schema/undeclared-version"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "."
    text = run_cli("check", root).stdout
    assert "(catalog)" in text and "schema/undeclared-version" in text
    assert Path(root / "package.json").exists() is False


def test_one_more_page_of_the_same_feature_keeps_the_fingerprint(tmp_path):
    """The fold's message lists pages and counts; its fingerprint is the features only, so a
    baseline entry survives one more page of the same cause, and a new feature is a new finding."""
    files = dict(BASE)
    for i, rel in enumerate(DOMAINS[:2]):
        files[rel] = page(f"id: d{i}\nname: D{i}\nversion: 1.0.0\nsummary: S.\nowners: [ordering]\nsystems:\n  - id: s{i}\n")
    [before] = _by_rule(lint(write_catalog(tmp_path / "a", files)), "schema/undeclared-version")
    rel = DOMAINS[2]
    files[rel] = page("id: d2\nname: D2\nversion: 1.0.0\nsummary: S.\nowners: [ordering]\nsystems:\n  - id: s2\n")
    [after] = _by_rule(lint(write_catalog(tmp_path / "b", files)), "schema/undeclared-version")
    assert before.message != after.message and before.fingerprint == after.fingerprint
    [other] = _by_rule(lint(write_catalog(tmp_path / "c", {**files, **FOUR})), "schema/undeclared-version")
    assert other.fingerprint != after.fingerprint
