"""Margins to every threshold, titles coming up for review, the horizon each snapshot used.

Adds ``snapshots.horizon_months`` (12, the engine's default, for the snapshots stored before),
``snapshot_firms.title_expiring`` (filled for the stored snapshots from their dates: a held title
whose expiry is not after the snapshot's date plus 12 months, as ``scoring/titles.py`` decides), and
the tables ``margin_lines`` and ``margins`` (empty for the snapshots stored before: their traces
were not kept).

Revision ID: 0002
Revises: 0001
Create Date: 2026-05-08
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
from alembic import op

__all__: list[str] = []

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None
_HORIZON = 12  # evaluate()'s default horizon_months, which the first pool used for every snapshot


def _snapshot_id() -> sa.Column[int]:
    return sa.Column(
        "snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True
    )


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as batch:
        batch.add_column(sa.Column("horizon_months", sa.Integer, nullable=False, server_default="12"))
    with op.batch_alter_table("snapshot_firms") as batch:
        batch.add_column(sa.Column("title_expiring", sa.Boolean, nullable=False, server_default=sa.false()))
    connection = op.get_bind()
    stored = connection.execute(sa.text("SELECT id, as_of FROM snapshots")).all()
    for snapshot_id, as_of in stored:  # one statement per snapshot, never per firm
        day = as_of if isinstance(as_of, dt.date) else dt.date.fromisoformat(str(as_of))
        horizon = (pd.Timestamp(day) + pd.DateOffset(months=_HORIZON)).date()
        connection.execute(
            sa.text(
                "UPDATE snapshot_firms SET title_expiring = :yes WHERE snapshot_id = :id"
                " AND title IS NOT NULL AND title_expires IS NOT NULL AND title_expires <= :horizon"
            ).bindparams(sa.bindparam("horizon", type_=sa.Date), sa.bindparam("yes", type_=sa.Boolean)),
            {"id": snapshot_id, "horizon": horizon, "yes": True},
        )
    op.create_table(
        "margin_lines",
        _snapshot_id(),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("tier", sa.String(40), nullable=False),
        sa.Column("ruleset", sa.String(80), nullable=False),
        sa.Column("criterion", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("field", sa.String(80), nullable=True),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("op", sa.String(4), nullable=False),
    )
    op.create_table(
        "margins",
        _snapshot_id(),
        sa.Column("firm_key", sa.String(80), primary_key=True),
        sa.Column("line", sa.Integer, primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("value_high", sa.Float, nullable=True),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("margin", sa.Float, nullable=False),
        sa.Column("margin_high", sa.Float, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("margins")
    op.drop_table("margin_lines")
    with op.batch_alter_table("snapshot_firms") as batch:
        batch.drop_column("title_expiring")
    with op.batch_alter_table("snapshots") as batch:
        batch.drop_column("horizon_months")
