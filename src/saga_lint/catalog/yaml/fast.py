"""The fast path for the plain block YAML that almost every frontmatter is.

``parse(text)`` reads a strict subset of YAML line by line and returns the value libyaml would
give, or ``NOT_SIMPLE`` as soon as a line is outside the subset; the caller (``locations.load``)
then composes the text with libyaml as before, which also produces every error message. The
subset, chosen from what real catalogs contain:

- a block mapping at the top, with nested block mappings and block sequences (a sequence may sit
  at its key's indentation, and ``- key: value`` starts a mapping inside an item);
- keys that are plain words (letters, digits, ``_ $ . - /``) resolving to strings;
- one-line scalars: plain (typed by PyYAML's own resolver and constructor: ``1.0`` is a float,
  ``2024-01-01`` a date, ``yes`` a boolean), single-quoted, and double-quoted without escapes;
- literal (``|``) block scalars with any chomping, folded (``>``) ones on one indentation without
  blank lines; ``[]``, ``{}`` and one-line flow sequences of simple items;
- full-line comments, blank lines; spaces for indentation.

Anything else (tabs, CR line breaks, anchors, aliases, tags, merge keys, duplicate keys, trailing
comments, multi-line plain or quoted scalars, non-printable characters, texts above 16 KiB, more
than ``MAX_DEPTH`` levels, keys longer than libyaml accepts) is not simple. The equivalence with
libyaml is a property test (tests/test_yamlfast.py, and scripts/fuzz_yaml.py for long runs):
whenever ``parse`` returns a value, it equals libyaml's, type for type.

Why: composing with libyaml builds three Python objects per node and calls back into Python for
each node's tag; on a 2,000-service catalog that was a quarter of the CPU of a whole run. This
parser does a handful of string operations per line and builds only the result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from sys import intern
from typing import Final

import yaml

NOT_SIMPLE: Final = object()
MAX_CHARS = 16_384
# well below locations.MAX_DEPTH, so that a document locations.load rejects for its depth is never simple
MAX_DEPTH = 50
# libyaml rejects an implicit key longer than 1,024 characters; the subset stays below that
MAX_KEY_CHARS = 1_000

_STR_TAG = "tag:yaml.org,2002:str"


class Yaml12Resolver(yaml.resolver.BaseResolver):
    """Plain scalars typed as EventCatalog's build types them: YAML 1.2's core schema as js-yaml 4
    (Astro's frontmatter parser) reads it, with its timestamps and merge keys. ``yes``, ``no``,
    ``on``, ``off`` are strings, ``010`` and ``1e3`` are numbers, ``1_000`` and ``1:20`` are strings."""


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?0b[0-1]+|[-+]?0o[0-7]+|[-+]?0x[0-9a-fA-F]+|[-+]?[0-9]+)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (
        "timestamp",
        r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
        r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)$",
        "0123456789",
    ),
    ("merge", r"^(?:<<)$", "<"),
):
    Yaml12Resolver.add_implicit_resolver("tag:yaml.org,2002:" + _tag, re.compile(_pattern), list(_first))

_resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = Yaml12Resolver().resolve
_INT_TAG = "tag:yaml.org,2002:int"
_DECIMAL_ZERO = re.compile(r"[-+]?0[0-9]+\Z")


class Yaml12SafeLoader(yaml.SafeLoader):
    """PyYAML's pure-Python safe loader with the YAML 1.2 typing of ``Yaml12Resolver``: the
    reference the tests compare both parsing paths with."""

    yaml_implicit_resolvers = Yaml12Resolver.yaml_implicit_resolvers

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:  # YAML 1.2: 010 is ten
        text = str(self.construct_scalar(node))
        return int(text, 10) if _DECIMAL_ZERO.match(text) else int(super().construct_yaml_int(node))


Yaml12SafeLoader.add_constructor(_INT_TAG, Yaml12SafeLoader.construct_yaml_int)
_constructor = yaml.constructor.SafeConstructor()
# tag of a plain scalar by its text; bounded so that a huge catalog cannot grow it forever
_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_MAX = 100_000
_PLAIN_TAG_TEXT_MAX = 200


def plain_tag(text: str) -> str:
    """The tag PyYAML's resolver gives a plain scalar with this text (memoised)."""
    tag = _PLAIN_TAGS.get(text)
    if tag is None:
        tag = _resolve(yaml.ScalarNode, text, (True, False))
        # short texts repeat (ids, versions, owners); long ones (summaries) would only fill it
        if len(text) <= _PLAIN_TAG_TEXT_MAX and len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
            _PLAIN_TAGS[text] = tag
    return tag


# mapping keys seen to be plain words that resolve to strings, each to its interned copy (bounded
# like _PLAIN_TAGS)
_KEYS: dict[str, str] = {}
_KEY = re.compile(r"[\w$][\w$./-]*\Z")
# Keys and short string scalars (ids, versions, owners) are interned (``sys.intern``): a catalog's
# pages repeat a few dozen keys and their ids hundreds of thousands of times, and one object per
# text instead of one per occurrence is a quarter of the main process's memory after loading a
# large catalog; ``marshal`` sends an interned string once per batch (then by reference) and the
# main process gets one object per text across batches. Longer texts (summaries) repeat rarely.
_INTERN_MAX = 80


def _plain_key(text: str) -> str | None:
    """The interned ``text`` when it is a key of the subset, a plain word (``_KEY``) that resolves
    to a string; else None."""
    if len(text) > MAX_KEY_CHARS or _KEY.match(text) is None or plain_tag(text) != _STR_TAG:
        return None
    key = intern(text)
    if len(_KEYS) < _PLAIN_TAGS_MAX:
        _KEYS[key] = key
    return key


# the tags whose SafeConstructor builds a value from a scalar; the others build collections (as
# generators, from a mapping or sequence node) or are unknown
_SCALAR_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("null", "bool", "int", "float", "binary", "timestamp")
)


def _starts_entry(text: str) -> bool:
    """Whether ``text`` reads as a mapping entry the way ``_Reader.mapping`` splits one: a key of
    ``_KEY``'s form, a colon, then nothing or a space (``- key: value`` opens a mapping)."""
    key, colon, rest = text.partition(":")
    return bool(colon) and (not rest or rest[0] == " ") and _KEY.match(key) is not None


# an int of more bits than this may have more decimal digits than ``str`` accepts (4,300 by default)
_INT_BITS_CHECKED = 10_000


def scalar_value(tag: str, text: str) -> object:
    """The Python value of a scalar, as SafeConstructor builds it; text for an unknown tag, for a
    collection tag on a scalar (``!!map x``), or a value the constructor rejects (an invalid
    timestamp stays text; nothing is executed)."""
    if tag == _STR_TAG or tag not in _SCALAR_TAGS:
        return text
    if tag == _INT_TAG and _DECIMAL_ZERO.match(text):
        return int(text, 10)  # YAML 1.2: 010 is ten (PyYAML's 1.1 constructor reads octal)
    builder = _constructor.yaml_constructors.get(tag)
    if builder is None:  # pragma: no cover - every scalar tag has a constructor
        return text
    try:
        value = builder(_constructor, yaml.ScalarNode(tag, text))
        if value.__class__ is int and value.bit_length() > _INT_BITS_CHECKED:
            str(value)  # hex, octal or binary: an int Python cannot write as decimal text stays text
    except Exception:
        return text
    return value


class _NotSimple(Exception):
    pass


_BLOCK_HEADER = re.compile(r"([|>])([+-]?) *\Z")
_FLOW_ITEM_PLAIN = re.compile(r"\w[\w ./@-]*\Z")
# characters that start something other than a plain scalar
_INDICATORS = frozenset("?:,[]{}#&*!|>'\"%@`")
# characters that surely start a plain scalar, and that no one-line plain scalar ends with
_WORD_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$./~+()")
_BAD_PLAIN_END = frozenset(": ")


def parse(text: str) -> object:
    """The value of ``text`` if it is simple YAML (see the module doc), else ``NOT_SIMPLE``."""
    return _read(text, None, 0)


Positions = dict[tuple[Hashable, ...], tuple[int, int]]


def positions(text: str, line_offset: int = 0) -> Positions | None:
    """The map of positions ``locations.load(text, line_offset)`` builds (the root, each mapping
    key and each sequence item at its 1-based line and column), for ``text`` in the subset, else
    None. A page's positions are asked for only when it has a finding; this answers in
    a tenth of libyaml's time. Non-empty flow sequences (``[a, b]``) are left to libyaml, whose
    items have positions inside the line."""
    found: Positions = {}
    return None if _read(text, found, line_offset) is NOT_SIMPLE else found


def _read(text: str, found: Positions | None, line_offset: int) -> object:
    """``parse``, also recording positions into ``found`` when it is given."""
    if len(text) > MAX_CHARS or "\t" in text or "\r" in text:
        return NOT_SIMPLE
    if text and text[-1] != "\n":
        return NOT_SIMPLE
    lines = text.split("\n")
    lines.pop()  # the empty string after the last line break
    if not "".join(lines).isprintable():
        return NOT_SIMPLE
    reader = _Reader(lines, found, line_offset)
    try:
        i = reader.skip(0)
        if i == len(lines):
            return None  # an empty document (blank lines and comments only)
        if reader.indents[i] != 0:
            return NOT_SIMPLE
        if found is not None:
            found[()] = (i + 1 + line_offset, 1)  # the root mapping starts at its first key
        value, i = reader.mapping(i, 0, 0, ())
        if reader.skip(i) != len(lines):
            return NOT_SIMPLE  # pragma: no cover - a mapping at 0 reads to the end or stops on a bad line
        return value
    except _NotSimple:
        return NOT_SIMPLE


class _Reader:
    """One document's lines read as the subset; with ``found``, each key's and item's position is
    recorded there under its key path (``path``: the key path of the collection being read)."""

    def __init__(self, lines: list[str], found: Positions | None = None, line_offset: int = 0) -> None:
        self.lines = lines
        self.found = found
        self.line_offset = line_offset
        # indentation of each line and its text after it; both are rewritten for "- key: v"
        self.indents = [len(line) - len(line.lstrip(" ")) for line in lines]
        self.texts = [line[n:] for line, n in zip(lines, self.indents, strict=True)]

    def skip(self, i: int) -> int:
        """The index of the next line that is not blank or a comment."""
        texts = self.texts
        n = len(texts)
        while i < n:
            t = texts[i]
            if t and t[0] != "#":
                return i
            i += 1
        return n

    # mapping() and sequence() repeat their loop's first lines (blank and comment lines, the
    # indentation test) and the one-line plain scalar case on purpose: they run once per line of
    # every frontmatter, and a shared helper would cost a call each time (see the module doc).
    def mapping(self, i: int, indent: int, depth: int, path: tuple[Hashable, ...]) -> tuple[dict[str, object], int]:
        if depth > MAX_DEPTH:
            raise _NotSimple
        found = self.found
        key_path: tuple[Hashable, ...] = ()
        out: dict[str, object] = {}
        indents, texts = self.indents, self.texts
        n = len(texts)
        keys = _KEYS
        tags = _PLAIN_TAGS
        while i < n:
            t = texts[i]
            if not t or t[0] == "#":
                i += 1  # a blank line or a comment
                continue
            own = indents[i]
            if own != indent:
                if own < indent:
                    break
                raise _NotSimple  # a continuation line or a bad indentation
            # "key:" then nothing or spaces and a value; keys cannot hold a colon
            text, colon, rest = t.partition(":")
            key = (keys.get(text) or _plain_key(text)) if colon else None  # interned
            if key is None or key in out:
                raise _NotSimple
            if rest:
                if rest[0] != " ":
                    raise _NotSimple  # "a:b" is a plain scalar, not an entry
                rest = rest.lstrip(" ")
            if found is not None:
                key_path = (*path, key)
                found[key_path] = (i + 1 + self.line_offset, own + 1)
            if not rest:
                out[key], i = self.nested(i + 1, indent, depth, True, key_path)
            elif rest[0] in _WORD_START and rest[-1] not in _BAD_PLAIN_END and ": " not in rest and " #" not in rest:
                # the common case, a one-line plain scalar, without a call
                tag = tags.get(rest) or plain_tag(rest)
                out[key] = (intern(rest) if len(rest) <= _INTERN_MAX else rest) if tag == _STR_TAG else scalar_value(tag, rest)
                i += 1
            else:
                out[key], i = self.inline(rest, i, indent, depth)
        return out, i

    def sequence(self, i: int, indent: int, depth: int, path: tuple[Hashable, ...]) -> tuple[list[object], int]:
        if depth > MAX_DEPTH:
            raise _NotSimple
        found = self.found
        item_path: tuple[Hashable, ...] = ()
        out: list[object] = []
        indents, texts = self.indents, self.texts
        n = len(texts)
        tags = _PLAIN_TAGS
        while i < n:
            t = texts[i]
            if not t or t[0] == "#":
                i += 1  # a blank line or a comment
                continue
            own = indents[i]
            if own != indent or t[:2] != "- ":
                if own < indent:
                    break
                if own == indent and t != "-" and t[0] != "-":
                    break  # e.g. the next key of a mapping that holds this sequence at its indentation
                raise _NotSimple  # an item on the following lines, or a bad indentation
            rest = t[2:]
            if rest[:1] == " ":
                rest = rest.lstrip(" ")
            if not rest or rest[0] == "#":
                raise _NotSimple
            if found is not None:  # an item starts where its text does
                item_path = (*path, len(out))
                found[item_path] = (i + 1 + self.line_offset, own + len(t) - len(rest) + 1)
            if rest[0] in _WORD_START and rest[-1] not in _BAD_PLAIN_END and ": " not in rest and " #" not in rest:
                # the common case, a one-line plain scalar, without a call
                tag = tags.get(rest) or plain_tag(rest)
                out.append((intern(rest) if len(rest) <= _INTERN_MAX else rest) if tag == _STR_TAG else scalar_value(tag, rest))
                i += 1
            elif _starts_entry(rest):
                # "- key: value": a mapping whose keys sit at the column of this key
                column = own + len(t) - len(rest)
                indents[i] = column
                texts[i] = rest
                item, i = self.mapping(i, column, depth + 1, item_path)
                out.append(item)
            else:
                value, i = self.inline(rest, i, own, depth)
                out.append(value)
        return out, i

    def nested(self, i: int, indent: int, depth: int, may_share_indent: bool,
               path: tuple[Hashable, ...]) -> tuple[object, int]:
        """The block value after ``key:`` with nothing on its line (null if none)."""
        i = self.skip(i)
        if i == len(self.texts):
            return None, i
        own = self.indents[i]
        t = self.texts[i]
        if own > indent:
            if t[:2] == "- " or t == "-":
                return self.sequence(i, own, depth + 1, path)
            return self.mapping(i, own, depth + 1, path)
        if own == indent and may_share_indent and (t[:2] == "- " or t == "-"):
            return self.sequence(i, own, depth + 1, path)
        return None, i

    def inline(self, rest: str, i: int, parent_indent: int, depth: int) -> tuple[object, int]:
        """The value written after ``key: `` or ``- `` on line ``i``; returns it and the next line."""
        first = rest[0]
        if first == "'":
            return interned(_single_quoted(rest)), i + 1
        if first == '"':
            return interned(_double_quoted(rest)), i + 1
        if first == "|" or first == ">":
            return self.block_scalar(rest, i, parent_indent)
        if first == "[":
            items = _flow_sequence(rest)
            if items and self.found is not None:
                raise _NotSimple  # its items' positions are inside the line: libyaml's to give
            return items, i + 1
        if first == "{":
            if rest.rstrip(" ") == "{}":
                return {}, i + 1
            raise _NotSimple
        return _plain(rest), i + 1

    def block_scalar(self, header: str, i: int, parent_indent: int) -> tuple[str, int]:
        m = _BLOCK_HEADER.match(header)
        if m is None:
            raise _NotSimple  # an indentation indicator or a comment after the header
        style, chomp = m.groups()
        lines = self.lines
        n = len(lines)
        j = i + 1
        # the content's indentation is that of its first non-blank line
        content_indent = None
        k = j
        while k < n:
            line = lines[k]
            if line.strip(" "):
                content_indent = len(line) - len(line.lstrip(" "))
                break
            k += 1
        if content_indent is None or content_indent <= parent_indent:
            raise _NotSimple  # an empty block scalar
        body: list[str] = []
        while j < n:
            line = lines[j]
            if not line.strip(" "):
                if len(line) > content_indent or (j < k and len(line) > 0):
                    raise _NotSimple  # spaces beyond the indentation, or before the first line
                body.append("")
                j += 1
                continue
            own = len(line) - len(line.lstrip(" "))
            if own < content_indent:
                if own > parent_indent:
                    raise _NotSimple  # less indented than the content, more than its key
                break
            body.append(line[content_indent:])
            j += 1
        # trailing blank lines belong to the chomping, not to the content
        end = len(body)
        while end and body[end - 1] == "":
            end -= 1
        content, trailing = body[:end], len(body) - end
        if style == ">":
            if any(not line or line[0] == " " for line in content):
                raise _NotSimple  # folding around blank or more-indented lines
            text = " ".join(content)
        else:
            text = "\n".join(content)
        if chomp == "-":
            pass
        elif chomp == "+":
            text += "\n" * (1 + trailing)
        else:
            text += "\n"
        return text, j


def _plain(text: str) -> object:
    text = text.rstrip(" ")
    first = text[0]
    if first in _INDICATORS:
        raise _NotSimple
    if first == "-" and (len(text) == 1 or text[1] == " "):
        raise _NotSimple
    if ": " in text or " #" in text or text[-1] == ":":
        raise _NotSimple
    return scalar_value(plain_tag(text), text)


def interned(text: str) -> str:
    """``text`` interned when it is short (``_INTERN_MAX``); the readers' loops write this inline."""
    return intern(text) if len(text) <= _INTERN_MAX else text


def _single_quoted(text: str) -> str:
    text = text.rstrip(" ")
    if len(text) < 2 or text[-1] != "'":
        raise _NotSimple
    inner = text[1:-1]
    if "'" in inner.replace("''", ""):
        raise _NotSimple
    return inner.replace("''", "'")


def _double_quoted(text: str) -> str:
    text = text.rstrip(" ")
    if len(text) < 2 or text[-1] != '"':
        raise _NotSimple
    inner = text[1:-1]
    if '"' in inner or "\\" in inner:
        raise _NotSimple
    return inner


def _flow_sequence(text: str) -> list[object]:
    text = text.rstrip(" ")
    if text[-1] != "]":
        raise _NotSimple
    inner = text[1:-1].strip(" ")
    if not inner:
        return []
    out: list[object] = []
    for item in inner.split(","):
        item = item.strip(" ")
        if not item:
            raise _NotSimple
        first = item[0]
        if first == "'":
            if len(item) < 2 or item[-1] != "'" or "'" in item[1:-1]:
                raise _NotSimple
            out.append(item[1:-1])
        elif first == '"':
            if len(item) < 2 or item[-1] != '"' or '"' in item[1:-1] or "\\" in item[1:-1]:
                raise _NotSimple
            out.append(item[1:-1])
        elif _FLOW_ITEM_PLAIN.match(item) is not None and "  " not in item:
            out.append(scalar_value(plain_tag(item), item))
        else:
            raise _NotSimple
    return out
