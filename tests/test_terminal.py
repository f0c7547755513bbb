"""``render/terminal.py``: the one filter for text bound for a terminal, and the summaries that use it."""

from __future__ import annotations

import pytest

from eligibility.errors import Issue, IssueCode, Severity
from eligibility.render.terminal import format_issues, terminal_safe

REPLACED = "\ufffd"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("恶意\x1b[31m公司", f"恶意{REPLACED}公司"),  # SGR colour, parameters and all
        ("\x1b[2J\x1b[H清屏", f"{REPLACED}{REPLACED}清屏"),
        ("a\x1b]0;窗口标题\x07b", f"a{REPLACED}b"),  # OSC up to BEL
        ("a\x1b]8;;http://x\x1b\\链接\x1b]8;;\x1b\\b", f"a{REPLACED}链接{REPLACED}b"),  # OSC 8 up to ST
        ("\x9b31m八位", f"{REPLACED}八位"),  # the 8-bit CSI
        ("\x1bc重置", f"{REPLACED}重置"),  # a two-byte ESC command
        ("响铃\x07退格\x08回车\r删除\x7f", f"响铃{REPLACED}退格{REPLACED}回车{REPLACED}删除{REPLACED}"),
        ("\x85\x9c", REPLACED * 2),  # lone C1 controls
        ("制表\t符", "制表 符"),
        ("第一行\n第二行", "第一行\n第二行"),
        ("\x1b]未结束\n下一行", f"{REPLACED}\n下一行"),  # an unterminated string ends with its line
        ("[bold red]恶意[/]公司", "[bold red]恶意[/]公司"),  # markup is left to Text, not altered
        ("晋联煤机装备有限公司（排名前三）", "晋联煤机装备有限公司（排名前三）"),
    ],
)
def test_terminal_safe_replaces_every_control_and_escape_sequence(raw: str, shown: str) -> None:
    assert terminal_safe(raw) == shown


def test_terminal_safe_leaves_no_control_character() -> None:
    every = "".join(chr(c) for c in range(0xA0)) + "\x1b[1;31m" + "\x1b]0;x\x07"
    shown = terminal_safe(every)
    assert all(ch == "\n" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0) for ch in shown)
    assert terminal_safe(shown) == shown  # idempotent: filtering twice changes nothing


def test_issue_lines_are_filtered() -> None:
    """An input issue quotes the cell it is about; the cell's escape sequences never reach the terminal."""
    issue = Issue(IssueCode.NEGATIVE_VALUE, Severity.ERROR, 5, "revenue_y1", "营业收入", "\x1b[31m-3\x07")
    (line,) = format_issues([issue])
    assert "\x1b" not in line
    assert "\x07" not in line
    assert REPLACED in line
