"""Counts in words, for every output that says how many of something there are: ``1 saga``,
``2 sagas`` (never ``1 sagas`` or ``saga(s)``); the article of a noun; text cut to a width."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and the word, singular for exactly one (``many`` when the plural is not ``word + s``)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def with_article(words: str) -> str:
    """``words`` after "a" or "an" (by its first letter: ``an event``, ``a service``)."""
    return ("an " if words[:1] in "aeiou" else "a ") + words


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, cut at a word boundary and marked with "…"."""
    if len(text) <= width:
        return text
    head = text[: width - 1]
    if not text[width - 1].isspace() and " " in head:
        head = head[: head.rindex(" ")]
    return head.rstrip(" ,;:") + "…"
