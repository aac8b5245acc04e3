"""The orchestrator's store: one schema on SQLite (stdlib ``sqlite3``) or PostgreSQL (psycopg 3).

URLs: ``sqlite://`` (in memory), ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``,
``postgresql://user:password@host:port/db``. The schema is created on first use.

The SQL in this package is written once, with ``?`` placeholders and portable types; the tiny
adapter here turns ``?`` into psycopg's ``%s`` and ``{autoid}`` into each dialect's
auto-increment key. Participants keep their state (reservations, authorizations, orders) in the
same database but in their own tables and their own transactions, as separate services would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from typing import Any, Protocol

# a value bound to a ``?`` placeholder
SqlValue = str | int | float | None
# one statement of a batch: (sql, params)
Statement = tuple[str, Sequence[SqlValue]]
# a result row as the driver returns it (str, int, float or None per column; the query says which)
Row = tuple[Any, ...]


class _Cursor(Protocol):
    def fetchall(self) -> list[Any]: ...


class _Connection(Protocol):
    """What the store uses of a DB-API connection (``sqlite3`` and psycopg 3 alike)."""

    def execute(self, sql: str, params: tuple[SqlValue, ...] = ..., /) -> _Cursor: ...

    def close(self) -> None: ...


class _PgConnection(_Connection, Protocol):
    def transaction(self) -> AbstractContextManager[object]: ...

SCHEMA = (
    # one row per saga instance; ``scenario`` is the fault plan it runs under (text)
    """CREATE TABLE IF NOT EXISTS saga_instance (
        saga_id VARCHAR(200) PRIMARY KEY,
        flow VARCHAR(200) NOT NULL,
        scenario TEXT NOT NULL,
        state VARCHAR(40) NOT NULL,
        status VARCHAR(200),
        clock DOUBLE PRECISION NOT NULL DEFAULT 0
    )""",
    # the write-ahead saga log: every transition, in order
    """CREATE TABLE IF NOT EXISTS saga_log (
        saga_id VARCHAR(200) NOT NULL,
        seq INTEGER NOT NULL,
        kind VARCHAR(40) NOT NULL,
        step VARCHAR(200),
        attempt INTEGER,
        at DOUBLE PRECISION NOT NULL,
        detail TEXT NOT NULL,
        PRIMARY KEY (saga_id, seq)
    )""",
    # work to claim (FOR UPDATE SKIP LOCKED on PostgreSQL)
    """CREATE TABLE IF NOT EXISTS saga_queue (
        saga_id VARCHAR(200) PRIMARY KEY
    )""",
    # the customer-visible status timeline
    """CREATE TABLE IF NOT EXISTS status_history (
        saga_id VARCHAR(200) NOT NULL,
        seq INTEGER NOT NULL,
        status VARCHAR(200),
        at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (saga_id, seq)
    )""",
    # the durable outcome and its event, written in one transaction (transactional outbox)
    """CREATE TABLE IF NOT EXISTS outcome (
        id {autoid},
        saga_id VARCHAR(200) NOT NULL,
        container VARCHAR(200),
        event VARCHAR(200)
    )""",
    """CREATE TABLE IF NOT EXISTS outbox (
        id {autoid},
        saga_id VARCHAR(200) NOT NULL,
        event VARCHAR(200),
        payload TEXT NOT NULL
    )""",
    # participant state: one row per thing a step holds (reservation, authorization, order)
    """CREATE TABLE IF NOT EXISTS participant_state (
        saga_id VARCHAR(200) NOT NULL,
        step VARCHAR(200) NOT NULL,
        participant VARCHAR(200),
        kind VARCHAR(60) NOT NULL,
        state VARCHAR(20) NOT NULL,
        PRIMARY KEY (saga_id, step)
    )""",
    # what participants did, in order: 'do' (forward effect) and 'undo' (compensation effect)
    """CREATE TABLE IF NOT EXISTS participant_ops (
        saga_id VARCHAR(200) NOT NULL,
        seq INTEGER NOT NULL,
        step VARCHAR(200) NOT NULL,
        op VARCHAR(10) NOT NULL,
        idem_key VARCHAR(400) NOT NULL,
        PRIMARY KEY (saga_id, seq)
    )""",
    # processed idempotency keys (participants) and processed reply ids (the orchestrator)
    """CREATE TABLE IF NOT EXISTS processed_keys (
        scope VARCHAR(200) NOT NULL,
        idem_key VARCHAR(400) NOT NULL,
        reply TEXT,
        PRIMARY KEY (scope, idem_key)
    )""",
    # choreographies: every event a participant publishes, written in the transaction of its local
    # change (the transactional outbox); ``relayed`` is set when the relay has handed it to the broker
    """CREATE TABLE IF NOT EXISTS event_outbox (
        id {autoid},
        saga_id VARCHAR(200) NOT NULL,
        msg_id VARCHAR(600) NOT NULL,
        event VARCHAR(200),
        step VARCHAR(200),
        kind VARCHAR(40) NOT NULL,
        reason VARCHAR(40),
        at DOUBLE PRECISION NOT NULL,
        relayed INTEGER NOT NULL DEFAULT 0
    )""",
    # choreographies: the broker's deliveries, one row per (message, consumer); ``state`` pending |
    # done | dead; ``held`` deliveries wait until nothing else is pending (a late redelivery)
    """CREATE TABLE IF NOT EXISTS event_delivery (
        id {autoid},
        saga_id VARCHAR(200) NOT NULL,
        msg_id VARCHAR(600) NOT NULL,
        event VARCHAR(200),
        consumer VARCHAR(200) NOT NULL,
        role VARCHAR(20) NOT NULL,
        step VARCHAR(200),
        attempt INTEGER NOT NULL,
        due DOUBLE PRECISION NOT NULL,
        wait DOUBLE PRECISION NOT NULL DEFAULT 0,
        held INTEGER NOT NULL DEFAULT 0,
        state VARCHAR(20) NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS outcome_saga ON outcome (saga_id)",
    "CREATE INDEX IF NOT EXISTS event_outbox_saga ON event_outbox (saga_id, relayed)",
    "CREATE INDEX IF NOT EXISTS event_delivery_saga ON event_delivery (saga_id, state)",
    "CREATE INDEX IF NOT EXISTS outbox_saga ON outbox (saga_id)",
    "CREATE INDEX IF NOT EXISTS saga_instance_state ON saga_instance (state)",
)

AUTOID = {"sqlite": "INTEGER PRIMARY KEY AUTOINCREMENT", "postgresql": "BIGSERIAL PRIMARY KEY"}
INDEXES = ("outcome_saga", "outbox_saga", "saga_instance_state", "event_outbox_saga", "event_delivery_saga")
TABLES = ("saga_instance", "saga_log", "saga_queue", "status_history", "outcome", "outbox",
          "participant_state", "participant_ops", "processed_keys", "event_outbox", "event_delivery")


class StoreError(Exception):
    """The store cannot be opened (bad URL, missing driver, unreachable server)."""


def parse_url(url: str) -> tuple[str, str]:
    """(dialect, target): ``("sqlite", ":memory:" | path)`` or ``("postgresql", conninfo)``."""
    if not isinstance(url, str) or not url:
        raise StoreError("empty database URL")
    if url in ("sqlite://", "sqlite:///:memory:", ":memory:"):
        return "sqlite", ":memory:"
    if url.startswith("sqlite:///"):
        return "sqlite", url[len("sqlite:///"):]
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql", url
    raise StoreError(f"unsupported database URL {url!r} (use sqlite://, sqlite:///PATH or postgresql://...)")


class Store:
    """One connection to the store, safe to share between threads (calls are serialised)."""

    conn: _Connection
    _pg: _PgConnection | None  # the same connection when it is PostgreSQL's

    def __init__(self, url: str = "sqlite://", *, create: bool = True, durable: bool = False):
        self.url = url
        self.dialect, target = parse_url(url)
        self._lock = threading.RLock()
        self._depth = 0
        if self.dialect == "sqlite":
            self.conn, self._pg = _connect_sqlite(url, target), None
        else:
            self._pg = _connect_postgresql(target, durable)
            self.conn = self._pg
        if create:
            self.create_schema()

    # --- the param-style adapter --------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        sql = sql.replace("{autoid}", AUTOID[self.dialect])
        if self.dialect == "postgresql":
            sql = sql.replace("?", "%s")
        return sql

    def execute(self, sql: str, params: Sequence[SqlValue] = ()) -> _Cursor:
        with self._lock:
            return self.conn.execute(self._sql(sql), tuple(params))

    def query(self, sql: str, params: Sequence[SqlValue] = ()) -> list[Row]:
        with self._lock:
            return list(self.execute(sql, params).fetchall())

    def one(self, sql: str, params: Sequence[SqlValue] = ()) -> Row | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    @contextmanager
    def tx(self) -> Iterator[Store]:
        """One transaction (nested calls join the outer one)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            try:
                if self._pg is None:
                    self.conn.execute("BEGIN IMMEDIATE")
                    try:
                        yield self
                    except BaseException:
                        self.conn.execute("ROLLBACK")
                        raise
                    self.conn.execute("COMMIT")
                else:
                    with self._pg.transaction():
                        yield self
            finally:
                self._depth = 0

    def batch(self, statements: Iterable[Statement]) -> None:
        """Run ``[(sql, params), ...]`` in one transaction. (psycopg's pipeline mode was measured
        slower than plain round trips on localhost for these 2-4 statement transactions.)"""
        with self._lock, self.tx():
            for sql, params in statements:
                self.execute(sql, params)

    def _schema_present(self) -> bool:
        if self.dialect == "postgresql":
            names = self.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() UNION "
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
        else:
            names = self.query("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")
        have = {r[0] for r in names}
        return set(TABLES) | set(INDEXES) <= have

    def create_schema(self) -> None:
        # when everything exists, take no lock at all: a CREATE INDEX IF NOT EXISTS still locks its
        # table, and a worker starting next to running ones would deadlock with them
        if self._schema_present():
            return
        if self.dialect == "postgresql":
            # concurrent first use by several processes: serialise the CREATEs
            with self.tx():
                self.execute("SELECT pg_advisory_xact_lock(7420117)")
                for stmt in SCHEMA:
                    self.execute(stmt)
        else:
            with self.tx():
                for stmt in SCHEMA:
                    self.execute(stmt)

    def close(self) -> None:
        with suppress(Exception):  # closing is best effort
            self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- work claiming --------------------------------------------------------------------------
    @contextmanager
    def claim(self, prefix: str = "") -> Iterator[str | None]:
        """Claim one queued saga (whose id starts with ``prefix``) for the duration of the block: yields its id or None.

        PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED`` in a transaction held open on this
        connection while the saga runs (use a second Store for the work itself); if the process
        dies the lock goes with its connection and another worker takes the saga over. The queue
        row is deleted when the block ends normally (the saga reached a terminal state).
        SQLite has one writer at a time: the first queued saga is taken.
        """
        if self.dialect == "postgresql":
            with self.tx():
                row = self.one(
                    "SELECT saga_id FROM saga_queue WHERE saga_id LIKE ? ORDER BY saga_id LIMIT 1 FOR UPDATE SKIP LOCKED",
                    (prefix + "%",))
                if row is None:
                    yield None
                    return
                yield row[0]
                self.execute("DELETE FROM saga_queue WHERE saga_id = ?", (row[0],))
        else:
            row = self.one("SELECT saga_id FROM saga_queue WHERE saga_id LIKE ? ORDER BY saga_id LIMIT 1", (prefix + "%",))
            if row is None:
                yield None
                return
            yield row[0]
            with self.tx():
                self.execute("DELETE FROM saga_queue WHERE saga_id = ?", (row[0],))


def _connect_sqlite(url: str, target: str) -> _Connection:
    import sqlite3

    try:
        conn = sqlite3.connect(target, isolation_level=None, timeout=30, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open {url}: {exc}") from None
    conn.execute("PRAGMA journal_mode=WAL" if target != ":memory:" else "PRAGMA journal_mode=MEMORY")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _connect_postgresql(conninfo: str, durable: bool) -> _PgConnection:
    try:
        import psycopg
    except ImportError:
        raise StoreError("PostgreSQL needs psycopg 3: pip install 'saga-lint[postgres]'") from None
    try:
        conn: _PgConnection = psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc
        raise StoreError(f"cannot connect to PostgreSQL: {first}") from None
    if not durable:
        # the server's own crash safety is not what is under test: a killed orchestrator
        # process loses nothing committed, with or without waiting for the WAL flush
        conn.execute("SET synchronous_commit TO OFF")
    return conn
