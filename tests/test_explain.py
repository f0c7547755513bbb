"""``eligibility explain``: one firm, every criterion, checked against a committed snapshot."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from eligibility.cli import main

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).parent / "data" / "snapshots"


def explain(*extra: str) -> tuple[int, str]:
    args = ["explain", str(ROOT / "samples" / "pool.xlsx"), "--as-of", "2026-11-26", *extra]
    result = CliRunner().invoke(main, args, env={"COLUMNS": "140"})
    return result.exit_code, result.output


def test_explain_snapshot() -> None:
    """A titled firm at risk: every tier, criteria with values, requirements, margins, gaps, sources."""
    code, output = explain("--firm", "911405215NRDUKBD1X")
    assert code == 0, output
    snapshot = SNAPSHOTS / "explain_911405215NRDUKBD1X.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        snapshot.write_text(output, encoding="utf-8")
    assert output == snapshot.read_text(encoding="utf-8")


def test_explain_finds_by_name_and_filters_tiers() -> None:
    code, output = explain("--firm", "晋联煤机装备", "--tier", "srdi_sme", "--lang", "en")
    assert code == 0
    assert "Specialised and sophisticated SME (SRDI): ineligible" in output
    assert "Little-giant" not in output
    assert "raise by 2000.0" in output  # the equity-financing alternative (its unit wraps to the next line)


def test_explain_unknown_firm() -> None:
    code, output = explain("--firm", "不存在的企业")
    assert code == 2
    assert "找不到企业：不存在的企业" in output
