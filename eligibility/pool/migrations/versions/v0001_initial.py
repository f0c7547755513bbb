"""The first pool schema: meta, snapshots, firms, per-snapshot firms, results, gaps, issues, targets.

Revision ID: 0001
Revises:
Create Date: 2026-05-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

__all__: list[str] = []

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _snapshot_id(nullable: bool = False, primary_key: bool = False) -> sa.Column[int]:
    return sa.Column(
        "snapshot_id",
        sa.Integer,
        sa.ForeignKey("snapshots.id", ondelete="CASCADE"),
        nullable=nullable,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "pool_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("as_of", sa.Date, nullable=False, unique=True),
        sa.Column("label", sa.Text, nullable=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sheet", sa.Text, nullable=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("rules_hash", sa.String(64), nullable=False),
        sa.Column("firms", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "firms",
        sa.Column("firm_key", sa.String(80), primary_key=True),
        sa.Column("credit_code", sa.String(40), nullable=True),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("first_seen", sa.Date, nullable=False),
        sa.Column("last_seen", sa.Date, nullable=False),
        sa.Column("left_on", sa.Date, nullable=True),
    )
    op.create_table(
        "snapshot_firms",
        _snapshot_id(primary_key=True),
        sa.Column("firm_key", sa.String(80), primary_key=True),
        sa.Column("credit_code", sa.String(40), nullable=True),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("sheet_row", sa.Integer, nullable=False),
        sa.Column("township", sa.Text, nullable=True),
        sa.Column("officer", sa.Text, nullable=True),
        sa.Column("title", sa.String(40), nullable=True),
        sa.Column("title_expires", sa.Date, nullable=True),
        sa.Column("promotion_candidate", sa.Boolean, nullable=False),
        sa.Column("at_risk", sa.Boolean, nullable=False),
        sa.Column("scale_up_candidate", sa.Boolean, nullable=False),
        sa.Column("data_issue", sa.Boolean, nullable=False),
        sa.Column("figures", sa.Text, nullable=False),
    )
    op.create_table(
        "results",
        _snapshot_id(primary_key=True),
        sa.Column("firm_key", sa.String(80), primary_key=True),
        sa.Column("tier", sa.String(40), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mark", sa.String(16), nullable=False),
        sa.Column("score_low", sa.Float, nullable=True),
        sa.Column("score_high", sa.Float, nullable=True),
        sa.Column("failed", sa.Text, nullable=False),
        sa.Column("failed_count", sa.Integer, nullable=False),
        sa.Column("points_short", sa.Float, nullable=False),
        sa.Column("ruleset", sa.String(80), nullable=False),
        sa.Column("review_round", sa.Integer, nullable=True),
    )
    op.create_table(
        "gaps",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _snapshot_id(),
        sa.Column("firm_key", sa.String(80), nullable=False),
        sa.Column("tier", sa.String(40), nullable=False),
        sa.Column("criterion", sa.String(80), nullable=False),
        sa.Column("field", sa.String(80), nullable=True),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("op", sa.String(4), nullable=True),
        sa.Column("amount", sa.Float, nullable=True),
        sa.Column("lever", sa.String(80), nullable=True),
        sa.Column("lever_unit", sa.String(16), nullable=True),
        sa.Column("lever_amount", sa.Float, nullable=True),
    )
    op.create_index("gaps_by_firm", "gaps", ["snapshot_id", "firm_key", "tier"])
    op.create_table(
        "issues",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _snapshot_id(),
        sa.Column("firm_key", sa.String(80), nullable=True),
        sa.Column("sheet_row", sa.Integer, nullable=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("field", sa.String(80), nullable=True),
        sa.Column("header", sa.Text, nullable=True),
        sa.Column("value", sa.Text, nullable=True),
    )
    op.create_index("issues_by_firm", "issues", ["snapshot_id", "firm_key"])
    op.create_table(
        "targets",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("tier", sa.String(40), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for index, table in (("issues_by_firm", "issues"), ("gaps_by_firm", "gaps")):
        op.drop_index(index, table_name=table)
    for table in (
        "targets",
        "issues",
        "gaps",
        "results",
        "snapshot_firms",
        "firms",
        "snapshots",
        "pool_meta",
    ):
        op.drop_table(table)
