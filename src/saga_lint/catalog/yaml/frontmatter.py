"""Split a Markdown/MDX page into its YAML frontmatter and body.

A page starts with a line ``---`` (a UTF-8 byte-order mark or blank lines before it are allowed, as
in EventCatalog's build), then YAML, then a closing line ``---``. Anything else is a
``parse/frontmatter`` problem at the line concerned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from saga_lint.catalog.yaml.locations import YamlProblem


@dataclass
class Split:
    """A page cut in two: its YAML text and its body, each with the line it starts on."""

    yaml_text: str
    yaml_first_line: int  # 1-based line of the first YAML line
    body: str
    body_first_line: int  # 1-based line of the first body line


_LEADING_BLANK = re.compile(r"(?:[ \t\r]*\n)+(?=---)")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[\r \t]*$", re.M)


def split(text: str) -> Split:
    """The frontmatter and body of a page's text; a ``YamlProblem`` if it has no closed frontmatter."""
    if text.startswith("\ufeff"):
        text = text[1:]
    skipped = 0
    lead = _LEADING_BLANK.match(text)
    if lead is not None:  # blank lines before the opening '---': EventCatalog's build (Astro) allows them
        skipped = text.count("\n", 0, lead.end())
        text = text[lead.end() :]
    first_nl = text.find("\n")
    first = (text if first_nl < 0 else text[:first_nl]).rstrip("\r \t")
    if first != "---":
        raise YamlProblem(
            "parse/frontmatter",
            "no frontmatter: the file must start with a line '---', then YAML, then a closing '---'",
            1,
            1,
        )
    # the first later line that is "---" or "..." (trailing blanks allowed) closes it (a file
    # of one line "---" is an empty frontmatter closed by itself, as it always was)
    m = _CLOSING.search(text, first_nl + 1)
    if m is not None:
        pos = m.start()
        nl = text.find("\n", pos)
        yaml_text = text[first_nl + 1 : pos]
        body = text[nl + 1 :] if nl >= 0 else ""
        line_no = 2 + text.count("\n", first_nl + 1, pos)
        return Split(yaml_text, 2 + skipped, body, line_no + 1 + skipped)
    raise YamlProblem(
        "parse/frontmatter",
        "unterminated frontmatter: no closing '---' line after the YAML that starts on line 1",
        1,
        1,
    )
