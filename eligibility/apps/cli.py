"""The ``eligibility`` command: click glue over the public API, nothing more.

Exit codes (every failure ends as one line on standard error, Chinese or ``--lang en``; the
traceback only with ``--debug``)::

    0   EXIT_OK          finished
    1   EXIT_INPUT       finished with error-severity input issues (or --strict stopped, a scenario failed)
    2   EXIT_USAGE       usage: bad option or date, output = input, -o = --html, an extra not installed, …
    3   EXIT_RULES       invalid rule files (also YAML nested too deep or an alias bomb)
    4   EXIT_UNREADABLE  the input file cannot be read (damaged, not a table, a folder, no permission)
    5   EXIT_UNWRITABLE  an output cannot be written (read-only, disk full, parent is a file)
    6   EXIT_STATE       the saved monitor state (watch --state) cannot be used
    7   EXIT_POOL        the pool database (pool --db) is refused or cannot be opened: another rule
                         setting or pool, a newer schema, no such file, no server
    70  EXIT_INTERNAL    an unexpected error (a bug): rerun with --debug for the traceback
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from rich.console import Console  # the pool block's too

from eligibility.errors import (
    AsOfRangeError,
    InputError,
    IssueCode,
    MissingExtraError,
    RegimeError,
    RuleSetError,
    StateError,
)
from eligibility.input.bounds import DEFAULT_LIMITS, Limits
from eligibility.labels import Lang, issue_message, problem_message, text

if TYPE_CHECKING:
    from eligibility.assessment import Purpose
    from eligibility.columns import Prepared
    from eligibility.input.table import InputTable
    from eligibility.language.ruleset import RuleSet

# The rest of the package is imported inside the commands that use it, so that ``eligibility
# --version`` and ``--help`` start without pandas, numpy, pydantic or plotly.

__all__ = ["main"]

EXIT_OK, EXIT_INPUT, EXIT_USAGE, EXIT_RULES = 0, 1, 2, 3
EXIT_UNREADABLE, EXIT_UNWRITABLE, EXIT_STATE = 4, 5, 6
EXIT_INTERNAL = 70  # EX_SOFTWARE of sysexits.h


def _lang_of(ctx: click.Context) -> Lang:
    """The language of a message given before every option is parsed (``--lang en`` anywhere)."""
    words = sys.argv[1:]
    asked = any(
        w == "--lang=en" or (w == "--lang" and words[i + 1 : i + 2] == ["en"]) for i, w in enumerate(words)
    )
    return "en" if ctx.params.get("lang") == "en" or asked else "zh"


def _existing(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """An input path that must exist: one Chinese line and exit 4 when it does not."""
    if value is not None and not value.exists():
        _fail(text("input_missing", _lang_of(ctx), path=value), EXIT_UNREADABLE)
    return value


def _as_purpose(ctx: click.Context, param: click.Parameter, value: str) -> Purpose:
    """The --purpose choice as the library's own type (one place, not a mapping per command)."""
    return "review" if value == "review" else "apply"


_purpose_option = click.option(
    "--purpose",
    type=click.Choice(["apply", "review"]),
    default="apply",
    show_default=True,
    callback=_as_purpose,
    help="apply 新申报 / review 复核（复核按称号到期年份的复核轮次选用规则）",
)


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--as-of`` must be a calendar date: one line and exit 2 otherwise."""
    from eligibility.language.ruleset import parse_as_of

    if value is not None:
        try:
            parse_as_of(value)
        except AsOfRangeError as exc:
            _fail(text("as_of_out_of_range", _lang_of(ctx), **vars(exc)), EXIT_USAGE)
        except RegimeError:
            _fail(text("bad_as_of", _lang_of(ctx), value=value), EXIT_USAGE)
    return value


_LANG, _DEBUG = "eligibility.lang", "eligibility.debug"  # keys of click's shared ctx.meta


def _remember(key: str) -> Any:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value or key not in ctx.meta:  # a group-level --debug survives a command without it
            ctx.meta[key] = value
        return value

    return callback


def _limits(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    return None if value == 0 else value


_DEFAULT_MB = (DEFAULT_LIMITS.unpacked_bytes or 0) // 1_000_000
_DEFAULT_CELLS = DEFAULT_LIMITS.cells or 0


def _limits_options(command: Any) -> Any:
    """--max-unpacked-mb and --max-cells: how much a workbook may unpack to before it is read."""
    command = click.option(
        "--max-cells",
        type=click.IntRange(min=0),
        default=_DEFAULT_CELLS,
        show_default=True,
        callback=_limits,
        help="工作表最多单元格数（行 × 列），0 为不限 / most cells of a sheet's extent, 0 for no limit",
    )(command)
    return click.option(
        "--max-unpacked-mb",
        type=click.IntRange(min=0),
        default=_DEFAULT_MB,
        show_default=True,
        callback=_limits,
        help="表格解压后（含引用的文字）最多多少 MB，0 为不限 / most MB a workbook unpacks to, 0: none",
    )(command)


def _read_limits(max_unpacked_mb: int | None, max_cells: int | None) -> Limits:
    return Limits(
        unpacked_bytes=None if max_unpacked_mb is None else max_unpacked_mb * 1_000_000,
        rows=DEFAULT_LIMITS.rows,
        cells=max_cells,
    )


_lang_option = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default="zh",
    show_default=True,
    callback=_remember(_LANG),
    help="输出语言 / message language",
)
_debug_option = click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    callback=_remember(_DEBUG),
    help="出错时显示 Python 调用栈 / show tracebacks",
)


def _fail(message: str, code: int) -> NoReturn:
    """Stop with ``message`` on standard error; with --debug, the exception being handled first."""
    context = click.get_current_context(silent=True)
    if context is not None and context.meta.get(_DEBUG) and sys.exc_info()[0] is not None:
        traceback.print_exc()
    click.echo(message, err=True)
    sys.exit(code)


def terminal_safe(value: object) -> str:
    """:func:`eligibility.render.terminal.terminal_safe`, imported when first used."""
    from eligibility.render.terminal import terminal_safe as safe

    return safe(value)


def _one_line(detail: object) -> str:
    return " ".join(str(detail).split())


def _why_unreadable(path: Path, detail: object, lang: Lang) -> str:
    """The reason a file cannot be read, in words where it is a common one."""
    if path.is_dir():
        return text("why_folder", lang)
    if not path.exists():
        return text("why_missing", lang)
    if not os.access(path, os.R_OK) or isinstance(detail, PermissionError):
        return text("why_denied", lang)
    if path.stat().st_size == 0:
        return text("why_empty", lang)
    found = _one_line(detail)
    return found.removeprefix(f"{path.name}: ")


def _input_failed(exc: InputError, lang: Lang, path: Path, strict: bool = False) -> NoReturn:
    """Stop: either the file cannot be read at all (one line, exit 4), or ``--strict`` found errors
    in its cells (every error listed, exit 1). Only the latter mentions ``--strict``."""
    from eligibility.render.terminal import format_issues

    whole = [i for i in exc.issues if i.row is None and i.code in _FILE_CODES]
    if whole or not strict:
        first = (whole or list(exc.issues))[0]
        if first.code in _LIMIT_CODES:
            _fail(
                text("input_too_large", lang, path=path, detail=issue_message(first, lang)), EXIT_UNREADABLE
            )
        detail = (
            _why_unreadable(path, first.value or "", lang)
            if first.code is IssueCode.UNREADABLE_FILE
            else issue_message(first, lang)
        )
        _fail(text("input_unreadable", lang, path=path, detail=detail), EXIT_UNREADABLE)
    lines = [text("strict_stopped", lang, count=len(exc.issues)), *format_issues(exc.issues, lang, 50)]
    _fail("\n".join(lines), EXIT_INPUT)


# Issues that make a whole file unusable (no row is at fault): the file cannot be read.
_LIMIT_CODES = frozenset({IssueCode.TOO_LARGE, IssueCode.TOO_MANY_ROWS, IssueCode.TOO_MANY_CELLS})
_FILE_CODES = frozenset(
    {IssueCode.UNREADABLE_FILE, IssueCode.NO_HEADER, IssueCode.MISSING_KEY, *_LIMIT_CODES}
)


def _why_unwritable(path: Path, exc: OSError, lang: Lang) -> str:
    """The reason an output cannot be written, with what to do."""
    for parent in path.parents:  # the nearest existing ancestor decides "parent is a file"
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                return text("write_parent_file", lang, parent=parent)
            break
    reasons = {
        errno.EROFS: "write_readonly",
        errno.ENOSPC: "write_full",
        errno.EDQUOT: "write_full",
        errno.EISDIR: "write_is_folder",
        errno.EACCES: "write_denied",
        errno.EPERM: "write_denied",
        errno.ENOENT: "write_missing",
        errno.ENOTDIR: "write_parent_file",
    }
    key = reasons.get(exc.errno or 0)
    if key == "write_parent_file":
        key = None  # no ancestor is a file after all
    if path.is_dir() and key is None:
        key = "write_is_folder"
    if key is None:
        return text("write_other", lang, detail=_one_line(exc.strerror or exc))
    return text(key, lang)


@contextmanager
def _writing(path: Path, lang: Lang) -> Iterator[None]:
    """Turn a failed write of ``path`` into one line and exit 5."""
    try:
        yield
    except OSError as exc:
        _fail(text("output_failed", lang, path=path, why=_why_unwritable(path, exc, lang)), EXIT_UNWRITABLE)


def _load(rules_dir: Path | None, lang: Lang) -> RuleSet:
    from eligibility.language.load import load_rules
    from eligibility.render.terminal import format_problems

    try:
        return load_rules(rules_dir)
    except RuleSetError as exc:
        if len(exc.problems) == 1:  # one problem: one line
            only = exc.problems[0]
            joined = text("rules_bad", lang, count=1) + ("" if lang == "zh" else " ")
            _fail(joined + problem_message(only, lang), EXIT_RULES)
        _fail(format_problems(exc.problems, lang), EXIT_RULES)


class _Main(click.Group):
    """The command group: an optional extra that a command needs and is not installed ends as one
    line saying how to install it and exit 2; an unexpected exception as one line and exit 70, never
    a traceback (unless --debug is given)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except MissingExtraError as exc:  # labels has "<extra>_missing" for every extra
            _fail(text(f"{exc.extra}_missing", "en" if ctx.meta.get(_LANG) == "en" else "zh"), EXIT_USAGE)
        except Exception as exc:
            if ctx.meta.get(_DEBUG):
                traceback.print_exc()
            lang: Lang = "en" if ctx.meta.get(_LANG) == "en" else "zh"
            click.echo(text("internal_error", lang, kind=type(exc).__name__), err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="eligibility")
@_debug_option
def main() -> None:
    """优质中小企业梯度培育 筛查引擎 — screen an SME pool against the ladder of titles."""


@main.command()
@click.argument(
    "input_path", metavar="INPUT", type=click.Path(readable=False, path_type=Path), callback=_existing
)
@click.option(
    "--as-of",
    "as_of",
    required=True,
    callback=_day,
    help="评估日期 YYYY-MM-DD (picks the rule sets in force)",
)
@_purpose_option
@click.option("--regime", default=None, help="按指定政策口径回放，如 63号 / replay under a named regime")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["xlsx", "csv", "jsonl", "parquet"]),
    default=None,
    help="默认按输出文件扩展名 / from the suffix (dask: parquet or csv)",
)
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path))
@click.option(
    "--engine",
    type=click.Choice(["pandas", "dask"]),
    default="pandas",
    show_default=True,
    help="dask: 分区 Parquet/CSV 输入输出，分布式计算 / partitioned input and output on a Dask cluster",
)
@click.option("--scheduler", default=None, help="Dask 集群地址，如 tcp://10.0.0.5:8786（缺省启动本地集群）")
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="同时生成 HTML 报告 / also write the HTML report here",
)
@click.option("--sheet", default=None, help="工作表名称 / worksheet (default: the first)")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="表头映射 YAML")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--horizon-months", default=12, show_default=True, type=click.IntRange(0, 120))
@click.option("--strict", is_flag=True, help="输入有错误时不评估 / stop on input errors")
@click.option(
    "--full-trace",
    is_flag=True,
    help="JSONL 含每项条件的明细（取值、门槛、差距、来源…），约 30 KB/企业 / "
    "jsonl: every criterion's trace too (value, threshold, gap, source, …; about 30 KB a firm)",
)
@click.option("--quiet", "-q", is_flag=True, help="不输出汇总 / no summary")
@_limits_options
@_debug_option
@_lang_option
def screen(
    input_path: Path,
    as_of: str,
    purpose: Purpose,
    regime: str | None,
    fmt: str | None,
    output: Path,
    engine: str,
    scheduler: str | None,
    html_path: Path | None,
    sheet: str | None,
    mapping: Path | None,
    rules_dir: Path | None,
    horizon_months: int,
    strict: bool,
    full_trace: bool,
    quiet: bool,
    max_unpacked_mb: int | None,
    max_cells: int | None,
    lang: Lang,
) -> None:
    """Screen the pool in INPUT (.xlsx/.xls/.csv/.parquet) and write the results to OUTPUT."""
    from tqdm import tqdm

    from eligibility.assessment import evaluate
    from eligibility.findings import build_findings
    from eligibility.input.chunks import CHUNK_BYTES, prepare_in_chunks, read_in_chunks
    from eligibility.input.mapping import read_mapping
    from eligibility.input.read import read_input
    from eligibility.language.ruleset import parse_as_of
    from eligibility.render.files import write_csv, write_jsonl, write_parquet
    from eligibility.render.html import write_report
    from eligibility.render.tables import Tables
    from eligibility.render.terminal import format_problems, format_summary
    from eligibility.render.workbook import write_workbook

    for target in (output, html_path):
        if target is not None and target.resolve() == input_path.resolve():
            _fail(text("same_file", lang, path=target), EXIT_USAGE)
    if html_path is not None and html_path.resolve() == output.resolve():
        _fail(text("same_outputs", lang, path=html_path), EXIT_USAGE)
    if engine == "dask":
        _screen_dask(
            input_path, output, fmt, scheduler, rules_dir, as_of, purpose, regime, horizon_months, quiet, lang
        )
        return
    if input_path.is_dir():
        if input_path.suffix.lower() in (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"):
            # A folder named like a workbook is a broken input, not partitioned data.
            _fail(
                text("input_unreadable", lang, path=input_path, detail=text("why_folder", lang)),
                EXIT_UNREADABLE,
            )
        _fail(text("folder_needs_dask", lang, path=input_path), EXIT_USAGE)
    fmt = fmt or {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl", ".parquet": "parquet"}.get(
        output.suffix.lower(), "xlsx"
    )
    rules = _load(rules_dir, lang)
    try:
        headers = read_mapping(mapping) if mapping is not None else None
    except RuleSetError as exc:
        _fail(format_problems(exc.problems, lang), EXIT_USAGE)
    try:
        day = parse_as_of(as_of)
        chunk_bytes = int(os.environ.get("ELIGIBILITY_CHUNK_BYTES", CHUNK_BYTES))
        data: InputTable | Prepared
        if read_in_chunks(input_path, chunk_bytes):
            # A large text or Parquet file is typed chunk by chunk; its text is never held whole.
            data = prepare_in_chunks(input_path, rules, as_of=day, mapping=headers, strict=strict)
            firms = data.n
        else:
            limits = _read_limits(max_unpacked_mb, max_cells)
            data = read_input(input_path, rules, as_of=day, sheet=sheet, mapping=headers, limits=limits)
            firms = len(data.frame)
        # A progress bar for pools above a few thousand firms; stages, since evaluation is one pass.
        bar = tqdm(
            total=4 if html_path else 3,
            desc=text("stage_bar", lang),
            file=sys.stderr,
            disable=quiet or firms < 5000,
        )
        bar.update(1)
        bar.set_postfix_str(text("stage_evaluate", lang))
        if not quiet:
            click.echo(text("progress", lang, firms=firms), err=True)
        assessment = evaluate(
            data,
            rules,
            as_of=day,
            purpose=purpose,
            regime=regime,
            horizon_months=horizon_months,
            strict=strict,
        )
        bar.update(1)
        bar.set_postfix_str(text("stage_write", lang))
    except InputError as exc:
        _input_failed(exc, lang, input_path, strict)
    except RegimeError as exc:
        _fail(text("regime_error", lang, detail=exc), EXIT_USAGE)
    except OSError as exc:  # reading is the only I/O above
        detail = _why_unreadable(input_path, exc, lang)
        _fail(text("input_unreadable", lang, path=input_path, detail=detail), EXIT_UNREADABLE)
    findings = build_findings(assessment)  # built once: every output below translates them
    tables = Tables(findings, lang)  # one set of lists, gap sentences and plans for both outputs
    with _writing(output, lang):
        if fmt == "csv":
            written = write_csv(findings, output)
        elif fmt == "jsonl":
            written = write_jsonl(findings, output, full_trace=full_trace)
        elif fmt == "parquet":
            written = write_parquet(findings, output)
        else:
            written = write_workbook(findings, output, lang, tables)
    bar.update(1)
    report = None
    if html_path is not None:
        bar.set_postfix_str(text("stage_report", lang))
        with _writing(html_path, lang):
            report = write_report(findings, html_path, lang, tables=tables)
        bar.update(1)
    bar.close()
    if not quiet:
        click.echo(format_summary(findings, lang))
        click.echo(text("written", lang, path=written))
        if report is not None:
            click.echo(text("report_written", lang, path=report))
    sys.exit(EXIT_INPUT if assessment.has_errors() else EXIT_OK)


def _screen_dask(
    input_path: Path,
    output: Path,
    fmt: str | None,
    scheduler: str | None,
    rules_dir: Path | None,
    as_of: str,
    purpose: Purpose,
    regime: str | None,
    horizon_months: int,
    quiet: bool,
    lang: Lang,
) -> None:
    """The Dask engine: partitioned Parquet/CSV in, the wide table out as partitioned files."""
    from eligibility.language.ruleset import parse_as_of
    from eligibility.render.files import atomic_folder
    from eligibility.render.terminal import format_partition_summary

    try:
        from distributed import Client, LocalCluster

        from eligibility.backends.dask import read_partitioned, write_partitions
    except ImportError:
        _fail(text("dask_missing", lang), EXIT_USAGE)
    rules = _load(rules_dir, lang)
    try:
        day = parse_as_of(as_of)
    except RegimeError as exc:
        _fail(text("regime_error", lang, detail=exc), EXIT_USAGE)
    fmt = fmt or ("csv" if output.suffix.lower() == ".csv" else "parquet")
    if fmt not in ("parquet", "csv"):
        _fail(text("dask_format", lang), EXIT_USAGE)
    if output.exists() and any(output.iterdir() if output.is_dir() else [output]):
        _fail(text("dask_output_exists", lang, path=output), EXIT_USAGE)
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None)  # type: ignore[no-untyped-call]
    with Client(scheduler or cluster) as client:  # type: ignore[no-untyped-call]
        if not quiet:
            click.echo(text("dask_connected", lang, address=client.scheduler.address), err=True)
        frame = read_partitioned(
            str(input_path / "*.csv")
            if input_path.is_dir() and any(input_path.glob("*.csv"))
            else str(input_path)
        )
        # Every worker writes the parts it evaluates; only counts come back to this process.
        with _writing(output, lang), atomic_folder(output) as folder:
            try:
                counts = write_partitions(
                    frame,
                    rules,
                    folder,
                    fmt=fmt,
                    as_of=day,
                    purpose=purpose,
                    regime=regime,
                    horizon_months=horizon_months,
                )
            except RegimeError as exc:
                _fail(text("regime_error", lang, detail=exc), EXIT_USAGE)
    if cluster is not None:
        cluster.close()
    if not quiet:
        click.echo(format_partition_summary(counts, rules, day, purpose, lang))
        click.echo(text("written", lang, path=output))


@main.command()
@click.option(
    "--pool", "pool_path", default=None, type=click.Path(readable=False, path_type=Path), callback=_existing
)
@click.option(
    "--db",
    "db",
    default=None,
    help="改为在培育库上监测：从最新快照开始，每条更新与提醒存入库中，重启后从上次读到的行继续"
    " / watch on the pool database (resumes after the last applied line)",
)
@click.option(
    "--as-of", "as_of", default=None, callback=_day, help="评估日期 YYYY-MM-DD（--db 时默认快照日期）"
)
@click.option("--updates", default="-", show_default=True, help="更新文件（JSON lines），- 为标准输入")
@click.option("--follow", is_flag=True, help="文件增长时持续读取 / keep reading as the file grows")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="状态文件：启动时读取，退出时保存",
)
@click.option("--name", default=None, help="--db 的培育库名称；与库中记录不符时拒绝 / the pool's name")
@click.option("--accept-rules", is_flag=True, help="--db 的规则文件已更新，接受新规则 / accept changed rules")
@_purpose_option
@click.option("--regime", default=None)
@click.option("--sheet", default=None)
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_debug_option
@_lang_option
def watch(
    pool_path: Path | None,
    db: str | None,
    as_of: str | None,
    updates: str,
    follow: bool,
    state_path: Path | None,
    name: str | None,
    accept_rules: bool,
    purpose: Purpose,
    regime: str | None,
    sheet: str | None,
    rules_dir: Path | None,
    lang: Lang,
) -> None:
    """Watch firm updates (JSON lines) and report every crossing of a threshold or borderline zone."""
    from eligibility.apps.watch import Monitor
    from eligibility.input.read import read_input
    from eligibility.language.ruleset import parse_as_of

    if (pool_path is None) == (db is None):
        _fail(text("watch_pool_or_db", lang), EXIT_USAGE)
    if db is not None:
        if state_path is not None:
            _fail(text("watch_db_no_state", lang), EXIT_USAGE)
        _watch_db(db, updates, follow, as_of, name, accept_rules, regime, rules_dir, lang)
        return
    assert pool_path is not None
    if as_of is None:
        _fail(text("watch_as_of_needed", lang), EXIT_USAGE)
    rules = _load(rules_dir, lang)
    try:
        day = parse_as_of(as_of)
        table = read_input(pool_path, rules, as_of=day, sheet=sheet)
        monitor = Monitor.from_pool(table, rules, day.isoformat(), purpose, regime, lang)
    except InputError as exc:
        _input_failed(exc, lang, pool_path)
    except RegimeError as exc:
        _fail(text("regime_error", lang, detail=exc), EXIT_USAGE)
    if state_path is not None:
        with _writing(state_path, lang):  # now, not when the monitor stops hours later
            state_path.parent.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=state_path.parent).close()
    if state_path is not None and state_path.exists():
        try:
            restored = monitor.load(state_path)
        except StateError as exc:
            _fail(text("watch_state_bad", lang, path=state_path, detail=exc), EXIT_STATE)
        except OSError as exc:
            detail = _why_unreadable(state_path, exc, lang)
            _fail(text("watch_state_bad", lang, path=state_path, detail=detail), EXIT_STATE)
        click.echo(text("watch_state_loaded", lang, firms=restored, path=state_path), err=True)
    try:
        stream = sys.stdin if updates == "-" else open(updates, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        detail = _why_unreadable(Path(updates), exc, lang)
        _fail(text("updates_unreadable", lang, path=updates, detail=detail), EXIT_UNREADABLE)
    click.echo(text("watch_started", lang, firms=len(monitor.records), as_of=day.isoformat()), err=True)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        for record in monitor.feed(_following(stream) if follow else stream):
            click.echo(json.dumps(record, ensure_ascii=False))
            click.echo(monitor.describe(record), err=True)
    except KeyboardInterrupt:
        pass
    finally:
        if stream is not sys.stdin:
            stream.close()
        if state_path is not None:
            with _writing(state_path, lang):
                monitor.save(state_path)
            click.echo(text("watch_state_saved", lang, path=state_path), err=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="绑定地址；默认仅本机可访问")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--token",
    default=None,
    help="共享到网络时的访问令牌（缺省自动生成并显示）/ access token beyond loopback (default: generated)",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    help="浏览器可用来访问的其他主机名 / another name browsers may reach the server by",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="同时进行的筛查数（缺省为处理器核数）/ screenings at once (default: cores)",
)
@click.option(
    "--queue",
    type=click.IntRange(min=0),
    default=8,
    show_default=True,
    help="可排队等候的筛查数 / screenings that may wait",
)
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--db",
    "db",
    default=None,
    help="培育库页签读取的库：SQLite 文件或 postgresql:// URL（默认 $ELIGIBILITY_DB，否则 培育库.sqlite）",
)
@_debug_option
@_lang_option
def serve(
    host: str,
    port: int,
    token: str | None,
    allowed_hosts: tuple[str, ...],
    workers: int | None,
    queue: int,
    rules_dir: Path | None,
    db: str | None,
    lang: Lang,
) -> None:
    """Start the local web page (upload a pool, see the report, download the results)."""
    try:
        import uvicorn

        from eligibility.apps.guard import LOOPBACK, TOKEN_HEADER
        from eligibility.apps.web import create_app, reachable_hosts
    except ImportError:
        _fail(text("web_missing", lang), EXIT_USAGE)
    rules = _load(rules_dir, lang)
    local = host in LOOPBACK
    token = None if local and token is None else (token or secrets.token_urlsafe(16))
    # The pool tab reads the database the pool commands use: --db, $ELIGIBILITY_DB, the default file.
    pool_db = db or os.environ.get("ELIGIBILITY_DB") or _POOL_FILE
    app = create_app(
        rules,
        lang=lang,
        host=host,
        allowed_hosts=allowed_hosts,
        token=token,
        workers=workers,
        queue=queue,
        pool_db=pool_db,
    )
    if local:
        click.echo(text("web_local", lang, host=host, port=port), err=True)
    else:
        names = "、".join(sorted(reachable_hosts(host, allowed_hosts)))
        click.echo(
            text("web_shared", lang, host=host, port=port, token=token, header=TOKEN_HEADER, hosts=names),
            err=True,
        )
    tab = app.state.pool_tab
    there = "://" in pool_db or Path(pool_db).expanduser().is_file()
    serving = "web_pool_serving" if there else "web_pool_serving_missing"
    click.echo(text(serving, lang, db=tab.shown), err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _following(stream: Any) -> Iterator[str]:
    """Lines of a file that keeps growing (like ``tail -f``): a partial last line waits for its end."""
    pending = ""
    while True:
        chunk = stream.readline()
        if not chunk:
            time.sleep(0.2)
            continue
        pending += chunk
        if pending.endswith("\n"):
            yield pending
            pending = ""


@main.command()
@click.argument(
    "input_path", metavar="INPUT", type=click.Path(readable=False, path_type=Path), callback=_existing
)
@click.option("--firm", required=True, help="统一社会信用代码或企业名称 / credit code or name")
@click.option("--as-of", "as_of", required=True, callback=_day, help="评估日期 YYYY-MM-DD")
@click.option("--tier", "tiers", multiple=True, help="只看这些梯度 / only these tiers")
@_purpose_option
@click.option("--regime", default=None)
@click.option("--sheet", default=None)
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_limits_options
@_debug_option
@_lang_option
def explain(
    input_path: Path,
    firm: str,
    as_of: str,
    tiers: tuple[str, ...],
    purpose: Purpose,
    regime: str | None,
    sheet: str | None,
    rules_dir: Path | None,
    max_unpacked_mb: int | None,
    max_cells: int | None,
    lang: Lang,
) -> None:
    """Explain one firm of INPUT: every criterion with value, requirement, status, margin, gap and source."""
    from eligibility.assessment import evaluate
    from eligibility.input.read import read_input
    from eligibility.language.ruleset import parse_as_of
    from eligibility.render.explain import check_tiers, explain_firm, find_firms, format_candidates

    rules = _load(rules_dir, lang)
    refusal = check_tiers(rules, tiers, lang)
    if refusal is not None:  # before the pool is read: a typo costs no screening
        _fail(refusal, EXIT_USAGE)
    try:
        day = parse_as_of(as_of)
        limits = _read_limits(max_unpacked_mb, max_cells)
        table = read_input(input_path, rules, as_of=day, sheet=sheet, limits=limits)
        assessment = evaluate(table, rules, as_of=day, purpose=purpose, regime=regime)
    except InputError as exc:
        _input_failed(exc, lang, input_path)
    except RegimeError as exc:
        _fail(text("regime_error", lang, detail=exc), EXIT_USAGE)
    positions = find_firms(assessment, firm)
    if not positions:
        _fail(terminal_safe(text("explain_not_found", lang, firm=firm)), EXIT_USAGE)
    if len(positions) > 1:
        _fail(format_candidates(assessment, positions, firm, lang), EXIT_USAGE)
    explain_firm(assessment, positions[0], Console(), lang, list(tiers) or None)


def _labels(rules: RuleSet, lang: Lang) -> dict[str, str]:
    """Tier and criterion ids → labels, for messages about results read back from files."""
    from eligibility.language.ruleset import walk_criteria

    names: dict[str, str] = {}
    for ruleset in sorted(rules.rulesets.values(), key=lambda r: r.ruleset.effective_from, reverse=True):
        tier = ruleset.ruleset.tier
        names.setdefault(f"{tier}:requires_title", text("doc_requires_title", lang))
        for node in walk_criteria(ruleset.criteria) if ruleset.criteria else ():
            # Ids are unique within a tier's rule sets only; the newest rule set's label wins.
            names.setdefault(
                f"{tier}:{node.id}", node.label_zh if lang == "zh" else (node.label_en or node.label_zh)
            )
    for meta in rules.tiers.values():
        names[meta.id] = meta.label_zh if lang == "zh" else (meta.label_en or meta.label_zh)
    return names


def _why_not_result(path: Path, exc: InputError, lang: Lang) -> str:
    """Why ``path`` is no screening result ``diff`` can read, in words."""
    from eligibility.diff import REASONS

    issue = exc.issues[0] if exc.issues else None
    reason = (issue.value if issue is not None else "") or ""
    if issue is None or reason not in REASONS or not path.is_file() or path.stat().st_size == 0:
        return _why_unreadable(path, "" if reason in REASONS else reason, lang)
    sheets = {"zh": text("sheet_details", "zh"), "en": text("sheet_details", "en")}
    return text(f"why_{reason}", lang, sheet=issue.sheet, header=issue.header, row=issue.row, **sheets)


@main.command()
@click.argument("before", type=click.Path(readable=False, path_type=Path), callback=_existing)
@click.argument("after", type=click.Path(readable=False, path_type=Path), callback=_existing)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="对比明细 CSV / changes as CSV"
)
@click.option("--ids", is_flag=True, help="-o 的表头和取值用编号 / ids for headings and values in -o")
@click.option("--limit", default=50, show_default=True, help="终端最多列出的行数 / rows shown")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_debug_option
@_lang_option
def diff(
    before: Path, after: Path, output: Path | None, ids: bool, limit: int, rules_dir: Path | None, lang: Lang
) -> None:
    """Compare two screening results (CSV, JSONL or the workbook of `eligibility screen`): who gains,
    who loses, why."""
    from eligibility.diff import diff_results, read_result
    from eligibility.render.changes import write_diff
    from eligibility.render.terminal import format_diff

    if output is not None and any(
        output.resolve() == path.resolve() or (output.exists() and os.path.samefile(output, path))
        for path in (before, after)
    ):
        _fail(text("same_file", lang, path=output), EXIT_USAGE)
    rules = _load(rules_dir, lang)
    results = []
    for path in (before, after):
        try:
            results.append(read_result(path, rules.tiers))
        except InputError as exc:
            _fail(
                text("result_unreadable", lang, path=path, detail=_why_not_result(path, exc, lang)),
                EXIT_UNREADABLE,
            )
    changes = diff_results(*results)
    labels = _labels(rules, lang)
    click.echo(format_diff(changes, before.name, after.name, lang, limit, labels))
    if output is not None:
        with _writing(output, lang):
            write_diff(changes, output, lang, labels, ids=ids)
        click.echo(text("diff_written", lang, path=output))


@main.command()
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_debug_option
@_lang_option
def template(output: Path, rules_dir: Path | None, lang: Lang) -> None:
    """Write an empty input workbook: Chinese headers, units, drop-downs and a column guide."""
    from eligibility.render.template import write_template

    loaded = _load(rules_dir, lang)
    with _writing(output, lang):
        written = write_template(loaded, output, lang)
    click.echo(text("template_written", lang, path=written))


@main.group()
def rules() -> None:
    """规则文件工具 / rule-file tools."""


@rules.command("check")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@_debug_option
@_lang_option
def rules_check(directory: Path | None, lang: Lang) -> None:
    """Validate every rule file of DIRECTORY (default: the bundled rules); exit 3 on problems."""
    loaded = _load(directory, lang)
    click.echo(
        text(
            "rules_ok",
            lang,
            count=len(loaded.rulesets),
            fields=len(loaded.fields),
            directory=loaded.directory,
        )
    )


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--verbose", "-v", is_flag=True, help="list every case / 列出每个用例")
@_debug_option
@_lang_option
def rules_test(directory: Path | None, verbose: bool, lang: Lang) -> None:
    """Run the scenarios of DIRECTORY/scenarios and the boundary cases generated from the rules."""
    from eligibility.render.terminal import format_problems, format_suite
    from eligibility.scenarios import run_rule_tests

    loaded = _load(directory, lang)
    suite = run_rule_tests(loaded, directory)
    for error in suite.errors:
        click.echo(format_problems(error.problems, lang))
    click.echo(format_suite(suite, lang, verbose))
    sys.exit(EXIT_OK if suite.ok else EXIT_INPUT)


@rules.command("docs")
@click.argument("directory", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("docs/rules"),
    show_default=True,
)
@click.option("--check", is_flag=True, help="只检查文档是否最新 / only check that the pages are fresh")
@_debug_option
@_lang_option
def rules_docs(directory: Path | None, output: Path, check: bool, lang: Lang) -> None:
    """Render every rule set of DIRECTORY as a readable document (Markdown) in OUTPUT."""
    from eligibility.render.docs import render_rule_docs, write_rule_docs

    loaded = _load(directory, lang)
    if check:
        pages = render_rule_docs(loaded, lang)
        stale = [
            name
            for name, page in pages.items()
            if not (output / name).is_file() or (output / name).read_text(encoding="utf-8") != page
        ]
        extra = sorted(p.name for p in output.glob("*.md") if p.name not in pages) if output.is_dir() else []
        if stale or extra:
            _fail(text("doc_stale", lang, directory=output) + "\n  " + "\n  ".join(stale + extra), EXIT_INPUT)
        return
    with _writing(output, lang):
        written = write_rule_docs(loaded, output, lang)
    click.echo(text("doc_docs_written", lang, count=len(written), directory=output))


# -- the cultivation pool (培育库): eligibility pool … ----------------------------------------------
# One block, its imports inside the commands: the pool needs the extra eligibility[pool].
EXIT_POOL = 7  # the pool database refused: another rule setting or pool, a newer schema, unreachable
_POOL_FILE = "培育库.sqlite"

_db_option = click.option(
    "--db",
    "db",
    default=None,
    help="培育库：SQLite 文件或 postgresql:// URL（默认 $ELIGIBILITY_DB，否则 培育库.sqlite）",
)


@contextmanager
def _pool(
    db: str | None,
    rules_dir: Path | None,
    lang: Lang,
    *,
    new: bool = False,
    name: str | None = None,
    accept_rules: bool = False,
) -> Iterator[Any]:
    """The pool database named by ``--db``, ``$ELIGIBILITY_DB`` or the default file, opened and
    checked; its errors end as one line (exit 7 for the database itself, 2 for a request)."""
    try:
        from sqlalchemy.exc import SQLAlchemyError

        from eligibility.pool import (
            FirmLookupError,
            Pool,
            PoolMismatchError,
            PoolUnavailableError,
            SnapshotExistsError,
            UnknownSnapshotError,
        )
    except ImportError:
        _fail(text("pool_missing", lang), EXIT_USAGE)
    target = db or os.environ.get("ELIGIBILITY_DB") or _POOL_FILE
    if not new and "://" not in target and not Path(target).is_file():
        _fail(text("pool_db_missing", lang, path=target), EXIT_POOL)
    rules = _load(rules_dir, lang)
    pool = None
    try:
        pool = Pool(target, rules, name=name, accept_rules=accept_rules)
        yield pool
    except PoolMismatchError as exc:
        _fail(text(f"pool_mismatch_{exc.kind}", lang, stored=exc.stored, current=exc.current), EXIT_POOL)
    except PoolUnavailableError as exc:
        _fail(text("pool_unavailable", lang, url=exc.url, detail=exc.detail), EXIT_POOL)
    except SnapshotExistsError as exc:
        _fail(text("pool_snapshot_exists", lang, as_of=exc.as_of), EXIT_USAGE)
    except UnknownSnapshotError as exc:
        if not exc.known:
            _fail(text("pool_no_snapshots", lang), EXIT_USAGE)
        _fail(text("pool_unknown_snapshot", lang, snapshot=exc.key, known=", ".join(exc.known)), EXIT_USAGE)
    except FirmLookupError as exc:
        if not exc.candidates:
            _fail(terminal_safe(text("pool_firm_not_found", lang, firm=exc.key)), EXIT_USAGE)
        lines = [text("pool_firm_ambiguous", lang, count=exc.total, firm=exc.key)]
        lines += [text("pool_candidate_item", lang, code=k, name=n) for k, n in exc.candidates]
        _fail(terminal_safe("\n".join(lines)), EXIT_USAGE)
    except SQLAlchemyError as exc:  # the database failed under a running command (server gone, disk full)
        where = pool.where if pool is not None else "?"
        detail = terminal_safe(str(getattr(exc, "orig", None) or exc).splitlines()[0][:200])
        _fail(text("pool_unavailable", lang, url=where, detail=detail), EXIT_POOL)
    finally:
        if pool is not None:
            pool.close()


@main.group()
def pool() -> None:
    """培育库：每期表格存为快照，查看变化、企业历史与年度目标 / the cultivation pool that remembers."""


@pool.command("add")
@click.argument(
    "input_path", metavar="FILE", type=click.Path(readable=False, path_type=Path), callback=_existing
)
@click.option("--as-of", "as_of", required=True, callback=_day, help="快照日期 YYYY-MM-DD（亦为评估日期）")
@click.option("--label", default=None, help="快照名称，如 2026年三季度 / a label for the snapshot")
@click.option("--name", default=None, help="培育库名称，如 泽州县；与库中记录不符时拒绝 / the pool's name")
@click.option("--replace", is_flag=True, help="替换同日期的已有快照 / replace the snapshot of that date")
@click.option("--accept-rules", is_flag=True, help="规则文件已更新，接受新规则 / accept changed rule files")
@click.option(
    "--horizon-months",
    default=12,
    show_default=True,
    type=click.IntRange(0, 120),
    help="称号在几个月内到期即临近复核（退库风险研判）/ how far ahead an expiry counts",
)
@_purpose_option
@click.option("--sheet", default=None)
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_db_option
@_debug_option
@_lang_option
def pool_add(
    input_path: Path,
    as_of: str,
    label: str | None,
    name: str | None,
    replace: bool,
    accept_rules: bool,
    horizon_months: int,
    purpose: Purpose,
    sheet: str | None,
    rules_dir: Path | None,
    db: str | None,
    lang: Lang,
) -> None:
    """Screen FILE as of --as-of and store it in the pool as one snapshot (one transaction)."""
    target = db or os.environ.get("ELIGIBILITY_DB") or _POOL_FILE
    if "://" not in target and Path(target).resolve() == input_path.resolve():
        _fail(text("same_file", lang, path=target), EXIT_USAGE)
    with _pool(db, rules_dir, lang, new=True, name=name, accept_rules=accept_rules) as opened:
        where = opened.where
        try:
            stored = opened.add(
                input_path,
                as_of=as_of,
                label=label,
                purpose=purpose,
                sheet=sheet,
                replace=replace,
                horizon_months=horizon_months,
            )
        except InputError as exc:
            _input_failed(exc, lang, input_path)
        except RegimeError as exc:
            _fail(text("regime_error", lang, detail=exc), EXIT_USAGE)
        except OSError as exc:
            detail = _why_unreadable(input_path, exc, lang)
            _fail(text("input_unreadable", lang, path=input_path, detail=detail), EXIT_UNREADABLE)
    message = text(
        "pool_added",
        lang,
        as_of=stored.as_of.isoformat(),
        label=stored.label or input_path.name,
        firms=stored.firms,
        issues=stored.issues,
        db=where,
    )
    click.echo(terminal_safe(message + (text("pool_replaced", lang) if stored.replaced else "")))
    sys.exit(EXIT_INPUT if stored.errors else EXIT_OK)


@pool.command("snapshots")
@_db_option
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_debug_option
@_lang_option
def pool_snapshots(db: str | None, rules_dir: Path | None, lang: Lang) -> None:
    """List the snapshots of the pool."""
    with _pool(db, rules_dir, lang) as opened:
        stored = opened.snapshots()
        where = opened.where
    lines = [text("pool_snapshots_title", lang, db=where, count=len(stored))]
    lines += [
        text(
            "pool_snapshot_line",
            lang,
            as_of=row["as_of"].isoformat(),
            label=row["label"] or "",
            firms=row["firms"],
            issues=row["issues"],
            source=row["source"],
        )
        for row in stored.to_dict("records")
    ]
    click.echo(terminal_safe("\n".join(lines)))


@pool.command("changes")
@click.option("--from", "since", default=None, help="起始快照（日期或名称；默认上一期）")
@click.option("--to", "until", default=None, help="截止快照（日期或名称；默认最新一期）")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="变化明细 .xlsx、.csv 或 .html（网页，含监测提醒）",
)
@click.option("--ids", is_flag=True, help="-o 的表头和取值用编号 / ids for headings and values in -o")
@click.option("--limit", default=50, show_default=True, help="终端最多列出的行数 / rows shown")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_db_option
@_debug_option
@_lang_option
def pool_changes(
    since: str | None,
    until: str | None,
    output: Path | None,
    ids: bool,
    limit: int,
    rules_dir: Path | None,
    db: str | None,
    lang: Lang,
) -> None:
    """What changed between two snapshots, what needs attention first."""
    from eligibility.pool.words import format_alerts, format_changes, write_changes

    with _pool(db, rules_dir, lang) as opened:
        found = opened.changes(since, until)
        click.echo(format_changes(found, opened.rules, lang, limit))
        # the monitor's alerts on the data of these snapshots: between the two sheets and after the last
        alerts = format_alerts(
            opened.alerts(found.attrs["since"], found.attrs["until"]), opened.rules, lang, limit
        )
        if alerts:
            click.echo(alerts)
        if output is not None:
            stored = opened.alerts(found.attrs["since"], found.attrs["until"])
            with _writing(output, lang):
                if output.suffix.lower() in (".html", ".htm"):
                    from eligibility.pool.pages import write_changes_page

                    write_changes_page(output, found, stored, opened.rules, lang)
                    written = [output]
                else:  # the workbook gets an alerts sheet, a CSV a second file beside it
                    written = write_changes(found, output, opened.rules, lang, ids=ids, alerts=stored)
            click.echo(text("pool_changes_written", lang, path=output))
            for path in written[1:]:
                click.echo(text("pool_alerts_written", lang, path=path, count=len(stored)))


@pool.command("officers")
@click.option("--at", "at", default=None, help="快照（日期或名称；默认最新一期）/ the snapshot")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="任务表 .xlsx：每位服务专员一个工作表",
)
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_db_option
@_debug_option
@_lang_option
def pool_officers(
    at: str | None, output: Path | None, rules_dir: Path | None, db: str | None, lang: Lang
) -> None:
    """The service officers' task lists (a sheet each) and the township summary of a snapshot."""
    from eligibility.pool.book import write_officers
    from eligibility.pool.tasks import officer_counts

    with _pool(db, rules_dir, lang) as opened:
        officers = opened.officers(at)
        townships = opened.townships(at)
        rules = opened.rules
    tiers = list(officers.attrs["tiers"])
    counts = officer_counts(officers, tiers)
    since = officers.attrs["since"]
    lines = [
        text(
            "pool_officers_title",
            lang,
            as_of=officers.attrs["as_of"].isoformat(),
            since=since.isoformat() if since is not None else text("pool_no_snapshot", lang),
            firms=len(officers),
            officers=int(counts["officer"].notna().sum()),
        )
    ]
    lines += [
        text(
            "pool_officer_line",
            lang,
            officer=row["officer"] or text("pool_sheet_no_officer", lang),
            firms=row["firms"],
            due=row["review_due"],
            risk=row["at_risk"],
            borderline=row["borderline"],
            changed=row["changed"],
        )
        for row in counts.to_dict("records")
    ]
    click.echo(terminal_safe("\n".join(lines)))
    if output is not None:
        with _writing(output, lang):
            sheets = write_officers(officers, townships, output, rules, lang)
        click.echo(terminal_safe(text("pool_officers_written", lang, path=output, sheets=len(sheets))))


@pool.command("export")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="导出到 .xlsx（每表一个工作表）或文件夹（每表一个 Parquet 文件）",
)
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_db_option
@_debug_option
@_lang_option
def pool_export(output: Path, rules_dir: Path | None, db: str | None, lang: Lang) -> None:
    """Every table of the pool to a workbook (.xlsx) or a folder of Parquet files."""
    target = db or os.environ.get("ELIGIBILITY_DB") or _POOL_FILE
    if "://" not in target and Path(target).resolve() == output.resolve():
        _fail(text("same_file", lang, path=target), EXIT_USAGE)
    if (
        output.suffix.lower() != ".xlsx"
        and output.exists()
        and (not output.is_dir() or any(output.iterdir()))
    ):
        _fail(text("pool_export_not_empty", lang, path=output), EXIT_USAGE)
    with _pool(db, rules_dir, lang) as opened, _writing(output, lang):
        done = opened.export(output)
    parts = [text("pool_export_table", lang, table=k, rows=v) for k, v in done.rows.items()]
    lines = [text("pool_export_written", lang, path=output, tables=len(done.rows))]
    lines.append("  " + text("pool_list_separator", lang).join(parts))
    if done.cut:
        lines.append(text("pool_export_cut", lang, cells=done.cut))
    click.echo(terminal_safe("\n".join(lines)))


@pool.command("firm")
@click.argument("firm")
@click.option(
    "--tier",
    "tiers",
    multiple=True,
    help="只看这些梯度的门槛距离，如 --tier srdi_sme（可重复）/ margins of these tiers",
)
@click.option("--no-margins", is_flag=True, help="不列出距各条件门槛的距离 / no margins table")
@click.option(
    "--all-lines",
    "every",
    is_flag=True,
    help="列出（网页图中显示）全部门槛，而不只是关键门槛 / every line, not only the key lines",
)
@click.option(
    "--key-lines",
    "limit",
    default=3,
    show_default=True,
    type=click.IntRange(min=0),
    help="每个梯度最多列出几条最接近的门槛（总分线、曾未满足的和临界的总会列出）/ closest lines per tier",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="网页 .html（各期结论与距门槛距离的折线图）或工作簿 .xlsx（各期结论、关键门槛、全部门槛）",
)
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_db_option
@_debug_option
@_lang_option
def pool_firm(
    firm: str,
    tiers: tuple[str, ...],
    no_margins: bool,
    every: bool,
    limit: int,
    output: Path | None,
    rules_dir: Path | None,
    db: str | None,
    lang: Lang,
) -> None:
    """One firm (credit code or name) over the snapshots: status and score per tier, and its margin
    (value − threshold) per snapshot to its key lines — per tier the pass mark, the lines it failed,
    those met within their borderline margin and the closest (--all-lines: every line)."""
    from eligibility.pool.words import format_history, format_margins, hidden_lines, key_only

    suffix = output.suffix.lower() if output is not None else ""
    if output is not None and suffix not in (".html", ".htm", ".xlsx"):
        _fail(text("pool_page_html_only", lang, path=output), EXIT_USAGE)
    with _pool(db, rules_dir, lang) as opened:
        history = opened.history(firm)
        key = str(history["firm_key"].iloc[0])
        console = Console(highlight=False)
        console.print(format_history(history, opened.rules, lang))
        lines = opened.key_lines(key, list(tiers) or None, limit)
        if not no_margins and not lines.empty:
            if every or not key_only(lines).empty:  # a tier without a key line: the count alone
                console.print(format_margins(lines, opened.rules, lang, every=every))
            hidden = hidden_lines(lines)
            if hidden and not every:
                click.echo(text("pool_more_lines", lang, count=hidden))
        if output is not None:
            with _writing(output, lang):
                if suffix == ".xlsx":
                    from eligibility.pool.firmbook import write_firm_book

                    write_firm_book(output, history, lines, opened.rules, lang)
                else:
                    from eligibility.pool.pages import write_firm_page

                    write_firm_page(output, history, lines, opened.rules, lang, every)
            click.echo(terminal_safe(text("pool_page_written", lang, path=output)))


@pool.group("targets", invoke_without_command=True)
@click.option("--year", type=int, default=None, help="年度（默认最新快照的年度）")
@click.option("--limit", default=5, show_default=True, help="每个梯度列出的候选企业数")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_db_option
@_debug_option
@_lang_option
@click.pass_context
def pool_targets(
    ctx: click.Context, year: int | None, limit: int, rules_dir: Path | None, db: str | None, lang: Lang
) -> None:
    """The year's targets: titles gained, firms that can apply now, the closest candidates."""
    if ctx.invoked_subcommand is not None:
        return
    from eligibility.pool.words import format_targets

    with _pool(db, rules_dir, lang) as opened:
        found = opened.targets(year)
        chosen = int(found["year"].iloc[0]) if not found.empty else year
        candidates = {str(t): opened.candidates(str(t), chosen, limit) for t in found["tier"]}
        click.echo(format_targets(found, candidates, opened.rules, lang))


@pool_targets.command("set")
@click.argument("year", type=int)
@click.argument("targets", nargs=-1, required=True)
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_db_option
@_debug_option
@_lang_option
def pool_targets_set(
    year: int, targets: tuple[str, ...], rules_dir: Path | None, db: str | None, lang: Lang
) -> None:
    """Set the year's targets: YEAR tier=count … (e.g. 2026 tech_innovative_sme=5 srdi_sme=2)."""
    import difflib

    with _pool(db, rules_dir, lang, new=True) as opened:
        counts: dict[str, int] = {}
        for item in targets:
            tier, _, count = item.partition("=")
            if not count.strip().isdigit():
                _fail(text("pool_target_bad", lang, value=item), EXIT_USAGE)
            if tier.strip() not in opened.rules.tiers:
                known = list(opened.rules.tiers)
                close = difflib.get_close_matches(tier.strip(), known, n=1, cutoff=0.0)
                _fail(
                    text(
                        "pool_unknown_tier",
                        lang,
                        tier=tier,
                        suggestion=close[0] if close else "",
                        tiers=", ".join(known),
                    ),
                    EXIT_USAGE,
                )
            counts[tier.strip()] = int(count)
        opened.set_targets(year, counts)
        words = [
            text(
                "pool_target_item",
                lang,
                tier=opened.rules.tiers[t].label_zh
                if lang == "zh"
                else (opened.rules.tiers[t].label_en or t),
                count=n,
            )
            for t, n in counts.items()
        ]
    click.echo(
        text("pool_targets_saved", lang, year=year, targets=text("pool_list_separator", lang).join(words))
    )


def _watch_db(
    db: str,
    updates: str,
    follow: bool,
    as_of: str | None,
    name: str | None,
    accept_rules: bool,
    regime: str | None,
    rules_dir: Path | None,
    lang: Lang,
) -> None:
    """``watch --db``: the monitor on the latest snapshot; every update line applied, its alerts and
    the read position stored in one transaction; a restart on the same file resumes after the last
    line applied (a file replaced at that path, or cut shorter, is read from its start)."""
    from eligibility.apps.watch import PoolMonitor
    from eligibility.pool.watching import Position, file_identity

    with _pool(db, rules_dir, lang, name=name, accept_rules=accept_rules) as opened:
        start = opened.watch_start()
        if start is None:
            _fail(text("pool_no_snapshots", lang), EXIT_USAGE)
        source, position = "-", None
        try:
            if updates == "-":
                stream: Any = sys.stdin.buffer
            else:
                source = str(Path(updates).resolve())
                stream = open(updates, "rb")  # noqa: SIM115
                identity = file_identity(updates)
        except OSError as exc:
            detail = _why_unreadable(Path(updates), exc, lang)
            _fail(text("updates_unreadable", lang, path=updates, detail=detail), EXIT_UNREADABLE)
        if source != "-":
            stored = opened.watch_position(source)
            size = os.fstat(stream.fileno()).st_size
            if stored is not None and stored.identity == identity and stored.offset <= size:
                position = stored
                stream.seek(stored.offset)
                click.echo(text("watch_db_resumed", lang, path=updates, line=stored.line), err=True)
            else:
                if stored is not None:
                    click.echo(text("watch_db_other_file", lang, path=updates), err=True)
                position = Position(source, identity)
        click.echo(
            terminal_safe(
                text(
                    "watch_db_started",
                    lang,
                    firms=len(start.records),
                    as_of=start.as_of.isoformat(),
                    db=opened.where,
                    updated=start.updated,
                )
            ),
            err=True,
        )
        number = position.line if position is not None else 0
        watching = PoolMonitor.open(opened, start, as_of, regime, lang, source)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            for line, offset in _lines_with_offsets(stream, position.offset if position else 0, follow):
                number += 1
                if position is not None:
                    position = Position(source, position.identity, offset, number)
                if not line.strip():
                    continue
                for record in watching.apply(line, number, position):
                    click.echo(json.dumps(record, ensure_ascii=False))
                    click.echo(watching.monitor.describe(record), err=True)
        except KeyboardInterrupt:
            pass
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()


def _lines_with_offsets(stream: Any, offset: int, follow: bool) -> Iterator[tuple[str, int]]:
    """Lines of a binary stream with the byte offset after each; with ``follow`` a partial last
    line waits for its end (like ``tail -f``), without it the last line counts at the end."""
    pending = b""
    while True:
        chunk = stream.readline()
        if not chunk:
            if follow:
                time.sleep(0.2)
                continue
            if pending:
                yield pending.decode("utf-8", "replace"), offset + len(pending)
            return
        pending += chunk
        if pending.endswith(b"\n"):
            offset += len(pending)
            yield pending.decode("utf-8", "replace"), offset
            pending = b""
