"""``saga-lint review`` on the shapes real histories have: a moved catalog folder, a renamed
message, a root commit, a schema added where ``schemaPath`` already pointed, a schema beside a
page that names none, a duplicate id, a changed OpenAPI file, two nested fields changed at once.
Each builds a small real git repository and asserts the exact findings and the Markdown's rows."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import cli_runner

from saga_lint.cli import main

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
    "properties": {
        "orderId": {"type": "string"},
        "lines": {"type": "array", "items": {
            "type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "integer"}}, "required": ["sku", "qty"]}},
    },
    "required": ["orderId", "lines"],
}
# the findings every base has (an event without owners, summary or schema; a team without summary)
BASE_FINDINGS = 5


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd), "GIT_TERMINAL_PROMPT": "0"}
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=str(cwd), capture_output=True, text=True, env=env, check=True,
    )
    return proc.stdout.strip()


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def page(rid: str, name: str, version: str = "1.0.0", extra: str = "") -> str:
    return (f"---\nid: {rid}\nname: {name}\nversion: {version}\nsummary: {name} summary.\nowners:\n  - team-a\n{extra}---\n\n"
            f"{name} page.\n")


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose working tree holds the base catalog (not committed yet)."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    c = "catalog/"
    write(root, c + "teams/team-a.mdx", "---\nid: team-a\nname: Team A\n---\n\nTeam.\n")
    write(root, c + "services/OrderService/index.mdx",
          page("order-service", "Order Service", extra="sends:\n  - id: order-created\n"))
    write(root, c + "services/ShippingService/index.mdx",
          page("shipping-service", "Shipping Service", extra="receives:\n  - id: order-created\n"))
    write(root, c + "events/order-created/index.mdx", page("order-created", "Order Created", extra="schemaPath: schema.json\n"))
    write(root, c + "events/order-created/schema.json", json.dumps(SCHEMA, indent=2))
    write(root, c + "events/legacy/index.mdx", "---\nid: legacy-thing\nname: Legacy\nversion: 1.0.0\n---\n\nNo owners.\n")
    return root


def review(path: Path, *args: str) -> tuple[int, str]:
    result = cli_runner().invoke(main, ["review", str(path), *args])
    return result.exit_code, result.stdout + result.stderr  # click 8.1 keeps stderr out of .output


def review_json(path: Path, *args: str) -> tuple[int, dict]:
    code, out = review(path, *args, "--format", "json")
    assert code in (0, 1), out
    return code, json.loads(out)


def found(doc: dict) -> list[tuple[str, str, str | None]]:
    """(rule, resource, file) of every finding the review reports."""
    def res(f: dict) -> str:
        r = f.get("resource") or {}
        return f"{r.get('type')} {r.get('id')}" if r else ""
    return sorted((f["rule"], res(f), f.get("file")) for f in doc["findings"])


def rows(markdown: str, section: str) -> list[str]:
    """The table rows of one section of the comment (``### <section> (...)`` up to the next heading)."""
    start = markdown.index(f"### {section}")
    rest = markdown[start + 4:]
    end = rest.find("\n### ")
    block = rest if end < 0 else rest[:end]
    heads = ("| ---", "| Location", "| Change", "| Message")
    return [line for line in block.splitlines() if line.startswith("| ") and not line.startswith(heads)]


def plain(text: str) -> str:
    s = re.sub(r"\\(.)", r"\1", text)
    return s.replace("&quot;", '"').replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_a_moved_catalog_folder_is_a_move(repo):
    base = commit(repo, "base")
    git(repo, "mv", "catalog", "eventcatalog")
    head = commit(repo, "move the catalog")
    code, doc = review_json(repo / "eventcatalog", "--base", base)
    assert code == 0
    assert doc["findings"] == [] and doc["changes"] == [] and doc["resolved_findings"] == []
    assert doc["moved_from"] == "catalog"
    assert doc["notes"] == ["The catalog folder was moved from catalog to eventcatalog: the base is read where it was"]
    assert doc["preexisting_findings"] == BASE_FINDINGS
    code, md = review(repo / "eventcatalog", "--base", base)
    assert code == 0
    assert "✅ **This change introduces no new problems.**" in md
    assert ("No catalog resource changed (the catalog folder was moved from catalog; every page kept its place in it)."
            in plain(md))
    # head named as a commit: read from it even where the working tree has no such folder
    git(repo, "checkout", "-q", base)
    assert not (repo / "eventcatalog").exists()
    code, doc = review_json(repo / "eventcatalog", "--base", base, "--head", head)
    assert (code, doc["findings"], doc["changes"], doc["moved_from"]) == (0, [], [], "catalog")
    code, out = review(repo / "eventcatalog", "--base", base)
    assert code == 2 and "not in the checked-out files; to review a revision that has it, name that revision with --head" in out


def test_a_page_moved_inside_the_catalog_is_unchanged(repo):
    write(repo, "catalog/commands/place-order/index.mdx", page("place-order", "Place Order", extra="schemaPath: schema.json\n"))
    base = commit(repo, "base")  # its schemaPath names a missing file: the finding names the folder
    git(repo, "mv", "catalog/events/legacy", "catalog/events/old-legacy")
    git(repo, "mv", "catalog/commands/place-order", "catalog/commands/order-placing")
    commit(repo, "move two pages")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert (code, doc["changes"], doc["findings"], doc["resolved_findings"]) == (0, [], [], [])


def test_a_renamed_message_is_a_rename_naming_what_still_points_at_it(repo):
    base = commit(repo, "base")
    git(repo, "mv", "catalog/events/order-created", "catalog/events/order-placed")
    index = repo / "catalog/events/order-placed/index.mdx"
    index.write_text(index.read_text("utf-8").replace("id: order-created", "id: order-placed"), "utf-8")
    commit(repo, "rename")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert code == 1
    kinds = sorted((c["kind"], c["id"], c["renamed_from"], c["renamed_to"]) for c in doc["changes"])
    assert kinds == [("added", "order-placed", "order-created", None), ("removed", "order-created", None, "order-placed")]
    assert found(doc) == [
        ("change/removed-in-use", "service order-service", "services/OrderService/index.mdx"),
        ("change/removed-in-use", "service shipping-service", "services/ShippingService/index.mdx"),
        ("refs/orphan-messages", "event order-placed", "events/order-placed/index.mdx"),
    ]
    in_use = [f for f in doc["findings"] if f["rule"] == "change/removed-in-use"]
    assert in_use[0]["message"] == ("service order-service still refers to event order-created (sends), which this change "
                                    "renamed to order-placed: point it at order-placed")
    assert [f["also"] for f in in_use] == [["refs/resource-exists"], ["refs/resource-exists"]]
    _code, md = review(repo / "catalog", "--base", base)
    assert plain("\n".join(rows(md, "Changed resources"))) == (
        "| 🔀 renamed | event order-created → order-placed | 1.0.0 | still pointing at order-created: "
        "service order-service, service shipping-service |")
    errors = [plain(r) for r in rows(md, "Findings this change introduces") if "removed-in-use" in r]
    assert len(errors) == 2 and all("`change/removed-in-use` + `refs/resource-exists`" in r for r in errors)


def test_a_root_commit_reviews_against_the_empty_tree(repo):
    root = commit(repo, "first commit")
    code, doc = review_json(repo / "catalog", "--base", f"{root}^", "--head", root)
    assert code == 1  # never 2
    assert doc["notes"] == [f"The base: {root} ({root[:12]}) is a root commit, it has no parent: reviewed against git's "
                            "empty tree, so everything in the catalog is new"]
    assert sorted((c["kind"], c["id"]) for c in doc["changes"]) == [
        ("added", "legacy-thing"), ("added", "order-created"), ("added", "order-service"), ("added", "shipping-service"),
        ("added", "team-a")]
    assert len(doc["findings"]) == BASE_FINDINGS
    empty = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    code, doc = review_json(repo / "catalog", "--base", empty, "--head", root)
    assert (code, doc["base"]["sha"], len(doc["findings"])) == (1, empty, BASE_FINDINGS)
    assert doc["notes"] == ["The base is git's empty tree: everything in the catalog is new"]


def test_refusals_say_the_real_cause(repo, tmp_path):
    base = commit(repo, "base")
    blob = git(repo, "rev-parse", f"{base}:catalog/teams/team-a.mdx")
    code, out = review(repo / "catalog", "--base", blob)
    assert code == 2 and f"revision '{blob}' is a blob, not a commit" in out
    clone = tmp_path / "shallow"
    write(repo, "catalog/teams/team-b.mdx", "---\nid: team-b\nname: Team B\n---\n\nTeam.\n")
    commit(repo, "second")
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    code, out = review(clone / "catalog", "--base", "HEAD~1")
    assert code == 2 and "this clone is shallow" in out and "fetch-depth: 0" in out


def test_adding_the_schema_that_schemaPath_named_asks_for_no_bump(repo):
    write(repo, "catalog/commands/place-order/index.mdx", page("place-order", "Place Order", extra="schemaPath: schema.json\n"))
    base = commit(repo, "base")
    write(repo, "catalog/commands/place-order/schema.json", json.dumps(SCHEMA))
    commit(repo, "add the schema")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert code == 0 and doc["findings"] == [] and doc["compatibility"] == []
    assert [(c["kind"], c["id"], c["what"]) for c in doc["changes"]] == [("changed", "place-order", ["schema-added"])]
    assert [f["rule"] for f in doc["resolved_findings"]] == ["refs/file-exists"]
    _code, md = review(repo / "catalog", "--base", base)
    assert plain("\n".join(rows(md, "Changed resources"))) == "| ✏️ changed | command place-order | 1.0.0 | schema added |"
    assert rows(md, "✅ Resolved by this change")[0].startswith("| [catalog/commands/place\\-order/index\\.mdx\\:8]")


def test_a_schema_beside_a_page_without_schemaPath_is_compared(repo):
    write(repo, "catalog/events/order-shipped/index.mdx", page("order-shipped", "Order Shipped"))
    write(repo, "catalog/events/order-shipped/schema.json", json.dumps(SCHEMA, indent=2))
    base = commit(repo, "base")
    doc_ = json.loads(json.dumps(SCHEMA))
    doc_["required"].remove("orderId")
    del doc_["properties"]["orderId"]
    write(repo, "catalog/events/order-shipped/schema.json", json.dumps(doc_, indent=2))
    commit(repo, "drop orderId")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert code == 1
    assert found(doc) == [("change/breaking-schema", "event order-shipped", "events/order-shipped/index.mdx"),
                          ("change/version-bump", "event order-shipped", "events/order-shipped/index.mdx")]
    note = ("(compared with schema.json beside the page, which has no schemaPath: add `schemaPath: schema.json` so that "
            "EventCatalog shows it)")
    breaking = next(f for f in doc["findings"] if f["rule"] == "change/breaking-schema")
    assert breaking["message"] == ('event order-shipped: required field "orderId" was removed; breaks consumers that read '
                                   f"it (mode BACKWARD) {note}")
    change = doc["changes"][0]
    assert (change["what"], change["schemas_beside"]) == (["schema"], ["schema.json"])
    _code, md = review(repo / "catalog", "--base", base)
    assert plain("\n".join(rows(md, "Changed resources"))) == (
        "| ✏️ changed | event order-shipped | 1.0.0 | schema; schema beside the page, no schemaPath: schema.json; "
        "**breaking** under BACKWARD |")


def test_a_duplicate_id_is_a_duplicate_not_a_change(repo):
    base = commit(repo, "base")
    write(repo, "catalog/events/order-created-copy/index.mdx",
          page("order-created", "Order Created Copy", extra="schemaPath: schema.json\n"))
    write(repo, "catalog/events/order-created-copy/schema.json", json.dumps({"type": "object", "required": ["x"]}))
    commit(repo, "a second page with the same id and version")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert code == 1 and doc["compatibility"] == []
    assert [(c["kind"], c["id"], c["what"], c["duplicates"]) for c in doc["changes"]] == [
        ("changed", "order-created", [], ["events/order-created-copy/index.mdx"])]
    assert found(doc) == [("structure/duplicate-resource-ids", "event order-created", "events/order-created/index.mdx")]
    _code, md = review(repo / "catalog", "--base", base)
    assert plain("\n".join(rows(md, "Changed resources"))) == (
        "| ✏️ changed | event order-created | 1.0.0 | **duplicate** id and version in events/order-created-copy/index.mdx "
        "(not compared) |")


def test_a_changed_openapi_file_is_reported_not_compared(repo):
    write(repo, "catalog/services/OrderService/openapi.yml", "openapi: 3.0.0\npaths:\n  /api/orders: {get: {}}\n")
    index = repo / "catalog/services/OrderService/index.mdx"
    index.write_text(index.read_text("utf-8").replace("sends:", "specifications:\n  openapiPath: openapi.yml\nsends:"), "utf-8")
    write(repo, "catalog/services/ShippingService/asyncapi.yml", "asyncapi: 2.6.0\nchannels:\n  orders.created: {}\n")
    shipping = repo / "catalog/services/ShippingService/index.mdx"
    shipping.write_text(shipping.read_text("utf-8").replace(
        "receives:", "specifications:\n  - type: asyncapi\n    path: asyncapi.yml\nreceives:"), "utf-8")
    base = commit(repo, "base")
    write(repo, "catalog/services/OrderService/openapi.yml", "openapi: 3.0.0\npaths:\n  /orders: {get: {}}\n")
    write(repo, "catalog/services/ShippingService/asyncapi.yml", "asyncapi: 2.6.0\nchannels:\n  orders.v2.created: {}\n")
    commit(repo, "every path loses its prefix, a channel is renamed")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert code == 0 and doc["findings"] == []
    assert [(c["id"], c["what"], c["specifications_changed"], c["specifications_detail"]) for c in doc["changes"]] == [
        ("order-service", ["specification"], ["OpenAPI openapi.yml"],
         [{"spec": "OpenAPI openapi.yml", "removed": ["GET /api/orders"], "added": ["GET /orders"]}]),
        ("shipping-service", ["specification"], ["AsyncAPI asyncapi.yml"],
         [{"spec": "AsyncAPI asyncapi.yml", "removed": ["channel orders.created"], "added": ["channel orders.v2.created"]}])]
    _code, md = review(repo / "catalog", "--base", base)
    not_judged = ("not judged for compatibility: saga-lint compares JSON schemas only; review it by hand, or "
                  "with an OpenAPI/AsyncAPI diff tool such as oasdiff")
    assert plain(md).count(not_judged) == 2
    assert [plain(r) for r in rows(md, "Changed resources")] == [
        f"| ✏️ changed | service order-service | 1.0.0 | OpenAPI openapi.yml changed (**removed**: GET /api/orders; "
        f"added: GET /orders; {not_judged}) |",
        f"| ✏️ changed | service shipping-service | 1.0.0 | AsyncAPI asyncapi.yml changed (**removed**: channel "
        f"orders.created; added: channel orders.v2.created; {not_judged}) |"]


def test_two_nested_fields_keep_their_paths_and_long_sections_fold(repo):
    base = commit(repo, "base")
    doc_ = json.loads(json.dumps(SCHEMA))
    items = doc_["properties"]["lines"]["items"]
    items["required"] = []
    del items["properties"]["sku"], items["properties"]["qty"]
    items["properties"]["note"] = {"type": "string"}
    write(repo, "catalog/events/order-created/schema.json", json.dumps(doc_, indent=2))
    for i in range(11):  # enough changed resources to fold their table
        write(repo, f"catalog/events/e{i:02d}/index.mdx", page(f"event-{i:02d}", f"Event {i:02d}", extra="schemaPath: s.json\n"))
        write(repo, f"catalog/events/e{i:02d}/s.json", json.dumps({"type": "object"}))
    commit(repo, "two nested fields go")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert code == 1
    breaking = sorted(f["message"] for f in doc["findings"] if f["rule"] == "change/breaking-schema")
    assert breaking == [
        'event order-created: required field "lines[].qty" was removed; breaks consumers that read it (mode BACKWARD); '
        "it reaches receivers: service shipping-service; senders: service order-service",
        'event order-created: required field "lines[].sku" was removed; breaks consumers that read it (mode BACKWARD); '
        "it reaches receivers: service shipping-service; senders: service order-service",
    ]
    _code, md = review(repo / "catalog", "--base", base)
    errors = [plain(r) for r in rows(md, "Findings this change introduces")]
    assert len(errors) == len(set(errors))  # no row twice
    assert sum('"lines[].qty"' in r for r in errors) == 1 and sum('"lines[].sku"' in r for r in errors) == 1
    compat = [plain(r) for r in rows(md, "Schema compatibility")]
    assert compat == ["| event order-created | BACKWARD | ❌ breaking | **2 breaking differences: see `change/breaking-schema` "
                      'below**<br>new optional property "lines[].note" |']
    assert "### Changed resources (12)\n\n<details><summary>Changed resources (12): show all 12</summary>" in md
    assert "#### 🟠 Warnings (11)\n\n<details><summary>🟠 Warnings (11): show all 11</summary>" in md  # 11 new orphans
    assert md.count("<details>") == md.count("</details>") == 2
    assert len(rows(md, "Changed resources")) == 12


def test_versioning_advice_follows_the_version_scheme():
    from saga_lint.rules.change.versions import breaking_step, breaking_target

    assert breaking_step("1.4.2") == (1,) and breaking_step("0.3.1") == (0, 3) and breaking_step("next") is None
    assert breaking_target("2.1.0") == "a new major version (3.0.0)"
    assert breaking_target("0.0.3").startswith("a new minor version (0.1.0: below 1.0.0")
    assert breaking_target("v1") == "a new major version (2.0.0)"


@pytest.mark.parametrize(("pointer", "rule"), [("", "refs/resource-exists"),
                                               ("\n    version: 1.0.0", "refs/valid-version-range")])
def test_a_renamed_service_names_its_new_id_where_it_is_still_used(repo, pointer, rule):
    """With a version in the pointer, the official linter's rule name (refs/valid-version-range) is
    told the new id as refs/resource-exists is."""
    write(repo, "catalog/domains/Ordering/index.mdx",
          page("ordering", "Ordering", extra=f"services:\n  - id: order-service{pointer}\n"))
    base = commit(repo, "base")
    git(repo, "mv", "catalog/services/OrderService", "catalog/services/OrderingService")
    index = repo / "catalog/services/OrderingService/index.mdx"
    index.write_text(index.read_text("utf-8").replace("id: order-service", "id: ordering-service"), "utf-8")
    commit(repo, "rename the service")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert code == 1
    assert found(doc) == [(rule, "domain ordering", "domains/Ordering/index.mdx")]
    assert doc["findings"][0]["message"] == ('services[0] refers to service "order-service", which is not in the catalog. '
                                             'This change renamed it to "ordering-service": point it at "ordering-service".')
    _code, md = review(repo / "catalog", "--base", base)
    assert plain("\n".join(rows(md, "Changed resources"))) == (
        "| 🔀 renamed | service order-service → ordering-service | 1.0.0 | still pointing at order-service: domain ordering |")


def test_the_whole_review_goes_to_the_summary_file_and_the_comment_says_so(repo, tmp_path):
    from saga_lint.review import run_review
    from saga_lint.review.render import render_markdown

    base = commit(repo, "base")
    for i in range(40):
        write(repo, f"catalog/events/e{i:02d}/index.mdx", "---\nid: e" + f"{i:02d}" + "\nname: E\nversion: 1.0.0\n---\n\nE.\n")
    commit(repo, "forty events without owners")
    summary = tmp_path / "summary.md"
    summary.write_text("earlier steps\n", "utf-8")
    code, md = review(repo / "catalog", "--base", base, "--summary-file", str(summary))
    assert code == 1
    written = summary.read_text("utf-8")
    assert written.startswith("earlier steps\n<!-- saga-lint:review -->") and written[len("earlier steps\n"):] == md
    short = render_markdown(run_review(repo / "catalog", base), max_chars=4000, rest_at="the job's step summary has all of them")
    assert len(short) < 4000
    assert re.search(r"… \d+ more findings are not shown here \(a pull-request comment holds at most 65,536 characters\); "
                     r"the job's step summary has all of them\.", short)
    assert short.count("<details>") == short.count("</details>")
    code, out = review(repo / "catalog", "--base", base, "--summary-file", str(tmp_path / "no" / "such" / "file.md"))
    assert code == 2 and "cannot write the summary file" in out


def test_a_rename_by_schema_only_when_one_added_message_has_that_schema(repo):
    write(repo, "catalog/events/order-paid/index.mdx", page("order-paid", "Order Paid", extra="schemaPath: paid.json\n"))
    write(repo, "catalog/events/order-paid/paid.json", json.dumps({"type": "object", "required": ["paidAt"]}))
    base = commit(repo, "base")
    shutil.rmtree(repo / "catalog/events/order-paid")
    for rid in ("payment-settled", "payment-booked"):  # two new pages, each a rewrite with the old schema
        write(repo, f"catalog/events/{rid}/index.mdx",
              f"---\nid: {rid}\nname: A New Page {rid}\nversion: 2.0.0\nschemaPath: s.json\n---\n\nRewritten entirely.\n")
        write(repo, f"catalog/events/{rid}/s.json", json.dumps({"type": "object", "required": ["paidAt"]}))
    commit(repo, "two candidates")
    _code, doc = review_json(repo / "catalog", "--base", base)
    assert [(c["kind"], c["id"], c["renamed_from"], c["renamed_to"]) for c in doc["changes"]] == [
        ("removed", "order-paid", None, None), ("added", "payment-booked", None, None), ("added", "payment-settled", None, None)]
    shutil.rmtree(repo / "catalog/events/payment-booked")
    commit(repo, "one candidate")
    _code, doc = review_json(repo / "catalog", "--base", base)
    assert sorted((c["kind"], c["id"], c["renamed_from"], c["renamed_to"]) for c in doc["changes"]) == [
        ("added", "payment-settled", "order-paid", None), ("removed", "order-paid", None, "payment-settled")]


def test_schema_required_names_the_schema_beside_the_page(repo):
    write(repo, "catalog/events/order-shipped/index.mdx", page("order-shipped", "Order Shipped"))
    write(repo, "catalog/events/order-shipped/schema.json", json.dumps(SCHEMA))
    result = cli_runner().invoke(main, ["check", str(repo / "catalog"), "--format", "json"])
    findings = json.loads(result.stdout)["findings"]
    messages = sorted(f["message"] for f in findings if f["rule"] == "best-practices/schema-required")
    assert messages == ['event "legacy-thing" has no schema; add a schema file and schemaPath: schema.json.',
                        'event "order-shipped" names no schema, but schema.json sits beside its page; '
                        "add schemaPath: schema.json."]


def test_a_breaking_change_below_1_0_0_takes_the_next_minor_version(repo):
    index = repo / "catalog/events/order-created/index.mdx"
    index.write_text(index.read_text("utf-8").replace("version: 1.0.0", "version: 0.2.0"), "utf-8")
    base = commit(repo, "base at 0.2.0")
    doc_ = json.loads(json.dumps(SCHEMA))
    doc_["required"].remove("orderId")
    del doc_["properties"]["orderId"]
    write(repo, "catalog/events/order-created/schema.json", json.dumps(doc_, indent=2))
    index.write_text(index.read_text("utf-8").replace("version: 0.2.0", "version: 0.2.1"), "utf-8")
    commit(repo, "breaking, patch bump")
    _code, doc = review_json(repo / "catalog", "--base", base)
    bump = [f["message"] for f in doc["findings"] if f["rule"] == "change/version-bump"]
    assert bump == ["event order-created: a breaking schema change goes from 0.2.0 to 0.2.1, the same minor version; "
                    "publish it as a new minor version (0.3.0: below 1.0.0 a breaking change takes the next minor version; "
                    "or 1.0.0 when the contract is stable)"]
    index.write_text(index.read_text("utf-8").replace("version: 0.2.1", "version: 0.3.0"), "utf-8")
    commit(repo, "breaking, minor bump")
    _code, doc = review_json(repo / "catalog", "--base", base)
    assert [f["rule"] for f in doc["findings"] if f["rule"].startswith("change/")] == ["change/breaking-schema"]


def test_a_folder_moved_in_the_working_tree_but_not_added_is_a_move(repo):
    base = commit(repo, "base")
    shutil.move(str(repo / "catalog"), str(repo / "eventcatalog"))  # not git mv: untracked at the new place
    code, doc = review_json(repo / "eventcatalog", "--base", base)
    assert (code, doc["findings"], doc["changes"], doc["moved_from"]) == (0, [], [], "catalog")


def test_a_moved_catalog_folder_with_one_real_change_reports_only_that_change(repo):
    base = commit(repo, "base")
    git(repo, "mv", "catalog", "eventcatalog")
    doc_ = json.loads(json.dumps(SCHEMA))
    doc_["properties"]["orderId"]["type"] = "integer"
    write(repo, "eventcatalog/events/order-created/schema.json", json.dumps(doc_, indent=2))
    commit(repo, "move and retype orderId")
    code, doc = review_json(repo / "eventcatalog", "--base", base)
    assert (code, doc["moved_from"]) == (1, "catalog")
    assert [(c["kind"], c["id"], c["what"]) for c in doc["changes"]] == [("changed", "order-created", ["schema"])]
    assert found(doc) == [("change/breaking-schema", "event order-created", "events/order-created/index.mdx"),
                          ("change/version-bump", "event order-created", "events/order-created/index.mdx")]
    assert doc["preexisting_findings"] == BASE_FINDINGS


def test_a_catalog_moved_up_to_the_repository_top_is_a_move(repo):
    write(repo, "README.md", "The repository.\n")
    base = commit(repo, "base")
    for name in os.listdir(repo / "catalog"):
        git(repo, "mv", f"catalog/{name}", name)
    commit(repo, "the catalog is the repository")
    code, doc = review_json(repo, "--base", base)
    assert (code, doc["findings"], doc["changes"], doc["moved_from"]) == (0, [], [], "catalog")


# -- findings already there, whatever moved, was renamed or shifted (found reviewing real histories) --


def test_a_duplicate_id_whose_twin_moved_is_not_new(repo):
    """Two pages with one id (structure/duplicate-resource-ids, whose message names the other
    page's folder); one of them moves: the finding names the moved folder and is not new, nor resolved."""
    write(repo, "catalog/domains/Shop/services/A/events/placed/index.mdx", page("order-placed", "Order Placed"))
    write(repo, "catalog/domains/Shop/services/B/events/placed/index.mdx", page("order-placed", "Order Placed"))
    base = commit(repo, "base")
    git(repo, "mv", "catalog/domains/Shop/services/B", "catalog/domains/Shop/services/C")
    commit(repo, "move B to C")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert code == 0, doc["findings"]
    assert [f["rule"] for f in doc["findings"]] == [] and doc["resolved_findings"] == []


def test_a_renamed_id_keeps_its_old_findings_old(repo):
    """A page whose id is renamed (the review pairs them: "renamed") keeps the findings it had
    (here legacy-thing's missing owners and summary), said of the new id: none is new or resolved."""
    base = commit(repo, "base")
    path = repo / "catalog/events/legacy/index.mdx"
    path.write_text(path.read_text("utf-8").replace("id: legacy-thing", "id: legacy-event"), "utf-8")
    commit(repo, "rename legacy-thing")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert [c.get("renamed_to") for c in doc["changes"] if c["id"] == "legacy-thing"] == ["legacy-event"]
    assert [f["rule"] for f in doc["findings"] if f["rule"] != "change/removed-in-use"] == []
    assert doc["resolved_findings"] == []


def test_entries_added_before_a_reference_do_not_make_its_finding_new(repo):
    """shipping-service receives an event that is not in the catalog (refs/resource-exists at
    receives[1]); two entries added before it move it to receives[3]: the finding is the same
    one, not new and resolved. A second missing event is new."""
    svc = repo / "catalog/services/ShippingService/index.mdx"
    svc.write_text(svc.read_text("utf-8").replace("receives:\n  - id: order-created\n",
                                                  "receives:\n  - id: order-created\n  - id: ghost-event\n"), "utf-8")
    base = commit(repo, "base")
    svc.write_text(svc.read_text("utf-8").replace("receives:\n  - id: order-created\n",
                                                  "receives:\n  - id: order-created\n  - id: order-created\n"
                                                  "  - id: order-created\n"), "utf-8")
    commit(repo, "two more entries first")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert [f["rule"] for f in doc["findings"] if f["rule"] == "refs/resource-exists"] == []
    assert [f["rule"] for f in doc["resolved_findings"]] == []
    svc.write_text(svc.read_text("utf-8").replace("  - id: ghost-event\n", "  - id: ghost-event\n  - id: phantom\n"), "utf-8")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert [(f["rule"], f["field"]) for f in doc["findings"] if f["rule"] == "refs/resource-exists"] == [
        ("refs/resource-exists", "receives[4]")]


def test_a_breaking_change_published_as_a_new_major_version_is_a_warning(repo):
    """order-created loses its required orderId: under the same version an error (and the
    version-bump error); published as 2.0.0 with 1.0.0 kept under versioned/, the change the
    rule's fix asks for, a warning naming the consumers to move (exit 0), and the page's own old
    findings stay old."""
    base = commit(repo, "base")
    schema = {**SCHEMA, "properties": {"lines": SCHEMA["properties"]["lines"]}, "required": ["lines"]}
    ev = repo / "catalog/events/order-created"
    (ev / "schema.json").write_text(json.dumps(schema, indent=2), "utf-8")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert code == 1
    assert sorted((f["rule"], f["severity"]) for f in doc["findings"]) == [
        ("change/breaking-schema", "error"), ("change/version-bump", "error")]
    git(repo, "stash", "-q")
    old = ev / "versioned" / "1.0.0"
    old.mkdir(parents=True)
    for name in ("index.mdx", "schema.json"):
        shutil.copy(ev / name, old / name)
    (ev / "schema.json").write_text(json.dumps(schema, indent=2), "utf-8")
    (ev / "index.mdx").write_text((ev / "index.mdx").read_text("utf-8").replace("version: 1.0.0", "version: 2.0.0"), "utf-8")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert code == 0, doc["findings"]
    assert [(f["rule"], f["severity"]) for f in doc["findings"]] == [("change/breaking-schema", "warning")]
    assert "published as 2.0.0, the new version a breaking change needs" in doc["findings"][0]["message"]


def test_a_flow_that_stops_being_a_saga_is_said(tmp_path):
    """A plain flow reviewed as a saga at the base (participants of two owners, a failure drawn, a
    command handled) stops being one when the payment service moves to the order team: nothing
    is undone across teams any more. change/saga-dropped says so at the flow, with why (its saga
    findings would otherwise just show as resolved). A flow that declares x-saga says nothing."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    c = "catalog/"
    write(root, c + "teams/a.mdx", "---\nid: a\nname: A\n---\n\nTeam A.\n")
    write(root, c + "teams/b.mdx", "---\nid: b\nname: B\n---\n\nTeam B.\n")
    write(root, c + "services/Orders/index.mdx", page("orders-service", "Orders", extra="sends:\n  - id: charge-card\n")
          .replace("  - team-a\n", "  - a\n"))
    write(root, c + "services/Payments/index.mdx", page("payments-service", "Payments", extra="receives:\n  - id: charge-card\n")
          .replace("  - team-a\n", "  - b\n"))
    write(root, c + "commands/charge-card/index.mdx", page("charge-card", "Charge Card").replace("  - team-a\n", "  - b\n"))
    write(root, c + "flows/Checkout/index.mdx", (
        "---\nid: checkout\nname: Checkout\nversion: 1.0.0\nsummary: Checkout.\nsteps:\n"
        "  - id: orders\n    title: Orders\n    service: {id: orders-service}\n    next_step: charge\n"
        "  - id: charge\n    title: Charge\n    message: {id: charge-card}\n    next_step: payments\n"
        "  - id: payments\n    title: Payments\n    service: {id: payments-service}\n    next_steps:\n"
        "      - {id: done, label: Charged}\n      - {id: failed, label: Declined}\n"
        "  - id: done\n    title: Done\n  - id: failed\n    title: Failed\n---\n\nCheckout.\n"))
    base = commit(root, "base")
    code, doc = review_json(root / "catalog", "--base", base)
    assert [f["rule"] for f in doc["findings"] if f["rule"] == "change/saga-dropped"] == []
    svc = root / "catalog/services/Payments/index.mdx"
    svc.write_text(svc.read_text("utf-8").replace("owners:\n  - b\n", "owners:\n  - a\n"), "utf-8")
    code, doc = review_json(root / "catalog", "--base", base)
    found = [f for f in doc["findings"] if f["rule"] == "change/saga-dropped"]
    assert [(f["file"], f["severity"]) for f in found] == [("flows/Checkout/index.mdx", "warning")]
    assert found[0]["message"].startswith("flow checkout was reviewed as a saga at the base (it spans participants of "
                                          "different owners")
    assert "and is not at head: it draws a failure" in found[0]["message"], found[0]["message"]
    # the same change on a flow that declares its saga: still a saga, nothing to say
    flow = root / "catalog/flows/Checkout/index.mdx"
    svc.write_text(svc.read_text("utf-8").replace("owners:\n  - a\n", "owners:\n  - b\n"), "utf-8")
    declared = flow.read_text("utf-8").replace("summary: Checkout.\n", "summary: Checkout.\nx-saga:\n  steps: {}\n")
    flow.write_text(declared, "utf-8")
    base = commit(root, "declared")
    svc.write_text(svc.read_text("utf-8").replace("owners:\n  - b\n", "owners:\n  - a\n"), "utf-8")
    code, doc = review_json(root / "catalog", "--base", base)
    assert [f["rule"] for f in doc["findings"] if f["rule"] == "change/saga-dropped"] == []


def test_a_renamed_id_keeps_the_findings_that_name_its_folder_old(repo):
    """The id changes, the folder stays: a finding whose message names the folder
    (events/order-created/) is the same finding, and the folder is not renamed in it."""
    path = repo / "catalog/events/order-created/index.mdx"
    path.write_text(path.read_text("utf-8").replace("schemaPath: schema.json", "schemaPath: nothing.json"), "utf-8")
    base = commit(repo, "base")
    for rel in ("events/order-created/index.mdx", "services/OrderService/index.mdx", "services/ShippingService/index.mdx"):
        p = repo / "catalog" / rel
        p.write_text(p.read_text("utf-8").replace("order-created\n", "order-placed\n"), "utf-8")
    commit(repo, "rename order-created")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert [f["rule"] for f in doc["findings"] if f["rule"] == "refs/file-exists"] == []
    assert [f["message"] for f in doc["resolved_findings"]] == []


def test_a_second_entry_with_the_same_problem_is_new(repo):
    """One base finding stands for one head finding: an entry added with the same problem as an
    existing one (a version written as a number) is new, the old one is not."""
    svc = repo / "catalog/services/OrderService/index.mdx"
    svc.write_text(svc.read_text("utf-8").replace("sends:\n  - id: order-created\n",
                                                  "sends:\n  - id: order-created\n    version: 7\n"), "utf-8")
    base = commit(repo, "base")
    svc.write_text(svc.read_text("utf-8").replace("    version: 7\n", "    version: 7\n  - id: legacy-thing\n    version: 7\n"),
                   "utf-8")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert [(f["rule"], f["field"]) for f in doc["findings"] if f["rule"] == "schema/valid-type"] == [
        ("schema/valid-type", "sends[1].version")]


def test_a_broken_configuration_at_the_head_revision_is_named_in_the_repository(repo):
    """With --head, a saga-lint.yaml that does not parse at that revision stops the review (exit 2)
    and is named where it is in the repository, not in the review's temporary copy."""
    base = commit(repo, "base")
    write(repo, "catalog/saga-lint.yaml", "rules: [\n")
    head = commit(repo, "broken config")
    code, out = review(repo / "catalog", "--base", base, "--head", head)
    assert code == 2
    assert "saga-lint.yaml" in out and "(at the head revision)" in out and "saga-lint-review-" not in out


def test_a_schema_the_page_shows_with_schemaviewer_is_part_of_its_change(repo):
    """A page publishes a second schema file in its body (<SchemaViewer file="v2.json"/>) beside its
    schemaPath: a change to that file changes the resource (its schema), where the review said that
    no catalog resource changed; the contract named by schemaPath is the same, so no bump is asked."""
    ev = repo / "catalog/events/order-created"
    (ev / "index.mdx").write_text((ev / "index.mdx").read_text("utf-8") + '\n<SchemaViewer file="v2.json" />\n', "utf-8")
    (ev / "v2.json").write_text('{"type": "object", "properties": {"orderId": {"type": "string"}}}\n', "utf-8")
    base = commit(repo, "base")
    (ev / "v2.json").write_text('{"type": "object", "properties": {"orderId": {"type": "integer"}}}\n', "utf-8")
    commit(repo, "edit the schema the page shows")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert [(c["id"], "schema" in c["what"]) for c in doc["changes"]] == [("order-created", True)]
    assert [f["rule"] for f in doc["findings"] if f["rule"].startswith("change/")] == []
    # and no verdict drawn from the primary schema, which did not change: before, "compatible under
    # BACKWARD" with no difference (governance-action-sandbox c89a870: schema.avro the same,
    # schema.json the page shows made a closed object drop a required field)
    assert doc["compatibility"] == []
    _code, md = review(repo / "catalog", "--base", base)
    assert ("| ✏️ changed | event order-created | 1.0.0 | schema; only a file the page also shows changed, its primary "
            "schema is the same: not compared |") in plain(md)


def test_a_catalog_the_checked_out_branch_moved_away_is_read_from_the_revisions(repo):
    """With --head, PATH is read from the revisions named: a working tree whose branch moved the
    catalog elsewhere (PATH now holds only other folders) is no reason to refuse; a PATH that is no
    catalog at either revision is still refused, saying so."""
    base = commit(repo, "base")
    write(repo, "catalog/events/order-shipped/index.mdx", page("order-shipped", "Order Shipped"))
    head = commit(repo, "add an event")
    git(repo, "mv", "catalog", "site")
    write(repo, "catalog/README.md", "The catalog moved to site/.\n")
    commit(repo, "move the catalog, leave a note behind")
    code, doc = review_json(repo / "catalog", "--base", base, "--head", head)
    assert code == 0 and [(c["kind"], c["id"]) for c in doc["changes"]] == [("added", "order-shipped")]
    # a catalog in the checked-out files that neither revision has yet: an empty review, as before
    code, doc = review_json(repo / "site", "--base", base, "--head", head)
    assert code == 0 and doc["changes"] == []
    git(repo, "mv", "site/teams", "site/crew")
    code, out = review(repo / "site" / "crew", "--base", base, "--head", head)
    assert code == 2 and "is not an EventCatalog catalog at" in out


@pytest.mark.parametrize("config", [True, False], ids=["config-file", "no-config-file"])
def test_a_v1_catalog_with_one_more_page_keeps_its_layout_finding_old(repo, config):
    """structure/v1-layout counts the pages without id in its message; one page more is not a new
    finding (and the old one is not resolved). Without a config file the finding is the catalog's,
    not a page's: a page the walk lists before the others (ZoneChanged) does not move it."""
    for rel in list((repo / "catalog").rglob("*.mdx")):
        rel.unlink()
    if config:
        write(repo, "catalog/eventcatalog.config.js", "module.exports = { users: [{ id: 'ann', name: 'Ann' }] };\n")
    else:
        (repo / "catalog" / "eventcatalog.config.js").unlink(missing_ok=True)
    write(repo, "catalog/events/OrderCreated/index.md", "---\nname: OrderCreated\nversion: 0.0.1\n---\n\nCreated.\n")
    write(repo, "catalog/events/OrderPaid/index.md", "---\nname: OrderPaid\nversion: 0.0.1\n---\n\nPaid.\n")
    base = commit(repo, "base")
    write(repo, "catalog/events/ZoneChanged/index.md", "---\nname: ZoneChanged\nversion: 0.0.1\n---\n\nMoved.\n")
    commit(repo, "one more v1 event")
    code, doc = review_json(repo / "catalog", "--base", base)
    assert [f["rule"] for f in doc["findings"] + doc["resolved_findings"] if f["rule"] == "structure/v1-layout"] == []
    from saga_lint.pipeline import run_check

    [layout] = [f for f in run_check(repo / "catalog").findings if f.rule == "structure/v1-layout"]  # it is there
    assert layout.file == ("eventcatalog.config.js" if config else None)


def test_a_schema_not_compared_says_which_side_and_why(repo):
    """A schema that cannot be compared says why, naming the side: its file does not parse at head
    (with the parser's line and words) or is missing there; version-bump then asks to fix it
    first. Before, both read 'a schema is not a readable JSON schema on one side'."""
    base = commit(repo, "base")
    schema = repo / "catalog/events/order-created/schema.json"
    schema.write_text(schema.read_text("utf-8").replace('"orderId": {', '// a comment\n    "orderId": {', 1), "utf-8")
    broken = commit(repo, "comment in the schema")
    _code, doc = review_json(repo / "catalog", "--base", base, "--head", broken)
    [mc] = doc["compatibility"]
    assert (mc["compared"], mc["not_compared_because"]) == (
        False, "schema.json does not parse at head (line 5: invalid JSON: Expecting property name enclosed in double quotes)")
    [bump] = [f["message"] for f in doc["findings"] if f["rule"] == "change/version-bump"]
    assert "so it cannot be compared: fix that first, then bump the version" in bump
    schema.write_text(json.dumps({**SCHEMA, "required": ["orderId"]}, indent=2), "utf-8")
    _code, doc = review_json(repo / "catalog", "--base", broken)
    assert doc["compatibility"][0]["not_compared_because"].startswith("schema.json does not parse at base (line 5")
    schema.unlink()
    commit(repo, "schema removed, still named")
    _code, md = review(repo / "catalog", "--base", base)
    assert "| event order-created | BACKWARD | not compared | schema.json is missing at head |" in plain(md)
    assert "schema not compared (schema.json is missing at head)" in plain(md)


def test_a_page_without_a_version_is_told_to_get_one_not_to_keep_none(repo):
    """A message page without a version (EventCatalog v1 pages, opg-event-store's) whose schema
    changed: version-bump says the page has no version; before, it read 'the version stays None
    ... keep None under versioned/None/'."""
    unversioned = page("order-created", "Order Created", extra="schemaPath: schema.json\n").replace("version: 1.0.0\n", "")
    write(repo, "catalog/events/order-created/index.mdx", unversioned)
    base = commit(repo, "base")
    schema = repo / "catalog/events/order-created/schema.json"
    doc = json.loads(schema.read_text("utf-8"))
    doc["required"].remove("lines")
    schema.write_text(json.dumps(doc), "utf-8")
    _code, out = review_json(repo / "catalog", "--base", base)
    [bump] = [f["message"] for f in out["findings"] if f["rule"] == "change/version-bump"]
    assert bump == ("event order-created: its schema changed and the page has no version, so consumers cannot tell the "
                    "old contract from the new; the change is breaking, so give it a new major version")


def test_a_did_you_mean_that_changes_does_not_make_a_broken_reference_new(repo):
    """A reference already broken at the base, whose "did you mean" named a page the change
    removes: the same finding, neither new nor resolved (dnd d63f7620: three such pairs)."""
    write(repo, "catalog/events/order-shipped/index.mdx", page("order-shipped", "Order Shipped"))
    write(repo, "catalog/services/ShippingService/index.mdx",
          page("shipping-service", "Shipping Service", extra="receives:\n  - id: order-created\n  - id: order-shiped\n"))
    base = commit(repo, "base")
    shutil.rmtree(repo / "catalog/events/order-shipped")
    _code, doc = review_json(repo / "catalog", "--base", base)
    assert [(c["kind"], c["id"]) for c in doc["changes"]] == [("removed", "order-shipped")]
    assert [f["rule"] for f in doc["findings"] + doc["resolved_findings"] if f["rule"] == "refs/resource-exists"] == []


def test_a_schema_path_edited_without_a_new_contract_is_no_schema_change(repo):
    """schemaPath re-pointed at the same content moved elsewhere, or edited while it still names
    a missing file (millsmess 7906ed1): no schema change, so no version bump; an edit that makes
    it name another content is one."""
    ev = repo / "catalog/events/order-created"
    base = commit(repo, "base")
    (ev / "v1").mkdir()
    (ev / "schema.json").rename(ev / "v1/schema.json")
    (ev / "index.mdx").write_text((ev / "index.mdx").read_text("utf-8").replace("schemaPath: schema.json",
                                                                                "schemaPath: v1/schema.json"), "utf-8")
    moved = commit(repo, "schema moved, page re-pointed")
    _code, doc = review_json(repo / "catalog", "--base", base)
    assert doc["changes"][0]["what"] == ["frontmatter"] and doc["compatibility"] == []
    (ev / "index.mdx").write_text((ev / "index.mdx").read_text("utf-8").replace("v1/schema.json", "gone.json"), "utf-8")
    missing = commit(repo, "now names a missing file")
    (ev / "index.mdx").write_text((ev / "index.mdx").read_text("utf-8").replace("gone.json", "gone-too.json"), "utf-8")
    _code, doc = review_json(repo / "catalog", "--base", missing)
    assert doc["changes"][0]["what"] == ["frontmatter"]
    assert [f["rule"] for f in doc["findings"] if f["rule"].startswith("change/")] == []
    _code, doc = review_json(repo / "catalog", "--base", moved)  # a file that was there is gone: a change
    assert "schema" in doc["changes"][0]["what"]


def test_an_eventcatalog_upgrade_does_not_make_old_findings_new(repo):
    """A finding that names the EventCatalog release package.json declares ('EventCatalog 2.62.1
    ignores it'): bumping the dependency changes the number, not the finding (millsmess c8c3df8:
    every unknown-field finding shown as new and resolved at once)."""
    write(repo, "catalog/package.json", '{"dependencies": {"@eventcatalog/core": "2.62.1"}}\n')
    ev = repo / "catalog/events/order-created/index.mdx"
    ev.write_text(ev.read_text("utf-8").replace("schemaPath:", "interface: rest\nschemaPath:", 1), "utf-8")
    base = commit(repo, "base")
    write(repo, "catalog/package.json", '{"dependencies": {"@eventcatalog/core": "2.64.3"}}\n')
    _code, doc = review_json(repo / "catalog", "--base", base)
    assert doc["findings"] == [] and doc["resolved_findings"] == []


def test_filling_an_empty_schema_file_is_a_schema_added(repo):
    """schemaPath names an empty schema.json (a placeholder) and the change fills it in
    (clt_crux_docu a124163 'fix: add schema'): nothing was published, so it is a schema added and
    no version bump is asked; before, 'its schema changed but the version stays 1.0.0'."""
    schema = repo / "catalog/events/order-created/schema.json"
    content = schema.read_text("utf-8")
    schema.write_text("", "utf-8")
    base = commit(repo, "placeholder schema")
    schema.write_text(content, "utf-8")
    _code, doc = review_json(repo / "catalog", "--base", base)
    assert doc["changes"][0]["what"] == ["schema-added"]
    assert [f["rule"] for f in doc["findings"] if f["rule"].startswith("change/")] == []


def test_files_moved_from_the_top_into_a_catalog_below_it_are_no_catalog_move(tmp_path):
    """The repository's top is one catalog and src/ another (opg-event-store, moving to a new
    site): a change that moves one event from the top into src/ adds it to src/'s catalog. Before,
    the review took src/ for the top's catalog moved there ('The catalog folder was moved from .
    to src') and reported every finding of src/ as new."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write(root, "eventcatalog.config.js", "module.exports = {};\n")
    write(root, "events/order-created/index.mdx", page("order-created", "Order Created"))
    write(root, "events/order-shipped/index.mdx", page("order-shipped", "Order Shipped"))
    write(root, "src/eventcatalog.config.js", "module.exports = {};\n")
    write(root, "src/events/legacy/index.mdx", "---\nid: legacy\nname: Legacy\nversion: 1.0.0\n---\n\nNo owners.\n")
    base = commit(root, "two catalogs")
    git(root, "mv", "events/order-shipped", "src/events/order-shipped")
    commit(root, "move one event into src")
    _code, doc = review_json(root / "src", "--base", base)
    assert (doc["notes"], doc["moved_from"]) == ([], None)
    assert [(c["kind"], c["id"]) for c in doc["changes"]] == [("added", "order-shipped")]
    assert not any(f["resource"] and f["resource"]["id"] == "legacy" for f in doc["findings"])
