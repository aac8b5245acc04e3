"""Plain frontmatter values the saga model reads: message pointers, ``custom`` node types, flow steps.

These are EventCatalog's own shapes (a pointer is an id or ``{id, version}``; a ``custom`` step
has a ``type`` such as Compensation or Outcome), read defensively: frontmatter is user input.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from saga_lint.saga.model import YamlMap

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource

# a flow's steps by id: id -> (index in ``steps``, the step mapping); the first step of an id wins
StepsById = dict[str, tuple[int, YamlMap]]


def ids_of(resources: Iterable[Resource]) -> list[str]:
    """The ids of these resources (catalog look-ups and graph nodes always have one)."""
    return [rid for r in resources if (rid := r.id) is not None]


def pointer_id(value: object) -> str | None:
    """The id of a pointer: a plain id, or the ``id`` of ``{id, version}``; None when there is none."""
    if isinstance(value, dict):
        v = value.get("id")
        return str(v) if v is not None and not isinstance(v, (dict, list)) else None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def custom_type(step: YamlMap) -> str | None:
    """The lower-cased ``custom.type`` of a flow step (``compensation``, ``outcome``, ...), if any."""
    c = step.get("custom")
    if isinstance(c, dict) and isinstance(c.get("type"), str):
        return str(c["type"]).strip().lower()
    return None


def steps_by_id(flow: Resource) -> StepsById:
    """The flow's step mappings that have a scalar id, by id."""
    steps = flow.data.get("steps")
    by_id: StepsById = {}
    for i, s in enumerate(steps if isinstance(steps, list) else []):
        if isinstance(s, dict) and s.get("id") is not None and not isinstance(s.get("id"), (dict, list)):
            by_id.setdefault(str(s["id"]), (i, s))
    return by_id


def with_yaml12_keys(value: object) -> object:
    """A copy of an ``x-saga`` value whose boolean mapping keys are the words they were written
    as: YAML 1.1 (PyYAML) reads the bare key ``on:`` (``compensation.on``) as ``true`` and ``off:``
    as ``false``, where EventCatalog's YAML 1.2 reader keeps the word. No x-saga key is a boolean,
    so ``True`` can only have been ``on`` (or ``yes``/``true``, which x-saga does not use)."""
    if isinstance(value, dict):  # a scalar is kept as it is, without a call for it
        return {("on" if k is True else "off" if k is False else k): (with_yaml12_keys(v) if isinstance(v, (dict, list)) else v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [with_yaml12_keys(v) if isinstance(v, (dict, list)) else v for v in value]
    return value
