"""Alembic's environment for the pool database: run on the connection the pool opened.

The pool runs its migrations itself when it opens a database (``Pool.__init__``), inside the same
write transaction that holds the database's lock, so two programs opening a new database at once
never both create its tables. There is no ``alembic.ini``: the pool hands the connection over in
``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from eligibility.pool.schema import METADATA, VERSION_TABLE

__all__: list[str] = []

connection: Connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=METADATA,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters a table by copying it
)
with context.begin_transaction():
    context.run_migrations()
