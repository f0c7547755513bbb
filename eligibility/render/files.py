"""Machine-readable outputs (README "Output contract") written atomically: CSV and JSON lines."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from eligibility.findings import CARRIED_TEXT, Assessment, Findings

__all__ = [
    "atomic_folder",
    "atomic_path",
    "atomic_write",
    "escape_formula",
    "write_csv",
    "write_jsonl",
    "write_parquet",
    "write_table_csv",
]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: object) -> object:
    """Prefix a text cell that a spreadsheet would read as a formula with ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


# A temporary file of a writer that was killed stays behind; the next write to the same target
# removes it once its process is gone and it is old enough not to be a slow writer on another machine
# sharing the folder (whose pid means nothing here), or once it is very old whatever its pid says.
_STALE_DEAD = 10 * 60.0
_STALE_ANY = 24 * 3600.0


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # on Windows os.kill would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # another user's process, or not a pid we can ask about
    return True


def _remove_stale(target: Path, suffix: str) -> None:
    """Remove leftovers of interrupted writes to ``target``: only its own temporary names
    (``.{name}.{pid}-XXXXXXXX{suffix}``), never those of another target in the same folder."""
    own = re.compile(re.escape(f".{target.name}.") + r"(\d+)-[a-z0-9_]{8}" + re.escape(suffix))
    now = time.time()
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        match = own.fullmatch(entry.name)
        if match is None:
            continue
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
            if age > _STALE_ANY or (age > _STALE_DEAD and not _alive(int(match.group(1)))):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)  # an interrupted atomic_folder
                else:
                    os.unlink(entry.path)
        except OSError:
            continue  # removed by another writer meanwhile, or not ours to remove


@contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path in the target's folder; renamed onto the target when the block succeeds,
    removed when it fails, so a reader never sees a half-written file. Leftovers of earlier
    interrupted writes to the same target are removed first."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target, suffix)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.{os.getpid()}-", suffix=suffix, dir=target.parent
    )
    os.close(handle)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_folder(path: str | Path) -> Iterator[Path]:
    """A temporary folder next to ``path`` (which must be absent or empty), renamed onto it when the
    block succeeds and removed when it fails: partitioned outputs appear whole or not at all."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target, ".tmp")
    temporary = tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".tmp", dir=target.parent)
    try:
        yield Path(temporary)
        os.chmod(temporary, 0o777 & ~_umask())  # mkdtemp makes 0700
        os.replace(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def atomic_write(path: str | Path, write: Callable[[IO[str]], object]) -> Path:
    """Write text through a temporary file in the target folder, then rename it into place."""
    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8", newline="") as stream:
        write(stream)
    return Path(path)


def write_table_csv(frame: pd.DataFrame, path: str | Path, escape: Iterable[str] | None = None) -> Path:
    """A table as UTF-8 CSV with a BOM (so Excel reads the Chinese), written atomically; the text of
    the ``escape`` columns (default: every text column) that a spreadsheet would read as a formula
    gets a leading ``'``.

    The fields are written column by column through Arrow (each distinct number formatted once, text
    quoted by vectorised string kernels, the lines joined in C++), byte for byte what
    ``DataFrame.to_csv`` writes; a table with a column of another kind (dates, mixed objects) is
    written by pandas."""
    if escape is None:
        escape = [
            c
            for c in frame.columns
            if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])
        ]
    escaped = frozenset(c for c in escape if c in frame)
    if len(frame.columns) < 2 or not all(_columnar(frame[c]) for c in frame.columns):
        return _pandas_csv(frame, path, escaped)
    return _write_frames_csv(
        (frame.iloc[s : s + _CSV_ROWS] for s in range(0, len(frame), _CSV_ROWS)),
        [str(c) for c in frame.columns],
        path,
        escaped,
    )


def _write_frames_csv(
    frames: Iterable[pd.DataFrame], names: list[str], path: str | Path, escaped: frozenset[str]
) -> Path:
    """Consecutive slices of one table as CSV, column by column through Arrow."""
    with atomic_path(path) as temporary, temporary.open("wb") as raw:
        raw.write(("\ufeff" + _csv_header(names)).encode("utf-8"))
        for part in frames:
            if len(part) == 0:
                continue
            fields = [_csv_fields(part[c], c in escaped) for c in part.columns]
            _write_lines(raw, pc.binary_join_element_wise(*fields, ","))
    return Path(path)


_CSV_ROWS = 65_536  # rows formatted at once: bounded memory (a few hundred bytes a row)


def _pandas_csv(frame: pd.DataFrame, path: str | Path, escape: frozenset[str]) -> Path:
    """The table written by pandas: escaped text cells, ``to_csv``."""
    frame = frame.copy()
    for column in escape:
        frame[column] = frame[column].map(escape_formula)

    def write(stream: IO[str]) -> None:
        stream.write("\ufeff")
        frame.to_csv(stream, index=False, lineterminator="\n")

    return atomic_write(path, write)


def _columnar(values: pd.Series[Any]) -> bool:
    """Whether a column's fields can be formatted without pandas: numbers, booleans, text."""
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype) and dtype == np.bool_:
        return True
    if dtype.kind in "iuf":
        return True
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
    return False


def _csv_header(names: list[str]) -> str:
    import csv
    import io

    line = io.StringIO()
    csv.writer(line, lineterminator="\n").writerow(names)
    return line.getvalue()


def _quoted_characters() -> str:
    """The characters that make Python's csv module (QUOTE_MINIMAL, as ``to_csv`` uses it) quote a
    field: the delimiter, the quote and the line terminator, and a carriage return in the Python
    versions that quote it too. Asked of the module itself, so that the two writers agree."""
    import csv
    import io

    found = ""
    for character in ',"\n\r':
        line = io.StringIO()
        csv.writer(line, lineterminator="\n").writerow([f"a{character}b", "c"])
        if line.getvalue().startswith('"'):
            found += character
    return found


_NEEDS_QUOTES = "[" + "".join("\\" + {"\n": "n", "\r": "r"}.get(c, c) for c in _quoted_characters()) + "]"
_FORMULA_PATTERN = "^([=+\\-@\t\r])"


def _csv_fields(values: pd.Series[Any], escape: bool) -> pa.Array:
    """Every field of one column as the CSV text ``to_csv`` writes for it (blank for missing)."""
    if values.dtype.kind in "iufb":
        return _number_fields(values.to_numpy())
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        # pandas' Arrow-backed text: its own buffers (offsets narrowed), no object per cell
        text = pa.array(values).cast(pa.string())
    else:
        text = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    return _text_fields(text, escape)


def _number_fields(array: npt.NDArray[Any]) -> pa.Array:
    """Numbers: few distinct values (scores, rounds, flags); each formatted once, by pandas itself."""
    key = array.view(np.int64) if array.dtype == np.float64 else array
    codes, distinct = pd.factorize(key, sort=False)
    shown = distinct.view(np.float64) if array.dtype == np.float64 else distinct
    texts = _formatted(pd.Series(shown, dtype=array.dtype))
    return pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), texts).cast(pa.string())


def _text_fields(text: pa.Array, escape: bool) -> pa.Array:
    """Text as CSV fields: formula starts escaped (when ``escape``), quoted where csv would quote."""
    if escape:
        text = pc.replace_substring_regex(text, pattern=_FORMULA_PATTERN, replacement="'\\1")
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    text = pc.if_else(pc.match_substring_regex(text, _NEEDS_QUOTES), quoted, text)
    return pc.fill_null(text, "")


def _formatted(distinct: pd.Series[Any]) -> pa.Array:
    """The CSV text of a few numbers, as ``to_csv`` formats them (no number needs quotes)."""
    if distinct.empty:
        return pa.array([], pa.string())
    # A second column, cut off again: a lone blank field would be written as "" (csv's rule).
    written = pd.DataFrame({"v": distinct, "w": 0}).to_csv(index=False, header=False, lineterminator="\n")
    return pa.array([line[:-2] for line in written.split("\n")[:-1]], pa.string())


def _write_lines(raw: IO[bytes], lines: pa.Array, ended: bool = False) -> None:
    """Joined fields as lines: the string data of the array, a newline after each (already there
    when ``ended``)."""
    if len(lines) and not ended:
        lines = pc.binary_join_element_wise(lines, "", "\n")
    for chunk in lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]:
        if len(chunk) == 0:
            continue
        _, offsets_buffer, data = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=np.int32, count=len(chunk) + 1, offset=chunk.offset * 4)
        raw.write(memoryview(data)[int(offsets[0]) : int(offsets[-1])])


def write_csv(assessment: Findings | Assessment, path: str | Path) -> Path:
    """The wide table as UTF-8 CSV (with BOM, so Excel reads the Chinese names), byte for byte what
    ``to_csv`` of :meth:`~eligibility.assessment.Assessment.wide` writes with the flags as
    ``true``/``false``: written slice by slice from Arrow, each distinct text of a coded column
    (status, failed criteria, rule set) formatted once."""
    batches = assessment.wide_batches(_CSV_ROWS, dictionary=True)
    first = next(batches)
    # Only the text that comes from the spreadsheet can start like a formula.
    escaped = frozenset(c for c in ("credit_code", "name", *CARRIED_TEXT) if c in first.column_names)
    with atomic_path(path) as temporary, temporary.open("wb") as raw:
        raw.write(("\ufeff" + _csv_header(first.column_names)).encode("utf-8"))
        for batch in itertools.chain([first], batches):
            if batch.num_rows == 0:
                continue
            fields = [
                _arrow_fields(batch.column(k).combine_chunks(), name in escaped, name.startswith("flag."))
                for k, name in enumerate(batch.column_names)
            ]
            _write_lines(raw, pc.binary_join_element_wise(*fields, ","))
            pa.default_memory_pool().release_unused()  # a slice's text given back before the next
    return Path(path)


_FLAG_WORDS = pa.array(["false", "true"], pa.string())


def _arrow_fields(column: pa.Array, escape: bool, flag: bool) -> pa.Array:
    """Every field of one Arrow column as the CSV text ``to_csv`` writes for it (blank for missing;
    a flag as ``true``/``false``)."""
    if isinstance(column, pa.DictionaryArray):
        fields = _text_fields(column.dictionary.cast(pa.string()), escape)
        return pc.fill_null(pc.take(fields, column.indices), "")
    if pa.types.is_null(column.type):
        return pc.take(pa.array([""], pa.string()), pa.array(np.zeros(len(column), dtype=np.int8)))
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return _text_fields(column.cast(pa.string()), escape)
    if flag:
        return pc.take(_FLAG_WORDS, pa.array(column.to_numpy(zero_copy_only=False).view(np.int8)))
    return _number_fields(column.to_numpy(zero_copy_only=False))


def write_parquet(
    assessment: Findings | Assessment, path: str | Path, schema: pa.Schema | None = None
) -> Path:
    """The wide table as Parquet (flags as booleans, scores as floats, text as UTF-8) with the
    schema ``pa.Table.from_pandas(wide())`` has, or ``schema`` (the Dask engine's parts keep the
    one of its frames); written atomically, one row group per slice of the table, so that only a
    slice's text is held at once. Parquet is read by programs, never as formulas."""
    import pyarrow.parquet as pq

    batches = assessment.wide_batches(_PARQUET_ROWS)
    first = next(batches)
    if schema is None:
        # The pandas metadata of the table pandas would write (column kinds), from one row of it.
        schema = pa.Schema.from_pandas(first.slice(0, 1).to_pandas(), preserve_index=False)
    pool = pa.default_memory_pool()
    with atomic_path(path) as temporary, pq.ParquetWriter(temporary, schema) as writer:
        for batch in itertools.chain([first], batches):
            writer.write_table(batch.cast(schema))
            pool.release_unused()  # a slice's text given back before the next is made
    return Path(path)


_PARQUET_ROWS = 65_536  # one row group: its text expanded, a few tens of MB


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def write_jsonl(assessment: Findings | Assessment, path: str | Path, full_trace: bool = False) -> Path:
    """One JSON object per firm, in input order.

    By default the compact record: the wide table's content nested per firm (per tier status,
    borderline mark, failed and closest criteria, routes, rule set, score interval, size class),
    the flags with their ranks and reasons, and the row's input issues — written column by column
    through Arrow, each distinct tier or flag record formatted once. With ``full_trace`` the whole
    record of :meth:`~eligibility.assessment.Assessment.firm`: also every criterion's trace (value,
    threshold, operator, margin, gap, lever and lever gap, source), points indicators and plans,
    and the assumptions used (one firm at a time: about 30 KB a firm)."""
    if full_trace:

        def write(stream: IO[str]) -> None:
            for record in assessment.iter_firms():
                stream.write(json.dumps(record, ensure_ascii=False, default=_json_default))
                stream.write("\n")

        return atomic_write(path, write)
    records = assessment.records()
    tiers = {tier: (codes, _json_texts(values)) for tier, (codes, values) in records.tiers.items()}
    flag_codes, flag_values = records.flags
    flags = _json_texts([f for f, _ in flag_values])
    reasons = _json_texts([r for _, r in flag_values])
    head = "".join(
        f",{json.dumps(k)}:{json.dumps(v, ensure_ascii=False)}" for k, v in records.constant.items()
    )
    issue_at = np.array(sorted(records.issues), dtype=np.int64)
    with atomic_path(path) as temporary, temporary.open("wb") as raw:
        for start in range(0, records.n, _JSON_ROWS):
            rows = slice(start, min(start + _JSON_ROWS, records.n))
            fields: list[pa.Array | str] = ['{"row":', pa.array(records.rows[rows]).cast(pa.string())]
            for key, values in records.text.items():
                fields += [f",{json.dumps(key)}:", _json_strings(values[rows])]
            fields += [head, ',"tiers":{']
            for k, (tier, (codes, texts)) in enumerate(tiers.items()):
                fields += [("," if k else "") + json.dumps(tier) + ":", pc.take(texts, pa.array(codes[rows]))]
            fields += ['},"flags":', pc.take(flags, pa.array(flag_codes[rows]))]
            fields += [',"flag_ranks":{', _json_members(records.flag_ranks, rows), '},"flag_reasons":']
            fields += [pc.take(reasons, pa.array(flag_codes[rows])), ',"issues":']
            fields += [_json_issues(records.issues, issue_at, rows), "}\n"]
            _write_lines(raw, pc.binary_join_element_wise(*fields, ""), ended=True)
            pa.default_memory_pool().release_unused()
    return Path(path)


_JSON_ROWS = 16_384  # a few KB a firm: a few tens of MB of text at once


def _json_texts(values: list[Any]) -> pa.Array:
    """Each of a few distinct values as its compact JSON text."""
    texts = [json.dumps(v, ensure_ascii=False, separators=(",", ":"), default=_json_default) for v in values]
    return pa.array(texts, pa.string())


_CONTROL = "[\\x00-\\x1f]"


def _json_strings(values: npt.NDArray[np.object_]) -> pa.Array:
    """Text as JSON strings (``null`` for missing), escaped as ``json.dumps(ensure_ascii=False)``
    escapes: quote and backslash by Arrow's kernels; the rare cell holding a control character by
    ``json`` itself."""
    text = pa.array(values, pa.string(), from_pandas=True)
    escaped = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
    out = pc.fill_null(pc.binary_join_element_wise('"', escaped, '"', ""), "null")
    odd = np.flatnonzero(
        pc.fill_null(pc.match_substring_regex(text, _CONTROL), False).to_numpy(zero_copy_only=False)
    )
    if odd.size:
        patched = np.asarray(out.to_pylist(), dtype=object)
        patched[odd] = [json.dumps(values[i], ensure_ascii=False) for i in odd]
        out = pa.array(patched, pa.string())
    return out


def _json_members(ranks: dict[str, npt.NDArray[np.int64]], rows: slice) -> pa.Array:
    """The members ``"flag":rank`` of the flags a firm has (rank above 0), comma-separated."""
    parts: list[pa.Array | str] = []
    for name, rank in ranks.items():
        mine = rank[rows]
        member = pc.binary_join_element_wise(
            json.dumps(name) + ":", pa.array(mine).cast(pa.string()), ",", ""
        )
        parts.append(pc.if_else(pa.array(mine > 0), member, ""))
    if not parts:
        return pa.array([""] * (rows.stop - rows.start), pa.string())
    # Each member ends with a comma, cut off after the last (a rank is digits, never a comma); not
    # null_handling="skip", which drops the rows where every member is null (pyarrow 26).
    return pc.utf8_rtrim(pc.binary_join_element_wise(*parts, ""), characters=",")


def _json_issues(issues: dict[int, list[dict[str, Any]]], at: npt.NDArray[np.int64], rows: slice) -> pa.Array:
    """Each firm's list of input issues (``[]`` for most firms); ``at`` the sorted positions of the
    firms that have some."""
    texts = np.full(rows.stop - rows.start, "[]", dtype=object)
    for position in at[np.searchsorted(at, rows.start) : np.searchsorted(at, rows.stop)]:
        texts[position - rows.start] = json.dumps(
            issues[int(position)], ensure_ascii=False, separators=(",", ":"), default=_json_default
        )
    return pa.array(texts, pa.string())
