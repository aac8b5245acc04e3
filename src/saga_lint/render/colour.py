"""Colour by severity for the terminal formats (text, concise): ANSI SGR codes, nothing else.

The command decides whether colour is on (``--color``, ``NO_COLOR``, a terminal); a renderer only
wraps a severity word with :func:`paint`, which returns the word unchanged when colour is off.
"""

from __future__ import annotations

CODES = {"error": "31;1", "warning": "33", "info": "36"}  # bold red, yellow, cyan
RESET = "\x1b[0m"


def paint(severity: str, text: str, on: bool) -> str:
    """``text`` in the colour of ``severity`` when ``on``; else ``text`` as it is."""
    code = CODES.get(str(severity))
    if not on or code is None:
        return text
    return f"\x1b[{code}m{text}{RESET}"
