"""The real EventCatalog example catalog, read in place from ../shared."""

from __future__ import annotations

from conftest import check_json

EXPECTED = {
    "events": 41, "commands": 19, "queries": 6, "services": 27, "domains": 7, "systems": 15,
    "flows": 5, "channels": 5, "entities": 29, "containers": 12, "adrs": 3, "teams": 8, "users": 1,
}


def test_corpus_resource_counts(corpus):
    doc = check_json(corpus)
    counts = doc["summary"]["resources"]
    for kind, n in EXPECTED.items():
        assert counts[kind] == n, (kind, counts[kind])


def test_corpus_no_false_reference_findings(corpus):
    """No refs/* finding names a resource that exists in the catalog (the official linter's
    false positives on services under systems/)."""
    from saga_lint.catalog import load_catalog

    cat = load_catalog(corpus)
    ids = {r.id for r in cat.resources}
    doc = check_json(corpus)
    for f in doc["findings"]:
        if f["rule"].startswith("refs/") and f["rule"] not in ("refs/orphan-messages",):
            named = [i for i in ids if f'"{i}"' in f["message"]]
            assert not named, f
    assert not [f for f in doc["findings"] if f["rule"].startswith(("parse/", "refs/resource", "refs/owner"))]
