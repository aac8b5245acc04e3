"""EventCatalog v1 catalogs (pages named by ``name``, users in ``eventcatalog.config.js``): the
layout is recognised and said once (``structure/v1-layout``), the catalog is read with v1's meaning
and its real defects are found; no message ever names a resource ``None``."""

from __future__ import annotations

import json

from conftest import lint, run_cli
from hypothesis import given
from hypothesis import strategies as st

from saga_lint.catalog.v1 import config_users

V1_CONFIG = """
module.exports = {
  title: 'EventCatalog',
  organizationName: 'Your Company',
  editUrl: 'https://github.com/boyney123/eventcatalog-demo/edit/master',
  primaryCTA: { label: 'Explore Events', href: '/events' },
  users: [
    {
      id: 'dboyne',
      name: 'David Boyne',
      avatarUrl: 'https://pbs.twimg.com/profile_images/1262283153563140096/DYRDqKg6_400x400.png',
      role: 'Developer',
    },
    // a comment with { braces } and a 'quote
    { id: "mSmith", name: "Matthew Smith", role: "Product owner" },
  ],
}
"""

V1_CATALOG = {
    "eventcatalog.config.js": V1_CONFIG,
    "events/UserCreated/index.md": """
        ---
        name: UserCreated
        version: 0.0.2
        summary: Holds information about the user when they are created.
        producers:
            - User Service
        consumers:
            - Email Platform
            - Billing Service
        owners:
            - dboyne
            - nobody
        ---

        <Mermaid />
        """,
    "events/UserCreated/schema.json": '{"type": "object", "properties": {"id": {"type": "string"}}}',
    "events/UserCreated/versioned/0.0.1/index.md": """
        ---
        name: UserCreated
        version: 0.0.1
        summary: The first version.
        owners: [dboyne]
        producers:
            - User Service
        ---

        The first version.
        """,
    "events/UserCreated/versioned/0.0.1/schema.json": '{"type": "object"}',
    "services/User Service/index.md": """
        ---
        name: User Service
        summary: Service that handles users
        tags:
            - label: 'core'
        owners:
            - mSmith
        repository:
          language: JavaScript
          url: https://github.com/boyney123/pretend-shipping-service
        ---

        Handles users.
        """,
    "services/Email Platform/index.md": """
        ---
        name: Email Platform
        summary: Sends emails
        owners: [dboyne]
        ---

        Sends emails.
        """,
    "domains/Users/index.md": """
        ---
        name: Users
        summary: The users domain
        owners:
            - dboyne
        ---

        Users.
        """,
    "domains/Users/events/UserDeleted/index.md": """
        ---
        name: UserDeleted
        version: 0.0.1
        summary: A user was deleted
        owners: [dboyne]
        producers:
            - User Service
        ---

        Deleted.
        """,
    "domains/Users/events/UserDeleted/schema.avsc": '{"type": "record", "name": "UserDeleted", "fields": []}',
}


def _rows(findings):
    return sorted((f.rule, f.file, f.line) for f in findings)


def test_a_v1_catalog_is_read_with_v1_meaning_and_its_real_defects_are_found(make_catalog):
    findings = lint(make_catalog(V1_CATALOG))
    assert _rows(findings) == [
        ("refs/owner-exists", "events/UserCreated/index.md", 12),
        ("refs/resource-exists", "events/UserCreated/index.md", 9),
        ("structure/v1-layout", "eventcatalog.config.js", 1),
    ], [(f.rule, f.file, f.line, f.message) for f in findings]
    by_rule = {f.rule: f for f in findings}
    assert '"Billing Service"' in by_rule["refs/resource-exists"].message
    assert '"nobody"' in by_rule["refs/owner-exists"].message
    layout = by_rule["structure/v1-layout"].message
    assert "v1's layout" in layout and "6 pages have no id" in layout and "2 users" in layout


def test_the_same_event_defined_twice_in_v1_is_a_duplicate(make_catalog):
    files = dict(V1_CATALOG)
    files["domains/Users/events/UserCreatedAgain/index.md"] = V1_CATALOG["events/UserCreated/index.md"]
    files["domains/Users/events/UserCreatedAgain/schema.json"] = "{}"
    dups = [f for f in lint(make_catalog(files)) if f.rule == "structure/duplicate-resource-ids"]
    # the page later in path order is the copy reported (domains/... before events/...)
    assert [(f.file, '"UserCreated"' in f.message) for f in dups] == [("events/UserCreated/index.md", True)]
    assert "also defined in domains/Users/events/UserCreatedAgain/index.md" in dups[0].message


def test_without_the_schema_beside_a_v1_page_the_schema_is_missing(make_catalog):
    files = {k: v for k, v in V1_CATALOG.items() if k != "domains/Users/events/UserDeleted/schema.avsc"}
    extra = [r for r in _rows(lint(make_catalog(files))) if r[0] == "best-practices/schema-required"]
    assert extra == [("best-practices/schema-required", "domains/Users/events/UserDeleted/index.md", 2)]


def test_a_v2_catalog_with_one_page_missing_its_id_is_not_v1(make_catalog):
    files = {
        "services/a/index.mdx": "---\nid: a\nname: A\nversion: 1.0.0\nsummary: A.\nowners: [t]\n---\nA.\n",
        "services/b/index.mdx": "---\nid: b\nname: B\nversion: 1.0.0\nsummary: B.\nowners: [t]\n---\nB.\n",
        "services/c/index.mdx": "---\nname: C\nversion: 1.0.0\nsummary: C.\nowners: [t]\n---\nC.\n",
        "teams/t.mdx": "---\nid: t\nname: T\nsummary: T.\n---\nT.\n",
    }
    findings = lint(make_catalog(files))
    assert [(f.rule, f.file, f.field) for f in findings] == [("schema/required-fields", "services/c/index.mdx", "id")]


def test_config_users_are_read_without_running_javascript():
    users = config_users(V1_CONFIG)
    assert [(u.id, u.name, u.role, u.line) for u in users] == [
        ("dboyne", "David Boyne", "Developer", 8),
        ("mSmith", "Matthew Smith", "Product owner", 15),
    ]
    assert config_users("module.exports = { title: 'x' }") == ()
    assert config_users("module.exports = { users: [ { name: 'no id' }, 'x', ") == ()
    escaped = config_users("export default { users: [{ id: 'o\\'brien', name: \"x\" }] }")
    assert [(u.id, u.name) for u in escaped] == [("o'brien", "x")]


def test_no_message_names_a_resource_none(make_catalog, tmp_path):
    """Every collection's page with its identity missing (no id, no name, no version) and pointers
    with fields missing: every message template that names a resource says something real."""
    pages = {
        f"{folder}/x{i}/index.mdx": "---\nsummary: s\nowners: [nobody]\nsends: [{}]\nreceives: [{version: 1.0.0}]\n"
        "steps:\n  - title: no id\n    message: {}\n---\n"
        for i, folder in enumerate(
            ("events", "commands", "queries", "services", "domains", "flows", "channels", "entities", "containers", "systems")
        )
    }
    pages["teams/t.mdx"] = "---\nsummary: s\n---\n"
    pages["users/u.mdx"] = "---\nemail: nope\n---\n"
    root = make_catalog(pages)
    proc = run_cli("check", root, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    messages = [f["message"] for f in json.loads(proc.stdout)["findings"]]
    assert messages
    bad = [m for m in messages if "None" in m or '""' in m or "''" in m]
    assert bad == []

_WORD = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters="'\\"), min_size=1, max_size=20)


@given(st.lists(st.tuples(_WORD, _WORD), max_size=5), st.sampled_from(["module.exports = ", "export default "]))
def test_config_users_round_trip(users, export):
    body = ",\n".join(f"  {{ id: '{uid}', name: '{name}', avatarUrl: 'x' }}" for uid, name in users)
    text = f"// users\n{export}{{\n title: 'x',\n users: [\n{body}\n ],\n}}\n"
    assert [(u.id, u.name) for u in config_users(text)] == users


@given(st.text(max_size=300))
def test_config_users_never_raises(text):
    config_users("module.exports = { users: [" + text)


def test_a_v1_catalog_that_declares_eventcatalog_1_builds_so_the_layout_is_a_warning(make_catalog):
    files = dict(V1_CATALOG)
    files["package.json"] = '{"name": "demo", "dependencies": {"@eventcatalog/core": "^1.2.0"}}'
    layout = [f for f in lint(make_catalog(files)) if f.rule == "structure/v1-layout"]
    assert [f.severity.value for f in layout] == ["warning"]
    assert "it builds with EventCatalog 1." in layout[0].message
