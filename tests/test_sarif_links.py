"""SARIF's rule descriptors link to each rule's documentation and carry a human name.

``helpUri`` is the rule's section of docs/rules.md in the repository that pyproject.toml's
``[project.urls]`` names; the anchor is computed here from the page's headings as GitHub slugs
them, independently of saga_lint.doclinks, so a heading the generator renames breaks the test.
"""

from __future__ import annotations

import json
import re
import sys
from urllib.parse import urlsplit

from conftest import ROOT, run_cli, write_catalog

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

RULES_MD = ROOT / "docs" / "rules.md"


def github_slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading: lower case, punctuation but ``-`` and ``_`` dropped,
    spaces to ``-``."""
    text = heading.strip().lower()
    return "".join(c for c in text if c.isalnum() or c in "-_ ").replace(" ", "-")


def heading_anchors() -> dict[str, str]:
    """``{heading text: anchor}`` for every ``###`` heading of docs/rules.md."""
    headings = re.findall(r"^### (.+)$", RULES_MD.read_text("utf-8"), flags=re.M)
    return {h: github_slug(h) for h in headings}


def sarif_rules(tmp_path) -> list[dict]:
    team = "---\nid: core\nname: Core\nsummary: The core team.\n---\nWe build it.\n"
    cat = write_catalog(tmp_path / "c", {"teams/core.md": team})
    proc = run_cli("check", cat, "--format", "sarif")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["runs"][0]["tool"]["driver"]["rules"]


def test_every_rule_links_to_its_heading_in_docs_rules_md(tmp_path):
    from saga_lint.doclinks import RULES_PAGE
    from saga_lint.rules import all_rules

    anchors = heading_anchors()
    rules = sarif_rules(tmp_path)
    assert {r["id"] for r in rules} == set(all_rules())
    for r in rules:
        page, _, anchor = r["helpUri"].partition("#")
        assert page == RULES_PAGE
        assert anchor == anchors[r["id"]], r["id"]  # the page has a heading `### <rule id>` with that anchor
    assert rules[0]["helpUri"] == f"{RULES_PAGE}#{github_slug(rules[0]['id'])}"
    retry = next(r for r in rules if r["id"] == "saga/retry-policy")
    assert retry["helpUri"] == "https://github.com/saga-lint/saga-lint/blob/main/docs/rules.md#sagaretry-policy"
    # every anchor the SARIF names is unique on the page
    assert len(set(anchors.values())) == len(anchors)


def test_every_rule_has_a_unique_pascal_case_name(tmp_path):
    rules = sarif_rules(tmp_path)
    names = {r["id"]: r["name"] for r in rules}
    assert names["saga/retry-policy"] == "SagaRetryPolicy"
    assert names["best-practices/description-required"] == "BestPracticesDescriptionRequired"
    assert names["refs/resource-exists"] == "RefsResourceExists"
    assert all(re.fullmatch(r"[A-Z][A-Za-z0-9]*", n) for n in names.values()), names
    assert len(set(names.values())) == len(names)
    assert all(n != rid for rid, n in names.items())


def test_the_docs_url_is_the_one_pyproject_names():
    from saga_lint import doclinks

    urls = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["urls"]
    assert urls["Repository"] == doclinks.REPOSITORY
    assert urls["Documentation"] == doclinks.DOCS_URL
    assert urls["Documentation"] + "rules.md" == doclinks.RULES_PAGE
    parts = urlsplit(doclinks.RULES_PAGE)
    assert parts.scheme == "https" and parts.netloc and not parts.query and not parts.fragment
    assert (ROOT / "docs" / "rules.md").is_file()  # the page the links point at is in the repository


def test_the_generator_writes_the_same_anchors_as_the_links():
    """docs/rules.md's table links to ``#anchor`` of each heading: the same anchor SARIF names."""
    from saga_lint.doclinks import rule_anchor

    text = RULES_MD.read_text("utf-8")
    table = dict(re.findall(r"^\| \[`([^`]+)`\]\(#([^)]+)\)", text, flags=re.M))
    assert table and all(rule_anchor(name) == anchor for name, anchor in table.items())
    assert table == {h: a for h, a in heading_anchors().items() if h in table}
