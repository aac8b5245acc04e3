"""YAML with source locations.

``load(text)`` returns the plain Python value of a YAML document and a ``Locations`` map from
key paths (tuples of keys and indexes) to 1-based ``(line, column)``. The document is composed
with libyaml's C loader when available (about 5x faster) and converted by hand, so that:

- every mapping key and sequence item keeps its position;
- duplicate keys are an error (YAML says keys are unique; PyYAML silently keeps the last); a key
  written beside a merge key (``<<: *base``), before or after it, overrides the merged one, as
  YAML's merge type says (``retry: {<<: *default, timeout: 5s}``);
- alias expansion is bounded (billion-laughs documents stop at ``MAX_NODES``);
- nesting is bounded (``MAX_DEPTH``); very deep documents are rejected before libyaml sees them,
  because libyaml's composer recurses in C and can overflow the stack.

Errors raise ``YamlProblem`` carrying the rule name, message and position.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from sys import intern
from typing import TYPE_CHECKING, TypeVar, overload

import yaml

from saga_lint.catalog.yaml import fast
from saga_lint.catalog.yaml.fast import interned

if TYPE_CHECKING:
    from _collections_abc import dict_items, dict_keys, dict_values

    from yaml import CSafeLoader as _BaseLoader
else:  # libyaml's C loader (about 5x faster) when the PyYAML wheel has it
    _BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_plain_tag = fast.plain_tag
_ScalarNode = yaml.ScalarNode
_MappingNode = yaml.MappingNode
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


# The safe loader registers no path resolvers (PyYAML's own fact, checked here), so a node's tag
# depends on its kind and text alone, and the descend/ascend callbacks have nothing to track.
if _BaseLoader.yaml_path_resolvers:  # pragma: no cover - a PyYAML that changed this
    raise ImportError("saga-lint expects PyYAML's safe loader to register no path resolvers")


class _Loader(_BaseLoader):
    """The safe loader with tag resolution made cheap.

    libyaml calls back into Python for the tag of every node: a plain scalar's tag is memoised by
    its text (``fast.plain_tag``: catalogs repeat the same ids, versions and owners thousands
    of times), a quoted or block scalar is a string, a collection gets the default tag; the no-op
    path-resolver callbacks are skipped."""

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is _ScalarNode:
            if implicit[0]:
                return _plain_tag(value)
            return _STR_TAG
        if kind is _MappingNode:
            return _MAP_TAG
        return _SEQ_TAG

    def descend_resolver(self, _current_node: yaml.Node | None, _current_index: object) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


MAX_NODES = 200_000
MAX_DEPTH = 100
# Above this size the document's nesting depth is measured with the (iterative) event parser
# before composing it: a short text cannot nest deeply enough to hurt.
_DEPTH_PRECHECK_CHARS = 16_384
_TOO_DEEP = f"YAML nested more than {MAX_DEPTH} levels deep; flatten the document"

KeyPath = tuple[Hashable, ...]  # mapping keys and sequence indexes from the root, e.g. ("sends", 0)
Position = tuple[int, int]  # 1-based (line, column)
_T = TypeVar("_T")


class YamlProblem(Exception):
    """A text that is not acceptable YAML (or frontmatter): the rule it breaks, why, and where."""

    def __init__(self, rule: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column


class Locations(dict[KeyPath, Position]):
    """Map of key path -> (line, column). ``find(path)`` falls back to the nearest ancestor."""

    __slots__ = ()  # one per page: no instance dictionary

    def find(self, *path: Hashable) -> Position:
        p = tuple(path)
        while p:
            hit = self.get(p)
            if hit is not None:
                return hit
            p = p[:-1]
        return self.get((), (1, 1))


class LazyLocations(Locations):
    """Locations computed on first use, by reading the YAML text again (``fast.positions`` when
    it is in the fast subset, else composing it with libyaml).

    ``load(..., lazy_locations=True)`` returns these: a catalog needs the position of a key only
    when a finding points at it, so a clean page never pays for its map (or for carrying it from
    a loader worker process). The map is the one ``load`` would have built eagerly. Every read of
    the dict fills it first."""

    __slots__ = ("_pending",)

    def __init__(self, text: str, line_offset: int = 0) -> None:
        super().__init__()
        self._pending: tuple[str, int] | None = (text, line_offset)

    def _fill(self) -> None:
        pending = self._pending
        if pending is not None:
            self._pending = None
            found = fast.positions(*pending)  # the same map, without libyaml, for text in the fast subset
            if found is not None:
                dict.update(self, found)
                return
            try:
                _, locs = load(*pending)
            except YamlProblem:  # pragma: no cover - the text loaded once already
                return
            dict.update(self, locs)

    def find(self, *path: Hashable) -> Position:
        self._fill()
        return super().find(*path)

    @overload
    def get(self, key: KeyPath, default: None = None, /) -> Position | None: ...
    @overload
    def get(self, key: KeyPath, default: Position, /) -> Position: ...
    @overload
    def get(self, key: KeyPath, default: _T, /) -> Position | _T: ...
    def get(self, key: KeyPath, default: object = None, /) -> object:
        self._fill()
        return dict.get(self, key, default)

    def __getitem__(self, key: KeyPath) -> Position:
        self._fill()
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        self._fill()
        return dict.__contains__(self, key)

    def __iter__(self) -> Iterator[KeyPath]:
        self._fill()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._fill()
        return dict.__len__(self)

    def __eq__(self, other: object) -> bool:
        self._fill()
        return dict.__eq__(self, other)

    @property
    def pending(self) -> tuple[str, int] | None:
        """``(text, line_offset)`` while the map is not computed yet; None once it is."""
        return self._pending

    def __reduce__(self) -> tuple[type[Locations], tuple[object, ...]]:
        # pickled (e.g. from a loader worker) without computing the map
        if self._pending is not None:
            return (LazyLocations, self._pending)
        return (Locations, (dict.copy(self),))

    def keys(self) -> dict_keys[KeyPath, Position]:
        self._fill()
        return dict.keys(self)

    def values(self) -> dict_values[KeyPath, Position]:
        self._fill()
        return dict.values(self)

    def items(self) -> dict_items[KeyPath, Position]:
        self._fill()
        return dict.items(self)


def _scalar(node: yaml.ScalarNode) -> object:
    # an unknown explicit tag (e.g. !Ref) or an invalid timestamp keeps its text
    return fast.scalar_value(node.tag, node.value)


def _problem_at(event: yaml.Event, offset: int, message: str) -> YamlProblem:
    mark = event.start_mark
    line, column = (mark.line, mark.column) if mark is not None else (0, 0)
    return YamlProblem("parse/yaml", message, line + 1 + offset, column + 1)


def _check_depth(text: str, offset: int) -> None:
    """Reject a long document that nests deeper than ``MAX_DEPTH`` or has more than ``MAX_NODES``
    nodes, with the iterative event parser, before libyaml's recursive composer sees it."""
    depth = 0
    nodes = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.NodeEvent):
                # a flat document of millions of nodes: stop before composing it (memory)
                nodes += 1
                if nodes > MAX_NODES:
                    raise _problem_at(event, offset, f"YAML has more than {MAX_NODES} nodes; split the document")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _problem_at(event, offset, _TOO_DEEP)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # the composer reports it with a better message


def _compose(text: str, offset: int) -> yaml.Node | None:
    """libyaml's node tree of ``text`` (None for an empty document); every failure a ``YamlProblem``."""
    if len(text) > _DEPTH_PRECHECK_CHARS:
        _check_depth(text, offset)
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + offset) if mark else 1 + offset
        col = (mark.column + 1) if mark else 1
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{problem} ({exc.context})"
        raise YamlProblem("parse/yaml", f"invalid YAML: {problem}", line, col) from None
    except yaml.YAMLError as exc:
        raise YamlProblem("parse/yaml", f"invalid YAML: {exc}", 1 + offset, 1) from None
    except RecursionError:
        raise YamlProblem("parse/yaml", "YAML nested too deeply", 1 + offset, 1) from None


class _Converter:
    """One document's node tree -> plain Python values, within the node budget and the depth bound,
    refusing duplicate keys, and recording each key's and item's position when ``locs`` is given.

    A scalar that is a mapping value or a sequence item is converted in place, without a call to
    ``value`` (most nodes are such scalars; the budget is spent the same way)."""

    __slots__ = ("budget", "locs", "offset")

    def __init__(self, locs: Locations | None, offset: int) -> None:
        self.budget = MAX_NODES
        self.locs = locs
        self.offset = offset

    def pos(self, node: yaml.Node) -> Position:
        mark = node.start_mark
        return (mark.line + 1 + self.offset, mark.column + 1)

    def value(self, node: yaml.Node, path: KeyPath, depth: int) -> object:
        """The value of any node at ``path``, ``depth`` levels down."""
        self.budget -= 1
        if self.budget < 0:
            line, col = self.pos(node)
            message = f"YAML expands to more than {MAX_NODES} nodes (alias bomb?); remove the aliases"
            raise YamlProblem("parse/yaml", message, line, col)
        if depth > MAX_DEPTH:
            line, col = self.pos(node)
            raise YamlProblem("parse/yaml", _TOO_DEEP, line, col)
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node, path, depth)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        return None  # pragma: no cover

    def sequence(self, node: yaml.SequenceNode, path: KeyPath, depth: int) -> list[object]:
        out: list[object] = []
        locs = self.locs
        item_path: KeyPath = ()
        for i, item in enumerate(node.value):
            if locs is not None:
                item_path = path + (i,)
                locs[item_path] = self.pos(item)
            if item.__class__ is _ScalarNode and depth < MAX_DEPTH and self.budget > 0:
                self.budget -= 1  # what value(item) does for a scalar, without the call
                out.append(interned(item.value) if item.tag == _STR_TAG else _scalar(item))
            else:
                out.append(self.value(item, item_path, depth + 1))
        return out

    def mapping(self, node: yaml.MappingNode, path: KeyPath, depth: int) -> dict[Hashable, object]:
        out: dict[Hashable, object] = {}
        merged: set[Hashable] = set()  # keys only a merge (``<<``) gave: the mapping's own key overrides them
        locs = self.locs
        key_path: KeyPath = ()
        key: Hashable
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged |= self.merge(out, value_node, path, depth)
                continue
            if key_node.__class__ is _ScalarNode and key_node.tag == _STR_TAG:
                key = intern(key_node.value)  # a string key, the common case (one object per text: fast.py)
            else:
                key = self.odd_key(key_node, path, depth)
            if key in merged:
                merged.discard(key)
            elif key in out:
                line, col = self.pos(key_node)
                message = f'duplicate key "{key}"; YAML keys must be unique, remove or rename one'
                raise YamlProblem("parse/duplicate-key", message, line, col)
            if locs is not None:
                key_path = path + (key,)
                locs[key_path] = self.pos(key_node)
            if value_node.__class__ is _ScalarNode and depth < MAX_DEPTH and self.budget > 0:
                self.budget -= 1  # what value(value_node) does for a scalar, without the call
                out[key] = interned(value_node.value) if value_node.tag == _STR_TAG else _scalar(value_node)
            else:
                out[key] = self.value(value_node, key_path, depth + 1)
        return out

    def odd_key(self, key_node: yaml.Node, path: KeyPath, depth: int) -> Hashable:
        """A key that is not a plain string: a typed scalar as its value (None, a bool, a number,
        bytes, a date: all hashable), a sequence or a mapping as its text."""
        key = _scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else self.value(key_node, path, depth + 1)
        if isinstance(key, (list, dict)):
            return str(key)
        return key

    def merge(self, out: dict[Hashable, object], value_node: yaml.Node, path: KeyPath, depth: int) -> set[Hashable]:
        """``<<: *base`` (or a list of them): the merged mappings' keys, where ``out`` has none yet;
        returns the keys it added (the mapping's own keys written after the merge key override them)."""
        merged = self.value(value_node, path, depth + 1)
        added: set[Hashable] = set()
        for m in merged if isinstance(merged, list) else [merged]:
            if isinstance(m, dict):
                for k, v in m.items():
                    if k not in out:
                        out[k] = v
                        added.add(k)
        return added


def load(text: str, line_offset: int = 0, lazy_locations: bool = False) -> tuple[object, Locations]:
    """Parse one YAML document. ``line_offset`` is added to every line (frontmatter start).

    With ``lazy_locations`` the document is checked and converted the same way, but the map of
    positions is a ``LazyLocations`` that is built only if it is read (``load_lazily``)."""
    if lazy_locations:
        value, lazy, _ = load_lazily(text, line_offset)
        return value, lazy
    root = _compose(text, line_offset)
    locs = Locations()
    if root is None:
        return None, locs
    converter = _Converter(locs, line_offset)
    locs[()] = converter.pos(root)
    return converter.value(root, (), 0), locs


def load_lazily(text: str, line_offset: int = 0) -> tuple[object, LazyLocations, bool]:
    """``load(..., lazy_locations=True)``, and whether the text is in the fast path's subset (plain
    block YAML: ``fast``): the value then comes from ``fast.parse`` (the same value, several times
    faster)."""
    value = fast.parse(text)
    if value is not fast.NOT_SIMPLE:
        return value, LazyLocations(text, line_offset), True
    root = _compose(text, line_offset)
    lazy = LazyLocations(text, line_offset)
    return (None if root is None else _Converter(None, line_offset).value(root, (), 0)), lazy, False
