"""What the monitor applies on top of a snapshot: updated figures and results, alerts, read positions.

Adds ``watch_firms`` (a firm's record as the monitor merged it), ``watch_results`` (its results per
tier after the update), ``alerts`` (every crossing the monitor reported) and ``watch_positions``
(how far each updates file was read: its identity, byte offset and line number), all empty for the
pools made before.

Revision ID: 0003
Revises: 0002
Create Date: 2026-06-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

__all__: list[str] = []

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _snapshot_id(primary: bool = True) -> sa.Column[int]:
    return sa.Column(
        "snapshot_id",
        sa.Integer,
        sa.ForeignKey("snapshots.id", ondelete="CASCADE"),
        primary_key=primary,
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "watch_firms",
        _snapshot_id(),
        sa.Column("firm_key", sa.String(80), primary_key=True),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "watch_results",
        _snapshot_id(),
        sa.Column("firm_key", sa.String(80), primary_key=True),
        sa.Column("tier", sa.String(40), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mark", sa.String(16), nullable=False),
        sa.Column("failed", sa.Text, nullable=False),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _snapshot_id(primary=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("firm_key", sa.String(80), nullable=False),
        sa.Column("credit_code", sa.String(40), nullable=True),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("tier", sa.String(40), nullable=False),
        sa.Column("before", sa.String(16), nullable=False),
        sa.Column("after", sa.String(16), nullable=False),
        sa.Column("borderline_before", sa.String(16), nullable=False),
        sa.Column("borderline_after", sa.String(16), nullable=False),
        sa.Column("moved", sa.Text, nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("alerts_by_snapshot", "alerts", ["snapshot_id", "firm_key"])
    op.create_table(
        "watch_positions",
        sa.Column("source", sa.String(1000), primary_key=True),
        sa.Column("identity", sa.String(80), nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("watch_positions")
    op.drop_index("alerts_by_snapshot", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("watch_results")
    op.drop_table("watch_firms")
