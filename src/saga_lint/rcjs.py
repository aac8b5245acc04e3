"""Reading the official linter's ``.eventcatalogrc.js`` without running JavaScript.

``@eventcatalog/linter`` reads a JavaScript module that exports one object literal
(``module.exports = {...}`` or ``export default {...}``) with ``rules`` (severity ``'error'``,
``'warn'``, ``'off'``, or ``[severity, options]``), ``ignorePatterns`` and ``overrides``. This
module parses that literal as data: objects, arrays, strings, numbers, ``true``/``false``/
``null``, comments and trailing commas; the exported value may also be the name of a
``const``/``let``/``var`` holding such a literal. Anything else (a function call, a spread, a
variable inside the literal, a template string with ``${}``) cannot be read without running the
file, and is an ``RcError`` naming the file, the line and what was found there.

``read_rc(path)`` returns the literal as Python data; ``to_config_mapping`` turns it into a
saga-lint configuration mapping, leaving out (and listing) the rules saga-lint does not have.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

RC_NAME = ".eventcatalogrc.js"

_TOKEN = re.compile(r"""
    (?P<space>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\$]|\\.|\$(?!\{))*`)
  | (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<punct>\.\.\.|[{}\[\]:,;=.()])
""", re.S | re.X)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_MAX_DEPTH = 50


class RcError(Exception):
    """The file cannot be read safely as data; the message names the file and the line."""


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|\n|.)",
                  lambda m: _escape(m.group(1)), body)


def _escape(seq: str) -> str:
    if seq.startswith("u{"):
        return chr(int(seq[2:-1], 16))
    if seq[0] in "ux" and len(seq) > 1:
        return chr(int(seq[1:], 16))
    if seq == "\n":
        return ""  # a line continuation
    return _ESCAPES.get(seq, seq)


class _Parser:
    def __init__(self, text: str, file: str) -> None:
        self.text = text
        self.file = file
        self.tokens: list[tuple[str, str, int]] = []  # (kind, text, offset)
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                snippet = text[pos:pos + 20].split("\n", 1)[0]
                self.fail(pos, f"cannot read {snippet!r} (an expression, not data)")
            assert m is not None and m.lastgroup is not None
            if m.lastgroup != "space":
                self.tokens.append((m.lastgroup, m.group(), pos))
            pos = m.end()
        self.i = 0

    def fail(self, offset: int, what: str) -> None:
        line = self.text.count("\n", 0, offset) + 1
        raise RcError(f"{self.file}:{line}: {what}; saga-lint reads the exported object literal as data and does "
                      "not run JavaScript: write this configuration in a saga-lint.yaml instead")

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "", len(self.text))

    def take(self, expected: str | None = None) -> tuple[str, str, int]:
        tok = self.peek()
        if expected is not None and tok[1] != expected:
            self.fail(tok[2], f"expected {expected!r}, found {tok[1] or 'the end of the file'!r}")
        self.i += 1
        return tok

    def value(self, depth: int = 0) -> Any:
        kind, text, offset = self.peek()
        if depth > _MAX_DEPTH:
            self.fail(offset, "nesting too deep")
        if text == "{":
            return self.obj(depth)
        if text == "[":
            return self.array(depth)
        self.take()
        if kind == "string":
            return _unquote(text)
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "name" and text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        self.fail(offset, f"{text or 'the end of the file'!r} is not a plain value (string, number, array, object)")
        return None

    def obj(self, depth: int) -> dict[str, Any]:
        self.take("{")
        out: dict[str, Any] = {}
        while self.peek()[1] != "}":
            kind, text, offset = self.take()
            if kind not in ("name", "string", "number"):
                self.fail(offset, f"{text!r} is not a property name")
            key = _unquote(text) if kind == "string" else text
            self.take(":")
            out[key] = self.value(depth + 1)
            if self.peek()[1] != "}":
                self.take(",")
        self.take("}")
        return out

    def array(self, depth: int) -> list[Any]:
        self.take("[")
        out = []
        while self.peek()[1] != "]":
            out.append(self.value(depth + 1))
            if self.peek()[1] != "]":
                self.take(",")
        self.take("]")
        return out

    def exported(self) -> Any:
        """The exported value: after ``module.exports =`` or ``export default``; a name is looked
        up among the file's ``const``/``let``/``var`` declarations of object literals."""
        names: dict[str, int] = {}
        for j, (kind, text, _) in enumerate(self.tokens):
            if kind == "name" and text in ("const", "let", "var") and j + 2 < len(self.tokens) \
                    and self.tokens[j + 2][1] == "=":
                names[self.tokens[j + 1][1]] = j + 3
        for j in range(len(self.tokens)):
            seq = [t[1] for t in self.tokens[j:j + 4]]
            if seq[:4] == ["module", ".", "exports", "="]:
                self.i = j + 4
            elif seq[:2] == ["export", "default"]:
                self.i = j + 2
            else:
                continue
            kind, name, offset = self.peek()
            if kind == "name" and name not in ("true", "false", "null"):
                if name not in names:
                    self.fail(offset, f"the exported {name!r} is not a const, let or var of this file")
                self.i = names[name]
            return self.value()
        self.fail(0, "no `module.exports =` or `export default`")
        return None


def read_rc(path: str | Path) -> dict[str, Any]:
    """The object a ``.eventcatalogrc.js`` exports, as data (``RcError`` when it cannot be read
    safely)."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RcError(f"cannot read {path}: {exc}") from None
    data = _Parser(text, str(path)).exported()
    if not isinstance(data, dict):
        raise RcError(f"{path}: the exported value is not an object")
    return data


def to_config_mapping(data: dict[str, Any], known: Collection[str]) -> tuple[dict[str, Any], list[str]]:
    """A saga-lint configuration mapping (``rules``, ``ignore``, ``overrides``) from the official
    linter's configuration, and the rule names saga-lint does not have (left out, as the official
    linter ignores names it does not know). Rule options (``[severity, options]``) are not carried
    over: saga-lint's rules have none."""
    unknown: list[str] = []

    def rules(table: object) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in (table.items() if isinstance(table, dict) else ()):
            if name in known or name.endswith("/*") or name == "*":
                out[name] = value[0] if isinstance(value, list) and value else value
            elif name not in unknown:
                unknown.append(name)
        return out

    mapping: dict[str, Any] = {}
    if "rules" in data:
        mapping["rules"] = rules(data["rules"])
    if "ignorePatterns" in data:
        mapping["ignore"] = data["ignorePatterns"]
    if isinstance(data.get("overrides"), list):
        mapping["overrides"] = [
            {"files": ov.get("files"), "rules": rules(ov.get("rules"))} if isinstance(ov, dict) else ov
            for ov in data["overrides"]
        ]
    return mapping, unknown
