"""Every contract file a resource has, as the review compares them: the schema files its page
names, the schema files beside a message page that names none, and its API specifications.

- ``beside(catalog, res)``: schema files (``schema.json``, ``*.avsc``, ``*.proto``, ...) in a
  message's own folder when its frontmatter names no schema (no ``schemaPath``, no
  ``schemas[]``): EventCatalog shows none of them, but they are the contract its producers and
  consumers use, so a change to them is compared too, and the finding asks for ``schemaPath``;
- ``message_schema(catalog, res)``: the primary JSON schema of a message (``load_message_schema``),
  else its one readable JSON schema beside the page;
- ``has_schema(catalog, res)``: the message has a schema file that exists and is not empty (named or beside);
- ``unreadable(catalog, res, side)``: why the message's contract file cannot be compared on one
  side (missing, or not parsing), in words; None when it can be read;
- ``spec_paths(res)``: ``(kind, path as written)`` of the OpenAPI/AsyncAPI/GraphQL files its
  ``specifications`` name;
- ``spec_endpoints(catalog, res, text)``: what a specification offers, listed, not judged: an
  OpenAPI file's operations (``GET /orders``), an AsyncAPI file's channels and operations; None
  when the file is not a readable JSON/YAML document.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.catalog.model import MESSAGE_TYPES

if TYPE_CHECKING:
    from saga_lint.catalog.model import Catalog, Resource
    from saga_lint.catalog.schemas.model import LoadedSchema

BESIDE_SUFFIXES = (".json", ".yaml", ".yml", ".avsc", ".avro", ".proto")
_NOT_SCHEMAS = ("package.json", "package-lock.json", "tsconfig.json", "openapi.yml", "openapi.yaml", "openapi.json",
                "asyncapi.yml", "asyncapi.yaml", "asyncapi.json")
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SPEC_KEYS = {"openapiPath": "OpenAPI", "asyncapiPath": "AsyncAPI", "graphqlPath": "GraphQL"}


Folders = dict[str, list[str]]  # folder -> names of the candidate schema files in it


def schema_folders(catalog: Catalog) -> Folders:
    """Every folder's candidate schema files (names, sorted): one pass over the catalog's files."""
    out: Folders = {}
    for rel in sorted(catalog.other_files):
        parent, _, name = rel.rpartition("/")
        if name.lower().endswith(BESIDE_SUFFIXES) and name.lower() not in _NOT_SCHEMAS:
            out.setdefault(parent, []).append(name)
    return out


def beside(catalog: Catalog, res: Resource, folders: Folders | None = None) -> list[str]:
    """File names of the schema files beside a message page that names no schema (those named
    like a schema first, then by name);
    ``folders``: ``schema_folders(catalog)`` when the caller asks for many pages."""
    from saga_lint.catalog.schemas import schema_paths

    if res.type not in MESSAGE_TYPES or any(True for _ in schema_paths(res)):
        return []
    if folders is None:
        folders = schema_folders(catalog)
    # a file named like a schema first: an example payload beside it is not the contract
    return sorted(folders.get(res.folder, []), key=lambda name: ("schema" not in name.lower(), name))


def message_schema(catalog: Catalog, res: Resource) -> LoadedSchema | None:
    """The message's JSON schema: the one its page names, else the one JSON schema beside it."""
    from saga_lint.catalog.schemas import load_message_schema, load_schema_file

    loaded = load_message_schema(catalog, res)
    if loaded is not None:
        return loaded
    found = [s for s in (load_schema_file(catalog.files, res.folder, name) for name in beside(catalog, res)) if s]
    return found[0] if len(found) == 1 else None


def has_schema(catalog: Catalog, res: Resource, folders: Folders | None = None) -> bool:
    """The message has a schema file that exists: one its page names, or one beside it."""
    from saga_lint.catalog.paths import resolve_in_catalog
    from saga_lint.catalog.schemas import schema_paths

    named = [text for _path, text in schema_paths(res)]
    if not named:
        return any(_not_empty(catalog, f"{res.folder}/{name}" if res.folder else name) for name in beside(catalog, res, folders))
    found = (resolve_in_catalog(catalog.files, res.folder, text) for text in named)
    return any(status == "ok" and rel is not None and _not_empty(catalog, rel) for status, rel in found)


def _not_empty(catalog: Catalog, rel: str) -> bool:
    """The file holds something besides white space (an empty schema file publishes nothing)."""
    from saga_lint.catalog.fileio import read_capped

    try:
        raw, _st = read_capped(catalog.files.abs_path(rel), 4096)
    except OSError:
        return True  # unreadable is not known to be empty: the comparison says why
    return raw is None or bool(raw.strip())


def unreadable(catalog: Catalog, res: Resource, side: str) -> str | None:
    """Why the first schema file the message names (``schemaPath`` first), else the first beside
    its page, cannot be compared at ``side`` (``base`` or ``head``): it is missing, or it does not
    parse (with the parser's words); None when it is there and parses, or there is none."""
    from saga_lint.catalog.paths import resolve_in_catalog
    from saga_lint.catalog.schemas import schema_paths
    from saga_lint.catalog.schemas.model import SCHEMA_SUFFIXES
    from saga_lint.catalog.schemas.read import read_schema_file

    named = sorted(schema_paths(res), key=lambda item: item[0][0] != "schemaPath")
    texts = [text for _path, text in named] or [f"./{name}" for name in beside(catalog, res)]
    if not texts:
        return None
    status, rel = resolve_in_catalog(catalog.files, res.folder, texts[0])
    shown = texts[0].removeprefix("./")
    if status != "ok" or rel is None:
        return f"{shown} is missing at {side}"
    if not rel.lower().endswith(SCHEMA_SUFFIXES):
        return None
    f = read_schema_file(catalog.files, rel)
    if f.parsed:
        return None
    why = f"line {f.problems[0].line}: {f.problems[0].message}" if f.problems else "it is not JSON or YAML"
    return f"{shown} does not parse at {side} ({why})"


def unnamed_note(names: list[str]) -> str:
    """What a finding about a schema beside the page adds: the page names none, and the fix."""
    if not names:
        return ""
    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
    return (f" (compared with {shown} beside the page, which has no schemaPath: add `schemaPath: {names[0]}` "
            "so that EventCatalog shows it)")


def spec_paths(res: Resource) -> Iterator[tuple[str, str]]:
    """``(kind, path as written)`` of every specification file the resource's ``specifications`` name."""
    specs = res.data.get("specifications")
    if isinstance(specs, dict):
        for key, kind in _SPEC_KEYS.items():
            if isinstance(specs.get(key), str):
                yield kind, specs[key]
    elif isinstance(specs, list):
        for s in specs:
            if isinstance(s, dict) and isinstance(s.get("path"), str):
                kind = str(s.get("type") or "").lower()
                yield {"openapi": "OpenAPI", "asyncapi": "AsyncAPI", "graphql": "GraphQL"}.get(kind, "specification"), s["path"]


def spec_endpoints(catalog: Catalog, res: Resource, text: str) -> set[str] | None:
    """The operations and channels a specification file offers (``GET /orders``, ``channel
    orders.created``, ``operation sendOrder``); None when it cannot be read as JSON or YAML."""
    from saga_lint.catalog.paths import resolve_in_catalog
    from saga_lint.catalog.schemas.model import SCHEMA_SUFFIXES
    from saga_lint.catalog.schemas.read import read_schema_file

    status, rel = resolve_in_catalog(catalog.files, res.folder, text)
    if status != "ok" or rel is None or not rel.lower().endswith(SCHEMA_SUFFIXES):
        return None
    f = read_schema_file(catalog.files, rel)
    doc = f.document if f.parsed else None
    if not isinstance(doc, dict):
        return None
    out: set[str] = set()
    paths = doc.get("paths")
    for path, item in (paths.items() if isinstance(paths, dict) else ()):
        methods = [m.upper() for m in item if str(m).lower() in _HTTP_METHODS] if isinstance(item, dict) else []
        if methods:
            out.update(f"{m} {path}" for m in methods)
        else:
            out.add(str(path))
    for key, word in (("channels", "channel"), ("operations", "operation")):
        named = doc.get(key)
        if isinstance(named, dict):
            out.update(f"{word} {name}" for name in named)
    return out
