"""Counts in words, for every output that says how many of something there are: ``1 saga``,
``2 sagas`` (never ``1 sagas`` or ``saga(s)``)."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``n`` and the word, singular for exactly one (``many`` when the plural is not ``word + s``)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
