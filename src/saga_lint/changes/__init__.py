"""What changed between two catalogs: the data the ``change/*`` rules and the review read.

- ``diff``: ``compare_catalogs(base, head) -> ChangeSet`` (resources added, removed, changed or
  given a new version; schema contents; flow steps) and ``Change``, the change under review that
  ``Context.changes`` carries to the rules;
- ``compat``: JSON Schema compatibility of a message from base to head, per mode (BACKWARD,
  FORWARD, FULL, NONE).

A package of its own, below both ``rules`` (whose ``change/*`` rules read it) and ``review``
(which computes it and runs those rules), so that neither imports the other's types.
"""
