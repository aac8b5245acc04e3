"""A small fast validator of frontmatter against EventCatalog's content schemas.

The schemas themselves are data in ``ecschemas`` (EventCatalog's ``content.config.ts``, 3.x and
4.x). ``validate(resource_type, data, file)`` yields ``Issue(kind, path, message, versions)`` where
kind is one of ``required``, ``type``, ``semver``, ``email``, ``invalid`` (enum, URL, date, shape),
``unknown`` (a top-level key the build rejects), ``unknown-dropped`` (one it ignores) and
``unknown-nested``; ``versions`` says which schema lines an issue holds for ("" all). The
``schema/*`` rules map kinds to rule names and keep the issues of the catalog's version
(``ecversion``). Values are checked as zod checks them: ``null`` is no value for an optional key.

Hand-written rather than JSON Schema: it runs once per page on catalogs of 45,000 pages, and
the mapping to the official linter's rule names needs the kind of each failure.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Hashable, Iterable
from typing import NamedTuple

from saga_lint.catalog import ecloads, versions
from saga_lint.suggest import did_you_mean

# a key path from the frontmatter's root, e.g. ("sends", 0, "id")
KeyPath = tuple[Hashable, ...]


class Issue(NamedTuple):
    """One way a frontmatter fails its schema: ``kind`` (see the module's docstring), where, what,
    and the EventCatalog schema lines it holds for (``""`` every line, ``"3"`` or ``"4"``)."""

    kind: str
    path: KeyPath
    message: str
    versions: str = ""


class T:  # spec node kinds
    name: str = ""


class Str(T):
    name = "string"


class Num(T):
    name = "number"


class Bool(T):
    name = "boolean"


class Any(T):
    name = "any"


class Date(T):
    """A YAML date (``2026-02-10`` unquoted): zod's ``z.date()``."""

    name = "date"


class CoerceDate(T):
    """Anything JavaScript's ``new Date(value)`` reads as a date: zod's ``z.coerce.date()``."""

    name = "date"


class Url(T):
    name = "URL"


class Email(T):
    name = "e-mail address"


class Enum(T):
    def __init__(self, *values: object):
        self.values = values
        self.name = "one of " + ", ".join(map(str, values))


class Arr(T):
    def __init__(self, item: T):
        self.item = item
        self.name = "array"


class Obj(T):
    def __init__(self, fields: dict[str, T] | None = None, required: tuple[str, ...] = (), open: bool = False):
        self.fields: dict[str, T] = fields or {}
        self.required = required
        self.open = open
        shown = [k if k in required else k + "?" for k in list(self.fields)[:4]]
        more = ", ..." if len(self.fields) > 4 else ""
        self.name = f"an object {{{', '.join(shown)}{more}}}" if shown and not open else "an object"


class Rec(T):
    """An object of any keys whose values are all ``value`` (zod's ``z.record``)."""

    def __init__(self, value: T):
        self.value = value
        self.name = "object"


class Ref(T):
    """Astro's ``reference(collection)``: an id (string or number) or ``{id, collection}``."""

    def __init__(self, collection: str):
        self.collection = collection
        self.name = f"an id or {{id, collection: {collection}}}"


class Union(T):
    def __init__(self, *options: T):
        self.options = options
        self.name = " or ".join(o.name for o in options)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# what the WHATWG URL parser (zod's url check) accepts, closely enough: a scheme, then no blank in the host
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:(?://[^\s/?#]+|(?!//)\S)\S*$")
_ISO_DATE = re.compile(r"^[+-]?\d{4,6}(-\d\d(-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d:?\d\d)?)?)?)?$", re.I)
_DATE_WORDS = frozenset(
    [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "january", "february",
        "march", "april", "june", "july", "august", "september", "october", "november", "december", "sept", "mon",
        "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
        "sunday", "am", "pm", "gmt", "utc", "z", "t"
    ]
)
_DATE_TOKEN = re.compile(r"[a-z]+|\d+|[^\sa-z\d]", re.I)


def suggest(key: str, known: Iterable[str]) -> str:
    return did_you_mean(key, list(known), cutoff=0.6)


def js_date_ok(text: str) -> bool:
    """Whether JavaScript's ``new Date(text)`` gives a date (ISO forms, and the loose forms V8
    reads: month names, weekdays, numbers and separators)."""
    t = text.strip()
    if not t:
        return False
    if _ISO_DATE.match(t):
        return True
    tokens = _DATE_TOKEN.findall(t)
    if not any(tok.isdigit() for tok in tokens):
        return False
    return all(tok.isdigit() or tok.lower() in _DATE_WORDS or tok in "-/.,:+()" for tok in tokens)


def _coerce_date_ok(value: object) -> bool:
    if value is None or isinstance(value, (bool, int, datetime.date)):
        return True
    if isinstance(value, float):
        return value == value and abs(value) != float("inf")
    if isinstance(value, str):
        return js_date_ok(value)
    if isinstance(value, list) and len(value) == 1:
        return _coerce_date_ok(value[0]) and not isinstance(value[0], (dict, list))
    return False


def _type_ok(value: object, spec: T) -> bool:
    """Cheap top-level type test used to pick a union branch."""
    test = _TYPE_TESTS.get(spec.__class__)
    return test(value, spec) if test is not None else False


def _is_num(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_TYPE_TESTS: dict[type[T], Callable[[object, T], bool]] = {
    Str: lambda v, s: isinstance(v, str),
    Num: lambda v, s: _is_num(v),
    Bool: lambda v, s: isinstance(v, bool),
    Any: lambda v, s: True,
    Date: lambda v, s: isinstance(v, (datetime.date, datetime.datetime)),
    CoerceDate: lambda v, s: True,
    Url: lambda v, s: isinstance(v, str),
    Email: lambda v, s: isinstance(v, str),
    Enum: lambda v, s: isinstance(s, Enum) and isinstance(v, str) and v in s.values,
    Arr: lambda v, s: isinstance(v, list),
    Obj: lambda v, s: isinstance(v, dict),
    Rec: lambda v, s: isinstance(v, dict),
    Ref: lambda v, s: isinstance(v, (str, dict)) or _is_num(v),
    Union: lambda v, s: isinstance(s, Union) and any(_type_ok(v, o) for o in s.options),
}


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (datetime.date, datetime.datetime)):
        return "date"
    return type(value).__name__


def check_value(value: object, spec: T, path: KeyPath, out: list[Issue]) -> None:
    """Append to ``out`` every way ``value`` (at ``path``) fails ``spec``."""
    if isinstance(spec, Str):  # most values: a string where a string is expected
        if not isinstance(value, str):
            out.append(Issue("type", path, f"must be {spec.name}, got {_describe(value)}"))
        return
    if isinstance(spec, Obj) and isinstance(value, dict):
        _check_object(value, spec, path, out)
        return
    if isinstance(spec, Arr) and isinstance(value, list):
        item_spec = spec.item
        for i, item in enumerate(value):
            check_value(item, item_spec, path + (i,), out)
        return
    if isinstance(spec, Any):
        return
    if isinstance(spec, Union):
        _check_union(value, spec, path, out)
        return
    if isinstance(spec, Enum):
        if value is None or not _type_ok(value, spec):
            got = _describe(value) if not isinstance(value, str) else repr(value[:80])
            out.append(Issue("invalid", path, f"must be {spec.name}, got {got}"))
        return
    _check_leaf(value, spec, path, out)


def _check_leaf(value: object, spec: T, path: KeyPath, out: list[Issue]) -> None:
    """The node kinds with a check of their own beyond the value's type."""
    if isinstance(spec, CoerceDate):
        if not _coerce_date_ok(value):
            out.append(Issue("invalid", path, f"must be a date (e.g. 2026-02-10), got {str(value)[:80]!r}"))
        return
    if isinstance(spec, Ref):
        _check_ref(value, spec, path, out)
        return
    if not _type_ok(value, spec):
        hint = " (a YAML date such as 2026-02-10, unquoted)" if isinstance(spec, Date) else ""
        out.append(Issue("type", path, f"must be {spec.name}{hint}, got {_describe(value)}"))
        return
    if isinstance(spec, Rec) and isinstance(value, dict):
        for key, item in value.items():
            check_value(item, spec.value, path + (key,), out)
    elif isinstance(spec, Email) and isinstance(value, str):
        if not _EMAIL.match(value):
            out.append(Issue("email", path, f"{value[:80]!r} is not a valid e-mail address"))
    elif isinstance(spec, Url) and isinstance(value, str) and not _URL.match(value):
        out.append(Issue("invalid", path, f"{value[:80]!r} is not a valid URL (e.g. https://example.com/doc)"))


def _check_ref(value: object, spec: Ref, path: KeyPath, out: list[Issue]) -> None:
    if isinstance(value, str) or _is_num(value):
        return
    if isinstance(value, dict):
        ident = value.get("id", value.get("slug"))
        if isinstance(ident, str) and value.get("collection") == spec.collection:
            return
        if isinstance(ident, str) and isinstance(value.get("collection"), str):
            got = str(value.get("collection"))[:40]
            out.append(Issue("invalid", path + ("collection",), f"must be {spec.collection!r}, got {got!r}"))
            return
    out.append(Issue("type", path, f"must be {spec.name} (e.g. a plain id), got {_describe(value)}"))


def _check_union(value: object, spec: Union, path: KeyPath, out: list[Issue]) -> None:
    """Valid when one option accepts the value; else the issues of the first option whose type
    the value has, or a type (or enum) issue when it has none of them."""
    first: list[Issue] | None = None
    for o in spec.options:
        if _type_ok(value, o):
            found: list[Issue] = []
            check_value(value, o, path, found)
            if not found:
                return
            if first is None:
                first = found
    if first is not None:
        out.extend(first)
    elif any(isinstance(o, Enum) for o in spec.options) and isinstance(value, str):
        out.append(Issue("invalid", path, f"must be {spec.name}, got {value[:80]!r}"))
    else:
        out.append(Issue("type", path, f"must be {spec.name}, got {_describe(value)}"))


def _check_object(value: dict[str, object], spec: Obj, path: KeyPath, out: list[Issue]) -> None:
    for required in spec.required:
        item = value.get(required)
        if item is None and not (required in value and isinstance(spec.fields.get(required), CoerceDate)):
            out.append(Issue("required", path + (required,), f'required key "{required}" is missing'))
    fields = spec.fields
    for key, item in value.items():
        sub = fields.get(key)
        if sub is None:
            if not spec.open and not (isinstance(key, str) and key.startswith("x-")):
                out.append(
                    Issue("unknown-nested", path + (key,), f'unknown key "{key}".{suggest(str(key), spec.fields)}')
                )
            continue
        if item is None and key in spec.required:
            continue  # reported as missing
        check_value(item, sub, path + (key,), out)


def page_kind(rtype: str, file: str) -> str | None:
    """The content collection a page of type ``rtype`` at ``file`` is validated as (None: not validated)."""
    return None if rtype == "page" else ecloads.kind_of(rtype, file)


def validate(rtype: str, data: dict[str, object], file: str = "", loading: tuple[str, ...] | None = None) -> list[Issue]:
    """Every way a frontmatter of type ``rtype`` (page ``file``) fails EventCatalog's content
    schemas, 3.x and 4.x; an issue of one line only says which (a page fact: ``pagefacts``).
    ``loading``: the lines that load the page (``ecloads.loads``), when the caller knows them."""
    from saga_lint.catalog import ecschemas

    kind = page_kind(rtype, file)
    if kind is None:
        return []
    lines = list(loading) if loading is not None else [line for line in ecloads.LINES if ecloads.loads(line, kind, file)]
    if not lines:  # no version loads the page: structure/not-loaded says so, the build never reads it
        return []
    out = _validate_plain(kind, data) if kind in ecschemas.PLAIN else _validate_resource(kind, data, "3" in lines)
    if len(lines) == 1:  # a page one line loads: what is wrong with it is wrong for that line only
        return [i._replace(versions=lines[0]) for i in out if i.versions in ("", lines[0])]
    return out


def _validate_resource(kind: str, data: dict[str, object], in3: bool) -> list[Issue]:
    """A versioned resource's issues in both lines (``in3``: 3.x loads the page; else the 4.x
    schema stands for both, and the caller tags every issue as 4.x's)."""
    from saga_lint.catalog import ecschemas

    f4 = ecschemas.FIELDS4.get(kind)
    if f4 is None:
        return []
    f3 = ecschemas.FIELDS3.get(kind) if in3 else None
    out: list[Issue] = []
    for key in ("id", "name", "version", *ecschemas.REQUIRED.get(kind, ())):
        if data.get(key) is None and not (key in data and isinstance(f4.get(key), CoerceDate)):
            out.append(Issue("required", (key,), f'required key "{key}" is missing'))
    for key, value in data.items():
        if value is None and any(i.path == (key,) and i.kind == "required" for i in out):
            continue  # reported as missing
        _check_top(str(key), value, f3 if f3 is not None else f4, f4, out)
    return out


def _validate_plain(kind: str, data: dict[str, object]) -> list[Issue]:
    """Teams, users, changelogs, docs, ubiquitous language: plain objects (unknown keys dropped)."""
    from saga_lint.catalog import ecschemas

    fields = ecschemas.PLAIN[kind]
    out: list[Issue] = []
    for key in ecschemas.PLAIN_REQUIRED.get(kind, ()):
        if data.get(key) is None:
            out.append(Issue("required", (key,), f'required key "{key}" is missing'))
    for key, value in data.items():
        spec = fields.get(str(key))
        if spec is None:
            if kind in _WARN_DROPPED and not str(key).startswith("x-"):
                out.append(Issue("unknown-dropped", (key,), f'unknown property "{key}": EventCatalog ignores it.'
                                 f'{_plain_hint(kind, str(key), fields)}'))
            continue
        if value is None and key in ecschemas.PLAIN_REQUIRED.get(kind, ()):
            continue
        check_value(value, spec, (key,), out)
    return out


def _plain_hint(kind: str, key: str, fields: dict[str, T]) -> str:
    """What to say of an unknown key of a team, user, ...: a key other resources take (``owners`` on
    a team) is said so, not matched to a field of the page's own (``ownedQueries``)."""
    from saga_lint.catalog import ecschemas

    if any(key in f for f in ecschemas.FIELDS4.values()):
        return f' A {kind} page has no "{key}": it is a field of services, messages and other resources.'
    return suggest(key, fields)


# plain collections whose unknown keys are worth a warning (docs pages carry keys of their own tools)
_WARN_DROPPED = frozenset(("team", "user", "changelog", "ubiquitous-language"))


def _check_top(key: str, value: object, f3: dict[str, T], f4: dict[str, T], out: list[Issue]) -> None:
    """One top-level key, in both schema lines; what differs between them is tagged."""
    if key == "version":
        _check_version(value, out)
        return
    s3, s4 = f3.get(key), f4.get(key)
    if s3 is s4 and s4 is not None:
        check_value(value, s4, (key,), out)
        return
    found3 = _line_issues(key, value, s3, 3, f3, s4 is not None)
    found4 = _line_issues(key, value, s4, 4, f4, s3 is not None)
    for issue in found3:
        out.append(issue if issue in found4 else issue._replace(versions="3"))
    out.extend(issue._replace(versions="4") for issue in found4 if issue not in found3)


def _line_issues(key: str, value: object, spec: T | None, line: int, known: dict[str, T], other_knows: bool) -> list[Issue]:
    """The issues of one top-level key in one schema line (3 or 4); ``other_knows``: the other
    line has the key."""
    found: list[Issue] = []
    if spec is not None:
        check_value(value, spec, (key,), found)
        return found
    if key.startswith("x-") and (line == 3 or len(key) > 2):
        return found
    hint = "" if other_knows else suggest(key, known)
    if line == 3:
        later = f'4.x reads "{key}"' if other_knows else "4.x rejects it"
        found.append(Issue("unknown-dropped", (key,), f'unknown property "{key}": EventCatalog 3.x ignores it '
                           f'(custom properties start with "x-"; {later}).{hint}'))
    else:
        found.append(Issue("unknown", (key,), f'unknown property "{key}"; custom properties must start with "x-".{hint}'))
    return found


def _check_version(value: object, out: list[Issue]) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        out.append(Issue("type", ("version",), f"version must be a string, got {_describe(value)}"))
    elif not isinstance(value, str):
        out.append(Issue("type", ("version",), f'version must be a string, got the number {value}; quote it: "{value}"'))
    elif not versions.is_valid_resource_version(value):
        out.append(Issue("semver", ("version",), _not_semver(value)))


def _not_semver(value: str) -> str:
    """The message for a ``version`` the official linter rejects; a number-like one is told what
    EventCatalog reads it as, and that the fix is to write that."""
    shown = value[:80].encode("unicode_escape").decode("ascii")
    c = versions.coerce(value)
    if c is not None and value.strip() != value:
        return f'version "{shown}" has spaces or line breaks around it; write {value.strip()}'
    if c is not None and value.startswith("v") and versions.is_valid_resource_version(value[1:]):
        return f'version "{shown}" starts with "v", which semver does not allow; write {c}'
    if c is not None:
        return (f'version "{shown}" is not semver: EventCatalog reads it as {c}, but the official linter and '
                f"semver ranges need major.minor.patch. Write {c}")
    return f'version "{shown}" is not semver (e.g. 1.0.0) or "latest"'


def read_by_4_only(issues: Iterable[Issue]) -> list[Issue]:
    """The issues of a page that hold for 3.x and that 4.x has nowhere at the same place: a key
    3.x drops and 4.x reads (a domain's ``systems``, ``receives[].triggers``), a value 4.x
    accepts (``appliesTo[].type: system``). A key both lines refuse (4.x rejecting it, 3.x
    dropping it) or a value both refuse, each with its own message, is not one of them."""
    listed = list(issues)
    elsewhere = {i.path for i in listed if i.versions != "3"}
    return [i for i in listed if i.versions == "3" and i.path not in elsewhere]
