"""The CI output formats (sarif, github, junit, markdown), each parsed back and compared with the
JSON output of the same run; fingerprints across unrelated edits; several outputs in one run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import SHARED, check_json, run_cli, write_catalog

SARIF_SCHEMA = SHARED / "schemas" / "sarif-schema-2.1.0.json"

HOSTILE_ID = "<script>alert(1)</script>|[x](javascript:alert(1))"

# One event with hostile catalog text: an id with markup, a link and a pipe; owners with an HTML
# tag, a newline followed by a workflow command, a percent sign, a comma and colons, and a control
# character. Findings: owner-exists (errors), schema-required and orphan-messages (warnings).
EVENT = r'''
---
id: "<script>alert(1)</script>|[x](javascript:alert(1))"
name: Order placed
version: 1.0.0
summary: An order was placed.
owners:
  - "<img src=x onerror=alert(1)>"
  - "line1\n::error file=x.md::injected"
  - "100% a,b:c *bold* _it_ `code` $x$ www.example.com"
  - "ctl\x01char"
---
The order.
'''

CORE_TEAM = "---\nid: core\nname: Core\nsummary: The core team.\n---\nWe build it.\n"

CLEAN_EVENT = """
---
id: OrderPlaced
name: Order placed
version: 1.0.0
summary: An order was placed.
---
The order.
"""


def hostile_catalog(root: Path) -> Path:
    other = CLEAN_EVENT.replace("OrderPlaced", "Other")
    return write_catalog(root, {"events/OrderPlaced/index.md": EVENT, "events/Other Event #2/index.md": other})


def cli_out(path, fmt, *extra) -> tuple[int, str]:
    proc = run_cli("check", path, "--format", fmt, *extra)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, proc.stdout


@pytest.fixture
def repo_catalog(tmp_path) -> Path:
    """The hostile catalog inside a sub-folder of a git repository."""
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True, capture_output=True)
    return hostile_catalog(repo / "docs" / "catalog")


# --- SARIF ---------------------------------------------------------------------------------


def _sarif_validator():
    if not SARIF_SCHEMA.is_file():
        pytest.skip(f"the OASIS SARIF schema is not at {SARIF_SCHEMA} (it lives in ../shared/schemas)")
    from jsonschema.validators import validator_for

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_sarif_validates_and_matches_json(repo_catalog):
    validator = _sarif_validator()
    from saga_lint.rules import all_rules

    _, out = cli_out(repo_catalog, "sarif")
    sarif = json.loads(out)
    errors = sorted(validator.iter_errors(sarif), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]

    run = sarif["runs"][0]
    rules = all_rules()
    described = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert set(rules) <= set(described)
    for name, r in rules.items():
        d = described[name]
        assert d["shortDescription"]["text"] == r.summary
        assert d["help"]["text"] == r.doc
        full = d["fullDescription"]["text"]
        assert len(full) <= 1024  # GitHub's limit
        assert full == r.doc if len(r.doc) <= 1024 else (full.endswith("…") and r.doc.startswith(full[:-1]))
        assert r.summary in d["help"]["markdown"]

    findings = check_json(repo_catalog)["findings"]
    assert len(findings) >= 5 and any(f["severity"] == "warning" for f in findings)
    assert len(run["results"]) == len(findings)
    level = {"error": "error", "warning": "warning", "info": "note"}
    for res, f in zip(run["results"], findings, strict=True):
        assert res["ruleId"] == f["rule"]
        assert run["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == f["rule"]
        assert res["level"] == level[f["severity"]]
        assert res["message"]["text"] == f["message"]
        assert list(res["partialFingerprints"].values()) == [f["fingerprint"]]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        uri = loc["artifactLocation"]["uri"]
        assert "://" not in uri and " " not in uri and "#" not in uri
        # relative to the repository root, not to the catalog folder
        assert unquote(uri) == "docs/catalog/" + f["file"]
        assert loc["region"]["startLine"] == f["line"]
        assert loc["region"]["startColumn"] == f["column"]
    assert any("%20%232" in r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"])


def test_sarif_rule_help_cap_and_markdown():
    from saga_lint.render.sarif_format import _cap, help_markdown

    long = "Sentence number one is here. " * 60
    capped = _cap(long)
    assert len(capped) <= 1024 and capped.endswith("…") and long.startswith(capped[:-1])
    assert _cap("short") == "short"
    doc = "Summary.\n\nWhat it checks: x.\nExample that fails:\n    id: a\n    steps: []\nFix: y."
    tokens = _md().parse(help_markdown(doc))
    fences = [t for t in tokens if t.type == "fence"]
    assert len(fences) == 1 and fences[0].content == "id: a\nsteps: []\n"
    assert sum(t.type == "strong_open" for t in tokens for t in (t.children or [])) == 3


def test_sarif_outside_git_is_relative_to_the_catalog(tmp_path):
    cat = hostile_catalog(tmp_path / "plain")
    from saga_lint.pipeline import run_check
    from saga_lint.render import render
    from saga_lint.repo import repo_prefix

    if repo_prefix(tmp_path) != "":
        pytest.skip("the temporary folder is itself inside a git repository")
    sarif = json.loads(render("sarif", run_check(cat)))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert "events/OrderPlaced/index.md" in uris


def test_sarif_clean_catalog_validates(tmp_path):
    validator = _sarif_validator()
    cat = write_catalog(tmp_path / "c", {"teams/core.md": CORE_TEAM})
    code, out = cli_out(cat, "sarif")
    sarif = json.loads(out)
    assert not list(validator.iter_errors(sarif))
    assert code == 0 and sarif["runs"][0]["results"] == []


# --- GitHub workflow commands ------------------------------------------------------------------

_COMMAND = re.compile(r"^::(?P<cmd>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<data>.*)$")


def _unescape(s: str) -> str:
    table = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: table[m.group(0)], s)


def parse_github(text: str) -> tuple[list[dict], list[str]]:
    """Parse workflow-command lines the way the runner does; returns (commands, other lines)."""
    commands, other = [], []
    for line in text.splitlines():
        m = _COMMAND.match(line)
        if not m:
            assert not line.startswith("::"), f"malformed command line: {line!r}"
            other.append(line)
            continue
        props = {}
        for part in (m.group("props") or "").split(","):
            if part:
                k, _, v = part.partition("=")
                props[k] = _unescape(v)
        commands.append({"command": m.group("cmd"), "props": props, "message": _unescape(m.group("data"))})
    return commands, other


def test_github_annotations_parse_back(repo_catalog):
    _, out = cli_out(repo_catalog, "github")
    findings = check_json(repo_catalog)["findings"]
    commands, other = parse_github(out)
    assert len(commands) == len(findings)
    assert len(other) == 1 and other[0].startswith("saga-lint:")  # the summary line, no injected commands
    kind = {"error": "error", "warning": "warning", "info": "notice"}
    for c, f in zip(commands, findings, strict=True):
        assert c["command"] == kind[f["severity"]]
        # control characters other than tab/CR/LF are dropped so that a log line stays one line
        assert c["message"] == re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", f["message"])
        assert c["props"]["file"] == "docs/catalog/" + f["file"]
        assert c["props"]["line"] == str(f["line"]) and c["props"]["col"] == str(f["column"])
        assert f["rule"] in c["props"]["title"]
    injected = [c for c in commands if "injected" in c["message"]]
    assert injected and "\n::error file=x.md::injected" in injected[0]["message"]
    assert "100% a,b:c" in "".join(c["message"] for c in commands)
    assert "%0A::error" in out  # the newline is escaped in the raw output


def test_github_escaping_of_properties():
    from saga_lint.render.github_format import escape_data, escape_property

    assert escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    assert _unescape(escape_property("x: 100%, y\n")) == "x: 100%, y\n"


# --- JUnit -----------------------------------------------------------------------------------


def test_junit_parses_and_counts_match(repo_catalog):
    _, out = cli_out(repo_catalog, "junit")
    findings = check_json(repo_catalog)["findings"]
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    failures = root.findall("./testsuite/testcase/failure")
    assert len(cases) == len(failures) == len(findings)
    assert int(root.get("tests")) == int(root.get("failures")) == len(findings)
    for suite in root.findall("testsuite"):
        assert int(suite.get("tests")) == len(suite.findall("testcase"))
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        family = suite.get("name").split(".", 1)[1]
        assert all(c.find("failure") is not None for c in suite.findall("testcase"))
        assert all(c.get("classname") == suite.get("name") for c in suite.findall("testcase"))
        assert family in {f["rule"].split("/")[0] for f in findings}
    got = sorted((c.find("failure").get("message"), c.find("failure").get("type"), c.get("line")) for c in cases)
    want = sorted((re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", f["message"]), f["severity"], str(f["line"])) for f in findings)
    assert got == want
    assert any("<script>" in (c.find("failure").text or "") for c in cases)  # escaped on the way out, intact on the way in


def test_junit_clean_catalog_has_one_passing_case(tmp_path):
    cat = write_catalog(tmp_path / "c", {"teams/core.md": CORE_TEAM})
    code, out = cli_out(cat, "junit")
    root = ET.fromstring(out)
    cases = root.findall(".//testcase")
    assert code == 0 and len(cases) == 1 and cases[0].find("failure") is None
    assert root.get("tests") == "1" and root.get("failures") == "0"


# --- Markdown --------------------------------------------------------------------------------


def _md():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table")


def _cell_text(inline) -> str:
    out = []
    for t in inline.children or []:
        if t.type in ("text", "text_special", "code_inline"):
            out.append(t.content)
        elif t.type in ("softbreak", "hardbreak"):
            out.append(" ")
        else:
            raise AssertionError(f"unexpected markup in a cell: {t.type} {t.markup!r}")
    return "".join(out)


def parse_markdown_tables(text: str) -> list[list[list[str]]]:
    """Every table as rows of cell texts (header row first)."""
    tokens = _md().parse(text)
    tables, rows, row = [], None, None
    for t in tokens:
        if t.type == "table_open":
            rows = []
        elif t.type == "tr_open":
            row = []
        elif t.type == "inline" and row is not None:
            row.append(_cell_text(t))
        elif t.type == "tr_close":
            rows.append(row)
            row = None
        elif t.type == "table_close":
            tables.append(rows)
    return tables


def test_markdown_parses_back_with_hostile_names(repo_catalog):
    _, out = cli_out(repo_catalog, "markdown")
    doc = check_json(repo_catalog)
    findings = doc["findings"]
    tables = parse_markdown_tables(out)
    summary, *finding_tables = tables
    assert summary[0] == ["Severity", "Count"]
    counts = {row[0].split()[-1]: int(row[1]) for row in summary[1:]}
    assert counts == {"Errors": doc["summary"]["errors"], "Warnings": doc["summary"]["warnings"], "Info": doc["summary"]["infos"]}
    rows = [r for t in finding_tables for r in t[1:]]
    assert all(t[0] == ["Location", "Rule", "Message"] for t in finding_tables)
    assert len(rows) == len(findings)
    assert all(len(r) == 3 for r in rows)  # no pipe in the catalog text split a row
    by_severity = sorted(findings, key=lambda f: ["error", "warning", "info"].index(f["severity"]))
    for r, f in zip(rows, by_severity, strict=True):
        assert r[0] == f"docs/catalog/{f['file']}:{f['line']}:{f['column']}"
        assert r[1] == f["rule"]
        expected = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", f["message"]).replace("\n", " ")
        assert r[2] == expected

    html = _md().render(out)
    assert "<script" not in html and "<img" not in html and "<a " not in html and "<em>" not in html
    assert "&lt;script&gt;" in html
    assert "javascript:" not in out  # the colon is escaped in the source, so no link can form


def test_markdown_escape_is_inert():
    from saga_lint.render.markdown_format import md_escape

    for hostile in ["<script>x</script>", "[x](javascript:alert(1))", "a | b", "![i](http://e/x.png)",
                    "<http://evil>", "*b* _i_ ~~s~~ `c`", "&amp; &#60;", "line\nbreak", "\\|"]:
        cell = f"| {md_escape(hostile)} |"
        tables = parse_markdown_tables(f"| h |\n| --- |\n{cell}\n")
        assert tables[0][1] == [hostile.replace("\n", " ")], hostile


def test_markdown_clean_and_truncated(tmp_path, repo_catalog):
    from saga_lint.pipeline import run_check
    from saga_lint.render import render

    cat = write_catalog(tmp_path / "c", {"teams/core.md": CORE_TEAM})
    out = render("markdown", run_check(cat))
    assert "No problems" in out and len(parse_markdown_tables(out)) == 1
    result = run_check(repo_catalog)
    out = render("markdown", result, max_rows=2)
    rows = [r for t in parse_markdown_tables(out)[1:] for r in t[1:]]
    assert len(rows) == 2 and f"and {len(result.findings) - 2} more" in out


# --- fingerprints ------------------------------------------------------------------------------


def test_fingerprints_survive_an_unrelated_line_above(tmp_path):
    cat = hostile_catalog(tmp_path / "c")
    before = check_json(cat)["findings"]
    sarif_before = json.loads(cli_out(cat, "sarif")[1])
    page = cat / "events/OrderPlaced/index.md"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("---\n", "---\n# an unrelated comment\n\n", 1), encoding="utf-8")
    after = check_json(cat)["findings"]
    sarif_after = json.loads(cli_out(cat, "sarif")[1])

    moved = [f for f in before if f["file"] == "events/OrderPlaced/index.md"]
    assert moved
    lines_before = {f["fingerprint"]: f["line"] for f in before}
    lines_after = {f["fingerprint"]: f["line"] for f in after}
    assert set(lines_before) == set(lines_after)
    assert all(lines_after[f["fingerprint"]] == f["line"] + 2 for f in moved)  # the lines did move

    def fps(s):
        return sorted(json.dumps(r["partialFingerprints"]) for r in s["runs"][0]["results"])

    assert fps(sarif_before) == fps(sarif_after)


# --- several outputs in one run, $GITHUB_STEP_SUMMARY ---------------------------------------------


def test_several_outputs_and_step_summary(tmp_path, repo_catalog):
    out = tmp_path / "out"
    out.mkdir()
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    proc = run_cli(
        "check", repo_catalog, "-f", "json", "-q",
        "-o", f"sarif={out / 'out.sarif'}", "-o", f"markdown={out / 'summary.md'}",
        "-o", f"junit={out / 'junit.xml'}", "-o", f"github={out / 'annotations.txt'}",
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert proc.returncode == 1, proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    sarif = json.loads((out / "out.sarif").read_text(encoding="utf-8"))
    assert len(sarif["runs"][0]["results"]) == len(findings)  # -q does not trim files
    md = (out / "summary.md").read_text(encoding="utf-8")
    assert sum(len(t) - 1 for t in parse_markdown_tables(md)[1:]) == len(findings)
    assert len(ET.parse(out / "junit.xml").getroot().findall(".//failure")) == len(findings)
    assert len(parse_github((out / "annotations.txt").read_text(encoding="utf-8"))[0]) == len(findings)
    step = summary.read_text(encoding="utf-8")
    assert step.startswith("earlier step\n")  # appended, as GitHub expects
    assert step[len("earlier step\n"):] == md


def test_no_step_summary_without_the_variable(tmp_path, repo_catalog):
    proc = run_cli("check", repo_catalog, "-f", "markdown", cwd=tmp_path)
    assert proc.returncode == 1 and not list(tmp_path.glob("*.md"))


def test_bad_output_spec_is_exit_2(tmp_path, repo_catalog):
    assert run_cli("check", repo_catalog, "-o", "nope").returncode == 2
    assert run_cli("check", repo_catalog, "-o", f"yaml={tmp_path / 'x'}").returncode == 2
    proc = run_cli("check", repo_catalog, "-o", f"sarif={tmp_path / 'missing' / 'x.sarif'}")
    assert proc.returncode == 2 and "cannot write" in proc.stderr


def test_undecodable_file_name_in_every_format(tmp_path):
    root = tmp_path / "c"
    folder = root / os.fsdecode(b"events/bad\xffname")
    try:
        folder.mkdir(parents=True)
    except (OSError, UnicodeEncodeError):
        pytest.skip("the file system does not take undecodable names")
    (folder / "index.md").write_text("---\nid: x\nversion: 1.0.0\n---\n", encoding="utf-8")
    sarif = json.loads(cli_out(root, "sarif")[1])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert "events/bad%FFname/index.md" in uris
    assert parse_github(cli_out(root, "github")[1])[0]
    assert ET.fromstring(cli_out(root, "junit")[1]).findall(".//failure")
    assert parse_markdown_tables(cli_out(root, "markdown")[1])


def test_sarif_of_the_real_corpus_and_our_catalog_validates(corpus):
    from conftest import OUR_CATALOG

    validator = _sarif_validator()
    for catalog in (corpus, OUR_CATALOG):
        _, out = cli_out(catalog, "sarif")
        sarif = json.loads(out)
        errors = list(validator.iter_errors(sarif))
        assert not errors, (catalog, [e.message for e in errors[:3]])
        findings = check_json(catalog)["findings"]
        assert len(sarif["runs"][0]["results"]) == len(findings)
    # our catalog is a sub-folder of the project's repository: URIs start with its folder name
    if (OUR_CATALOG.parent / ".git").exists() and sarif["runs"][0]["results"]:
        uri = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("catalog/")


def test_xml_cleaner_removes_exactly_what_xml_1_0_forbids():
    """``safe.xml_text`` (JUnit, SARIF) keeps every character of XML 1.0's Char production and
    removes every other one; checked over all of Unicode against the production itself."""
    from saga_lint.render.safe import xml_text

    def allowed(c: int) -> bool:
        return c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or 0x10000 <= c <= 0x10FFFF

    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    assert xml_text("".join(map(chr, points))) == "".join(chr(c) for c in points if allowed(c))
    # a lone surrogate cannot be written as UTF-8: it becomes U+FFFD, never itself
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in xml_text("a\ud800b\udfffc"))


GITLAB_SCHEMA = SHARED / "schemas" / "gitlab-codequality.schema.json"


@pytest.mark.parametrize("which", ["corpus", "broken-checkout", "hostile"])
def test_gitlab_code_quality_validates_and_matches_json(which, tmp_path):
    """``--format gitlab`` validates against GitLab's Code Quality format, has one issue per
    finding with the same rule, line and severity, unique fingerprints, and repository paths."""
    import jsonschema

    if not GITLAB_SCHEMA.is_file():
        pytest.skip(f"the GitLab Code Quality schema is not at {GITLAB_SCHEMA} (it lives in ../shared)")
    if which == "corpus":
        from conftest import CORPUS

        if not CORPUS.is_dir():
            pytest.skip(f"the real EventCatalog corpus is not at {CORPUS} (it lives in ../shared beside the project)")
        root = CORPUS
    elif which == "broken-checkout":
        root = Path(__file__).resolve().parent.parent / "catalog-examples" / "broken-checkout"
    else:
        root = write_catalog(tmp_path, {"events/OrderPlaced/index.mdx": EVENT})
    _, out = cli_out(root, "gitlab")
    issues = json.loads(out)
    jsonschema.Draft202012Validator(json.loads(GITLAB_SCHEMA.read_text("utf-8"))).validate(issues)
    findings = check_json(root)["findings"]
    assert len(issues) == len(findings) > 0
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    levels = {"error": "major", "warning": "minor", "info": "info"}
    for issue, f in zip(issues, findings, strict=True):
        assert issue["check_name"] == f["rule"] and issue["severity"] == levels[f["severity"]]
        assert issue["location"]["lines"]["begin"] == (f["line"] or 1)
        assert issue["location"]["path"].endswith(f["file"] or ".")
        assert issue["description"].endswith(f"({f['rule']})")
