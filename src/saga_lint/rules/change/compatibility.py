"""``change/breaking-schema``: a changed message schema that breaks the party at risk.

The comparison itself (``saga_lint.changes.compat``) is made once per review, before the rules
run, because the review's report shows it too; this rule turns its breaking differences into
findings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from saga_lint.changes.schemafiles import unnamed_note
from saga_lint.rules import Context, Problem, rule

if TYPE_CHECKING:
    from saga_lint.catalog.model import Resource
    from saga_lint.changes.compat import SchemaChange


def schema_key(res: Resource) -> tuple[str, ...]:
    """The frontmatter key that names the message's schema, for the finding's position."""
    if "schemaPath" in res.data:
        return ("schemaPath",)
    if "schemas" in res.data:
        return ("schemas",)
    return ("id",)


def schemas_beside(ctx: Context, rtype: str, rid: str) -> list[str]:
    """The schema files beside the message's page when its page names none (``diff``)."""
    ch = ctx.changes.diff.get(rtype, rid) if ctx.changes is not None else None
    return list(ch.schemas_beside) if ch is not None else []


def _who(message_type: str, c: SchemaChange, mode: str = "BACKWARD") -> str:
    """Who a breaking difference breaks, in words, in the direction of the mode."""
    if message_type == "event":
        if c.kind in ("required-removed", "required-relaxed", "required-nullable") and mode.upper().startswith("FORWARD"):
            return "consumers still on the old schema, which require it"
        if c.kind == "required-removed":
            return "consumers that read it"
        if c.kind == "required-relaxed":
            return "consumers that read it: it may now be missing"
        if c.kind == "required-nullable":
            return "consumers that read it: it may now be null"
        if c.old_rejected and c.new_rejected:
            return "consumers on either schema version"
        return "consumers validating stored or in-flight events" if c.old_rejected else "consumers still on the old schema"
    if c.old_rejected and c.new_rejected:
        return "senders and handlers on either schema version"
    return "senders: what they send today is rejected" if c.old_rejected else "handlers still on the old schema"


def _mode_note(mode: str, source: str) -> str:
    if source == "default":
        return f"mode {mode}"
    return f"mode {mode}, {source}" if source.startswith("default") else f"mode {mode}, from {source}"


@rule("change/breaking-schema", "error")
def breaking_schema(ctx: Context) -> Iterator[Problem]:
    """A changed message schema breaks the party at risk under the message's compatibility mode.

    What it checks: for every event, command and query whose JSON schema changed between base and
    head, each difference (removed or renamed required field, new required field, type change,
    narrowed or widened enum or range, new pattern, closed object) against the message's mode:
    BACKWARD (default; what is sent and stored today is still accepted, and for events no
    required field consumers rely on disappears or may be null), FORWARD (readers on the old schema accept new
    messages), FULL (both) or NONE. The mode comes from ``schema-compatibility: {<id>: MODE}`` in
    saga-lint.yaml, else ``x-compatibility: MODE`` in the message's frontmatter; the
    ``_TRANSITIVE`` modes compare against every earlier version under ``versioned/`` too. Avro
    schemas are judged by the specification's schema resolution (as Schema Registry judges them:
    a field added without a default breaks new readers of old data, ``int`` to ``long`` breaks old
    readers of new data); Protobuf files by ``buf breaking``'s WIRE_JSON rules (a field deleted
    without reserving its number and name, renumbered, retyped, renamed, moved into a ``oneof``).
    Such findings are at the schema file's line and name the fix. Every finding names who the
    message reaches at the base revision: its receivers, senders and the saga steps using it.
    A schema file beside a page that names none (no ``schemaPath``) is compared too; the finding
    says so and asks for the ``schemaPath``. A breaking change published as the new version it
    needs (a new major version; below 1.0.0 a new minor one: what ``change/version-bump`` asks for)
    is a warning, not an error: it is the fix, and the finding still names who must migrate.
    Why: producers and consumers deploy independently; a breaking schema change rolled out like a
    compatible one fails in production, in whichever service upgrades last.
    Example that fails: ``order-created`` drops ``orderId`` from ``required`` (and from
    ``properties``): consumers reading ``orderId`` break.
    Fix: make the change compatible (add an optional field instead of renaming one, keep old enum
    values), or publish it as a new major version and migrate consumers, or set the mode the
    message really needs.
    """
    if ctx.changes is None:
        return
    from saga_lint.changes.reach import reach_of
    from saga_lint.rules.change.versions import breaking_step

    for mc in ctx.changes.compat:
        res = mc.head
        if res is None:
            continue
        beside = unnamed_note(schemas_beside(ctx, mc.type, mc.id))
        reach = reach_of(ctx.changes.base, mc.type, mc.id).words() if mc.breaking else ""
        old_step, new_step = breaking_step(mc.old_version), breaking_step(mc.new_version)
        announced = old_step is not None and new_step is not None and new_step > old_step
        for c in mc.breaking:
            subject = f"{mc.type} {mc.id}"
            named = f'"{c.path}"' in c.detail  # the difference already names the field's full path
            if c.path and not named and (not c.kind.startswith(("required-", "property-")) or "." in c.path or "[" in c.path):
                subject += f", field {c.path}"  # a nested field's full path, so two nested fields never read alike
            who = c.readers or _who(mc.type, c, mc.mode)
            message = f"{subject}: {c.detail}; breaks {who} ({_mode_note(mc.mode, mc.mode_source)}){beside}"
            if reach:  # who uses the message at base: the blast radius
                message += f"; it reaches {reach}"
            if announced:  # published as the version a breaking change needs: the fix, said as a warning
                message += (f"; published as {mc.new_version}, the new version a breaking change needs: keep "
                            f"{mc.old_version} under versioned/ until its consumers have moved")
            elif c.fix:  # Avro and Protobuf differences carry their fix, file and line
                message += f". Fix: {c.fix}"
            yield Problem(message, res, at=schema_key(res), field=c.path or None, file=c.file, line=c.line, demote=announced)
