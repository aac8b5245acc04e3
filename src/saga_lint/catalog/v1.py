"""EventCatalog v1 catalogs: recognising the layout and reading it with v1's meaning.

EventCatalog before 2.0 named each page by its ``name`` (there was no ``id``), versioned events
only (services and domains had no ``version``), listed the services that produce and consume an
event on the event itself (``producers``/``consumers``, by service name), kept a message's schema
as a ``schema.*`` file beside its page without ``schemaPath``, and declared its users in
``eventcatalog.config.js`` (``module.exports = { users: [{ id, name, role }] }``).

``Resource.id`` already reads ``name`` where a page has no ``id`` (for every catalog: a missing id
is reported once, and the page still takes part in references). This module decides whether the
catalog as a whole is in v1's layout (``detect``) and, when it is, supplies what v1 declared
elsewhere: the config file's users as ``user`` resources, the schema file beside a page, and which
per-page findings are one cause (the layout) rather than one defect each (``V1Layout.folds``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from saga_lint.catalog.model import PAGE_KINDS, Resource
from saga_lint.catalog.yaml.locations import Locations

if TYPE_CHECKING:
    from saga_lint.catalog.fmschema import Issue
    from saga_lint.catalog.model import Catalog

# the frontmatter keys of v1 pages that EventCatalog 2 and later renamed or dropped
V1_KEYS = frozenset({"tags", "externalLinks", "producers", "consumers", "repository", "domain"})
# types that had no version in v1
_UNVERSIONED_IN_V1 = frozenset({"service", "domain"})
_SCHEMA_NAMES = ("schema.json", "schema.avsc", "schema.yaml", "schema.yml", "schema.proto", "schema.graphql", "schema.xsd")

_CJS_EXPORT = re.compile(r"module\.exports\s*=")
_USERS_START = re.compile(r"\busers\s*:\s*\[")
_FIELD = re.compile(r"""\b(id|name|role)\s*:\s*(['"`])((?:\\.|(?!\2).){1,200}?)\2""")
_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class ConfigUser:
    """A user declared in a v1 ``eventcatalog.config.js``: its id, name, role and line there."""

    id: str
    name: str | None
    role: str | None
    line: int


@dataclass(frozen=True)
class V1Layout:
    """A catalog recognised as EventCatalog v1's layout: why, which pages have no ``id``, the
    users of its config file and the name of that file."""

    evidence: str
    pages_without_id: tuple[str, ...]  # in walk order, for the message
    users: tuple[ConfigUser, ...]
    config_file: str | None
    page_set: frozenset[str] = frozenset()  # the same pages, for ``folds`` (asked once per issue)

    def folds(self, res: Resource, issue: Issue) -> bool:
        """The frontmatter issue is the layout's, not the page's own defect: the missing ``id``
        (every v1 page), the missing ``version`` of a service or domain (v1 had none) and v1's
        own keys (``tags``, ``producers``, ...). ``catalog/v1-layout`` reports them once."""
        if res.file not in self.page_set:
            return False
        key = issue.path[0] if len(issue.path) == 1 else None
        if issue.kind == "required":
            return key == "id" or (key == "version" and res.type in _UNVERSIONED_IN_V1)
        return issue.kind in ("unknown", "unknown-dropped") and key in V1_KEYS

    def declared_in_config(self, res: Resource) -> bool:
        """A user of the config file (it has no page, so no page body)."""
        return res.type == "user" and res.file == self.config_file


def schema_beside(catalog: Catalog, res: Resource) -> str | None:
    """The ``schema.*`` file in a message page's own folder (v1 named no ``schemaPath``), if any."""
    prefix = f"{res.folder}/" if res.folder else ""
    for name in _SCHEMA_NAMES:
        if prefix + name in catalog.files.walked:
            return prefix + name
    return None


def detect(catalog: Catalog, config: tuple[str, str] | None) -> V1Layout | None:
    """The catalog's v1 layout, or None. A catalog is in v1's layout when its pages are named by
    ``name`` alone (at least as many resource pages without ``id`` as with one), or when some are
    and its config file is v1's (``module.exports`` with ``users``). ``config``: the name and text
    of its ``eventcatalog.config.*`` (``dependencies.read_config_text``), read once by the loader."""
    without_id: list[str] = []
    with_id = 0
    for res in catalog.resources:
        if res.type in PAGE_KINDS:
            continue
        if "id" in res.data:
            with_id += 1
        elif isinstance(res.data.get("name"), str):
            without_id.append(res.file)
    v1_config = config is not None and bool(_CJS_EXPORT.search(config[1])) and bool(_USERS_START.search(config[1]))
    if not without_id or (with_id > len(without_id) and not v1_config):
        return None
    users = config_users(config[1]) if config is not None else ()
    if v1_config:
        evidence = f"{config[0] if config else 'the config'} declares users with module.exports"
    else:
        evidence = f"{len(without_id)} of {len(without_id) + with_id} pages are named by name alone"
    return V1Layout(evidence, tuple(without_id), users, config[0] if config else None, frozenset(without_id))


def config_users(text: str) -> tuple[ConfigUser, ...]:
    """The users of a v1 config file's ``users: [...]`` array, read without running JavaScript:
    each ``{ ... }`` object directly in the array gives its ``id``, ``name`` and ``role`` when they
    are string literals. Anything else in the file is ignored."""
    start = _USERS_START.search(text)
    if start is None:
        return ()
    out: list[ConfigUser] = []
    for begin, end in _objects_in_array(text, start.end()):
        fields = {m.group(1): _ESCAPE.sub(r"\1", m.group(3)) for m in _FIELD.finditer(text, begin, end)}
        if "id" in fields:
            line = text.count("\n", 0, begin) + 1
            out.append(ConfigUser(fields["id"], fields.get("name"), fields.get("role"), line))
    return tuple(out)


def _objects_in_array(text: str, pos: int) -> list[tuple[int, int]]:
    """Spans of the ``{...}`` objects at depth one of the array opened just before ``pos``,
    skipping string literals and comments; stops at the array's closing bracket."""
    spans: list[tuple[int, int]] = []
    depth, begin, i, n = 0, -1, pos, min(len(text), pos + 500_000)
    while i < n:
        c = text[i]
        if c in "'\"`":
            i = _after_string(text, i, n)
            continue
        if text.startswith("//", i) or text.startswith("/*", i):
            close = text.find("\n" if text[i + 1] == "/" else "*/", i + 2, n)
            i = n if close < 0 else close + 1 + (text[i + 1] == "*")
            continue
        if c in "{[":
            if depth == 0 and c == "{":
                begin = i
            depth += 1
        elif c in "}]":
            if depth == 0:
                break
            depth -= 1
            if depth == 0 and c == "}" and begin >= 0:
                spans.append((begin, i + 1))
        i += 1
    return spans


def _after_string(text: str, i: int, n: int) -> int:
    """The index after the string literal that starts at ``i`` (backslash escapes skipped)."""
    quote, j = text[i], i + 1
    while j < n and text[j] != quote:
        j += 2 if text[j] == "\\" else 1
    return min(j + 1, n)


def user_resources(layout: V1Layout) -> list[Resource]:
    """The config file's users as ``user`` resources (file: the config, line: the user's object),
    so that owners resolve as they did in v1."""
    out: list[Resource] = []
    for user in layout.users:
        data = {"id": user.id, "name": user.name or user.id}
        if user.role:
            data["role"] = user.role
        locs = Locations({(): (user.line, 1)})
        out.append(Resource("user", layout.config_file or "eventcatalog.config.js", "", data, locs, "", user.line, None))
    return out
