"""The parts of a large report that the page's script draws on demand, as data.

A catalog of thousands of services makes a report of tens of megabytes when every saga's picture
and matrix and every contract row is HTML: slow to render here, slow to open in a browser. Past
the thresholds below, those parts travel as JSON embedded in the page (one
``<script type="application/json">`` per part, never executed) and ``report.js`` builds a saga's article
when its ``<details>`` is opened and a long table's rows a page at a time. The data is the same
plain data the template gets (cleaned text, numbers), so catalog text still reaches the page only
as text: the script sets it with ``textContent``/``setAttribute``, and the encoding here escapes
``<``, ``>`` and ``&`` so that no text can end the script element.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

LAZY_SAGAS = 100  # more sagas than this: those after the open ones are drawn by the script when opened
LAZY_ROWS = 1_000  # a table with more rows than this gets its rows from the data, a page at a time
LAZY_OWNED = 2_000  # more owned resources than this in all: each team's list is filled when opened
LOCATE_SAGAS = LAZY_SAGAS  # matrix cells of the first sagas name file:line; later ones the file (a line re-reads the page)

# (str.translate with a table of strings is about 50 times slower than these replacements in C)
_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def _encoder() -> json.JSONEncoder:
    return json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)  # a stray type as text, not a crash


def _escaped(text: str) -> str:
    for char, escaped in _ESCAPES:
        text = text.replace(char, escaped)
    return text


def encode(data: object) -> str:
    """``data`` as JSON that is safe as the content of a ``<script type="application/json">``."""
    return _escaped(_encoder().encode(data))


def encode_items(items: Iterable[object]) -> str:
    """``encode(list(items))`` without the array's brackets, each item encoded as it comes (the
    items are never all held at once: a large report's folded sagas are 150 MB as objects)."""
    return _escaped(",".join(map(_encoder().encode, items)))


def dash(text: str) -> str:
    return text or "—"


def contract_rows(rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """The contracts table as cells (a string, or [text, smaller text below it])."""
    return [[m["type"], [m["name"], m["id"]], m["version"], dash(m["producers"]), dash(m["consumers"]),
             dash(m["schema"]), dash(m["owners"])] for m in rows]


CONTRACT_COLS = ",,,,,mono,"


def resource_rows(rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
    """The table of resources without an owner as cells."""
    return [[r["type"], r["id"], r["version"], r["file"]] for r in rows]


RESOURCE_COLS = ",,,mono"


def owned_items(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """What one team owns, one line each, as the eager list shows it."""
    return [f"{r['type']} {r['id']}" + (f"@{r['version']}" if r["version"] else "") for r in rows]
