"""What the JSON schema loading deals in: a file as read (``SchemaFile``), a schema as analysed
(``LoadedSchema``), one problem (``SchemaProblem``), the caps and the keywords that hold subschemas."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from saga_lint.catalog.schemas.positions import json_position

if TYPE_CHECKING:
    from referencing import Registry
    from referencing._core import Resolver

    from saga_lint.catalog.yaml.locations import Locations

MAX_JSON_DEPTH = 64  # nested objects/arrays; jsonschema's own validation recurses per level
MAX_REF_FILES = 64  # files one schema may pull in through $ref
MAX_NODES = 200_000  # schema objects examined for $ref and loops, per schema

RULE_INVALID = "schema/invalid-json-schema"
RULE_REMOTE = "security/remote-ref"

SCHEMA_SUFFIXES = (".json", ".yaml", ".yml")

# keywords whose value is a subschema / a list of them / a map of them
SUB_ONE = ("additionalProperties", "additionalItems", "unevaluatedItems", "unevaluatedProperties",
           "contains", "propertyNames", "not", "if", "then", "else", "items")
SUB_LIST = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
SUB_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies")
# keywords applied to the same value (a loop through these never ends)
IN_PLACE_ONE = ("not", "if", "then", "else")
IN_PLACE_LIST = ("allOf", "anyOf", "oneOf")

# a key path inside a schema document: object keys and array indexes
SchemaPath = tuple[Hashable, ...]


@dataclass(frozen=True)
class SchemaProblem:
    """One problem of a schema file, at a line and column of the file it is in."""

    rule: str  # RULE_INVALID or RULE_REMOTE
    message: str
    file: str  # catalog-relative file the problem is in
    line: int = 1
    column: int = 1

    def __post_init__(self) -> None:
        # JSON allows lone surrogates ("\ud800"); they cannot be written as UTF-8: replace them
        object.__setattr__(self, "message", _encodable(self.message))

    @property
    def key(self) -> tuple[str, str, int, int, str]:
        return (self.rule, self.file, self.line, self.column, self.message)


def _encodable(text: str) -> str:
    """``text`` as valid UTF-8: a name that is not UTF-8 (its bytes kept as surrogates) shows one
    U+FFFD per byte, as the renderers show it in a path (``render.safe.utf8_safe``, which the
    catalog package does not import); any other lone surrogate one per code unit."""
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def short(text: object, n: int = 240) -> str:
    """``text`` cut to ``n`` characters (with an ellipsis), for messages."""
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass
class SchemaFile:
    """One file read and parsed (kept in the catalog's ``SchemaStore``, shared by every schema that uses it)."""

    file: str
    document: Any = None  # the parsed JSON or YAML value (meaningful when ``parsed``)
    problems: list[SchemaProblem] = field(default_factory=list)
    text: str | None = None
    yaml_locs: Locations | None = None  # for YAML files
    parsed: bool = False  # document is meaningful (the file parsed)
    _lines: list[int] | None = None

    def locate(self, path: SchemaPath) -> tuple[int, int]:
        """Line and column of a key path in this file (the nearest ancestor that can be found)."""
        if self.yaml_locs is not None:
            return self.yaml_locs.find(*path)
        if self.text is None:
            return 1, 1
        try:
            pos = json_position(self.text, tuple(path))
        except Exception:  # locating is best effort, never a crash
            pos = None
        return self.line_col(pos or 0)

    def line_col(self, pos: int) -> tuple[int, int]:
        """Line and column of a character offset in the text."""
        if self._lines is None:
            self._lines = [m.start() for m in re.finditer("\n", self.text or "")]
        line = bisect.bisect_left(self._lines, pos)
        start = self._lines[line - 1] + 1 if line else 0
        return line + 1, pos - start + 1

    def add(self, message: str, line: int = 1, column: int = 1) -> SchemaFile:
        """Record a ``schema/invalid-json-schema`` problem of this file; returns the file."""
        self.problems.append(SchemaProblem(RULE_INVALID, message, self.file, line, column))
        return self


@dataclass
class LoadedSchema:
    """A JSON schema file named in the catalog, analysed: its problems and a safe registry."""

    file: str  # catalog-relative path of the schema file
    document: Any  # the parsed schema (None when the file could not be read or parsed)
    problems: list[SchemaProblem] = field(default_factory=list)  # in this file or files it $refs
    path: SchemaPath = ()  # the frontmatter key path that points at it, e.g. ("schemaPath",)
    uri: str = ""  # the schema's base URI in ``registry``
    registry: Registry[Any] | None = None  # referencing.Registry restricted to the catalog (None if unparsed)
    # builds ``registry`` on first use of ``resolver`` when the analysis had no $ref to follow (most
    # schemas): ``check`` then never imports ``referencing`` for them
    registry_factory: Callable[[], Registry[Any]] | None = None

    @property
    def ok(self) -> bool:
        return self.document is not None and not self.problems

    @property
    def resolver(self) -> Resolver[Any] | None:
        if self.registry is None and self.registry_factory is not None:
            self.registry = self.registry_factory()
            self.registry_factory = None
        return self.registry.resolver(base_uri=self.uri) if self.registry is not None else None
