"""Making catalog text safe to show: terminal control sequences and control characters removed."""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_safe(text) -> str:
    """Strip escape sequences and control characters (bidi overrides too); keep newlines/tabs out."""
    s = _ANSI.sub("", str(text))
    return _CONTROL.sub("", s).replace("\n", " ").replace("\t", " ")
