"""The small safe expression language of derived fields.

Owns parsing (``ast`` with a whitelist) and compiling expressions such as
``rd_expense_y1 / revenue_y1`` or ``(main_revenue_y1 / main_revenue_y3) ** 0.5 - 1`` to functions over
numpy arrays. Functions: ``min``, ``max``, ``abs`` and ``years(start, end)`` (calendar years between
two dates given as day numbers, such as a date field and ``as_of``). Nothing is ever passed to
``eval`` or ``exec``. A division by zero, an infinite or a complex result gives NaN ("unknown"),
never ``inf``.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Expression", "ExpressionError", "calendar_years", "parse_expression"]

FloatArray = npt.NDArray[np.float64]
Compiled = Callable[[Mapping[str, FloatArray]], FloatArray]

_FUNCTIONS = frozenset({"min", "max", "abs", "years"})


def calendar_years(start: FloatArray, end: FloatArray) -> FloatArray:
    """Elapsed calendar years from day number ``start`` to ``end`` (days since 1970-01-01).

    Full years count at the anniversary itself (registered 2024-06-30 is one year old on 2025-06-30);
    the part of the current year is the share of days to the next anniversary. A 29 February start has
    its anniversary on 1 March in other years.
    """
    pairs = np.broadcast_arrays(np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64))
    if pairs[0].size > 4096:
        # A pool has far fewer distinct (start, end) days than firms: compute each pair once.
        stacked = np.stack([np.nan_to_num(pairs[0], nan=-1e18), np.nan_to_num(pairs[1], nan=-1e18)])
        if np.ndim(end) == 0 or np.all(pairs[1] == pairs[1].flat[0]):
            unique, inverse = np.unique(stacked[0], return_inverse=True)
            distinct = _calendar_years(np.where(unique == -1e18, np.nan, unique), pairs[1].flat[:1])
        else:
            both, inverse = np.unique(stacked, axis=1, return_inverse=True)
            both = np.where(both == -1e18, np.nan, both)
            distinct = _calendar_years(both[0], both[1])
        result: FloatArray = distinct[inverse.reshape(-1)].reshape(pairs[0].shape)
        return result
    return _calendar_years(start, end)


def _calendar_years(start: FloatArray, end: FloatArray) -> FloatArray:
    known = ~(np.isnan(start) | np.isnan(end))
    a = np.where(known, start, 0).astype("int64").astype("datetime64[D]")
    b = np.where(known, end, 0).astype("int64").astype("datetime64[D]")
    a_year = a.astype("datetime64[Y]")
    a_month = a.astype("datetime64[M]")
    month_offset = a_month - a_year.astype("datetime64[M]")
    day_offset = a - a_month.astype("datetime64[D]")

    def anniversary(years: npt.NDArray[np.int64]) -> npt.NDArray[np.datetime64]:
        month = (a_year + years).astype("datetime64[M]") + month_offset
        day: npt.NDArray[np.datetime64] = month.astype("datetime64[D]") + day_offset
        return day

    full = b.astype("datetime64[Y]").astype(np.int64) - a_year.astype(np.int64)
    full = np.where(anniversary(full) > b, full - 1, full)
    last, following = anniversary(full), anniversary(full + 1)
    fraction = (b - last).astype(np.float64) / (following - last).astype(np.float64)
    return np.where(known, full + fraction, np.nan)


class ExpressionError(ValueError):
    """An expression uses syntax outside the whitelist."""

    def __init__(self, code: str, detail: str, column: int = 0) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.column = column


@dataclass(frozen=True)
class Expression:
    """A parsed, compiled derived-field expression."""

    text: str
    names: frozenset[str]
    function: Compiled

    def evaluate(self, columns: Mapping[str, FloatArray]) -> FloatArray:
        """Evaluate over arrays of equal length; non-finite results become NaN."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            result = np.asarray(self.function(columns), dtype=np.float64)
        return np.where(np.isfinite(result), result, np.nan)


def parse_expression(text: str) -> Expression:
    """Parse ``text`` into an :class:`Expression`.

    Raises:
        ExpressionError: for syntax errors and any construct outside names, numbers,
            ``+ - * / **``, unary minus, parentheses and ``min``/``max``/``abs`` calls.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError("expr_syntax", str(exc.msg), exc.offset or 0) from None
    names: set[str] = set()
    function = _compile(tree.body, names)
    return Expression(text=text, names=frozenset(names), function=function)


def _compile(node: ast.expr, names: set[str]) -> Compiled:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        if isinstance(node.value, bool):
            raise ExpressionError("expr_forbidden", "bool constant", node.col_offset)
        constant = float(node.value)
        return lambda _cols: np.float64(constant)  # type: ignore[return-value]
    if isinstance(node, ast.Name):
        name = node.id
        names.add(name)
        return lambda cols: cols[name]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _compile(node.operand, names)
        if isinstance(node.op, ast.USub):
            return lambda cols: -operand(cols)
        return operand
    if isinstance(node, ast.BinOp):
        left, right = _compile(node.left, names), _compile(node.right, names)
        op = node.op
        if isinstance(op, ast.Add):
            return lambda cols: left(cols) + right(cols)
        if isinstance(op, ast.Sub):
            return lambda cols: left(cols) - right(cols)
        if isinstance(op, ast.Mult):
            return lambda cols: left(cols) * right(cols)
        if isinstance(op, ast.Div):
            return lambda cols: np.true_divide(left(cols), right(cols))
        if isinstance(op, ast.Pow):
            return lambda cols: np.power(left(cols), right(cols))
        raise ExpressionError("expr_forbidden", type(op).__name__, node.col_offset)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTIONS or node.keywords:
            raise ExpressionError("expr_forbidden", ast.dump(node.func), node.col_offset)
        args = [_compile(arg, names) for arg in node.args]
        if node.func.id == "years":
            if len(args) != 2:
                raise ExpressionError("expr_arity", "years takes a start and an end date", node.col_offset)
            first, second = args
            return lambda cols: calendar_years(first(cols), second(cols))
        if node.func.id == "abs":
            if len(args) != 1:
                raise ExpressionError("expr_arity", "abs takes one argument", node.col_offset)
            only = args[0]
            return lambda cols: np.abs(only(cols))
        if len(args) < 2:
            raise ExpressionError("expr_arity", f"{node.func.id} takes two or more", node.col_offset)
        # np.minimum/np.maximum propagate NaN: a missing part keeps the result unknown.
        reducer = np.minimum if node.func.id == "min" else np.maximum

        def reduce_all(cols: Mapping[str, FloatArray]) -> FloatArray:
            result = args[0](cols)
            for arg in args[1:]:
                result = reducer(result, arg(cols))
            return result

        return reduce_all
    raise ExpressionError("expr_forbidden", type(node).__name__, getattr(node, "col_offset", 0))
