"""``saga-lint review``: a real git repository, two commits, the change reviewed against the base."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import cli_runner

from saga_lint.changes.compat import compare_schemas, mode_for
from saga_lint.cli import main

HERE = Path(__file__).resolve().parent
OUR_CATALOG = HERE.parent / "catalog"
FLOW = "domains/Ordering/systems/checkout-system/flows/CheckoutSaga/index.mdx"
RESERVED = "domains/Fulfilment/systems/inventory-system/services/InventoryService/events/inventory-reserved"
ORDER_SERVICE = "domains/Ordering/systems/order-management-system/services/OrderService"
LEGACY = "domains/Ordering/systems/checkout-system/services/CheckoutAPI/events/legacy-ping/index.mdx"
ORCHESTRATOR_SRC = "services/checkout-orchestrator/src/checkout_saga.py"

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd, *args) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd), "GIT_TERMINAL_PROMPT": "0"}
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", *args],
        cwd=str(cwd), capture_output=True, text=True, env=env, check=True,
    )
    return proc.stdout.strip()


def make_change(repo: Path) -> None:
    """The change under review: a new saga step (no compensation, no status), an event schema that
    loses a required field without a version bump, the orchestrator's code untouched."""
    cat = repo / "catalog"
    flow = cat / FLOW
    text = flow.read_text("utf-8")
    text = text.replace("      - id: saga_complete\n        label: Order created",
                        "      - id: notify_customer\n        label: Order created", 1)
    text = text.replace(
        "  - id: saga_complete\n    title: Saga complete",
        "  - id: notify_customer\n    title: Notify Customer\n    message:\n      id: send-confirmation\n"
        "      version: 1.0.0\n    next_step:\n      id: saga_complete\n      label: Customer notified\n\n"
        "  - id: saga_complete\n    title: Saga complete", 1)
    anchor = "the checkout only moves forward\n      status: PROCESSING\n"
    assert anchor in text
    text = text.replace(anchor, anchor + (
        "    notify_customer:\n      type: retriable\n      success: order-created\n"
        "      retry: { maxAttempts: 5, initialInterval: 500ms, backoffCoefficient: 2.0, maxInterval: 4s, timeout: 3s }\n"), 1)
    flow.write_text(text, "utf-8")
    cmd = cat / ORDER_SERVICE / "commands" / "send-confirmation"
    cmd.mkdir(parents=True)
    (cmd / "index.mdx").write_text(
        "---\nid: send-confirmation\nname: Send Confirmation\nversion: 1.0.0\n"
        "summary: Tell the customer that the order is confirmed.\nowners:\n  - ordering-platform\n"
        "schemaPath: schema.json\n---\n\nSent once the order exists.\n", "utf-8")
    (cmd / "schema.json").write_text(json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
        "properties": {"orderId": {"type": "string"}}, "required": ["orderId"]}, indent=2), "utf-8")
    schema = cat / RESERVED / "schema.json"
    doc = json.loads(schema.read_text("utf-8"))
    del doc["properties"]["expiresAt"]
    doc["required"].remove("expiresAt")
    schema.write_text(json.dumps(doc, indent=2) + "\n", "utf-8")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A repository with the base commit (our catalog, the orchestrator's code and one finding
    that is already there) and the change as a second commit."""
    repo = tmp_path_factory.mktemp("review") / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copytree(OUR_CATALOG, repo / "catalog")
    src = repo / ORCHESTRATOR_SRC
    src.parent.mkdir(parents=True)
    src.write_text("def run_checkout(saga):\n    return saga\n", "utf-8")
    legacy = repo / "catalog" / LEGACY
    legacy.parent.mkdir(parents=True)
    legacy.write_text("---\nid: legacy-ping\nname: Legacy Ping\nversion: 1.0.0\n---\n\nNo summary, no owners.\n", "utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    make_change(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    head = git(repo, "rev-parse", "HEAD")
    return repo, base, head


@pytest.fixture
def repo(template, tmp_path):
    src, base, head = template
    dst = tmp_path / "repo"
    shutil.copytree(src, dst, symlinks=True)
    return dst, base, head


def run(*args, env=None):
    result = cli_runner().invoke(main, [str(a) for a in args], env=env)
    return result


def plain(markdown: str) -> str:
    """Markdown text without the escaping backslashes and entities, to look for names."""
    s = re.sub(r"\\(.)", r"\1", markdown)
    return s.replace("&quot;", '"').replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def snapshot(root: Path) -> dict:
    out = {}
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


def review_json(path: Path, base: str, *extra) -> dict:
    res = run("review", path / "catalog", "--base", base, "--format", "json", *extra)
    assert res.exit_code in (0, 1), res.output
    return json.loads(res.output)


def exact(doc: dict, rule: str | None = None) -> list[tuple]:
    """The change findings of a review as ``(rule, resource, severity, step)``, sorted; the
    resource as ``"type id@version"`` (None for a finding about a file, such as the config)."""
    out = []
    for f in doc["findings"]:
        if not f["rule"].startswith("change/") or (rule is not None and f["rule"] != rule):
            continue
        r = f["resource"]
        res = None if r is None else f"{r['type']} {r['id']}" + (f"@{r['version']}" if r["version"] else "")
        out.append((f["rule"], res, f["severity"], f["step"]))
    return sorted(out, key=lambda t: tuple("" if x is None else str(x) for x in t))


SAGA = "flow checkout-saga@1.0.0"
RESERVED_EVENT = "event inventory-reserved@1.0.0"


@pytest.fixture
def at_base(repo):
    """The repository with its working tree back at the base commit: a change case makes its own change."""
    path, base, _head = repo
    git(path, "reset", "-q", "--hard", base)
    return path, base


def _edit(path: Path, rel: str, old: str, new: str) -> None:
    page = path / "catalog" / rel
    text = page.read_text("utf-8")
    assert old in text, (rel, old)
    page.write_text(text.replace(old, new, 1), "utf-8")


def _schema(path: Path, edit) -> None:
    schema = path / "catalog" / RESERVED / "schema.json"
    doc = json.loads(schema.read_text("utf-8"))
    edit(doc)
    schema.write_text(json.dumps(doc, indent=2) + "\n", "utf-8")


def _drop_expires_at(doc: dict) -> None:
    del doc["properties"]["expiresAt"]
    doc["required"].remove("expiresAt")


def _add_optional_note(doc: dict) -> None:
    doc["properties"]["note"] = {"type": "string"}


def _bump_reserved(path: Path, base: str, new_version: str) -> None:
    """Publish inventory-reserved as ``new_version``, the base's 1.0.0 kept under versioned/."""
    folder = path / "catalog" / RESERVED
    old = folder / "versioned" / "1.0.0"
    old.mkdir(parents=True)
    (old / "index.mdx").write_text(git(path, "show", f"{base}:catalog/{RESERVED}/index.mdx") + "\n", "utf-8")
    (old / "schema.json").write_text(git(path, "show", f"{base}:catalog/{RESERVED}/schema.json") + "\n", "utf-8")
    _edit(path, f"{RESERVED}/index.mdx", "version: 1.0.0", f"version: {new_version}")


_COMPLETE_STEP = (
    "    notify_customer:\n      type: retriable\n      success: order-created\n"
    "      failures:\n        - { error: timeout, status: FAILED }\n"
    "      retry: { maxAttempts: 5, initialInterval: 500ms, backoffCoefficient: 2.0, maxInterval: 4s, timeout: 3s }\n"
    "      compensation: none\n      compensationNote: a sent notification cannot be taken back\n"
    "      status: PROCESSING\n"
)


def _complete_step(path: Path) -> None:
    """The change's new step (make_change), with its failure path, compensation and status declared."""
    make_change(path)
    flow = path / "catalog" / FLOW
    text = flow.read_text("utf-8")
    start = text.index("    notify_customer:\n      type: retriable")
    end = text.index("\n---\n", start) + 1
    flow.write_text(text[:start] + _COMPLETE_STEP + text[end:], "utf-8")


def _touch_orchestrator(path: Path) -> None:
    (path / ORCHESTRATOR_SRC).write_text("def run_checkout(saga):\n    notify(saga)\n", "utf-8")


def _remove(path: Path, rel: str) -> None:
    shutil.rmtree(path / "catalog" / rel)


DECLINED = "domains/Payments/systems/payment-system/services/PaymentService/events/payment-declined"


@dataclass
class ChangeCase:
    """A ``change/*`` rule's failing change (``bad``, with the exact findings it makes) and the
    same change done right (``good``, no finding of the rule)."""

    rule: str
    id: str
    bad: Callable[[Path, str], None]
    expected: list
    good: Callable[[Path, str], None]
    setup: Callable[[Path], None] | None = None  # a change to the base first, committed as the base


CHANGE_CASES = [
    ChangeCase(
        "change/breaking-schema", "required-field-removed",
        lambda p, b: _schema(p, _drop_expires_at),
        [("change/breaking-schema", RESERVED_EVENT, "error", None)],
        lambda p, b: _schema(p, _add_optional_note),
    ),
    ChangeCase(
        "change/version-bump", "schema-changed-same-version",
        lambda p, b: _schema(p, _add_optional_note),
        [("change/version-bump", RESERVED_EVENT, "error", None)],
        lambda p, b: (_schema(p, _add_optional_note), _bump_reserved(p, b, "1.1.0")),
    ),
    ChangeCase(
        "change/version-bump", "breaking-change-same-major",
        lambda p, b: (_schema(p, _drop_expires_at), _bump_reserved(p, b, "1.1.0")),
        [("change/version-bump", "event inventory-reserved@1.1.0", "error", None)],
        lambda p, b: (_schema(p, _drop_expires_at), _bump_reserved(p, b, "2.0.0")),
    ),
    ChangeCase(
        "change/removed-in-use", "message-removed-while-used",
        lambda p, b: _remove(p, DECLINED),
        [
            ("change/removed-in-use", SAGA, "error", "authorize_payment"),  # its x-saga failure event
            ("change/removed-in-use", "service checkout-orchestrator@1.0.0", "error", None),  # receives
            ("change/removed-in-use", "service payment-service@1.0.0", "error", None),  # sends
            ("change/removed-in-use", "service payment-service@1.0.0", "error", None),  # a step's triggers
        ],
        lambda p, b: _remove(p, LEGACY.rsplit("/", 1)[0]),  # nothing uses legacy-ping
    ),
    ChangeCase(
        "change/step-contracts", "step-added-without-compensation-and-status",
        lambda p, b: make_change(p),
        [("change/step-contracts", SAGA, "error", "notify_customer")],
        lambda p, b: _complete_step(p),
    ),
    ChangeCase(
        "change/orchestrator-untouched", "step-added-orchestrator-untouched",
        lambda p, b: make_change(p),
        [("change/orchestrator-untouched", SAGA, "error", None)],
        lambda p, b: (make_change(p), _touch_orchestrator(p)),
    ),
    ChangeCase(
        "change/saga-dropped", "owner-moved-the-saga-to-one-team",
        lambda p, b: _edit(p, SHIPPING_SVC, "  - fulfilment-platform\n", "  - payments-platform\n"),
        [("change/saga-dropped", "flow order-fulfilment@1.0.0", "warning", None)],
        lambda p, b: _edit(p, SHIPPING_SVC, "summary: ", "summary: Ships parcels. "),
        setup=lambda p: _plain_fulfilment(p),
    ),
    ChangeCase(
        "change/config-relaxed", "rule-switched-off",
        lambda p, b: (p / "catalog" / "saga-lint.yaml").write_text("rules:\n  best-practices/owner-required: off\n", "utf-8"),
        [("change/config-relaxed", None, "warning", None)],
        lambda p, b: (p / "catalog" / "saga-lint.yaml").write_text("rules:\n  refs/orphan-messages: error\n", "utf-8"),
    ),
]


SHIPPING_SVC = "domains/Fulfilment/systems/shipping-system/services/ShippingService/index.mdx"
FULFILMENT_FLOW = "domains/Fulfilment/systems/shipping-system/flows/OrderFulfilment/index.mdx"


def _plain_fulfilment(path: Path) -> None:
    """The fulfilment flow as a plain EventCatalog flow, a saga only from what it draws: no x-saga
    block, its Compensation node a "Refund" node (payment and shipping have different owners)."""
    page = path / "catalog" / FULFILMENT_FLOW
    _, front, body = page.read_text("utf-8").split("---\n", 2)
    front = front[:front.index("x-saga:")].replace("      type: Compensation\n", "      type: Refund\n")
    page.write_text(f"---\n{front}---\n{body}", "utf-8")


def _base_of(path: Path, base: str, case: ChangeCase) -> str:
    """The case's base: the repository's, or its setup committed on it."""
    if case.setup is None:
        return base
    case.setup(path)
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", f"setup {case.id}")
    return git(path, "rev-parse", "HEAD")


@pytest.mark.parametrize("case", CHANGE_CASES, ids=lambda c: f"{c.rule}:{c.id}")
def test_change_rule_fails(at_base, case):
    path, base = at_base
    base = _base_of(path, base, case)
    case.bad(path, base)
    assert exact(review_json(path, base), case.rule) == case.expected


@pytest.mark.parametrize("case", CHANGE_CASES, ids=lambda c: f"{c.rule}:{c.id}")
def test_change_rule_passes_when_done_right(at_base, case):
    path, base = at_base
    base = _base_of(path, base, case)
    case.good(path, base)
    assert exact(review_json(path, base), case.rule) == []


def test_review_reports_the_change_and_only_the_change(repo):
    path, base, _head = repo
    # the finding already present at the base is really there (so its absence below means something)
    check = run("check", path / "catalog", "--format", "json")
    assert any(f["file"] == LEGACY for f in json.loads(check.output)["findings"])

    res = run("review", path / "catalog", "--base", base)
    assert res.exit_code == 1, res.output
    md = res.output
    assert md.startswith("<!-- saga-lint:review -->\n")
    text = plain(md)
    # the new step, the event, the untouched orchestrator
    assert ("step notify_customer was added to saga checkout-saga without its failure path, compensation "
            "and customer-visible status") in text
    assert "event inventory-reserved: required field \"expiresAt\" was removed" in text
    assert "change/version-bump" in text and "the version stays 1.0.0" in text
    assert "change/orchestrator-untouched" in text
    assert "no file matching services/checkout-orchestrator/src/**" in text
    # the verdict, the changed resources, the checklist
    assert "❌ **This change introduces" in md
    assert "| ➕ added | command send-confirmation | 1.0.0 |" in text
    assert "| ✏️ changed | event inventory-reserved | 1.0.0 | schema; **breaking** under BACKWARD |" in text
    assert "steps added: notify_customer" in text
    assert "- [ ] **Orchestrator implementation**" in md
    assert "- [x] **Flow definition and its x\\-saga block**" in md
    assert "- [ ] **Failure and compensation behaviour**: missing for step notify\\_customer" in md
    assert "- [ ] **Customer\\-facing status semantics**: missing for step notify\\_customer" in md
    # file:line links
    assert re.search(rf"\[catalog/{re.escape(FLOW)}:\d+\]\(catalog/{re.escape(FLOW)}#L\d+\)", text)
    # nothing that was already at the base
    assert "legacy-ping" not in text
    assert "already present at the base" in text


def test_review_leaves_the_working_tree_and_no_temp_dir(repo, tmp_path, monkeypatch):
    path, base, _head = repo
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    (path / ORCHESTRATOR_SRC).write_text("# edited, not committed\n", "utf-8")  # a dirty tree stays dirty
    status_before = git(path, "status", "--porcelain")  # (git status itself may refresh .git/index)
    before = snapshot(path)  # every file, .git included: the review writes nothing anywhere in the repo
    res = run("review", path / "catalog", "--base", base)
    assert res.exit_code == 1
    assert snapshot(path) == before
    assert git(path, "status", "--porcelain") == status_before
    assert status_before == f"M {ORCHESTRATOR_SRC}"
    assert list(private_tmp.iterdir()) == []


def test_touching_the_orchestrator_satisfies_the_check(repo):
    path, base, _head = repo
    (path / ORCHESTRATOR_SRC).write_text("def run_checkout(saga):\n    notify(saga)\n", "utf-8")
    (path / "services/checkout-orchestrator/src/notify.py").write_text("def notify(s): ...\n", "utf-8")  # untracked
    res = run("review", path / "catalog", "--base", base, "--format", "json")
    doc = json.loads(res.output)
    assert exact(doc, "change/orchestrator-untouched") == []
    items = {i["key"]: i for i in doc["checklists"][0]["items"]}
    assert items["orchestrator"]["done"] is True
    assert "services/checkout-orchestrator/src/notify.py" in items["orchestrator"]["note"]
    assert "services/checkout-orchestrator/src/notify.py" in doc["changed_files"]


def test_json_output_parses_back(repo):
    path, base, head = repo
    res = run("review", path / "catalog", "--base", base, "--format", "json")
    assert res.exit_code == 1
    doc = json.loads(res.output)
    assert doc["verdict"] == "fail" and doc["base"]["sha"] == base and doc["head"]["working_tree"] is True
    assert exact(doc) == [
        ("change/breaking-schema", RESERVED_EVENT, "error", None),
        ("change/orchestrator-untouched", SAGA, "error", None),
        ("change/step-contracts", SAGA, "error", "notify_customer"),
        ("change/version-bump", RESERVED_EVENT, "error", None),
    ]
    breaking = next(f for f in doc["findings"] if f["rule"] == "change/breaking-schema")
    assert (breaking["field"], breaking["file"]) == ("expiresAt", f"{RESERVED}/index.mdx")
    # one row per cause: the saga rules that say a part of what change/step-contracts says about the step
    contracts = next(f for f in doc["findings"] if f["rule"] == "change/step-contracts")
    assert contracts["also"] == ["saga/customer-status", "saga/failure-condition"]
    assert not any(f["rule"] in contracts["also"] for f in doc["findings"])
    assert all(f["origin"] == ("change" if f["rule"].startswith("change/") else "new") for f in doc["findings"])
    assert not any(f["file"] == LEGACY for f in doc["findings"])
    assert doc["preexisting_findings"] >= 2
    changes = {(c["type"], c["id"]): c for c in doc["changes"]}
    assert changes[("event", "inventory-reserved")]["what"] == ["schema"]
    assert changes[("flow", "checkout-saga")]["steps_added"] == ["notify_customer"]
    assert changes[("command", "send-confirmation")]["kind"] == "added"
    compat = {c["id"]: c for c in doc["compatibility"]}
    assert compat["inventory-reserved"]["compatible"] is False and compat["inventory-reserved"]["mode"] == "BACKWARD"
    assert doc["counts"]["error"] == sum(1 for f in doc["findings"] if f["severity"] == "error")
    # the same review between two commits, not the working tree
    (path / "catalog" / RESERVED / "schema.json").write_text("{}", "utf-8")  # the working tree no longer matters
    res2 = run("review", path / "catalog", "--base", base, "--head", head, "--format", "json")
    doc2 = json.loads(res2.output)
    assert doc2["head"]["sha"] == head
    assert sorted(f["fingerprint"] for f in doc2["findings"]) == sorted(f["fingerprint"] for f in doc["findings"])


def test_no_change_passes(repo):
    path, _base, head = repo
    res = run("review", path / "catalog", "--base", head)
    assert res.exit_code == 0, res.output
    assert "✅ **This change introduces no new problems.**" in res.output
    assert "No catalog resource changed." in res.output


def test_bad_ref_and_no_repository_exit_2(repo, tmp_path):
    path, _base, _head = repo
    res = run("review", path / "catalog", "--base", "no-such-branch")
    assert res.exit_code == 2
    assert "unknown revision 'no-such-branch'" in res.stderr
    res = run("review", path / "catalog", "--base=--output=x")  # never passed to git as an option
    assert res.exit_code == 2
    assert "not a valid revision" in res.stderr
    loose = tmp_path / "loose"
    shutil.copytree(OUR_CATALOG, loose)
    res = run("review", loose, "--base", "HEAD", env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert res.exit_code == 2
    assert "not inside a git repository" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_compatibility_mode_from_config_and_frontmatter(repo):
    path, base, _head = repo
    (path / "catalog" / "saga-lint.yaml").write_text("schema-compatibility:\n  inventory-reserved: NONE\n", "utf-8")
    doc = json.loads(run("review", path / "catalog", "--base", base, "--format", "json").output)
    assert exact(doc, "change/breaking-schema") == []
    # still a contract change at 1.0.0
    assert exact(doc, "change/version-bump") == [("change/version-bump", RESERVED_EVENT, "error", None)]
    assert {c["id"]: c["mode"] for c in doc["compatibility"]}["inventory-reserved"] == "NONE"
    (path / "catalog" / "saga-lint.yaml").unlink()
    _edit(path, f"{RESERVED}/index.mdx", "schemaPath: schema.json", "schemaPath: schema.json\nx-compatibility: forward")
    doc = json.loads(run("review", path / "catalog", "--base", base, "--format", "json").output)
    compat = {c["id"]: c for c in doc["compatibility"]}["inventory-reserved"]
    assert compat["mode"] == "FORWARD" and compat["mode_source"] == "frontmatter x-compatibility"
    assert compat["compatible"] is False  # readers on the old schema need expiresAt


def test_removed_message_still_in_use(repo):
    path, base, _head = repo
    declined = path / "catalog/domains/Payments/systems/payment-system/services/PaymentService/events/payment-declined"
    shutil.rmtree(declined)
    doc = json.loads(run("review", path / "catalog", "--base", base, "--format", "json").output)
    removed = [(f["resource"]["id"], f["step"], f["message"]) for f in doc["findings"] if f["rule"] == "change/removed-in-use"]
    assert sorted(removed) == [
        ("checkout-orchestrator", None,
         "service checkout-orchestrator still refers to event payment-declined@1.0.0 (receives), which this change removes"),
        ("checkout-saga", "authorize_payment",
         "flow checkout-saga: step authorize_payment still uses payment-declined as its failure, which this change removes"),
        ("payment-service", None,
         "service payment-service still refers to event payment-declined@1.0.0 (sends), which this change removes"),
        ("payment-service", None,
         "service payment-service still refers to event payment-declined@1.0.0 (triggers), which this change removes"),
    ]
    assert {"kind": "removed", "id": "payment-declined"}.items() <= next(
        c for c in doc["changes"] if c["id"] == "payment-declined").items()


def test_catalog_text_is_escaped_in_the_comment(repo):
    path, base, _head = repo
    evil = path / "catalog" / ORDER_SERVICE / "events" / "evil"
    evil.mkdir(parents=True)
    (evil / "index.mdx").write_text(
        "---\nid: 'x<img src=x onerror=alert(1)>[link](javascript:alert(1))|'\nname: Evil\nversion: 1.0.0\n---\n\nx\n", "utf-8")
    res = run("review", path / "catalog", "--base", base)
    assert "<img" not in res.output
    assert "](javascript:" not in res.output
    escaped = "x&lt;img src\\=x onerror\\=alert\\(1\\)&gt;\\[link\\]\\(javascript\\:alert\\(1\\)\\)\\|"
    assert f"| ➕ added | event {escaped} |" in res.output


# -- schema compatibility, per mode -----------------------------------------------------------

BASE_SCHEMA = {
    "type": "object",
    "properties": {
        "orderId": {"type": "string"},
        "amount": {"type": "integer", "minimum": 0, "maximum": 1000},
        "currency": {"type": "string", "enum": ["EUR", "USD", "GBP"]},
        "note": {"type": "string"},
    },
    "required": ["orderId", "amount", "currency"],
}


def variant(**edits) -> dict:
    doc = json.loads(json.dumps(BASE_SCHEMA))
    for fn in edits.values():
        fn(doc)
    return doc


def breaking(old, new, message_type, mode) -> list:
    return [c.kind for c in compare_schemas(old, new) if c.breaking(message_type, mode)]


def _drop_required(doc):
    del doc["properties"]["orderId"]
    doc["required"].remove("orderId")


def _retype(doc):
    doc["properties"]["amount"]["type"] = "string"


def _narrow_enum(doc):
    doc["properties"]["currency"]["enum"] = ["EUR", "USD"]


def _widen_enum(doc):
    doc["properties"]["currency"]["enum"] = ["EUR", "USD", "GBP", "CHF"]


def _optional_field(doc):
    doc["properties"]["channel"] = {"type": "string"}


def _required_field(doc):
    doc["properties"]["channel"] = {"type": "string"}
    doc["required"].append("channel")


def _narrow_range(doc):
    doc["properties"]["amount"]["maximum"] = 500


@pytest.mark.parametrize(
    "edit, event_modes, command_modes",
    [
        # removed required field: breaks consumers of an event in every mode but NONE; a command's
        # senders only under FORWARD/FULL (old handlers still require it)
        (_drop_required, {"BACKWARD", "FORWARD", "FULL"}, {"FORWARD", "FULL"}),
        (_retype, {"BACKWARD", "FORWARD", "FULL"}, {"BACKWARD", "FORWARD", "FULL"}),
        (_narrow_enum, {"BACKWARD", "FULL"}, {"BACKWARD", "FULL"}),
        (_widen_enum, {"FORWARD", "FULL"}, {"FORWARD", "FULL"}),
        (_narrow_range, {"BACKWARD", "FULL"}, {"BACKWARD", "FULL"}),
        (_required_field, {"BACKWARD", "FULL"}, {"BACKWARD", "FULL"}),
        (_optional_field, set(), set()),
    ],
)
def test_schema_compatibility_per_mode(edit, event_modes, command_modes):
    new = variant(e=edit)
    assert compare_schemas(BASE_SCHEMA, new), "the edit is seen as a difference"
    for mode in ("BACKWARD", "FORWARD", "FULL", "NONE"):
        assert bool(breaking(BASE_SCHEMA, new, "event", mode)) == (mode in event_modes), (edit.__name__, "event", mode)
        assert bool(breaking(BASE_SCHEMA, new, "command", mode)) == (mode in command_modes), (edit.__name__, "command", mode)


def test_a_field_both_branches_required_is_as_required_when_moved_to_required():
    """uid required by both then and else (opg-event-store's reduced-fee-requested) and then by
    ``required`` itself, the branches turned into an allOf: not "now required" (it always was),
    and the other way round not "no longer required"; what the combinators change is still
    listed for a check by hand."""
    props = {"uid": {"type": "string"}, "proof": {"type": "array"}, "how": {"enum": ["upload", "post"]}}
    old = {"type": "object", "properties": props, "if": {"properties": {"how": {"const": "upload"}}},
           "then": {"required": ["uid", "proof"]}, "else": {"required": ["uid"]}}
    new = {"type": "object", "properties": props, "required": ["uid"],
           "allOf": [{"if": {"properties": {"how": {"const": "upload"}}}, "then": {"required": ["proof"]}}]}
    kinds = {c.kind for c in compare_schemas(old, new)} | {c.kind for c in compare_schemas(new, old)}
    assert not kinds & {"required-added", "required-relaxed", "required-removed"}
    assert kinds == {"not-comparable"}, kinds
    # allOf members' required count as required too
    member = {"type": "object", "properties": props, "allOf": [{"required": ["uid"]}]}
    assert [c.kind for c in compare_schemas(member, dict(member, allOf=[{"required": []}]))
            if c.kind.startswith("required")] == ["required-relaxed"]


def test_schema_compatibility_details():
    assert compare_schemas(BASE_SCHEMA, json.loads(json.dumps(BASE_SCHEMA))) == []
    renamed = variant(a=_drop_required, b=lambda d: (d["properties"].__setitem__("orderRef", {"type": "string"}),
                                                      d["required"].append("orderRef")))
    details = " ".join(c.detail for c in compare_schemas(BASE_SCHEMA, renamed))
    assert "renamed to 'orderRef'?" in details
    # integer -> number widens, number -> integer narrows
    widened = compare_schemas({"type": "integer"}, {"type": "number"})
    assert [(c.old_rejected, c.new_rejected) for c in widened] == [(False, True)]
    narrowed = compare_schemas({"type": "number"}, {"type": "integer"})
    assert [(c.old_rejected, c.new_rejected) for c in narrowed] == [(True, False)]
    # a new optional property in a closed object breaks readers on the old schema only
    closed = dict(BASE_SCHEMA, additionalProperties=False)
    added = compare_schemas(closed, dict(variant(e=_optional_field), additionalProperties=False))
    assert [(c.kind, c.old_rejected, c.new_rejected) for c in added] == [("property-added", False, True)]
    # $ref is followed (nested field, local $defs)
    old = {"$defs": {"line": {"type": "object", "properties": {"sku": {"type": "string"}}, "required": ["sku"]}},
           "type": "object", "properties": {"lines": {"type": "array", "items": {"$ref": "#/$defs/line"}}}}
    new = json.loads(json.dumps(old))
    new["$defs"]["line"]["properties"]["sku"]["type"] = "integer"
    changes = [c for c in compare_schemas(old, new) if c.kind != "not-comparable"]
    assert [(c.kind, c.path) for c in changes] == [("type-changed", "lines[].sku")]
    # a self-referencing schema does not loop
    loop = {"type": "object", "properties": {"child": {"$ref": "#"}}}
    loop2 = {"type": "object", "properties": {"child": {"$ref": "#"}, "x": {"type": "string"}}}
    assert [c.kind for c in compare_schemas(loop, loop2)] == ["property-added"]
    # not a schema on one side: compared as a whole, never a crash
    assert compare_schemas(True, {"type": "string"})[0].old_rejected is True
    assert compare_schemas(["odd"], "odder")



def test_combinators_that_differ_only_in_annotations_are_the_same():
    """An ``allOf`` (or ``oneOf``, ``not``, ...) whose subschemas differ only in what validates
    nothing (``x-`` extensions such as AsyncAPI's ``x-parser-schema-id``, titles, descriptions,
    examples, defaults) accepts the same messages: no change. A property named like an annotation
    (``title``) is a property, and a real difference is still "check it by hand"."""
    from saga_lint.changes.compat import compare_schemas

    def doc(extra: dict, title_type: str = "string") -> dict:
        part = {"type": "object", "properties": {"title": {"type": title_type}, "orderId": {"type": "string"}},
                "required": ["orderId"], **extra}
        return {"allOf": [part, {"type": "object"}], "x-parser-schema-id": extra.get("x-parser-schema-id", "a")}

    old = doc({"x-parser-schema-id": "<anonymous-schema-1>", "description": "An order."})
    annotated = doc({"x-parser-schema-id": "OrderPlacedPayload", "description": "The order placed.", "examples": [{}],
                     "title": "Payload", "default": {}})
    assert compare_schemas(old, annotated) == []
    assert [c.kind for c in compare_schemas(old, doc({"x-parser-schema-id": "<anonymous-schema-1>"}, "integer"))] == [
        "not-comparable"]



def test_names_mapped_to_requirements_are_properties_not_annotations():
    """``dependentRequired`` and ``dependencies`` map property names (``title`` among them) to what
    they require: a new entry there changes what validates, whatever the property is called."""
    from saga_lint.changes.compat import compare_schemas

    props = {"title": {"type": "string"}, "author": {"type": "string"}}
    cases = (("dependentRequired", {"isbn": ["author"]}, {"isbn": ["author"], "title": ["author"]}),
             ("dependencies", {"isbn": ["author"]}, {"isbn": ["author"], "description": {"required": ["author"]}}))
    for kw, before, after in cases:
        old = {"type": "object", "allOf": [{"properties": props, kw: before}]}
        new = {"type": "object", "allOf": [{"properties": props, kw: after}]}
        assert [c.kind for c in compare_schemas(old, new)] == ["not-comparable"], kw


def test_mode_lookup_order():
    class Cfg:
        schema_compatibility = {"a": "full", "b": "sideways"}

    class Res:
        def __init__(self, data):
            self.data = data

    assert mode_for("a", Res({"x-compatibility": "FORWARD"}), None, Cfg()) == ("FULL", "config schema-compatibility")
    assert mode_for("b", Res({"x-compatibility": "FORWARD"}), None, Cfg()) == ("FORWARD", "frontmatter x-compatibility")
    assert mode_for("c", Res({}), None, Cfg()) == ("BACKWARD", "default")
    mode, source = mode_for("c", Res({"x-compatibility": "sideways"}), None, Cfg())
    assert mode == "BACKWARD" and "'sideways' is not one of BACKWARD, FORWARD, FULL, NONE" in source


def test_bad_compatibility_mode_in_the_config_is_exit_2(repo):
    path, base, _head = repo
    (path / "catalog" / "saga-lint.yaml").write_text("schema-compatibility:\n  inventory-reserved: SIDEWAYS\n", "utf-8")
    res = run("review", path / "catalog", "--base", base)
    assert res.exit_code == 2
    assert "schema-compatibility.inventory-reserved: 'SIDEWAYS' is not a mode" in res.stderr


def test_implementation_globs():
    from saga_lint.rules.change.orchestrator import implementation_files as matching_files

    files = ["services/checkout-orchestrator/src/a/b.py", "services/checkout-orchestrator/config/checkout-saga.yaml",
             "services/other/src/x.py", "docs/readme.md"]
    assert matching_files(["services/checkout-orchestrator/src/**"], files) == [files[0]]
    assert matching_files(["./services/*/config/*.yaml"], files) == [files[1]]
    assert matching_files(["**/src/*.py"], files) == [files[2]]
    assert matching_files(["services/other"], files) == [files[2]]
    assert matching_files(["docs/[!x]eadme.md", "[bad"], files) == [files[3]]
    assert matching_files([], files) == []
    assert matching_files(["services/**/**/src/**"], files) == [files[0], files[2]]
    # a hostile pattern stays fast
    import time

    t0 = time.monotonic()
    assert matching_files(["**/" * 60 + "*a*a*a*a*a*a*a*a*b"], ["/".join(["a" * 40] * 60)]) == []
    assert time.monotonic() - t0 < 2


def _bump(repo: Path, base: str, new_version: str) -> dict:
    """Move inventory-reserved 1.0.0 under versioned/ and publish ``new_version`` with the schema
    that lost expiresAt (the working tree already has that schema)."""
    folder = repo / "catalog" / RESERVED
    old = folder / "versioned" / "1.0.0"
    old.mkdir(parents=True)
    (old / "index.mdx").write_text((folder / "index.mdx").read_text("utf-8"), "utf-8")
    (old / "schema.json").write_text(git(repo, "show", f"{base}:catalog/{RESERVED}/schema.json") + "\n", "utf-8")
    page = folder / "index.mdx"
    page.write_text(page.read_text("utf-8").replace("version: 1.0.0", f"version: {new_version}", 1), "utf-8")
    return json.loads(run("review", repo / "catalog", "--base", base, "--format", "json").output)


def test_breaking_change_needs_a_new_major_version(repo):
    path, base, _head = repo
    doc = _bump(path, base, "1.1.0")
    change = next(c for c in doc["changes"] if c["id"] == "inventory-reserved")
    assert (change["kind"], change["old_version"], change["new_version"]) == ("version-bump", "1.0.0", "1.1.0")
    assert change["versions_added"] == ["1.1.0"]
    assert exact(doc, "change/version-bump") == [("change/version-bump", "event inventory-reserved@1.1.0", "error", None)]
    bump = next(f for f in doc["findings"] if f["rule"] == "change/version-bump")
    assert bump["message"] == ("event inventory-reserved: a breaking schema change goes from 1.0.0 to 1.1.0, "
                               "the same major version; publish it as a new major version (2.0.0)")
    assert exact(doc, "change/breaking-schema") == [("change/breaking-schema", "event inventory-reserved@1.1.0", "error", None)]


def test_new_major_version_is_the_right_bump(repo):
    path, base, _head = repo
    doc = _bump(path, base, "2.0.0")
    assert exact(doc, "change/version-bump") == []
    compat = {c["id"]: c for c in doc["compatibility"]}["inventory-reserved"]
    assert (compat["old_version"], compat["new_version"], compat["compatible"]) == ("1.0.0", "2.0.0", False)


def test_links_point_at_github_inside_actions(repo):
    path, base, head = repo
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/shop"}
    md = run("review", path / "catalog", "--base", base, env=env).output
    assert f"](https://github.com/acme/shop/blob/{head}/catalog/{FLOW}#L" in md
    hostile = {"GITHUB_SERVER_URL": "javascript:alert(1)//", "GITHUB_REPOSITORY": "acme/shop"}
    md = run("review", path / "catalog", "--base", base, env=hostile).output
    assert "javascript:alert" not in md
    assert f"](catalog/{FLOW}#L" in md


def test_catalog_new_in_the_change_and_links_out_of_the_catalog(repo, tmp_path):
    path, base, _head = repo
    # a catalog folder that does not exist at the base: everything is added, nothing crashes
    shutil.copytree(path / "catalog", path / "catalog2")
    doc = json.loads(run("review", path / "catalog2", "--base", base, "--format", "json").output)
    assert doc["changes"] and {c["kind"] for c in doc["changes"]} == {"added"}
    # a committed symlink out of the catalog: the base copy reports it exactly as the working tree
    # does, so it is no new finding (and the link is never followed)
    secret = tmp_path / "secret.json"
    secret.write_text('{"token": "do-not-read"}', "utf-8")
    os.symlink(secret, path / "catalog" / "leak.json")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "link")
    res = run("review", path / "catalog", "--base", "HEAD", "--format", "json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["findings"] == []
    check = json.loads(run("check", path / "catalog", "--format", "json").output)
    assert any(f["rule"] == "security/path-outside-catalog" and f["file"] == "leak.json" for f in check["findings"])
    assert "do-not-read" not in res.output


def test_real_catalog_unchanged_has_no_new_findings(corpus, tmp_path):
    """EventCatalog's own example catalog, committed and reviewed against itself: every finding of
    the working tree is matched by the base copy read from git (same files, same fingerprints)."""
    repo = tmp_path / "ec"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copytree(corpus, repo / "catalog", symlinks=True)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "corpus")
    res = run("review", repo / "catalog", "--base", "HEAD", "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["findings"] == [] and doc["changes"] == []
    assert doc["preexisting_findings"] == len(json.loads(run("check", repo / "catalog", "--format", "json").output)["findings"])


def test_saga_without_implementation_paths_is_reported_one_level_lower(repo):
    path, base, _head = repo
    flow = path / "catalog" / FLOW
    text = flow.read_text("utf-8")
    text = re.sub(r"  implementation:\n(    - .*\n)+", "", text)
    assert "implementation:" not in text
    flow.write_text(text, "utf-8")
    doc = json.loads(run("review", path / "catalog", "--base", base, "--format", "json").output)
    assert exact(doc, "change/orchestrator-untouched") == [("change/orchestrator-untouched", SAGA, "warning", None)]
    orch = [f for f in doc["findings"] if f["rule"] == "change/orchestrator-untouched"]
    assert orch[0]["message"] == (
        "steps of saga checkout-saga changed (added: notify_customer; changed: create_order) and the flow declares "
        "no x-saga.implementation, "
        "so saga-lint cannot tell whether the orchestrator changed too")
    items = {i["key"]: i for i in doc["checklists"][0]["items"]}
    assert items["orchestrator"]["done"] is False



def test_a_choreography_names_its_participants_code_not_an_orchestrator(repo):
    """order-fulfilment has no orchestrator: a step change with its participants' code untouched
    says so, not "the orchestrator is untouched"; without implementation paths, one level lower."""
    path, base, _head = repo
    flow = path / "catalog" / "domains/Fulfilment/systems/shipping-system/flows/OrderFulfilment/index.mdx"
    text = flow.read_text("utf-8").replace("label: Capture the payment", "label: Capture the authorized amount", 1)
    flow.write_text(text, "utf-8")
    doc = json.loads(run("review", path / "catalog", "--base", base, "--format", "json").output)
    found = [(f["severity"], f["message"]) for f in doc["findings"]
             if f["rule"] == "change/orchestrator-untouched" and "order-fulfilment" in f["message"]]
    assert found == [("error", "steps of saga order-fulfilment changed (changed: order_created) but the participants' code "
                      "is untouched: no file matching services/payment-service/src/fulfilment/**, "
                      "services/shipping-service/src/** changed")]
    [checklist] = [c for c in doc["checklists"] if "order-fulfilment" in json.dumps(c)]
    [item] = [i for i in checklist["items"] if i["key"] == "orchestrator"]
    assert (item["label"], item["done"]) == ("Participants' implementation", False)  # no orchestrator to name
    flow.write_text(re.sub(r"  implementation:.*\n(    - .*\n)+", "", text), "utf-8")
    doc = json.loads(run("review", path / "catalog", "--base", base, "--format", "json").output)
    found = [(f["severity"], f["message"]) for f in doc["findings"]
             if f["rule"] == "change/orchestrator-untouched" and "order-fulfilment" in f["message"]]
    assert found == [("warning", "steps of saga order-fulfilment changed (changed: order_created) and the flow declares no "
                      "x-saga.implementation, so saga-lint cannot tell whether the participants' code changed too")]


def test_removing_a_choreography_compensation_event_still_in_use(repo):
    """x-saga's trigger, compensation.on and compensation.event are uses too (they were not checked)."""
    path, base, _head = repo
    shutil.rmtree(path / "catalog/domains/Payments/systems/payment-system/services/PaymentService/events/payment-refunded")
    shutil.rmtree(path / "catalog/domains/Payments/systems/payment-system/services/PaymentService/events/payment-captured")
    doc = json.loads(run("review", path / "catalog", "--base", base, "--format", "json").output)
    found = sorted(f["message"] for f in doc["findings"]
                   if f["rule"] == "change/removed-in-use" and f["message"].startswith("flow order-fulfilment"))
    assert found == [
        "flow order-fulfilment still refers to event payment-captured@1.0.0 (step), which this change removes",
        "flow order-fulfilment: step capture_payment still uses payment-captured as its success, which this change removes",
        "flow order-fulfilment: step capture_payment still uses payment-refunded as its compensation event, which this change "
        "removes",
        "flow order-fulfilment: step dispatch_shipment still uses payment-captured as its trigger, which this change removes",
    ]

def test_long_comment_is_cut_to_fit(repo):
    from saga_lint.review import run_review
    from saga_lint.review.render import MARKER, render_markdown

    path, base, _head = repo
    result = run_review(path / "catalog", base)
    full = render_markdown(result)
    short = render_markdown(result, max_chars=3500)
    assert len(short) < 3500 < len(full)
    assert short.startswith(MARKER) and "more findings are not shown" in short
    assert "- [ ] **Orchestrator implementation**" in short  # the checklist is kept
    assert "more findings are not shown" not in full


def test_removed_step_still_led_to_and_described(repo):
    path, base, _head = repo
    flow = path / "catalog" / FLOW
    text = flow.read_text("utf-8")
    start, end = text.index("\n  - id: authorize_payment\n"), text.index("\n  - id: create_order\n")
    flow.write_text(text[:start] + text[end:], "utf-8")
    doc = json.loads(run("review", path / "catalog", "--base", base, "--format", "json").output)
    assert next(c for c in doc["changes"] if c["id"] == "checkout-saga")["steps_removed"] == ["authorize_payment"]
    assert exact(doc, "change/removed-in-use") == [
        ("change/removed-in-use", SAGA, "error", "authorize_payment"),
        ("change/removed-in-use", SAGA, "error", "reserve_inventory"),
    ]
    removed = sorted(f["message"] for f in doc["findings"] if f["rule"] == "change/removed-in-use")
    assert removed == [
        "flow checkout-saga: step reserve_inventory still leads to step authorize_payment, which this change removes",
        "flow checkout-saga: x-saga.steps still describes step authorize_payment, which this change removes from the flow",
    ]
    assert exact(doc, "change/orchestrator-untouched") == [("change/orchestrator-untouched", SAGA, "error", None)]
    assert any(f["rule"] == "change/orchestrator-untouched" and "removed: authorize_payment" in f["message"]
               for f in doc["findings"])


def test_step_evidence_levels_decide_what_is_missing():
    from saga_lint.rules.change.steps import step_problems
    from saga_lint.saga.model import Evidence, SagaStep

    step = SagaStep(id="s", index=0, title="S", command_id="do-it", command=object())
    step.evidence = {"success": Evidence("structured"), "failure": Evidence("prose"),
                     "compensation": Evidence("missing"), "status": Evidence("structured")}
    assert step_problems(step) == (["compensation"], ["failure path"])
    step.command = None
    step.evidence["success"] = Evidence("missing")
    missing, prose = step_problems(step)
    assert missing == ["command contract do-it (not in the catalog)", "success reply event", "compensation"]


def test_a_page_moved_to_versioned_keeps_its_old_findings_old(repo):
    """Bumping a version moves the old page to versioned/<v>/: the findings it already had at
    the base are not new, although their file changed; nor are the same findings of the new
    version's page (the change did not make them: the page had them before); a new finding on the
    new page is."""
    path, base, _head = repo
    cat = path / "catalog"
    page = cat / LEGACY
    old = page.read_text("utf-8")
    moved = page.parent / "versioned" / "1.0.0" / "index.mdx"
    moved.parent.mkdir(parents=True)
    moved.write_text(old, "utf-8")
    page.write_text(old.replace("version: 1.0.0", "version: 2.0.0", 1), "utf-8")  # still no summary, no owners
    before = json.loads(run("check", cat, "--format", "json").output)["findings"]
    assert any(f["file"].endswith("legacy-ping/versioned/1.0.0/index.mdx") for f in before)
    doc = json.loads(run("review", cat, "--base", base, "--format", "json").output)
    assert [f for f in doc["findings"] if f["rule"].startswith("best-practices/")] == []
    page.write_text(old.replace("version: 1.0.0", "version: 2.0.0\nsends:\n  - id: no-such-event", 1), "utf-8")
    doc = json.loads(run("review", cat, "--base", base, "--format", "json").output)
    assert [(f["rule"], f["file"].rsplit("legacy-ping/", 1)[1]) for f in doc["findings"]
            if "legacy-ping/" in (f["file"] or "")] == [("schema/unknown-field", "index.mdx")]  # an event sends nothing


def test_a_change_that_relaxes_the_configuration_is_reported(repo):
    """change/config-relaxed: rules turned down, new ignores and a looser fail-on in the change's
    saga-lint.yaml are one warning at the config file; the rule's severity is the base's, so the
    change cannot switch it off for itself; -c skips the comparison."""
    path, base, _head = repo
    cat = path / "catalog"
    clean = json.loads(run("review", cat, "--base", base, "--format", "json").output)
    assert not any(f["rule"] == "change/config-relaxed" for f in clean["findings"])  # no config change
    (cat / "saga-lint.yaml").write_text(
        "fail-on: error\n"
        "ignore:\n  - domains/Ordering/**\n"
        "rules:\n  best-practices/owner-required: off\n  change/config-relaxed: off\n"
        "overrides:\n  - files: [channels/**]\n    rules: {refs/channel-exists: warning}\n", "utf-8")
    doc = json.loads(run("review", cat, "--base", base, "--format", "json").output)
    assert exact(doc, "change/config-relaxed") == [("change/config-relaxed", None, "warning", None)]
    f = next(f for f in doc["findings"] if f["rule"] == "change/config-relaxed")
    assert (f["file"], f["severity"]) == ("saga-lint.yaml", "warning")
    assert f["line"] == 3  # the first relaxed name or glob in the file: the ignore glob
    for part in ("best-practices/owner-required error -> off", "change/config-relaxed warning -> off",
                 "new ignore globs: domains/Ordering/**", "override for channels/**: refs/channel-exists -> warning"):
        assert part in f["message"], f["message"]
    # a stricter configuration is no finding
    (cat / "saga-lint.yaml").write_text("fail-on: warning\nrules:\n  refs/orphan-messages: error\n", "utf-8")
    doc = json.loads(run("review", cat, "--base", base, "--format", "json").output)
    assert not any(f["rule"] == "change/config-relaxed" for f in doc["findings"])
    # named with -c: the user chose it, nothing to compare
    (cat / "saga-lint.yaml").write_text("rules:\n  best-practices/owner-required: off\n", "utf-8")
    named = json.loads(run("review", cat, "--base", base, "--format", "json", "-c", cat / "saga-lint.yaml").output)
    assert not any(f["rule"] == "change/config-relaxed" for f in named["findings"])


def _git_bytes(cwd, *args, input: bytes | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True, check=True).stdout.decode().strip()


def test_crafted_tree_cannot_write_through_a_link_it_planted(tmp_path):
    """A tree object made by hand (git itself would refuse it) holds a link ``d`` to a folder
    outside and, under the same name, a folder ``d`` with a file: writing the base copy must not
    follow the link. Files in ordinary folders are still written, exactly."""
    from saga_lint.review.gitsource import materialise, open_repo

    repo_dir = tmp_path / "repo"
    repo_dir.mkdir()
    _git_bytes(repo_dir, "init", "-q")
    outside = tmp_path / "outside"
    outside.mkdir()
    link = _git_bytes(repo_dir, "hash-object", "-w", "--stdin", input=str(outside).encode())
    page = _git_bytes(repo_dir, "hash-object", "-w", "--stdin", input=b"---\nid: x\n---\n")
    sub = _git_bytes(repo_dir, "mktree", input=f"100644 blob {page}\tx.mdx\n".encode())
    deeper = _git_bytes(repo_dir, "mktree", input=f"040000 tree {sub}\tevents\n100644 blob {page}\tindex.mdx\n".encode())
    top = _git_bytes(
        repo_dir, "mktree", "--missing",
        input=f"120000 blob {link}\td\n040000 tree {sub}\td\n040000 tree {deeper}\tok\n".encode(),
    )
    commit = _git_bytes(
        repo_dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit-tree", top, "-m", "crafted"
    )
    dest = tmp_path / "dest"
    dest.mkdir()
    written = materialise(open_repo(repo_dir), commit, dest)
    assert list(outside.iterdir()) == []  # nothing was written through the link
    assert os.path.islink(dest / "d")
    assert (dest / "ok" / "index.mdx").read_bytes() == b"---\nid: x\n---\n"
    assert (dest / "ok" / "events" / "x.mdx").read_bytes() == b"---\nid: x\n---\n"
    assert written == 3  # the link and the two pages


@pytest.mark.parametrize(
    "a, b, same",
    [
        ({"v": 1, "w": [1, {"x": "y"}]}, {"w": [1, {"x": "y"}], "v": 1}, True),  # key order is no change
        ({"v": 1}, {"v": 1.0}, False),
        ({"v": 1}, {"v": True}, False),
        ({"v": "1"}, {"v": 1}, False),
        ({"v": 0.0}, {"v": -0.0}, False),
        ({"v": float("nan")}, {"v": float("nan")}, True),
        ({"d": __import__("datetime").date(2026, 1, 2)}, {"d": __import__("datetime").date(2026, 1, 2)}, True),
        ({"d": __import__("datetime").date(2026, 1, 2)}, {"d": "2026-01-02"}, True),  # as JSON writes them
        ([1, 2], [2, 1], False),
    ],
)
def test_same_compares_values_as_json_writes_them(a, b, same):
    from saga_lint.changes.diff import same_as_json

    assert same_as_json(a, b) is same
    assert same_as_json(b, a) is same


def _no_user_tmp(monkeypatch):
    for var in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", None)


def test_base_copy_goes_to_memory_when_there_is_room_and_is_removed(repo, tmp_path, monkeypatch):
    """Without a folder chosen by the user, the base copy is written to the in-memory folder
    (``MEMORY_DIR``, here a stand-in) and removed afterwards; the review is the same."""
    from saga_lint.review import gitsource

    path, base, _head = repo
    expected = run("review", path / "catalog", "--base", base, "--format", "json").output
    memory = tmp_path / "memory"
    memory.mkdir()
    _no_user_tmp(monkeypatch)
    monkeypatch.setattr(gitsource, "MEMORY_DIR", str(memory))
    monkeypatch.setattr(gitsource, "_memory_headroom", lambda: None)
    seen = []
    real_materialise = gitsource.materialise

    def spy(repo_, sha, dest, entries=None):
        seen.append(Path(dest))
        return real_materialise(repo_, sha, dest, entries)

    monkeypatch.setattr(gitsource, "materialise", spy)
    res = run("review", path / "catalog", "--base", base, "--format", "json")
    assert res.output == expected
    assert seen and all(memory in d.parents for d in seen)
    assert list(memory.iterdir()) == []


def test_base_copy_stays_where_the_user_or_the_memory_limit_says(repo, tmp_path, monkeypatch):
    from saga_lint.review import gitsource

    path, base, _head = repo
    repo_ = gitsource.open_repo(path / "catalog")
    entries = gitsource._list_tree(repo_, repo_.resolve(base))
    memory = tmp_path / "memory"
    memory.mkdir()
    monkeypatch.setattr(gitsource, "MEMORY_DIR", str(memory))
    monkeypatch.setattr(gitsource, "_memory_headroom", lambda: None)
    _no_user_tmp(monkeypatch)
    assert gitsource.scratch_parent(entries) == str(memory)
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the user's choice wins
    assert gitsource.scratch_parent(entries) is None
    _no_user_tmp(monkeypatch)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert gitsource.scratch_parent(entries) is None
    _no_user_tmp(monkeypatch)
    monkeypatch.setattr(gitsource, "_memory_headroom", lambda: 10 << 20)  # a container's memory limit nearly reached
    assert gitsource.scratch_parent(entries) is None
    monkeypatch.setattr(gitsource, "_memory_headroom", lambda: None)
    monkeypatch.setattr(gitsource, "MEMORY_DIR", str(tmp_path / "absent"))
    assert gitsource.scratch_parent(entries) is None


def test_base_copy_that_cannot_be_written_whole_stops_the_review(repo, tmp_path, monkeypatch):
    """No space left while writing the base copy: exit 2 with the reason, never a review of a
    base with files missing (their findings would look new)."""
    import errno

    from saga_lint.review import gitsource

    path, base, _head = repo
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    calls = []

    def full_disk(target, data):
        calls.append(target)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(target, data)

    real_write = gitsource._write_new
    monkeypatch.setattr(gitsource, "_write_new", full_disk)
    res = run("review", path / "catalog", "--base", base)
    assert res.exit_code == 2
    assert "No space left on device" in res.stderr and "TMPDIR" in res.stderr
    assert list(tmp_path.glob("saga-lint-review-*")) == []


def test_base_copy_makes_deep_folders_without_recursion(tmp_path):
    """A crafted tree can nest folders deeper than Python's recursion limit: the base copy makes
    them one by one, and answers for every level."""
    from saga_lint.review.gitsource import _make_dir

    rel = "/".join(["a"] * 1500)
    safe = {"": True}
    deepest = tmp_path.joinpath(*rel.split("/"))
    try:
        assert _make_dir(str(tmp_path), os.path.realpath(tmp_path), rel, safe) is True
        assert deepest.is_dir()
        assert len(safe) == 1501 and all(safe.values())
    finally:  # removed here, deepest first: Python 3.11's shutil.rmtree (pytest's clean-up) recurses
        folder = deepest
        while folder != tmp_path:
            if folder.is_dir():
                folder.rmdir()
            folder = folder.parent


def test_checklist_does_not_tick_what_the_findings_call_prose():
    """The checklist and the findings agree on evidence levels: a new step whose compensation is
    documented only in prose is not ticked as declared (the change/step-contracts finding is a
    warning for the same reason)."""
    from saga_lint.review.checklist import _item, _lacking
    from saga_lint.saga.model import Evidence, SagaStep

    def step(level: str) -> SagaStep:
        s = SagaStep("ship", 0, "Ship", "ship-order")
        s.evidence = {a: Evidence("structured") for a in ("success", "failure", "status")}
        s.evidence["compensation"] = Evidence(level)
        return s

    wanted = ("failure path", "compensation")
    for level, done, note in (
        ("prose", False, "only in prose for step ship: declare it in x-saga"),
        ("structured", True, "declared for every new or changed step"),
    ):
        steps = [step(level)]
        lacking = _lacking(steps, lambda m: m in wanted)
        prose = _lacking(steps, lambda m: m in wanted, prose=True)
        item = _item("failure", "Failure and compensation behaviour", lacking, False, True, prose)
        assert (item.done, item.note) == (done, note)


def test_with_head_the_configuration_is_the_head_revisions(repo):
    """With --head, the configuration is the head revision's (its catalog folder's saga-lint.yaml or
    .eventcatalogrc.js), not the working tree's: a relaxing config committed after the head is no
    finding of that change, and the finding of the commit that adds it names the catalog's file
    (an .eventcatalogrc.js as its path, which links), not the review's copy of the revision."""
    path, _base, head = repo
    cat = path / "catalog"
    (cat / ".eventcatalogrc.js").write_text(
        'module.exports = {\n  rules: { "best-practices/owner-required": "warn" },\n};\n', "utf-8")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "relax with the official linter's config")
    relaxing = git(path, "rev-parse", "HEAD")
    before = json.loads(run("review", cat, "--base", f"{head}^", "--head", head, "--format", "json").output)
    assert not any(f["rule"] == "change/config-relaxed" for f in before["findings"])  # the rc came later
    doc = json.loads(run("review", cat, "--base", head, "--head", relaxing, "--format", "json").output)
    found = [f for f in doc["findings"] if f["rule"] == "change/config-relaxed"]
    assert [(f["file"], f["line"]) for f in found] == [(".eventcatalogrc.js", 2)]
    assert "best-practices/owner-required error -> warning" in found[0]["message"]
    # the working tree's own review (no --head) still reads the working tree's
    doc = json.loads(run("review", cat, "--base", head, "--format", "json").output)
    assert [f["file"] for f in doc["findings"] if f["rule"] == "change/config-relaxed"] == [".eventcatalogrc.js"]
