"""The cultivation pool (培育库) that remembers: snapshots of screenings in a database.

``Pool(url)`` opens (and migrates) a SQLite file or a PostgreSQL database; ``add`` stores a
screening as a snapshot; ``changes``, ``history``, ``targets`` and ``candidates`` answer as
DataFrames. Needs the extra ``eligibility[pool]`` (SQLAlchemy, alembic, psycopg).

Sits above the findings and the renderers: it uses the public flow (``read_input``, ``evaluate``,
the findings) and the writers of ``render/``; the engine, the reader and the renderers never
import it.
"""

from __future__ import annotations

from eligibility.pool.errors import (
    FirmLookupError,
    PoolError,
    PoolMismatchError,
    PoolUnavailableError,
    SnapshotExistsError,
    UnknownSnapshotError,
)
from eligibility.pool.store import Pool, Snapshot, rules_hash

__all__ = [
    "FirmLookupError",
    "Pool",
    "PoolError",
    "PoolMismatchError",
    "PoolUnavailableError",
    "Snapshot",
    "SnapshotExistsError",
    "UnknownSnapshotError",
    "rules_hash",
]
