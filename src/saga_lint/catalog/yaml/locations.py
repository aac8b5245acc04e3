"""YAML with source locations.

``load(text)`` returns the plain Python value of a YAML document and a ``Locations`` map from
key paths (tuples of keys and indexes) to 1-based ``(line, column)``. The document is composed
with libyaml's C loader when available (about 5x faster) and converted by hand, so that:

- every mapping key and sequence item keeps its position;
- duplicate keys are an error (YAML says keys are unique; PyYAML silently keeps the last);
- alias expansion is bounded (billion-laughs documents stop at ``MAX_NODES``);
- nesting is bounded (``MAX_DEPTH``); very deep documents are rejected before libyaml sees them,
  because libyaml's composer recurses in C and can overflow the stack.

Errors raise ``YamlProblem`` carrying the rule name, message and position.
"""

from __future__ import annotations

import yaml

from saga_lint.catalog.yaml import fast as yamlfast

try:  # pragma: no cover - depends on the wheel
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _BaseLoader = yaml.SafeLoader

_plain_tag = yamlfast.plain_tag
_ScalarNode = yaml.ScalarNode
_MappingNode = yaml.MappingNode
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


# The safe loader registers no path resolvers (PyYAML's own fact, checked here), so a node's tag
# depends on its kind and text alone, and the descend/ascend callbacks have nothing to track.
if _BaseLoader.yaml_path_resolvers:  # pragma: no cover - a PyYAML that changed this
    raise ImportError("saga-lint expects PyYAML's safe loader to register no path resolvers")


class _Loader(_BaseLoader):
    """The safe loader with tag resolution made cheap.

    libyaml calls back into Python for the tag of every node: a plain scalar's tag is memoised by
    its text (``yamlfast.plain_tag``: catalogs repeat the same ids, versions and owners thousands
    of times), a quoted or block scalar is a string, a collection gets the default tag; the no-op
    path-resolver callbacks are skipped."""

    def resolve(self, kind, value, implicit):
        if kind is _ScalarNode:
            if implicit[0]:
                return _plain_tag(value)
            return _STR_TAG
        if kind is _MappingNode:
            return _MAP_TAG
        return _SEQ_TAG

    def descend_resolver(self, current_node, current_index):
        return None

    def ascend_resolver(self):
        return None


MAX_NODES = 200_000
MAX_DEPTH = 100
# Above this size the document's nesting depth is measured with the (iterative) event parser
# before composing it: a short text cannot nest deeply enough to hurt.
_DEPTH_PRECHECK_CHARS = 16_384

Path = tuple


class YamlProblem(Exception):
    def __init__(self, rule: str, message: str, line: int = 1, column: int = 1):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.line = line
        self.column = column


class Locations(dict):
    """Map of key path -> (line, column). ``find(path)`` falls back to the nearest ancestor."""

    def find(self, *path) -> tuple[int, int]:
        p = tuple(path)
        while p:
            hit = self.get(p)
            if hit is not None:
                return hit
            p = p[:-1]
        return self.get((), (1, 1))


class LazyLocations(Locations):
    """Locations computed on first use, by composing the YAML text again.

    ``load(..., lazy_locations=True)`` returns these: a catalog needs the position of a key only
    when a finding points at it, so a clean page never pays for its map (or for carrying it from
    a loader worker process). The map is the one ``load`` would have built eagerly."""

    def __init__(self, text: str, line_offset: int = 0):
        super().__init__()
        self._pending = (text, line_offset)

    def _fill(self) -> None:
        pending = self._pending
        if pending is not None:
            self._pending = None
            try:
                _, locs = load(*pending)
            except YamlProblem:  # pragma: no cover - the text loaded once already
                return
            dict.update(self, locs)

    def find(self, *path) -> tuple[int, int]:
        self._fill()
        return super().find(*path)

    def get(self, key, default=None):
        self._fill()
        return dict.get(self, key, default)

    def __getitem__(self, key):
        self._fill()
        return dict.__getitem__(self, key)

    def __contains__(self, key) -> bool:
        self._fill()
        return dict.__contains__(self, key)

    def __iter__(self):
        self._fill()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._fill()
        return dict.__len__(self)

    def __eq__(self, other) -> bool:
        self._fill()
        return dict.__eq__(self, other)

    __hash__ = None

    def __reduce__(self):
        # pickled (e.g. from a loader worker) without computing the map
        if self._pending is not None:
            return (LazyLocations, self._pending)
        return (Locations, (dict.copy(self),))

    def keys(self):
        self._fill()
        return dict.keys(self)

    def values(self):
        self._fill()
        return dict.values(self)

    def items(self):
        self._fill()
        return dict.items(self)


def _scalar(node: yaml.ScalarNode):
    # an unknown explicit tag (e.g. !Ref) or an invalid timestamp keeps its text
    return yamlfast.scalar_value(node.tag, node.value)


def _problem_at(event, offset: int, message: str) -> YamlProblem:
    mark = event.start_mark
    return YamlProblem("parse/yaml", message, mark.line + 1 + offset, mark.column + 1)


def _check_depth(text: str, offset: int) -> None:
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
                    raise _problem_at(event, offset, f"YAML nested more than {MAX_DEPTH} levels deep; flatten the document")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # the composer reports it with a better message


def load(text: str, line_offset: int = 0, lazy_locations: bool = False) -> tuple[object, Locations]:
    """Parse one YAML document. ``line_offset`` is added to every line (frontmatter start).

    With ``lazy_locations`` the document is checked and converted the same way, but the map of
    positions is a ``LazyLocations`` that is built only if it is read; the value then comes from
    ``yamlfast`` when the text is in its simple subset (the same value, several times faster)."""
    if lazy_locations:
        value = yamlfast.parse(text)
        if value is not yamlfast.NOT_SIMPLE:
            return value, LazyLocations(text, line_offset)
    if len(text) > _DEPTH_PRECHECK_CHARS:
        _check_depth(text, line_offset)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 + line_offset) if mark else 1 + line_offset
        col = (mark.column + 1) if mark else 1
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{problem} ({exc.context})"
        raise YamlProblem("parse/yaml", f"invalid YAML: {problem}", line, col) from None
    except yaml.YAMLError as exc:
        raise YamlProblem("parse/yaml", f"invalid YAML: {exc}", 1 + line_offset, 1) from None
    except RecursionError:
        raise YamlProblem("parse/yaml", "YAML nested too deeply", 1 + line_offset, 1) from None
    track = not lazy_locations
    locs = Locations() if track else LazyLocations(text, line_offset)
    if root is None:
        return None, locs
    budget = [MAX_NODES]

    def pos(node) -> tuple[int, int]:
        m = node.start_mark
        return (m.line + 1 + line_offset, m.column + 1)

    def convert(node, path: tuple, depth: int):
        budget[0] -= 1
        if budget[0] < 0:
            line, col = pos(node)
            raise YamlProblem(
                "parse/yaml",
                f"YAML expands to more than {MAX_NODES} nodes (alias bomb?); remove the aliases",
                line,
                col,
            )
        if depth > MAX_DEPTH:
            line, col = pos(node)
            raise YamlProblem(
                "parse/yaml", f"YAML nested more than {MAX_DEPTH} levels deep; flatten the document", line, col
            )
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.SequenceNode):
            out = []
            for i, item in enumerate(node.value):
                p = None
                if track:
                    p = path + (i,)
                    locs[p] = pos(item)
                if item.__class__ is _ScalarNode and depth < MAX_DEPTH and budget[0] > 0:
                    budget[0] -= 1  # what convert(item) does for a scalar, without the call
                    out.append(item.value if item.tag == _STR_TAG else _scalar(item))
                else:
                    out.append(convert(item, p, depth + 1))
            return out
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    merged = convert(value_node, path, depth + 1)
                    for m in merged if isinstance(merged, list) else [merged]:
                        if isinstance(m, dict):
                            for k, v in m.items():
                                out.setdefault(k, v)
                    continue
                if key_node.__class__ is _ScalarNode and key_node.tag == _STR_TAG:
                    key = key_node.value
                else:
                    key = convert(key_node, path, depth + 1) if not isinstance(key_node, yaml.ScalarNode) else _scalar(key_node)
                if isinstance(key, (list, dict)):
                    key = str(key)
                try:
                    hash(key)
                except TypeError:
                    key = str(key)
                if key in out:
                    line, col = pos(key_node)
                    raise YamlProblem(
                        "parse/duplicate-key",
                        f'duplicate key "{key}"; YAML keys must be unique, remove or rename one',
                        line,
                        col,
                    )
                p = None
                if track:
                    p = path + (key,)
                    locs[p] = pos(key_node)
                if value_node.__class__ is _ScalarNode and depth < MAX_DEPTH and budget[0] > 0:
                    budget[0] -= 1  # what convert(value_node) does for a scalar, without the call
                    out[key] = value_node.value if value_node.tag == _STR_TAG else _scalar(value_node)
                else:
                    out[key] = convert(value_node, p, depth + 1)
            return out
        return None  # pragma: no cover

    if track:
        locs[()] = pos(root)
    return convert(root, (), 0), locs
