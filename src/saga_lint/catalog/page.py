"""Reading one page into a ``Resource``: the file capped and checked (``fileio.read_capped``: a
regular file of at most ``MAX_FILE_BYTES``, no NUL bytes, UTF-8), the frontmatter split from the
body and read as YAML with lazy locations, the digest of the text before the body taken
(``head_digest``). Bad input never raises: the page is left out with one
``parse/*`` finding at its location."""

from __future__ import annotations

import hashlib
import os
import stat

from saga_lint.catalog.fileio import MAX_FILE_BYTES, read_capped
from saga_lint.catalog.model import PAGE_KINDS, Resource
from saga_lint.catalog.yaml import locations as yamlloc
from saga_lint.catalog.yaml.frontmatter import split
from saga_lint.catalog.yaml.locations import Locations, YamlProblem
from saga_lint.findings import Finding, Severity


def _not_regular(rel: str) -> Finding:
    return Finding(
        "parse/unreadable", Severity.ERROR, "not a regular file (FIFO, socket or device); replace it with a text page", rel, 1, 1
    )


def _read_text(abs_path: str, rel: str, regular: bool, findings: list[Finding]) -> str | None:
    """The page's text, or None with a finding. ``regular`` comes from the folder listing (the
    entry's type, known without a system call): anything else is never opened, since opening a
    device can act on it; ``read_capped`` checks the opened file again."""
    if not regular:
        findings.append(_not_regular(rel))
        return None
    try:
        raw, st = read_capped(abs_path, MAX_FILE_BYTES)
    except OSError as exc:
        findings.append(
            Finding("parse/unreadable", Severity.ERROR, f"cannot read the file: {exc.strerror or exc}", rel, 1, 1)
        )
        return None
    return decoded_text(raw, st, rel, findings)


def decoded_text(raw: bytes | None, st: os.stat_result, rel: str, findings: list[Finding]) -> str | None:
    """The text of a page read as ``read_capped`` reads it (``raw``, ``st``), or None with a finding."""
    if raw is None and not stat.S_ISREG(st.st_mode):
        findings.append(_not_regular(rel))
        return None
    if raw is None or len(raw) > MAX_FILE_BYTES:
        size = st.st_size if raw is None else len(raw)
        findings.append(
            Finding(
                "parse/too-large",
                Severity.ERROR,
                f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte cap; it was not read. "
                "Split it or move large content out of the catalog",
                rel,
                1,
                1,
            )
        )
        return None
    if b"\x00" in raw:
        findings.append(
            Finding(
                "parse/encoding",
                Severity.ERROR,
                "binary file (contains NUL bytes) where a Markdown page is expected; replace it with a UTF-8 text page",
                rel,
                1,
                1,
            )
        )
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        findings.append(
            Finding(
                "parse/encoding",
                Severity.ERROR,
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
                rel,
                line,
                col,
            )
        )
        return None


def parse_page(
    abs_path: str, rel: str, kind: str, versioned: str | None, findings: list[Finding], regular: bool = True
) -> Resource | None:
    """Read and parse one page; on failure append a finding and return None. ``regular``: the
    folder listing saw a regular file (or a link to one)."""
    text = _read_text(abs_path, rel, regular, findings)
    if text is None:
        return None
    return page_of_text(text, rel, kind, versioned, findings)


def page_of_text(text: str, rel: str, kind: str, versioned: str | None, findings: list[Finding]) -> Resource | None:
    """Parse one page's text (``parse_page`` without the reading)."""
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    try:
        parts = split(text)
    except YamlProblem as p:
        if kind in PAGE_KINDS:
            # custom pages may have no frontmatter at all
            return Resource(kind, rel, folder, {}, Locations(), text, 1, versioned)
        findings.append(Finding(p.rule, Severity.ERROR, p.message, rel, p.line, p.column))
        return None
    if "\t" in parts.yaml_text:
        # YAML forbids tabs for indentation; point at the first one
        for i, line in enumerate(parts.yaml_text.split("\n")):
            stripped = line.lstrip(" ")
            if stripped.startswith("\t"):
                findings.append(
                    Finding(
                        "parse/yaml",
                        Severity.ERROR,
                        "tab character used for indentation; YAML allows only spaces",
                        rel,
                        parts.yaml_first_line + i,
                        len(line) - len(stripped) + 1,
                    )
                )
                return None
    try:
        # positions are computed again only for pages that get a finding (see LazyLocations)
        data, locs, simple = yamlloc.load_lazily(parts.yaml_text, parts.yaml_first_line - 1)
    except YamlProblem as p:
        findings.append(Finding(p.rule, Severity.ERROR, p.message, rel, p.line, p.column))
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        findings.append(
            Finding(
                "parse/frontmatter",
                Severity.ERROR,
                f"frontmatter must be a YAML mapping of keys to values, not a {type(data).__name__}",
                rel,
                parts.yaml_first_line,
                1,
            )
        )
        return None
    head = text[: len(text) - len(parts.body)]
    digest = head_digest(head, data.get("summary") if simple else None)
    return Resource(kind, rel, folder, data, locs, parts.body, parts.body_first_line, versioned, digest)


_SUMMARY_LINE = b"\nsummary:"
_MASK = b"summary:\0"  # never in a page's head: a NUL byte is refused (``decoded_text``), and YAML refuses one


def head_digest(head: str, summary: object) -> str:
    """``Resource.head_digest``: the BLAKE2 digest of a page's text before its body, the words of its
    summary left out. Of a ``summary`` a check reads only whether it is a string with words
    (``best-practices/summary-required``, ``schema/valid-type``; the saga model reads the summaries
    of a flow's steps, but a flow has no signature: ``saga_lint.prose``), so rewording one is an edit
    of prose. ``summary`` is the page's value, None when its frontmatter is not in the fast path's
    subset. In that subset (plain block YAML: no anchors, aliases, or flow collections over several
    lines) a line that starts with ``summary:`` is the top-level key, and the lines after it that
    start with a space or are empty hold its value and nothing else (but comments and blank lines,
    which no one reads either). When ``summary`` is a string with words, those lines are replaced
    by a mark and as many line breaks: every other line keeps its number, and its text counts."""
    text = head.encode("utf-8", "surrogatepass")
    at = text.find(_SUMMARY_LINE) if isinstance(summary, str) and summary.strip() else -1
    if at < 0:
        return hashlib.blake2b(text, digest_size=16).hexdigest()
    start = at + 1
    end = text.find(b"\n", start)
    while 0 <= end < len(text) - 1 and text[end + 1] in b" \n":
        end = text.find(b"\n", end + 1)
    end = len(text) if end < 0 else end + 1
    digest = hashlib.blake2b(memoryview(text)[:start], digest_size=16)
    digest.update(_MASK + b"\n" * text.count(b"\n", start, end))
    digest.update(memoryview(text)[end:])
    return digest.hexdigest()
