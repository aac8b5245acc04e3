"""The one text cleaner: catalog text made safe to put into an output, whatever the format.

Catalog text (ids, names, messages quoting them, file names) is untrusted. One set of characters
is never shown by any format, :data:`INVISIBLE`: the C0 controls except tab, line feed and
carriage return, DEL, the C1 controls, the Unicode line and paragraph separators and the bidi
embeddings, overrides and isolates (which can make text read differently from what it is). The
variants differ only where a format truly needs it:

- :func:`utf8_text`: any value as text that encodes as UTF-8 (a file name that is not UTF-8 reaches
  us as lone surrogates); the formats written as UTF-8 documents (SARIF, JUnit, GitHub, Markdown)
  need it, the HTML report's jinja output is made safe as a whole by :func:`utf8_safe`;
- :func:`visible`: :data:`INVISIBLE` removed, tab and line breaks kept, for formats that escape or
  fold line breaks themselves (HTML, GitHub's ``%0A``, Markdown's one-line cells);
- :func:`one_line`: :func:`visible` with tabs and line breaks folded into one space (Markdown
  table cells, where a line break would end the row);
- :func:`terminal_safe`: for a terminal, which also interprets escape *sequences*: those are
  removed whole (else ``ESC [31m`` would leave ``[31m``), and the text is kept on one line;
- :func:`xml_text`: XML 1.0 cannot hold most control characters at all, nor lone surrogates,
  nor U+FFFE/U+FFFF: everything outside its ``Char`` production is removed (JUnit).
"""

from __future__ import annotations

import re

INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_LINE_BREAKS = re.compile(r"[\r\n\t]+")
# what XML 1.0 does not allow: the complement of its Char production, written as the ranges it
# leaves out (the negated class of the allowed ranges says the same and takes 4 ms to compile)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def utf8_text(value: object) -> str:
    """Any value as text that encodes as UTF-8 (None as ''; lone surrogates replaced by U+FFFD,
    one per byte of a name that is not UTF-8, as ``utf8_safe`` shows the same name in a path)."""
    return utf8_safe("" if value is None else str(value))


def visible(value: object, limit: int | None = None) -> str:
    """``value`` as text without :data:`INVISIBLE` characters (None as ''), cut to ``limit``
    characters with an ellipsis. Escaping for the format is the caller's job."""
    if value is None:
        return ""
    s = str(value)
    if not s.isprintable():  # every INVISIBLE character is unprintable; most text has none (the report cleans ~1M)
        s = INVISIBLE.sub("", s)
    if limit is not None and len(s) > limit:
        s = s[: limit - 1] + "…"
    return s


def one_line(value: object) -> str:
    """UTF-8 text without invisible characters, tabs and line breaks folded into one space."""
    return _LINE_BREAKS.sub(" ", visible(utf8_text(value)))


def terminal_safe(value: object) -> str:
    """Text for a terminal: escape sequences and invisible characters removed, one line."""
    s = INVISIBLE.sub("", _ANSI.sub("", str(value)))
    return s.replace("\r", "").replace("\n", " ").replace("\t", " ")


def xml_text(value: object) -> str:
    """UTF-8 text holding only characters XML 1.0 allows."""
    return _NOT_XML.sub("", utf8_text(value))


def escape_control(value: object) -> str:
    """Catalog text in ``verify`` and ``run`` output: every character that does not print (control,
    format and line-separator characters alike) written as Python would escape it (``\\x1b``),
    not removed: a scenario trace is evidence, and what a field really held must stay visible."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in str(value))


def utf8_safe(text: str) -> str:
    """A whole output as valid UTF-8: a file name that is not UTF-8 reaches the renderers as lone
    surrogates (Python's surrogateescape); they become U+FFFD here instead of failing the write."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # other lone surrogates
        return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
