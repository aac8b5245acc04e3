"""``change/*``: what a change does to contracts and sagas, reported by ``saga-lint review``.

These rules compare two revisions of a catalog (``saga-lint review --base REF``), so they have
no check function here: ``saga_lint.review`` computes them from the base and head catalogs. They
are registered so that they are documented (``saga-lint rule change/breaking-schema``) and
configurable (severity, ``off``, overrides) like every other rule. ``saga-lint check`` never
reports them.
"""

from __future__ import annotations

from saga_lint.rules import rule


@rule("change/breaking-schema", "error")
def breaking_schema(ctx):
    """A changed message schema breaks the party at risk under the message's compatibility mode.

    What it checks: for every event, command and query whose JSON schema changed between base and
    head, each difference (removed or renamed required field, new required field, type change,
    narrowed or widened enum or range, new pattern, closed object) against the message's mode:
    BACKWARD (default; what is sent and stored today is still accepted, and for events no
    required field consumers rely on disappears), FORWARD (readers on the old schema accept new
    messages), FULL (both) or NONE. The mode comes from ``schema-compatibility: {<id>: MODE}`` in
    saga-lint.yaml, else ``x-compatibility: MODE`` in the message's frontmatter.
    Why: producers and consumers deploy independently; a breaking schema change rolled out like a
    compatible one fails in production, in whichever service upgrades last.
    Example that fails: ``order-created`` drops ``orderId`` from ``required`` (and from
    ``properties``): consumers reading ``orderId`` break.
    Fix: make the change compatible (add an optional field instead of renaming one, keep old enum
    values), or publish it as a new major version and migrate consumers, or set the mode the
    message really needs.
    """
    return ()


@rule("change/version-bump", "error")
def version_bump(ctx):
    """A message contract changed without the version change it needs.

    What it checks: a message whose schema changed keeps exactly the same version; or a change that
    ``change/breaking-schema`` finds breaking keeps the same major version (1.0.0 -> 1.1.0).
    Why: consumers pin versions (``version: 1.x``); a contract that changes under the same version
    (or a breaking one under the same major) reaches them unannounced, and EventCatalog shows the
    old and the new contract as one.
    Example that fails: ``inventory-reserved`` 1.0.0 loses the required field ``expiresAt`` and is
    still 1.0.0.
    Fix: bump the version (a new major version for a breaking change), keeping the previous one
    under ``versioned/<old version>/``.
    """
    return ()


@rule("change/removed-in-use", "error")
def removed_in_use(ctx):
    """A message or flow step was removed while something still refers to it.

    What it checks: every message (or message version) that exists at base but not at head, and
    every flow step removed from a flow, against the head catalog: services that still send or
    receive the message, flows whose steps still name it, ``x-saga`` blocks that still use it, and
    steps whose ``next_step``/``next_steps`` still lead to a removed step.
    Why: removing a contract that is in use breaks its senders or receivers; removing a step that
    others lead to leaves the flow with a dangling edge.
    Example that fails: ``payment-declined`` is deleted while ``checkout-saga``'s ``x-saga`` still
    lists it as a failure of ``authorize_payment``.
    Fix: remove the references in the same change (or deprecate the message first with
    ``deprecated: true`` and remove it once nothing uses it).
    """
    return ()


@rule("change/step-contracts", "error")
def step_contracts(ctx):
    """A saga step was added or changed without its contracts, failure/compensation or status.

    What it checks: every step added to (or changed in) a saga flow at head has a command contract
    in the catalog and a success reply event, a failure path and a compensation (or ``compensation:
    none`` with a note), and a customer-visible status, as the saga model reads them (x-saga or
    prose). Missing attributes are reported at the rule's severity; attributes found only in prose
    one level lower.
    Why: the change guidance of a saga: a new step is only safe when it says how it fails, what is
    undone and what the customer sees meanwhile; a review is the moment to ask.
    Example that fails: a step ``notify_customer`` added to ``checkout-saga`` with a command but no
    ``compensation`` and no ``status`` in ``x-saga.steps``.
    Fix: declare the step's ``success``, ``failures``, ``compensation`` and ``status`` in
    ``x-saga.steps.<step id>``, and add its command and reply events to the catalog.
    """
    return ()


@rule("change/orchestrator-untouched", "error")
def orchestrator_untouched(ctx):
    """Saga steps changed but the orchestrator's implementation did not.

    What it checks: when steps of a saga flow are added, removed or changed, at least one file
    matching the flow's ``x-saga.implementation`` globs (paths relative to the repository root)
    changed between base and head (``git diff --name-only``, untracked files included when head is
    the working tree). A saga without ``x-saga.implementation`` is reported one level lower: the
    check cannot be made.
    Why: the flow page documents what the orchestrator does; a step added to the catalog but not to
    the code (or the other way round) means the documentation and the running saga disagree.
    Example that fails: a step ``notify_customer`` added to ``checkout-saga`` while nothing under
    ``services/checkout-orchestrator/src/**`` changed.
    Fix: change the orchestrator in the same pull request, or correct the globs in
    ``x-saga.implementation``.
    """
    return ()


@rule("change/config-relaxed", "warning")
def config_relaxed(ctx):
    """The change relaxes saga-lint's own configuration.

    What it checks: the catalog's configuration at head (``saga-lint.yaml`` or
    ``[tool.saga-lint]``) against the one at base: rules whose severity drops (``error`` ->
    ``warning`` or ``off``, also through ``extends`` or wildcards), new ``ignore`` globs, new or
    changed ``overrides`` that lower a rule, and a ``fail-on`` level that fails less. Its own
    severity is read from the base's configuration, so a change cannot switch this rule off for
    itself. Not checked when ``review -c FILE`` names the configuration.
    Why: the configuration sits in the catalog and a pull request can change it; a change that
    turns off the checks it would fail passes silently unless someone notices.
    Example that fails: a change adds ``rules: {best-practices/owner-required: off}`` to
    saga-lint.yaml along with a service that has no owner.
    Fix: keep the rule and fix the catalog; if the relaxation is intended, say why in the pull
    request (the finding is a warning by default), or review with the base branch's configuration
    (``saga-lint review -c base-saga-lint.yaml``).
    """
    return ()

