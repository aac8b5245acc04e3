"""The reference orchestrator: executes a saga model on a real store, under every fault.

- ``store``: one schema on SQLite or PostgreSQL;
- ``engine``: the orchestrator (write-ahead saga log, virtual clock, retries, compensations,
  transactional outbox, restart from the log);
- ``records``: the typed shapes of what is in the store (saga log entries, the snapshot the
  invariants read) and reading a saga's log;
- ``participants``: the participant interface and the simulated participants;
- ``scenarios``: fault plans, their enumeration, and the declared outcome per path;
- ``invariants``: checks on the store's data after each scenario, one function per invariant;
- ``verify``: runs it all per flow (``saga-lint verify``);
- ``worker``: an orchestrator process claiming queued sagas (crash and concurrency tests);
- ``choreography``, ``outbox``, ``choreo_scenarios``: choreographies (and mixed sagas), run as
  participants consuming events through a transactional outbox and a relay, their scenarios and
  their oracle.
"""
