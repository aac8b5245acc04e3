"""``change/*``: what a change does to contracts and sagas, reported by ``saga-lint review``.

These rules compare two revisions of a catalog (``saga-lint review --base REF``). They are rules
like the others (registered, documented by their docstring, graded by the configuration,
suppressible in a resource's ``x-saga-lint`` block) and run by the one runner, on the head's
``Context`` with ``Context.changes`` set to the change under review (``saga_lint.changes.diff.Change``:
the resources changed, the base revision's catalog and sagas, the files changed, the schemas'
compatibility). Without a change (``saga-lint check``) they yield nothing.

One module per concern:

- ``compatibility``: ``change/breaking-schema``, a message schema change that breaks a party;
- ``versions``: ``change/version-bump``, a contract change without the version it needs;
- ``removals``: ``change/removed-in-use``, a message or flow step removed while still used;
- ``steps``: ``change/step-contracts``, a saga step added or changed without its contracts;
- ``orchestrator``: ``change/orchestrator-untouched``, saga steps changed, implementation not;
- ``configuration``: ``change/config-relaxed``, saga-lint's own configuration relaxed;
- ``sagas``: ``change/saga-dropped``, a flow reviewed as a saga at the base that is none at head.
"""

from __future__ import annotations

from saga_lint.rules.change import compatibility, configuration, orchestrator, removals, sagas, steps, versions
from saga_lint.rules.change.configuration import GRADED_BY_BASE

__all__ = ["GRADED_BY_BASE", "compatibility", "configuration", "orchestrator", "removals", "sagas", "steps", "versions"]
