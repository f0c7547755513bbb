"""The durable_rules backend: every threshold test of the rule sets as Rete rules.

Each distinct comparison of the loaded rules — a gate (``研发费用 ≥ 100万元``) as written, relaxed and
tightened by its margin, a band bound of a points table, a cascade step, a score mark, a size-class
bound, a category or verdict match — becomes a durable_rules ruleset with a *pass* and a *fail* rule
(a value that is missing matches neither: unknown). A firm is a durable session (``sid`` = its
credit code) holding one fact per test it has taken; asserting the fact fires the rule that decides
it. The vectorised core computes the values first — derived fields, assumptions for missing inputs,
score sums — by the same code as ever, and combines the decisions the rules take into statuses,
scores, borderline marks and failed criteria. Facts are updated by retracting the old one and
asserting the new, so a session always holds a firm's current state (what ``eligibility watch``
keeps between updates).

Two traps of durable_rules are avoided by construction: tests are asserted as *facts* (a posted event
is consumed by the first rule that matches it), and the host runs no background dispatcher — its
``threading.Timer`` loop races with synchronous asserts and can lose actions — so every action runs
inside the assert that triggers it, on the caller's thread.

durable_rules is the optional extra ``eligibility[durable]``: only this module imports it, and only
when a caller asks for the backend; without it, importing this module raises
:class:`~eligibility.errors.MissingExtraError` saying how to install it.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.typing as npt

from eligibility.errors import MissingExtraError
from eligibility.scoring.logic import Status, UndecidableError

try:
    from durable import engine
except ImportError as exc:
    raise MissingExtraError("durable-rules", "durable") from exc

__all__ = ["DurableDecider", "durable_decisions"]

FloatArray = npt.NDArray[np.float64]
StatusArray = npt.NDArray[np.int8]

_PASS_CONDITION = {
    ">=": ("$gte", "lo", -1),
    ">": ("$gt", "lo", +1),
    "<=": ("$lte", "hi", +1),
    "<": ("$lt", "hi", -1),
}
_FAIL_CONDITION = {
    ">=": ("$lt", "hi", -1),
    ">": ("$lte", "hi", +1),
    "<=": ("$gt", "lo", +1),
    "<": ("$gte", "lo", -1),
}


class _SynchronousHost(engine.Host):  # type: ignore[misc]
    """A durable_rules host without the background dispatcher threads: actions run only inside the
    assert or retract call that triggers them."""

    def _run(self) -> None:
        return None


def _number(value: float) -> float:
    """A number durable_rules' JSON reader accepts. It rejects the exponent form with a one-digit
    mantissa that Python writes for some floats (``1e-09``, ``1e+20``); such a number is sent as the
    adjacent float (one unit in the last place away), whose shortest form has more digits."""
    number = float(value)
    text = repr(number)
    if "e" in text and "." not in text.split("e")[0]:
        return float(np.nextafter(number, 0.0 if number != 0 else 1.0))
    return number


class DurableDecider:
    """Takes threshold decisions by asserting facts into durable_rules rulesets (one per distinct
    comparison, registered on first use), one session per firm."""

    def __init__(self) -> None:
        self.host = _SynchronousHost()
        self._rulesets: dict[tuple[Any, ...], str] = {}
        self._outcome: dict[tuple[str, str], int] = {}
        self._facts: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._by_sid: dict[str, set[tuple[str, str, str]]] = {}
        self._names = (f"t{k}" for k in itertools.count())
        self.sids: Sequence[str] = ("firm",)
        self.asserted = 0

    # -- rulesets ---------------------------------------------------------------------------------

    @staticmethod
    def _held(c: Any) -> None:
        """Every fact is held by its session, decided or not (a missing value decides nothing)."""

    def _record(self, outcome: int) -> Callable[[Any], None]:
        def action(c: Any) -> None:
            self._outcome[(str(c.m.sid), str(c.m.k))] = outcome

        return action

    def _compare_ruleset(self, op: str, threshold: float, tol: float) -> str:
        key = ("cmp", op, threshold, tol)
        name = self._rulesets.get(key)
        if name is None:
            name = next(self._names)
            rules = {}
            for rule, table, outcome in (
                ("pass", _PASS_CONDITION, Status.PASS),
                ("fail", _FAIL_CONDITION, Status.FAIL),
            ):
                operator, side, sign = table[op]
                bound = _number(threshold + sign * tol)
                rules[rule] = {"all": [{"m": {operator: {side: bound}}}], "run": self._record(int(outcome))}
            rules["held"] = {"all": [{"m": {"$ex": {"k": 1}}}], "run": self._held}
            self.host.register_rulesets({name: rules})
            self._rulesets[key] = name
        return name

    def _member_ruleset(self, allowed: Sequence[float]) -> str:
        key = ("in", tuple(sorted(allowed)))
        name = self._rulesets.get(key)
        if name is None:
            name = next(self._names)
            inside = [{"v": _number(a)} for a in key[1]]
            outside = [{"$neq": {"v": _number(a)}} for a in key[1]]
            rules = {
                "pass": {
                    "all": [{"m": {"$or": inside} if len(inside) > 1 else inside[0]}],
                    "run": self._record(Status.PASS),
                },
                "fail": {
                    "all": [{"m": {"$and": [{"$ex": {"v": 1}}, *outside]} if outside else {"$ex": {"v": 1}}}],
                    "run": self._record(Status.FAIL),
                },
                "held": {"all": [{"m": {"$ex": {"k": 1}}}], "run": self._held},
            }
            self.host.register_rulesets({name: rules})
            self._rulesets[key] = name
        return name

    # -- facts ------------------------------------------------------------------------------------

    def _take(self, ruleset: str, instance: str, sid: str, fact: dict[str, Any]) -> int:
        """Replace the session's fact for ``instance`` with ``fact``; the decision its rules took."""
        key = (ruleset, sid, instance)
        old = self._facts.pop(key, None)
        if old is not None:
            self.host.retract_fact(ruleset, old)
        self._outcome[(sid, instance)] = int(Status.UNKNOWN)
        self.host.assert_fact(ruleset, fact)
        self._facts[key] = fact
        self._by_sid.setdefault(sid, set()).add(key)
        self.asserted += 1
        return self._outcome[(sid, instance)]

    def compare(
        self,
        instance: str,
        low: FloatArray,
        high: FloatArray,
        op: str,
        threshold: float | FloatArray,
        tol: float | FloatArray,
    ) -> StatusArray:
        n = len(low)
        if len(self.sids) != n:
            raise UndecidableError(f"{instance}: {n} firms but {len(self.sids)} sessions")
        thresholds = np.broadcast_to(np.asarray(threshold, dtype=np.float64), (n,))
        tols = np.broadcast_to(np.asarray(tol, dtype=np.float64), (n,))
        if np.isinf(thresholds).any() or np.isnan(tols).any():
            raise UndecidableError(f"{instance}: a bound durable_rules cannot compare with")
        out = np.empty(n, dtype=np.int8)
        for i in range(n):  # a rule engine takes one firm at a time
            if math.isnan(thresholds[i]):  # no threshold for this firm (another industry's bound)
                out[i] = Status.UNKNOWN  # nothing to decide, as in the core: every comparison is false
                continue
            ruleset = self._compare_ruleset(op, float(thresholds[i]), float(tols[i]))
            fact: dict[str, Any] = {"sid": self.sids[i], "k": instance}
            if not math.isnan(low[i]):
                fact["lo"] = _number(low[i])
            if not math.isnan(high[i]):
                fact["hi"] = _number(high[i])
            out[i] = self._take(ruleset, instance, self.sids[i], fact)
        return out

    def member(self, instance: str, values: FloatArray, allowed: Sequence[float]) -> StatusArray:
        ruleset = self._member_ruleset(allowed)
        out = np.empty(len(values), dtype=np.int8)
        for i in range(len(values)):
            fact: dict[str, Any] = {"sid": self.sids[i], "k": instance}
            if not math.isnan(values[i]):
                fact["v"] = _number(values[i])
            out[i] = self._take(ruleset, instance, self.sids[i], fact)
        return out

    # -- sessions ---------------------------------------------------------------------------------

    def facts(self, sid: str) -> Mapping[str, dict[str, Any]]:
        """The facts a firm's session holds, by test."""
        return {key[2]: self._facts[key] for key in self._by_sid.get(sid, ())}

    def forget(self, sid: str) -> None:
        """Retract every fact of a firm's session and drop the session from every ruleset it used
        (durable_rules slows down as sessions pile up; a forgotten firm leaves none behind)."""
        keys = self._by_sid.pop(sid, set())
        for key in keys:
            self.host.retract_fact(key[0], self._facts.pop(key))
            self._outcome.pop((sid, key[2]), None)
        for ruleset in {key[0] for key in keys}:
            self.host.delete_state(ruleset, sid)

    def forget_all(self) -> None:
        """Forget every session (the rulesets stay compiled)."""
        for sid in list(self._by_sid):
            self.forget(sid)

    @contextmanager
    def sessions(self, sids: Sequence[str]) -> Iterator[None]:
        """Take decisions for firms ``sids`` (one per input row) within the block."""
        previous = self.sids
        self.sids = sids
        try:
            yield
        finally:
            self.sids = previous


@functools.cache
def durable_decisions() -> DurableDecider:
    """The process-wide durable_rules decider (rulesets compiled once, reused by every call)."""
    return DurableDecider()
