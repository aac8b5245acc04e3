"""What rules need from an MDX body, read with markdown-it-py; the rest stays opaque.

- headings and the sections under them (title, level, first and last line);
- tables (header cells and rows of cell text, each with its line);
- ``[[type|id@version]]`` resource links and component tags (``<SchemaViewer file="..."/>``),
  both only outside fenced and indented code.

All line numbers are 1-based lines of the page file.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

WIKI_LINK = re.compile(r"\[\[(?:(?P<type>[a-zA-Z-]+)\|)?(?P<id>[^\[\]|@\n]+?)(?:@(?P<version>[^\[\]\n]+))?\]\]")
# a tag's attributes run to its first ``>`` or ``/>`` outside braces; read greedily, one character at a
# time, a ``/`` only when no ``>`` follows (the same matches as a lazy ``(?:[^<>{}]|{...})*?``, which
# tried the tag's end at every character: about 1.5x slower on a SchemaViewer line)
COMPONENT = re.compile(r"<(?P<name>[A-Z][A-Za-z0-9]*)(?P<attrs>(?:[^<>{}/]|/(?!>)|\{[^{}]*\})*)/?>")
ATTR = re.compile(r"""(?P<key>[A-Za-z_][\w-]*)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|\{(?P<expr>[^{}]*)\})""")


@dataclass
class Section:
    title: str
    level: int
    line: int  # line of the heading
    end_line: int  # last line of the section (before the next heading of the same or higher level)


@dataclass
class Table:
    line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line, cells)
    section: str | None = None  # title of the enclosing section


@dataclass
class WikiLink:
    type: str | None
    id: str
    version: str | None
    line: int
    column: int


@dataclass(slots=True)
class Component:
    name: str
    attrs: dict[str, str]
    line: int
    column: int


@dataclass
class Body:
    text: str
    first_line: int
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    links: list[WikiLink] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)

    def section(self, *titles: str) -> Section | None:
        """The first section whose title matches one of ``titles`` (case-insensitive)."""
        wanted = {t.lower() for t in titles}
        for s in self.sections:
            if s.title.strip().lower() in wanted:
                return s
        return None


_md: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    global _md
    if _md is None:
        from markdown_it import MarkdownIt

        _md = MarkdownIt("commonmark").enable("table")
    return _md


def _inline_text(tok: Token) -> str:
    if tok.children:
        out = []
        for c in tok.children:
            if c.type in ("text", "code_inline", "html_inline"):
                out.append(c.content)
            elif c.type == "softbreak":
                out.append(" ")
        return "".join(out).strip()
    return tok.content.strip()


def parse_body(text: str, first_line: int = 1) -> Body:
    body = Body(text, first_line)
    if not text.strip():
        return body
    try:
        tokens = _parser().parse(text)
    except Exception:  # markdown-it is robust; never let a body stop the run
        tokens = []
    code_lines: set[int] = set()
    total_lines = text.count("\n") + 1
    open_sections: list[Section] = []
    table: Table | None = None
    row: list[str] | None = None
    row_line = 0
    in_head = False
    for i, tok in enumerate(tokens):
        if tok.type in ("fence", "code_block") and tok.map:
            code_lines.update(range(tok.map[0], tok.map[1]))
        elif tok.type == "heading_open" and tok.map:
            level = int(tok.tag[1:])
            title = _inline_text(tokens[i + 1]) if i + 1 < len(tokens) else ""
            line = tok.map[0] + first_line
            for s in open_sections:
                if s.level >= level and s.end_line == -1:
                    s.end_line = line - 1
            sec = Section(title, level, line, -1)
            open_sections.append(sec)
            body.sections.append(sec)
        elif tok.type == "table_open" and tok.map:
            current = next((s.title for s in reversed(body.sections) if s.end_line == -1), None)
            table = Table(tok.map[0] + first_line, [], [], current)
        elif tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open" and table is not None:
            row = []
            row_line = (tok.map[0] + first_line) if tok.map else table.line
        elif tok.type == "inline" and row is not None and i > 0 and tokens[i - 1].type in ("th_open", "td_open"):
            row.append(_inline_text(tok))
        elif tok.type == "tr_close" and table is not None and row is not None:
            if in_head:
                table.header = row
            else:
                table.rows.append((row_line, row))
            row = None
        elif tok.type == "table_close" and table is not None:
            body.tables.append(table)
            table = None
    last = first_line + total_lines - 1
    for s in body.sections:
        if s.end_line == -1:
            s.end_line = last
    _scan_lines(body, code_lines)
    return body


def _may_hold_code(text: str) -> bool:
    """False when the text cannot contain a fenced or indented code block (no fence markers, no
    tabs, no run of four spaces), so that nothing in it needs markdown-it to be told apart from code."""
    return "```" in text or "~~~" in text or "\t" in text or "    " in text


def components(text: str, first_line: int = 1) -> list[Component]:
    """The component tags of a body, as ``parse_body(text, first_line).components`` gives them;
    without running markdown-it when the text can hold no code block (the common case)."""
    if _may_hold_code(text):
        return parse_body(text, first_line).components
    body = Body(text, first_line)
    _scan_lines(body, (), links=False)
    return body.components


def components_named(text: str, names: tuple[str, ...], first_line: int = 1) -> list[Component]:
    """``[c for c in components(text, first_line) if c.name in names]``, looking only at the
    lines that mention ``<Name`` for one of the names."""
    if _may_hold_code(text):
        return [c for c in parse_body(text, first_line).components if c.name in names]
    starts = set()
    for name in names:
        pos = text.find("<" + name)
        while pos >= 0:
            starts.add(text.rfind("\n", 0, pos) + 1)
            pos = text.find("<" + name, pos + 1)
    out = []
    lineno, counted = first_line, 0  # line numbers counted onwards, not from the top each time
    for start in sorted(starts):
        end = text.find("\n", start)
        line = text[start : end if end >= 0 else len(text)]
        lineno += text.count("\n", counted, start)
        counted = start
        for c in _line_components(line, lineno):
            if c.name in names:
                out.append(c)
    return out


def _line_components(line: str, lineno: int) -> list[Component]:
    out = []
    for m in COMPONENT.finditer(line):
        attrs = {}
        for a in ATTR.finditer(m.group("attrs")):
            val = a.group("dq")
            if val is None:
                val = a.group("sq")
            if val is None:
                val = "{" + (a.group("expr") or "") + "}"
            attrs[a.group("key")] = val
        out.append(Component(m.group("name"), attrs, lineno, m.start() + 1))
    return out


def _scan_lines(body: Body, code_lines: Collection[int], links: bool = True) -> None:
    """Fill ``links`` (unless told not to) and ``components`` from the lines that are not code."""
    first_line = body.first_line
    for n, line in enumerate(body.text.split("\n")):
        if n in code_lines or ("[[" not in line and "<" not in line):
            continue
        lineno = n + first_line
        if links:
            for m in WIKI_LINK.finditer(line):
                body.links.append(
                    WikiLink(m.group("type"), m.group("id").strip(), m.group("version"), lineno, m.start() + 1)
                )
        if "<" not in line:
            continue
        body.components.extend(_line_components(line, lineno))
