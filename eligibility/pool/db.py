"""Opening the pool database: the engine, one lock for writers, the migrations.

Owns how a URL or a file name becomes a SQLAlchemy engine, how a write transaction takes the
database's one writer lock (SQLite: ``BEGIN IMMEDIATE``, which waits for the writer before it;
PostgreSQL: a transaction-scoped advisory lock), and running the alembic migrations shipped in
``migrations/`` when a database is opened.

Must not: know what a snapshot is (``store.py`` does).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from eligibility.pool.errors import PoolMismatchError, PoolUnavailableError
from eligibility.pool.schema import VERSION_TABLE

__all__ = ["database_url", "head_revision", "open_engine", "upgrade", "writing"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# One advisory lock key per database: every writer of the pool takes it (PostgreSQL's bigint keys;
# the number is the first 8 bytes of sha256("eligibility.pool"), fixed so every version agrees).
ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"eligibility.pool").digest()[:8], "big", signed=True)
# How long a second writer waits for the first (SQLite's busy timeout, seconds): an import of a
# large county sheet takes seconds, never this long.
BUSY_SECONDS = 600.0
_WRITE = "eligibility_pool_write"


def database_url(target: str | Path) -> str:
    """A SQLAlchemy URL for ``target``: a URL as given (``postgresql://…``, ``sqlite:///…``),
    anything else a SQLite file path."""
    raw = str(target)
    if "://" in raw:
        if raw.startswith(("postgresql://", "postgres://")):
            # psycopg 3 is the driver this package installs; postgres:// is libpq's other spelling.
            raw = "postgresql+psycopg://" + raw.split("://", 1)[1]
        return raw
    return "sqlite:///" + str(Path(raw).expanduser().resolve())


def open_engine(target: str | Path) -> Engine:
    """An engine for ``target`` whose write transactions serialise (see :func:`writing`)."""
    url = database_url(target)
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": BUSY_SECONDS})
            _sqlite_transactions(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, OSError, ValueError) as exc:
        raise PoolUnavailableError(_safe(url), _one_line(exc)) from exc
    return engine


def _sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not the sqlite3 module, begin transactions: a writer's ``BEGIN IMMEDIATE``
    takes the database's write lock before it reads anything, so two imports never interleave and
    the second waits (busy timeout) instead of failing at its first write."""

    @event.listens_for(engine, "connect")
    def connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # no implicit BEGIN from the sqlite3 module
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        # Write-ahead logging: a commit appends to the log instead of rewriting pages through a
        # rollback journal, and readers do not block the writer. With it, synchronous=NORMAL syncs
        # the log at checkpoints, not at every commit (the monitor commits once per update line):
        # a killed process loses no committed transaction; only a power cut may lose the last ones,
        # never the database's consistency.
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """One write transaction holding the database's writer lock: committed when the block ends,
    rolled back when it raises (or when the process dies: the database keeps the state before)."""
    with _connected(engine) as connection:
        connection.execution_options(**{_WRITE: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                # Released at commit or rollback, also when the connection drops (a killed import).
                connection.execute(sql("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_KEY})
            yield connection


@contextmanager
def _connected(engine: Engine) -> Iterator[Connection]:
    try:
        connection = engine.connect()
    except DBAPIError as exc:
        raise PoolUnavailableError(_safe(str(engine.url)), _one_line(exc.orig or exc)) from exc
    with connection:
        yield connection


def head_revision() -> str:
    """The newest migration this program ships."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None  # the package ships its migrations
    return head


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _revision(connection: Connection) -> str | None:
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (creating it when empty), under the writer lock;
    a database made by a newer program (a revision unknown here) is refused."""
    head = head_revision()
    known = {s.revision for s in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    try:
        with _connected(engine) as connection:
            current = _revision(connection)
            connection.rollback()
        if current == head:
            return
        if current is not None and current not in known:
            raise PoolMismatchError("schema", current, head)
        with writing(engine) as connection:
            if _revision(connection) != head:  # another program may have upgraded meanwhile
                command.upgrade(_config(connection), "head")
    except DBAPIError as exc:
        raise PoolUnavailableError(_safe(str(engine.url)), _one_line(exc.orig or exc)) from exc


def _safe(url: str) -> str:
    """A URL fit for a message: its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _one_line(detail: object) -> str:
    return " ".join(str(detail).split())
