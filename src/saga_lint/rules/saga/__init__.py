"""``saga/*``: the saga review, one rule per question a reviewer asks of every step.

Each rule reads the saga model (``saga_lint.saga``) and lives in the module of its concern:
``schema`` (the x-saga block against its JSON Schema), ``owners``, ``conditions`` (success and
failure replies), ``retries``, ``compensation``, ``status`` (what the customer sees), ``pivot``,
``outcome``, ``orchestrator`` and ``docs_drift``; the shape of a saga (#16): ``entry`` (what
starts it), ``consumers`` (who undoes on a promised event), ``agreement`` (x-saga and the flow map
agree), ``loops`` (a drawn loop has a bound), ``copies`` (a journey that repeats a saga and
differs from it) and ``contracts`` (correlation and idempotency keys in the message schemas); ``common`` holds what they share
(the saga's flow map as the model read it, message senders and receivers).
``saga_lint.rules.all_rules`` imports this package by name: importing the modules below registers
their rules.
"""

from saga_lint.rules.saga import (  # noqa: F401  (imported to register their rules)
    agreement,
    compensation,
    conditions,
    consumers,
    contracts,
    copies,
    docs_drift,
    entry,
    loops,
    orchestrator,
    outcome,
    owners,
    pivot,
    retries,
    schema,
    status,
)
