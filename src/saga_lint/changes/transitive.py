"""The ``_TRANSITIVE`` compatibility modes: the new schema against every earlier version, not only the last.

Schema Registry's ``BACKWARD_TRANSITIVE`` asks that the new schema read data written with every
earlier version, ``FORWARD_TRANSITIVE`` that every earlier version read data written with the new
one, ``FULL_TRANSITIVE`` both. EventCatalog keeps a message's earlier versions under
``versioned/<version>/``: each of them (at head; the base's newest version is compared already)
is compared with the head's schema by the same comparison (JSON Schema, Avro or Protobuf), and its
differences are added, their detail naming the version ("against 1.0.0").
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from saga_lint.catalog import versions

if TYPE_CHECKING:
    from saga_lint.catalog.model import Catalog, Resource
    from saga_lint.changes.compat import SchemaChange

MAX_VERSIONS = 20  # the newest earlier versions compared, at most


def is_transitive(mode: str) -> bool:
    return mode.upper().endswith("_TRANSITIVE")


def direction(mode: str) -> str:
    """``BACKWARD_TRANSITIVE`` -> ``BACKWARD``: which pair of readers and writers must work."""
    m = mode.upper()
    return m[: -len("_TRANSITIVE")] if m.endswith("_TRANSITIVE") else m


def earlier_versions(head_catalog: Catalog, head: Resource, skip: set[str | None]) -> list[Resource]:
    """The message's versions at head older than ``head``'s, newest first, except those in ``skip``."""
    by_version = head_catalog.index().get((head.type, str(head.id)), {})
    older = [v for v in by_version if v is not None and v != head.version and v not in skip]
    ordered: list[str] = []
    while older and len(ordered) < MAX_VERSIONS:
        newest = versions.newest(older)
        if newest is None:
            break
        ordered.append(newest)
        older.remove(newest)
    return [by_version[v][0] for v in ordered if by_version.get(v) and _older(v, head.version)]


def _older(v: str, than: str | None) -> bool:
    if than is None:
        return True
    return versions.newest([v, than]) == than


def against_earlier_versions(head_catalog: Catalog, head: Resource, base_version: str | None) -> list[SchemaChange]:
    """The differences between every earlier version's schema and the head's (the base's newest
    version left out: the ordinary comparison has it)."""
    from saga_lint.changes.compat import message_schema_changes

    out: list[SchemaChange] = []
    for older in earlier_versions(head_catalog, head, {base_version}):
        changes = message_schema_changes(head_catalog, older, head_catalog, head)
        for c in changes or ():
            if c.old_rejected or c.new_rejected:
                out.append(replace(c, detail=f"{c.detail} (against {older.version})"))
    return out
