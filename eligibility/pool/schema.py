"""The pool database's tables (SQLAlchemy Core), as the newest migration leaves them.

Owns the table definitions the queries use. The migrations under ``migrations/versions/`` create and
change them; a test compares the two, so a table changed here without a migration is caught.

One row per firm × snapshot (``snapshot_firms``, its figures as one JSON text), per firm × snapshot ×
tier (``results``), per failed criterion with a gap (``gaps``), per input issue (``issues``), and
the margin of every firm to every threshold it was compared with (``margins``, whose criteria —
tier, rule set, field, unit, operator — are stored once per snapshot in ``margin_lines``), and
what the monitor (``eligibility watch --db``) applied on top of a snapshot: a firm's updated
figures (``watch_firms``) and results (``watch_results``), every alert (``alerts``) and how far it
read each updates file (``watch_positions``):
columnar enough to insert a snapshot of 10,000 firms in a few bulk statements.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

__all__ = [
    "ALERTS",
    "FIRMS",
    "GAPS",
    "ISSUES",
    "MARGINS",
    "MARGIN_LINES",
    "META",
    "METADATA",
    "RESULTS",
    "SNAPSHOTS",
    "SNAPSHOT_FIRMS",
    "TARGETS",
    "VERSION_TABLE",
    "WATCH_FIRMS",
    "WATCH_POSITIONS",
    "WATCH_RESULTS",
]

VERSION_TABLE = "pool_schema_version"  # alembic's version table, named so it says whose it is
METADATA = MetaData()

META = Table(
    "pool_meta",
    METADATA,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

SNAPSHOTS = Table(
    "snapshots",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("as_of", Date, nullable=False, unique=True),
    Column("label", Text, nullable=True),
    Column("source", Text, nullable=False),
    Column("sheet", Text, nullable=True),
    Column("purpose", String(16), nullable=False),
    Column("rules_hash", String(64), nullable=False),
    Column("firms", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    # How far ahead a title's expiry counted as coming up for review (the at-risk flag's horizon).
    Column("horizon_months", Integer, nullable=False, server_default="12"),
)

FIRMS = Table(
    "firms",
    METADATA,
    Column("firm_key", String(80), primary_key=True),
    Column("credit_code", String(40), nullable=True),
    Column("name", Text, nullable=True),
    Column("first_seen", Date, nullable=False),
    Column("last_seen", Date, nullable=False),
    Column("left_on", Date, nullable=True),
)

SNAPSHOT_FIRMS = Table(
    "snapshot_firms",
    METADATA,
    Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
    Column("firm_key", String(80), primary_key=True),
    Column("credit_code", String(40), nullable=True),
    Column("name", Text, nullable=True),
    Column("sheet_row", Integer, nullable=False),
    Column("township", Text, nullable=True),
    Column("officer", Text, nullable=True),
    Column("title", String(40), nullable=True),
    Column("title_expires", Date, nullable=True),
    # The held title expires within the snapshot's horizon: it comes up for review (the engine's flag).
    Column("title_expiring", Boolean, nullable=False, server_default=false()),
    Column("promotion_candidate", Boolean, nullable=False),
    Column("at_risk", Boolean, nullable=False),
    Column("scale_up_candidate", Boolean, nullable=False),
    Column("data_issue", Boolean, nullable=False),
    Column("figures", Text, nullable=False),
)

RESULTS = Table(
    "results",
    METADATA,
    Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
    Column("firm_key", String(80), primary_key=True),
    Column("tier", String(40), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("mark", String(16), nullable=False),
    Column("score_low", Float, nullable=True),
    Column("score_high", Float, nullable=True),
    Column("failed", Text, nullable=False),
    Column("failed_count", Integer, nullable=False),
    Column("points_short", Float, nullable=False),
    Column("ruleset", String(80), nullable=False),
    Column("review_round", Integer, nullable=True),
)

GAPS = Table(
    "gaps",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False),
    Column("firm_key", String(80), nullable=False),
    Column("tier", String(40), nullable=False),
    Column("criterion", String(80), nullable=False),
    Column("field", String(80), nullable=True),
    Column("unit", String(16), nullable=False),
    Column("op", String(4), nullable=True),
    Column("amount", Float, nullable=True),
    Column("lever", String(80), nullable=True),
    Column("lever_unit", String(16), nullable=True),
    Column("lever_amount", Float, nullable=True),
    Index("gaps_by_firm", "snapshot_id", "firm_key", "tier"),
)

ISSUES = Table(
    "issues",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False),
    Column("firm_key", String(80), nullable=True),
    Column("sheet_row", Integer, nullable=True),
    Column("code", String(40), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("field", String(80), nullable=True),
    Column("header", Text, nullable=True),
    Column("value", Text, nullable=True),
    Index("issues_by_firm", "snapshot_id", "firm_key"),
)

MARGIN_LINES = Table(
    "margin_lines",
    METADATA,
    Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("tier", String(40), nullable=False),
    Column("ruleset", String(80), nullable=False),
    Column("criterion", String(80), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("field", String(80), nullable=True),
    Column("unit", String(16), nullable=False),
    Column("op", String(4), nullable=False),
)

MARGINS = Table(
    "margins",
    METADATA,
    Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
    Column("firm_key", String(80), primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("value", Float, nullable=False),
    Column("value_high", Float, nullable=True),
    Column("threshold", Float, nullable=False),
    Column("margin", Float, nullable=False),
    Column("margin_high", Float, nullable=True),
)

TARGETS = Table(
    "targets",
    METADATA,
    Column("year", Integer, primary_key=True),
    Column("tier", String(40), primary_key=True),
    Column("count", Integer, nullable=False),
)


WATCH_FIRMS = Table(
    "watch_firms",
    METADATA,
    Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
    Column("firm_key", String(80), primary_key=True),
    # The firm's record as the monitor merged it (canonical ids and units, one JSON object).
    Column("record", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

WATCH_RESULTS = Table(
    "watch_results",
    METADATA,
    Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True),
    Column("firm_key", String(80), primary_key=True),
    Column("tier", String(40), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("mark", String(16), nullable=False),
    Column("failed", Text, nullable=False),
)

ALERTS = Table(
    "alerts",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("snapshot_id", Integer, ForeignKey("snapshots.id", ondelete="CASCADE"), nullable=False),
    Column("source", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("firm_key", String(80), nullable=False),
    Column("credit_code", String(40), nullable=True),
    Column("name", Text, nullable=True),
    Column("tier", String(40), nullable=False),
    Column("before", String(16), nullable=False),
    Column("after", String(16), nullable=False),
    Column("borderline_before", String(16), nullable=False),
    Column("borderline_after", String(16), nullable=False),
    # The criteria that moved, as the monitor's alert record lists them (one JSON array).
    Column("moved", Text, nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Index("alerts_by_snapshot", "snapshot_id", "firm_key"),
)

WATCH_POSITIONS = Table(
    "watch_positions",
    METADATA,
    # The updates file's resolved path; ``identity`` tells a file replaced at that path (device:inode).
    Column("source", String(1000), primary_key=True),
    Column("identity", String(80), nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("line", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
