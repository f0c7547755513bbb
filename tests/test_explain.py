"""``eligibility explain``: one firm, every criterion, checked against a committed snapshot; finding the
firm, refusing an unknown tier, the layout at the terminal's width, and hostile names."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from rich.cells import cell_len
from rich.console import Console

from eligibility import Assessment, RuleSet, evaluate, read_input
from eligibility.apps.cli import main
from eligibility.labels import text
from eligibility.render.explain import explain_firm, find_firms
from tests.conftest import base_firm, valid_code

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).parent / "data" / "snapshots"


def explain(*extra: str, columns: int = 140) -> tuple[int, str]:
    args = ["explain", str(ROOT / "samples" / "pool.xlsx"), "--as-of", "2026-11-26", *extra]
    result = CliRunner().invoke(main, args, env={"COLUMNS": str(columns)})
    return result.exit_code, result.output


def test_explain_snapshot() -> None:
    """A titled firm at risk: every tier, criteria with values, requirements, margins, gaps, sources."""
    code, output = explain("--firm", "911405215NRDUKBD1X")
    assert code == 0, output
    snapshot = SNAPSHOTS / "explain_911405215NRDUKBD1X.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        snapshot.write_text(output, encoding="utf-8")
    assert output == snapshot.read_text(encoding="utf-8")


def test_explain_finds_by_name_and_filters_tiers(rules: RuleSet) -> None:
    code, output = explain("--firm", "晋联煤机装备", "--tier", "srdi_sme", "--lang", "en")
    assert code == 0
    srdi, giant = (rules.tiers[t].label_en or "" for t in ("srdi_sme", "little_giant"))
    ruleset = {"regime": "2号", "ruleset": "srdi_sme_2026"}
    assert text("explain_tier", "en", tier=srdi, status=text("ineligible", "en"), **ruleset) in output
    assert giant not in output
    # 营业收入 ≥ 1500万 is met, so the equity-financing alternative (0 of 2000万) is no advice
    assert f"{text('gap_raise', 'en')} 2000" not in output


def test_explain_unknown_firm() -> None:
    code, output = explain("--firm", "不存在的企业")
    assert code == 2
    assert text("explain_not_found", "zh", firm="不存在的企业") in output


# A hand-made pool: two firms whose names both hold 晋泽铸造 and 有限公司 (one inside the other), a
# name written as Rich markup, one with terminal escape sequences and a bell, an unrelated one, and
# a name that is broken markup.
NAMES = [
    "晋泽铸造有限公司",
    "山西晋泽铸造有限公司",
    "[bold red]恶意[/]公司",
    "\x1b[31m红字\x07公司\x1b]0;窗口标题\x07",
    "太原重机",
    "恶意[/]公司",  # a closing tag with nothing to close: a MarkupError if read as markup
]
AS_OF = "2026-03-31"  # the last day of the 63号 regime: tech_innovative_sme is not yet in force


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("explain") / "pool.csv"
    firms = [dict(base_firm(), credit_code=valid_code(i), name=name) for i, name in enumerate(NAMES)]
    pd.DataFrame(firms).to_csv(path, index=False)
    return path


def run(pool: Path, *extra: str, columns: int = 100) -> tuple[int, str]:
    args = ["explain", str(pool), "--as-of", AS_OF, *extra]
    result = CliRunner().invoke(main, args, env={"COLUMNS": str(columns)})
    return result.exit_code, result.output


def test_an_exact_name_wins_over_a_name_containing_it(pool: Path) -> None:
    code, output = run(pool, "--firm", NAMES[0])
    assert code == 0, output
    assert valid_code(0) in output
    assert valid_code(1) not in output


def test_an_exact_credit_code_wins(pool: Path) -> None:
    code, output = run(pool, "--firm", valid_code(1))
    assert code == 0, output
    assert NAMES[1] in output.splitlines()[0]


def test_one_firm_containing_the_key_is_explained(pool: Path) -> None:
    code, output = run(pool, "--firm", "重机")
    assert code == 0, output
    assert valid_code(4) in output.splitlines()[0]


def test_an_ambiguous_key_lists_the_candidates_and_is_a_usage_error(pool: Path) -> None:
    code, output = run(pool, "--firm", "晋泽铸造")
    assert code == 2
    lines = output.splitlines()
    first, second = (next(i for i, line in enumerate(lines) if valid_code(n) in line) for n in (0, 1))
    assert 0 < first < second  # the message, then the candidates in row order
    assert f"{NAMES[0]}" in lines[first]
    assert "2" in lines[first] or "2" in lines[first + 1]  # the row number the officer sees
    assert valid_code(4) not in output
    assert text("col_criterion", "zh") not in output  # nothing is explained


def test_a_long_candidate_list_stops_at_twenty_and_counts_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    firms = [dict(base_firm(), credit_code=valid_code(i), name=f"晋泽{i:02d}有限公司") for i in range(27)]
    pd.DataFrame(firms).to_csv(path, index=False)
    code, output = run(path, "--firm", "有限公司")
    assert code == 2
    assert [i for i in range(27) if valid_code(i) in output] == list(range(20))
    assert output.rstrip().splitlines()[-1].strip() == text("explain_more_candidates", "zh", count=7)


def test_find_firms_gives_every_position_a_key_names(pool: Path, rules: RuleSet) -> None:
    assessment = evaluate(read_input(pool, rules, as_of=AS_OF), rules, as_of=AS_OF)
    assert find_firms(assessment, "晋泽铸造") == [0, 1]
    assert find_firms(assessment, NAMES[0]) == [0]
    assert find_firms(assessment, valid_code(3).lower()) == [3]
    assert find_firms(assessment, "没有这家") == []
    assert find_firms(assessment, "") == []


def test_no_match_is_a_usage_error(pool: Path) -> None:
    code, output = run(pool, "--firm", "不存在的企业")
    assert code == 2
    assert text("col_criterion", "zh") not in output
    code, _ = run(pool, "--firm", "  ")
    assert code == 2


@pytest.mark.parametrize(
    ("tier", "suggestion"),
    [("srdi", "srdi_sme"), ("hnet", "hnte"), ("专精特新", "srdi_sme"), ("Little giant", "little_giant")],
)
def test_an_unknown_tier_is_refused_with_a_suggestion(pool: Path, tier: str, suggestion: str) -> None:
    code, output = run(pool, "--firm", NAMES[0], "--tier", tier)
    assert code == 2
    assert text("did_you_mean", "zh", suggestion=suggestion) in output
    assert text("col_criterion", "zh") not in output


def test_an_unknown_tier_without_a_close_one_lists_the_tier_ids(pool: Path) -> None:
    code, output = run(pool, "--firm", NAMES[0], "--tier", "bogus", "--lang", "en")
    assert code == 2
    assert "did you mean" not in output
    assert all(tier in output for tier in ("tech_sme", "srdi_sme", "little_giant", "hnte"))


def test_a_known_tier_not_in_force_says_so(pool: Path, rules: RuleSet) -> None:
    code, output = run(pool, "--firm", NAMES[0], "--tier", "tech_innovative_sme")
    assert code == 0, output
    label = rules.tiers["tech_innovative_sme"].label_zh
    assert text("skipped_no_ruleset_in_force", "zh", tiers=label) in output
    assert text("col_criterion", "zh") not in output


def _first_words(output: str) -> list[str]:
    """The start of every cell of every criteria table, read from a rendering wide enough for none
    to wrap: each cell's first word, at most 8 characters (where a 4-character cell would cut it)."""
    rows = [line.strip("│") for line in output.splitlines() if line.startswith("│")]
    cells = [cell for row in rows for cell in row.split("│")]
    return [cell.split()[0][:8] for cell in cells if cell.strip() and not cell.strip().isdigit()]


@pytest.fixture(scope="module")
def sample_firm(rules: RuleSet) -> tuple[Assessment, int]:
    """The sample pool, screened once, and the position of the firm of the snapshot."""
    table = read_input(ROOT / "samples" / "pool.xlsx", rules, as_of="2026-11-26")
    assessment = evaluate(table, rules, as_of="2026-11-26")
    return assessment, find_firms(assessment, "911405215NRDUKBD1X")[0]


def _shown(sample_firm: tuple[Assessment, int], width: int) -> str:
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    explain_firm(*sample_firm, console)
    return console.export_text()


@pytest.mark.parametrize("columns", [50, 80, 120, 140])
def test_readable_at_the_console_width(sample_firm: tuple[Assessment, int], columns: int) -> None:
    """No line is wider than the console, and no cell is cut into pieces of fewer than 8 characters:
    the start of every cell (its first 8 characters) is found whole, in the table or under it."""
    words = _first_words(_shown(sample_firm, 400))  # wide enough for nothing to wrap
    assert len(words) > 300
    shown = _shown(sample_firm, columns)
    assert max(cell_len(line) for line in shown.splitlines()) <= columns
    assert [word for word in words if word not in shown] == []


def test_the_command_lays_out_for_the_terminal_width() -> None:
    code, output = explain("--firm", "911405215NRDUKBD1X", "--tier", "little_giant", columns=80)
    assert code == 0
    assert max(cell_len(line) for line in output.splitlines()) <= 80
    moved = text("explain_note_item", "zh", name=text("col_source", "zh"), value="")
    assert moved in output  # the sources follow the table
    assert text("col_source", "zh") not in output.split(moved)[0]  # and are no column of it


def test_markup_and_escape_sequences_in_names_are_shown_literally(pool: Path) -> None:
    for name in (NAMES[2], NAMES[5]):
        code, output = run(pool, "--firm", name)
        assert code == 0, output
        assert name in output.splitlines()[0]  # the brackets themselves, not bold red
    code, output = run(pool, "--firm", "红字")
    assert code == 0, output
    assert "\x1b" not in output
    assert "\x07" not in output
    assert "红字\ufffd公司" in output.splitlines()[0]


def test_markup_and_escape_sequences_in_messages_are_shown_literally(pool: Path) -> None:
    code, output = run(pool, "--firm", "公司")  # five candidates, the hostile ones among them
    assert code == 2
    assert NAMES[2] in output
    assert NAMES[5] in output
    assert "\x1b" not in output
    assert "\x07" not in output
    for hostile in ("\x1b[31m不存在\x07", "[bold]不存在[/]"):
        code, output = run(pool, "--firm", hostile)
        assert code == 2
        assert "\x1b" not in output
        assert "\x07" not in output
        code, output = run(pool, "--firm", NAMES[0], "--tier", hostile)
        assert code == 2
        assert "\x1b" not in output
        assert "[bold]" in output or "\ufffd" in output


def test_the_library_console_is_safe_too(pool: Path, rules: RuleSet) -> None:
    """``explain_firm`` on a recording console (as the web page uses it): no markup error, no ESC."""
    assessment = evaluate(read_input(pool, rules, as_of=AS_OF), rules, as_of=AS_OF)
    for key in (NAMES[2], "红字", NAMES[5]):
        console = Console(file=io.StringIO(), width=80, record=True, color_system=None)
        explain_firm(assessment, find_firms(assessment, key)[0], console)
        shown = console.export_text()
        assert "\x1b" not in shown
        assert "\x07" not in shown
