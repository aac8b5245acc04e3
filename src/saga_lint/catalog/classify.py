"""Which page a file is, by its path: the nearest collection-named ancestor folder (``events``,
``services``, ``flows``, ...) says a resource's type; ``versioned/<v>/`` holds older versions;
teams and users are single files; ``docs/**`` are custom pages (docs/architecture.md, "Layout
decisions"). A page under a collection that matches no pattern, or under a folder named almost
like a collection (``event/``, ``Services/``), is ``structure/unrecognised-file``, with the place
it probably belongs in the message (``unrecognised_message``).
"""

from __future__ import annotations

from saga_lint.catalog.walk import is_page
from saga_lint.findings import Finding, Severity
from saga_lint.suggest import edit_distance
from saga_lint.words import with_article

# collection folder -> resource type
COLLECTIONS: dict[str, str] = {
    "events": "event",
    "commands": "command",
    "queries": "query",
    "services": "service",
    "domains": "domain",
    "subdomains": "domain",
    "systems": "system",
    "flows": "flow",
    "channels": "channel",
    "containers": "container",
    "entities": "entity",
    "agents": "agent",
    "adrs": "adr",
    "data-products": "data-product",
    "diagrams": "diagram",
}
# collections whose resources may sit in nested sub-folders (``**`` globs in EventCatalog core)
NESTED_COLLECTIONS = {"systems", "flows", "channels", "containers", "diagrams"}
# folders whose pages EventCatalog reads as resources (teams and users are single files)
RESOURCE_FOLDERS = frozenset(COLLECTIONS) | {"teams", "users"}


def classify(rel_parts: tuple[str, ...]) -> tuple[str | None, str | None]:
    """Kind of a page from its relative path parts (folders + file name).

    Returns ``(kind, versioned)``: kind is a resource type, a page kind (``doc``, ``changelog``,
    ``ubiquitous-language``, ``page``), ``"unrecognised"`` for a page inside a resource folder that no
    pattern matches, or None for a page outside any collection (ignored, e.g. a root README). A
    ``README`` outside ``docs/`` is never unrecognised: EventCatalog ignores it, and it is the
    repository's documentation of its folder (catalogs kept beside code), not a misplaced page."""
    name = rel_parts[-1]
    folders = rel_parts[:-1]
    stem = name.rsplit(".", 1)[0]
    if folders and folders[0] == "docs":
        return "doc", None
    if "docs" in folders and any(f in COLLECTIONS for f in folders[: folders.index("docs")]):
        return "doc", None
    if folders and folders[-1] in ("teams", "users") and (len(folders) == 1 or (len(folders) == 3 and folders[0] == "federated")):
        return folders[-1][:-1], None
    if stem == "changelog":
        return "changelog", None
    if stem == "ubiquitous-language":
        return "ubiquitous-language", None
    if folders and folders[-1] == "pages":
        return "page", None
    in_collection = any(f in RESOURCE_FOLDERS for f in folders)
    if stem.lower() == "readme":  # the repository's documentation of a folder (code beside the catalog), not a page
        return None, None
    if stem != "index":
        return ("unrecognised" if in_collection or _near_miss_folder(folders) else None), None
    versioned = None
    p = folders
    if len(p) >= 3 and p[-2] == "versioned":
        versioned = p[-1]
        p = p[:-2]
    for i in range(len(p) - 2, -1, -1):
        coll = p[i]
        if coll in COLLECTIONS:
            depth = len(p) - 1 - i
            if depth == 1 or coll in NESTED_COLLECTIONS:
                return COLLECTIONS[coll], versioned
            return "unrecognised", None
    # an index no pattern matches: directly in a collection folder (events/index.mdx), in a
    # folder of a flat-file collection (users/jane/index.mdx), or under a folder named almost
    # like a collection (event/, Services/): EventCatalog ignores it
    if in_collection or _near_miss_folder(folders):
        return "unrecognised", None
    return None, None



def near_miss_folder(name: str) -> str | None:
    """The collection folder a folder name was probably meant to be (``event``, ``Services``,
    ``comands``): the same name in another case, or one edit away (two for names of eight
    letters or more) for names of five letters or more. None for a collection's own name."""
    if name in RESOURCE_FOLDERS:
        return None
    lower = name.lower()
    if lower in RESOURCE_FOLDERS:
        return lower
    if len(name) < 5 or len(name) > 40:
        return None
    limit = 2 if len(name) >= 8 else 1
    best: tuple[int, str] | None = None
    for candidate in sorted(RESOURCE_FOLDERS):
        d = edit_distance(lower, candidate)
        if d <= limit and (best is None or d < best[0]):
            best = (d, candidate)
    return best[1] if best else None


def _near_miss_folder(folders: tuple[str, ...]) -> bool:
    """Some folder is named almost like a collection (asked only of pages in no collection)."""
    return any(near_miss_folder(f) for f in folders)


def _grouped(collection: str, prefix: str, after: list[str], ext: str, ignored: str) -> str | None:
    """The message for an index page grouped into a sub-folder of a collection that is one folder
    deep (``events/Orders/OrderPlaced/index.mdx``, with or without ``versioned/<v>/``): where it
    belongs. None for any other shape."""
    tail = after[-3:] if len(after) >= 3 and after[-2] == "versioned" else after[-1:]
    groups = after[: len(after) - len(tail)]
    if not groups or collection not in COLLECTIONS or collection in NESTED_COLLECTIONS or "versioned" in groups:
        return None
    deep = "one folder" if len(groups) == 1 else f"{len(groups)} folders"
    return (f"{with_article(COLLECTIONS[collection])} is one folder below {collection}/, so {ignored} "
            f"({'/'.join(groups)}/ groups it {deep} too deep); move it to {prefix}/{'/'.join(tail)}/index{ext}")


def unloaded_index(rel: str) -> tuple[str, str] | None:
    """``(resource type, folder name)`` of an index page ``classify`` calls unrecognised: the type
    its nearest collection folder (or a folder named almost like one) holds, and the folder named
    after the resource (above ``versioned/<v>/``). None for a page that is no index page."""
    parts = rel.split("/")
    if len(parts) < 2 or parts[-1].rsplit(".", 1)[0] != "index":
        return None
    folder = parts[-4] if len(parts) >= 4 and parts[-3] == "versioned" else parts[-2]
    for f in reversed(parts[:-1]):
        name = f if f in RESOURCE_FOLDERS else near_miss_folder(f)
        if name:
            return COLLECTIONS.get(name, name[:-1]), folder  # teams -> team, users -> user
    return None


def unrecognised_message(rel: str) -> str:
    """What is wrong with a page ``classify`` calls unrecognised, and where it probably belongs."""
    parts = rel.split("/")
    folders, name = parts[:-1], parts[-1]
    stem, _, ext = name.rpartition(".")
    ext = "." + ext if stem else ""
    stem = stem or name
    is_index = stem == "index"
    ignored = "EventCatalog ignores this page"
    for i, folder in enumerate(folders):
        fixed = near_miss_folder(folder)
        if fixed:
            path = "/".join(parts[:i] + [fixed] + parts[i + 1 :])
            return f'folder "{folder}" is not an EventCatalog collection, so {ignored}; did you mean {path}?'
    last = max((i for i, f in enumerate(folders) if f in RESOURCE_FOLDERS), default=-1)
    if last < 0:  # pragma: no cover - classify reports no such page
        return f"{ignored}; move it to <collection>/<name>/index.mdx or into a docs/ folder"
    collection = folders[last]
    prefix = "/".join(folders[: last + 1])
    after = folders[last + 1 :]
    if collection in ("teams", "users"):  # read from the catalog root's folder only
        rid = after[-1] if is_index and after else stem
        where = f"{collection}/{rid}{ext or '.mdx'}"
        if not after:  # a single file already, in a teams/ folder below the root
            above = folders[:last]
            other_root = "" if any(f in RESOURCE_FOLDERS for f in above) else \
                f" (or, if {'/'.join(above)}/ is the catalog, run saga-lint on it)"
            return (f"{collection} are read only from the {collection}/ folder at the catalog's root, so {ignored}; "
                    f"move it to {where}{other_root}")
        return f"{collection} are single files, so {ignored}; move it to {where}"
    if not after and not is_index:
        return f"a resource is a folder with an index page, so {ignored}; move it to {prefix}/{stem}/index{ext or '.mdx'}"
    if not after:
        return f"each resource needs its own folder, so {ignored}; move it to {prefix}/<id>/index{ext or '.mdx'}"
    if after[-1] == "versioned" and is_index:
        return (
            f"an older version needs a folder named after it, so {ignored}; "
            f"move it to {'/'.join(folders)}/<version>/index{ext}"
        )
    if not is_index:
        return (
            f"only index pages are resources, so {ignored}; move extra documentation into a docs/ folder, "
            f"e.g. {'/'.join(folders)}/docs/{name}"
        )
    grouped = _grouped(collection, prefix, after, ext, ignored)
    if grouped:
        return grouped
    return (
        f"no EventCatalog pattern matches this page, so {ignored}; "
        "move it to <collection>/<name>/index.mdx or into a docs/ folder"
    )


def page_kind(rel: str, name: str, findings: list[Finding]) -> tuple[str, str | None] | None:
    """``(kind, versioned)`` of a page to parse, or None (not a page, or a page no pattern matches:
    then reported into ``findings``)."""
    if not is_page(name):
        return None
    kind, versioned = classify(tuple(rel.split("/")))
    if kind is None:
        return None
    if kind == "unrecognised":
        findings.append(Finding("structure/unrecognised-file", Severity.WARNING, unrecognised_message(rel), rel, 1, 1))
        return None
    return kind, versioned
