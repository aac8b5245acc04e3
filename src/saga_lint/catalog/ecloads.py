"""Which pages each EventCatalog line loads: the glob patterns of its content collections as data,
and the test of one page's path against them.

saga-lint reads more than EventCatalog does (a service under any folder, a system under any
line), so that references resolve and nothing is lost; EventCatalog's build loads a page only when
its path matches one of the patterns of the collection the page belongs to, and drops every other
page silently. ``loads(line, kind, file)`` says which; ``structure/not-loaded`` and
``schema/undeclared-version`` report it, and ``fmschema`` judges a page only for the lines that
load it.

Source of truth: the ``glob({pattern})`` of every collection in ``eventcatalog/src/content.config.ts``
of ``@eventcatalog/core`` 3.48.4 (npm) and of event-catalog/eventcatalog at c6cfda58 (4.7.5;
``withFederatedContent`` adds ``federated/*/`` before each pattern of services, resource docs,
domains, ubiquitous language, users and teams). tests/test_build_oracle.py compares the pages
saga-lint says 3.48.4 loads with the pages in the build's data store.
"""

from __future__ import annotations

import re
from functools import cache

_IDX = "index.(md|mdx)"
_FLAT = {"event": "events", "command": "commands", "query": "queries", "data-product": "data-products",
         "agent": "agents", "adr": "adrs", "entity": "entities"}
_NESTED = {"flow": "flows", "container": "containers", "channel": "channels", "diagram": "diagrams"}
_DOC_PARENTS3 = "{agents,events,commands,queries,services,flows,containers,channels,entities,data-products}"
_DOC_PARENTS4 = "{agents,events,commands,queries,services,flows,containers,channels,entities,data-products,systems}"


def _versioned(*folders: str) -> tuple[str, ...]:
    """A resource folder's index and its versioned indexes."""
    return tuple(p for f in folders for p in (f"{f}/{_IDX}", f"{f}/versioned/*/{_IDX}"))


def _docs(parents: str) -> tuple[str, ...]:
    return (f"{parents}/**/docs/**/*.@(md|mdx)", f"{parents}/**/docs/*.@(md|mdx)",
            f"{parents}/**/versioned/*/docs/**/*.@(md|mdx)", f"{parents}/**/versioned/*/docs/*.@(md|mdx)",
            "domains/**/docs/**/*.@(md|mdx)", "domains/**/docs/*.@(md|mdx)")


def _federated(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """4.x's ``withFederatedContent``: each pattern also under ``federated/*/``."""
    return patterns + tuple(f"!federated/*/{p[1:]}" if p.startswith("!") else f"federated/*/{p}" for p in patterns)


_COMMON: dict[str, tuple[str, ...]] = {
    **{kind: _versioned(f"**/{folder}/*") for kind, folder in _FLAT.items()},
    **{kind: _versioned(f"**/{folder}/**") for kind, folder in _NESTED.items()},
    "page": ("**/pages/*.(md|mdx)",),
    "changelog": ("**/changelog.(md|mdx)",),
    "custom-doc": ("docs/*.(md|mdx)", "docs/**/*.@(md|mdx)"),
}
_SERVICES3 = _versioned("domains/*/services/*", "domains/*/subdomains/*/services/*", "services/*")
_DOMAINS = _versioned("domains/*", "domains/*/subdomains/*")
_UBIQUITOUS = ("domains/*/ubiquitous-language.(md|mdx)", "domains/*/subdomains/*/ubiquitous-language.(md|mdx)")
_SYSTEM_PARTS = ("agents", "services", "events", "commands", "queries", "flows", "channels", "entities", "containers",
                 "diagrams", "data-products", "adrs", "docs")

# line -> page kind -> patterns ("!" excludes); a kind a line does not list has no collection there
PATTERNS: dict[str, dict[str, tuple[str, ...]]] = {
    "3": {
        **_COMMON,
        "service": _SERVICES3,
        "domain": _DOMAINS,
        "resource-doc": _docs(_DOC_PARENTS3),
        "ubiquitous-language": _UBIQUITOUS,
        "user": ("users/*.(md|mdx)",),
        "team": ("teams/*.(md|mdx)",),
    },
    "4": {
        **_COMMON,
        "service": _federated(_versioned("domains/*/services/*", "domains/*/subdomains/*/services/*",
                                         "systems/*/services/*", "domains/*/systems/*/services/*", "services/*")),
        "domain": _federated(_DOMAINS),
        "system": (*_versioned("**/systems/**"), *(f"!**/systems/**/{part}/**" for part in _SYSTEM_PARTS)),
        "resource-doc": _federated(_docs(_DOC_PARENTS4)),
        "ubiquitous-language": _federated(_UBIQUITOUS),
        "user": _federated(("users/*.(md|mdx)",)),
        "team": _federated(("teams/*.(md|mdx)",)),
    },
}
LINES = ("3", "4")
_KNOWN_KINDS = frozenset(kind for line in LINES for kind in PATTERNS[line])  # the kinds some line has a collection for
# folder names kept as they are in a page's shape (``shape``); any other folder is a ``*``
_STRUCTURAL = frozenset(
    {*_FLAT.values(), *_NESTED.values(), "services", "domains", "subdomains", "systems", "versioned", "docs", "teams",
     "users", "pages", "federated"}
)
_NAMED_FILES = ("index", "changelog", "ubiquitous-language")


def _regex(glob: str) -> str:
    """picomatch's reading of the patterns above, as a regular expression: ``**/`` any folders
    (none starting with a dot), ``/**`` at the end anything below, ``*`` within one name,
    ``{a,b}`` and ``(a|b)``/``@(a|b)`` alternatives."""
    out: list[str] = []
    i, braces = 0, 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append(r"(?:[^/.][^/]*/)*")
            i += 3
            continue
        if glob.startswith("/**", i) and i + 3 == len(glob):
            out.append(r"(?:/.*)?")
            break
        c = glob[i]
        if c == "*":
            out.append(r"[^/]*")
        elif c == "{":
            braces += 1
            out.append("(?:")
        elif c == "}":
            braces -= 1
            out.append(")")
        elif c == "," and braces:
            out.append("|")
        elif c == "@" and glob.startswith("@(", i):
            pass
        elif c == "(":
            out.append("(?:")
        elif c in "|)":
            out.append(c)
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _compile(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str] | None]:
    """The include and exclude patterns of one collection, compiled."""
    include = [_regex(p) for p in patterns if not p.startswith("!")]
    exclude = [_regex(p[1:]) for p in patterns if p.startswith("!")]
    return (re.compile("(?:" + "|".join(f"(?:{p})" for p in include) + r")\Z"),
            re.compile("(?:" + "|".join(f"(?:{p})" for p in exclude) + r")\Z") if exclude else None)


@cache
def _compiled(line: str, kind: str) -> tuple[re.Pattern[str], re.Pattern[str] | None] | None:
    """One collection's patterns compiled, on first use (compiling them all took 10 ms of every
    run's start, before the loader's workers could start; each process compiles what it asks)."""
    patterns = PATTERNS[line].get(kind)
    return _compile(patterns) if patterns is not None else None


def kind_of(rtype: str, file: str) -> str:
    """The collection kind of a page of type ``rtype`` at ``file``: its type, or ``custom-doc``
    (``docs/**``) and ``resource-doc`` (a resource's ``docs/`` folder) for docs pages."""
    if rtype == "doc":
        return "custom-doc" if file.startswith("docs/") else "resource-doc"
    return rtype


def has_collection(line: str, kind: str) -> bool:
    """Whether the EventCatalog line has a collection for pages of ``kind`` at all."""
    return kind in PATTERNS[line]


def loads(line: str, kind: str, file: str) -> bool:
    """Whether EventCatalog ``line`` (``"3"`` or ``"4"``) loads the page ``file`` (catalog-relative,
    POSIX) of ``kind`` (``fmschema.page_kind``, or ``page``). A kind no line knows is loaded (not
    ours to judge); an empty ``file`` too."""
    if not file or kind not in _KNOWN_KINDS:
        return True
    found = _compiled(line, kind)
    if found is None:
        return False
    include, exclude = found
    return include.match(file) is not None and (exclude is None or exclude.match(file) is None)


def shape(file: str) -> str:
    """A page's place with its own names left out: ``domains/*/systems/*/services/*/index.mdx``
    for ``domains/Ordering/systems/oms/services/OrderService/index.mdx``."""
    *folders, name = file.split("/")
    stem, dot, ext = name.rpartition(".")
    shown = name if stem in _NAMED_FILES else f"*{dot}{ext}" if dot else "*"
    return "/".join([*(f if f in _STRUCTURAL else "*" for f in folders), shown])


def where(line: str, kind: str) -> str:
    """Where ``line`` loads pages of ``kind`` from, for a message (``services/*/index.mdx, ...``)."""
    shown = [p.replace(".(md|mdx)", ".mdx").replace(".@(md|mdx)", ".mdx") for p in PATTERNS[line].get(kind, ())
             if not p.startswith(("!", "federated/")) and "/versioned/" not in p]
    return ", ".join(shown)
