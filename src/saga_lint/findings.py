"""Findings: what every rule produces and every renderer reads.

A finding names the rule, its severity, what is wrong and how to fix it, and where: the file
(relative to the catalog root, POSIX separators), 1-based line and column, the resource
``(type, id, version)`` and, for saga rules, the step id. Its fingerprint survives unrelated
edits: it hashes the rule, file, resource, step, field path and message, never line numbers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from dataclasses import field as _field
from enum import Enum
from typing import Any


class Severity(str, Enum):
    """How bad a finding is. A ``str`` whose value is the word, so comparing with ``"error"``, an
    f-string and the JSON output all see the plain word. The configuration's extra level ``off``
    is no severity: a rule at ``off`` makes no finding at all."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value

    def __format__(self, format_spec: str) -> str:
        return format(self.value, format_spec)  # an f-string with a width ("{sev:<7}") pads the word

    @property
    def demoted(self) -> Severity:
        """One level lower (``info`` stays ``info``): a problem with only prose as evidence."""
        return _DEMOTED[self]


_DEMOTED = {Severity.ERROR: Severity.WARNING, Severity.WARNING: Severity.INFO, Severity.INFO: Severity.INFO}

SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1, "off": 0}


@dataclass(frozen=True, order=True)
class ResourceRef:
    """The identity of a catalog resource: teams and users have no version."""

    type: str
    id: str
    version: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"type": self.type, "id": self.id, "version": self.version}

    def __str__(self) -> str:
        return f"{self.type} {self.id}" + (f"@{self.version}" if self.version else "")


@dataclass
class Finding:
    rule: str
    severity: Severity  # a plain "error" / "warning" / "info" is accepted and made a Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    resource: ResourceRef | None = None
    step: str | None = None
    field: str | None = None  # the frontmatter path at fault, e.g. ``steps[1].service``
    fingerprint: str = _field(default="")

    def __post_init__(self) -> None:
        if not isinstance(self.severity, Severity):
            self.severity = Severity(self.severity)
        if not self.fingerprint:
            self.fingerprint = self.compute_fingerprint()

    def compute_fingerprint(self, words: str | None = None) -> str:
        """Rule, file, resource, step, field and the message (or ``words``: what stays the same
        while the finding is the same, for a message that lists pages or counts)."""
        parts = [
            self.rule,
            self.file or "",
            str(self.resource) if self.resource else "",
            self.step or "",
            self.field or "",
            self.message if words is None else words,
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.rule, self.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "resource": self.resource.to_json() if self.resource else None,
            "step": self.step,
            "field": self.field,
            "fingerprint": self.fingerprint,
        }


def at_or_above(severity: str, level: str) -> bool:
    return SEVERITY_RANK.get(severity, 0) >= SEVERITY_RANK.get(level, 3)
