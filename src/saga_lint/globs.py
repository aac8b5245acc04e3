"""The one glob matcher: gitignore-style path globs, on ``pathspec``.

Used for the configuration's ``ignore`` and ``overrides[].files`` (paths relative to the catalog
root) and for a saga's ``x-saga.implementation`` (paths relative to the repository top).

Semantics (those of the two memoised matchers this one replaced, config.py's and review's):
``*``, ``?`` and ``[...]`` stay within one folder, ``**`` spans any number of folders, a pattern
that names a folder (or ends in ``/*``) matches everything inside it, a leading ``./`` or ``/``
and a trailing ``/`` change nothing. A pattern of one segment (``*.mdx``, ``drafts``) matches a
name at any depth, unless the set is ``anchored`` (implementation paths: always from the
repository top; a backslash is read as a folder separator there, and blanks around are dropped).

What is new with ``pathspec`` (gitignore's syntax):

- a pattern starting with ``!`` re-includes what an earlier one matched: ``["drafts/**",
  "!drafts/keep.mdx"]``; the last pattern that matches a path decides (pathspec's reading:
  unlike git, a file inside a folder matched as a whole can be re-included);
- a backslash escapes the next character (outside anchored sets), ``#`` starts a comment;
- ``a/**`` matches what is inside ``a``, no longer a file named ``a`` itself;
- trailing blanks of a pattern are dropped.

Hostile patterns stay fast, as the memoised matchers before did, although Python's regular
expressions backtrack: a run of ``**`` folders is one, the part of a segment between two ``*`` is
matched at its first occurrence only (what ``fnmatch`` does since Python 3.11: ``*a*a*a*a*b`` on a
long name takes linear time), and so is a run of segments between two ``**``; a pattern has at
most ``MAX_SEGMENTS`` folders.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, AnyStr, Literal

if TYPE_CHECKING:
    import pathspec
    from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern

MAX_SEGMENTS = 100


class GlobError(ValueError):
    """A pattern too long or too deep to be matched in reasonable time."""


def _normalise(pattern: str, anchored: bool) -> tuple[bool, str | None]:
    """``(negated, pattern)`` with ``./``, empty and ``.`` folders and runs of ``**`` removed;
    None for a pattern that matches nothing (empty, or a comment)."""
    text = pattern.strip() if anchored else pattern
    if anchored:
        text = text.replace("\\", "/")
    negated = text.startswith("!")
    if negated:
        text = text[1:]
    if text.startswith("#"):
        return negated, None
    segs: list[str] = []
    for seg in text.split("/"):
        if seg in ("", "."):
            continue
        if seg == "**" and segs and segs[-1] == "**":
            continue  # a/**/**/b is a/**/b
        segs.append(seg)
    if not segs:
        return negated, None
    if segs[-1] == "*":
        segs[-1] = "?*"  # gitignore's "a/*" is one level only; "?*" is the same name and what is inside it
    if len(segs) > MAX_SEGMENTS:
        raise GlobError(f"glob {pattern[:40]!r}... has more than {MAX_SEGMENTS} path segments")
    body = "/".join(segs)
    if anchored or (len(segs) > 1 and segs[0] != "**"):
        body = "/" + body  # gitignore: a leading slash anchors the pattern at the root
    return negated, body


_LEAD = "^(?:.+/)?"  # how pathspec writes a leading '**/'
_INNER = "(?:/.+)?"  # ... an inner '/**'
_STAR = "[^/]*"  # ... a '*' inside a segment (a bracket expression cannot hold a '/')


class _Names:
    """Unique group names for the look-aheads of one process."""

    counter = itertools.count()

    @classmethod
    def next(cls) -> str:
        return f"sl{next(cls.counter)}"


def _atomic(regex: str) -> str:
    """``regex`` matched once, at its first match, never backtracked into (an atomic group,
    written as a look-ahead and a back-reference so that Python 3.10 reads it)."""
    name = _Names.next()
    return f"(?=(?P<{name}>{regex}))(?P={name})"


def _commit_stars(segment_regex: str) -> str:
    """A segment's ``*x*y*z``: each part between two stars at its first occurrence (the last star
    keeps backtracking, the segment must end where it ends)."""
    parts = segment_regex.split(_STAR)
    if len(parts) < 3:
        return segment_regex
    middle = "".join(_atomic(f"[^/]*?{part}") for part in parts[1:-1])
    return parts[0] + middle + _STAR + parts[-1]


def _commit_folders(regex: str) -> str:
    """``**/A/**/B/**/C``: every run of segments followed by another ``**`` at its first
    occurrence, ending where a segment ends (the folders the next ``**`` spans can absorb the
    difference to any later occurrence)."""
    parts = regex.split(_INNER)
    if len(parts) == 1:
        return regex
    out = []
    for i, part in enumerate(parts):
        if i == len(parts) - 1:
            out.append(_INNER + part)
        elif i > 0:
            out.append(_atomic("(?:/.+?)??" + part + "(?=/)"))
        elif part.startswith(_LEAD):
            out.append("^" + _atomic("(?:.+?/)??" + part[len(_LEAD):] + "(?=/)"))
        else:
            out.append(part)
    return "".join(out)


@functools.cache
def _pattern_class() -> type[GitIgnoreBasicPattern]:
    """gitignore's pattern (``pathspec``'s own translation), with the choices that could make
    Python's backtracking regex engine take exponential time committed to their first match."""
    from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern

    class _LinearPattern(GitIgnoreBasicPattern):
        @staticmethod
        def _translate_segment_glob(pattern: str, range_error: Literal["literal", "raise"]) -> str:
            return _commit_stars(GitIgnoreBasicPattern._translate_segment_glob(pattern, range_error))

        @classmethod
        def pattern_to_regex(cls, pattern: AnyStr) -> tuple[AnyStr | None, bool | None]:
            regex, include = super().pattern_to_regex(pattern)
            if isinstance(regex, str):
                regex = _commit_folders(regex)
            return regex, include

    return _LinearPattern


class Globs:
    """A list of glob patterns; ``match(path)`` says whether the last pattern that matches the
    path is not a ``!`` pattern. Raises ``GlobError`` for a hostile pattern when built."""

    def __init__(self, patterns: Iterable[str], anchored: bool = False) -> None:
        lines = []
        for p in patterns:
            negated, body = _normalise(p, anchored)
            if body is not None:
                lines.append(("!" if negated else "") + body)
        self._spec: pathspec.PathSpec[Any] | None = None
        if lines:
            import pathspec  # only when there is something to match: most configurations have no globs

            self._spec = pathspec.PathSpec.from_lines(_pattern_class(), lines)

    def match(self, path: str) -> bool:
        spec = self._spec
        if spec is None or not path:
            return False
        return bool(spec.check_file(path.strip("/")).include)


def match(patterns: Iterable[str], path: str, anchored: bool = False) -> bool:
    """One-off: does ``path`` match ``patterns``? (Build a ``Globs`` to match many paths.)"""
    return Globs(patterns, anchored).match(path)
