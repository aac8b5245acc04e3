"""Where things are in a JSON text: the key at a path, and the first too-deep bracket.

A small tokenizer, used only to point a problem at its line and column; it never decides whether
the text is valid JSON (``json.loads`` does)."""

from __future__ import annotations

import json
import re
from collections.abc import Hashable

JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)


def deep_position(text: str, limit: int) -> int:
    """Offset of the first ``{`` or ``[`` nested deeper than ``limit`` (0 if none)."""
    depth = 0
    for m in JSON_TOKEN.finditer(text):
        c = m.group()[0]
        if c in "{[":
            depth += 1
            if depth > limit:
                return m.start()
        elif c in "}]":
            depth -= 1
    return 0


class _Frame:
    """An open object or array while scanning: the key or index being read."""

    __slots__ = ("array", "expecting_key", "index", "key")

    def __init__(self, array: bool) -> None:
        self.array = array
        self.index = -1  # an array's item being read
        self.key: Hashable = None  # an object's key being read
        self.expecting_key = not array

    @property
    def at(self) -> Hashable:
        return self.index if self.array else self.key


class _Scan:
    """The scan of ``json_position``: the deepest prefix of ``target`` seen so far and where."""

    def __init__(self, target: tuple[Hashable, ...]) -> None:
        self.target = target
        self.stack: list[_Frame] = []
        self.best = 0
        self.best_len = -1

    def done(self) -> bool:
        return self.best_len == len(self.target)

    def _seen(self, pos: int) -> None:
        p = tuple(fr.at for fr in self.stack)
        n = len(p)
        if n > self.best_len and p == self.target[:n]:
            self.best, self.best_len = pos, n

    def value_start(self, pos: int) -> None:
        if self.stack and self.stack[-1].array:
            self.stack[-1].index += 1
            self._seen(pos)

    def token(self, tok: str, pos: int) -> None:
        c = tok[0]
        stack = self.stack
        if c in "{[":
            self.value_start(pos)
            if not self.done():
                stack.append(_Frame(array=c == "["))
        elif c in "}]":
            if stack:
                stack.pop()
            if stack and not stack[-1].array:
                stack[-1].expecting_key = False
        elif c == ",":
            if stack and not stack[-1].array:
                stack[-1].expecting_key = True
        elif c == ":":
            return
        elif c == '"' and stack and not stack[-1].array and stack[-1].expecting_key:
            try:
                key = json.loads(tok)
            except ValueError:
                key = tok.strip('"')
            stack[-1].key = key
            stack[-1].expecting_key = False
            self._seen(pos)
        else:
            self.value_start(pos)


def json_position(text: str, target: tuple[Hashable, ...]) -> int | None:
    """Offset of the key (or array item) at ``target`` in a JSON text; the deepest ancestor found
    when the full path is not there."""
    if not target:
        m = re.search(r"\S", text)
        return m.start() if m else 0
    scan = _Scan(target)
    for m in JSON_TOKEN.finditer(text):
        scan.token(m.group(), m.start())
        if scan.done():
            return scan.best
    return scan.best
